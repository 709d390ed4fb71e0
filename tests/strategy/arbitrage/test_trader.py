"""The arbitrage strategy through the engine: entry, completion, unwind and the report.

A three-outcome negRisk-style group whose YES asks sum to 0.90 is traded through the real
kernel and simulated venue (5 ms order entry and response latency). Market events arriving
while the orders travel make legs miss, so each branch of the legging policy runs.
"""

from __future__ import annotations

import random

import pytest

from enginekit import pm_token
from pythia.core.fixed import format_units, parse_units
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, Resolution
from pythia.model.execution import Liquidity
from pythia.model.instruments import (
    GroupKind,
    OutcomeGroup,
)
from pythia.portfolio import Portfolio
from pythia.sim.venue import SimulatedVenue
from pythia.strategy.arbitrage.trader import ArbitrageStrategy
from pythia.venues import profile_for

MS = 1_000_000
SHARE = 1_000_000
USDC = 1_000_000
IDS = ("pm:a", "pm:b", "pm:c")
GROUP = OutcomeGroup("pm:event", "polymarket", GroupKind.NEG_RISK, IDS)


def token(instrument_id: str):
    return pm_token(instrument_id, min_size=5 * SHARE, group_id=GROUP.id)


def run(events, **params):
    """Run the strategy over ``events``; return (strategy, kernel)."""
    profile = profile_for(
        "polymarket",
        fee_rate="0.04",
        latency={
            "feed": {"model": "constant", "ms": 0},
            "order_entry": {"model": "constant", "ms": 5},
            "response": {"model": "constant", "ms": 5},
        },
    )
    portfolio = Portfolio({"USDC": 1000 * USDC})
    view = Portfolio({"USDC": 1000 * USDC})
    venue = SimulatedVenue(profile, portfolio, random.Random(1))
    params = {"min_profit": "0.01", "complete_ms": 100, "unwind_ms": 100, **params}
    strategy = ArbitrageStrategy(params)
    kernel = Kernel(
        {"polymarket": VenueSlot(venue, profile.latency)}, portfolio, view, [strategy], seed=3
    )
    for instrument_id in IDS:
        kernel.add_definition(token(instrument_id))
    kernel.add_definition(GROUP)
    kernel.run(events)
    assert kernel.stats.strategy_errors == []
    return strategy, kernel


def books(ts: int, asks: dict[str, int], bid: int = 2000):
    """One snapshot a token: 10 shares at ``asks[id]`` and 50 shares bid at ``bid``."""
    return [BookSnapshot(i, ((bid, 50 * SHARE),), ((asks[i], 10 * SHARE),), ts, ts) for i in IDS]


def delta(instrument_id: str, ts: int, asks=(), bids=()):
    return BookDelta(instrument_id, tuple(bids), tuple(asks), ts, ts)


ASKS = {"pm:a": 3000, "pm:b": 3000, "pm:c": 3000}  # sum 0.90: a group_yes basket


def only_execution(strategy):
    report = strategy.report()
    assert report["summary"]["executions"] == 1, report
    return report["executions"][0], strategy.executions[0]


def test_every_leg_fills_and_realized_equals_expected():
    strategy, kernel = run(books(1 * MS, ASKS))
    row, execution = only_execution(strategy)
    assert row["status"] == "filled"
    assert row["kind"] == "group_yes"
    assert row["realized_worst_case"] == row["expected_profit"]
    assert row["legging_cost"] == "0.000000"
    assert all(leg.bought == 10 * SHARE for leg in execution.legs)
    assert {kernel.portfolio.position(i) for i in IDS} == {10 * SHARE}


def test_a_missed_leg_is_completed_when_liquidity_returns_within_the_budget():
    events = [
        *books(1 * MS, ASKS),
        # pm:c's ask is taken by someone else before our order arrives (at 6 ms)
        delta("pm:c", 3 * MS, asks=[(3000, 0), (3200, 4 * SHARE)]),
        # ... and comes back one tick worse at 20 ms: within complete_ticks = 2
        delta("pm:c", 20 * MS, asks=[(3100, 10 * SHARE)]),
    ]
    strategy, kernel = run(events, complete_ticks=2)
    row, execution = only_execution(strategy)
    assert row["status"] == "completed"
    assert [leg.bought for leg in execution.legs] == [10 * SHARE] * 3
    assert kernel.portfolio.position("pm:c") == 10 * SHARE
    # the third leg took 4 shares at 0.32 and 6 at 0.31 instead of 10 at 0.30
    fee = profile_for("polymarket", fee_rate="0.04").fee_model
    fills = [(3000, 10), (3000, 10), (3200, 4), (3100, 6)]
    paid = sum(price * shares * 100 for price, shares in fills)
    fees = sum(fee.fee_micros(token("pm:c"), p, n * SHARE, Liquidity.TAKER) for p, n in fills)
    assert row["realized_worst_case"] == format_units(10 * USDC - paid - fees, 6)
    assert row["legging_cost"] == format_units(
        parse_units(row["expected_profit"], 6) - (10 * USDC - paid - fees), 6
    )


