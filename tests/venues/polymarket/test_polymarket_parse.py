"""Market-data and user-channel parsers, on recorded Polymarket messages."""

import copy
from pathlib import Path

import pytest

from pythia.book import LadderBook, book_for
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import BookDelta, TopOfBook
from pythia.model.execution import Liquidity, OrderStatus
from pythia.venues.polymarket import markets, parse, wire

DATA = Path(__file__).resolve().parents[2] / "data" / "polymarket"
YES_TRUMP = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
NO_TRUMP = "48331043336612883890938759509493159234755048973500640148014422747788308965732"
MS = 1_000_000
S = 1_000_000_000


def raw(name: str) -> dict:
    return wire.decode((DATA / name).read_bytes())


def message(name: str):
    return wire.to_wire(raw(name))


# ---- books -------------------------------------------------------------------------------
def test_rest_book_best_levels_are_the_last_elements():
    book_json = raw("rest_book.json")

    snapshot = parse.parse_book(message("rest_book.json"))

    last_bid, last_ask = book_json["bids"][-1], book_json["asks"][-1]
    assert (last_bid["price"], last_bid["size"]) == ("0.1", "125")
    assert (last_ask["price"], last_ask["size"]) == ("0.14", "705")
    assert snapshot.bids[0] == (1000, 125_000_000) == max(snapshot.bids)
    assert snapshot.asks[0] == (1400, 705_000_000) == min(snapshot.asks)


def test_rest_book_snapshot_fields():
    snapshot = parse.parse_book(message("rest_book.json"))

    assert snapshot.instrument_id == (
        "polymarket:23360939988679364027624185518382759743328544433592111535569478055890815567848"
    )
    assert snapshot.bids == (
        (1000, 125_000_000),
        (900, 294_000_000),
        (800, 120_000_000),
        (600, 200_000_000),
        (100, 1_000_000_000),
    )
    assert len(snapshot.asks) == 7
    assert snapshot.asks[2] == (3800, 192_300_000)
    assert snapshot.ts_event_ns == snapshot.ts_recv_ns == 1728799418260 * MS


def test_ws_book_snapshot():
    snapshot = parse.parse_book(message("ws_book_trump2024.json"))

    assert snapshot.instrument_id == f"polymarket:{NO_TRUMP}"
    assert (len(snapshot.bids), len(snapshot.asks)) == (76, 86)
    assert snapshot.bids[0] == (5110, 1_304_720_000)
    assert snapshot.asks[0] == (5140, 20_230_870_000)
    assert snapshot.bids[-1] == (10, 9_000_023_580_000)
    assert snapshot.asks[-1] == (9990, 10_500_100_000_000)
    assert snapshot.ts_event_ns == 1728799418260 * MS


def test_ws_book_applies_to_a_ladder_book_built_from_the_clob_instrument():
    market = markets.parse_clob_market(message("clob_market_negrisk.json"))
    no_token = next(t for t in market.tokens if t.outcome == "No")
    book = book_for(no_token)
    snapshot = parse.parse_book(message("ws_book_trump2024.json"))

    book.apply_snapshot(snapshot)

    assert isinstance(book, LadderBook)
    assert book.best_bid() == (5110, 1_304_720_000)
    assert book.best_ask() == (5140, 20_230_870_000)
    assert (len(book.bids()), len(book.asks())) == (76, 86)


def test_rest_book_applies_to_a_ladder_book_at_tick_one_cent():
    token_id = raw("rest_book.json")["asset_id"]
    book = book_for(markets.outcome_token(token_id, tick=100))

    book.apply_snapshot(parse.parse_book(message("rest_book.json")))

    assert book.best_bid() == (1000, 125_000_000)
    assert book.best_ask() == (1400, 705_000_000)
    assert (len(book.bids()), len(book.asks())) == (5, 7)


def test_old_feed_book_with_buys_and_sells():
    book_json = raw("ws_book_trump2024.json")
    book_json["buys"], book_json["sells"] = book_json.pop("bids"), book_json.pop("asks")

    snapshot = parse.parse_book(wire.to_wire(book_json))

    assert snapshot.bids[0] == (5110, 1_304_720_000)
    assert snapshot.asks[0] == (5140, 20_230_870_000)


# ---- price_change ------------------------------------------------------------------------
def test_price_change_current_format():
    events = parse.parse_price_change(message("ws_price_change.json"))

    iid = "polymarket:52114319501245915516055106046884209969926127482827954674443846427813813222426"
    ts = 1729084877448 * MS
    assert events == [
        BookDelta(
            iid, ((6000, 3_300_000_000), (5000, 3_400_000_000), (7000, 3_400_000_000)), (), ts, ts
        ),
        TopOfBook(iid, 6000, None, 7000, None, ts, ts),
    ]


