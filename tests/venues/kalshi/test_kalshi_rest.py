"""Kalshi REST parsing, on real responses (tests/data/kalshi/kalshi_rest_responses.json)."""

from __future__ import annotations

import calendar
from pathlib import Path

import msgspec
import pytest

from pythia.book import LadderBook, book_for
from pythia.book.views import BinaryView
from pythia.core.errors import DataError
from pythia.model.enums import MarketState, Side
from pythia.model.instruments import GroupKind, OutcomeGroup, OutcomeToken, PriceSpace
from pythia.model.ticks import TickScheme
from pythia.venues.kalshi import parse, wire

DATA = Path(__file__).parents[2] / "data" / "kalshi" / "kalshi_rest_responses.json"
TICKER = "KXELONMARS-99"
YES, NO = f"kalshi:{TICKER}:yes", f"kalshi:{TICKER}:no"


def utc_ns(year, month, day, hour, minute, second, micros) -> int:
    seconds = calendar.timegm((year, month, day, hour, minute, second))
    return seconds * 1_000_000_000 + micros * 1_000


@pytest.fixture(scope="module")
def responses() -> dict[str, msgspec.Raw]:
    return msgspec.json.decode(DATA.read_bytes(), type=dict[str, msgspec.Raw])


@pytest.fixture(scope="module")
def market(responses) -> wire.Market:
    return parse.decode(responses[f"get_market_{TICKER}"], wire.MarketResponse).market


@pytest.fixture(scope="module")
def markets(responses) -> list[wire.Market]:
    return parse.decode(responses["get_markets_2"], wire.MarketsResponse).markets


# ---- instruments -------------------------------------------------------------------------------
def test_market_gives_yes_and_no_tokens_and_a_binary_group(market):
    yes, no, group = parse.market_definitions(market)

    assert isinstance(yes, OutcomeToken) and isinstance(no, OutcomeToken)
    assert (yes.id, no.id) == (YES, NO)
    assert (yes.complement_id, no.complement_id) == (NO, YES)
    assert yes.market_id == no.market_id == TICKER
    assert (yes.outcome, no.outcome) == ("yes", "no")
    assert (yes.price_decimals, yes.size_decimals, yes.one) == (4, 2, 10_000)
    assert yes.bounded and yes.price_space is PriceSpace.PROBABILITY
    assert yes.quote_currency == "USD"
    assert yes.min_size == 1  # fractional_trading_enabled: 0.01 contract
    assert isinstance(group, OutcomeGroup)
    assert group.id == yes.group_id == no.group_id == f"kalshi:{TICKER}"
    assert group.kind is GroupKind.BINARY
    assert group.instrument_ids == (YES, NO)
    assert group.title == "Will Elon Musk visit Mars before Aug 1, 2099?"


def test_linear_cent_market_ticks_every_cent_from_1_to_99(market):
    yes, _, _ = parse.market_definitions(market)

    assert yes.ticks == TickScheme(((0, 100),), 100, 9900)
    assert yes.ticks.is_valid(800) and not yes.ticks.is_valid(850)


def test_market_list_parses_both_markets_and_their_tick_structures(markets):
    definitions = [d for m in markets for d in parse.market_definitions(m)]

    assert [d.id for d in definitions] == [
        YES,
        NO,
        f"kalshi:{TICKER}",
        "kalshi:KXCOLONIZEMARS-50:yes",
        "kalshi:KXCOLONIZEMARS-50:no",
        "kalshi:KXCOLONIZEMARS-50",
    ]
    deci = definitions[3]
    assert deci.ticks == TickScheme(((0, 10),), 10, 9990)  # deci_cent
    assert deci.ticks.is_valid(1630)  # yes_bid_dollars "0.1630"


def test_tapered_deci_cent_structure_without_ranges():
    market = wire.Market(ticker="T", price_level_structure="tapered_deci_cent")

    ticks = parse.tick_scheme(market)

    assert ticks == TickScheme(((0, 10), (1000, 100), (9000, 10)), 10, 9990)
    assert ticks.is_valid(950) and ticks.is_valid(9910) and ticks.is_valid(1100)
    assert not ticks.is_valid(1010) and not ticks.is_valid(8990)


