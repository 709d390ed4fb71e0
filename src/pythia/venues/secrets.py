"""Reading venue credentials: the environment first, then the system keyring.

Values are stripped; an empty value counts as not set. A keyring backend that is missing,
locked or broken counts as "not set" too, never as an error. Nothing here prints or logs a
value: callers name the *variables* that are missing, never their contents.

>>> reader = SecretReader({"PYTHIA_X_KEY": " abc "}, None, "pythia-x")
>>> reader.read("PYTHIA_X_KEY"), reader.read("PYTHIA_X_OTHER")
('abc', None)
>>> reader.where
'the environment'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

Lookup = Callable[[str, str], str | None]
"""``keyring.get_password``-like: ``(service, name) -> value or None``."""


def system_keyring() -> Lookup | None:
    """``keyring.get_password`` when the optional ``keyring`` package is installed."""
    try:
        import keyring  # optional dependency
    except ImportError:
        return None
    return keyring.get_password


class SecretReader:
    """Reads named secrets from ``env`` (default: the process environment), then from the
    keyring ``service`` via ``keyring`` (a lookup, None for none, or "system")."""

    def __init__(
        self,
        env: Mapping[str, str] | None,
        keyring: Lookup | None | str,
        service: str,
    ) -> None:
        self.source = os.environ if env is None else env
        self.lookup = system_keyring() if keyring == "system" else keyring
        self.service = service

    def read(self, name: str) -> str | None:
        value = self.source.get(name)
        if not value and callable(self.lookup):
            try:
                value = self.lookup(self.service, name)
            except Exception:  # noqa: BLE001 - a locked or absent backend: not set
                value = None
        return value.strip() if value and value.strip() else None

    @property
    def where(self) -> str:
        """Where the secrets were looked for, for error messages."""
        if callable(self.lookup):
            return f"the environment or the keyring (service {self.service!r})"
        return "the environment"