def test_price_change_legacy_single_level():
    events = parse.parse_price_change(message("ws_price_change_legacy.json"))

    ts = 1723967931411 * MS
    assert events == [BookDelta(f"polymarket:{NO_TRUMP}", (), ((5140, 21_574_080_000),), ts, ts)]


def test_price_change_groups_several_assets_in_order():
    # Synthetic: the recorded message with levels of two assets interleaved.
    change = raw("ws_price_change.json")
    first, second = change["price_changes"][0], copy.deepcopy(change["price_changes"][1])
    second.update(asset_id=YES_TRUMP, side="SELL", price="0.55", size="0", best_bid="")
    second["best_ask"] = "0.56"
    third = dict(first, price="0.65", side="SELL", size="10", best_ask="0.65")
    fourth = dict(second, price="0.57", side="BUY", size="1.5", best_bid="0", best_ask="0.58")
    change["price_changes"] = [first, second, third, fourth]

    events = parse.parse_price_change(wire.to_wire(change))

    first_iid = f"polymarket:{first['asset_id']}"
    yes_iid = f"polymarket:{YES_TRUMP}"
    ts = 1729084877448 * MS
    assert events == [
        BookDelta(first_iid, ((6000, 3_300_000_000),), ((6500, 10_000_000),), ts, ts),
        TopOfBook(first_iid, 6000, None, 6500, None, ts, ts),
        BookDelta(yes_iid, ((5700, 1_500_000),), ((5500, 0),), ts, ts),
        TopOfBook(yes_iid, None, None, 5800, None, ts, ts),
    ]


def test_price_change_without_best_prices_has_no_top_of_book():
    change = raw("ws_price_change.json")
    for entry in change["price_changes"]:
        del entry["best_bid"], entry["best_ask"]

    events = parse.parse_price_change(wire.to_wire(change))

    assert [type(e) for e in events] == [BookDelta]


def test_best_bid_ask_event():
    top = parse.parse_best_bid_ask(
        wire.to_wire(
            {"event_type": "best_bid_ask", "asset_id": YES_TRUMP, "best_bid": "0.48"}
            | {"best_ask": "", "spread": "0", "timestamp": "1000"}
        )
    )

    assert top == TopOfBook(f"polymarket:{YES_TRUMP}", 4800, None, None, None, 1000 * MS, 1000 * MS)


# ---- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("size", "NaN", "not a finite number"),
        ("size", "-5", "negative"),
        ("price", "0.12345", "more than 4 decimals"),
        ("price", "1.5", "outside 0..1"),
        ("price", "abc", "not a decimal number"),
        ("size", "", "not a decimal number"),
        ("side", "HOLD", "unknown side"),
        ("asset_id", "", "empty token id"),
    ],
)
def test_bad_price_change_level_is_a_data_error(field, value, error):
    change = raw("ws_price_change.json")
    change["price_changes"][1][field] = value

    with pytest.raises(DataError, match=error):
        parse.parse_price_change(wire.to_wire(change))


@pytest.mark.parametrize(
    ("side", "index", "field", "value"),
    [("bids", 3, "size", "NaN"), ("asks", 0, "price", "0.99999"), ("bids", 0, "size", "-1")],
)
def test_bad_book_level_is_a_data_error(side, index, field, value):
    book_json = raw("ws_book_trump2024.json")
    book_json[side][index][field] = value

    with pytest.raises(DataError):
        parse.parse_book(wire.to_wire(book_json))


def test_bad_timestamp_is_a_data_error():
    change = raw("ws_price_change.json")
    change["timestamp"] = "yesterday"

    with pytest.raises(DataError, match="timestamp"):
        parse.parse_price_change(wire.to_wire(change))


def test_price_change_without_levels_is_a_data_error():
    change = raw("ws_price_change_legacy.json")
    del change["price"]

    with pytest.raises(DataError, match="price_change without"):
        parse.parse_price_change(wire.to_wire(change))


# ---- trades, ticks, resolution -----------------------------------------------------------
def test_last_trade_price():
    trade = parse.parse_last_trade_price(message("ws_last_trade_price.json"))

    assert trade.instrument_id == f"polymarket:{YES_TRUMP}"
    assert (trade.price, trade.size, trade.aggressor) == (4910, 85_360_000, Side.SELL)
    assert trade.ts_event_ns == 1724564136087 * MS
    assert trade.trade_id == ""


