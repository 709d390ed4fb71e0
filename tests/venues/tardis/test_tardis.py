"""Tardis.dev CSV parsing on the recorded samples in tests/data/tardis."""

from __future__ import annotations

from pathlib import Path

import pytest

from pythia.book import book_for
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import CryptoPerpetual, CryptoSpot
from pythia.venues.tardis import parse, wire
from pythia.venues.tardis.capture import TardisCapture, read_capture

DATA = Path(__file__).parents[2] / "data" / "tardis"
SNAPSHOT_25 = DATA / "binance-futures_book_snapshot_25_BTCUSDT.csv"
SNAPSHOT_5 = DATA / "binance-futures_book_snapshot_5_BTCUSDT.csv"
INCREMENTAL = DATA / "deribit_incremental_book_L2_BTC-PERPETUAL.csv"
TRADES = DATA / "bitmex_trades_XBTUSD.csv"
QUOTES = DATA / "huobi-dm-swap_quotes_BTC-USD.csv"

INCREMENTAL_HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"


def events_of(*paths: Path, **kwargs):
    source = read_capture(list(paths), **kwargs)
    return source, list(source.events())


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_sample_file_is_read_without_rejects():
    for path in sorted(DATA.glob("*.csv")):
        source, events = events_of(path)

        assert source.rejects.total == 0, path.name
        assert isinstance(events[0], InstrumentDefinition), path.name
        assert len(events) > 1, path.name


# ---- book snapshots ----------------------------------------------------------------------------
def test_book_snapshot_25_rows_give_25_levels_a_side():
    source, events = events_of(SNAPSHOT_25)

    snapshots = [e for e in events if isinstance(e, BookSnapshot)]
    instrument = events[0].definition
    assert len(snapshots) == 10
    assert isinstance(instrument, CryptoPerpetual)
    assert instrument.id == "tardis:binance-futures:BTCUSDT"
    assert (instrument.price_decimals, instrument.size_decimals) == (2, 3)
    assert (instrument.quote_currency, instrument.base_currency) == ("USDT", "BTC")
    first = snapshots[0]
    assert len(first.bids) == len(first.asks) == 25
    assert first.asks[0] == (1165708, 1714)  # 11657.08 x 1.714
    assert first.bids[0] == (1165707, 10896)  # 11657.07 x 10.896
    assert first.asks[1] == (1165754, 5400)  # 11657.54 x 5.4
    assert (first.ts_event_ns, first.ts_recv_ns) == (1598918403696000000, 1598918403810979000)
    assert snapshots[-1].bids[-1] == (1165325, 1003)  # last row: bids[24] 11653.25 x 1.003


def test_book_snapshot_5_rows_replay_into_an_uncrossed_book():
    _, events = events_of(SNAPSHOT_5)
    book = book_for(events[0].definition)

    for event in events[1:]:
        book.apply_snapshot(event)

    assert len(events) == 11
    assert book.best_bid() == (1165707, 10881)
    assert book.best_ask() == (1165708, 1393)
    assert book.bids()[-1] == (1165570, 188)  # last row: bids[4] 11655.7 x 0.188
    assert not book.is_crossed


def test_snapshot_rows_with_fewer_levels_skip_the_empty_columns(tmp_path):
    header = SNAPSHOT_5.read_text().splitlines()[0]
    row = "binance-futures,BTCUSDT,1,2,11657.08,1.714,11657.07,10.896" + ",,,," * 4
    _, events = events_of(write(tmp_path, "short.csv", [header, row]))

    (snapshot,) = [e for e in events if isinstance(e, BookSnapshot)]
    assert snapshot.asks == ((1165708, 1714),) and snapshot.bids == ((1165707, 10896),)
    assert (snapshot.ts_event_ns, snapshot.ts_recv_ns) == (1000, 2000)


