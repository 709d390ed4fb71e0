"""Bybit v5 order book parsing and capture replay, on the recorded XRPUSDT ``orderbook.500``
stream (tests/data/bybit/xrpusdt-ob500.data.zip: one snapshot then 49 deltas)."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from pythia.book import SortedBook, book_for
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, Trade
from pythia.model.instruments import CryptoPerpetual
from pythia.ports.market_data import BookSynchronizer
from pythia.venues.bybit import parse
from pythia.venues.bybit.capture import BybitCapture, UpdateIdSync, read_capture, synchronizer_for

DATA = Path(__file__).parents[2] / "data" / "bybit" / "xrpusdt-ob500.data.zip"


def recorded_lines() -> list[str]:
    with zipfile.ZipFile(DATA) as archive:
        (member,) = archive.namelist()
        return archive.read(member).decode().splitlines()


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "bybit.data"
    path.write_text("\n".join(lines) + "\n")
    return path


def reference_top(lines: list[str]) -> tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]]:
    """Replay the raw JSON into plain dicts of Decimal (independent of the parser)."""
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    for line in lines:
        message = json.loads(line)
        if message["type"] == "snapshot":
            bids.clear()
            asks.clear()
        for side, book in (("b", bids), ("a", asks)):
            for price, size in message["data"][side]:
                if Decimal(size) == 0:
                    book.pop(Decimal(price), None)
                else:
                    book[Decimal(price)] = Decimal(size)
    best_bid = max(bids)
    best_ask = min(asks)
    return (best_bid, bids[best_bid]), (best_ask, asks[best_ask])


def replay(events) -> SortedBook:
    instrument = next(e.definition for e in events if isinstance(e, InstrumentDefinition))
    book = book_for(instrument)
    for event in events:
        if isinstance(event, BookSnapshot):
            book.apply_snapshot(event)
        elif isinstance(event, BookDelta):
            book.apply_delta(event)
    return book


# ---- the recorded stream -----------------------------------------------------------------------
def test_whole_capture_replays_without_gaps_to_the_reference_top_of_book():
    source = read_capture([DATA])

    events = list(source.events())
    book = replay(events)

    (bid_price, bid_size), (ask_price, ask_size) = reference_top(recorded_lines())
    assert isinstance(book, SortedBook)
    assert source.rejects.total == 0 and source.gaps == 0 and source.is_synced("XRPUSDT")
    assert not book.is_crossed
    assert book.best_bid() == (int(bid_price * 10**4), int(bid_size))
    assert book.best_ask() == (int(ask_price * 10**4), int(ask_size))
    assert (book.best_bid(), book.best_ask()) == ((19537, 10605), (19538, 6702))
    assert book.sequence == 20254918
    assert len(book.bids()) == len(book.asks()) == 500


def test_capture_yields_one_definition_one_snapshot_and_49_deltas():
    events = list(read_capture([DATA]).events())

    kinds = [type(e) for e in events]
    assert kinds == [InstrumentDefinition, BookSnapshot] + [BookDelta] * 49
    instrument = events[0].definition
    assert isinstance(instrument, CryptoPerpetual)
    assert (instrument.id, instrument.price_decimals, instrument.size_decimals) == (
        "bybit:XRPUSDT",
        4,
        0,
    )
    assert (instrument.base_currency, instrument.quote_currency, instrument.settle_currency) == (
        "XRP",
        "USDT",
        "USDT",
    )
    assert not instrument.bounded


def test_snapshot_fields_are_exact():
    envelope = parse.decode_envelope(recorded_lines()[0])
    data = parse.decode_book(envelope)
    instrument = parse.make_instrument("XRPUSDT", 4, 0)

    snapshot = parse.parse_book(envelope, data, instrument)

    assert isinstance(snapshot, BookSnapshot)
    assert snapshot.sequence == 20254869 and data.seq == 130020238981
    assert snapshot.bids[0] == (19531, 6203) and snapshot.bids[1] == (19530, 2409)
    assert len(snapshot.bids) == len(snapshot.asks) == 500
    assert snapshot.ts_event_ns == 1733011200589_000_000  # cts, the matching-engine time
    assert snapshot.ts_recv_ns == 1733011200691_000_000  # ts


def test_delta_sizes_are_absolute_and_zero_deletes():
    envelope = parse.decode_envelope(recorded_lines()[-1])
    delta = parse.parse_book(
        envelope, parse.decode_book(envelope), parse.make_instrument("XRPUSDT", 4, 0)
    )

    assert isinstance(delta, BookDelta) and not delta.increment
    assert delta.sequence == 20254918
    assert delta.bids[0] == (19538, 0)


def test_decimals_are_inferred_for_a_symbol_without_defaults():
    data = parse.decode_book(parse.decode_envelope(recorded_lines()[0]))

    assert parse.infer_decimals(data) == (4, 0)


def test_explicit_decimals_override_the_defaults():
    source = read_capture([DATA], price_decimals=6, size_decimals=2)

    events = list(source.events())

    assert events[1].bids[0] == (1953100, 620300)


# ---- gaps and restarts -------------------------------------------------------------------------
def test_missing_delta_is_a_gap_and_deltas_are_dropped_until_the_next_snapshot(tmp_path):
    lines = recorded_lines()
    kept = lines[:5] + lines[6:20] + [lines[0]] + lines[1:3]
    source = read_capture([write(tmp_path, kept)])

    events = list(source.events())

    deltas = [e.sequence for e in events if isinstance(e, BookDelta)]
    assert deltas == [20254870, 20254871, 20254872, 20254873, 20254870, 20254871]
    assert source.gaps == 14


def test_snapshot_with_u_1_resets_after_a_restart(tmp_path):
    lines = recorded_lines()
    restart = lines[0].replace('"u":20254869', '"u":1')
    after = lines[1].replace('"u":20254870', '"u":2')
    source = read_capture([write(tmp_path, lines[:3] + [restart, after])])

    events = list(source.events())

    assert [e.sequence for e in events if isinstance(e, (BookSnapshot, BookDelta))] == [
        20254869,
        20254870,
        20254871,
        1,
        2,
    ]
    assert source.gaps == 0
    assert replay(events).sequence == 2


def test_update_id_sync_is_a_book_synchronizer():
    sync = synchronizer_for(parse.make_instrument("XRPUSDT", 4, 0))

    assert isinstance(sync, BookSynchronizer) and isinstance(sync, UpdateIdSync)
    assert sync.check(-1, 5, -1) == "gap"  # nothing before a snapshot
    sync.on_snapshot(5)
    assert [sync.check(-1, u, -1) for u in (6, 7, 7)] == ["apply", "apply", "gap"]


# ---- bad input ---------------------------------------------------------------------------------
BAD_FRAMES = {
    "malformed": '{"topic":"orderbook.500.XRPUSDT","type":"delta","ts":1,"data":{"s":',
    "nan": '{"topic":"orderbook.500.XRPUSDT","type":"delta","ts":1,'
    '"data":{"s":"XRPUSDT","b":[["NaN","5"]],"a":[],"u":2}}',
    "negative": '{"topic":"orderbook.500.XRPUSDT","type":"delta","ts":1,'
    '"data":{"s":"XRPUSDT","b":[["1.9531","-5"]],"a":[],"u":2}}',
    "off_grid": '{"topic":"orderbook.500.XRPUSDT","type":"delta","ts":1,'
    '"data":{"s":"XRPUSDT","b":[["1.95315","5"]],"a":[],"u":2}}',
    "unknown_type": '{"topic":"orderbook.500.XRPUSDT","type":"partial","ts":1,'
    '"data":{"s":"XRPUSDT","b":[],"a":[],"u":2}}',
    "unknown_topic": '{"topic":"tickers.XRPUSDT","type":"snapshot","ts":1,"data":{}}',
}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed", "not JSON"),
        ("nan", "not a finite number"),
        ("negative", "negative size"),
        ("off_grid", "more than 4 decimals"),
        ("unknown_type", "unknown book message type"),
        ("unknown_topic", "not an order book topic"),
    ],
)
def test_bad_frame_is_a_data_error(name, message):
    instrument = parse.make_instrument("XRPUSDT", 4, 0)

    with pytest.raises(DataError, match=message):
        envelope = parse.decode_envelope(BAD_FRAMES[name])
        parse.parse_book(envelope, parse.decode_book(envelope), instrument)


def test_capture_counts_bad_frames_and_keeps_the_good_ones(tmp_path):
    lines = recorded_lines()
    mixed = [lines[0], *BAD_FRAMES.values(), '{"op":"subscribe","success":true}', *lines[1:]]
    source = BybitCapture([write(tmp_path, mixed)])

    events = list(source.events())
    book = replay(events)

    assert source.rejects.total == len(BAD_FRAMES)
    assert source.gaps == 0  # the bad frames never advanced the update id
    assert sum(isinstance(e, BookDelta) for e in events) == 49
    assert (book.best_bid(), book.best_ask()) == ((19537, 10605), (19538, 6702))


def test_public_trades_give_trades_with_taker_side(tmp_path):
    # Synthetic frame in the documented publicTrade shape (no trade recording in tests/data).
    frame = (
        '{"topic":"publicTrade.XRPUSDT","type":"snapshot","ts":1733011200700,"data":['
        '{"T":1733011200699,"s":"XRPUSDT","S":"Sell","v":"120","p":"1.9531","L":"MinusTick",'
        '"i":"a1","BT":false},'
        '{"T":1733011200699,"s":"XRPUSDT","S":"Buy","v":"3","p":"1.9532","i":"a2","BT":false}]}'
    )
    source = read_capture([write(tmp_path, [recorded_lines()[0], frame])])

    trades = [e for e in source.events() if isinstance(e, Trade)]

    assert trades == [
        Trade(
            "bybit:XRPUSDT",
            19531,
            120,
            Side.SELL,
            "a1",
            1733011200699_000_000,
            1733011200699_000_000,
        ),
        Trade(
            "bybit:XRPUSDT", 19532, 3, Side.BUY, "a2", 1733011200699_000_000, 1733011200699_000_000
        ),
    ]


def test_receive_time_prefix_is_used_when_present(tmp_path):
    source = read_capture([write(tmp_path, ["1733011200800000000 " + recorded_lines()[0]])])

    snapshot = list(source.events())[1]

    assert snapshot.ts_recv_ns == 1733011200800000000
    assert snapshot.ts_event_ns == 1733011200589_000_000