def test_zero_size_trade_is_a_data_error():
    trade_json = raw("ws_last_trade_price.json") | {"size": "0"}

    with pytest.raises(DataError, match="impossible trade"):
        parse.parse_last_trade_price(wire.to_wire(trade_json))


def test_tick_size_change_in_price_units():
    change = parse.parse_tick_size_change(message("ws_tick_size_change.json"))

    assert (change.old_tick, change.new_tick) == (100, 10)
    assert change.instrument_id == (
        "polymarket:115474063863764126958837769719736461272619491980773624567012766320777398670353"
    )
    assert change.ts_event_ns == 1739068041853 * MS


def test_market_resolved_winner_and_losers():
    resolution = parse.parse_market_resolved(message("ws_market_resolved_synthetic_ids.json"))

    assert resolution.market_id == (
        "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1"
    )
    assert resolution.winners == (
        "polymarket:76043073756653678226373981964075571318267289248134717369284518995922789326425",
    )
    assert resolution.losers == (
        "polymarket:31690934263385727664202099278545688007799199447969475608906331829650099442770",
    )
    assert resolution.ts_event_ns == 1766790415550 * MS


def test_market_resolved_with_unlisted_winner_is_a_data_error():
    resolved = raw("ws_market_resolved_synthetic_ids.json") | {"winning_asset_id": "42"}

    with pytest.raises(DataError, match="not among assets_ids"):
        parse.parse_market_resolved(wire.to_wire(resolved))


def test_trade_record_is_the_public_print_of_the_taker():
    trade = parse.parse_trade_record(message("ws_trades.json"))

    assert trade.instrument_id == f"polymarket:{YES_TRUMP}"
    assert (trade.price, trade.size, trade.aggressor) == (4890, 5_000_000, Side.BUY)
    assert trade.trade_id == "0c357886-b9d3-44bb-9aa9-72d8abc90e6e"
    assert trade.ts_event_ns == 1726043102 * S


def test_data_api_trades():
    trades = [parse.parse_data_api_trade(wire.to_wire(t)) for t in raw("data_api_trades.json")]

    assert [(t.price, t.size, t.aggressor) for t in trades] == [
        (9980, 5_400_000, Side.SELL),
        (5200, 94_370_000, Side.BUY),
        (5100, 10_500_000, Side.BUY),
        (4900, 20_000_000, Side.SELL),
    ]
    assert [t.instrument_id for t in trades] == [f"polymarket:{YES_TRUMP}"] * 3 + [
        f"polymarket:{NO_TRUMP}"
    ]
    assert trades[0].ts_event_ns == 1729000180 * S
    assert trades[0].trade_id == (
        "0xabc123def456789012345678901234567890123456789012345678901234abcd"
    )


# ---- user channel ------------------------------------------------------------------------
def test_taker_trade_gives_one_taker_fill():
    fills = parse.parse_user_trade(message("ws_trades.json"))

    assert len(fills) == 1
    fill = fills[0]
    assert fill.instrument_id == f"polymarket:{YES_TRUMP}"
    assert fill.venue_order_id == (
        "0x4505aada9831d06078a005c8ec96396a78c8f06035bf763b40fc16d27a250043"
    )
    assert fill.trade_id == "0c357886-b9d3-44bb-9aa9-72d8abc90e6e"
    assert (fill.side, fill.price, fill.size) == (Side.BUY, 4890, 5_000_000)
    assert (fill.liquidity, fill.fee_micros, fill.fee_currency) == (Liquidity.TAKER, 0, "USDC")
    assert fill.status == "CONFIRMED"
    assert fill.ts_event_ns == 1726043102 * S


def test_maker_trade_gives_fills_of_our_maker_orders_only():
    fills = parse.parse_user_trade(
        message("ws_user_trade.json"), api_key="3e2c94ca-8124-c4c1-c7ea-be1ea21b71fe"
    )

    assert len(fills) == 1
    fill = fills[0]
    assert fill.venue_order_id == (
        "0xab679e56242324e15e59cfd488cd0f12e4fd71b153b9bfb57518898b9983145e"
    )
    assert fill.instrument_id == f"polymarket:{YES_TRUMP}"
    assert (fill.side, fill.price, fill.size) == (Side.SELL, 5180, 5_000_000)
    assert (fill.liquidity, fill.fee_micros, fill.status) == (Liquidity.MAKER, 0, "MINED")
    assert fill.trade_id == "83b5c849-620e-4c23-b63b-2e779c04a6e7"
    assert fill.ts_event_ns == 1725868859 * S


