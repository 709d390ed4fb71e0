"""Small enums shared by the model."""

from __future__ import annotations

import enum


class Side(enum.Enum):
    """Order or aggressor side."""

    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class BookSide(enum.Enum):
    BID = "bid"
    ASK = "ask"


class MarketState(enum.Enum):
    """A market's trading status, normalised across venues."""

    PRE_OPEN = "pre_open"
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    SETTLED = "settled"


class OutcomeResult(enum.Enum):
    WIN = "win"
    LOSE = "lose"
    REMOVED = "removed"  # Betfair non-runner: stakes void
    VOID = "void"
