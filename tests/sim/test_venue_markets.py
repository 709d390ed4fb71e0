"""SimulatedVenue: complementary matching, Betfair back/lay, market events and determinism."""

from __future__ import annotations

import msgspec
import pytest

from pythia.core.errors import DataError
from pythia.model.enums import BookSide, Side
from pythia.model.events import (
    InstrumentDefinition,
    TickSizeChange,
)
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import InstrumentKind, OutcomeToken, PriceSpace
from pythia.model.orders import TimeInForce
from pythia.sim.venue import SimulatedVenue
from pythia.venues.betfair.ladder import BETFAIR_LADDER
from simkit_queue import (
    GBP,
    IOC,
    TOKEN,
    YES,
    FakeAccount,
    ahead,
    delta,
    fills_of,
    make_venue,
    order,
    resting_bid,
    snapshot,
    token,
    trade,
)

RUNNER = OutcomeToken(
    id="bf:1.1:47972",
    venue="betfair",
    symbol="1.1:47972",
    kind=InstrumentKind.OUTCOME_TOKEN,
    price_decimals=2,
    size_decimals=2,
    ticks=BETFAIR_LADDER,
    min_size=100,
    quote_currency="GBP",
    price_space=PriceSpace.DECIMAL_ODDS,
    bounded=True,
    market_id="1.1",
)


class RandomQueue:
    """Draws the new size ahead from the seeded generator."""

    def advance(self, ahead, level_before, level_after, traded, rng) -> int:
        return rng.randint(0, max(0, min(ahead, level_after)))


# ---- complementary matching ---------------------------------------------------------------
def complementary_books(venue):
    venue.on_market_event(snapshot("pm:yes", [(3700, 10 * TOKEN)], [(4000, 30 * TOKEN)]))
    venue.on_market_event(snapshot("pm:no", [(6000, 50 * TOKEN)], [(6200, 10 * TOKEN)]))


def test_complementary_liquidity_takes_the_max_of_native_and_derived_not_the_sum():
    account = FakeAccount(positions={"pm:no": 100 * TOKEN})
    venue = make_venue(complementary_matching=True, account=account)
    complementary_books(venue)

    yes = venue.submit(order("y", "pm:yes", Side.BUY, 100 * TOKEN, 4000, **IOC), 1)
    no = venue.submit(order("n", "pm:no", Side.SELL, 10 * TOKEN, 6000, **IOC), 1)
    again = venue.submit(order("y2", "pm:yes", Side.BUY, 10 * TOKEN, 4000, **IOC), 1)

    assert [(f.price, f.size) for f in fills_of(yes)] == [(4000, 50 * TOKEN)]
    assert fills_of(no) == []  # the NO bid went into our YES buy
    assert fills_of(again) == []


def test_without_complementary_matching_only_the_native_book_fills():
    venue = make_venue()
    complementary_books(venue)
    yes = venue.submit(order("y", "pm:yes", Side.BUY, 100 * TOKEN, 4000, **IOC), 1)
    assert [(f.price, f.size) for f in fills_of(yes)] == [(4000, 30 * TOKEN)]


def test_complement_prices_are_mirrored_for_buys_and_sells():
    account = FakeAccount(positions={"pm:yes": 100 * TOKEN})
    venue = make_venue(complementary_matching=True, account=account)
    complementary_books(venue)
    venue.on_market_event(
        delta("pm:no", bids=[(6100, 20 * TOKEN)], asks=[(6200, 0), (6300, 5 * TOKEN)])
    )

    bought = venue.submit(order("b", "pm:yes", Side.BUY, 30 * TOKEN, 4000, **IOC), 1)
    sold = venue.submit(order("s", "pm:yes", Side.SELL, 30 * TOKEN, 3700, **IOC), 1)

    # NO bid 0.61 = YES ask 0.39; NO ask 0.63 = YES bid 0.37, merged with the native 0.37 bid.
    assert [(f.price, f.size) for f in fills_of(bought)] == [(3900, 20 * TOKEN), (4000, 10 * TOKEN)]
    assert [(f.price, f.size) for f in fills_of(sold)] == [(3700, 10 * TOKEN)]


def test_a_complement_update_can_move_through_our_resting_order():
    venue = make_venue(complementary_matching=True)
    complementary_books(venue)
    venue.submit(order("q", "pm:yes", Side.BUY, 40 * TOKEN, 3900), 1)

    responses = venue.on_market_event(delta("pm:no", bids=[(6100, 15 * TOKEN)]))

    assert [(f.client_order_id, f.price, f.size, f.liquidity) for f in fills_of(responses)] == [
        ("q", 3900, 15 * TOKEN, Liquidity.MAKER)
    ]


# ---- Betfair ----------------------------------------------------------------------------------
def betfair_venue(cash_gbp: int) -> SimulatedVenue:
    venue = make_venue(RUNNER, account=FakeAccount({"GBP": cash_gbp}))
    # bids = available to back (resting lays), asks = available to lay (resting backs)
    venue.on_market_event(snapshot(RUNNER.id, [(300, 10_000)], [(310, 5_000)]))
    return venue