# ---- incremental L2 ----------------------------------------------------------------------------
def test_incremental_snapshot_rows_form_one_snapshot():
    _, events = events_of(INCREMENTAL)

    (snapshot,) = [e for e in events if isinstance(e, BookSnapshot)]
    instrument = events[0].definition
    assert instrument.id == "tardis:deribit:BTC-PERPETUAL"
    assert (instrument.price_decimals, instrument.size_decimals) == (1, 0)
    assert instrument.quote_currency == "USD" and instrument.settle_currency == "BTC"
    assert snapshot.bids == ()
    assert len(snapshot.asks) == 15
    assert snapshot.asks[0] == (64215, 18640) and snapshot.asks[-1] == (64285, 39950)
    assert snapshot.ts_event_ns == 1585699200245000000


def test_incremental_rows_after_the_snapshot_are_deltas_grouped_by_timestamp(tmp_path):
    # Rows 1-3 are real (the recorded file's first rows); rows 4-8 are synthetic updates.
    real = INCREMENTAL.read_text().splitlines()[:4]
    synthetic = [
        "deribit,BTC-PERPETUAL,1585699200245000,1585699200355684,true,bid,6421,500",
        "deribit,BTC-PERPETUAL,1585699200300000,1585699200400000,false,ask,6421.5,0",
        "deribit,BTC-PERPETUAL,1585699200300000,1585699200400000,false,bid,6421,700",
        "deribit,BTC-PERPETUAL,1585699200350000,1585699200450000,false,ask,6422,90",
    ]
    _, events = events_of(write(tmp_path, "inc.csv", real + synthetic))

    book_events = [e for e in events if isinstance(e, (BookSnapshot, BookDelta))]
    assert [type(e) for e in book_events] == [BookSnapshot, BookDelta, BookDelta]
    snapshot, first, second = book_events
    assert snapshot.asks == ((64215, 18640), (64220, 1190), (64225, 1080))
    assert snapshot.bids == ((64210, 500),)
    assert first.asks == ((64215, 0),) and first.bids == ((64210, 700),)
    assert (first.ts_event_ns, first.ts_recv_ns) == (1585699200300000000, 1585699200400000000)
    assert second.asks == ((64220, 90),) and not second.increment
    book = book_for(events[0].definition)
    for event in book_events:
        (book.apply_snapshot if isinstance(event, BookSnapshot) else book.apply_delta)(event)
    assert (book.best_bid(), book.best_ask()) == ((64210, 700), (64220, 90))


def test_incremental_book_groups_pure():
    grouper = parse.IncrementalBook("x")
    rows = [
        parse.IncrementalLevel(True, False, (10, 1), 1, 1),
        parse.IncrementalLevel(True, True, (9, 1), 2, 2),  # still the same snapshot
        parse.IncrementalLevel(False, True, (9, 0), 3, 3),
        parse.IncrementalLevel(True, False, (11, 5), 4, 4),  # a new snapshot
    ]

    out = [event for row in rows for event in grouper.add(row)] + grouper.flush()

    assert out == [
        BookSnapshot("x", ((9, 1),), ((10, 1),), 1, 1),
        BookDelta("x", ((9, 0),), (), 3, 3),
        BookSnapshot("x", (), ((11, 5),), 4, 4),
    ]


# ---- trades and quotes -------------------------------------------------------------------------
def test_trades_give_trades_with_taker_side():
    _, events = events_of(TRADES)

    trades = [e for e in events if isinstance(e, Trade)]
    assert len(trades) == 10
    assert trades[0] == Trade(
        "tardis:bitmex:XBTUSD",
        85315,
        2152,
        Side.SELL,
        "ccc3c1fa-212c-e8b0-1706-9b9c4f3d5ecf",
        1583020803145000000,
        1583020803307160000,
    )
    assert [t.size for t in trades[1:]] == [1] * 9
    assert {t.aggressor for t in trades} == {Side.SELL}


def test_quotes_give_top_of_book():
    _, events = events_of(QUOTES)

    quotes = [e for e in events if isinstance(e, TopOfBook)]
    assert len(quotes) == 10
    assert quotes[0] == TopOfBook(
        "tardis:huobi-dm-swap:BTC-USD",
        86292,
        806,
        86293,
        5494,
        1588291201099000000,
        1588291201234268000,
    )
    assert (quotes[-1].bid_size, quotes[-1].ask_size) == (847, 5411)


