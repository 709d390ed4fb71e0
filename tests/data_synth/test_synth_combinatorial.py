"""SYNTHETIC bracket and election scenarios: deterministic, with exact known profits."""

from fractions import Fraction

import pytest

from optkit import brute_force_profit
from pythia.data.synth_combinatorial import bracket, election, sized
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
