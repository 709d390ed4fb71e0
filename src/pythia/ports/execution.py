"""Execution venues: where orders go (a simulated venue or a real client)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pythia.model.execution import FillReport, OrderUpdate
from pythia.model.orders import CancelRequest, OrderRequest

VenueResponse = OrderUpdate | FillReport


@runtime_checkable
class ExecutionVenue(Protocol):
    """Accepts orders and cancels at venue time ``ts_ns``; answers with order updates
    (accepted, rejected with a reason, cancelled, expired) and fills, each stamped with the
    venue time it happened."""

    def submit(self, request: OrderRequest, ts_ns: int) -> list[VenueResponse]: ...

    def cancel(self, request: CancelRequest, ts_ns: int) -> list[VenueResponse]: ...


class Clock(Protocol):
    """Time for everything below the live runners: simulated in backtests."""

    def now_ns(self) -> int: ...
