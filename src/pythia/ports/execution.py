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
    venue time it happened. A venue that can look an order up by client id also implements
    :class:`OrderQuery` (optional)."""

    def submit(self, request: OrderRequest, ts_ns: int) -> list[VenueResponse]: ...

    def cancel(self, request: CancelRequest, ts_ns: int) -> list[VenueResponse]: ...


@runtime_checkable
class OrderQuery(Protocol):
    """Optional capability of an :class:`ExecutionVenue`: look an order up by client id.

    Check for it with ``isinstance(venue, OrderQuery)``; a venue without it cannot say
    whether a submit that timed out arrived, so such a submit must not be sent again
    (:func:`pythia.orders.submit.submit_idempotent`).
    """

    def query_order(self, client_order_id: str, ts_ns: int) -> OrderUpdate | None:
        """The venue's current view of an order by client id, at venue time ``ts_ns``
        (None: the venue never saw it)."""
        ...


class Clock(Protocol):
    """Time for everything below the live runners: simulated in backtests."""

    def now_ns(self) -> int: ...
