"""Betfair credentials: from the environment, else a keyring; checked at start.

Variables (each may instead be stored in the system keyring under service
``pythia-betfair`` with the variable name as the user name; ``keyring`` is optional):

- ``PYTHIA_BETFAIR_USERNAME``, ``PYTHIA_BETFAIR_PASSWORD``: the account login;
- ``PYTHIA_BETFAIR_APP_KEY``: the application key (``X-Application``);
- ``PYTHIA_BETFAIR_CERTS`` (optional): a folder holding the client certificate
  (``.crt`` + ``.key`` or one ``.pem``) for the non-interactive certificate login; without
  it the interactive login is used.

Secrets never appear in ``repr``, ``str`` or error messages: errors name the variables only.

>>> creds = load_credentials(
...     {"PYTHIA_BETFAIR_USERNAME": "u", "PYTHIA_BETFAIR_PASSWORD": "hunter2",
...      "PYTHIA_BETFAIR_APP_KEY": "k"}, keyring=None)
>>> "hunter2" in repr(creds), creds.username
(False, 'u')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pythia.core.errors import ConfigError
from pythia.venues.secrets import Lookup, SecretReader

PREFIX = "PYTHIA_BETFAIR_"
USERNAME = PREFIX + "USERNAME"
PASSWORD = PREFIX + "PASSWORD"
APP_KEY = PREFIX + "APP_KEY"
CERTS = PREFIX + "CERTS"
REQUIRED = (USERNAME, PASSWORD, APP_KEY)
KEYRING_SERVICE = "pythia-betfair"

"""``keyring.get_password``-shaped: (service, name) -> value or None."""


@dataclass(frozen=True, slots=True)
class BetfairCredentials:
    """What the login needs. Only the user name shows in ``repr``."""

    username: str
    password: str = field(repr=False)
    app_key: str = field(repr=False)
    certs: Path | None = None

    @property
    def uses_certificate(self) -> bool:
        return self.certs is not None


def load_credentials(
    env: Mapping[str, str] | None = None, *, keyring: Lookup | None | str = "system"
) -> BetfairCredentials:
    """Read the credentials (see the module doc); ``ConfigError`` naming what is missing.

    ``keyring``: a lookup function, None for none, or "system" for the ``keyring`` package
    when it is installed.
    """
    reader = SecretReader(env, keyring, KEYRING_SERVICE)
    read = reader.read
    lookup = reader.lookup

    values = {name: read(name) for name in REQUIRED}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        where = (
            f"the environment or the keyring (service {KEYRING_SERVICE!r})"
            if callable(lookup)
            else "the environment"
        )
        raise ConfigError(f"Betfair credentials missing: set {', '.join(missing)} in {where}")
    certs_text = read(CERTS)
    certs = Path(certs_text) if certs_text else None
    if certs is not None and not certs.is_dir():
        raise ConfigError(f"{CERTS} must name a folder holding the client certificate")
    return BetfairCredentials(
        values[USERNAME] or "", values[PASSWORD] or "", values[APP_KEY] or "", certs
    )
