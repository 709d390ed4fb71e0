"""Read raw Binance captures: one message a line, ``<local receive ns> <raw JSON>``.

Lines hold combined-stream messages (``{"stream": ..., "data": ...}``: depth diffs, trades,
bookTicker) and REST depth snapshots (``{"lastUpdateId": ...}``), which carry no symbol: a
snapshot belongs to the capture's symbol (the one named by the stream messages). Several
files are read as one continuous stream. A line without the receive-time prefix is accepted
with the venue event time as receive time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from pythia.core.errors import DataError
from pythia.model.events import MarketEvent
from pythia.model.instruments import Instrument
from pythia.venues.binance import parse, wire
from pythia.venues.binance.profile import make_instrument
from pythia.venues.capture import CaptureSource


def _split(line: str) -> tuple[int | None, str]:
    head, _, rest = line.partition(" ")
    if head.isdigit() and rest:
        return int(head), rest
    return None, line


class BinanceCapture(CaptureSource):
    """A Binance capture as a MarketDataSource. ``market`` is "spot", "futures" or None (detect)."""

    def __init__(self, paths: Sequence[Path], symbol: str | None = None, market: str | None = None):
        super().__init__(paths)
        self.symbol = symbol.upper() if symbol else None
        self.market = market
        self._by_symbol: dict[str, Instrument] = {}

    def _instrument(self, symbol: str) -> Instrument:
        instrument = self._by_symbol.get(symbol)
        if instrument is None:
            instrument = make_instrument(symbol, futures=self.market == "futures")
            self._by_symbol[symbol] = instrument
            self.add_instrument(instrument)
        return instrument

    def _detect(self) -> None:
        """Find the capture's symbol and market from its first stream messages."""
        for _, line in self.iter_records():
            _, text = _split(line)
            if '"stream"' not in text:
                continue
            try:
                envelope = wire.envelope_decoder.decode(text)
            except msgspec.DecodeError:
                continue
            self.symbol = self.symbol or envelope.stream.partition("@")[0].upper()
            if self.market is None and "@depth" in envelope.stream:
                self.market = "futures" if b'"pu"' in bytes(envelope.data) else "spot"
            if self.symbol and self.market:
                return
        self.market = self.market or "spot"

    def events(self):
        if self.symbol is None or self.market is None:
            self._detect()
        return super().events()

    def parse_line(self, line: str) -> Iterable[MarketEvent]:
        ts_recv_ns, text = _split(line)
        if text.startswith('{"stream"'):
            envelope = wire.envelope_decoder.decode(text)
            stream = envelope.stream
            kind = stream.partition("@")[2]
            if kind.startswith("depth"):
                msg = wire.depth_decoder.decode(envelope.data)
                instrument = self._instrument(msg.s)
                return (parse.parse_depth(msg, instrument, ts_recv_ns or msg.E * 1_000_000),)
            if kind == "bookTicker":
                msg = wire.ticker_decoder.decode(envelope.data)
                instrument = self._instrument(msg.s)
                return (parse.parse_book_ticker(msg, instrument, ts_recv_ns or 0),)
            if kind in ("trade", "aggTrade"):
                msg = wire.trade_decoder.decode(envelope.data)
                instrument = self._instrument(msg.s)
                return (parse.parse_trade(msg, instrument, ts_recv_ns or msg.T * 1_000_000),)
            raise DataError(f"unknown Binance stream {stream!r}")
        if '"lastUpdateId"' in text:
            msg = wire.snapshot_decoder.decode(text)
            if not self.symbol:
                raise DataError("depth snapshot in a capture with no symbol")
            return (parse.parse_snapshot(msg, self._instrument(self.symbol), ts_recv_ns or 0),)
        raise DataError(f"unrecognised Binance message: {text[:80]!r}")


def read_capture(paths: Sequence[Path], symbol: str | None = None) -> BinanceCapture:
    return BinanceCapture(paths, symbol=symbol)


def synchronizer_for(instrument: Instrument):
    """The depth sync rule of an instrument of this capture (spot or USD-M futures)."""
    from pythia.model.instruments import InstrumentKind
    from pythia.venues.binance.sync import FuturesDepthSync, SpotDepthSync

    if instrument.kind is InstrumentKind.CRYPTO_PERPETUAL:
        return FuturesDepthSync()
    return SpotDepthSync()
