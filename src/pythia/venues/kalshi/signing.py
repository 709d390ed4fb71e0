"""Kalshi API-key authentication: RSA-PSS request signatures and credentials.

Every authenticated request (and the WebSocket handshake) carries three headers:

- ``KALSHI-ACCESS-KEY``: the API key id;
- ``KALSHI-ACCESS-TIMESTAMP``: Unix time in milliseconds, as text;
- ``KALSHI-ACCESS-SIGNATURE``: base64 of RSA-PSS (SHA-256, MGF1-SHA-256, salt length = digest
  length) over ``timestamp + METHOD + path``, where the path starts at ``/trade-api`` and has
  no query string (the WebSocket signs ``GET /trade-api/ws/v2``).

Credentials come from the environment (``PYTHIA_KALSHI_KEY_ID`` and
``PYTHIA_KALSHI_PRIVATE_KEY`` with the PEM text, or ``PYTHIA_KALSHI_PRIVATE_KEY_PATH`` with a
PEM file) or, where the ``keyring`` package is installed, from the keyring service
``pythia-kalshi`` (entries ``key_id`` and ``private_key``). The private key is never printed:
:class:`KalshiCredentials` hides it from ``repr``.

>>> key = generate_private_key()
>>> headers = auth_headers(KalshiCredentials("key-1", key), "GET", "/trade-api/v2/x?a=1", 1000)
>>> verify(key.public_key(), headers[SIGNATURE_HEADER], "1000", "GET", "/trade-api/v2/x")
True
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pythia.core.errors import ConfigError

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

ENV_KEY_ID = "PYTHIA_KALSHI_KEY_ID"
ENV_PRIVATE_KEY = "PYTHIA_KALSHI_PRIVATE_KEY"
ENV_PRIVATE_KEY_PATH = "PYTHIA_KALSHI_PRIVATE_KEY_PATH"
KEYRING_SERVICE = "pythia-kalshi"

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


@dataclass(frozen=True)
class KalshiCredentials:
    """An API key id and its RSA private key (hidden from ``repr``)."""

    key_id: str
    private_key: rsa.RSAPrivateKey = field(repr=False)


def generate_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """Return a new RSA key (for tests and local emulators; Kalshi issues real ones)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def load_private_key(pem: bytes | str) -> rsa.RSAPrivateKey:
    """Parse an unencrypted PEM private key; ``ConfigError`` (without the key) if it is not one."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError("the Kalshi private key is not an unencrypted PEM RSA key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("the Kalshi private key is not an RSA key")
    return key


def load_public_key(pem: bytes | str) -> rsa.RSAPublicKey:
    """Parse a PEM public key (or take the public half of a PEM private key)."""
    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        return load_private_key(data).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError("not a PEM RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("not an RSA public key")
    return key


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signed_path(path_or_url: str) -> str:
    """The part of a request target that is signed: the path without query or fragment."""
    return urlsplit(path_or_url).path


def message(timestamp_ms: str, method: str, path: str) -> bytes:
    return f"{timestamp_ms}{method.upper()}{signed_path(path)}".encode()


def sign(key: rsa.RSAPrivateKey, timestamp_ms: str, method: str, path: str) -> str:
    """Return the base64 RSA-PSS signature of ``timestamp + METHOD + path``."""
    signature = key.sign(message(timestamp_ms, method, path), _PSS, hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(
    key: rsa.RSAPublicKey, signature_b64: str, timestamp_ms: str, method: str, path: str
) -> bool:
    """Return True when ``signature_b64`` signs ``timestamp + METHOD + path`` with ``key``."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        key.verify(signature, message(timestamp_ms, method, path), _PSS, hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def auth_headers(
    credentials: KalshiCredentials, method: str, path: str, now_ms: int | None = None
) -> dict[str, str]:
    """The three authentication headers of one request (``now_ms`` defaults to the clock)."""
    timestamp = str(int(time.time() * 1000) if now_ms is None else now_ms)
    return {
        KEY_HEADER: credentials.key_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(credentials.private_key, timestamp, method, path),
    }


def _keyring_value(name: str) -> str | None:
    try:
        import keyring  # optional: only where installed
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # noqa: BLE001 - a broken keyring backend means "not found"
        return None


def load_credentials(
    environ: Mapping[str, str] | None = None, use_keyring: bool = True
) -> KalshiCredentials:
    """Read the key id and private key from the environment, else from the keyring.

    Raises ``ConfigError`` naming every missing variable (and never the key itself).
    """
    env = os.environ if environ is None else environ
    key_id = env.get(ENV_KEY_ID) or (_keyring_value("key_id") if use_keyring else None)
    pem = env.get(ENV_PRIVATE_KEY)
    key_path = env.get(ENV_PRIVATE_KEY_PATH)
    if not pem and key_path:
        try:
            pem = Path(key_path).read_text()
        except OSError as error:
            raise ConfigError(
                f"{ENV_PRIVATE_KEY_PATH} names a file that cannot be read: {error.strerror}"
            ) from None
    if not pem and use_keyring:
        pem = _keyring_value("private_key")
    missing = []
    if not key_id:
        missing.append(ENV_KEY_ID)
    if not pem:
        missing.append(f"{ENV_PRIVATE_KEY} or {ENV_PRIVATE_KEY_PATH}")
    if missing:
        where = f" (or keyring service {KEYRING_SERVICE!r})" if use_keyring else ""
        raise ConfigError(f"Kalshi credentials missing: set {' and '.join(missing)}{where}")
    return KalshiCredentials(key_id, load_private_key(pem))
