"""One arbitrage basket being traded: a multi-leg order plus what the basket promised.

The legs, orders, fills and statuses are those of :class:`pythia.orders.MultiLegOrder`;
a basket adds its :class:`~.model.Opportunity` (the expected profit) and the outcomes its
realised profit is valued in (:mod:`.outcomes`). The policy is in :mod:`.trader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pythia.orders.multileg import MultiLegOrder
from pythia.strategy.arbitrage.model import Opportunity
from pythia.strategy.arbitrage.outcomes import Outcome


@dataclass
class BasketExecution(MultiLegOrder):
    opportunity: Opportunity | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    commission_bps: int = 0
