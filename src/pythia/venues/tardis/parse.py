"""Pure functions from Tardis CSV rows to Pythia instruments and market events.

Decimals: a Tardis file does not say its instrument's tick or lot, and its numbers are
printed without trailing zeros (``5.4``, ``6422``). The capture reader therefore scans its
files first and gives each instrument the most decimals seen in any price column and any
amount column (:func:`decimals_of`), unless the caller fixes them; the tick is then one
price unit, which is never coarser than the real tick. A value with more decimals than the
instrument allows is a ``DataError``.

Instrument kinds: Tardis does not label contract types; exchanges in :data:`DERIVATIVES`
give perpetuals, any other exchange spot. The quote currency is read off the symbol where
it ends in a known quote coin (Deribit ``*-PERPETUAL`` without one is USD), else left empty;
a USD-quoted perpetual is taken as inverse (settled in its base coin), any other as linear.
Pass explicit instruments downstream where these guesses are not good enough.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

from pythia.core.clock import NS_PER_US
from pythia.core.errors import DataError
from pythia.core.fixed import parse_units
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, Level, MarketEvent, TopOfBook, Trade
from pythia.model.instruments import Instrument, crypto_instrument
from pythia.venues.tardis import wire

VENUE = "tardis"

DERIVATIVES = frozenset(
    {
        "binance-futures",
        "binance-delivery",
        "bitmex",
        "deribit",
        "bybit",
        "huobi-dm",
        "huobi-dm-swap",
        "huobi-dm-linear-swap",
        "okex-futures",
        "okex-swap",
        "ftx",
        "kraken-futures",
        "bitfinex-derivatives",
    }
)

_QUOTES = ("USDT", "USDC", "BUSD", "USD", "EUR", "BTC", "ETH")
_SUFFIXES = ("-PERPETUAL", "-SWAP", "PERP")


def instrument_id(exchange: str, symbol: str) -> str:
    return f"{VENUE}:{exchange}:{symbol}"


def split_symbol(symbol: str) -> tuple[str, str]:
    """Best-effort ``(base, quote)``: ``BTCUSDT`` -> BTC/USDT, ``XBTUSD`` -> XBT/USD."""
    text = symbol.upper()
    suffix = next((s for s in _SUFFIXES if text.endswith(s)), "")
    core = text[: len(text) - len(suffix)].replace("-", "").replace("_", "").replace("/", "")
    for quote in _QUOTES:
        if core.endswith(quote) and len(core) > len(quote):
            return core[: -len(quote)], quote
    return core, "USD" if suffix == "-PERPETUAL" else ""


def make_instrument(
    exchange: str, symbol: str, price_decimals: int, size_decimals: int
) -> Instrument:
    """A Tardis instrument: a perpetual on a derivatives exchange, else spot; one-unit tick."""
    base, quote = split_symbol(symbol)
    settle = None
    if exchange in DERIVATIVES:
        settle = base if quote == "USD" else quote  # USD-quoted contracts are inverse
    return crypto_instrument(
        instrument_id(exchange, symbol),
        VENUE,
        symbol,
        price_decimals,
        size_decimals,
        base,
        quote,
        settle,
    )


def decimals_of(text: str) -> int:
    """Significant decimals of a number as printed (``"5.40"`` -> 1, ``"1e-05"`` -> 5);
    0 for empty or non-finite text (those are rejected when parsed)."""
    if "e" not in text and "E" not in text:
        return len(text.partition(".")[2].rstrip("0"))
    try:
        exponent = Decimal(text).normalize().as_tuple().exponent
    except InvalidOperation:
        return 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def micros_to_ns(text: str, what: str = "timestamp") -> int:
    """A Tardis microsecond timestamp as nanoseconds."""
    if not text.isdigit():
        raise DataError(f"bad {what} {text!r}")
    return int(text) * NS_PER_US


def row_times(row: wire.Row) -> tuple[int, int]:
    """``(ts_event_ns, ts_recv_ns)``; an empty exchange timestamp falls back to the local one."""
    recv = micros_to_ns(row.local_timestamp, "local_timestamp")
    return (micros_to_ns(row.timestamp) if row.timestamp else recv), recv


def _units(text: str, decimals: int, what: str) -> int:
    if "e" in text or "E" in text:
        try:
            text = format(Decimal(text), "f")
        except InvalidOperation:
            raise DataError(f"{what}: not a decimal number: {text!r}") from None
    return parse_units(text, decimals)


def parse_level(price_text: str, amount_text: str, instrument: Instrument) -> Level:
    """A ``(price, size)`` level; a positive price and a non-negative size."""
    price = _units(price_text, instrument.price_decimals, instrument.symbol)
    size = _units(amount_text, instrument.size_decimals, instrument.symbol)
    if price <= 0:
        raise DataError(f"{instrument.symbol}: non-positive price {price_text!r}")
    if size < 0:
        raise DataError(f"{instrument.symbol}: negative amount {amount_text!r} at {price_text}")
    return price, size


def _side_levels(raw: tuple[wire.RawLevel, ...], instrument: Instrument) -> tuple[Level, ...]:
    levels = []
    for price_text, amount_text in raw:
        if not price_text and not amount_text:
            continue  # fewer levels than the dataset's depth
        levels.append(parse_level(price_text, amount_text, instrument))
    return tuple(levels)


def parse_snapshot_row(row: wire.SnapshotRow, instrument: Instrument) -> BookSnapshot:
    """A ``book_snapshot_<N>`` row -> the top N levels as a BookSnapshot."""
    ts_event, recv = row_times(row)
    return BookSnapshot(
        instrument.id,
        _side_levels(row.bids, instrument),
        _side_levels(row.asks, instrument),
        ts_event,
        recv,
    )


class IncrementalLevel(msgspec.Struct, frozen=True, gc=False):
    """One parsed ``incremental_book_L2`` row."""

    is_snapshot: bool
    is_bid: bool
    level: Level
    ts_event_ns: int
    ts_recv_ns: int


_FLAGS = {"true": True, "false": False}
_BOOK_SIDES = {"bid": True, "ask": False}


def parse_incremental_row(row: wire.IncrementalRow, instrument: Instrument) -> IncrementalLevel:
    """Parse one level update row (grouping into events is :class:`IncrementalBook`'s job)."""
    is_snapshot = _FLAGS.get(row.is_snapshot)
    if is_snapshot is None:
        raise DataError(f"{instrument.symbol}: bad is_snapshot {row.is_snapshot!r}")
    is_bid = _BOOK_SIDES.get(row.side)
    if is_bid is None:
        raise DataError(f"{instrument.symbol}: unknown book side {row.side!r}")
    ts_event, recv = row_times(row)
    level = parse_level(row.price, row.amount, instrument)
    return IncrementalLevel(is_snapshot, is_bid, level, ts_event, recv)


class IncrementalBook:
    """Group ``incremental_book_L2`` rows of one instrument into events.

    Consecutive ``is_snapshot=true`` rows form one BookSnapshot; other rows are absolute
    level sizes (0 deletes) grouped into one BookDelta per (timestamp, local_timestamp).
    Call :meth:`add` per parsed row and :meth:`flush` at the end of the input.
    """

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        self._bids: list[Level] = []
        self._asks: list[Level] = []
        self._key: tuple[bool, int, int] | None = None

    def add(self, row: IncrementalLevel) -> list[MarketEvent]:
        key = (row.is_snapshot, row.ts_event_ns, row.ts_recv_ns)
        out: list[MarketEvent] = []
        pending = self._key
        if pending is not None and not (row.is_snapshot and pending[0]) and key != pending:
            out = self.flush()
        if self._key is None:
            self._key = key
        (self._bids if row.is_bid else self._asks).append(row.level)
        return out

    def flush(self) -> list[MarketEvent]:
        key = self._key
        if key is None:
            return []
        is_snapshot, ts_event, recv = key
        bids, asks = tuple(self._bids), tuple(self._asks)
        self._bids, self._asks, self._key = [], [], None
        if is_snapshot:
            return [BookSnapshot(self.instrument_id, bids, asks, ts_event, recv)]
        return [BookDelta(self.instrument_id, bids, asks, ts_event, recv)]


_AGGRESSORS = {"buy": Side.BUY, "sell": Side.SELL, "unknown": None, "": None}


def parse_trade_row(row: wire.TradeRow, instrument: Instrument) -> Trade:
    """A ``trades`` row; ``side`` is the taker's side (``unknown`` gives no aggressor)."""
    if row.side not in _AGGRESSORS:
        raise DataError(f"{instrument.symbol}: unknown trade side {row.side!r}")
    ts_event, recv = row_times(row)
    price, size = parse_level(row.price, row.amount, instrument)
    if size == 0:
        raise DataError(f"{instrument.symbol}: trade {row.id} with zero amount")
    return Trade(instrument.id, price, size, _AGGRESSORS[row.side], row.id, ts_event, recv)


def parse_quote_row(row: wire.QuoteRow, instrument: Instrument) -> TopOfBook:
    """A ``quotes`` row (best bid and ask); an empty side gives ``None``."""
    ts_event, recv = row_times(row)
    bid = parse_level(row.bid_price, row.bid_amount, instrument) if row.bid_price else None
    ask = parse_level(row.ask_price, row.ask_amount, instrument) if row.ask_price else None
    return TopOfBook(
        instrument.id,
        None if bid is None else bid[0],
        None if bid is None else bid[1],
        None if ask is None else ask[0],
        None if ask is None else ask[1],
        ts_event,
        recv,
    )