def test_quote_with_an_empty_side_gives_none(tmp_path):
    header = QUOTES.read_text().splitlines()[0]
    _, events = events_of(
        write(tmp_path, "q.csv", [header, "huobi-dm-swap,BTC-USD,1,2,,,8629.2,806"])
    )

    (quote,) = [e for e in events if isinstance(e, TopOfBook)]
    assert (quote.bid_price, quote.bid_size, quote.ask_price, quote.ask_size) == (
        86292,
        806,
        None,
        None,
    )


# ---- decimals and instruments ------------------------------------------------------------------
def test_decimals_of_counts_significant_decimals():
    assert [parse.decimals_of(t) for t in ("5.4", "5.40", "6422", "1e-05", "", "NaN")] == [
        1,
        1,
        0,
        5,
        0,
        0,
    ]


def test_explicit_decimals_are_used_and_finer_values_are_rejected():
    source, events = events_of(TRADES, price_decimals=0, size_decimals=3)

    assert events == [] and source.instruments() == []  # every price is x.5: none parsed
    assert source.rejects.by_reason == {"invalid": 10}
    assert "more than 0 decimals" in source.rejects.examples[0][1]
    _, events = events_of(TRADES, price_decimals=2, size_decimals=3)
    assert events[0].definition.price_decimals == 2
    assert events[1].price == 853150 and events[1].size == 2152000


def test_spot_exchange_gives_spot_instruments():
    instrument = parse.make_instrument("binance", "ETHBTC", 6, 3)

    assert isinstance(instrument, CryptoSpot)
    assert (instrument.base_currency, instrument.quote_currency) == ("ETH", "BTC")


# ---- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("deribit,BTC-PERPETUAL,1,2,false,bid,NaN,5", "not a finite number"),
        ("deribit,BTC-PERPETUAL,1,2,false,bid,6421.5,-5", "negative amount"),
        ("deribit,BTC-PERPETUAL,1,2,false,bid,6421.55,5", "more than 1 decimals"),
        ("deribit,BTC-PERPETUAL,1,2,maybe,bid,6421.5,5", "is_snapshot"),
        ("deribit,BTC-PERPETUAL,1,2,false,middle,6421.5,5", "book side"),
        ("deribit,BTC-PERPETUAL,x,2,false,bid,6421.5,5", "timestamp"),
        ("deribit,BTC-PERPETUAL,1,2,false,bid,6421.5", "fields"),
    ],
)
def test_bad_incremental_row_is_a_data_error(row, message):
    layout = wire.layout_of(INCREMENTAL_HEADER)
    instrument = parse.make_instrument("deribit", "BTC-PERPETUAL", 1, 0)

    with pytest.raises(DataError, match=message):
        parse.parse_incremental_row(layout.row(row), instrument)


def test_unknown_header_is_a_data_error():
    with pytest.raises(DataError, match="not a known Tardis dataset"):
        wire.layout_of("exchange,symbol,timestamp,local_timestamp,funding_rate,mark_price")


def test_reader_counts_bad_rows_and_unknown_files_and_keeps_the_rest(tmp_path):
    good = TRADES.read_text().splitlines()
    bad_rows = [
        "bitmex,XBTUSD,1583020803145000,1583020803307160,t-nan,sell,NaN,1",
        "bitmex,XBTUSD,1583020803145000,1583020803307160,t-neg,buy,8531.5,-1",
        "bitmex,XBTUSD,1583020803145000,1583020803307160,t-grid,buy,8531.55,1",
        "bitmex,XBTUSD,1583020803145000,1583020803307160,t-side,sideways,8531.5,1",
        "bitmex,XBTUSD,1583020803145000",
    ]
    trades = write(tmp_path, "trades.csv", good[:3] + bad_rows + good[3:])
    unknown = write(tmp_path, "funding.csv", ["exchange,symbol,timestamp,local_timestamp,rate"])
    source = TardisCapture([unknown, trades], price_decimals=1, size_decimals=0)

    events = list(source.events())

    assert [e.trade_id for e in events if isinstance(e, Trade)] == [
        row.split(",")[4] for row in good[1:]
    ]
    assert source.rejects.by_reason == {"invalid": 5, "unknown_format": 1}
