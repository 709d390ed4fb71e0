"""Pure functions from Bybit wire structs to Pythia instruments and market events.

Decimals: a Bybit book prints every price and size at the symbol's tick and lot precision
(``"1.9531"``, ``"6203"``), so the printed digits *are* the instrument's decimals.
:data:`DEFAULT_DECIMALS` lists symbols whose precision we have seen in recorded data; for
any other symbol the capture reader infers them from the first book message
(:func:`infer_decimals`) unless the caller passes them. The tick is one price unit (the
finest step the decimals allow); a value with more decimals than the instrument is a
``DataError``.
"""

from __future__ import annotations

import msgspec

from pythia.core.clock import NS_PER_MS
from pythia.core.errors import DataError
from pythia.core.fixed import parse_units
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, Level, Trade
from pythia.model.instruments import CryptoPerpetual, crypto_instrument
from pythia.venues.bybit import wire

VENUE = "bybit"

DEFAULT_DECIMALS: dict[str, tuple[int, int]] = {
    "XRPUSDT": (4, 0),  # linear perp: tick 0.0001, lot 1 XRP (read off the 2024-12-01 capture)
}
"""``symbol -> (price_decimals, size_decimals)``."""

_QUOTES = ("USDT", "USDC", "USD")


def instrument_id(symbol: str) -> str:
    return f"{VENUE}:{symbol.upper()}"


def split_symbol(symbol: str) -> tuple[str, str, str]:
    """Return ``(base, quote, settle)``: ``XRPUSDT`` -> XRP/USDT/USDT, ``BTCPERP`` -> BTC/USDC/USDC,
    inverse ``BTCUSD`` -> BTC/USD settled in BTC."""
    symbol = symbol.upper()
    if symbol.endswith("PERP"):
        return symbol[:-4], "USDC", "USDC"
    for quote in _QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            base = symbol[: -len(quote)]
            return base, quote, base if quote == "USD" else quote
    return symbol, "", ""


def make_instrument(symbol: str, price_decimals: int, size_decimals: int) -> CryptoPerpetual:
    """The instrument of a Bybit linear (or inverse) perpetual with the given precision."""
    symbol = symbol.upper()
    base, quote, settle = split_symbol(symbol)
    return crypto_instrument(
        instrument_id(symbol), VENUE, symbol, price_decimals, size_decimals, base, quote, settle
    )


def _printed_decimals(text: str) -> int:
    return len(text.partition(".")[2])


def infer_decimals(data: wire.BookData) -> tuple[int, int]:
    """The most decimals printed for prices and for sizes in a book message."""
    levels = data.b + data.a
    return (
        max((_printed_decimals(p) for p, _ in levels), default=0),
        max((_printed_decimals(q) for _, q in levels), default=0),
    )


def decode_envelope(raw: bytes | str) -> wire.Envelope:
    """Decode a frame's envelope; ``DataError`` if it is not a JSON object of that shape."""
    try:
        return wire.envelope_decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise DataError(f"Bybit: invalid frame: {error}") from None
    except msgspec.DecodeError as error:
        raise DataError(f"Bybit: not JSON: {error}") from None


def decode_book(envelope: wire.Envelope) -> wire.BookData:
    """Decode the ``data`` of an ``orderbook.*`` frame."""
    if not envelope.topic.startswith("orderbook."):
        raise DataError(f"Bybit: not an order book topic: {envelope.topic!r}")
    try:
        return wire.book_decoder.decode(envelope.data)
    except msgspec.DecodeError as error:
        raise DataError(f"Bybit {envelope.topic}: invalid book data: {error}") from None


def _levels(raw: list[wire.RawLevel], instrument: CryptoPerpetual) -> tuple[Level, ...]:
    pd, sd = instrument.price_decimals, instrument.size_decimals
    levels = []
    for price_text, size_text in raw:
        price, size = parse_units(price_text, pd), parse_units(size_text, sd)
        if price <= 0:
            raise DataError(f"{instrument.symbol}: non-positive price {price_text!r}")
        if size < 0:
            raise DataError(f"{instrument.symbol}: negative size {size_text!r} at {price_text}")
        levels.append((price, size))
    return tuple(levels)


def parse_book(
    envelope: wire.Envelope,
    data: wire.BookData,
    instrument: CryptoPerpetual,
    ts_recv_ns: int | None = None,
) -> BookSnapshot | BookDelta:
    """``snapshot`` -> BookSnapshot, ``delta`` -> BookDelta (absolute sizes); sequence = ``u``.

    Event time is the matching-engine time ``cts`` (else ``ts``); receive time defaults to
    ``ts``, the latest time the frame itself gives.
    """
    ts_event = (envelope.cts if envelope.cts is not None else envelope.ts) * NS_PER_MS
    recv = ts_recv_ns if ts_recv_ns is not None else envelope.ts * NS_PER_MS
    bids, asks = _levels(data.b, instrument), _levels(data.a, instrument)
    if envelope.type == "snapshot":
        return BookSnapshot(instrument.id, bids, asks, ts_event, recv, data.u)
    if envelope.type == "delta":
        return BookDelta(instrument.id, bids, asks, ts_event, recv, sequence=data.u)
    raise DataError(f"Bybit {envelope.topic}: unknown book message type {envelope.type!r}")


def decode_trades(envelope: wire.Envelope) -> list[wire.TradeData]:
    if not envelope.topic.startswith("publicTrade."):
        raise DataError(f"Bybit: not a trade topic: {envelope.topic!r}")
    try:
        return wire.trades_decoder.decode(envelope.data)
    except msgspec.DecodeError as error:
        raise DataError(f"Bybit {envelope.topic}: invalid trade data: {error}") from None


_SIDES = {"Buy": Side.BUY, "Sell": Side.SELL}


def parse_trade(
    trade: wire.TradeData, instrument: CryptoPerpetual, ts_recv_ns: int | None = None
) -> Trade:
    """A ``publicTrade`` print; ``S`` is the taker's side."""
    side = _SIDES.get(trade.S)
    if side is None:
        raise DataError(f"{trade.s}: unknown taker side {trade.S!r}")
    price = parse_units(trade.p, instrument.price_decimals)
    size = parse_units(trade.v, instrument.size_decimals)
    if price <= 0 or size <= 0:
        raise DataError(f"{trade.s}: trade {trade.i} with non-positive price or size")
    ts_event = trade.T * NS_PER_MS
    return Trade(
        instrument.id,
        price,
        size,
        side,
        trade.i,
        ts_event,
        ts_recv_ns if ts_recv_ns is not None else ts_event,
    )
