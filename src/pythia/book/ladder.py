"""A ladder book for bounded tick grids (prediction markets, odds ladders).

Levels live in flat lists indexed by grid position, so an update is a list store and the
best price moves by a short scan. The storage grid can be finer than the instrument's
current tick (after a Polymarket tick change both old and new prices stay addressable).
"""

from __future__ import annotations

from math import gcd

from pythia.book.base import CrossPolicy, OrderBook
from pythia.core.errors import DataError
from pythia.model.enums import BookSide
from pythia.model.events import Level
from pythia.model.ticks import TickScheme


class LadderBook(OrderBook):
    """L2 book on a bounded grid.

    >>> from pythia.model.ticks import TickScheme
    >>> book = LadderBook("yes", TickScheme.uniform(100, 100, 9900))
    >>> book.apply_levels([(4800, 1000)], [(5100, 300)])
    >>> book.best_bid(), book.best_ask()
    ((4800, 1000), (5100, 300))
    """

    __slots__ = (
        "_prices",
        "_position",
        "_base",
        "_step",
        "_bid_sizes",
        "_ask_sizes",
        "_bid_stamps",
        "_ask_stamps",
        "_best_bid",
        "_best_ask",
    )

    def __init__(
        self, instrument_id: str, ticks: TickScheme, cross_policy: CrossPolicy = CrossPolicy.REJECT
    ) -> None:
        super().__init__(instrument_id, ticks, cross_policy)
        self._build_grid(ticks)

    def _build_grid(self, ticks: TickScheme) -> None:
        if ticks.is_uniform:
            self._base, self._step = ticks.price_min, ticks.bands[0][1]
            self._prices = list(range(ticks.price_min, ticks.price_max + 1, self._step))
            self._position = None
        else:
            self._base, self._step = 0, 0
            self._prices = ticks.prices()
            self._position = {price: index for index, price in enumerate(self._prices)}
        count = len(self._prices)
        self._bid_sizes = [0] * count
        self._ask_sizes = [0] * count
        self._bid_stamps = [0] * count
        self._ask_stamps = [0] * count
        self._best_bid = -1
        self._best_ask = count

    def set_ticks(self, ticks: TickScheme) -> None:
        """Move to a new tick (keeping every resting level addressable)."""
        bids, asks = self.bids(), self.asks()
        storage = ticks
        if ticks.is_uniform and self.ticks.is_uniform:
            step = gcd(ticks.bands[0][1], self._step)
            low = min(ticks.price_min, self.ticks.price_min)
            high = max(ticks.price_max, self.ticks.price_max)
            storage = TickScheme.uniform(step, low - low % step, high - high % step)
        self._build_grid(storage)
        self._batch += 1
        self._apply(bids, asks, False)
        self.ticks = ticks

    def _indexes(self, levels) -> list[int]:
        position = self._position
        if position is None:
            base, step = self._base, self._step
            return [(price - base) // step for price, _ in levels]
        try:
            return [position[price] for price, _ in levels]
        except KeyError as missing:
            raise DataError(f"{self.instrument_id}: price {missing} not on the ladder") from None

    def _apply(self, bids, asks, increment: bool) -> list:
        batch = self._batch
        undo_bids: list = []
        undo_asks: list = []
        if bids:
            sizes, stamps = self._bid_sizes, self._bid_stamps
            best = self._best_bid
            for index, (_, size) in zip(self._indexes(bids), bids, strict=True):
                old = sizes[index]
                if increment:
                    size = old + size
                    if size < 0:
                        size = 0
                undo_bids.append((index, old, stamps[index]))
                sizes[index] = size
                stamps[index] = batch
                if size and index > best:
                    best = index
            while best >= 0 and not sizes[best]:
                best -= 1
            self._best_bid = best
        if asks:
            sizes, stamps = self._ask_sizes, self._ask_stamps
            best = self._best_ask
            for index, (_, size) in zip(self._indexes(asks), asks, strict=True):
                old = sizes[index]
                if increment:
                    size = old + size
                    if size < 0:
                        size = 0
                undo_asks.append((index, old, stamps[index]))
                sizes[index] = size
                stamps[index] = batch
                if size and index < best:
                    best = index
            count = len(sizes)
            while best < count and not sizes[best]:
                best += 1
            self._best_ask = best
        return [undo_bids, undo_asks]

    def _undo(self, undo: list) -> None:
        undo_bids, undo_asks = undo
        for index, old, stamp in reversed(undo_bids):
            self._bid_sizes[index] = old
            self._bid_stamps[index] = stamp
        for index, old, stamp in reversed(undo_asks):
            self._ask_sizes[index] = old
            self._ask_stamps[index] = stamp
        self._rescan()

    def _rescan(self) -> None:
        sizes = self._bid_sizes
        best = len(sizes) - 1
        while best >= 0 and not sizes[best]:
            best -= 1
        self._best_bid = best
        sizes = self._ask_sizes
        best = 0
        while best < len(sizes) and not sizes[best]:
            best += 1
        self._best_ask = best

    def _remove(self, side: BookSide, price: int) -> None:
        index = self._indexes([(price, 0)])[0]
        if side is BookSide.BID:
            self._bid_sizes[index] = 0
        else:
            self._ask_sizes[index] = 0
        self._rescan()

    def clear(self) -> None:
        count = len(self._prices)
        self._bid_sizes = [0] * count
        self._ask_sizes = [0] * count
        self._bid_stamps = [0] * count
        self._ask_stamps = [0] * count
        self._best_bid = -1
        self._best_ask = count

    def best_bid(self) -> Level | None:
        best = self._best_bid
        if best < 0:
            return None
        return (self._prices[best], self._bid_sizes[best])

    def best_ask(self) -> Level | None:
        best = self._best_ask
        if best >= len(self._prices):
            return None
        return (self._prices[best], self._ask_sizes[best])

    def bids(self, depth: int | None = None) -> list[Level]:
        sizes, prices = self._bid_sizes, self._prices
        result: list[Level] = []
        index = self._best_bid
        while index >= 0 and (depth is None or len(result) < depth):
            if sizes[index]:
                result.append((prices[index], sizes[index]))
            index -= 1
        return result

    def asks(self, depth: int | None = None) -> list[Level]:
        sizes, prices = self._ask_sizes, self._prices
        result: list[Level] = []
        index, count = self._best_ask, len(prices)
        while index < count and (depth is None or len(result) < depth):
            if sizes[index]:
                result.append((prices[index], sizes[index]))
            index += 1
        return result

    def size_at(self, side: BookSide, price: int) -> int:
        if not self.ticks.is_valid(price) and (
            self._position is None or price not in self._position
        ):
            return 0
        index = self._indexes([(price, 0)])[0]
        if not 0 <= index < len(self._prices) or self._prices[index] != price:
            return 0
        return (self._bid_sizes if side is BookSide.BID else self._ask_sizes)[index]

    def level_stamp(self, side: BookSide, price: int) -> int:
        index = self._indexes([(price, 0)])[0]
        return (self._bid_stamps if side is BookSide.BID else self._ask_stamps)[index]
