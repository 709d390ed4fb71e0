"""Multi-leg orders: legs sent together, with one status for the whole.

A :class:`MultiLegOrder` starts when its legs are sent together and ends in one of the
:class:`ExecutionStatus` values: every leg filled, completed after legging, unwound, missed,
or left with residual (legging) exposure. It keeps the books of what happened (orders by
leg and role, fills, sizes); the policy that decides what to send next belongs to its
owner (the arbitrage strategy's is in :mod:`pythia.strategy.arbitrage.trader`).

Sizes: ``bought`` counts fills in the leg's own direction (entry and completion orders),
``unwound`` fills in the opposite direction (unwind orders); ``net = bought - unwound``.
The *matched fraction* is the least ``net / target`` over the legs: the share of the
planned basket every leg holds. Unwinding brings each leg back to that fraction of its
target (rounded up to the lot, so it never sells more than it holds).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction

from pythia.model.enums import Side
from pythia.model.execution import FillReport
from pythia.model.instruments import Instrument


class Phase(enum.Enum):
    ENTRY = "entry"  # every leg sent at once, waiting for the answers
    COMPLETING = "completing"  # some legs short: buying the rest within the budget
    UNWINDING = "unwinding"  # budget spent: closing each leg's excess
    DONE = "done"


class ExecutionStatus(enum.Enum):
    FILLED = "filled"  # every leg filled by its entry order
    COMPLETED = "completed"  # legged, then completed within the time budget
    UNWOUND = "unwound"  # legged, excess closed: left with the matched part (maybe none)
    MISSED = "missed"  # no leg filled anything
    RESIDUAL = "residual"  # unwind budget spent (or size below the venue minimum): exposure
    OPEN = "open"  # not finished when the run ended


class Role(enum.Enum):
    ENTRY = "entry"
    COMPLETE = "complete"
    UNWIND = "unwind"


@dataclass(slots=True)
class OrderRecord:
    """One order of an execution: which leg, why, and what it filled so far."""

    leg: int
    role: Role
    filled: int = 0
    final_filled: int | None = None
    """The order's filled size once the venue reported it finished (None until then)."""

    @property
    def done(self) -> bool:
        return self.final_filled is not None and self.filled >= self.final_filled


@dataclass(frozen=True, slots=True)
class LegPlan:
    """One leg as planned: take ``size`` on ``instrument_id`` up to ``price_limit``."""

    instrument_id: str
    side: Side
    price_limit: int
    size: int


@dataclass(slots=True)
class LegState:
    leg: LegPlan
    instrument: Instrument
    lot: int
    bought: int = 0
    unwound: int = 0
    stuck: bool = False
    """Retrying is pointless (the venue refused the order): stop sending for this leg."""
    sent_ns: int = 0
    """When the leg's last order was sent."""
    waiting: bool = False
    """An order of this leg just missed: send again only after its book changes."""

    @property
    def target(self) -> int:
        return self.leg.size

    @property
    def net(self) -> int:
        return self.bought - self.unwound

    @property
    def missing(self) -> int:
        return max(self.target - self.bought, 0)

    @property
    def unwind_side(self) -> Side:
        return Side.SELL if self.leg.side is Side.BUY else Side.BUY


@dataclass
class MultiLegOrder:
    id: str
    legs: list[LegState]
    started_ns: int
    phase: Phase = Phase.ENTRY
    status: ExecutionStatus = ExecutionStatus.OPEN
    deadline_ns: int = 0
    finished_ns: int = 0
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    fills: list[FillReport] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """True while any order of the execution has not finished."""
        return any(not record.done for record in self.orders.values())

    def open_legs(self) -> set[int]:
        return {record.leg for record in self.orders.values() if not record.done}

    def add_order(self, client_order_id: str, leg: int, role: Role) -> None:
        self.orders[client_order_id] = OrderRecord(leg, role)

    def on_fill(self, fill: FillReport) -> None:
        record = self.orders[fill.client_order_id]
        record.filled += fill.size
        leg = self.legs[record.leg]
        if record.role is Role.UNWIND:
            leg.unwound += fill.size
        else:
            leg.bought += fill.size
        self.fills.append(fill)

    def on_finished(self, client_order_id: str, filled_size: int, reason: str = "") -> None:
        record = self.orders[client_order_id]
        record.final_filled = filled_size
        if reason:
            self.rejections.append(reason)

    @property
    def complete(self) -> bool:
        return all(leg.missing == 0 for leg in self.legs)

    @property
    def anything_filled(self) -> bool:
        return any(leg.bought for leg in self.legs)

    def matched_fraction(self) -> Fraction:
        return min(Fraction(max(leg.net, 0), leg.target) for leg in self.legs)

    def excess(self, index: int) -> int:
        """What leg ``index`` holds beyond the matched fraction, in whole lots."""
        leg = self.legs[index]
        fraction = self.matched_fraction()
        keep = -(-(fraction.numerator * leg.target) // fraction.denominator)
        keep = -(-keep // leg.lot) * leg.lot
        excess = leg.net - keep
        return max(excess - excess % leg.lot, 0)