def test_betfair_back_costs_the_stake_and_lay_the_liability():
    venue = betfair_venue(100 * GBP)

    back = venue.submit(order("b", RUNNER.id, Side.BUY, 1_000, 298, **IOC), 1)  # £10 at 2.98+
    lay = venue.submit(order("l", RUNNER.id, Side.SELL, 1_000, 310, **IOC), 1)  # £10 at <= 3.1

    assert [(f.price, f.size, f.cash_micros) for f in fills_of(back)] == [(300, 1_000, -10 * GBP)]
    assert [(f.price, f.size, f.cash_micros) for f in fills_of(lay)] == [(310, 1_000, -21 * GBP)]


def test_betfair_balance_check_uses_the_lay_liability():
    venue = betfair_venue(20 * GBP)
    lay = order("l", RUNNER.id, Side.SELL, 1_000, 310, **IOC)
    assert venue.submit(lay, 1)[0].reason == "insufficient_balance"
    assert venue.submit(order("b", RUNNER.id, Side.BUY, 1_000, 300, **IOC), 1)[-1].filled_size


def test_betfair_back_rests_among_the_asks_until_backers_odds_reach_it():
    venue = betfair_venue(100 * GBP)
    venue.submit(order("b", RUNNER.id, Side.BUY, 1_000, 305), 1)  # back at 3.05 rests
    (view,) = venue.open_orders(RUNNER.id)
    assert view.queue_ahead == venue.book(RUNNER.id).size_at(BookSide.ASK, 305) == 0

    responses = venue.on_market_event(delta(RUNNER.id, bids=[(305, 2_000)]))

    assert [(f.price, f.size, f.liquidity) for f in fills_of(responses)] == [
        (305, 1_000, Liquidity.MAKER)
    ]


# ---- market events, determinism -----------------------------------------------------------
def test_a_malformed_book_update_raises_and_changes_nothing():
    venue = make_venue()
    resting_bid(venue)
    gtd = {"time_in_force": TimeInForce.GTD, "expire_ts_ns": 25}
    venue.submit(order("g", "pm:yes", Side.BUY, TOKEN, 3000, **gtd), 16)

    with pytest.raises(DataError):
        venue.on_market_event(delta("pm:yes", bids=[(3900, TOKEN), (3950, TOKEN)], ts=30))

    assert venue.book("pm:yes").bids() == [(4000, 100 * TOKEN)]
    assert [o.client_order_id for o in venue.open_orders()] == ["q", "g"]


def test_a_crossing_update_drops_the_stale_level_and_can_fill_us():
    venue = make_venue()
    resting_bid(venue)

    responses = venue.on_market_event(delta("pm:yes", asks=[(4000, TOKEN)], ts=30))

    assert venue.book("pm:yes").best_bid() is None  # the older bid level was stale
    assert [(f.price, f.size, f.liquidity) for f in fills_of(responses)] == [
        (4000, TOKEN, Liquidity.MAKER)
    ]
    assert ahead(venue, "q") == 0


def test_tick_changes_and_new_definitions_apply_to_orders():
    venue = make_venue(YES)
    assert venue.submit(order("a", "pm:yes", Side.BUY, TOKEN, 4150), 1)[0].reason == "off_tick"

    venue.on_market_event(TickSizeChange("pm:yes", 100, 10, 2, 2))
    other = token("other", market_id="m2")
    venue.on_market_event(InstrumentDefinition(other, 3, 3))

    assert venue.submit(order("b", "pm:yes", Side.BUY, TOKEN, 4150), 4)[0].status is (
        OrderStatus.OPEN
    )
    assert venue.submit(order("c", "pm:other", Side.BUY, TOKEN, 4100), 4)[0].status is (
        OrderStatus.OPEN
    )


def scripted_run(seed: int) -> list:
    venue = make_venue(queue_model=RandomQueue(), seed=seed, complementary_matching=True)
    complementary_books(venue)
    responses = []
    responses += venue.submit(order("a", "pm:yes", Side.BUY, 20 * TOKEN, 3700), 11)
    responses += venue.submit(order("b", "pm:yes", Side.BUY, 50 * TOKEN, 4000), 12)
    for step in range(20):
        ts = 100 + step
        responses += venue.on_market_event(delta("pm:yes", bids=[(3700, (step % 7 + 1) * TOKEN)],
                                                 ts=ts))  # fmt: skip
        responses += venue.on_market_event(trade("pm:yes", 3700, 2 * TOKEN, Side.SELL, ts=ts))
    return responses


def test_same_inputs_and_seed_give_identical_responses():
    first, second = scripted_run(7), scripted_run(7)

    assert first == second
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    assert any(isinstance(r, FillReport) for r in first)
    assert all(isinstance(r, FillReport | OrderUpdate) for r in first)
    assert scripted_run(8) != first  # the seed drives the queue model
