"""The outcome IP against brute-force enumeration."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optkit import random_dependencies, random_feasible_space
from pythia.opt.dependencies import Dependencies, Security, exactly_one, implies
from pythia.opt.outcomes import ENUMERATION_LIMIT, OutcomeSpace


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 10), rows=st.integers(0, 8))
def test_oracle_equals_enumeration(seed, n, rows):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rows)
    outcomes = np.array(space.enumerate_outcomes())
    assert all(space.contains(o) for o in outcomes)
    assert all(space.dependencies.is_valid(o) for o in outcomes)
    for _ in range(3):
        weights = np.array([rng.uniform(-1, 1) for _ in range(n)])
        for maximize in (False, True):
            outcome, value = space.best_outcome(weights, maximize=maximize)
            values = outcomes @ weights
            expected = values.max() if maximize else values.min()
            assert value == pytest.approx(expected, abs=1e-12)
            assert space.contains(outcome)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 10), rows=st.integers(0, 10))
def test_settle_finds_exactly_the_fixed_coordinates(seed, n, rows):
    space = random_feasible_space(random.Random(seed), n, rows)
    outcomes = np.array(space.enumerate_outcomes())
    expected = {
        i: int(outcomes[0, i]) for i in range(n) if np.all(outcomes[:, i] == outcomes[0, i])
    }
    settlement = space.settle()
    assert settlement.fixed == expected
    vertices = np.array(settlement.vertices)
    assert all(space.contains(v) for v in vertices)
    for i in settlement.free:
        assert set(vertices[:, i]) == {0, 1}


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 8), rows=st.integers(3, 12))
def test_contradiction_is_minimal(seed, n, rows):
    deps = random_dependencies(random.Random(seed), n, rows)
    space = OutcomeSpace(deps)
    conflict = space.contradiction()
    if conflict is None:
        assert space.enumerate_outcomes()
        return
    assert not space.enumerate_outcomes()
    assert OutcomeSpace(Dependencies(deps.securities, conflict)).find_outcome() is None
    for dropped in conflict:
        rest = tuple(c for c in conflict if c is not dropped)
        assert OutcomeSpace(Dependencies(deps.securities, rest)).find_outcome() is not None


def test_fixed_values_and_infeasible_pins():
    deps = Dependencies(
        (Security("a"), Security("b"), Security("c")),
        (exactly_one(["a", "b"]), implies("c", "a")),
    )
    space = OutcomeSpace(deps)
    assert space.find_outcome({2: 1}) == (1, 0, 1)
    assert space.find_outcome({1: 1, 2: 1}) is None
    assert space.best_outcome([0, 0, -1], fixed={1: 1}) == ((0, 1, 0), 0.0)


def test_enumeration_is_capped():
    ids = [Security(f"s{i}") for i in range(ENUMERATION_LIMIT + 1)]
    with pytest.raises(ValueError, match="cannot enumerate"):
        OutcomeSpace(Dependencies(tuple(ids), ())).enumerate_outcomes()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 10), rows=st.integers(0, 8))
def test_bounded_oracle_bounds_the_minimum(seed, n, rows):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rows)
    weights = np.array([rng.uniform(-1, 1) for _ in range(n)])
    outcome, value, bound = space.bounded_outcome(weights, time_limit_s=10.0)
    minimum = (np.array(space.enumerate_outcomes()) @ weights).min()
    assert space.contains(outcome)
    assert bound <= minimum + 1e-12 and value == pytest.approx(minimum, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12), rows=st.integers(0, 10))
def test_a_stop_rule_cuts_the_mip_short_with_a_valid_outcome_and_bound(seed, n, rows):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rows)
    mip = OutcomeSpace(space.dependencies, relaxation_first=False)  # the MIP every time
    weights = np.array([rng.uniform(-1, 1) for _ in range(n)])
    minimum = (np.array(space.enumerate_outcomes()) @ weights).min()
    seen = []

    def at_once(score, bound):
        seen.append((score, bound))
        return True

    outcome, value, bound = mip.bounded_outcome(weights, enough=at_once)
    assert mip.contains(outcome) and value == pytest.approx(weights @ outcome)
    assert bound <= minimum + 1e-9 <= value + 2e-9
    assert all(np.isfinite(score) for score, _ in seen)  # asked only with an incumbent
    outcome, value, bound = mip.bounded_outcome(weights, enough=lambda score, bound: False)
    assert value == pytest.approx(minimum, abs=1e-9)  # ran to optimality
    assert bound == pytest.approx(value, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(2, 12),
    rows=st.integers(0, 10),
    gap=st.sampled_from([0.0, 0.01, 0.3, 2.0]),
)
def test_an_inexact_oracle_stays_within_its_gap_and_bounds_the_minimum(seed, n, rows, gap):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rows)
    mip = OutcomeSpace(space.dependencies, relaxation_first=False)  # the MIP every time
    weights = np.array([rng.uniform(-1, 1) for _ in range(n)])
    minimum = (np.array(space.enumerate_outcomes()) @ weights).min()
    for oracle in (space, mip):
        outcome, value, bound = oracle.bounded_outcome(weights, gap=gap)
        assert oracle.contains(outcome) and value == pytest.approx(weights @ outcome)
        assert bound <= minimum + 1e-9  # a valid lower bound, whatever the gap
        assert value <= minimum + gap + 1e-9  # no worse than the gap allows
        assert value - bound <= max(gap, 1e-9) + 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 9), rows=st.integers(0, 8))
def test_contains_and_enumeration_agree_with_each_constraint_checked_alone(seed, n, rows):
    """The sparse integer rows accept exactly the vectors every constraint accepts."""
    import itertools

    rng = random.Random(seed)
    deps = random_dependencies(rng, n, rows)
    space = OutcomeSpace(deps)
    every = list(itertools.product((0, 1), repeat=n))
    assert [space.contains(v) for v in every] == [deps.is_valid(v) for v in every]
    assert list(space.enumerate_outcomes()) == [v for v in every if deps.is_valid(v)]
    assert not space.contains((2,) + (0,) * (n - 1)) and not space.contains((0,) * (n + 1))


def test_the_mips_incumbents_come_back_valid_and_no_better_than_the_optimum():
    from pythia.data.synth_combinatorial import sized

    space = OutcomeSpace(sized("race", 57, seed=3).dependencies, relaxation_first=False)
    rng = np.random.default_rng(3)
    for _ in range(5):
        weights = rng.normal(size=space.n)
        found: list = []
        outcome, value = space.best_outcome(weights, found=found)
        assert found and outcome in found and len(set(found)) == len(found)
        assert all(space.contains(o) and weights @ np.array(o) >= value - 1e-9 for o in found)
    relaxed = OutcomeSpace(Dependencies((Security("a"), Security("b")), (exactly_one(["a", "b"]),)))
    found = []
    assert relaxed.best_outcome([0.3, -0.2], found=found) == ((0, 1), -0.2) and found == []
