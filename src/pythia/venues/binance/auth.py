"""Binance API credentials: from the environment, else a keyring; checked at start.

Variables (each may instead be stored in the system keyring under service
``pythia-binance`` with the variable name as the user name; ``keyring`` is optional):

- ``PYTHIA_BINANCE_API_KEY``: the API key (sent as the ``X-MBX-APIKEY`` header);
- ``PYTHIA_BINANCE_API_SECRET``: the HMAC-SHA256 secret that signs private requests.

Secrets never appear in ``repr``, ``str`` or error messages: errors name the variables only.

>>> creds = load_credentials(
...     {"PYTHIA_BINANCE_API_KEY": "k" * 64, "PYTHIA_BINANCE_API_SECRET": "s" * 64}, keyring=None
... )
>>> "kkkk" in repr(creds) or "ssss" in repr(creds)
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pythia.core.errors import ConfigError
from pythia.venues.secrets import Lookup, SecretReader

API_KEY = "PYTHIA_BINANCE_API_KEY"
API_SECRET = "PYTHIA_BINANCE_API_SECRET"
KEYRING_SERVICE = "pythia-binance"

"""``keyring.get_password``-shaped: (service, name) -> value or None."""


@dataclass(frozen=True, slots=True)
class BinanceCredentials:
    """An API key and its secret; neither is shown by ``repr``."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)

    def __repr__(self) -> str:
        return "BinanceCredentials(api_key=***, api_secret=***)"

    __str__ = __repr__


def load_credentials(
    env: Mapping[str, str] | None = None, *, keyring: Lookup | None | str = "system"
) -> BinanceCredentials:
    """Read the key and secret; ``ConfigError`` naming every missing variable.

    ``keyring``: a lookup function, None for none, or "system" for the ``keyring`` package
    when it is installed.
    """
    reader = SecretReader(env, keyring, KEYRING_SERVICE)
    read = reader.read
    lookup = reader.lookup

    key, secret = read(API_KEY), read(API_SECRET)
    missing = [name for name, value in ((API_KEY, key), (API_SECRET, secret)) if not value]
    if missing:
        where = "the environment or the keyring" if callable(lookup) else "the environment"
        raise ConfigError(
            f"Binance credentials missing: set {', '.join(missing)} in {where}"
            f" (keyring service {KEYRING_SERVICE!r})"
        )
    assert key is not None and secret is not None
    return BinanceCredentials(key, secret)
