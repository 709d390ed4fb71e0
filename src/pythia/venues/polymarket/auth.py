"""Polymarket credentials: from the environment, else a keyring; checked at start.

Variables (each may instead be stored in the system keyring under service
``pythia-polymarket`` with the variable name as the user name; ``keyring`` is optional):

- ``PYTHIA_POLYMARKET_PRIVATE_KEY``: the wallet key that signs orders and L1 headers;
- ``PYTHIA_POLYMARKET_API_KEY``, ``..._API_SECRET``, ``..._API_PASSPHRASE``: the L2
  credentials (all three or none: without them the client derives them with the key);
- ``PYTHIA_POLYMARKET_FUNDER``: the address holding the funds (proxy or safe; default the
  wallet itself) and ``PYTHIA_POLYMARKET_SIGNATURE_TYPE`` (0 EOA, 1 POLY_PROXY,
  2 POLY_GNOSIS_SAFE; default 0).

Secrets never appear in ``repr``, ``str`` or error messages: errors name the variables only.

>>> creds = load_credentials({"PYTHIA_POLYMARKET_PRIVATE_KEY": "0x" + "11" * 32}, keyring=None)
>>> "11" in repr(creds)
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pythia.core.errors import ConfigError
from pythia.venues.secrets import Lookup, SecretReader

PREFIX = "PYTHIA_POLYMARKET_"
PRIVATE_KEY = PREFIX + "PRIVATE_KEY"
API_KEY = PREFIX + "API_KEY"
API_SECRET = PREFIX + "API_SECRET"
API_PASSPHRASE = PREFIX + "API_PASSPHRASE"
FUNDER = PREFIX + "FUNDER"
SIGNATURE_TYPE = PREFIX + "SIGNATURE_TYPE"
KEYRING_SERVICE = "pythia-polymarket"
L2_NAMES = (API_KEY, API_SECRET, API_PASSPHRASE)

"""``keyring.get_password``-shaped: (service, name) -> value or None."""


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """L2 credentials issued by the CLOB for one wallet."""

    api_key: str
    api_secret: str = field(repr=False)
    api_passphrase: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PolymarketCredentials:
    """What the order client needs; ``api`` is None until derived from the wallet key."""

    private_key: str = field(repr=False)
    api: ApiCredentials | None = None
    funder: str | None = None
    signature_type: int = 0

    def with_api(self, api: ApiCredentials) -> PolymarketCredentials:
        """Return a copy holding derived L2 credentials."""
        return PolymarketCredentials(self.private_key, api, self.funder, self.signature_type)


def load_credentials(
    env: Mapping[str, str] | None = None,
    *,
    keyring: Lookup | None | str = "system",
    require_api: bool = False,
) -> PolymarketCredentials:
    """Read the credentials (see the module doc); ``ConfigError`` naming what is missing.

    ``keyring``: a lookup function, None for none, or "system" for the ``keyring`` package
    when installed. ``require_api``: the L2 triple must be present (else it may be derived).
    """
    reader = SecretReader(env, keyring, KEYRING_SERVICE)
    read = reader.read
    lookup = reader.lookup

    key = read(PRIVATE_KEY)
    api_values = [read(name) for name in L2_NAMES]
    missing = [] if key else [PRIVATE_KEY]
    given = [v is not None for v in api_values]
    if require_api or any(given):
        missing += [name for name, ok in zip(L2_NAMES, given, strict=True) if not ok]
    if missing:
        where = "the environment or the keyring" if callable(lookup) else "the environment"
        raise ConfigError(
            f"Polymarket credentials missing: set {', '.join(missing)} in {where}"
            + (" (the API key, secret and passphrase go together)" if any(given) else "")
        )
    assert key is not None
    if not _is_hex_key(key):
        raise ConfigError(f"{PRIVATE_KEY} is not a 32-byte hex private key")
    signature_text = read(SIGNATURE_TYPE) or "0"
    if signature_text not in ("0", "1", "2"):
        raise ConfigError(f"{SIGNATURE_TYPE} must be 0 (EOA), 1 or 2, not {signature_text!r}")
    api = None
    if all(given):
        api_key, secret, passphrase = api_values
        api = ApiCredentials(api_key or "", secret or "", passphrase or "")
    return PolymarketCredentials(key, api, read(FUNDER), int(signature_text))


def _is_hex_key(key: str) -> bool:
    raw = key.removeprefix("0x")
    return len(raw) == 64 and all(c in "0123456789abcdefABCDEF" for c in raw)
