"""The payload guard: no secrets, no floats, only JSON types; nothing written when refused."""

import math
from decimal import Decimal

import pytest

from pythia.store import Journal, PayloadRefused
from pythia.store.guard import check_payload, secret_fragment


@pytest.mark.parametrize(
    "key",
    [
        "secret",
        "api_secret",
        "API-Secret",
        "apiKey",
        "api_key",
        "X-API-KEY",
        "passphrase",
        "password",
        "db_passwd",
        "private_key",
        "privateKey",
        "token",
        "access_token",
        "authToken",
        "tokens",
        "refresh_token_value",
        "credentials",
        "wallet_mnemonic",
    ],
)
def test_secret_looking_keys_are_recognised(key):
    assert secret_fragment(key) is not None


@pytest.mark.parametrize(
    "key",
    [
        "token_id",
        "tokenId",
        "clobTokenIds",
        "yes_token_id",
        "token_ids",
        "asset_id",
        "price",
        "order_id",
        "seed",
        "signature",
        "key",
        "market",
    ],
)
def test_market_identifier_keys_are_allowed(key):
    assert secret_fragment(key) is None


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"api_key": "k-123"}, "api_key"),
        (
            {"order": {"legs": [{"price": 1}, {"Passphrase": "hunter2"}]}},
            "order.legs[1].Passphrase",
        ),
        ({"auth": {"access_token": "abc"}}, "auth.access_token"),
    ],
)
def test_secret_keys_are_refused_by_name_never_by_value(journal_url, payload, path):
    with Journal.open(journal_url) as journal:
        with pytest.raises(PayloadRefused) as caught:
            journal.append("order_submitted", payload, 1)
        assert journal.last_seq == 0 and list(journal.records()) == []
    message = str(caught.value)
    assert repr(path) in message and "secret" in message
    assert "k-123" not in message and "hunter2" not in message and "abc" not in message


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"price": 0.1}, "price"),
        ({"pnl": math.nan}, "pnl"),
        ({"fills": [{"size": 1}, {"size": math.inf}]}, "fills[1].size"),
        ({"fee": -math.inf}, "fee"),
    ],
)
def test_floats_are_refused(journal_url, payload, where):
    with Journal.open(journal_url) as journal:
        with pytest.raises(PayloadRefused, match="float") as caught:
            journal.append("fill", payload, 1)
        assert journal.last_seq == 0
    assert repr(where) in str(caught.value)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ({"price": Decimal("0.45")}, "Decimal"),
        ({"raw": b"\x00"}, "bytes"),
        ({"ids": {1, 2}}, "set"),
        ({1: "one"}, "keys must be str"),
        ({"text": "\ud800"}, "UTF-8"),
        ([("price", 1)], "must be a dict"),
    ],
)
def test_non_json_values_are_refused(payload, match):
    with pytest.raises(PayloadRefused, match=match):
        from pythia.store.guard import canonical_json

        canonical_json(check_payload(payload))


def test_deep_nesting_is_refused():
    payload: dict = {}
    inner = payload
    for _ in range(40):
        inner["next"] = {}
        inner = inner["next"]
    with pytest.raises(PayloadRefused, match="deeper"):
        check_payload(payload)
