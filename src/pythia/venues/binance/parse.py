"""Pure functions from Binance wire structs to Pythia market events."""

from __future__ import annotations

from pythia.core.clock import ms_to_ns
from pythia.core.errors import DataError
from pythia.core.fixed import parse_units
from pythia.model.enums import Side
from pythia.model.events import NO_SEQUENCE, BookDelta, BookSnapshot, TopOfBook, Trade
from pythia.model.instruments import Instrument
from pythia.venues.binance.wire import (
    BookTicker,
    DepthSnapshot,
    DepthUpdate,
    RawLevel,
    TradeMessage,
)


def _levels(raw: list[RawLevel], instrument: Instrument) -> tuple[tuple[int, int], ...]:
    pd, sd = instrument.price_decimals, instrument.size_decimals
    try:
        return tuple((parse_units(p, pd), parse_units(q, sd)) for p, q in raw)
    except ValueError as error:
        raise DataError(f"{instrument.symbol}: bad level: {error}") from None


def parse_snapshot(msg: DepthSnapshot, instrument: Instrument, ts_recv_ns: int) -> BookSnapshot:
    ts_event_ns = ms_to_ns(msg.E or msg.T) if (msg.E or msg.T) else ts_recv_ns
    return BookSnapshot(
        instrument.id,
        _levels(msg.bids, instrument),
        _levels(msg.asks, instrument),
        ts_event_ns,
        ts_recv_ns,
        msg.lastUpdateId,
    )


def parse_depth(msg: DepthUpdate, instrument: Instrument, ts_recv_ns: int) -> BookDelta:
    if msg.U > msg.u:
        raise DataError(f"{msg.s}: depth update with U {msg.U} > u {msg.u}")
    return BookDelta(
        instrument.id,
        _levels(msg.b, instrument),
        _levels(msg.a, instrument),
        ms_to_ns(msg.E),
        ts_recv_ns,
        sequence=msg.u,
        first_sequence=msg.U,
        prev_sequence=NO_SEQUENCE if msg.pu is None else msg.pu,
    )


def parse_book_ticker(msg: BookTicker, instrument: Instrument, ts_recv_ns: int) -> TopOfBook:
    pd, sd = instrument.price_decimals, instrument.size_decimals
    bid_size, ask_size = parse_units(msg.B, sd), parse_units(msg.A, sd)
    if bid_size < 0 or ask_size < 0:
        raise DataError(f"{msg.s}: negative size in bookTicker u={msg.u}")
    ts_event_ns = ms_to_ns(msg.E or msg.T) if (msg.E or msg.T) else ts_recv_ns
    return TopOfBook(
        instrument.id,
        parse_units(msg.b, pd) if bid_size else None,
        bid_size or None,
        parse_units(msg.a, pd) if ask_size else None,
        ask_size or None,
        ts_event_ns,
        ts_recv_ns,
        msg.u,
    )


def parse_trade(msg: TradeMessage, instrument: Instrument, ts_recv_ns: int) -> Trade:
    size = parse_units(msg.q, instrument.size_decimals)
    price = parse_units(msg.p, instrument.price_decimals)
    if size <= 0 or price <= 0:
        raise DataError(f"{msg.s}: trade with non-positive price or size: {msg.p} x {msg.q}")
    trade_id = msg.t if msg.t is not None else msg.a
    return Trade(
        instrument.id,
        price,
        size,
        Side.SELL if msg.m else Side.BUY,
        str(trade_id),
        ms_to_ns(msg.T),
        ts_recv_ns,
    )
