"""Kelly sizing against hand-computed values, the KKT conditions (exact) and a numeric
optimiser of E[log wealth] (projected gradient ascent, floats) on random cases."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pythia.core.errors import ConfigError
from pythia.risk import BetSide, kelly_binary, kelly_multi, kelly_stake

# ---- binary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "belief", "fraction", "fee", "side", "expected"),
    [
        ("0.4", "0.5", 1, 0, BetSide.YES, F(1, 6)),
        ("0.40", "0.55", 1, 0, BetSide.YES, F(1, 4)),  # the reference's numeric check
        ("0.4", "0.5", "0.5", 0, BetSide.YES, F(1, 12)),
        ("0.4", "0.5", 1, "0.02", BetSide.YES, F(4, 29)),  # (0.5 - 0.42) / 0.58
        ("0.6", "0.3", 1, 0, BetSide.NO, F(1, 2)),  # NO at 0.4 with 0.7: 0.3 / 0.6
        ("0.6", "0.3", 1, "0.1", BetSide.NO, F(2, 5)),  # NO at 0.5: 0.2 / 0.5
        ("0.5", "0.5", 1, 0, BetSide.NONE, F(0)),
        ("0.5", "0.51", 1, "0.02", BetSide.NONE, F(0)),  # the fee eats the edge
        ("0.5", "1", 1, 0, BetSide.YES, F(1)),  # certainty: everything
    ],
)
def test_kelly_binary_hand_values(price, belief, fraction, fee, side, expected):
    bet = kelly_binary(price, belief, fraction, fee)

    assert (bet.side, bet.fraction) == (side, expected)


@pytest.mark.parametrize(
    "arguments",
    [(0.4, "0.5"), ("0", "0.5"), ("1", "0.5"), ("0.4", "1.1"), ("0.4", "0.5", "0"), ("x", "1")],
)
def test_kelly_binary_refuses_bad_input(arguments):
    with pytest.raises(ConfigError):
        kelly_binary(*arguments)


def growth(f: float, cost: float, chance: float) -> float:
    """E[log wealth] spending ``f`` on contracts costing ``cost`` that win with ``chance``."""
    lose = 1 - f
    if lose <= 0 and chance < 1:
        return -math.inf
    return chance * math.log(lose + f / cost) + (
        0 if chance == 1 else (1 - chance) * math.log(lose)
    )


@settings(max_examples=300, deadline=None)
@given(
    price=st.integers(1, 99),
    belief=st.integers(0, 100),
    fee=st.integers(0, 5),
)
def test_kelly_binary_is_the_general_formula_and_a_growth_maximum(price, belief, fee):
    p, q, c = F(price, 100), F(belief, 100), F(price + fee, 100)

    bet = kelly_binary(p, q, 1, F(fee, 100))

    if bet.side is BetSide.YES:
        b = (1 - c) / c  # net odds after the fee
        assert bet.fraction == (q * b - (1 - q)) / b
    if bet.side is not BetSide.NONE and bet.fraction < 1:
        chance = q if bet.side is BetSide.YES else 1 - q
        best = growth(float(bet.fraction), float(bet.cost_per_unit), float(chance))
        for nudge in (-1e-4, 1e-4):
            f = min(max(float(bet.fraction) + nudge, 0.0), 1.0)
            assert growth(f, float(bet.cost_per_unit), float(chance)) <= best + 1e-12
    if bet.side is BetSide.NONE:
        assert q <= c and 1 - q <= 1 - p + F(fee, 100)


def test_kelly_stake_rounds_down_to_the_lot():
    bet = kelly_binary("0.4", "0.5")  # 1/6 of the bankroll at 0.40 a contract

    assert kelly_stake(1_000_000_000, bet) == 416  # 416.67 contracts
    assert kelly_stake(1_000_000_000, bet, size_decimals=2) == 41666
    assert kelly_stake(1_000_000_000, bet, size_decimals=2, lot_units=100) == 41600
    assert kelly_stake(1_000_000_000, kelly_binary("0.5", "0.5")) == 0
    assert kelly_stake(0, bet) == 0


# ---- several outcomes ------------------------------------------------------------------------


def test_kelly_multi_hand_values():
    # e = 1.2, 1.0: R = 0.4 / 0.5 = 0.8 after the first, 0.1 / 0.2 = 0.5 after the second
    assert kelly_multi(["0.5", "0.3"], ["0.6", "0.3"]) == (F(7, 20), F(3, 20))
    # e = 1.2, 0.75 <= 0.8: only the first; f = 0.6 - 0.8 x 0.5
    assert kelly_multi(["0.5", "0.4"], ["0.6", "0.3"]) == (F(1, 5), F(0))
    # an underround exhaustive book: R falls to 0 and the stakes are the beliefs
    assert kelly_multi(["0.3", "0.3", "0.3"], ["0.5", "0.3", "0.2"]) == (F(1, 2), F(3, 10), F(1, 5))
    # nothing has an edge
    assert kelly_multi(["0.5", "0.5"], ["0.5", "0.4"]) == (F(0), F(0))
    # a fair, exhaustive book: q / c equals R, so nothing is added (and R stays defined)
    assert kelly_multi(["0.5", "0.5"], ["0.5", "0.5"]) == (F(0), F(0))
    # half Kelly and fees (costs 0.52, 0.32): e = 1.154 -> R = 0.4 / 0.48 = 5/6; e = 0.9375 > R
    # -> R = 0.1 / 0.16 = 5/8; f = 0.6 - 0.325 = 0.275 and 0.3 - 0.2 = 0.1, halved
    assert kelly_multi(["0.5", "0.3"], ["0.6", "0.3"], "0.5", ["0.02", "0.02"]) == (
        F(11, 80),
        F(1, 20),
    )


@pytest.mark.parametrize(
    ("prices", "beliefs", "fees"),
    [(["0.5"], ["0.5", "0.2"], None), (["0.5"], ["0.7"], ["0.1", "0"]), (["0"], ["0.5"], None)],
)
def test_kelly_multi_refuses_bad_input(prices, beliefs, fees):
    with pytest.raises(ConfigError):
        kelly_multi(prices, beliefs, fees=fees)


def test_kelly_multi_refuses_beliefs_above_one():
    with pytest.raises(ConfigError):
        kelly_multi(["0.5", "0.5"], ["0.6", "0.5"])


@settings(max_examples=300, deadline=None)
@given(price=st.integers(1, 99), belief=st.integers(0, 100), fee=st.integers(0, 3))
def test_kelly_multi_of_one_outcome_is_the_binary_yes_bet(price, belief, fee):
    p, q, f = F(price, 100), F(belief, 100), F(fee, 100)
    bet = kelly_binary(p, q, 1, f)

    (stake,) = kelly_multi([p], [q], fees=[f])

    assert stake == (bet.fraction if bet.side is BetSide.YES else 0)


def gradient(stakes, costs, chances):
    """Exact gradient of E[log W] with W_i = 1 - sum(f) + f_i / c_i, W_0 = 1 - sum(f)."""
    spent = sum(stakes)
    wealth = [1 - spent + f / c for f, c in zip(stakes, costs, strict=True)]
    none_wins = 1 - sum(chances)
    common = -sum(q / w for q, w in zip(chances, wealth, strict=True) if q)
    if none_wins:
        common -= none_wins / (1 - spent)
    return [
        common + (q / (c * w) if q else 0) for q, c, w in zip(chances, costs, wealth, strict=True)
    ]


def log_growth(stakes, costs, chances) -> float:
    spent = sum(stakes)
    total = 0.0
    for f, c, q in zip(stakes, costs, chances, strict=True):
        wealth = 1 - spent + f / c
        if q > 0:
            if wealth <= 0:
                return -math.inf
            total += q * math.log(wealth)
    none_wins = 1 - sum(chances)
    if none_wins > 1e-15:
        if 1 - spent <= 0:
            return -math.inf
        total += none_wins * math.log(1 - spent)
    return total


def project(point: np.ndarray) -> np.ndarray:
    """Euclidean projection onto {f >= 0, sum(f) <= 1}."""
    clipped = np.maximum(point, 0.0)
    if clipped.sum() <= 1.0:
        return clipped
    ordered = np.sort(point)[::-1]
    cumulative = np.cumsum(ordered) - 1.0
    index = np.nonzero(ordered - cumulative / np.arange(1, len(point) + 1) > 0)[0][-1]
    return np.maximum(point - cumulative[index] / (index + 1), 0.0)


def numeric_kelly(costs, chances, iterations: int = 20_000) -> np.ndarray:
    """Maximise E[log W] by projected gradient ascent with backtracking (floats)."""
    c, q = np.array(costs, dtype=float), np.array(chances, dtype=float)
    none_wins = 1 - q.sum()
    live = q > 0
    f = np.zeros(len(c))
    value = log_growth(f, c, q)
    step = 1e-2
    for _ in range(iterations):
        wealth = np.where(live, 1 - f.sum() + f / c, 1.0)
        grad = np.where(live, q / (c * wealth), 0.0) - np.sum(np.where(live, q / wealth, 0.0))
        if none_wins > 1e-15:
            grad -= none_wins / (1 - f.sum())
        if np.abs(project(f + 1e-6 * grad) - f).max() < 1e-14:
            break  # stationary: the projected gradient vanishes
        step = min(step * 2, 1.0)
        while step > 1e-18:
            candidate = project(f + step * grad)
            candidate_value = log_growth(candidate, c, q)
            if candidate_value >= value:
                f, value = candidate, candidate_value
                break
            step /= 2
        else:
            break
    return f


outcomes = st.integers(1, 5).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(2, 98), min_size=n, max_size=n),
        st.lists(st.integers(0, 20), min_size=n + 1, max_size=n + 1),
    )
)


@settings(max_examples=80, deadline=None)
@given(case=outcomes)
def test_kelly_multi_meets_kkt_exactly_and_matches_a_numeric_optimum(case):
    cents, weights = case
    assume(sum(weights) > 0)
    costs = [F(c, 100) for c in cents]
    chances = [F(w, sum(weights)) for w in weights[:-1]]  # the last weight: no listed winner

    stakes = kelly_multi(costs, chances)

    assert all(f >= 0 for f in stakes) and sum(stakes) <= 1
    grad = gradient(stakes, costs, chances)
    # KKT for max G(f) on {f >= 0, sum f <= 1}: g_i = mu where f_i > 0, g_i <= mu elsewhere,
    # mu >= 0 and mu = 0 unless the whole bankroll is staked
    mu = max(grad[i] for i in range(len(stakes)) if stakes[i] > 0) if any(stakes) else F(0)
    if sum(stakes) < 1:
        mu = F(0)
    assert mu >= 0
    for f, g in zip(stakes, grad, strict=True):
        assert g == mu if f > 0 else g <= mu
    numeric = numeric_kelly(costs, chances)
    closed_value = log_growth([float(f) for f in stakes], costs, chances)
    assert closed_value >= log_growth(numeric, costs, chances) - 1e-9
    assert np.allclose(numeric, [float(f) for f in stakes], atol=2e-3)


def test_kelly_multi_scales_with_the_fraction():
    full = kelly_multi(["0.5", "0.3", "0.1"], ["0.6", "0.3", "0.05"])

    quarter = kelly_multi(["0.5", "0.3", "0.1"], ["0.6", "0.3", "0.05"], "0.25")

    assert quarter == tuple(f / 4 for f in full)
