"""Views of the same liquidity from the other side.

- Binary markets: a YES bid at x is a NO ask at 1 - x. Kalshi books hold bids only, so asks
  exist only through this view; :class:`BinaryView` merges a token's own asks with the
  complement of the other token's bids.
- Betfair: a runner's book is kept in decimal odds with ``bids`` = available to back (resting
  lays, best = highest odds) and ``asks`` = available to lay (resting backs, best = lowest
  odds); :class:`BackLayView` names them and converts to implied probability.
"""

from __future__ import annotations

from fractions import Fraction

from pythia.book.base import OrderBook
from pythia.model.events import Level


def complement_levels(levels: list[Level], one: int) -> list[Level]:
    """Map levels at price p to 1 - p; best-first bids become best-first asks and back."""
    return [(one - price, size) for price, size in levels]


def merge_levels(first: list[Level], second: list[Level], ascending: bool) -> list[Level]:
    """Merge two best-first level lists, adding sizes at equal prices."""
    merged: dict[int, int] = {}
    for price, size in first:
        merged[price] = merged.get(price, 0) + size
    for price, size in second:
        merged[price] = merged.get(price, 0) + size
    return sorted(merged.items(), reverse=not ascending)


class BinaryView:
    """YES and NO books of one binary market seen together.

    ``merge_native`` adds each token's own resting asks to the complement-derived ones; set
    it False for venues whose token books already mirror each other (Polymarket shows the
    complement orders in both books, so merging would count them twice).

    >>> from pythia.book.ladder import LadderBook
    >>> from pythia.model.ticks import TickScheme
    >>> grid = TickScheme.uniform(100, 100, 9900)
    >>> yes, no = LadderBook("yes", grid), LadderBook("no", grid)
    >>> yes.apply_levels([(4200, 1300)], []); no.apply_levels([(5600, 700)], [])
    >>> BinaryView(yes, no, one=10000).yes_asks()
    [(4400, 700)]
    """

    def __init__(self, yes: OrderBook, no: OrderBook, one: int, merge_native: bool = True) -> None:
        self.yes = yes
        self.no = no
        self.one = one
        self.merge_native = merge_native

    def _asks(self, own: OrderBook, other: OrderBook, depth: int | None) -> list[Level]:
        derived = complement_levels(other.bids(depth), self.one)
        if not self.merge_native:
            return own.asks(depth) or derived
        levels = merge_levels(own.asks(depth), derived, ascending=True)
        return levels if depth is None else levels[:depth]

    def _bids(self, own: OrderBook, other: OrderBook, depth: int | None) -> list[Level]:
        derived = complement_levels(other.asks(depth), self.one)
        if not self.merge_native:
            return own.bids(depth) or derived
        levels = merge_levels(own.bids(depth), derived, ascending=False)
        return levels if depth is None else levels[:depth]

    def yes_asks(self, depth: int | None = None) -> list[Level]:
        return self._asks(self.yes, self.no, depth)

    def yes_bids(self, depth: int | None = None) -> list[Level]:
        return self._bids(self.yes, self.no, depth)

    def no_asks(self, depth: int | None = None) -> list[Level]:
        return self._asks(self.no, self.yes, depth)

    def no_bids(self, depth: int | None = None) -> list[Level]:
        return self._bids(self.no, self.yes, depth)

    def best_yes_ask(self) -> Level | None:
        levels = self.yes_asks(1)
        return levels[0] if levels else None

    def best_no_ask(self) -> Level | None:
        levels = self.no_asks(1)
        return levels[0] if levels else None


class BackLayView:
    """A Betfair runner's book in decimal odds (price units of ``10**-price_decimals``)."""

    def __init__(self, book: OrderBook, price_decimals: int = 2) -> None:
        self.book = book
        self.one = 10**price_decimals

    def available_to_back(self, depth: int | None = None) -> list[Level]:
        """Odds you can back at now, best (highest) first; sizes are stakes."""
        return self.book.bids(depth)

    def available_to_lay(self, depth: int | None = None) -> list[Level]:
        """Odds you can lay at now, best (lowest) first; sizes are backers' stakes."""
        return self.book.asks(depth)

    def best_back(self) -> Level | None:
        return self.book.best_bid()

    def best_lay(self) -> Level | None:
        return self.book.best_ask()

    def implied_probability(self, odds: int) -> Fraction:
        """1 / odds, exactly: the cost of one unit of payout when backing at ``odds``."""
        return Fraction(self.one, odds)
