"""Signature and HMAC checks against the official client (the oracle): what
``py-clob-client-v2`` signs, ``signing.py`` verifies; anything tampered with does not."""

from __future__ import annotations

import json

import msgspec
import pytest
from py_clob_client_v2.clob_types import ApiCreds, CreateOrderOptions, OrderArgs, RequestArgs
from py_clob_client_v2.headers.headers import create_level_1_headers, create_level_2_headers
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
from py_clob_client_v2.signer import Signer
from py_clob_client_v2.signing.hmac import build_hmac_signature

from pythia.core.errors import DataError
from pythia.venues.polymarket import encode, parse, signing, wire

TOKEN = "48331043336612883890938759509493159234755048973500640148014422747788308965732"


def _signed(kit, neg_risk: bool) -> wire.SignedOrder:
    signer = Signer(kit.WALLET.key.hex(), 137)
    order = OrderBuilder(signer).build_order(
        OrderArgs(token_id=TOKEN, price=0.514, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.001", neg_risk=neg_risk),
    )
    return msgspec.convert(order_to_json_v2(order, "key", "GTC")["order"], wire.SignedOrder)


@pytest.mark.parametrize("neg_risk", [False, True])
def test_official_order_signature_recovers_its_signer(kit, neg_risk):
    order = _signed(kit, neg_risk)

    signer = signing.recover_order_signer(order, 137, neg_risk)

    assert signer == kit.WALLET.address == order.signer


def test_order_signed_for_the_other_exchange_recovers_someone_else(kit):
    order = _signed(kit, neg_risk=False)

    assert signing.recover_order_signer(order, 137, neg_risk=True) != kit.WALLET.address


def test_tampered_amount_changes_the_recovered_signer(kit):
    order = _signed(kit, neg_risk=True)
    tampered = msgspec.structs.replace(order, taker_amount="20000000")

    assert signing.recover_order_signer(tampered, 137, True) != kit.WALLET.address


def test_garbage_signature_is_a_data_error(kit):
    order = msgspec.structs.replace(_signed(kit, True), signature="0x1234")

    with pytest.raises(DataError):
        signing.recover_order_signer(order, 137, True)


def test_recorded_signed_order_hashes_and_converts_exactly(tests_data):
    recorded = json.loads((tests_data / "polymarket" / "http_signed_order.json").read_text())
    order = msgspec.convert(recorded, wire.SignedOrder)

    order_id = signing.order_hash(order, 137, neg_risk=False)
    price, size = parse.parse_order_amounts(order.side, order.maker_amount, order.taker_amount)

    assert order_id.startswith("0x") and len(order_id) == 66
    # the recording pays 100 collateral for 50 shares: 2.0, which the venue's tick check refuses
    assert (price, size) == (20_000, 50_000_000)


def test_l1_headers_of_the_official_client_verify(kit):
    headers = create_level_1_headers(Signer(kit.WALLET.key.hex(), 137), nonce=7)

    signer = signing.recover_l1_signer(
        headers["POLY_ADDRESS"], headers["POLY_TIMESTAMP"], 7, headers["POLY_SIGNATURE"], 137
    )

    assert signer == kit.WALLET.address
    assert (
        signing.recover_l1_signer(
            headers["POLY_ADDRESS"], headers["POLY_TIMESTAMP"], 8, headers["POLY_SIGNATURE"], 137
        )
        != kit.WALLET.address
    )


def test_l2_hmac_matches_the_official_client(kit):
    creds = ApiCreds("key", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "pass")
    body = '{"orderID":"0xabc"}'
    args = RequestArgs("DELETE", "/order", json.loads(body), body)

    headers = create_level_2_headers(Signer(kit.WALLET.key.hex(), 137), creds, args, 1700000000)

    mine = signing.l2_signature(creds.api_secret, "1700000000", "DELETE", "/order", body)
    assert mine == headers["POLY_SIGNATURE"]
    assert mine == build_hmac_signature(creds.api_secret, 1700000000, "DELETE", "/order", body)
    assert signing.is_l2_signature_valid(
        creds.api_secret, "1700000000", "DELETE", "/order", body, mine
    )
    assert not signing.is_l2_signature_valid(
        creds.api_secret, "1700000000", "DELETE", "/order", body + " ", mine
    )


@pytest.mark.parametrize(
    ("side", "price", "size", "expected"),
    [
        ("BUY", 5140, 10_000_000, (5_140_000, 10_000_000)),
        ("SELL", 5140, 10_000_000, (10_000_000, 5_140_000)),
        ("BUY", 1, 10_000, (1, 10_000)),
    ],
)
def test_order_amounts_round_trip_exactly(side, price, size, expected):
    amounts = encode.order_amounts(side, price, size)

    assert amounts == expected
    assert parse.parse_order_amounts(side, str(amounts[0]), str(amounts[1])) == (price, size)


def test_inexact_order_price_is_refused():
    with pytest.raises(DataError):
        parse.parse_order_amounts("BUY", "1000000", "3000000")
