"""The official client (py-clob-client-v2) against the emulator's REST endpoints."""

from __future__ import annotations

import json

import httpx
import pytest
from py_clob_client_v2 import (
    BalanceAllowanceParams,
    ClobClient,
    OrderArgs,
    OrderPayload,
    OrderType,
    PartialCreateOrderOptions,
    PostOrdersV2Args,
)
from py_clob_client_v2.clob_types import AssetType, RequestArgs
from py_clob_client_v2.exceptions import PolyApiException
from py_clob_client_v2.headers.headers import create_level_2_headers
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

from pythia.data.catalog import Catalog
from pythia.venues.polymarket import encode
from pythia.venues.polymarket.emulator import PolymarketEmulator


@pytest.fixture
def client(running, kit):
    client = ClobClient(running.url, chain_id=137, key=kit.WALLET.key.hex())
    client.set_api_creds(client.create_or_derive_api_key())
    return client


def _buy(client, kit, price=0.514, size=10.0):
    return client.create_order(OrderArgs(token_id=kit.NO_TOKEN, price=price, size=size, side="BUY"))


def test_derived_credentials_are_stable_and_secret_free_in_repr(running, kit):
    client = ClobClient(running.url, chain_id=137, key=kit.WALLET.key.hex())

    created = client.create_or_derive_api_key()
    derived = client.derive_api_key()

    assert created == derived
    with pytest.raises(PolyApiException) as refused:
        client.create_api_key()  # one key per (wallet, nonce): the client then derives
    assert refused.value.status_code == 400


def test_l1_headers_signed_by_another_wallet_are_refused(running, kit):
    client = ClobClient(running.url, chain_id=137, key=kit.OTHER_WALLET.key.hex())
    headers = client._l1_headers()
    headers["POLY_ADDRESS"] = kit.WALLET.address

    answer = httpx.post(f"{running.url}/auth/api-key", headers=headers)

    assert answer.status_code == 401
    assert answer.json() == {"error": "Invalid L1 Request headers"}


def test_book_and_market_rules_match_the_recording(client, running, kit):
    book = client.get_order_book(kit.NO_TOKEN)
    recorded = json.loads(kit.BOOK.read_text())

    assert book["bids"] == recorded["bids"] and book["asks"] == recorded["asks"]
    assert book["tick_size"] == "0.001" and book["min_order_size"] == "5"
    assert book["neg_risk"] is True
    assert book["hash"] == encode.book_hash(book) == client.get_order_book_hash(dict(book))
    assert client.get_tick_size(kit.NO_TOKEN) == "0.001"
    assert client.get_neg_risk(kit.NO_TOKEN) is True
    assert client.get_market(kit.CONDITION)["neg_risk"] is True


def test_signed_order_is_accepted_and_rests(client, running, kit):
    answer = client.post_order(_buy(client, kit, price=0.5), OrderType.GTC)

    assert answer["success"] is True and answer["status"] == "live"
    assert [o["id"] for o in client.get_open_orders()] == [answer["orderID"]]
    assert client.get_order(answer["orderID"])["status"] == "LIVE"


def test_marketable_order_fills_against_the_replayed_book(client, running, kit):
    answer = client.post_order(_buy(client, kit), OrderType.GTC)

    assert answer["status"] == "matched"
    assert (answer["makingAmount"], answer["takingAmount"]) == ("5.14", "10")
    trades = client.get_trades()
    assert [t["id"] for t in trades] == answer["tradeIDs"]
    assert trades[0]["price"] == "0.514" and trades[0]["trader_side"] == "TAKER"
    collateral = client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    )
    assert int(collateral["balance"]) == 1_000_000 * 10**6 - 5_140_000
    tokens = client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=kit.NO_TOKEN)
    )
    assert tokens["balance"] == "10000000"


def test_tampered_signature_is_refused_with_the_venue_error(client, running, kit):
    order = _buy(client, kit)
    order.takerAmount = "20000000"  # the signature no longer covers the amounts

    with pytest.raises(PolyApiException) as refused:
        client.post_order(order, OrderType.GTC)

    assert refused.value.status_code == 400
    assert refused.value.error_msg == {"error": "invalid signature"}
    assert running.emulator.exchange.orders == {}


