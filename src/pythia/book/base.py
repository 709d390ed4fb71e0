"""What every L2 book does, whatever its storage.

A book applies snapshots and deltas atomically: input is validated first (price on the grid
and inside the bounds, size a non-negative integer, sequence not going backwards) and a bad
update raises ``DataError`` with the book exactly as it was. An update that leaves the book
crossed is rejected the same way, unless the book's :class:`CrossPolicy` says to drop stale
levels (used to recover after a feed gap, and counted in ``stale_levels_dropped``).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable

from pythia.core.errors import DataError
from pythia.model.enums import BookSide
from pythia.model.events import NO_SEQUENCE, BookDelta, BookSnapshot, Level
from pythia.model.ticks import TickScheme


class CrossPolicy(enum.Enum):
    """What to do when an update leaves best bid >= best ask."""

    REJECT = "reject"
    """Raise ``DataError`` and restore the book (the default: a crossed update is bad input)."""
    DROP_STALE = "drop_stale"
    """Drop the crossing level that was updated longest ago, repeatedly, and count it."""


class OrderBook(ABC):
    """Base of the L2 books. Subclasses store the levels; this class holds shared logic."""

    __slots__ = (
        "instrument_id",
        "ticks",
        "sequence",
        "cross_policy",
        "stale_levels_dropped",
        "updates_applied",
        "ts_event_ns",
        "_batch",
    )

    def __init__(
        self, instrument_id: str, ticks: TickScheme, cross_policy: CrossPolicy = CrossPolicy.REJECT
    ) -> None:
        self.instrument_id = instrument_id
        self.ticks = ticks
        self.sequence = NO_SEQUENCE
        self.cross_policy = cross_policy
        self.stale_levels_dropped = 0
        self.updates_applied = 0
        self.ts_event_ns = 0
        self._batch = 0

    # ---- storage primitives (subclasses) -------------------------------------------------
    @abstractmethod
    def best_bid(self) -> Level | None:
        """The best (highest) bid level, or None."""

    @abstractmethod
    def best_ask(self) -> Level | None:
        """The best (lowest) ask level, or None."""

    @abstractmethod
    def bids(self, depth: int | None = None) -> list[Level]:
        """Bid levels, best (highest) first."""

    @abstractmethod
    def asks(self, depth: int | None = None) -> list[Level]:
        """Ask levels, best (lowest) first."""

    @abstractmethod
    def size_at(self, side: BookSide, price: int) -> int:
        """The size resting at ``price`` on ``side`` (0 if none)."""

    @abstractmethod
    def level_stamp(self, side: BookSide, price: int) -> int:
        """The batch number that last set this level (higher is more recent)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every level."""

    @abstractmethod
    def _apply(self, bids: Iterable[Level], asks: Iterable[Level], increment: bool) -> list:
        """Validate and apply levels; return an undo log for :meth:`_undo`. On bad input,
        undo what was applied and raise ``DataError``."""

    @abstractmethod
    def _undo(self, undo: list) -> None:
        """Restore what an undo log from :meth:`_apply` recorded."""

    @abstractmethod
    def _remove(self, side: BookSide, price: int) -> None:
        """Remove one level (used to drop stale crossing levels)."""

    def set_ticks(self, ticks: TickScheme) -> None:
        """Change the grid (Polymarket tick change); levels off the new grid are kept."""
        self.ticks = ticks

    # ---- shared behaviour -----------------------------------------------------------------
    @property
    def best_bid_price(self) -> int | None:
        level = self.best_bid()
        return None if level is None else level[0]

    @property
    def best_ask_price(self) -> int | None:
        level = self.best_ask()
        return None if level is None else level[0]

    @property
    def is_crossed(self) -> bool:
        return self._crossed()

    def _crossed(self) -> bool:
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid[0] >= ask[0]

    @property
    def is_empty(self) -> bool:
        return self.best_bid() is None and self.best_ask() is None

    def mid_price_x2(self) -> int | None:
        """Twice the mid price (an exact integer), or None if a side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return bid[0] + ask[0]

    def validate_levels(self, levels: Iterable[Level], increment: bool = False) -> None:
        """Raise ``DataError`` unless every level has a valid price and an integer size."""
        ticks = self.ticks
        uniform = ticks.is_uniform
        low, high = ticks.price_min, ticks.price_max
        start, tick = ticks.bands[0]
        for level in levels:
            try:
                price, size = level
            except (TypeError, ValueError):
                raise DataError(f"{self.instrument_id}: malformed level {level!r}") from None
            if price.__class__ is not int or size.__class__ is not int:
                raise DataError(
                    f"{self.instrument_id}: price and size must be integers, got {level!r}"
                )
            if size < 0 and not increment:
                raise DataError(f"{self.instrument_id}: negative size {size} at {price}")
            if price < low or price > high:
                raise DataError(f"{self.instrument_id}: price {price} outside bounds {low}..{high}")
            if uniform:
                if (price - start) % tick:
                    raise DataError(f"{self.instrument_id}: price {price} off tick {tick}")
            elif not ticks.is_valid(price):
                raise DataError(f"{self.instrument_id}: price {price} off the tick ladder")

    def apply_snapshot(self, snapshot: BookSnapshot) -> None:
        """Replace the whole book. Invalid or crossed input leaves the book as it was."""
        self._check_instrument(snapshot.instrument_id)
        self.validate_levels(snapshot.bids)
        self.validate_levels(snapshot.asks)
        bid_prices = [p for p, s in snapshot.bids if s > 0]
        ask_prices = [p for p, s in snapshot.asks if s > 0]
        if len(set(bid_prices)) != len(bid_prices) or len(set(ask_prices)) != len(ask_prices):
            raise DataError(f"{self.instrument_id}: snapshot repeats a price level")
        if bid_prices and ask_prices and max(bid_prices) >= min(ask_prices):
            if self.cross_policy is CrossPolicy.REJECT:
                raise DataError(
                    f"{self.instrument_id}: crossed snapshot, best bid {max(bid_prices)}"
                    f" >= best ask {min(ask_prices)}"
                )
        saved = (self.bids(), self.asks(), self.sequence)
        self.clear()
        self._batch += 1
        self._apply(snapshot.bids, snapshot.asks, False)
        if self.is_crossed:
            self._resolve_cross(saved_snapshot=saved)
        self.sequence = snapshot.sequence
        self.ts_event_ns = snapshot.ts_event_ns
        self.updates_applied += len(snapshot.bids) + len(snapshot.asks)

    def apply_delta(self, delta: BookDelta) -> None:
        """Apply a delta atomically. Invalid or crossed input leaves the book as it was."""
        if delta.instrument_id != self.instrument_id:
            self._check_instrument(delta.instrument_id)
        self.apply_levels(delta.bids, delta.asks, delta.sequence, delta.increment)
        self.ts_event_ns = delta.ts_event_ns

    def apply_levels(
        self,
        bids: Iterable[Level],
        asks: Iterable[Level],
        sequence: int = NO_SEQUENCE,
        increment: bool = False,
    ) -> None:
        """Apply level changes (absolute sizes, or signed changes when ``increment``)."""
        if sequence != NO_SEQUENCE and self.sequence != NO_SEQUENCE and sequence < self.sequence:
            raise DataError(
                f"{self.instrument_id}: sequence going backwards ({sequence} < {self.sequence})"
            )
        self._batch += 1
        undo = self._apply(bids, asks, increment)
        if self._crossed():
            self._resolve_cross(undo=undo)
        if sequence != NO_SEQUENCE:
            self.sequence = sequence
        self.updates_applied += len(bids) + len(asks)

    def _resolve_cross(self, undo: list | None = None, saved_snapshot=None) -> None:
        if self.cross_policy is CrossPolicy.REJECT:
            bid, ask = self.best_bid(), self.best_ask()
            if undo is not None:
                self._undo(undo)
            else:
                self._restore(*saved_snapshot)
            raise DataError(
                f"{self.instrument_id}: update would cross the book (bid {bid} >= ask {ask})"
            )
        while self.is_crossed:
            bid_price, ask_price = self.best_bid()[0], self.best_ask()[0]
            bid_stamp = self.level_stamp(BookSide.BID, bid_price)
            ask_stamp = self.level_stamp(BookSide.ASK, ask_price)
            if bid_stamp <= ask_stamp:
                self._remove(BookSide.BID, bid_price)
            else:
                self._remove(BookSide.ASK, ask_price)
            self.stale_levels_dropped += 1

    def _restore(self, bids: list[Level], asks: list[Level], sequence: int) -> None:
        self.clear()
        self._apply(bids, asks, False)
        self.sequence = sequence

    def _check_instrument(self, instrument_id: str) -> None:
        if instrument_id != self.instrument_id:
            raise DataError(
                f"update for {instrument_id!r} sent to the book of {self.instrument_id!r}"
            )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.instrument_id!r}, bid={self.best_bid()},"
            f" ask={self.best_ask()}, seq={self.sequence})"
        )