def test_tapered_structure_from_price_ranges():
    ranges = [
        wire.PriceRange("0.0000", "0.1000", "0.0010"),
        wire.PriceRange("0.1000", "0.9000", "0.0100"),
        wire.PriceRange("0.9000", "1.0000", "0.0010"),
    ]

    ticks = parse.tick_scheme(wire.Market(ticker="T", price_ranges=ranges))

    assert ticks == TickScheme(((0, 10), (1000, 100), (9000, 10)), 10, 9990)


def test_unknown_tick_structure_is_a_data_error():
    with pytest.raises(DataError, match="price_level_structure"):
        parse.tick_scheme(wire.Market(ticker="T", price_level_structure="quarter_cent"))


def test_scalar_market_is_refused(market):
    scalar = msgspec.structs.replace(market, market_type="scalar")

    with pytest.raises(DataError, match="market_type"):
        parse.market_tokens(scalar)


def test_mutually_exclusive_event_gives_a_series_group(markets):
    # Synthetic event wrapper (the real markets belong to two events); shape of GET /events.
    event = wire.EventResponse(
        event=wire.Event(event_ticker="EV", title="Mars", mutually_exclusive=True),
        markets=markets,
    )

    definitions = parse.event_definitions(event)

    tokens = [d for d in definitions if isinstance(d, OutcomeToken)]
    (group,) = [d for d in definitions if isinstance(d, OutcomeGroup)]
    assert group.id == "kalshi:event:EV" and group.kind is GroupKind.SERIES
    assert group.instrument_ids == (YES, "kalshi:KXCOLONIZEMARS-50:yes")
    assert group.names == ("Mars", "Before 2050")
    assert group.augmented  # Kalshi promises at most one YES, not exactly one
    assert {t.group_id for t in tokens} == {"kalshi:event:EV"}
    assert len(tokens) == 4


def test_event_without_mutual_exclusion_keeps_binary_groups(markets):
    event = wire.EventResponse(wire.Event(event_ticker="EV", mutually_exclusive=False), markets)

    groups = [d for d in parse.event_definitions(event) if isinstance(d, OutcomeGroup)]

    assert [(g.id, g.kind) for g in groups] == [
        (f"kalshi:{TICKER}", GroupKind.BINARY),
        ("kalshi:KXCOLONIZEMARS-50", GroupKind.BINARY),
    ]


# ---- market state ------------------------------------------------------------------------------
def test_market_status_active_is_open_at_updated_time(market):
    status = parse.market_status(market)

    assert status.market_id == TICKER
    assert status.state is MarketState.OPEN
    assert status.ts_event_ns == utc_ns(2026, 4, 9, 9, 31, 16, 616867)


def test_unknown_status_is_a_data_error(market):
    with pytest.raises(DataError, match="status"):
        parse.market_status(msgspec.structs.replace(market, status="frozen"))


def test_result_gives_a_resolution(market):
    settled = msgspec.structs.replace(market, status="finalized", result="no")

    resolution = parse.market_resolution(settled)

    assert parse.market_status(settled).state is MarketState.SETTLED
    assert (resolution.winners, resolution.losers) == ((NO,), (YES,))
    assert parse.market_resolution(market) is None


def test_market_top_of_book_is_the_venue_quote(market):
    top = parse.market_top_of_book(market)

    assert (top.instrument_id, top.bid_price, top.bid_size, top.ask_price, top.ask_size) == (
        YES,
        800,
        44432,
        1200,
        196733,
    )


# ---- order book --------------------------------------------------------------------------------
def test_orderbook_gives_bids_only_snapshots_for_yes_and_no(responses, market):
    response = parse.decode(responses[f"get_orderbook_{TICKER}"], wire.OrderbookResponse)

    yes, no = parse.parse_orderbook(response, TICKER, 5, 7, parse.tick_scheme(market))

    assert (yes.instrument_id, no.instrument_id) == (YES, NO)
    assert yes.asks == () and no.asks == ()
    assert len(yes.bids) == 8 and len(no.bids) == 18
    assert yes.bids[0] == (100, 655850) and yes.bids[-1] == (800, 44432)
    assert no.bids[-1] == (8800, 196733) and no.bids[8] == (5000, 404045)
    assert (yes.ts_event_ns, yes.ts_recv_ns) == (5, 7)


