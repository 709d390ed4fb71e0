"""SimulatedVenue: order checks (every reject reason), cancel, replace, expiry, closed markets."""

from __future__ import annotations

import pytest

from pythia.model.enums import MarketState
from pythia.model.events import MarketStatus, Resolution
from pythia.model.execution import OrderStatus
from pythia.model.orders import (
    CancelRequest,
    OrderType,
    RejectReason,
    ReplaceRequest,
    TimeInForce,
)
from pythia.ports.execution import ExecutionVenue
from simkit import (
    BTC,
    BTC_UNIT,
    PERP,
    TOKEN,
    YES,
    FakeAccount,
    buy,
    make_venue,
    sell,
    snapshot,
)


def rejected(responses) -> str:
    (update,) = responses
    assert update.status is OrderStatus.REJECTED and update.venue_order_id == ""
    return update.reason


# ---- checks -------------------------------------------------------------------------------
REJECTS = [
    (buy("c", "pm:nope", TOKEN, 4000), RejectReason.UNKNOWN_INSTRUMENT),
    (buy("c", "pm:yes", 0, 4000), RejectReason.INVALID),
    (buy("c", "pm:yes", -TOKEN, 4000), RejectReason.INVALID),
    (buy("c", "pm:yes", 1.5, 4000), RejectReason.INVALID),
    (buy("c", "pm:yes", TOKEN), RejectReason.INVALID),  # limit without a price
    (buy("c", "pm:yes", TOKEN, 4000, time_in_force=TimeInForce.GTD), RejectReason.INVALID),
    (buy("c", "pm:yes", TOKEN, 4150), RejectReason.OFF_TICK),
    (buy("c", "pm:yes", TOKEN, 9950), RejectReason.PRICE_OUT_OF_BOUNDS),  # bounds before tick
    (buy("c", "pm:yes", TOKEN, 0), RejectReason.PRICE_OUT_OF_BOUNDS),
    (buy("c", "pm:yes", 9_999, 4000), RejectReason.BELOW_MIN_SIZE),
    (buy("c", "pm:yes", TOKEN, 4000, post_only=True, time_in_force=TimeInForce.IOC),
     RejectReason.UNSUPPORTED_ORDER_TYPE),
    (buy("c", "pm:yes", TOKEN, 4100, post_only=True), RejectReason.POST_ONLY_WOULD_CROSS),
    (buy("c", "pm:yes", TOKEN, 4000, reduce_only=True), RejectReason.REDUCE_ONLY_WOULD_INCREASE),
    (buy("c", "pm:yes", 2 * 10**6 * TOKEN, 9900), RejectReason.INSUFFICIENT_BALANCE),
    (sell("c", "pm:yes", TOKEN, 4000), RejectReason.INSUFFICIENT_BALANCE),  # no short selling
]  # fmt: skip


@pytest.mark.parametrize(("request_", "reason"), REJECTS, ids=lambda v: getattr(v, "value", ""))
def test_each_reject_reason(request_, reason):
    venue = make_venue()
    venue.on_market_event(snapshot("pm:yes", [(3900, 50 * TOKEN)], [(4100, 50 * TOKEN)]))

    responses = venue.submit(request_, ts_ns=20)

    assert rejected(responses) == reason.value
    assert responses[0].ts_event_ns == responses[0].ts_recv_ns == 20
    assert venue.open_orders() == []


@pytest.mark.parametrize(
    ("profile_options", "request_"),
    [
        ({"order_types": frozenset({OrderType.LIMIT})}, buy("c", "pm:yes", TOKEN, None,
                                                             order_type=OrderType.MARKET)),
        ({"time_in_force": frozenset({TimeInForce.GTC})}, buy("c", "pm:yes", TOKEN, 4000,
                                                               time_in_force=TimeInForce.FOK)),
        ({"supports_post_only": False}, buy("c", "pm:yes", TOKEN, 4000, post_only=True)),
        ({"supports_reduce_only": False}, sell("c", "pm:yes", TOKEN, 4000, reduce_only=True)),
    ],
)  # fmt: skip
def test_what_the_profile_lacks_is_unsupported(profile_options, request_):
    venue = make_venue(**profile_options)
    assert rejected(venue.submit(request_, 1)) == RejectReason.UNSUPPORTED_ORDER_TYPE.value


def test_reduce_only_may_shrink_but_not_grow_or_flip_a_position():
    account = FakeAccount({"USDT": 10**12}, {PERP.id: 10 * BTC_UNIT})
    venue = make_venue(account=account)
    venue.on_market_event(snapshot(PERP.id, [(6000000, BTC_UNIT)], [(6000100, BTC_UNIT)]))
    flip = sell("a", PERP.id, 15 * BTC_UNIT, 6100000, reduce_only=True)
    grow = buy("b", PERP.id, BTC_UNIT, 5900000, reduce_only=True)
    shrink = sell("c", PERP.id, 4 * BTC_UNIT, 6100000, reduce_only=True)

    assert rejected(venue.submit(flip, 1)) == "reduce_only_would_increase"
    assert rejected(venue.submit(grow, 1)) == "reduce_only_would_increase"
    assert venue.submit(shrink, 1)[0].status is OrderStatus.OPEN


