"""Security of the operations API: settings, tokens, bearer authentication, headers.

Two bearer tokens guard the API: the **read** token may only read (``GET``), the
**control** token may read and steer (``POST``). They come from the ``[serve]`` section of
the configuration or from ``PYTHIA_READ_TOKEN`` / ``PYTHIA_CONTROL_TOKEN`` (the environment
wins), are compared in constant time and never appear in a message, a log line or a dump of
the settings. On loopback, missing tokens are generated into a private (0600) file; binding
to any other address needs ``allow_remote = true`` and both tokens given explicitly.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from pythia.core.errors import ConfigError

READ_TOKEN_ENV = "PYTHIA_READ_TOKEN"
CONTROL_TOKEN_ENV = "PYTHIA_CONTROL_TOKEN"
MIN_TOKEN_CHARS = 16
READ, CONTROL = "read", "control"
READ_METHODS = frozenset({"GET", "HEAD"})
PUBLIC_PREFIX = "/dashboard"
_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")
_ORIGIN = re.compile(r"^https?://[^/\s*]+$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)


class ApiSettings(BaseModel):
    """The ``[serve]`` section: where the API listens and who may use it.

    Tokens are :class:`~pydantic.SecretStr`: they print as ``**********`` and dump as such,
    so a settings dump (or a run's configuration hash) never carries them."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8321, ge=0, le=65535, description="0: any free port")
    read_token: SecretStr | None = None
    control_token: SecretStr | None = None
    allow_remote: bool = False
    """Allow a non-loopback ``host`` (needs both tokens given explicitly)."""
    cors_origins: list[str] = Field(default_factory=list)
    """Origins (``https://ops.example.com``) allowed to call the API from a browser."""

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"CORS origin {origin!r} is not an origin: use scheme://host[:port] "
                    "(no path, no wildcard)"
                )
        return origins


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _check_token(name: str, token: str) -> None:
    if len(token) < MIN_TOKEN_CHARS or not _TOKEN_CHARS.match(token):
        raise ConfigError(
            f"{name} must be at least {MIN_TOKEN_CHARS} printable ASCII characters without "
            "spaces (generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


def resolve_tokens(settings: ApiSettings, environ: Mapping[str, str] | None = None) -> ApiSettings:
    """Return ``settings`` with the tokens of ``environ`` (default ``os.environ``) applied.

    ``PYTHIA_READ_TOKEN`` / ``PYTHIA_CONTROL_TOKEN`` override the configuration; an empty
    variable counts as unset. Raise :class:`ConfigError` for a weak token or when the two
    tokens are equal (messages never contain token values)."""
    environ = os.environ if environ is None else environ
    read = environ.get(READ_TOKEN_ENV) or _secret(settings.read_token)
    control = environ.get(CONTROL_TOKEN_ENV) or _secret(settings.control_token)
    if read is not None:
        _check_token(f"the read token ({READ_TOKEN_ENV} or serve.read_token)", read)
    if control is not None:
        _check_token(f"the control token ({CONTROL_TOKEN_ENV} or serve.control_token)", control)
    if read is not None and control is not None and hmac.compare_digest(read, control):
        raise ConfigError(
            f"the read and control tokens are the same: give {READ_TOKEN_ENV} and "
            f"{CONTROL_TOKEN_ENV} different values"
        )
    return settings.model_copy(
        update={
            "read_token": SecretStr(read) if read is not None else None,
            "control_token": SecretStr(control) if control is not None else None,
        }
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: ApiSettings) -> None:
    """Refuse a non-loopback ``host`` unless ``allow_remote`` is set and both tokens are
    given (configuration or environment: apply :func:`resolve_tokens` first)."""
    if is_loopback(settings.host):
        return
    missing = []
    if not settings.allow_remote:
        missing.append("serve.allow_remote = true")
    if settings.control_token is None:
        missing.append(f"a control token ({CONTROL_TOKEN_ENV} or serve.control_token)")
    if settings.read_token is None:
        missing.append(f"a read token ({READ_TOKEN_ENV} or serve.read_token)")
    if missing:
        raise ConfigError(
            f"serve.host {settings.host!r} is not a loopback address: binding to it needs "
            + ", ".join(missing)
        )


def _read_token_file(token_file: Path) -> dict[str, str]:
    """Tokens of an earlier run's file, if only this user can read it."""
    try:
        status = token_file.stat()
        if status.st_mode & 0o077 or status.st_uid != os.getuid():
            return {}
        lines = token_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and name.strip() in (READ_TOKEN_ENV, CONTROL_TOKEN_ENV):
            found[name.strip()] = value.strip()
    return found


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def ensure_tokens(settings: ApiSettings, token_file: Path) -> tuple[str, str]:
    """Return ``(read, control)``: the given tokens, else those of ``token_file`` (when only
    this user can read it), else new ones (``secrets.token_urlsafe(32)``).

    Tokens not given are written to ``token_file`` (mode 0600, as ``NAME=value`` lines an
    env file can load); given tokens never are. Nothing is printed or logged."""
    read, control = _secret(settings.read_token), _secret(settings.control_token)
    if read is not None and control is not None:
        return read, control
    stored = _read_token_file(token_file)
    kept: dict[str, str] = {}
    for name, given in ((READ_TOKEN_ENV, read), (CONTROL_TOKEN_ENV, control)):
        if given is not None:
            continue
        candidate = stored.get(name, "")
        try:
            _check_token(name, candidate)
        except ConfigError:
            candidate = secrets.token_urlsafe(32)
        kept[name] = candidate
    read = read if read is not None else kept[READ_TOKEN_ENV]
    control = control if control is not None else kept[CONTROL_TOKEN_ENV]
    if hmac.compare_digest(read, control):  # a stale file against a new given token
        kept = {name: secrets.token_urlsafe(32) for name in kept}
        read = kept.get(READ_TOKEN_ENV, read)
        control = kept.get(CONTROL_TOKEN_ENV, control)
    lines = ["# Pythia API tokens (generated by pythia serve; keep this file private)"]
    lines += [f"{name}={value}" for name, value in kept.items()]
    _write_private(token_file, "\n".join(lines) + "\n")
    return read, control


class TokenCheck:
    """Tell the role of a presented token: ``control``, ``read`` or ``None``."""

    def __init__(self, read_token: str, control_token: str) -> None:
        _check_token("the read token", read_token)
        _check_token("the control token", control_token)
        if hmac.compare_digest(read_token, control_token):
            raise ConfigError("the read and control tokens must differ")
        self._read = read_token.encode()
        self._control = control_token.encode()

    def role(self, presented: str | None) -> str | None:
        """Compare ``presented`` with both tokens in constant time."""
        if not presented:
            return None
        given = presented.encode("utf-8", "replace")
        is_control = hmac.compare_digest(given, self._control)
        is_read = hmac.compare_digest(given, self._read)
        return CONTROL if is_control else READ if is_read else None

    def role_of_header(self, value: str | None) -> str | None:
        """The role of an ``Authorization: Bearer <token>`` header value."""
        if not value:
            return None
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.role(token.strip())

    def scrub(self, value):
        """``value`` (str, list or dict) with any token in it replaced by ``***``."""
        if isinstance(value, str):
            for token in (self._read.decode(), self._control.decode()):
                value = value.replace(token, "***")
            return value
        if isinstance(value, list | tuple):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        return value


def is_public(path: str) -> bool:
    """The dashboard's static files (no data in them) and ``/`` need no token."""
    return path == "/" or path == PUBLIC_PREFIX or path.startswith(PUBLIC_PREFIX + "/")


async def _send_json(send, status: int, body: dict, headers: Iterable = ()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BearerAuth:
    """ASGI middleware: every HTTP request outside the dashboard needs a bearer token (even
    for a path that does not exist); reading needs either token, anything else the control
    token. WebSockets authenticate in their first message (see :mod:`pythia.service.api`)."""

    def __init__(self, app, check: TokenCheck) -> None:
        self.app = app
        self.check = check

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        role = self.check.role_of_header(header)
        if role is None:
            await _send_json(
                send,
                401,
                {"detail": "missing or invalid bearer token"},
                [(b"www-authenticate", b'Bearer realm="pythia"')],
            )
            return
        if scope["method"] not in READ_METHODS and role != CONTROL:
            await _send_json(send, 403, {"detail": "this request needs the control token"})
            return
        scope.setdefault("state", {})["role"] = role
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: nosniff, no framing, no referrer and a strict Content-Security-Policy
    on every response; ``Cache-Control: no-store`` on everything but the dashboard."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if not is_public(scope["path"]):
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
