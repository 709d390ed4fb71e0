"""Wire structs and dispatch, on every recorded Polymarket file."""

from pathlib import Path

import msgspec
import pytest

from pythia.core.errors import DataError
from pythia.venues.polymarket import wire

DATA = Path(__file__).resolve().parents[2] / "data" / "polymarket"

EXPECTED_STRUCTS = {
    "clob_fee_rate_nonzero.json": wire.FeeRateResponse,
    "clob_market_negrisk.json": wire.ClobMarket,
    "clob_markets_page.json": wire.ClobMarketsPage,
    "data_api_trades.json": wire.DataApiTrade,
    "gamma_event_negrisk.json": wire.GammaEvent,
    "gamma_market.json": wire.GammaMarket,
    "http_signed_order.json": wire.SignedOrder,
    "rest_book.json": wire.BookMessage,
    "ws_book_trump2024.json": wire.BookMessage,
    "ws_last_trade_price.json": wire.LastTradePrice,
    "ws_market_resolved_synthetic_ids.json": wire.MarketResolved,
    "ws_price_change.json": wire.PriceChangeMessage,
    "ws_price_change_legacy.json": wire.PriceChangeMessage,
    "ws_tick_size_change.json": wire.TickSizeChangeMessage,
    "ws_trades.json": wire.TradeRecord,
    "ws_user_order_cancel.json": wire.UserOrder,
    "ws_user_order_placement.json": wire.UserOrder,
    "ws_user_trade.json": wire.TradeRecord,
}


def load(name: str) -> object:
    return wire.decode((DATA / name).read_bytes())


def test_every_recorded_file_has_an_expected_struct():
    recorded = sorted(path.name for path in DATA.glob("*.json"))

    assert recorded == sorted(EXPECTED_STRUCTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_STRUCTS))
def test_each_recorded_message_converts_to_its_struct(name):
    document = load(name)
    messages = document if isinstance(document, list) else [document]

    converted = [wire.to_wire(message) for message in messages]

    assert converted
    assert all(type(item) is EXPECTED_STRUCTS[name] for item in converted)


def test_json_numbers_decode_as_exact_decimals():
    market = wire.to_wire(load("gamma_market.json"))

    assert str(market.order_price_min_tick_size) == "0.01"
    assert str(market.order_min_size) == "5"


def test_gamma_json_in_json_fields_stay_strings_on_the_wire():
    market = wire.to_wire(load("gamma_market.json"))

    assert market.outcomes == '["Up", "Down"]'
    assert market.clob_token_ids.startswith('["1042398980388071360')
    assert market.outcome_prices == '["0.505", "0.495"]'


def test_signed_order_maps_camel_case_fields():
    raw = load("http_signed_order.json")

    order = wire.to_wire(raw)

    assert order.salt == 123456789
    assert order.maker == "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    assert order.signer == order.maker
    assert order.token_id == (
        "71321045679252212594626385532706912750332728571942532289631379312455583992563"
    )
    assert (order.maker_amount, order.taker_amount) == ("100000000", "50000000")
    assert order.side == "BUY"
    assert order.signature_type == 0
    assert (order.expiration, order.timestamp) == ("0", "1713398400000")
    assert order.metadata == "0x" + "0" * 64
    assert order.builder == "0x" + "0" * 64
    assert order.signature.startswith("0xabcdef") and order.signature.endswith("ab1b")
    assert (order.taker, order.nonce, order.fee_rate_bps) == (None, None, None)


def test_signed_order_encodes_back_to_the_venue_keys():
    raw = load("http_signed_order.json")
    order = wire.to_wire(raw)

    encoded = msgspec.json.decode(msgspec.json.encode(order))

    assert {k: v for k, v in encoded.items() if v is not None} == raw


def test_post_order_body_wraps_the_signed_order():
    order = wire.to_wire(load("http_signed_order.json"))
    body = wire.PostOrderBody(order=order, owner="api-key", order_type="GTD", post_only=True)

    encoded = msgspec.json.decode(msgspec.json.encode(body))

    assert encoded["orderType"] == "GTD"
    assert encoded["postOnly"] is True
    assert encoded["deferExec"] is False
    assert encoded["order"]["tokenId"] == order.token_id


def test_unknown_event_type_is_a_data_error():
    with pytest.raises(DataError, match="unknown event_type 'mystery'"):
        wire.to_wire({"event_type": "mystery", "asset_id": "1"})


def test_new_market_is_known_but_ignored():
    assert wire.to_wire({"event_type": "new_market", "id": "1", "assets_ids": []}) is None


def test_unrecognised_shape_is_a_data_error():
    with pytest.raises(DataError, match="unrecognised message shape"):
        wire.to_wire({"hello": "world"})


def test_non_object_message_is_a_data_error():
    with pytest.raises(DataError, match="expected a JSON object"):
        wire.to_wire([1, 2])


def test_wrong_field_type_is_a_data_error():
    message = {"event_type": "last_trade_price", "asset_id": "1", "price": 0.5}
    message.update(size="1", side="BUY", timestamp="1")

    with pytest.raises(DataError, match="LastTradePrice"):
        wire.to_wire(message)


def test_malformed_json_is_a_data_error():
    with pytest.raises(DataError, match="malformed JSON"):
        wire.decode(b'{"event_type": "book", "asset_id": ')