def test_duplicate_client_id_is_rejected_and_the_first_order_stays():
    venue = make_venue()
    venue.submit(buy("c1", "pm:yes", TOKEN, 4000), 1)

    assert rejected(venue.submit(buy("c1", "pm:yes", TOKEN, 3000), 2)) == "duplicate_client_id"
    assert [o.price for o in venue.open_orders()] == [4000]
    venue.submit(buy("r1", "pm:yes", TOKEN, 4150), 3)  # rejected ids are used up too
    assert rejected(venue.submit(buy("r1", "pm:yes", TOKEN, 4000), 4)) == "duplicate_client_id"


# ---- cancel, replace, expiry, closed markets --------------------------------------------
def test_cancel_open_unknown_and_finished_orders():
    venue = make_venue()
    venue.submit(buy("a", "pm:yes", TOKEN, 4000), 1)

    (canceled,) = venue.cancel(CancelRequest("a", "pm:yes"), 2)
    (again,) = venue.cancel(CancelRequest("a", "pm:yes"), 3)
    (unknown,) = venue.cancel(CancelRequest("zzz", "pm:yes"), 3)

    assert (canceled.status, canceled.reason, canceled.venue_order_id) == (
        OrderStatus.CANCELED,
        "canceled",
        "sim-1",
    )
    assert (again.status, again.reason, again.ts_event_ns) == (
        OrderStatus.CANCELED,
        "unknown_order",
        3,
    )
    assert (unknown.status, unknown.reason) == (OrderStatus.REJECTED, "unknown_order")


def test_replace_cancels_the_old_order_and_checks_the_new_one():
    venue = make_venue()
    venue.submit(buy("a", "pm:yes", TOKEN, 4000), 1)

    responses = venue.replace(ReplaceRequest("a", buy("b", "pm:yes", 2 * TOKEN, 4200)), 2)
    off_tick = venue.replace(ReplaceRequest("b", buy("c", "pm:yes", TOKEN, 4250)), 3)
    unknown = venue.replace(ReplaceRequest("zzz", buy("d", "pm:yes", TOKEN, 4200)), 4)

    assert [(r.client_order_id, r.status, r.reason) for r in responses] == [
        ("a", OrderStatus.CANCELED, "replaced"),
        ("b", OrderStatus.OPEN, ""),
    ]
    assert [(r.client_order_id, r.status, r.reason) for r in off_tick] == [
        ("b", OrderStatus.CANCELED, "replaced"),
        ("c", OrderStatus.REJECTED, "off_tick"),
    ]
    assert [(r.client_order_id, r.reason) for r in unknown] == [
        ("zzz", "unknown_order"),
        ("d", "unknown_order"),
    ]
    assert venue.open_orders() == []


def test_gtd_orders_expire_and_release_their_reservation():
    account = FakeAccount({"USDC": 40_100_000})  # 100 at 0.40 and 10 at 0.01
    venue = make_venue(YES, account=account)
    gtd = {"time_in_force": TimeInForce.GTD}
    venue.submit(buy("a", "pm:yes", 100 * TOKEN, 4000, expire_ts_ns=100, **gtd), 1)
    venue.submit(buy("b", "pm:yes", 10 * TOKEN, 100, expire_ts_ns=300, **gtd), 1)

    assert venue.expire(99) == []
    (expired,) = venue.expire(100)
    assert (expired.client_order_id, expired.status, expired.ts_event_ns) == (
        "a",
        OrderStatus.EXPIRED,
        100,
    )
    # Due orders also expire at the start of a submit, before its balance check.
    responses = venue.submit(buy("c", "pm:yes", 100 * TOKEN, 3900), 300)
    assert [(r.client_order_id, r.status) for r in responses] == [
        ("b", OrderStatus.EXPIRED),
        ("c", OrderStatus.OPEN),
    ]


def test_closed_market_cancels_resting_orders_and_refuses_new_ones():
    venue = make_venue()
    venue.submit(buy("a", "pm:yes", TOKEN, 4000), 1)
    venue.submit(buy("b", BTC.id, BTC_UNIT, 5000000), 1)

    responses = venue.on_market_event(MarketStatus("m1", MarketState.CLOSED, 5, 6))

    assert [(r.client_order_id, r.status, r.reason, r.ts_event_ns) for r in responses] == [
        ("a", OrderStatus.CANCELED, "market_closed", 6)
    ]
    assert rejected(venue.submit(buy("c", "pm:yes", TOKEN, 4000), 7)) == "market_closed"
    venue.on_market_event(MarketStatus("m1", MarketState.OPEN, 8, 8))
    assert venue.submit(buy("d", "pm:yes", TOKEN, 4000), 9)[0].status is OrderStatus.OPEN
    venue.on_market_event(Resolution("m1", ("pm:yes",), (), 10, 10))
    venue.on_market_event(MarketStatus("m1", MarketState.OPEN, 11, 11))  # resolved stays shut
    assert rejected(venue.submit(buy("e", "pm:yes", TOKEN, 4000), 12)) == "market_closed"
    assert [o.client_order_id for o in venue.open_orders()] == ["b"]


def test_the_venue_is_an_execution_venue():
    assert isinstance(make_venue(), ExecutionVenue)
