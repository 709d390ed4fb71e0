"""Keep notification URLs out of logs: split them into secret parts and redact those.

Apprise URLs carry credentials (bot tokens, webhook tokens, passwords), and apprise itself
logs a URL it cannot parse in full. :func:`register` remembers the secret parts of a URL
and installs a :class:`logging.Filter` on the apprise and urllib3 loggers that masks them
in every record; :func:`redact` masks them in any text. A URL's host stays readable when it
is a DNS name or an IP address (``hooks.slack.com``, ``127.0.0.1``) and so is its port;
every other part of four characters or more (user, password, path segments, tokens,
query values) is masked.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote

MASK = "***"
LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.connection", "requests")
"""Loggers whose records can contain a notification URL or parts of it."""

_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_MIN_SECRET_CHARS = 4

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_installed = False


def scheme_of(url: str) -> str | None:
    """Return the URL's scheme (``"tgram"``) when it has a well-formed one, else ``None``."""
    match = _SCHEME.match(url.strip())
    return match.group(1).lower() if match else None


def _public_parts(rest: str) -> set[str]:
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host_port = netloc.rsplit("@", 1)[-1]
    host, _, port = host_port.rpartition(":") if ":" in host_port else (host_port, "", "")
    public = set()
    if "." in host:
        public.add(host)
    if port.isdigit():
        public.add(port)
    return public


def secret_parts(url: str) -> set[str]:
    """Return the parts of ``url`` that must never be shown.

    Masking them all masks the URL too, except its public host and port.
    """
    text = url.strip()
    match = _SCHEME.match(text)
    rest = text[match.end() :] if match else text
    public = _public_parts(rest)
    parts: set[str] = set()
    for variant in (rest, unquote(rest)):
        for token in _SPLIT.split(variant):
            if len(token) >= _MIN_SECRET_CHARS and token not in public:
                parts.add(token)
    return parts


def redact(text: str) -> str:
    """Return ``text`` with every registered secret part replaced by ``***``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Mask registered secrets in a record's message and traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def register(url: str) -> None:
    """Remember the secret parts of ``url`` and make sure the log filter is installed."""
    global _secrets, _installed
    with _lock:
        known = set(_secrets) | secret_parts(url)
        _secrets = tuple(sorted(known, key=len, reverse=True))
        if not _installed:
            for name in LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
            _installed = True
