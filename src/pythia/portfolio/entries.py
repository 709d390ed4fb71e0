"""Ledger records and holding views: the frozen nouns of the portfolio.

Every movement of cash or of a position is one :class:`LedgerEntry`. A cash move carries
``currency`` and ``amount`` (signed micro-units); a position move carries ``instrument`` and
``size_delta`` (signed, in the unit :meth:`Portfolio.position` reports). Replaying the
entries over the starting balances and positions gives the final ones exactly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import msgspec


class LedgerKind(enum.Enum):
    """Why cash or a position moved."""

    FILL = "fill"
    FEE = "fee"
    SETTLEMENT = "settlement"
    SPLIT = "split"
    MERGE = "merge"
    CONVERT = "convert"
    COMMISSION = "commission"
    DEPOSIT = "deposit"


class LedgerEntry(msgspec.Struct, frozen=True, gc=False):
    """One movement: of cash (``currency``, ``amount``) or of a position (``instrument``,
    ``size_delta``). Use :meth:`as_dict` for the plain record.

    >>> LedgerEntry(5, LedgerKind.FEE, currency="USD", amount=-20).as_dict()
    {'ts_ns': 5, 'kind': 'fee', 'currency': 'USD', 'amount': -20}
    """

    ts_ns: int
    kind: LedgerKind
    currency: str | None = None
    amount: int | None = None
    instrument: str | None = None
    size_delta: int | None = None

    @property
    def is_cash(self) -> bool:
        """Return True for a cash move, False for a position move."""
        return self.currency is not None

    def as_dict(self) -> dict[str, int | str]:
        """Return the record with exactly its four keys (amounts as ints, kind as text)."""
        if self.currency is not None:
            return {
                "ts_ns": self.ts_ns,
                "kind": self.kind.value,
                "currency": self.currency,
                "amount": int(self.amount or 0),
            }
        return {
            "ts_ns": self.ts_ns,
            "kind": self.kind.value,
            "instrument": str(self.instrument),
            "size_delta": int(self.size_delta or 0),
        }


class Bucket(enum.Enum):
    """Which book of an instrument a holding sits in.

    ``MAIN`` is the signed position of every instrument (the back bets of a Betfair
    runner). ``LAY`` exists only for decimal-odds runners: lay bets held as a long NO
    position, never netted against ``MAIN`` before settlement.
    """

    MAIN = "main"
    LAY = "lay"


@dataclass(frozen=True, slots=True)
class Holding:
    """A position in one bucket: ``size`` in the bucket's units and the cash invested in it.

    ``cost_micros`` is signed: positive for a long (cash paid), negative for a short
    (cash received). A decimal-odds bucket counts ``size`` in payout units
    (``size_decimals + price_decimals`` places) and its cost is the stake or liability.
    """

    size: int
    cost_micros: int
