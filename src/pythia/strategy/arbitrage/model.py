"""What the arbitrage scanner reports: opportunities with their legs, and rejected groups.

All money is integer micro-units (10**-6) of the opportunity's currency; prices and sizes
are integer units of each leg's instrument. ``as_dict`` renders decimal strings for JSON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.model.enums import Side


class OpportunityKind(enum.Enum):
    BINARY_LONG = "binary_long"  # buy YES and NO below 1 (hold or merge)
    BINARY_SHORT = "binary_short"  # split 1 into YES + NO and sell both above 1
    GROUP_YES = "group_yes"  # buy every YES of an exhaustive one-winner group below 1
    GROUP_NO = "group_no"  # buy every NO below N - 1 (Polymarket convert pays N - 1)
    GROUP_YES_SHORT = "group_yes_short"  # sell every YES above 1 (venue allows it)
    BACK_ALL = "back_all"  # Betfair: back every runner below a 100% book
    LAY_ALL = "lay_all"  # Betfair: lay every runner above a 100% book
    CROSS_VENUE = "cross_venue"  # YES on one venue + NO on the other below 1
    COMBINATORIAL = "combinatorial"  # buys across logically linked markets (a dependency file)


class RejectReason(enum.Enum):
    NOT_EXHAUSTIVE = "not_exhaustive"  # an outcome is missing, removed, or augmented
    HALTED = "halted"  # market suspended, closed or resolved
    UNSYNCED = "unsynced"  # a leg's book is out of sync or missing
    NO_LIQUIDITY = "no_liquidity"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Leg:
    """One order of an opportunity: take ``size`` on ``instrument_id`` up to ``price_limit``."""

    venue: str
    instrument_id: str
    side: Side
    price_limit: int
    size: int
    price_decimals: int
    size_decimals: int
    cost_micros: int = 0
    """Cash paid (positive) or received (negative) for this leg, before fees."""
    fee_micros: int = 0

    def as_dict(self) -> dict:
        return {
            "venue": self.venue,
            "instrument": self.instrument_id,
            "side": self.side.value,
            "price_limit": format_units(self.price_limit, self.price_decimals),
            "size": format_units(self.size, self.size_decimals),
            "cost": format_units(self.cost_micros, MONEY_DECIMALS),
            "fee": format_units(self.fee_micros, MONEY_DECIMALS),
        }


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A riskless basket at its profit-maximising size, exactly priced.

    ``profit_micros = guaranteed_payout_micros - cost_micros - fees_micros``. For baskets that
    buy, cost is what the legs pay and the payout the least the basket returns in any
    outcome. For a short basket (BINARY_SHORT) cost is the collateral split into YES + NO and
    the payout is what selling both legs brings in (those legs carry negative costs).
    """

    kind: OpportunityKind
    group: str
    currency: str
    legs: tuple[Leg, ...]
    size: int
    size_decimals: int
    cost_micros: int
    fees_micros: int
    guaranteed_payout_micros: int
    profit_micros: int
    notes: tuple[str, ...] = field(default=())

    @property
    def capital_micros(self) -> int:
        """Capital the basket ties up: its cost plus fees (at least 1 micro-unit)."""
        return max(self.cost_micros + self.fees_micros, 1)

    def as_dict(self) -> dict:
        money = lambda v: format_units(v, MONEY_DECIMALS)  # noqa: E731
        return {
            "kind": self.kind.value,
            "group": self.group,
            "currency": self.currency,
            "legs": [leg.as_dict() for leg in self.legs],
            "size": format_units(self.size, self.size_decimals),
            "cost": money(self.cost_micros),
            "fees": money(self.fees_micros),
            "guaranteed_payout": money(self.guaranteed_payout_micros),
            "profit": money(self.profit_micros),
            "profit_per_capital": f"{self.profit_micros / self.capital_micros:.6f}",
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Rejected:
    """A group or pair the scanner did not treat as an opportunity, and why."""

    group: str
    reason: RejectReason
    detail: str = ""
    kind: OpportunityKind | None = None

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "reason": self.reason.value,
            "detail": self.detail,
            "kind": None if self.kind is None else self.kind.value,
        }
