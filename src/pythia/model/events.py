"""Market events: frozen messages, each with ``ts_event_ns`` (venue time) and ``ts_recv_ns``
(local receive time).

Prices and sizes are integers in the instrument's units. Book levels are ``(price, size)``
pairs; in a delta a size is the new absolute size at that price (0 removes the level), unless
``increment`` is set, when it is a signed change (Kalshi ``orderbook_delta``).
"""

from __future__ import annotations

import msgspec

from pythia.model.enums import MarketState, Side
from pythia.model.instruments import Instrument, OutcomeGroup

Level = tuple[int, int]
NO_SEQUENCE = -1


class BookSnapshot(msgspec.Struct, frozen=True, gc=False):
    """The full book: replaces every level. Levels in any order."""

    instrument_id: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts_event_ns: int
    ts_recv_ns: int
    sequence: int = NO_SEQUENCE


class BookDelta(msgspec.Struct, frozen=True, gc=False):
    """Changed levels of one instrument's book, applied atomically.

    ``sequence`` is the venue's update id after this delta (Binance ``u``), ``first_sequence``
    the first id it covers (Binance ``U``) and ``prev_sequence`` the id it follows (Binance
    futures ``pu``); ``NO_SEQUENCE`` where the venue has none.
    """

    instrument_id: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts_event_ns: int
    ts_recv_ns: int
    sequence: int = NO_SEQUENCE
    first_sequence: int = NO_SEQUENCE
    prev_sequence: int = NO_SEQUENCE
    increment: bool = False


class TopOfBook(msgspec.Struct, frozen=True, gc=False):
    """The venue's own best bid and ask (Binance ``bookTicker``, Polymarket ``best_bid``).

    Sizes are ``None`` where the venue gives only prices; prices are ``None`` for an empty side.
    """

    instrument_id: str
    bid_price: int | None
    bid_size: int | None
    ask_price: int | None
    ask_size: int | None
    ts_event_ns: int
    ts_recv_ns: int
    sequence: int = NO_SEQUENCE


class Trade(msgspec.Struct, frozen=True, gc=False):
    """A print. ``aggressor`` is the taker's side, ``None`` when the venue does not say."""

    instrument_id: str
    price: int
    size: int
    aggressor: Side | None
    trade_id: str
    ts_event_ns: int
    ts_recv_ns: int


class TickSizeChange(msgspec.Struct, frozen=True, gc=False):
    """The instrument's tick changed (Polymarket near 0 and 1). Ticks in price units."""

    instrument_id: str
    old_tick: int
    new_tick: int
    ts_event_ns: int
    ts_recv_ns: int


class MarketStatus(msgspec.Struct, frozen=True, gc=False):
    """A market (or one instrument) changed trading state."""

    market_id: str
    state: MarketState
    ts_event_ns: int
    ts_recv_ns: int
    instrument_id: str = ""
    in_play: bool = False


class Resolution(msgspec.Struct, frozen=True, gc=False):
    """A market resolved: winners pay 1, losers 0, removed runners are void."""

    market_id: str
    winners: tuple[str, ...]
    losers: tuple[str, ...]
    ts_event_ns: int
    ts_recv_ns: int
    removed: tuple[str, ...] = ()


class InstrumentDefinition(msgspec.Struct, frozen=True, gc=False):
    """An instrument or outcome group became known or changed (market definitions)."""

    definition: Instrument | OutcomeGroup
    ts_event_ns: int
    ts_recv_ns: int


MarketEvent = (
    BookSnapshot
    | BookDelta
    | TopOfBook
    | Trade
    | TickSizeChange
    | MarketStatus
    | Resolution
    | InstrumentDefinition
)

EVENT_TYPES: tuple[type, ...] = (
    BookSnapshot,
    BookDelta,
    TopOfBook,
    Trade,
    TickSizeChange,
    MarketStatus,
    Resolution,
    InstrumentDefinition,
)
