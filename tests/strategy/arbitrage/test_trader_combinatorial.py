"""The arbitrage strategy trades a combinatorial basket from a dependency document.

Two Polymarket-style markets where A implies B: buying YES of B and NO of A pays at least 1
in every valid outcome (A true forces B true). With B's YES at 0.40 and A's NO at 0.50 the
basket costs 0.90 a share plus fees; the strategy must find it through the LP, buy both
legs through the multi-leg executor and lock in what it expected.
"""

from __future__ import annotations

import random

from enginekit import pm_token
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.events import BookSnapshot
from pythia.portfolio import Portfolio
from pythia.sim.venue import SimulatedVenue
from pythia.strategy.arbitrage.trader import ArbitrageStrategy
from pythia.venues import profile_for

MS = 1_000_000
SHARE = 1_000_000
USDC = 1_000_000
DEPENDENCIES = {
    "security": [{"id": "pm:a", "title": "A"}, {"id": "pm:b", "title": "B"}],
    "constraint": [{"kind": "implies", "a": "pm:a", "b": "pm:b"}],
}


def token(instrument_id: str, complement: str, market: str):
    return pm_token(instrument_id, market_id=market, complement_id=complement, min_size=5 * SHARE)


def run(asks: dict[str, int], **params):
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
    venue = SimulatedVenue(profile, portfolio, random.Random(1))
    params = {"min_profit": "0.01", "dependencies": DEPENDENCIES, **params}
    strategy = ArbitrageStrategy(params)
    kernel = Kernel(
        {"polymarket": VenueSlot(venue, profile.latency)},
        portfolio,
        Portfolio({"USDC": 1000 * USDC}),
        [strategy],
        seed=3,
    )
    for market in ("a", "b"):
        kernel.add_definition(token(f"pm:{market}", f"pm:{market}:no", market))
        kernel.add_definition(token(f"pm:{market}:no", f"pm:{market}", market))
    events = [
        BookSnapshot(i, ((100, 50 * SHARE),), ((price, 10 * SHARE),), MS, MS)
        for i, price in asks.items()
    ]
    kernel.run(events)
    assert kernel.stats.strategy_errors == []
    return strategy, kernel


ASKS = {"pm:a": 6200, "pm:a:no": 5000, "pm:b": 4000, "pm:b:no": 6500}


def test_the_implied_basket_is_bought_and_locks_in_its_expected_profit():
    strategy, kernel = run(ASKS)
    report = strategy.report()
    [row] = report["executions"]
    assert (row["kind"], row["status"]) == ("combinatorial", "filled")
    assert row["realized_worst_case"] == row["expected_profit"]
    assert row["legging_cost"] == "0.000000"
    assert kernel.portfolio.position("pm:b") == 10 * SHARE  # YES of B
    assert kernel.portfolio.position("pm:a:no") == 10 * SHARE  # NO of A
    assert kernel.portfolio.position("pm:a") == 0 and kernel.portfolio.position("pm:b:no") == 0
    # 10 shares pay 10 USDC whatever happens; cost 0.90 a share plus the 0.04 p(1-p) fee
    fee_model = profile_for("polymarket", fee_rate="0.04").fee_model
    fees = sum(
        fee_model.fee_micros(token(i, "x:no", "m"), price, 10 * SHARE, None)
        for i, price in (("pm:b", 4000), ("pm:a:no", 5000))
    )
    assert row["expected_profit"] == f"{(10 * USDC - 9 * USDC - fees) / 1e6:.6f}"


def test_consistent_books_are_not_traded():
    strategy, _ = run({**ASKS, "pm:b": 5200})  # B's YES + A's NO cost 1.02: nothing
    assert strategy.report()["summary"]["executions"] == 0


def test_max_capital_buys_a_smaller_basket_within_it():
    strategy, kernel = run(ASKS, max_capital="5")
    [row] = strategy.report()["executions"]
    assert (row["kind"], row["status"]) == ("combinatorial", "filled")
    bought = kernel.portfolio.position("pm:b")
    assert 0 < bought < 10 * SHARE  # what 5 USDC affords, not all 10 shares and not nothing
    assert kernel.portfolio.position("pm:a:no") == bought
    assert 1000 * USDC - kernel.portfolio.cash("USDC") <= 5 * USDC
