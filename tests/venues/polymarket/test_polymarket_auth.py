"""Credentials: from the environment or a keyring, checked at start, never shown."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.venues.polymarket import auth

KEY = "0x" + "ab" * 32
SECRET = "c2VjcmV0LXZhbHVl"


def test_missing_key_names_the_variable_and_nothing_else():
    with pytest.raises(ConfigError) as missing:
        auth.load_credentials({}, keyring=None)

    assert "PYTHIA_POLYMARKET_PRIVATE_KEY" in str(missing.value)


def test_partial_api_credentials_name_what_is_missing_without_values():
    env = {auth.PRIVATE_KEY: KEY, auth.API_KEY: "k", auth.API_SECRET: SECRET}

    with pytest.raises(ConfigError) as missing:
        auth.load_credentials(env, keyring=None)

    assert "PYTHIA_POLYMARKET_API_PASSPHRASE" in str(missing.value)
    assert SECRET not in str(missing.value) and KEY not in str(missing.value)


def test_required_api_credentials():
    with pytest.raises(ConfigError, match="API_KEY, PYTHIA_POLYMARKET_API_SECRET"):
        auth.load_credentials({auth.PRIVATE_KEY: KEY}, keyring=None, require_api=True)


def test_keyring_fills_what_the_environment_lacks():
    stored = {auth.PRIVATE_KEY: KEY, auth.API_KEY: "k", auth.API_SECRET: SECRET,
              auth.API_PASSPHRASE: "p"}  # fmt: skip

    credentials = auth.load_credentials(
        {auth.FUNDER: "0xfunder"},
        keyring=lambda service, name: stored.get(name) if service == auth.KEYRING_SERVICE else None,
    )

    assert credentials.api == auth.ApiCredentials("k", SECRET, "p")
    assert credentials.funder == "0xfunder"
    assert SECRET not in repr(credentials) and KEY not in repr(credentials)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({auth.PRIVATE_KEY: "0x1234"}, "not a 32-byte hex private key"),
        ({auth.PRIVATE_KEY: KEY, auth.SIGNATURE_TYPE: "7"}, "SIGNATURE_TYPE must be"),
    ],
)
def test_malformed_values_are_config_errors(env, message):
    with pytest.raises(ConfigError, match=message) as error:
        auth.load_credentials(env, keyring=None)

    assert "1234" not in str(error.value)