def test_maker_on_the_complement_token_bought_too():
    # The taker bought YES at 0.518; a NO bid at 0.482 filled it by minting a complete set.
    fills = parse.parse_user_trade(
        message("ws_user_trade.json"), api_key="78132bc3-22af-6aa2-79ae-11929f821cae"
    )

    assert [(f.instrument_id, f.side, f.price, f.size) for f in fills] == [
        (f"polymarket:{NO_TRUMP}", Side.BUY, 4820, 10_000_000)
    ]


def test_maker_trade_defaults_to_the_message_owner():
    # The recorded message's owner owns none of the maker orders.
    assert parse.parse_user_trade(message("ws_user_trade.json")) == []


def test_maker_order_side_when_the_venue_sends_it():
    trade_json = raw("ws_user_trade.json")
    trade_json["maker_orders"][3]["side"] = "BUY"

    fills = parse.parse_user_trade(
        wire.to_wire(trade_json), api_key=trade_json["maker_orders"][3]["owner"]
    )

    assert fills[0].side is Side.BUY


def test_fill_fee_from_fee_rate_bps():
    trade_json = raw("ws_trades.json") | {"fee_rate_bps": "150", "size": "100", "price": "0.8"}

    fill = parse.parse_user_trade(wire.to_wire(trade_json))[0]

    # 150 bps x min(0.8, 0.2) x 100 tokens = 0.3 USDC
    assert fill.fee_micros == 300_000


@pytest.mark.parametrize(
    ("price", "size", "bps", "fee_micros"),
    [(5000, 100_000_000, 100, 500_000), (8000, 100_000_000, 100, 200_000), (10, 1, 10_000, 0)],
)
def test_v1_fee_formula(price, size, bps, fee_micros):
    assert parse.v1_fee_micros(price, size, bps) == fee_micros


def test_unknown_trader_side_is_a_data_error():
    trade_json = raw("ws_trades.json") | {"trader_side": "OBSERVER"}

    with pytest.raises(DataError, match="unknown trader_side"):
        parse.parse_user_trade(wire.to_wire(trade_json))


def test_order_placement():
    update = parse.parse_user_order(message("ws_user_order_placement.json"))

    assert update.instrument_id == f"polymarket:{YES_TRUMP}"
    assert update.venue_order_id == (
        "0x0f76f4dc6eaf3332f4100f2e8a0b4a927351dd64646b7bb12f37df775c657a78"
    )
    assert (update.side, update.price) == (Side.BUY, 5130)
    assert (update.original_size, update.filled_size) == (5_000_000, 0)
    assert update.status is OrderStatus.OPEN
    assert update.ts_event_ns == 1725842520990 * MS


def test_order_cancel():
    update = parse.parse_user_order(message("ws_user_order_cancel.json"))

    assert (update.side, update.price) == (Side.SELL, 5130)
    assert (update.original_size, update.filled_size) == (5_000_000, 5_000_000)
    assert update.status is OrderStatus.CANCELED
    assert update.ts_event_ns == 1725841743272 * MS


@pytest.mark.parametrize(
    ("status", "kind", "matched", "expected"),
    [
        ("LIVE", "UPDATE", "2", OrderStatus.PARTIALLY_FILLED),
        ("MATCHED", "UPDATE", "5", OrderStatus.FILLED),
        ("MATCHED", "UPDATE", "2", OrderStatus.PARTIALLY_FILLED),
        ("DELAYED", "PLACEMENT", "0", OrderStatus.PENDING),
        (None, "CANCELLATION", "0", OrderStatus.CANCELED),
        ("ORDER_STATUS_LIVE", "PLACEMENT", "0", OrderStatus.OPEN),
    ],
)
def test_order_status_mapping(status, kind, matched, expected):
    order_json = raw("ws_user_order_placement.json")
    order_json.update(status=status, type=kind, size_matched=matched)

    assert parse.parse_user_order(wire.to_wire(order_json)).status is expected


def test_order_with_unknown_status_is_a_data_error():
    order_json = raw("ws_user_order_placement.json") | {"status": "TELEPORTED"}

    with pytest.raises(DataError, match="unknown status"):
        parse.parse_user_order(wire.to_wire(order_json))


def test_order_matched_beyond_its_size_is_a_data_error():
    order_json = raw("ws_user_order_placement.json") | {"size_matched": "6"}

    with pytest.raises(DataError, match="matched"):
        parse.parse_user_order(wire.to_wire(order_json))


# ---- time helpers --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1725868859", 1725868859 * S),
        ("1725868885871", 1725868885871 * MS),
        (1725868859, 1725868859 * S),
        ("2024-01-01T00:00:00Z", 1704067200 * S),
    ],
)
def test_epoch_in_seconds_milliseconds_or_iso(value, expected):
    assert parse.epoch_ns(value) == expected
