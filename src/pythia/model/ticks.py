"""Tick schemes: which prices are valid on an instrument.

A scheme is a tuple of bands ``(from_price, tick)`` in price units: from ``from_price`` up to
the next band's start, valid prices are ``from_price + k * tick``. A uniform tick is one band.
Betfair's odds ladder and Kalshi's tapered deci-cent structure are several bands.

>>> s = TickScheme.uniform(10, 10, 9990)   # 0.001 .. 0.999 at 4 decimals
>>> s.is_valid(500), s.is_valid(505)
(True, False)
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from pythia.core.errors import DataError


@dataclass(frozen=True, slots=True)
class TickScheme:
    """Valid prices between ``price_min`` and ``price_max`` (inclusive), in price units."""

    bands: tuple[tuple[int, int], ...]
    price_min: int
    price_max: int

    def __post_init__(self) -> None:
        if not self.bands:
            raise DataError("a tick scheme needs at least one band")
        starts = [start for start, _ in self.bands]
        if starts != sorted(starts) or any(tick <= 0 for _, tick in self.bands):
            raise DataError(f"tick bands must be ascending with positive ticks: {self.bands}")
        if self.price_min > self.price_max or self.price_min < self.bands[0][0]:
            raise DataError(f"price bounds {self.price_min}..{self.price_max} outside bands")

    @classmethod
    def uniform(cls, tick: int, price_min: int, price_max: int, anchor: int = 0) -> TickScheme:
        """One tick everywhere; valid prices are ``anchor + k * tick``."""
        return cls(((anchor, tick),), price_min, price_max)

    @property
    def is_uniform(self) -> bool:
        return len(self.bands) == 1

    @property
    def finest_tick(self) -> int:
        return min(tick for _, tick in self.bands)

    def tick_at(self, price: int) -> int:
        """Return the tick of the band holding ``price``."""
        index = bisect_right(self.bands, (price, float("inf"))) - 1
        return self.bands[max(index, 0)][1]

    def is_valid(self, price: int) -> bool:
        """Return True when ``price`` is inside the bounds and on the grid."""
        if price < self.price_min or price > self.price_max:
            return False
        if len(self.bands) == 1:
            start, tick = self.bands[0]
            return (price - start) % tick == 0
        index = bisect_right(self.bands, (price, float("inf"))) - 1
        start, tick = self.bands[index]
        return (price - start) % tick == 0

    def round_price(self, price: int, up: bool) -> int:
        """Round an off-grid price to the grid (up or down), clamped to the bounds."""
        index = max(bisect_right(self.bands, (price, float("inf"))) - 1, 0)
        start, tick = self.bands[index]
        steps, remainder = divmod(price - start, tick)
        rounded = start + (steps + (1 if up and remainder else 0)) * tick
        if index + 1 < len(self.bands) and rounded > self.bands[index + 1][0]:
            rounded = self.bands[index + 1][0]
        return min(max(rounded, self.price_min), self.price_max)

    def with_tick(self, tick: int) -> TickScheme:
        """Return a uniform scheme with a new tick and bounds ``tick .. one - tick``-style
        kept proportional: the bounds move to the nearest grid points inside the old ones."""
        low = -(-self.price_min // tick) * tick
        high = (self.price_max // tick) * tick
        return TickScheme(((0, tick),), low, high)

    def prices(self) -> list[int]:
        """Every valid price, ascending (for ladders and tests)."""
        result: list[int] = []
        for index, (start, tick) in enumerate(self.bands):
            end = self.bands[index + 1][0] if index + 1 < len(self.bands) else self.price_max + 1
            first = max(start, self.price_min)
            first += (-(first - start)) % tick
            result.extend(range(first, min(end, self.price_max + 1), tick))
        return result
