"""SYNTHETIC bracket, election and race scenarios: deterministic, with exact known profits."""

import math
from fractions import Fraction

import numpy as np
import pytest

from optkit import brute_force_profit
from pythia.data.synth_combinatorial import bracket, election, race, race_securities, sized
from pythia.opt.lp import best_guaranteed_trade
from pythia.opt.outcomes import OutcomeSpace


def test_same_seed_same_scenario():
    assert bracket(3, seed=4) == bracket(3, seed=4)
    assert election(6, seed=4) == election(6, seed=4)
    assert bracket(3, seed=4).books != bracket(3, seed=5).books


def test_bracket_shape_and_outcome_count():
    assert OutcomeSpace(bracket(3).dependencies).n == 24
    scenario = bracket(3, 2)
    space = OutcomeSpace(scenario.dependencies)
    assert space.n == 16
    assert len(space.enumerate_outcomes()) == 2**6  # one winner per game of rounds 1-2
    assert all(space.contains(o) for o in space.enumerate_outcomes())


@pytest.mark.parametrize(
    "scenario",
    [bracket(2, plants=2, seed=1), bracket(3, 2, plants=3, seed=2), election(3, plants=3, seed=3)],
    ids=["bracket4", "bracket8x2", "election3"],
)
def test_known_profit_equals_brute_force(scenario):
    space = OutcomeSpace(scenario.dependencies)
    assert scenario.plants and scenario.known_profit > 0
    assert brute_force_profit(space, scenario.books) == pytest.approx(
        float(scenario.known_profit), abs=1e-7
    )
    trade = best_guaranteed_trade(space, scenario.books)
    assert trade.profit == scenario.known_profit


@pytest.mark.parametrize("kind", ["bracket", "election"])
def test_known_profit_by_construction_at_100_securities(kind):
    scenario = sized(kind, 100, plants=3, seed=7)
    space = OutcomeSpace(scenario.dependencies)
    assert 90 <= space.n <= 110
    trade = best_guaranteed_trade(space, scenario.books)
    assert trade.profit == scenario.known_profit
    assert scenario.known_profit == sum((p.profit for p in scenario.plants), Fraction(0))


def test_no_plants_no_profit_and_books_never_cross():
    for scenario in (bracket(3, plants=0), election(4, plants=0)):
        assert scenario.known_profit == 0
        space = OutcomeSpace(scenario.dependencies)
        assert best_guaranteed_trade(space, scenario.books).profit == 0
    for scenario in (bracket(4, plants=4), election(20, plants=5)):
        for book in scenario.books:
            if book.asks and book.bids:
                assert book.bids[0].price < book.asks[0].price
            assert all(0 < p < 1 for p in scenario.mid_prices())


def _plackett_luce_probability(order, strength):
    probability, left = 1.0, sum(strength)
    for runner in order:
        probability *= strength[runner] / left
        left -= strength[runner]
    return probability


def test_race_outcomes_are_exactly_the_finishing_orders():
    scenario = race(3, top=1, seed=2)
    space = OutcomeSpace(scenario.dependencies)
    assert space.n == race_securities(3) == 15
    listed = {tuple(int(v) for v in row) for row in scenario.outcomes}
    assert listed == set(space.enumerate_outcomes())  # the rows admit every order, nothing else
    assert len(listed) == 6


@pytest.mark.parametrize("runners", [4, 5])
def test_race_fair_prices_are_plackett_luce_marginals(runners):
    scenario = race(runners, seed=runners)
    space = OutcomeSpace(scenario.dependencies)
    outcomes = scenario.outcomes
    assert len(outcomes) == math.factorial(runners)
    assert all(space.contains(tuple(int(v) for v in row)) for row in outcomes)
    # recover the strengths from the fair win prices (P(i first) is proportional to s_i)
    index = scenario.dependencies.index()
    strength = [scenario.fair[index[f"race:r{i}:p1"]] for i in range(runners)]
    weights = []
    for row in outcomes:
        place = {
            p: i
            for i in range(runners)
            for p in range(runners)
            if row[index[f"race:r{i}:p{p + 1}"]]
        }
        weights.append(_plackett_luce_probability([place[p] for p in range(runners)], strength))
    assert np.array(weights) @ outcomes == pytest.approx(np.array(scenario.fair), abs=1e-12)


@pytest.mark.parametrize("runners, plants", [(4, 2), (5, 3)])
def test_race_known_profit_equals_brute_force(runners, plants):
    scenario = race(runners, plants=plants, seed=9)
    space = OutcomeSpace(scenario.dependencies)
    assert {p.kind for p in scenario.plants} <= {"top", "group_buy", "group_sell"}
    assert len(scenario.plants) == plants
    assert brute_force_profit(space, scenario.books, scenario.outcomes) == pytest.approx(
        float(scenario.known_profit), abs=1e-7
    )
    assert best_guaranteed_trade(space, scenario.books).profit == scenario.known_profit


def test_race_of_100_securities_trade_lp_finds_the_known_profit():
    # 8 runners: the IP oracle runs the MIP (HiGHS may return integers within 1e-6)
    scenario = sized("race", 100, plants=3, seed=1)
    space = OutcomeSpace(scenario.dependencies)
    assert space.n == 100 and len(scenario.outcomes) == math.factorial(8)
    assert best_guaranteed_trade(space, scenario.books).profit == scenario.known_profit


def test_large_race_samples_a_distribution_over_orders():
    scenario = race(17, plants=2, seed=3)  # beyond the exact Plackett-Luce limit
    assert scenario.outcomes is None
    fair = dict(zip(scenario.dependencies.index(), scenario.fair, strict=True))
    for i in range(17):  # each runner has one place, each place one runner
        assert sum(fair[f"race:r{i}:p{p + 1}"] for p in range(17)) == pytest.approx(1)
        assert sum(fair[f"race:r{j}:p{i + 1}"] for j in range(17)) == pytest.approx(1)
        top = sum(fair[f"race:r{i}:p{p + 1}"] for p in range(3))
        assert fair[f"race:r{i}:top3"] == pytest.approx(top)
    for i, j, k in ((0, 1, 2), (3, 9, 16), (5, 6, 7)):  # transitive in every sampled order
        chain = fair[f"race:r{i}:ahead:r{j}"] + fair[f"race:r{j}:ahead:r{k}"]
        assert 0 <= chain - fair[f"race:r{i}:ahead:r{k}"] <= 1
    assert scenario.known_profit > 0
