"""Betfair credentials: environment first, then a keyring; missing ones are named, secrets
never shown."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.venues.betfair.auth import APP_KEY, CERTS, PASSWORD, USERNAME, load_credentials

FULL = {USERNAME: "alice", PASSWORD: "pa55-word", APP_KEY: "app-key-xyz"}


def test_credentials_come_from_the_environment_and_hide_secrets():
    credentials = load_credentials(FULL, keyring=None)
    assert (credentials.username, credentials.password, credentials.app_key) == (
        "alice",
        "pa55-word",
        "app-key-xyz",
    )
    assert not credentials.uses_certificate
    assert "pa55-word" not in repr(credentials) and "app-key-xyz" not in str(credentials)


def test_missing_credentials_are_named_and_no_value_is_shown():
    with pytest.raises(ConfigError) as missing:
        load_credentials({USERNAME: "alice", PASSWORD: "pa55-word"}, keyring=None)
    text = str(missing.value)
    assert APP_KEY in text and USERNAME not in text and PASSWORD not in text
    assert "pa55-word" not in text
    with pytest.raises(ConfigError) as none:
        load_credentials({}, keyring=None)
    assert all(name in str(none.value) for name in (USERNAME, PASSWORD, APP_KEY))


def test_the_keyring_fills_what_the_environment_lacks():
    stored = {("pythia-betfair", PASSWORD): "from-keyring"}
    credentials = load_credentials(
        {USERNAME: "alice", APP_KEY: "k"}, keyring=lambda s, n: stored.get((s, n))
    )
    assert credentials.password == "from-keyring"

    def broken(service: str, name: str) -> str:
        raise RuntimeError("locked keyring")

    with pytest.raises(ConfigError, match="keyring"):
        load_credentials({USERNAME: "alice", APP_KEY: "k"}, keyring=broken)


def test_certificate_folder_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=CERTS):
        load_credentials({**FULL, CERTS: str(tmp_path / "absent")}, keyring=None)
    assert load_credentials({**FULL, CERTS: str(tmp_path)}, keyring=None).certs == tmp_path
