"""Kalshi RSA-PSS signing and credentials (throwaway keys made here)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from pythia.core.errors import ConfigError
from pythia.venues.kalshi import signing


def test_signature_verifies_over_timestamp_method_and_path_without_query(rsa_key):
    headers = signing.auth_headers(
        signing.KalshiCredentials("key-1", rsa_key),
        "post",
        "/trade-api/v2/portfolio/orders?x=1",
        1_700,
    )

    assert headers[signing.KEY_HEADER] == "key-1"
    assert headers[signing.TIMESTAMP_HEADER] == "1700"
    public = rsa_key.public_key()
    signature = headers[signing.SIGNATURE_HEADER]
    assert signing.verify(public, signature, "1700", "POST", "/trade-api/v2/portfolio/orders")
    assert not signing.verify(public, signature, "1701", "POST", "/trade-api/v2/portfolio/orders")
    assert not signing.verify(public, signature, "1700", "GET", "/trade-api/v2/portfolio/orders")
    assert not signing.verify(
        public, "not base64!", "1700", "POST", "/trade-api/v2/portfolio/orders"
    )


def test_signature_is_pss_sha256_with_digest_length_salt(rsa_key):
    signature = signing.sign(rsa_key, "42", "GET", "/trade-api/ws/v2")

    rsa_key.public_key().verify(  # the reference parameters; raises if they differ
        base64.b64decode(signature),
        b"42GET/trade-api/ws/v2",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_a_signature_from_another_key_does_not_verify(rsa_key):
    other = signing.generate_private_key()

    signature = signing.sign(other, "1", "GET", "/trade-api/v2/portfolio/balance")

    assert not signing.verify(
        rsa_key.public_key(), signature, "1", "GET", "/trade-api/v2/portfolio/balance"
    )


def test_credentials_from_the_environment_pem_text_or_file(rsa_key, tmp_path):
    pem = signing.private_key_pem(rsa_key).decode()
    path = tmp_path / "kalshi.pem"
    path.write_text(pem)

    from_text = signing.load_credentials(
        {signing.ENV_KEY_ID: "id-1", signing.ENV_PRIVATE_KEY: pem}, use_keyring=False
    )
    from_file = signing.load_credentials(
        {signing.ENV_KEY_ID: "id-2", signing.ENV_PRIVATE_KEY_PATH: str(path)}, use_keyring=False
    )

    assert from_text.key_id == "id-1" and from_file.key_id == "id-2"
    assert from_file.private_key.private_numbers() == rsa_key.private_numbers()
    assert "PRIVATE" not in repr(from_text) and "private_key" not in repr(from_text)


def test_missing_credentials_name_every_missing_variable():
    with pytest.raises(ConfigError) as caught:
        signing.load_credentials({}, use_keyring=False)

    message = str(caught.value)
    assert signing.ENV_KEY_ID in message
    assert signing.ENV_PRIVATE_KEY in message and signing.ENV_PRIVATE_KEY_PATH in message


def test_a_bad_key_is_refused_without_echoing_it():
    secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRleHQ=\n-----END PRIVATE KEY-----\n"

    with pytest.raises(ConfigError) as caught:
        signing.load_credentials(
            {signing.ENV_KEY_ID: "id", signing.ENV_PRIVATE_KEY: secret}, use_keyring=False
        )

    assert "c2VjcmV0" not in str(caught.value)


def test_an_unreadable_key_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=signing.ENV_PRIVATE_KEY_PATH):
        signing.load_credentials(
            {signing.ENV_KEY_ID: "id", signing.ENV_PRIVATE_KEY_PATH: str(tmp_path / "missing.pem")},
            use_keyring=False,
        )
