"""A sorted book for open-ended prices (crypto): a dict of levels plus a sorted key list.

Updating an existing level touches only the dict; the sorted list changes only when a level
appears or disappears.
"""

from __future__ import annotations

from sortedcontainers import SortedList

from pythia.book.base import CrossPolicy, OrderBook
from pythia.model.enums import BookSide
from pythia.model.events import Level
from pythia.model.ticks import TickScheme


class SortedBook(OrderBook):
    """L2 book with unbounded price range.

    >>> from pythia.model.ticks import TickScheme
    >>> book = SortedBook("BTCUSDT", TickScheme.uniform(1, 1, 10**12))
    >>> book.apply_levels([(6183763, 378826)], [(6183764, 154698)])
    >>> book.best_ask()
    (6183764, 154698)
    """

    __slots__ = ("_bid_sizes", "_ask_sizes", "_bid_keys", "_ask_keys", "_bid_stamps", "_ask_stamps")

    def __init__(
        self, instrument_id: str, ticks: TickScheme, cross_policy: CrossPolicy = CrossPolicy.REJECT
    ) -> None:
        super().__init__(instrument_id, ticks, cross_policy)
        self.clear()

    def clear(self) -> None:
        self._bid_sizes: dict[int, int] = {}
        self._ask_sizes: dict[int, int] = {}
        self._bid_stamps: dict[int, int] = {}
        self._ask_stamps: dict[int, int] = {}
        self._bid_keys = SortedList()
        self._ask_keys = SortedList()

    @staticmethod
    def _apply_side(levels, sizes, stamps, keys, batch: int, increment: bool) -> list:
        undo: list = []
        get = sizes.get
        for price, size in levels:
            old = get(price, 0)
            if increment:
                size = old + size
                if size < 0:
                    size = 0
            if size:
                undo.append((price, old, stamps.get(price, 0)))
                if not old:
                    keys.add(price)
                sizes[price] = size
                stamps[price] = batch
            elif old:
                undo.append((price, old, stamps.get(price, 0)))
                del sizes[price]
                del stamps[price]
                keys.remove(price)
        return undo

    def _apply(self, bids, asks, increment: bool) -> list:
        batch = self._batch
        undo_bids = (
            self._apply_side(
                bids, self._bid_sizes, self._bid_stamps, self._bid_keys, batch, increment
            )
            if bids
            else []
        )
        undo_asks = (
            self._apply_side(
                asks, self._ask_sizes, self._ask_stamps, self._ask_keys, batch, increment
            )
            if asks
            else []
        )
        return [undo_bids, undo_asks]

    @staticmethod
    def _undo_side(undo, sizes, stamps, keys) -> None:
        for price, old, stamp in reversed(undo):
            present = price in sizes
            if old:
                if not present:
                    keys.add(price)
                sizes[price] = old
                stamps[price] = stamp
            elif present:
                del sizes[price]
                del stamps[price]
                keys.remove(price)

    def _undo(self, undo: list) -> None:
        self._undo_side(undo[0], self._bid_sizes, self._bid_stamps, self._bid_keys)
        self._undo_side(undo[1], self._ask_sizes, self._ask_stamps, self._ask_keys)

    def _remove(self, side: BookSide, price: int) -> None:
        if side is BookSide.BID:
            sizes, stamps, keys = self._bid_sizes, self._bid_stamps, self._bid_keys
        else:
            sizes, stamps, keys = self._ask_sizes, self._ask_stamps, self._ask_keys
        if price in sizes:
            del sizes[price]
            stamps.pop(price, None)
            keys.remove(price)

    def best_bid(self) -> Level | None:
        keys = self._bid_keys
        if not keys:
            return None
        price = keys[-1]
        return (price, self._bid_sizes[price])

    def best_ask(self) -> Level | None:
        keys = self._ask_keys
        if not keys:
            return None
        price = keys[0]
        return (price, self._ask_sizes[price])

    def bids(self, depth: int | None = None) -> list[Level]:
        sizes = self._bid_sizes
        keys = self._bid_keys
        stop = len(keys) if depth is None else min(depth, len(keys))
        return [(price, sizes[price]) for price in keys.islice(len(keys) - stop, reverse=True)]

    def asks(self, depth: int | None = None) -> list[Level]:
        sizes = self._ask_sizes
        return [(price, sizes[price]) for price in self._ask_keys.islice(0, depth)]

    def size_at(self, side: BookSide, price: int) -> int:
        return (self._bid_sizes if side is BookSide.BID else self._ask_sizes).get(price, 0)

    def level_stamp(self, side: BookSide, price: int) -> int:
        return (self._bid_stamps if side is BookSide.BID else self._ask_stamps).get(price, 0)

    @property
    def level_count(self) -> int:
        return len(self._bid_sizes) + len(self._ask_sizes)
