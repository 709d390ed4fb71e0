"""Depth walks: what it costs to trade a size against a book, exactly.

Levels are ``(price, size)`` pairs best first; notional is in price units x size units, so
it is an exact integer (convert to cash with ``Money.from_units`` at
``price_decimals + size_decimals``).

>>> walk([(5100, 300), (5200, 500)], 400)
Walk(filled=400, notional=2050000)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from pythia.book.base import OrderBook
from pythia.core.errors import DataError
from pythia.model.events import Level


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of walking a book: size filled and its exact notional."""

    filled: int
    notional: int

    @property
    def vwap(self) -> Fraction | None:
        """The exact volume-weighted average price in price units (None if nothing filled)."""
        return None if self.filled == 0 else Fraction(self.notional, self.filled)


def walk(
    levels: Iterable[Level], size: int, limit_price: int | None = None, buying: bool = True
) -> Walk:
    """Consume ``levels`` (best first) until ``size`` is filled or the limit price is passed."""
    if size < 0:
        raise DataError(f"cannot walk a negative size {size}")
    remaining, notional = size, 0
    for price, available in levels:
        if remaining <= 0:
            break
        if limit_price is not None and (price > limit_price if buying else price < limit_price):
            break
        take = available if available < remaining else remaining
        notional += take * price
        remaining -= take
    return Walk(size - remaining, notional)


def cost_to_buy(book: OrderBook, size: int, limit_price: int | None = None) -> Walk:
    """Walk the asks to buy ``size`` (at most up to ``limit_price``)."""
    return walk(book.asks(), size, limit_price, buying=True)


def proceeds_to_sell(book: OrderBook, size: int, limit_price: int | None = None) -> Walk:
    """Walk the bids to sell ``size`` (at least down to ``limit_price``)."""
    return walk(book.bids(), size, limit_price, buying=False)


def fillable_within(levels: Iterable[Level], limit_price: int, buying: bool) -> int:
    """The largest size fillable at prices no worse than ``limit_price``."""
    total = 0
    for price, available in levels:
        if price > limit_price if buying else price < limit_price:
            break
        total += available
    return total


def max_buy_within(book: OrderBook, limit_price: int) -> int:
    return fillable_within(book.asks(), limit_price, buying=True)


def max_sell_within(book: OrderBook, limit_price: int) -> int:
    return fillable_within(book.bids(), limit_price, buying=False)
