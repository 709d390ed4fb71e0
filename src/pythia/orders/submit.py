"""Idempotent order submission: a submit retried after a timeout never creates a second order.

A timeout leaves the order's fate unknown: the venue may have it or not. Before anything is
sent again the venue is asked by client id (:class:`pythia.ports.execution.OrderQuery`):

- it knows the order: its answer is returned as the submit's response and nothing is resent;
- it never saw the order: the *same* request (same client id) is sent again, at most
  ``retries`` times; after the last timeout (and a last query) the timeout propagates;
- it cannot be asked (no ``query_order``): the timeout propagates at once, never resent blind.

A resend refused as ``duplicate_client_id`` means the first send arrived after all (the query
raced it): the venue is asked again and its answer returned instead of the refusal. Errors
other than timeouts, including from the query, propagate as they are.

The caller journals the request once, before the first send; what comes back (the venue's
responses, or the single update of a query) goes through the order manager as usual. Fills
that happened while the answer was lost are not in a query's answer: they arrive on the
venue's fill stream or through reconciliation.

Example (``stats`` adds up over a run)::

    stats = SubmitStats()
    responses = submit_idempotent(venue, request, clock.now_ns(), now_ns=clock.now_ns,
                                  stats=stats)
    metrics.resubmits = stats.resubmits
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.orders import OrderRequest, RejectReason
from pythia.ports.execution import ExecutionVenue, OrderQuery, VenueResponse

_DUPLICATE = RejectReason.DUPLICATE_CLIENT_ID.value


def is_timeout_error(error: BaseException) -> bool:
    """The default timeout test: a built-in ``TimeoutError`` (``asyncio`` and socket
    timeouts are ones)."""
    return isinstance(error, TimeoutError)


@dataclass(slots=True)
class SubmitStats:
    """Counters over any number of :func:`submit_idempotent` calls (for metrics and reports)."""

    sends: int = 0
    """Submits sent, first sends and resends."""
    timeouts: int = 0
    resubmits: int = 0
    """Requests sent again after the venue said it had never seen them."""
    recovered_by_query: int = 0
    """Submits answered by the venue's view of the order instead of being sent again."""


def submit_idempotent(
    venue: ExecutionVenue,
    request: OrderRequest,
    ts_ns: int,
    *,
    retries: int = 2,
    is_timeout: Callable[[BaseException], bool] = is_timeout_error,
    now_ns: Callable[[], int] | None = None,
    stats: SubmitStats | None = None,
) -> list[VenueResponse]:
    """Submit ``request`` at venue time ``ts_ns``; after a timeout ask the venue before any
    resend (see the module docstring). Return the venue's responses.

    ``retries``: resends at most (0: ask, never resend). ``is_timeout``: which errors leave
    the order's fate unknown. ``now_ns``: venue time of the queries and resends (default:
    ``ts_ns`` for all). ``stats``: counters to add this call to.
    """
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    stats = stats if stats is not None else SubmitStats()
    clock = now_ns if now_ns is not None else lambda: ts_ns
    resends = 0
    at_ns = ts_ns
    while True:
        stats.sends += 1
        try:
            responses = venue.submit(request, at_ns)
        except Exception as error:
            if not is_timeout(error):
                raise
            stats.timeouts += 1
            if not isinstance(venue, OrderQuery):
                raise
            known = venue.query_order(request.client_order_id, clock())
            if known is not None:
                stats.recovered_by_query += 1
                return [known]
            if resends >= retries:
                raise
            resends += 1
            stats.resubmits += 1
            at_ns = clock()
            continue
        if resends:
            refusal = _duplicate_refusal(responses, request.client_order_id)
            if refusal is not None:
                known = venue.query_order(request.client_order_id, clock())
                if known is not None:
                    stats.recovered_by_query += 1
                    responses[refusal] = known
        return responses


def _duplicate_refusal(responses: list[VenueResponse], client_order_id: str) -> int | None:
    """The index of the venue's ``duplicate_client_id`` refusal of ``client_order_id``."""
    for index, response in enumerate(responses):
        if (
            response.__class__ is OrderUpdate
            and response.client_order_id == client_order_id
            and response.status is OrderStatus.REJECTED
            and response.reason == _DUPLICATE
        ):
            return index
    return None