def test_order_signed_for_the_wrong_exchange_is_refused(client, running, kit):
    order = client.create_order(
        OrderArgs(token_id=kit.NO_TOKEN, price=0.5, size=10.0, side="BUY"),
        PartialCreateOrderOptions(neg_risk=False),  # the market is negRisk
    )

    with pytest.raises(PolyApiException) as refused:
        client.post_order(order, OrderType.GTC)

    assert refused.value.error_msg == {"error": "invalid signature"}


def test_bad_hmac_is_unauthorized(client, running, kit):
    body = json.dumps(order_to_json_v2(_buy(client, kit), client.creds.api_key, "GTC"))
    headers = create_level_2_headers(
        client.signer, client.creds, RequestArgs("POST", "/order", None, body + " ")
    )

    answer = httpx.post(f"{running.url}/order", headers=headers, content=body)

    assert answer.status_code == 401
    assert answer.json() == {"error": "Unauthorized/Invalid api key"}
    assert running.emulator.exchange.orders == {}


def test_order_of_another_wallet_is_refused(client, running, kit):
    other = ClobClient(running.url, chain_id=137, key=kit.OTHER_WALLET.key.hex())
    order = other.create_order(OrderArgs(token_id=kit.NO_TOKEN, price=0.5, size=10.0, side="BUY"))

    with pytest.raises(PolyApiException) as refused:
        client.post_order(order, OrderType.GTC)

    assert refused.value.error_msg == {
        "error": "the order signer address has to be the address of the API KEY"
    }


@pytest.mark.parametrize(
    ("price", "size", "message"),
    [
        (0.5, 4.0, "order is invalid. Size lower than the minimum"),
        (0.0005, 10.0, None),  # refused by the client itself (below the tick)
    ],
)
def test_venue_rules_are_enforced(client, running, kit, price, size, message):
    if message is None:
        with pytest.raises(Exception, match="invalid price"):
            _buy(client, kit, price=price, size=size)
        return
    with pytest.raises(PolyApiException) as refused:
        client.post_order(_buy(client, kit, price=price, size=size), OrderType.GTC)
    assert refused.value.error_msg == {"error": message}


def test_duplicate_order_is_refused(client, running, kit):
    order = _buy(client, kit, price=0.5)
    client.post_order(order, OrderType.GTC)

    with pytest.raises(PolyApiException) as refused:
        client.post_order(order, OrderType.GTC)

    assert "Duplicated" in refused.value.error_msg["error"]
    assert len(running.emulator.exchange.orders) == 1


def test_fok_that_cannot_fill_is_killed(client, running, kit):
    order = _buy(client, kit, price=0.514, size=50_000.0)  # more than 0.514 offers

    with pytest.raises(PolyApiException) as refused:
        client.post_order(order, OrderType.FOK)

    assert "FOK" in refused.value.error_msg["error"]
    assert running.emulator.exchange.fills == []


def test_cancel_batch_and_cancel_all(client, running, kit):
    first = client.post_order(_buy(client, kit, price=0.5), OrderType.GTC)["orderID"]
    batch = client.post_orders([PostOrdersV2Args(order=_buy(client, kit, 0.49)) for _ in range(2)])
    assert [answer["success"] for answer in batch] == [True, True]

    assert client.cancel_order(OrderPayload(orderID=first))["canceled"] == [first]
    assert client.cancel_order(OrderPayload(orderID=first))["not_canceled"]
    assert sorted(client.cancel_all()["canceled"]) == sorted(a["orderID"] for a in batch)
    assert client.get_open_orders() == []


def test_a_dataset_of_a_single_book_is_enough(tmp_path, kit):
    catalog = Catalog(kit.book_dataset(tmp_path, with_market=False))
    server = kit.Running(PolymarketEmulator(catalog, speed=0))
    try:
        server.call(server.emulator.play())
        client = ClobClient(server.url, chain_id=137, key=kit.WALLET.key.hex())
        client.set_api_creds(client.create_or_derive_api_key())

        answer = client.post_order(_buy(client, kit), OrderType.GTC)

        assert client.get_tick_size(kit.NO_TOKEN) == "0.0001"  # provisional: finest unit
        assert answer["status"] == "matched"
    finally:
        server.stop()
