from collections import Counter

import pytest

from pythia.book import SortedBook
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, TopOfBook, Trade
from pythia.ports.market_data import SyncAction
from pythia.venues import read_capture
from pythia.venues.binance import parse, wire
from pythia.venues.binance.capture import BinanceCapture
from pythia.venues.binance.profile import make_instrument
from pythia.venues.binance.sync import FuturesDepthSync, SpotDepthSync

BTC = make_instrument("BTCUSDT")


def test_capture_yields_every_message_type(binance_btc_files):
    source = read_capture("binance", binance_btc_files[:1])
    counts = Counter(type(event).__name__ for event in source.events())
    assert counts == {"TopOfBook": 28040, "Trade": 9757, "BookDelta": 3451, "BookSnapshot": 1}
    assert source.rejects.total == 0
    [instrument] = source.instruments()
    assert instrument.id == "binance:BTCUSDT" and instrument.price_decimals == 2


def test_snapshot_is_parsed_exactly(binance_btc_files):
    source = read_capture("binance", binance_btc_files[:1])
    snapshot = next(e for e in source.events() if isinstance(e, BookSnapshot))
    assert snapshot.sequence == 50093239218
    assert snapshot.bids[0] == (6183763, 378826000)  # 61837.63 x 3.78826000
    book = SortedBook(BTC.id, BTC.ticks)
    book.apply_snapshot(snapshot)
    assert book.best_bid() == (6183763, 378826000)
    assert not book.is_crossed


def test_first_lines_parse_to_exact_units():
    line = (
        '1723161254087891268 {"stream":"btcusdt@bookTicker","data":{"u":50093239212,'
        '"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}'
    )
    capture = BinanceCapture.__new__(BinanceCapture)
    capture._by_symbol, capture.symbol, capture.market = {"BTCUSDT": BTC}, "BTCUSDT", "spot"
    [top] = capture.parse_line(line)
    assert top == TopOfBook(
        BTC.id,
        6183763,
        378826000,
        6183764,
        154698000,
        1723161254087891268,
        1723161254087891268,
        50093239212,
    )


def test_trade_aggressor_follows_buyer_is_maker():
    msg = wire.trade_decoder.decode(
        b'{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"61837.63000000","q":"0.02000000","T":2,"m":true}'
    )
    trade = parse.parse_trade(msg, BTC, 5)
    assert trade == Trade(BTC.id, 6183763, 2000000, Side.SELL, "7", 2_000_000, 5)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":4,"b":[],"a":[]}',
        b'{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":4,"b":[["NaN","1"]],"a":[]}',
        b'{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":4,"b":[["1.001","1"]],"a":[]}',
    ],
)
def test_bad_depth_updates_raise_data_error(payload):
    with pytest.raises(DataError):
        parse.parse_depth(wire.depth_decoder.decode(payload), BTC, 0)


def test_bad_lines_are_counted_and_reading_goes_on(tmp_path):
    good = (
        '1 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT",'
        '"U":1,"u":2,"b":[["1.00","1"]],"a":[]}}'
    )
    lines = [
        good,
        "2 {not json",
        '3 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT",'
        '"U":3,"u":4,"b":[["inf","1"]],"a":[]}}',
        '4 {"stream":"btcusdt@kline_1m","data":{}}',
        good.replace('"U":1,"u":2', '"U":5,"u":6'),
    ]
    path = tmp_path / "capture.txt"
    path.write_text("\n".join(lines) + "\n")
    source = read_capture("binance", [path])
    events = list(source.events())
    assert [e.sequence for e in events if isinstance(e, BookDelta)] == [2, 6]
    assert source.rejects.total == 3


def test_spot_sync_rules():
    sync = SpotDepthSync()
    assert sync.check(1, 2, -1) == SyncAction.GAP  # no snapshot: never synced
    sync.on_snapshot(100)
    assert sync.check(90, 100, -1) == SyncAction.DROP
    assert sync.check(95, 105, -1) == SyncAction.APPLY  # straddles 101
    assert sync.check(106, 110, -1) == SyncAction.APPLY
    assert sync.check(112, 115, -1) == SyncAction.GAP
    fresh = SpotDepthSync()
    fresh.on_snapshot(100)
    assert fresh.check(102, 110, -1) == SyncAction.GAP  # starts past lastUpdateId + 1


def test_futures_sync_rules():
    sync = FuturesDepthSync()
    sync.on_snapshot(100)
    assert sync.check(90, 99, 89) == SyncAction.DROP
    assert sync.check(95, 105, 94) == SyncAction.APPLY
    assert sync.check(106, 110, 105) == SyncAction.APPLY
    assert sync.check(111, 115, 109) == SyncAction.GAP
