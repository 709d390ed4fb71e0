"""submit_idempotent: a submit retried after a timeout never creates a second order; and
SimulatedVenue.query_order, the venue's view of an order by client id."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pythia.core.errors import RetryableVenueError, VenueError
from pythia.model.enums import Side
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.orders import CancelRequest, OrderRequest, RejectReason
from pythia.orders.submit import SubmitStats, submit_idempotent
from pythia.ports.execution import ExecutionVenue, OrderQuery
from simkit import TOKEN, buy, make_venue, snapshot

REQUEST = OrderRequest("O-1", "pm:yes", Side.BUY, 10 * TOKEN, 4000)

ACCEPT = "accept"
ACCEPT_THEN_TIMEOUT = "accept_then_timeout"  # the venue has the order; its answer is lost
TIMEOUT = "timeout"  # the request is lost before the venue sees it


@dataclass
class ScriptedVenue:
    """A venue that follows a script, one step a submit (the last step repeats). It refuses
    a client id it already holds (``duplicate_client_id``), like real venues do; its query
    answers None for the first ``query_lag`` calls even when it holds the order."""

    script: list[str]
    query_lag: int = 0
    orders: dict[str, OrderRequest] = field(default_factory=dict)
    sent: list[tuple[OrderRequest, int]] = field(default_factory=list)
    queries: list[tuple[str, int]] = field(default_factory=list)

    def _update(self, request: OrderRequest, status: OrderStatus, ts_ns: int, reason=""):
        return OrderUpdate(
            request.instrument_id,
            f"v-{request.client_order_id}",
            request.side,
            request.price or 0,
            request.size,
            0,
            status,
            ts_ns,
            ts_ns,
            request.client_order_id,
            reason,
        )

    def submit(self, request: OrderRequest, ts_ns: int):
        step = self.script[min(len(self.sent), len(self.script) - 1)]
        self.sent.append((request, ts_ns))
        if step == TIMEOUT:
            raise TimeoutError("request lost")
        if request.client_order_id in self.orders:
            duplicate = RejectReason.DUPLICATE_CLIENT_ID.value
            return [self._update(request, OrderStatus.REJECTED, ts_ns, duplicate)]
        self.orders[request.client_order_id] = request
        if step == ACCEPT_THEN_TIMEOUT:
            raise TimeoutError("answer lost")
        return [self._update(request, OrderStatus.OPEN, ts_ns)]

    def cancel(self, request: CancelRequest, ts_ns: int):
        return []

    def query_order(self, client_order_id: str, ts_ns: int):
        self.queries.append((client_order_id, ts_ns))
        request = self.orders.get(client_order_id)
        if request is None or len(self.queries) <= self.query_lag:
            return None
        return self._update(request, OrderStatus.OPEN, ts_ns, "from query")


@dataclass
class BlindVenue:
    """A venue without ``query_order``: it cannot say whether a lost submit arrived."""

    orders: list[OrderRequest] = field(default_factory=list)

    def submit(self, request: OrderRequest, ts_ns: int):
        self.orders.append(request)
        raise TimeoutError("answer lost")

    def cancel(self, request: CancelRequest, ts_ns: int):
        return []


def test_the_fakes_have_the_capabilities_the_tests_assume():
    assert isinstance(ScriptedVenue([ACCEPT]), OrderQuery)
    assert isinstance(BlindVenue(), ExecutionVenue)
    assert not isinstance(BlindVenue(), OrderQuery)


def test_no_timeout_sends_once_and_returns_the_venue_answer():
    venue = ScriptedVenue([ACCEPT])
    stats = SubmitStats()

    (update,) = submit_idempotent(venue, REQUEST, 5, stats=stats)

    assert (update.status, update.reason) == (OrderStatus.OPEN, "")
    assert venue.queries == []
    assert stats == SubmitStats(sends=1)


def test_a_lost_answer_is_recovered_by_query_and_never_resent():
    venue = ScriptedVenue([ACCEPT_THEN_TIMEOUT, ACCEPT])
    stats = SubmitStats()

    responses = submit_idempotent(venue, REQUEST, 5, stats=stats)

    assert len(venue.sent) == 1
    assert list(venue.orders) == ["O-1"]
    assert venue.queries == [("O-1", 5)]
    (update,) = responses
    assert (update.client_order_id, update.status, update.reason) == (
        "O-1",
        OrderStatus.OPEN,
        "from query",
    )
    assert stats == SubmitStats(sends=1, timeouts=1, recovered_by_query=1)


def test_a_lost_request_is_resent_once_with_the_same_client_id():
    venue = ScriptedVenue([TIMEOUT, ACCEPT])
    stats = SubmitStats()

    (update,) = submit_idempotent(venue, REQUEST, 5, stats=stats)

    assert [request for request, _ in venue.sent] == [REQUEST, REQUEST]
    assert list(venue.orders) == ["O-1"]
    assert (update.status, update.reason) == (OrderStatus.OPEN, "")
    assert stats == SubmitStats(sends=2, timeouts=1, resubmits=1)


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_repeated_timeouts_exhaust_the_retries_and_propagate(retries):
    venue = ScriptedVenue([TIMEOUT])
    stats = SubmitStats()

    with pytest.raises(TimeoutError):
        submit_idempotent(venue, REQUEST, 5, retries=retries, stats=stats)

    assert len(venue.sent) == retries + 1
    assert len(venue.queries) == retries + 1  # asked after every timeout, the last one too
    assert len(venue.orders) <= 1
    assert stats == SubmitStats(sends=retries + 1, timeouts=retries + 1, resubmits=retries)


def test_the_last_attempt_landing_is_found_by_the_last_query():
    venue = ScriptedVenue([TIMEOUT, TIMEOUT, ACCEPT_THEN_TIMEOUT])

    (update,) = submit_idempotent(venue, REQUEST, 5, retries=2)

    assert len(venue.sent) == 3
    assert list(venue.orders) == ["O-1"]
    assert update.reason == "from query"


def test_a_resend_refused_as_duplicate_is_answered_by_a_second_query():
    # the first send arrived, but the venue's query did not show it yet
    venue = ScriptedVenue([ACCEPT_THEN_TIMEOUT, ACCEPT], query_lag=1)
    stats = SubmitStats()

    (update,) = submit_idempotent(venue, REQUEST, 5, stats=stats)

    assert len(venue.sent) == 2
    assert list(venue.orders) == ["O-1"]
    assert (update.status, update.reason) == (OrderStatus.OPEN, "from query")
    assert stats == SubmitStats(sends=2, timeouts=1, resubmits=1, recovered_by_query=1)


def test_a_venue_that_cannot_be_asked_is_never_resent_to():
    venue = BlindVenue()

    with pytest.raises(TimeoutError):
        submit_idempotent(venue, REQUEST, 5, retries=3)

    assert venue.orders == [REQUEST]


def test_other_errors_propagate_without_query_or_resend():
    class Refusing(ScriptedVenue):
        def submit(self, request, ts_ns):
            self.sent.append((request, ts_ns))
            raise VenueError("invalid signature")

    venue = Refusing([ACCEPT])

    with pytest.raises(VenueError, match="invalid signature"):
        submit_idempotent(venue, REQUEST, 5)

    assert (len(venue.sent), venue.queries) == (1, [])


def test_custom_timeout_test_and_clock_for_queries_and_resends():
    class SlowVenue(ScriptedVenue):
        def submit(self, request, ts_ns):
            if len(self.sent) == 0:
                self.sent.append((request, ts_ns))
                raise RetryableVenueError("gateway timeout")
            return super().submit(request, ts_ns)

    venue = SlowVenue([ACCEPT])
    times = iter([20, 30])

    submit_idempotent(
        venue,
        REQUEST,
        5,
        is_timeout=lambda error: isinstance(error, RetryableVenueError),
        now_ns=lambda: next(times),
    )

    assert venue.queries == [("O-1", 20)]
    assert [ts for _, ts in venue.sent] == [5, 30]


def test_negative_retries_are_refused():
    with pytest.raises(ValueError, match="retries"):
        submit_idempotent(ScriptedVenue([ACCEPT]), REQUEST, 5, retries=-1)


# ---- SimulatedVenue.query_order -----------------------------------------------------------
class LostAnswers:
    """Wraps a venue: the venue handles every submit, then the answer is lost."""

    def __init__(self, venue) -> None:
        self.venue = venue

    def submit(self, request, ts_ns):
        self.venue.submit(request, ts_ns)
        raise TimeoutError("answer lost")

    def cancel(self, request, ts_ns):
        return self.venue.cancel(request, ts_ns)

    def query_order(self, client_order_id, ts_ns):
        return self.venue.query_order(client_order_id, ts_ns)


def two_sided_venue():
    venue = make_venue()
    venue.on_market_event(snapshot("pm:yes", [(4000, 50 * TOKEN)], [(4200, 50 * TOKEN)]))
    return venue


def test_simulated_venue_is_an_order_query():
    assert isinstance(make_venue(), OrderQuery)


def test_query_an_open_order():
    venue = two_sided_venue()
    venue.submit(buy("rest", "pm:yes", 10 * TOKEN, 3900), 11)

    update = venue.query_order("rest", 12)

    assert (update.status, update.venue_order_id, update.filled_size) == (
        OrderStatus.OPEN,
        "sim-1",
        0,
    )
    assert (update.instrument_id, update.price, update.original_size) == (
        "pm:yes",
        3900,
        10 * TOKEN,
    )
    assert (update.ts_event_ns, update.ts_recv_ns) == (12, 12)


def test_query_a_partially_filled_order():
    venue = two_sided_venue()
    venue.submit(buy("part", "pm:yes", 80 * TOKEN, 4200), 11)  # 50 at 0.42 fill, 30 rest

    update = venue.query_order("part", 12)

    assert (update.status, update.filled_size) == (OrderStatus.PARTIALLY_FILLED, 50 * TOKEN)


def test_query_filled_and_cancelled_orders_gives_their_last_state():
    venue = two_sided_venue()
    venue.submit(buy("taker", "pm:yes", 10 * TOKEN, 4200), 11)
    venue.submit(buy("rest", "pm:yes", 10 * TOKEN, 3900), 11)
    venue.cancel(CancelRequest("rest", "pm:yes"), 12)

    filled = venue.query_order("taker", 13)
    canceled = venue.query_order("rest", 13)

    assert (filled.status, filled.filled_size, filled.venue_order_id, filled.ts_event_ns) == (
        OrderStatus.FILLED,
        10 * TOKEN,
        "sim-1",
        13,
    )
    assert (canceled.status, canceled.reason, canceled.venue_order_id) == (
        OrderStatus.CANCELED,
        "canceled",
        "sim-2",
    )


def test_query_an_unknown_and_a_refused_order():
    venue = two_sided_venue()
    venue.submit(buy("bad", "pm:yes", 10 * TOKEN, 4150), 11)  # off tick

    refused = venue.query_order("bad", 12)

    assert venue.query_order("never", 12) is None
    assert (refused.status, refused.client_order_id, refused.venue_order_id, refused.reason) == (
        OrderStatus.REJECTED,
        "bad",
        "",
        "",
    )


def test_query_changes_nothing():
    venue = two_sided_venue()
    venue.submit(buy("rest", "pm:yes", 10 * TOKEN, 3900), 11)
    before = venue.open_orders()

    venue.query_order("rest", 12)
    venue.query_order("never", 12)

    assert venue.open_orders() == before
    assert venue.submit(buy("never", "pm:yes", 10 * TOKEN, 3900), 13)[0].status is (
        OrderStatus.OPEN
    )


def test_a_lost_answer_from_the_simulated_venue_leaves_one_order():
    venue = two_sided_venue()

    (update,) = submit_idempotent(LostAnswers(venue), buy("O-7", "pm:yes", TOKEN, 3900), 11)

    assert [order.client_order_id for order in venue.open_orders()] == ["O-7"]
    assert (update.status, update.venue_order_id) == (OrderStatus.OPEN, "sim-1")
