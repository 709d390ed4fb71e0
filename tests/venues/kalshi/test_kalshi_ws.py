"""Kalshi WebSocket parsing, sequencing and the capture reader.

SYNTHETIC DATA: no public recording of Kalshi's WebSocket feed exists (tests/data/SOURCES.md).
The frames below are built by hand from the documented message format (envelope
``{type, sid, seq, msg}``; ``orderbook_snapshot`` / ``orderbook_delta`` / ``trade`` /
``ticker``), using the real market KXELONMARS-99 and prices from its recorded REST book.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from pythia.book import book_for
from pythia.book.views import BinaryView
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, TopOfBook, Trade
from pythia.venues.kalshi import parse, wire
from pythia.venues.kalshi.capture import KalshiCapture, read_capture
from pythia.venues.kalshi.sync import SequenceTracker

TICKER = "KXELONMARS-99"
YES, NO = f"kalshi:{TICKER}:yes", f"kalshi:{TICKER}:no"
DATA = Path(__file__).parents[2] / "data" / "kalshi" / "kalshi_rest_responses.json"


def frame(kind: str, sid: int, seq: int | None, **msg) -> str:
    envelope = {"type": kind, "sid": sid, "msg": {"market_ticker": TICKER, **msg}}
    if seq is not None:
        envelope["seq"] = seq
    return msgspec.json.encode(envelope).decode()


def snapshot(sid: int, seq: int, ticker: str = TICKER) -> str:
    return msgspec.json.encode(
        {
            "type": "orderbook_snapshot",
            "sid": sid,
            "seq": seq,
            "msg": {
                "market_ticker": ticker,
                "market_id": "00000000-0000-0000-0000-000000000000",
                "yes_dollars_fp": [["0.0700", "3195.84"], ["0.0800", "444.32"]],
                "no_dollars_fp": [["0.8700", "118.85"], ["0.8800", "1967.33"]],
            },
        }
    ).decode()


def delta(sid: int, seq: int, price: str, change: str, side: str = "yes", **extra) -> str:
    return frame(
        "orderbook_delta", sid, seq, price_dollars=price, delta_fp=change, side=side, **extra
    )


def write(tmp_path: Path, lines: list[str], name: str = "kalshi.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# ---- parse -------------------------------------------------------------------------------------
def test_orderbook_snapshot_gives_yes_and_no_bid_books_with_seq():
    message = parse.decode_ws(snapshot(sid=3, seq=1))

    yes, no = parse.parse_ws(message, ts_recv_ns=1_000)

    assert yes == BookSnapshot(YES, ((700, 319584), (800, 44432)), (), 1_000, 1_000, 1)
    assert no == BookSnapshot(NO, ((8700, 11885), (8800, 196733)), (), 1_000, 1_000, 1)


def test_orderbook_delta_is_a_signed_increment_on_the_sides_token():
    message = parse.decode_ws(delta(3, 2, "0.8800", "-967.33", side="no", ts_ms=1_700_000_000_123))

    (event,) = parse.parse_ws(message, ts_recv_ns=9)

    assert event == BookDelta(
        NO, ((8800, -96733),), (), 1_700_000_000_123_000_000, 9, sequence=2, increment=True
    )


def test_trade_message_prints_on_yes_token():
    text = frame(
        "trade",
        5,
        1,
        trade_id="t1",
        yes_price_dollars="0.1000",
        count_fp="9.40",
        taker_side="no",
        ts=1_700_000_000,
    )

    (trade,) = parse.parse_ws(parse.decode_ws(text))

    assert trade == Trade(
        YES, 1000, 940, Side.SELL, "t1", 1_700_000_000 * 10**9, 1_700_000_000 * 10**9
    )


def test_ticker_message_gives_the_venue_top_of_book_without_sequence():
    text = frame(
        "ticker",
        7,
        None,
        yes_bid_dollars="0.0800",
        yes_ask_dollars="0.1200",
        price_dollars="0.1000",
        ts=1_700_000_001,
    )

    (top,) = parse.parse_ws(parse.decode_ws(text), ts_recv_ns=5)

    assert top == TopOfBook(YES, 800, None, 1200, None, 1_700_000_001 * 10**9, 5)


def test_control_frames_give_no_events():
    text = '{"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 3}}'

    assert parse.parse_ws(parse.decode_ws(text)) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "orderbook_delta", "sid": 1, "seq": 2, "msg": {', "not JSON"),
        ('{"type": "fill_v9", "sid": 1, "seq": 2, "msg": {}}', "unknown or invalid"),
        (
            '{"type": "error", "id": 1, "msg": {"code": 8, "msg": "Unknown channel name"}}',
            "error 8",
        ),
    ],
)
def test_bad_frames_are_data_errors(text, message):
    with pytest.raises(DataError, match=message):
        parse.parse_ws(parse.decode_ws(text))


@pytest.mark.parametrize(
    ("price", "change", "side", "message"),
    [
        ("NaN", "1.00", "yes", "not a finite number"),
        ("0.0850", "1.00", "yes", "tick grid"),  # off the linear-cent grid
        ("0.0800", "1.00", "maybe", "unknown side"),
        ("0.0800", "1.005", "yes", "more than 2 decimals"),
    ],
)
def test_bad_delta_is_a_data_error(price, change, side, message):
    ticks = parse.tick_scheme(wire.Market(ticker=TICKER, price_level_structure="linear_cent"))

    with pytest.raises(DataError, match=message):
        parse.parse_ws(parse.decode_ws(delta(1, 2, price, change, side)), ticks=ticks)


def test_negative_size_in_a_snapshot_is_a_data_error():
    text = snapshot(1, 1).replace('"444.32"', '"-444.32"')

    with pytest.raises(DataError, match="negative size"):
        parse.parse_ws(parse.decode_ws(text))


# ---- sequence tracker --------------------------------------------------------------------------
def test_tracker_gap_unsyncs_every_book_of_the_subscription_until_its_snapshot():
    tracker = SequenceTracker()
    tracker.on_snapshot(1, 1, "A")
    tracker.on_snapshot(1, 2, "B")
    tracker.on_snapshot(2, 1, "C")

    applied = [
        tracker.on_delta(1, 3, "A"),
        tracker.on_delta(1, 5, "B"),
        tracker.on_delta(1, 6, "A"),
    ]

    assert applied == [True, False, False]
    assert (tracker.gaps, tracker.sequence_breaks) == (2, 1)
    assert not tracker.is_synced("A") and not tracker.is_synced("B")
    assert tracker.is_synced("C") and tracker.on_delta(2, 2, "C")
    tracker.on_snapshot(1, 7, "A")
    assert tracker.is_synced("A") and not tracker.is_synced("B")
    assert tracker.on_delta(1, 8, "A") and not tracker.on_delta(1, 9, "B")


def test_tracker_never_syncs_a_market_without_snapshot():
    tracker = SequenceTracker()

    assert not tracker.on_delta(1, 1, "A")
    assert tracker.gaps == 1


# ---- capture reader ----------------------------------------------------------------------------
def test_capture_replays_into_books_that_match_the_complement_view(tmp_path):
    lines = [
        '{"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 3}}',
        "1000 " + snapshot(3, 1),
        "1001 " + delta(3, 2, "0.0800", "55.68"),  # yes 0.08: 444.32 -> 500.00
        "1002 " + delta(3, 3, "0.8800", "-1967.33", side="no"),  # removes the best NO bid
        "1003 " + delta(3, 4, "0.0900", "10.00"),  # new best YES bid
    ]
    source = read_capture([write(tmp_path, lines)])

    events = list(source.events())

    definitions = [e for e in events if isinstance(e, InstrumentDefinition)]
    assert [d.definition.id for d in definitions] == [YES, NO, f"kalshi:{TICKER}"]
    books = {d.definition.id: book_for(d.definition) for d in definitions[:2]}
    for event in events:
        if isinstance(event, BookSnapshot):
            books[event.instrument_id].apply_snapshot(event)
        elif isinstance(event, BookDelta):
            books[event.instrument_id].apply_delta(event)
    view = BinaryView(books[YES], books[NO], one=10000)
    assert books[YES].bids() == [(900, 1000), (800, 50000), (700, 319584)]
    assert view.best_yes_ask() == (1300, 11885)  # 1 - 0.87 after 0.88 went
    assert view.best_no_ask() == (9100, 1000)
    assert source.rejects.total == 0 and source.gaps == 0 and source.is_synced(TICKER)
    assert events[-1].ts_recv_ns == 1003


def test_capture_drops_deltas_after_a_seq_gap_until_the_next_snapshot(tmp_path):
    lines = [
        snapshot(3, 1),
        delta(3, 2, "0.0800", "1.00"),
        delta(3, 4, "0.0800", "1.00"),  # seq 3 lost
        delta(3, 5, "0.0800", "1.00"),
        snapshot(3, 6),
        delta(3, 7, "0.0800", "2.00"),
    ]
    source = read_capture([write(tmp_path, lines)])

    deltas = [e for e in source.events() if isinstance(e, BookDelta)]

    assert [d.sequence for d in deltas] == [2, 7]
    assert source.gaps == 2 and source.is_synced(TICKER)


def test_capture_counts_bad_frames_and_keeps_good_ones(tmp_path):
    ticks_market = wire.Market(ticker=TICKER, price_level_structure="linear_cent")
    lines = [
        snapshot(3, 1),
        delta(3, 2, "0.0800", "1.00"),
        '{"type": "orderbook_delta", "sid": 3, "seq": 3, "msg": {',  # malformed JSON
        snapshot(3, 4),  # resync after the lost frame
        delta(3, 5, "0.0850", "1.00"),  # off the linear-cent grid
        snapshot(3, 6),
        '{"type": "mystery", "sid": 9, "msg": {}}',  # unknown type
        delta(3, 7, "NaN", "1.00"),
        snapshot(3, 8),
        snapshot(3, 9).replace('"444.32"', '"-444.32"'),  # negative size
        delta(3, 10, "0.0800", "3.00"),  # seq 9 was rejected: gap
        snapshot(3, 11),
        delta(3, 12, "0.0800", "4.00"),
    ]
    source = KalshiCapture([write(tmp_path, lines)], parse.market_definitions(ticks_market))

    events = list(source.events())

    deltas = [e.sequence for e in events if isinstance(e, BookDelta)]
    snapshots = sorted({e.sequence for e in events if isinstance(e, BookSnapshot)})
    assert deltas == [2, 12]
    assert snapshots == [1, 4, 6, 8, 11]
    assert source.rejects.total == 5
    assert source.rejects.by_reason["invalid"] == 5
    assert source.gaps == 1
    assert source.instrument(YES).ticks.price_min == 100  # the given definitions were kept


def test_capture_of_an_unknown_market_uses_the_deci_cent_grid(tmp_path):
    source = read_capture([write(tmp_path, [snapshot(1, 1, ticker="NEW-1")])])

    list(source.events())

    token = source.instrument("kalshi:NEW-1:yes")
    assert token.ticks == parse.DEFAULT_TICKS
    assert {i.id for i in source.instruments()} == {
        "kalshi:NEW-1:yes",
        "kalshi:NEW-1:no",
        "kalshi:NEW-1",
    }


def test_rest_markets_feed_the_capture_definitions(tmp_path):
    raw = msgspec.json.decode(DATA.read_bytes(), type=dict[str, msgspec.Raw])
    markets = parse.decode(raw["get_markets_2"], wire.MarketsResponse).markets
    definitions = [d for m in markets for d in parse.market_definitions(m)]
    source = read_capture([write(tmp_path, [snapshot(1, 1)])], definitions)

    events = list(source.events())

    assert events[0].definition is definitions[0]
    assert len(source.instruments()) == 6


def test_capture_passes_trades_and_tickers_and_keeps_their_seq_apart_from_books(tmp_path):
    trade = frame(
        "trade",
        8,
        1,
        trade_id="t1",
        yes_price_dollars="0.0800",
        count_fp="1.00",
        taker_side="yes",
        ts=1_700_000_000,
    )
    late_trade = trade.replace('"seq":1', '"seq":5')  # trade subscription skips 2..4
    ticker = frame("ticker", 9, None, yes_bid_dollars="0.0800", yes_ask_dollars="0.1200")
    lines = [snapshot(3, 1), trade, late_trade, ticker, delta(3, 2, "0.0800", "1.00")]
    source = read_capture([write(tmp_path, lines)])

    events = [e for e in source.events() if not isinstance(e, InstrumentDefinition)]

    assert [type(e) for e in events] == [
        BookSnapshot,
        BookSnapshot,
        Trade,
        Trade,
        TopOfBook,
        BookDelta,
    ]
    assert source.tracker.sequence_breaks == 1 and source.gaps == 0
    assert events[4].ts_event_ns == events[3].ts_event_ns  # ticker without ts: last time seen