def test_a_leg_that_cannot_be_completed_is_unwound_at_the_deadline():
    events = [
        *books(1 * MS, ASKS),
        delta("pm:c", 3 * MS, asks=[(3000, 0), (5000, 10 * SHARE)]),  # now far too dear
        delta("pm:a", 300 * MS, bids=[(2000, 60 * SHARE)]),  # time passes
    ]
    strategy, kernel = run(events, complete_ticks=1)
    row, execution = only_execution(strategy)
    assert row["status"] == "unwound"
    assert [leg.bought for leg in execution.legs] == [10 * SHARE, 10 * SHARE, 0]
    assert [leg.unwound for leg in execution.legs] == [10 * SHARE, 10 * SHARE, 0]
    assert {kernel.portfolio.position(i) for i in IDS} == {0}
    # bought two legs at 0.30 and sold them back at the 0.20 bid: the loss is the same in
    # every outcome (nothing is held), the spread plus four fees
    fee = profile_for("polymarket", fee_rate="0.04").fee_model
    fees = 2 * sum(
        fee.fee_micros(token("pm:a"), p, 10 * SHARE, Liquidity.TAKER) for p in (3000, 2000)
    )
    worst = -2 * (3 * USDC - 2 * USDC) - fees
    assert row["realized_worst_case"] == format_units(worst, 6)
    assert parse_units(row["legging_cost"], 6) == parse_units(row["expected_profit"], 6) - worst
    sides = [o.request.side for o in kernel.orders.orders()]
    assert sides.count(Side.SELL) == 2


def test_no_bids_to_unwind_into_leaves_residual_exposure():
    events = [
        *[BookSnapshot(i, (), ((3000, 10 * SHARE),), MS, MS) for i in IDS],
        delta("pm:c", 3 * MS, asks=[(3000, 0)]),
        delta("pm:a", 400 * MS, asks=[(3000, 10 * SHARE)]),  # time passes, still no bids
    ]
    strategy, _ = run(events)
    row, execution = only_execution(strategy)
    assert row["status"] == "residual"
    assert execution.legs[2].bought == 0
    # pm:c wins in the worst outcome: both held legs pay nothing
    assert float(row["realized_worst_case"]) < -6


def test_nothing_filled_is_a_miss_and_the_same_view_is_not_traded_twice():
    events = [
        *books(1 * MS, ASKS),
        *[delta(i, 3 * MS, asks=[(3000, 0), (4000, 10 * SHARE)]) for i in IDS],
        *[delta(i, 50 * MS, asks=[(4000, 0), (3000, 10 * SHARE)]) for i in IDS],
    ]
    strategy, _ = run(events, cooldown_ms=0)
    report = strategy.report()
    statuses = [row["status"] for row in report["executions"]]
    assert statuses[0] == "missed"
    assert report["executions"][0]["realized_worst_case"] == "0.000000"
    assert report["summary"]["skipped"].get("already_traded", 0) >= 1


def test_settled_profit_once_every_traded_market_resolved():
    events = [
        *books(1 * MS, ASKS),
        Resolution("pm:a", ("pm:a",), (), 500 * MS, 500 * MS),
        Resolution("pm:b", (), ("pm:b",), 500 * MS, 500 * MS),
    ]
    strategy, _ = run(events)
    assert strategy.report()["executions"][0]["settled_profit"] is None  # pm:c open
    events.append(Resolution("pm:c", (), ("pm:c",), 600 * MS, 600 * MS))
    strategy, _ = run(events)
    row = strategy.report()["executions"][0]
    # a basket held to resolution pays what it promised in every outcome
    assert row["settled_profit"] == row["expected_profit"]


def test_bad_parameters_are_refused():
    from pythia.core.errors import ConfigError

    with pytest.raises(ConfigError):
        ArbitrageStrategy({"entry_tif": "gtc"}).on_start(_NoContext())
    with pytest.raises(ConfigError):
        ArbitrageStrategy({"min_profit": "-1"}).on_start(_NoContext())
    with pytest.raises(ConfigError):
        ArbitrageStrategy({"kinds": ["nope"]}).on_start(_NoContext())


class _NoContext:
    def __getattr__(self, name):
        raise AssertionError(f"the context is not used before parameters are valid: {name}")
