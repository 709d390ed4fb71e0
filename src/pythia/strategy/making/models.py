"""Optimal quoting models: Avellaneda-Stoikov (2008) and Gueant-Lehalle-Fernandez-Tapia (2013).

Pure functions of floats (models, not accounting). Prices and depths are in one price unit
(dollars, probability, ticks: the caller chooses), ``sigma`` is the mid's volatility in that
unit per square root of the time unit, and ``time_left`` (``T - t``) is in the same time unit
as the fill intensity ``A`` (fills per time unit at depth 0) and ``1 / sigma**2``. ``k`` is the
intensity decay per price unit: a quote at depth ``delta`` from the mid is hit at rate
``A * exp(-k * delta)``. Inventory ``q`` is in lots (one fill moves it by one).

A *depth* is a distance from the mid, positive away from it: bid = mid - bid depth,
ask = mid + ask depth. A negative depth is a quote through the mid.

>>> round(as_reservation_price(100.0, 2, 0.1, 2.0, 1.0), 6)
99.2
>>> round(as_spread(0.1, 2.0, 1.5, 1.0), 6)
1.69077
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal, expm


@dataclass(frozen=True, slots=True)
class Depths:
    """Bid and ask distances from the mid; ``None`` for a side that must not be quoted."""

    bid: float | None
    ask: float | None

    def prices(self, mid: float) -> tuple[float | None, float | None]:
        """Return ``(bid, ask)`` prices around ``mid``."""
        bid = None if self.bid is None else mid - self.bid
        ask = None if self.ask is None else mid + self.ask
        return bid, ask


# ---- Avellaneda-Stoikov --------------------------------------------------------------------


def as_reservation_price(
    mid: float, inventory: float, gamma: float, sigma: float, time_left: float
) -> float:
    """Return the indifference price ``r = s - q * gamma * sigma**2 * (T - t)``."""
    return mid - inventory * gamma * sigma * sigma * time_left


def as_spread(gamma: float, sigma: float, k: float, time_left: float) -> float:
    """Return the optimal total spread ``gamma sigma^2 (T-t) + (2/gamma) ln(1 + gamma/k)``.

    As ``gamma -> 0`` the second term tends to ``2 / k`` (the risk-neutral spread).
    """
    _check_positive(k=k)
    return gamma * sigma * sigma * time_left + 2.0 * _log_term(gamma, k)


def avellaneda_stoikov(
    inventory: float, gamma: float, sigma: float, k: float, time_left: float
) -> Depths:
    """Return AS quote depths from the mid: ``r -/+ spread / 2`` with ``r`` the reservation.

    >>> d = avellaneda_stoikov(0, 0.1, 2.0, 1.5, 1.0)
    >>> d.bid == d.ask
    True
    """
    skew = inventory * gamma * sigma * sigma * time_left  # mid - r
    half = as_spread(gamma, sigma, k, time_left) / 2.0
    return Depths(bid=half + skew, ask=half - skew)


# ---- GLFT ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GlftCoefficients:
    """The asymptotic GLFT coefficients (hftbacktest's ``compute_coeff`` naming).

    ``c1 = ln(1 + xi lot / k) / (xi lot)`` is the static half-spread and
    ``c2 = sqrt(gamma / (2 A lot k) * (1 + xi lot / k) ** (k / (xi lot) + 1))`` scales
    ``sigma`` into the skew per unit of inventory.
    """

    c1: float
    c2: float

    def half_spread(self, sigma: float, lot: float = 1.0) -> float:
        """Return ``c1 + lot / 2 * sigma * c2``."""
        return self.c1 + lot / 2.0 * sigma * self.c2

    def skew(self, sigma: float) -> float:
        """Return ``sigma * c2``: the depth shift per unit of inventory."""
        return sigma * self.c2


def glft_coefficients(
    A: float, k: float, gamma: float, xi: float | None = None, lot: float = 1.0
) -> GlftCoefficients:
    """Return ``c1`` and ``c2`` for risk aversion ``gamma`` and ``xi`` (default ``gamma``,
    the paper's model A; ``xi = 0`` is model B, the limit ``c1 = 1/k``, ``(.)**(.) = e``)."""
    _check_positive(A=A, k=k, gamma=gamma, lot=lot)
    xi = gamma if xi is None else xi
    if xi < 0:
        raise ValueError(f"xi must be >= 0, got {xi}")
    x = xi * lot / k
    if x == 0.0:
        c1, power = 1.0 / k, math.e
    else:
        c1 = math.log1p(x) / (xi * lot)
        power = math.exp((1.0 / x + 1.0) * math.log1p(x))
    c2 = math.sqrt(gamma / (2.0 * A * lot * k) * power)
    return GlftCoefficients(c1, c2)


def glft_asymptotic(
    inventory: float,
    A: float,
    k: float,
    gamma: float,
    sigma: float,
    xi: float | None = None,
    lot: float = 1.0,
) -> Depths:
    """Return the GLFT asymptotic (``T - t -> infinity``) depths for inventory ``q``.

    ``bid = c1 + (lot/2) sigma c2 + sigma c2 q`` and ``ask = c1 + (lot/2) sigma c2 - sigma c2 q``;
    with ``xi = gamma`` and ``lot = 1`` this is the paper's ``(1/gamma) ln(1 + gamma/k)``
    ``+/- ((2q +/- 1)/2) sqrt(sigma^2 gamma/(2kA) (1 + gamma/k)^(1 + k/gamma))``.
    """
    coefficients = glft_coefficients(A, k, gamma, xi, lot)
    half = coefficients.half_spread(sigma, lot)
    skew = coefficients.skew(sigma)
    return Depths(bid=half + skew * inventory, ask=half - skew * inventory)


@dataclass(frozen=True, slots=True)
class GlftSolution:
    """Exact GLFT depths for every inventory ``-Q .. Q`` at one time to horizon.

    ``bids[i]`` and ``asks[i]`` are the depths at inventory ``i - Q``; the bid is ``None`` at
    ``+Q`` and the ask at ``-Q`` (the inventory bound forbids that side).
    """

    max_inventory: int
    bids: tuple[float | None, ...]
    asks: tuple[float | None, ...]

    def depths(self, inventory: int) -> Depths:
        """Return the depths at ``inventory`` (clamped to ``[-Q, Q]``)."""
        index = min(max(inventory, -self.max_inventory), self.max_inventory) + self.max_inventory
        return Depths(self.bids[index], self.asks[index])


def glft_matrix(max_inventory: int, A: float, k: float, gamma: float, sigma: float) -> np.ndarray:
    """Return GLFT's tridiagonal ``M``: ``alpha q^2`` on the diagonal, ``-eta`` beside it.

    ``alpha = k gamma sigma^2 / 2`` and ``eta = A (1 + gamma/k)^-(1 + k/gamma)``.
    """
    alpha, eta = _alpha_eta(A, k, gamma, sigma)
    q = np.arange(-max_inventory, max_inventory + 1, dtype=float)
    size = q.size
    matrix = np.diag(alpha * q * q)
    off = np.full(size - 1, -eta)
    matrix += np.diag(off, 1) + np.diag(off, -1)
    return matrix


def glft_exact(
    max_inventory: int, A: float, k: float, gamma: float, sigma: float, time_left: float
) -> GlftSolution:
    """Solve GLFT with inventory in ``[-Q, Q]`` exactly: ``w(t) = exp(-M (T - t)) 1`` and

    ``bid(q) = (1/k) ln(w_q / w_{q+1}) + (1/gamma) ln(1 + gamma/k)``,
    ``ask(q) = (1/k) ln(w_q / w_{q-1}) + (1/gamma) ln(1 + gamma/k)``.

    ``M`` is shifted by its smallest eigenvalue before the exponential (a scalar factor on
    ``w`` that the ratios cancel), so long horizons neither overflow nor underflow.
    """
    if max_inventory < 1:
        raise ValueError(f"max_inventory must be >= 1, got {max_inventory}")
    if time_left < 0:
        raise ValueError(f"time_left must be >= 0, got {time_left}")
    matrix = glft_matrix(max_inventory, A, k, gamma, sigma)
    diagonal = np.diag(matrix).copy()
    lowest = eigvalsh_tridiagonal(
        diagonal, np.diag(matrix, 1).copy(), select="i", select_range=(0, 0)
    )[0]
    shifted = matrix - lowest * np.eye(diagonal.size)
    w = expm(-shifted * time_left) @ np.ones(diagonal.size)
    log_w = np.log(w)
    static = _log_term(gamma, k)
    size = diagonal.size
    bids: list[float | None] = [
        float((log_w[i] - log_w[i + 1]) / k + static) if i + 1 < size else None for i in range(size)
    ]
    asks: list[float | None] = [
        float((log_w[i] - log_w[i - 1]) / k + static) if i > 0 else None for i in range(size)
    ]
    return GlftSolution(max_inventory, tuple(bids), tuple(asks))


def _alpha_eta(A: float, k: float, gamma: float, sigma: float) -> tuple[float, float]:
    _check_positive(A=A, k=k, gamma=gamma)
    alpha = k * gamma * sigma * sigma / 2.0
    eta = A * math.exp(-(1.0 + k / gamma) * math.log1p(gamma / k))
    return alpha, eta


def _log_term(gamma: float, k: float) -> float:
    """Return ``(1/gamma) ln(1 + gamma/k)``, tending to ``1/k`` as ``gamma -> 0``."""
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}")
    if gamma == 0.0:
        return 1.0 / k
    return math.log1p(gamma / k) / gamma


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
