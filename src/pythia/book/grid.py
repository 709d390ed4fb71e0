"""Array-backed L2 books: a fixed ladder for bounded grids and a sliding window for
open-ended prices.

Both keep sizes in flat lists indexed by grid position, so applying a level is a few list
operations and the best price moves by a short scan. Validation happens in the same pass: a
bad level makes the book undo what the batch already changed and raise ``DataError``.

- :class:`LadderBook`: the whole bounded grid is addressable (prediction markets on
  ``tick .. 1 - tick``, Betfair's odds ladder). Banded grids map prices through a dict.
- :class:`SortedBook`: open-ended prices (crypto). A window of ``window_ticks`` grid positions
  sits around the touch; levels outside it live in overflow dicts (bids below the window,
  asks above it) and are sorted only when a walk reaches them. The window recentres when the
  touch leaves it.
"""

from __future__ import annotations

from pythia.book.base import CrossPolicy, OrderBook
from pythia.core.errors import DataError
from pythia.model.enums import BookSide
from pythia.model.events import Level
from pythia.model.ticks import TickScheme


class GridBook(OrderBook):
    """Shared storage and hot loop of the array-backed books."""

    __slots__ = (
        "_prices",
        "_position",
        "_base",
        "_step",
        "_count",
        "_bid_sizes",
        "_ask_sizes",
        "_bid_stamps",
        "_ask_stamps",
        "_best_bid",
        "_best_ask",
        "_far_bids",
        "_far_asks",
        "_far_bid_stamps",
        "_far_ask_stamps",
        "_limit",
        "_inner_bids",
        "_inner_asks",
    )

    def __init__(
        self, instrument_id: str, ticks: TickScheme, cross_policy: CrossPolicy = CrossPolicy.REJECT
    ) -> None:
        super().__init__(instrument_id, ticks, cross_policy)
        self._far_bids: dict[int, int] = {}
        self._far_asks: dict[int, int] = {}
        self._far_bid_stamps: dict[int, int] = {}
        self._far_ask_stamps: dict[int, int] = {}
        # Overflow levels on the inner side of the window (bids above it, asks below it):
        # while there are any, they hold the touch.
        self._inner_bids = 0
        self._inner_asks = 0

    # ---- storage ------------------------------------------------------------------------
    def _refresh_limit(self) -> None:
        """Compute the fast-path index limit (-1 disables the fast path)."""
        ticks, base, step = self.ticks, self._base, self._step
        fast = (
            self._position is None
            and base is not None
            and ticks.is_uniform
            and ticks.bands[0][1] == step
            and (base - ticks.bands[0][0]) % step == 0
            and base >= ticks.price_min
        )
        self._limit = min(self._count, (ticks.price_max - base) // step + 1) if fast else -1

    def _crossed(self) -> bool:
        bid, ask = self._best_bid, self._best_ask
        if bid >= 0 and ask < self._count and not (self._inner_bids or self._inner_asks):
            return bid >= ask
        return OrderBook._crossed(self)

    def _allocate(self, count: int) -> None:
        self._count = count
        self._bid_sizes = [0] * count
        self._ask_sizes = [0] * count
        self._bid_stamps = [0] * count
        self._ask_stamps = [0] * count
        self._best_bid = -1
        self._best_ask = count
        self._refresh_limit()

    def _index(self, price: int) -> int:
        """Grid position of ``price`` (may be outside ``0 .. count - 1``); -1 if unknown."""
        position = self._position
        if position is None:
            return (price - self._base) // self._step
        return position.get(price, -1)

    def clear(self) -> None:
        self._allocate(self._count)
        self._far_bids, self._far_asks = {}, {}
        self._far_bid_stamps, self._far_ask_stamps = {}, {}
        self._inner_bids = self._inner_asks = 0

    # ---- the hot loop ---------------------------------------------------------------------
    def _apply_side(self, levels, is_bid: bool, increment: bool, undo: list) -> None:
        base, step, limit = self._base, self._step, self._limit
        # Fast path: on the storage grid, inside the window and the bounds. Everything else
        # (off-grid, out of bounds, overflow, banded ladders) goes through _slow_level.
        batch = self._batch
        if is_bid:
            sizes, stamps, best = self._bid_sizes, self._bid_stamps, self._best_bid
        else:
            sizes, stamps, best = self._ask_sizes, self._ask_stamps, self._best_ask
        record = undo.append
        try:
            for price, size in levels:
                if size.__class__ is not int:
                    raise DataError(
                        f"{self.instrument_id}: size must be an integer, got {(price, size)!r}"
                    )
                offset = price - base
                index = offset // step if step else -1
                if offset != index * step or index < 0 or index >= limit:
                    if is_bid:
                        self._best_bid = best
                    else:
                        self._best_ask = best
                    index = self._slow_level(is_bid, price, size, increment, record)
                    if index is None:
                        continue
                    if index < 0:  # the window moved (and the level is in it): reload
                        base, limit = self._base, self._limit
                        if is_bid:
                            sizes, stamps, best = self._bid_sizes, self._bid_stamps, self._best_bid
                        else:
                            sizes, stamps, best = self._ask_sizes, self._ask_stamps, self._best_ask
                        continue
                elif size < 0 and not increment:
                    raise DataError(f"{self.instrument_id}: negative size {size} at {price}")
                old = sizes[index]
                if increment:
                    size += old
                    if size < 0:
                        size = 0
                record((price, old, stamps[index]))
                sizes[index] = size
                stamps[index] = batch
                if size:
                    if (index > best) if is_bid else (index < best):
                        best = index
        except (TypeError, ValueError, KeyError) as error:
            self._flush_best(is_bid, best)
            if isinstance(error, DataError):
                raise
            raise DataError(f"{self.instrument_id}: malformed level: {error}") from None
        if is_bid:
            while best >= 0 and not sizes[best]:
                best -= 1
            self._best_bid = best
        else:
            count = self._count
            while best < count and not sizes[best]:
                best += 1
            self._best_ask = best

    def _slow_level(self, is_bid: bool, price, size: int, increment: bool, record) -> int | None:
        """Validate a level off the fast path. Return its window index to apply it there,
        None when it was stored in overflow, or -1 when the window moved (already applied)."""
        ticks = self.ticks
        if price.__class__ is not int:
            raise DataError(f"{self.instrument_id}: price must be an integer, got {price!r}")
        if price < ticks.price_min or price > ticks.price_max:
            raise DataError(
                f"{self.instrument_id}: price {price} outside bounds"
                f" {ticks.price_min}..{ticks.price_max}"
            )
        if ticks.is_uniform:
            start, tick = ticks.bands[0]
            if (price - start) % tick:
                raise DataError(f"{self.instrument_id}: price {price} off tick {tick}")
        elif not ticks.is_valid(price):
            raise DataError(f"{self.instrument_id}: price {price} off the tick ladder")
        if size < 0 and not increment:
            raise DataError(f"{self.instrument_id}: negative size {size} at {price}")
        index = self._index(price)
        if 0 <= index < self._count:
            return index
        self._set_far(is_bid, price, size, increment, record)
        inner = (index >= self._count) if is_bid else (index < 0)
        if inner and price in (self._far_bids if is_bid else self._far_asks):
            # The touch left the window: recentre on this price.
            self._recentre(price)
            return -1
        return None

    def _flush_best(self, is_bid: bool, best: int) -> None:
        """Store a side's best position, moving it past emptied levels."""
        if is_bid:
            sizes = self._bid_sizes
            while best >= 0 and not sizes[best]:
                best -= 1
            self._best_bid = best
        else:
            sizes, count = self._ask_sizes, self._count
            while best < count and not sizes[best]:
                best += 1
            self._best_ask = best

    def _set_far(self, is_bid: bool, price: int, size: int, increment: bool, record) -> None:
        raise DataError(f"{self.instrument_id}: price {price} outside the book's grid")

    def _recentre(self, price: int) -> None:
        raise DataError(f"{self.instrument_id}: price {price} outside the book's grid")

    def _apply(self, bids, asks, increment: bool) -> list:
        undo_bids: list = []
        undo_asks: list = []
        try:
            if bids:
                self._apply_side(bids, True, increment, undo_bids)
            if asks:
                self._apply_side(asks, False, increment, undo_asks)
        except DataError:
            self._undo([undo_bids, undo_asks])
            raise
        return [undo_bids, undo_asks]

    def apply_delta(self, delta) -> None:
        """Apply a delta atomically. Invalid or crossed input leaves the book as it was."""
        if delta.instrument_id != self.instrument_id:
            self._check_instrument(delta.instrument_id)
        self.apply_levels(delta.bids, delta.asks, delta.sequence, delta.increment)
        self.ts_event_ns = delta.ts_event_ns

    def apply_levels(self, bids, asks, sequence: int = -1, increment: bool = False) -> None:
        """Apply level changes (absolute sizes, or signed changes when ``increment``)."""
        if sequence < self.sequence and sequence != -1:
            raise DataError(
                f"{self.instrument_id}: sequence going backwards ({sequence} < {self.sequence})"
            )
        self._batch += 1
        undo_bids: list = []
        undo_asks: list = []
        try:
            if bids:
                self._apply_side(bids, True, increment, undo_bids)
            if asks:
                self._apply_side(asks, False, increment, undo_asks)
        except DataError:
            self._undo([undo_bids, undo_asks])
            raise
        bid, ask = self._best_bid, self._best_ask
        if self._inner_bids or self._inner_asks or ask >= self._count or bid < 0:
            crossed = OrderBook._crossed(self)
        else:
            crossed = bid >= ask
        if crossed:
            self._resolve_cross(undo=[undo_bids, undo_asks])
        if sequence != -1:
            self.sequence = sequence
        self.updates_applied += len(bids) + len(asks)

    def _undo(self, undo: list) -> None:
        for is_bid, entries in ((True, undo[0]), (False, undo[1])):
            for price, old, stamp in reversed(entries):
                self._put(is_bid, price, old, stamp)
        self._rescan()

    def _put(self, is_bid: bool, price: int, size: int, stamp: int) -> None:
        """Set a level wherever it lives (window or overflow); no best-price upkeep."""
        index = self._index(price)
        if 0 <= index < self._count:
            (self._bid_sizes if is_bid else self._ask_sizes)[index] = size
            (self._bid_stamps if is_bid else self._ask_stamps)[index] = stamp
            return
        self._far_write(is_bid, price, size, stamp)

    def _far_write(self, is_bid: bool, price: int, size: int, stamp: int) -> None:
        """Set or remove an overflow level, keeping the inner-side counts."""
        far = self._far_bids if is_bid else self._far_asks
        far_stamps = self._far_bid_stamps if is_bid else self._far_ask_stamps
        present = price in far
        if size:
            far[price] = size
            far_stamps[price] = stamp
        elif present:
            del far[price]
            del far_stamps[price]
        if present != bool(size) and self._is_inner(is_bid, price):
            if is_bid:
                self._inner_bids += 1 if size else -1
            else:
                self._inner_asks += 1 if size else -1

    def _is_inner(self, is_bid: bool, price: int) -> bool:
        index = self._index(price)
        return index >= self._count if is_bid else index < 0

    def _rescan(self) -> None:
        self._flush_best(True, self._count - 1)
        self._flush_best(False, 0)

    def _remove(self, side: BookSide, price: int) -> None:
        self._put(side is BookSide.BID, price, 0, self._batch)
        self._rescan()

    # ---- reading ----------------------------------------------------------------------------
    def _price_at(self, index: int) -> int:
        return self._base + index * self._step if self._position is None else self._prices[index]

    def best_bid(self) -> Level | None:
        best = self._best_bid
        if best >= 0 and not self._inner_bids:
            return (self._price_at(best), self._bid_sizes[best])
        if self._far_bids:
            price = max(self._far_bids)
            return (price, self._far_bids[price])
        return None

    def best_ask(self) -> Level | None:
        best = self._best_ask
        if best < self._count and not self._inner_asks:
            return (self._price_at(best), self._ask_sizes[best])
        if self._far_asks:
            price = min(self._far_asks)
            return (price, self._far_asks[price])
        return None

    def bids(self, depth: int | None = None) -> list[Level]:
        sizes = self._bid_sizes
        result: list[Level] = []
        if self._inner_bids:
            far = self._far_bids
            above = sorted((p for p in far if self._is_inner(True, p)), reverse=True)
            result.extend((p, far[p]) for p in above[:depth])
        index = self._best_bid
        while index >= 0 and (depth is None or len(result) < depth):
            if sizes[index]:
                result.append((self._price_at(index), sizes[index]))
            index -= 1
        if self._far_bids and (depth is None or len(result) < depth):
            far = self._far_bids
            remaining = None if depth is None else depth - len(result)
            below = sorted((p for p in far if not self._is_inner(True, p)), reverse=True)
            result.extend((p, far[p]) for p in below[:remaining])
        return result

    def asks(self, depth: int | None = None) -> list[Level]:
        sizes, count = self._ask_sizes, self._count
        result: list[Level] = []
        if self._inner_asks:
            far = self._far_asks
            below = sorted(p for p in far if self._is_inner(False, p))
            result.extend((p, far[p]) for p in below[:depth])
        index = self._best_ask
        while index < count and (depth is None or len(result) < depth):
            if sizes[index]:
                result.append((self._price_at(index), sizes[index]))
            index += 1
        if self._far_asks and (depth is None or len(result) < depth):
            far = self._far_asks
            remaining = None if depth is None else depth - len(result)
            above = sorted(p for p in far if not self._is_inner(False, p))
            result.extend((p, far[p]) for p in above[:remaining])
        return result

    def size_at(self, side: BookSide, price: int) -> int:
        is_bid = side is BookSide.BID
        index = self._index(price)
        if 0 <= index < self._count and self._price_at(index) == price:
            return (self._bid_sizes if is_bid else self._ask_sizes)[index]
        return (self._far_bids if is_bid else self._far_asks).get(price, 0)

    def level_stamp(self, side: BookSide, price: int) -> int:
        is_bid = side is BookSide.BID
        index = self._index(price)
        if 0 <= index < self._count and self._price_at(index) == price:
            return (self._bid_stamps if is_bid else self._ask_stamps)[index]
        return (self._far_bid_stamps if is_bid else self._far_ask_stamps).get(price, 0)

    @property
    def level_count(self) -> int:
        window = sum(1 for s in self._bid_sizes if s) + sum(1 for s in self._ask_sizes if s)
        return window + len(self._far_bids) + len(self._far_asks)


class LadderBook(GridBook):
    """L2 book on a bounded grid: every valid price has a slot.

    >>> from pythia.model.ticks import TickScheme
    >>> book = LadderBook("yes", TickScheme.uniform(100, 100, 9900))
    >>> book.apply_levels([(4800, 1000)], [(5100, 300)])
    >>> book.best_bid(), book.best_ask()
    ((4800, 1000), (5100, 300))
    """

    __slots__ = ()

    def __init__(
        self, instrument_id: str, ticks: TickScheme, cross_policy: CrossPolicy = CrossPolicy.REJECT
    ) -> None:
        super().__init__(instrument_id, ticks, cross_policy)
        self._build_grid(ticks)

    def _build_grid(self, ticks: TickScheme) -> None:
        if ticks.is_uniform:
            self._base, self._step = ticks.price_min, ticks.bands[0][1]
            self._prices = []
            self._position = None
            count = (ticks.price_max - ticks.price_min) // self._step + 1
        else:
            self._base, self._step = 0, 0
            self._prices = ticks.prices()
            self._position = {price: index for index, price in enumerate(self._prices)}
            count = len(self._prices)
        self._allocate(count)

    def set_ticks(self, ticks: TickScheme) -> None:
        """Move to a new tick, keeping every resting level addressable (Polymarket changes
        the tick near 0 and 1; levels on the old grid stay until they are updated)."""
        bids, asks = self.bids(), self.asks()
        storage = ticks
        if ticks.is_uniform and self.ticks.is_uniform:
            from math import gcd

            step = gcd(ticks.bands[0][1], self._step)
            low = min(ticks.price_min, self.ticks.price_min)
            high = max(ticks.price_max, self.ticks.price_max)
            storage = TickScheme.uniform(step, low - low % step, high - high % step)
        elif not ticks.is_uniform:
            storage = TickScheme(
                ticks.bands,
                min(ticks.price_min, self.ticks.price_min),
                max(ticks.price_max, self.ticks.price_max),
            )
        self.ticks = storage
        self._build_grid(storage)
        self._batch += 1
        self._apply(bids, asks, False)
        self.ticks = ticks
        self._refresh_limit()


class SortedBook(GridBook):
    """L2 book for open-ended prices: a sliding window of slots plus sorted overflow.

    >>> from pythia.model.ticks import TickScheme
    >>> book = SortedBook("BTCUSDT", TickScheme.uniform(1, 1, 10**12))
    >>> book.apply_levels([(6183763, 378826)], [(6183764, 154698), (5000000, 0)])
    >>> book.best_ask(), book.bids()
    ((6183764, 154698), [(6183763, 378826)])
    """

    __slots__ = ("window_ticks",)

    def __init__(
        self,
        instrument_id: str,
        ticks: TickScheme,
        cross_policy: CrossPolicy = CrossPolicy.REJECT,
        window_ticks: int = 65536,
    ) -> None:
        super().__init__(instrument_id, ticks, cross_policy)
        self.window_ticks = window_ticks
        self._position = None
        self._prices = []
        self._step = ticks.finest_tick
        self._base = ticks.bands[0][0]
        self._base = None  # placed on the first level seen
        self._allocate(window_ticks)

    def _apply_side(self, levels, is_bid: bool, increment: bool, undo: list) -> None:
        if self._base is None:
            for price, _ in levels:
                if price.__class__ is int and self.ticks.is_valid(price):
                    self._place_window(price)
                    break
            else:
                self._place_window(self.ticks.price_min)
        super()._apply_side(levels, is_bid, increment, undo)

    def _index(self, price: int) -> int:
        if self._base is None:
            return -1
        return (price - self._base) // self._step

    def _place_window(self, centre: int) -> None:
        step, start = self._step, self.ticks.bands[0][0]
        half = (self.window_ticks // 2) * step
        base = max(centre - half, self.ticks.price_min)
        self._base = base - (base - start) % step
        self._refresh_limit()

    def _set_far(self, is_bid: bool, price: int, size: int, increment: bool, record) -> None:
        far = self._far_bids if is_bid else self._far_asks
        far_stamps = self._far_bid_stamps if is_bid else self._far_ask_stamps
        old = far.get(price, 0)
        if increment:
            size += old
            if size < 0:
                size = 0
        if size or old:
            record((price, old, far_stamps.get(price, 0)))
            self._far_write(is_bid, price, size, self._batch)

    def _recentre(self, price: int) -> None:
        """Move the window to centre on ``price``; every level keeps its size and stamp."""
        levels = []
        for is_bid in (True, False):
            sizes = self._bid_sizes if is_bid else self._ask_sizes
            stamps = self._bid_stamps if is_bid else self._ask_stamps
            for index, size in enumerate(sizes):
                if size:
                    levels.append((is_bid, self._price_at(index), size, stamps[index]))
        self._allocate(self.window_ticks)
        self._place_window(price)
        for is_bid, level_price, size, stamp in levels:
            self._put(is_bid, level_price, size, stamp)
        for is_bid in (True, False):
            far = self._far_bids if is_bid else self._far_asks
            far_stamps = self._far_bid_stamps if is_bid else self._far_ask_stamps
            for far_price in [p for p in far if 0 <= self._index(p) < self._count]:
                self._put(is_bid, far_price, far.pop(far_price), far_stamps.pop(far_price))
        self._inner_bids = sum(1 for p in self._far_bids if self._is_inner(True, p))
        self._inner_asks = sum(1 for p in self._far_asks if self._is_inner(False, p))
        self._rescan()

    def apply_levels(self, bids, asks, sequence=-1, increment=False) -> None:
        super().apply_levels(bids, asks, sequence, increment)
        # Keep the touch inside the window so updates stay on the fast path.
        if (
            self._inner_bids
            or self._inner_asks
            or (self._best_bid < 0 and self._far_bids)
            or (self._best_ask >= self._count and self._far_asks)
        ):
            bid, ask = self.best_bid(), self.best_ask()
            if bid and ask:
                self._recentre((bid[0] + ask[0]) // 2)
            elif bid or ask:
                self._recentre((bid or ask)[0])

    def clear(self) -> None:
        self._base = None
        super().clear()

    def set_ticks(self, ticks: TickScheme) -> None:
        """Move to a new grid: levels are kept (validated against the finer of the two)."""
        bids, asks = self.bids(), self.asks()
        self._step = min(ticks.finest_tick, self._step)
        self.clear()
        self._batch += 1
        self._apply(bids, asks, False)
        self.ticks = ticks
        self._refresh_limit()
