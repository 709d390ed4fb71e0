"""Quoting models against the published formulas, each other and their limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pythia.strategy.making.models import (
    as_reservation_price,
    as_spread,
    avellaneda_stoikov,
    glft_asymptotic,
    glft_coefficients,
    glft_exact,
    glft_matrix,
)

# A case small enough to check by hand.
GAMMA, SIGMA, K, A, TAU = 0.1, 2.0, 1.5, 140.0, 1.0


def test_as_reservation_price_by_hand():
    # r = 100 - 3 * 0.1 * 4 * 0.5 = 99.4
    assert as_reservation_price(100.0, 3, GAMMA, SIGMA, 0.5) == pytest.approx(99.4)
    assert as_reservation_price(100.0, -3, GAMMA, SIGMA, 0.5) == pytest.approx(100.6)
    assert as_reservation_price(100.0, 3, GAMMA, SIGMA, 0.0) == 100.0


def test_as_spread_by_hand():
    # 0.1 * 4 * 1 + (2 / 0.1) * ln(1 + 0.1 / 1.5) = 0.4 + 20 * 0.0645385211 = 1.690770422
    assert as_spread(GAMMA, SIGMA, K, TAU) == pytest.approx(1.690770422, abs=1e-9)


def test_as_spread_tends_to_two_over_k_without_risk_aversion():
    assert as_spread(0.0, SIGMA, K, TAU) == pytest.approx(2 / K)
    assert as_spread(1e-9, SIGMA, K, TAU) == pytest.approx(2 / K, rel=1e-6)


def test_as_quotes_are_reservation_plus_minus_half_spread():
    depths = avellaneda_stoikov(2, GAMMA, SIGMA, K, TAU)
    bid, ask = depths.prices(50.0)
    r = as_reservation_price(50.0, 2, GAMMA, SIGMA, TAU)
    spread = as_spread(GAMMA, SIGMA, K, TAU)
    assert bid == pytest.approx(r - spread / 2)
    assert ask == pytest.approx(r + spread / 2)
    assert ask - bid == pytest.approx(spread)


def test_glft_coefficients_by_hand():
    # c1 = ln(1 + 0.1/1.5) / 0.1 = 0.645385211
    # c2 = sqrt(0.1 / (2 * 140 * 1.5) * (1 + 0.1/1.5) ** (15 + 1)) = sqrt(2.380952e-4 * 2.808404)
    c = glft_coefficients(A, K, GAMMA)
    assert c.c1 == pytest.approx(0.645385211, abs=1e-9)
    expected_c2 = math.sqrt(0.1 / 420.0 * (16 / 15) ** 16)
    assert c.c2 == pytest.approx(expected_c2, rel=1e-12)
    assert expected_c2 == pytest.approx(0.0258586, rel=1e-5)


def test_glft_asymptotic_matches_the_paper_form():
    root = math.sqrt(SIGMA**2 * GAMMA / (2 * K * A) * (1 + GAMMA / K) ** (1 + K / GAMMA))
    static = math.log(1 + GAMMA / K) / GAMMA
    for q in (-3, 0, 2):
        depths = glft_asymptotic(q, A, K, GAMMA, SIGMA)
        assert depths.bid == pytest.approx(static + (2 * q + 1) / 2 * root)
        assert depths.ask == pytest.approx(static - (2 * q - 1) / 2 * root)


def test_glft_xi_zero_is_the_limit_of_small_xi():
    limit = glft_coefficients(A, K, GAMMA, xi=0.0)
    near = glft_coefficients(A, K, GAMMA, xi=1e-9)
    assert limit.c1 == pytest.approx(1 / K)
    assert near.c1 == pytest.approx(limit.c1, rel=1e-6)
    assert near.c2 == pytest.approx(limit.c2, rel=1e-6)


def test_glft_lot_size_scales_like_hftbacktest():
    c = glft_coefficients(A, K, GAMMA, lot=2.0)
    assert c.c1 == pytest.approx(math.log(1 + 0.2 / K) / 0.2)
    assert c.c2 == pytest.approx(
        math.sqrt(GAMMA / (2 * A * 2.0 * K) * (1 + 0.2 / K) ** (K / 0.2 + 1))
    )
    depths = glft_asymptotic(4.0, A, K, GAMMA, SIGMA, lot=2.0)
    assert depths.bid == pytest.approx(c.c1 + 1.0 * SIGMA * c.c2 + SIGMA * c.c2 * 4.0)


def test_glft_matrix_is_tridiagonal_with_alpha_q_squared():
    matrix = glft_matrix(2, A, K, GAMMA, SIGMA)
    alpha = K * GAMMA * SIGMA**2 / 2  # 0.3
    eta = A * (1 + GAMMA / K) ** -(1 + K / GAMMA)
    assert np.diag(matrix) == pytest.approx([4 * alpha, alpha, 0, alpha, 4 * alpha])
    assert np.diag(matrix, 1) == pytest.approx([-eta] * 4)
    assert np.diag(matrix, -1) == pytest.approx([-eta] * 4)
    assert np.count_nonzero(np.triu(matrix, 2)) == 0


def test_glft_exact_at_horizon_is_the_static_spread():
    solution = glft_exact(3, A, K, GAMMA, SIGMA, 0.0)
    static = math.log(1 + GAMMA / K) / GAMMA
    for q in range(-2, 3):
        assert solution.depths(q).bid == pytest.approx(static)
        assert solution.depths(q).ask == pytest.approx(static)
    # ... which is AS's half-spread at T - t = 0.
    assert static == pytest.approx(as_spread(GAMMA, SIGMA, K, 0.0) / 2)


def test_glft_exact_hand_computed_two_state_ratio():
    # Q = 1: w = exp(-M tau) 1 with M = [[a, -e, 0], [-e, 0, -e], [0, -e, a]].
    tau = 0.7
    alpha = K * GAMMA * SIGMA**2 / 2
    eta = A * (1 + GAMMA / K) ** -(1 + K / GAMMA)
    matrix = np.array([[alpha, -eta, 0], [-eta, 0, -eta], [0, -eta, alpha]])
    values, vectors = np.linalg.eigh(matrix)
    w = vectors @ (np.exp(-values * tau) * (vectors.T @ np.ones(3)))
    static = math.log(1 + GAMMA / K) / GAMMA
    solution = glft_exact(1, A, K, GAMMA, SIGMA, tau)
    assert solution.depths(0).bid == pytest.approx(math.log(w[1] / w[2]) / K + static)
    assert solution.depths(0).ask == pytest.approx(math.log(w[1] / w[0]) / K + static)
    assert solution.depths(-1).bid == pytest.approx(math.log(w[0] / w[1]) / K + static)


def test_glft_exact_refuses_the_side_beyond_the_bound():
    solution = glft_exact(4, A, K, GAMMA, SIGMA, 10.0)
    assert solution.depths(4).bid is None and solution.depths(4).ask is not None
    assert solution.depths(-4).ask is None and solution.depths(-4).bid is not None
    assert solution.depths(9) == solution.depths(4)


@pytest.mark.parametrize("q", [0, 1, 3, -5, 10])
def test_glft_exact_approaches_asymptotic_for_long_horizons(q):
    a, k, gamma, sigma = 1.0, 1.0, 0.01, 0.1  # sqrt(alpha / eta) small: many inventory steps
    exact = glft_exact(30, a, k, gamma, sigma, 1e5).depths(q)
    asymptotic = glft_asymptotic(q, a, k, gamma, sigma)
    assert exact.bid == pytest.approx(asymptotic.bid, abs=1e-3)
    assert exact.ask == pytest.approx(asymptotic.ask, abs=1e-3)


def test_glft_exact_converges_in_time_and_is_stable_for_huge_horizons():
    depth_1 = glft_exact(10, A, K, GAMMA, SIGMA, 1e3).depths(2)
    depth_2 = glft_exact(10, A, K, GAMMA, SIGMA, 1e7).depths(2)
    assert depth_1.bid == pytest.approx(depth_2.bid, rel=1e-9)
    assert math.isfinite(depth_2.ask)


def test_symmetric_quotes_at_zero_inventory():
    assert avellaneda_stoikov(0, GAMMA, SIGMA, K, TAU).bid == pytest.approx(
        avellaneda_stoikov(0, GAMMA, SIGMA, K, TAU).ask
    )
    asymptotic = glft_asymptotic(0, A, K, GAMMA, SIGMA)
    assert asymptotic.bid == pytest.approx(asymptotic.ask)
    exact = glft_exact(5, A, K, GAMMA, SIGMA, 3.0).depths(0)
    assert exact.bid == pytest.approx(exact.ask, rel=1e-12)


def test_inventory_mirrors_between_bid_and_ask():
    exact = glft_exact(5, A, K, GAMMA, SIGMA, 3.0)
    for q in range(-4, 5):
        assert exact.depths(q).bid == pytest.approx(exact.depths(-q).ask, rel=1e-12)
        asymptotic, mirrored = (
            glft_asymptotic(q, A, K, GAMMA, SIGMA),
            glft_asymptotic(-q, A, K, GAMMA, SIGMA),
        )
        assert asymptotic.bid == pytest.approx(mirrored.ask)
        as_depths, as_mirrored = (
            avellaneda_stoikov(q, GAMMA, SIGMA, K, TAU),
            avellaneda_stoikov(-q, GAMMA, SIGMA, K, TAU),
        )
        assert as_depths.bid == pytest.approx(as_mirrored.ask)


def test_every_model_skews_away_from_inventory():
    """Long inventory: bid further, ask nearer (sell more eagerly); monotone in q."""
    exact = glft_exact(6, A, K, GAMMA, SIGMA, 3.0)
    models = {
        "as": lambda q: avellaneda_stoikov(q, GAMMA, SIGMA, K, TAU),
        "glft": lambda q: glft_asymptotic(q, A, K, GAMMA, SIGMA),
        "glft_exact": exact.depths,
    }
    for name, depths in models.items():
        bids = [depths(q).bid for q in range(-5, 6)]
        asks = [depths(q).ask for q in range(-5, 6)]
        assert all(b < c for b, c in zip(bids, bids[1:], strict=False)), name
        assert all(b > c for b, c in zip(asks, asks[1:], strict=False)), name


def test_models_agree_without_risk_aversion():
    """As gamma -> 0 all three quote the risk-neutral half-spread 1/k at any inventory."""
    gamma = 1e-7
    for q in (-2, 0, 3):
        as_depths = avellaneda_stoikov(q, gamma, SIGMA, K, TAU)
        asymptotic = glft_asymptotic(q, A, K, gamma, SIGMA)
        exact = glft_exact(60, A, K, gamma, SIGMA, TAU).depths(q)  # bounds far away
        for value in (as_depths.bid, as_depths.ask, asymptotic.bid, asymptotic.ask):
            assert value == pytest.approx(1 / K, abs=1e-2)
        assert exact.bid == pytest.approx(1 / K, abs=1e-2)
        assert exact.ask == pytest.approx(1 / K, abs=1e-2)


def test_rejects_bad_parameters():
    with pytest.raises(ValueError):
        glft_coefficients(0.0, K, GAMMA)
    with pytest.raises(ValueError):
        as_spread(GAMMA, SIGMA, 0.0, TAU)
    with pytest.raises(ValueError):
        glft_exact(0, A, K, GAMMA, SIGMA, 1.0)
    with pytest.raises(ValueError):
        glft_exact(2, A, K, GAMMA, SIGMA, -1.0)
