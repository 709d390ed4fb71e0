"""L2 order books, depth walks, complement and back/lay views; pure, no I/O."""

from pythia.book.base import CrossPolicy, OrderBook
from pythia.book.grid import LadderBook, SortedBook

__all__ = ["CrossPolicy", "LadderBook", "OrderBook", "SortedBook", "book_for"]


def book_for(instrument, cross_policy: CrossPolicy = CrossPolicy.REJECT) -> OrderBook:
    """Return the right book for an instrument: a ladder for bounded grids, else sorted."""
    if instrument.bounded:
        return LadderBook(instrument.id, instrument.ticks, cross_policy)
    return SortedBook(instrument.id, instrument.ticks, cross_policy)