def test_binary_view_derives_yes_asks_from_no_bids_exactly(responses, market):
    response = parse.decode(responses[f"get_orderbook_{TICKER}"], wire.OrderbookResponse)
    yes_token, no_token, _ = parse.market_definitions(market)
    yes_snapshot, no_snapshot = parse.parse_orderbook(response, TICKER, ticks=yes_token.ticks)
    yes_book, no_book = book_for(yes_token), book_for(no_token)
    yes_book.apply_snapshot(yes_snapshot)
    no_book.apply_snapshot(no_snapshot)

    view = BinaryView(yes_book, no_book, one=10000)

    assert isinstance(yes_book, LadderBook)
    expected_asks = sorted((10000 - price, size) for price, size in no_snapshot.bids)
    assert view.yes_asks() == expected_asks
    assert view.best_yes_ask() == (1200, 196733)  # 1 - 0.88, the NO bid's size
    assert view.best_no_ask() == (9200, 44432)  # 1 - 0.08
    top = parse.market_top_of_book(market)  # the venue's own quote agrees
    assert (yes_book.best_bid(), view.best_yes_ask()) == (
        (top.bid_price, top.bid_size),
        (top.ask_price, top.ask_size),
    )


def test_orderbook_with_null_side_is_empty():
    response = parse.decode(b'{"orderbook_fp": {"yes_dollars": null}}', wire.OrderbookResponse)

    yes, no = parse.parse_orderbook(response, "T")

    assert yes.bids == () and no.bids == ()


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (["0.4200", "-1.00"], "negative size"),
        (["0.4250", "1.00"], "tick grid"),
        (["0.42001", "1.00"], "more than 4 decimals"),
        (["NaN", "1.00"], "not a finite number"),
        (["1.0000", "1.00"], "tick grid"),
        (["0.4200", "1.001"], "more than 2 decimals"),
    ],
)
def test_bad_orderbook_level_is_a_data_error(level, message):
    body = msgspec.json.encode({"orderbook_fp": {"yes_dollars": [level], "no_dollars": []}})
    response = parse.decode(body, wire.OrderbookResponse)
    ticks = parse.tick_scheme(wire.Market(ticker="T"))

    with pytest.raises(DataError, match=message):
        parse.parse_orderbook(response, "T", ticks=ticks)


def test_malformed_rest_json_is_a_data_error():
    with pytest.raises(DataError, match="OrderbookResponse"):
        parse.decode(b'{"orderbook_fp": {"yes_dollars": [[', wire.OrderbookResponse)


# ---- trades ------------------------------------------------------------------------------------
def test_trades_print_on_the_yes_token_with_taker_side(responses):
    response = parse.decode(responses[f"get_trades_{TICKER}"], wire.TradesResponse)

    trades = [parse.parse_trade(t) for t in response.trades]

    assert [(t.price, t.size, t.aggressor) for t in trades] == [
        (1000, 940, Side.BUY),
        (1000, 94, Side.BUY),
        (800, 940, Side.SELL),  # taker bought NO at 0.92 = sold YES at 0.08
    ]
    assert {t.instrument_id for t in trades} == {YES}
    assert trades[0].trade_id == "6e924506-2c0f-5717-f9b7-eae14a12202a"
    assert trades[0].ts_event_ns == utc_ns(2026, 6, 12, 17, 11, 11, 927591)


def test_trade_with_zero_count_or_bad_time_is_a_data_error(responses):
    trade = parse.decode(responses[f"get_trades_{TICKER}"], wire.TradesResponse).trades[0]

    with pytest.raises(DataError, match="count"):
        parse.parse_trade(msgspec.structs.replace(trade, count_fp="0.00"))
    with pytest.raises(DataError, match="timestamp"):
        parse.parse_trade(msgspec.structs.replace(trade, created_time="yesterday"))
    with pytest.raises(DataError, match="taker side"):
        parse.parse_trade(msgspec.structs.replace(trade, taker_side="maybe"))


def test_candlesticks_are_recognised_but_not_market_events(responses):
    # Candles have no event type in the model; the key is present and left to analytics.
    candles = msgspec.json.decode(responses[f"get_candlesticks_{TICKER}_1h"])

    assert [c["end_period_ts"] for c in candles["candlesticks"]] == ["1781143200", "1781172000"]
