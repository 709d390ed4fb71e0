"""Bregman (KL / LMSR) projection onto the marginal polytope by barrier Frank-Wolfe.

Kroer, Dudik, Lahaie and Balakrishnan (EC 2016): prices ``theta`` in (0,1)^n are arbitrage
free iff they lie in M = conv(Z), Z the valid outcomes. The projection

    mu* = argmin_{mu in M} D(mu || theta),
    D(mu || theta) = b * sum_i [mu_i ln(mu_i/theta_i) + (1-mu_i) ln((1-mu_i)/(1-theta_i))]

gives arbitrage-free prices, and D(mu* || theta) is the largest profit guaranteed against an
independent-LMSR market at ``theta`` with liquidity b. Frank-Wolfe needs only a linear
minimization oracle over M: the IP ``OutcomeSpace.best_outcome``.

- InitFW: settle coordinates equal in every outcome (their mu is exact), and take the mean u
  of vertices showing both values of every other coordinate as the interior point.
- Barrier FW with adaptive contraction (Krishnan, Lacoste-Julien, Sontag 2015): work on
  M_eps = (1 - eps) M + eps u, where the KL gradient is finite; with g the FW gap and
  g_u = grad . (mu - u), when g_u < 0 and g / (-4 g_u) < eps set eps to
  min(g / (-4 g_u), eps / 2).
- Fully corrective steps: after each oracle call, re-optimize the weights of the active
  outcomes (pairwise FW with exact line search; no oracle calls).
- Inexact oracle: after the first call, the IP may stop once its incumbent is within
  ``oracle_gap_fraction`` of the last certified gap of its dual bound, so near-ties among
  outcomes no longer make the MIP prove which one is best. The gap is certified with the
  dual bound, so it stays an upper bound and D - g a valid guarantee. When the outcome
  found makes less than a quarter of the certified gap as progress, a second search runs
  until its incumbent does (and is within the tolerance), checked at HiGHS's interrupt
  points (one thread, deterministic: the same input gives the same run). Every step then
  makes at least a quarter of the certified gap as progress, which keeps Frank-Wolfe's
  convergence (Jaggi 2013, multiplicative oracle error). Any call also stops as soon as its
  certified gap meets a stopping rule. A MIP that HiGHS calls optimal in that second search
  counts as exact: its dual bound can sit up to ~1e-6 below the incumbent, and taking that
  as certified stalled FW just above a 1e-6 target.
- Stopping: alpha-extraction (the guaranteed-profit bound D - g is at least alpha * D), a gap
  below ``gap_tolerance``, D below ``divergence_tolerance`` (near arbitrage free; 0 disables),
  or the iteration and time limits.

For any mu in M the trade moving the LMSR from theta to mu guarantees at least D(mu||theta) - g
(Proposition 4.1 of Kroer et al.); ``ProjectionResult.profit_bound`` reports it.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pythia.opt.outcomes import Outcome, OutcomeSpace, Settlement

_CLIP = 1e-15
_PROGRESS = 0.25  # an inexact IP call's outcome makes at least this share of the gap


class StopReason(enum.Enum):
    """Why the projection stopped."""

    ALPHA = "alpha"  # D - g >= alpha * D: the bound extracts the requested share of D
    GAP = "gap"  # FW gap below gap_tolerance
    ARBITRAGE_FREE = "arbitrage_free"  # D below divergence_tolerance
    ITERATIONS = "iterations"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class ProjectionResult:
    """The projection ``mu`` with its divergence ``D``, FW gap ``g`` and bound ``D - g``.

    ``active_set`` and ``weights`` give mu = (1 - epsilon) * sum(w_j z_j) + epsilon * u,
    with u the mean of ``interior_vertices``. Settled coordinates are exactly 0 or 1 in mu.
    """

    mu: tuple[float, ...]
    divergence: float
    gap: float
    profit_bound: float
    iterations: int
    oracle_calls: int
    active_set: tuple[Outcome, ...]
    weights: tuple[float, ...]
    interior_vertices: tuple[Outcome, ...]
    epsilon: float
    settled: dict[int, int]
    stop: StopReason


def divergence(mu: Sequence[float], theta: Sequence[float], liquidity: float = 1.0) -> float:
    """Return D(mu || theta), the LMSR Bregman divergence (sum of binary KL, times b)."""
    m = np.asarray(mu, dtype=np.float64)
    p = np.asarray(theta, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        yes = np.where(m > 0, m * np.log(m / p), 0.0)
        no = np.where(m < 1, (1 - m) * np.log((1 - m) / (1 - p)), 0.0)
    return float(liquidity * np.sum(yes + no))


def _logit(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, _CLIP, 1 - _CLIP)
    return np.log(x) - np.log1p(-x)


def project(
    space: OutcomeSpace,
    theta: Sequence[float],
    *,
    liquidity: float = 1.0,
    alpha: float | None = 0.9,
    gap_tolerance: float = 1e-6,
    divergence_tolerance: float = 0.0,
    max_iterations: int = 1000,
    time_limit_s: float | None = None,
    initial_epsilon: float = 0.1,
    settlement: Settlement | None = None,
    oracle_time_limit_s: float | None = None,
    oracle_gap_fraction: float = 0.5,
) -> ProjectionResult:
    """Project ``theta`` onto conv(valid outcomes) under the LMSR divergence (see module).

    ``alpha=None`` disables alpha-extraction (run to ``gap_tolerance``). ``settlement`` may
    reuse an earlier ``space.settle()``. A time limit makes the result machine dependent.
    ``oracle_time_limit_s`` caps each IP call: the step then uses the best outcome found and
    the gap is bounded with the IP's dual bound, so D - g stays a valid guarantee.
    ``oracle_gap_fraction`` (in [0, 1), 0: exact calls) lets each IP call stop within that
    share of the previous certified gap (see the module).
    """
    if not 0 <= oracle_gap_fraction < 1:
        raise ValueError(f"oracle_gap_fraction must be in [0, 1), got {oracle_gap_fraction}")
    theta_all = np.asarray(theta, dtype=np.float64)
    if theta_all.shape != (space.n,) or np.any((theta_all <= 0) | (theta_all >= 1)):
        raise ValueError(f"theta must be {space.n} prices strictly between 0 and 1")
    start_calls = space.oracle_calls
    started = time.perf_counter()
    settled = settlement if settlement is not None else space.settle()
    free = np.array(settled.free, dtype=np.intp)
    fixed_value = np.zeros(space.n)
    for i, v in settled.fixed.items():
        fixed_value[i] = v
    fixed_index = np.array(sorted(settled.fixed), dtype=np.intp)
    fixed_divergence = divergence(fixed_value[fixed_index], theta_all[fixed_index])
    theta_free = theta_all[free]
    logit_theta = _logit(theta_free)
    interior = np.array(settled.vertices, dtype=np.float64)[:, free].mean(axis=0)
    state = _Active(list(settled.vertices), np.full(len(settled.vertices), 1.0), free)
    state.weights /= state.weights.sum()
    epsilon = initial_epsilon if free.size else 0.0
    iterations, stop = 0, StopReason.ITERATIONS
    weights_full = np.zeros(space.n)
    while True:
        mu = (1 - epsilon) * state.mean() + epsilon * interior
        grad = _logit(mu) - logit_theta
        if free.size == 0:
            gap, stop = 0.0, StopReason.GAP
            break
        weights_full[free] = grad
        here = float(grad @ mu)
        value = divergence(mu, theta_free) + fixed_divergence
        tolerance = oracle_gap_fraction * gap if iterations else 0.0
        rule = _OracleRule(
            here,
            lambda g, d=value: _stop_reason(d, g, alpha, gap_tolerance, divergence_tolerance),
            tolerance,
        )
        vertex, score, bound = space.bounded_outcome(
            weights_full,
            time_limit_s=oracle_time_limit_s,
            gap=tolerance,
            enough=rule.finished if tolerance > 0 else None,  # the first call is exact
        )
        if tolerance > 0 and not rule.finished(score, bound) and not rule.progressed(score, bound):
            vertex, score, bound = space.bounded_outcome(  # search on until it makes progress
                weights_full, time_limit_s=oracle_time_limit_s, enough=rule.enough
            )
        gap = max(here - bound, 0.0)
        reason = _stop_reason(value, gap, alpha, gap_tolerance, divergence_tolerance)
        if reason is None and iterations >= max_iterations:
            reason = StopReason.ITERATIONS
        if reason is None and time_limit_s is not None:
            if time.perf_counter() - started > time_limit_s:
                reason = StopReason.TIME
        if reason is not None:
            stop = reason
            break
        iterations += 1
        toward_interior = float(grad @ (mu - interior))
        if toward_interior < 0:
            candidate = gap / (-4 * toward_interior)
            if candidate < epsilon:
                epsilon = min(candidate, epsilon / 2)
        state.add(vertex)
        _corrective(state, interior, epsilon, logit_theta, tolerance=max(gap * 0.1, 1e-14))
    mu_full = fixed_value.copy()
    mu_full[free] = mu
    d = liquidity * (divergence(mu, theta_free) + fixed_divergence)
    g = liquidity * gap
    return ProjectionResult(
        mu=tuple(float(v) for v in mu_full),
        divergence=d,
        gap=g,
        profit_bound=d - g,
        iterations=iterations,
        oracle_calls=space.oracle_calls - start_calls,
        active_set=tuple(state.outcomes),
        weights=tuple(float(w) for w in state.weights),
        interior_vertices=settled.vertices,
        epsilon=epsilon,
        settled=dict(settled.fixed),
        stop=stop,
    )


@dataclass(frozen=True, slots=True)
class _OracleRule:
    """When an inexact IP call may stop, at grad . mu = ``here``.

    For an incumbent of value ``score`` and a dual bound ``bound`` the certified gap is
    here - bound.
    """

    here: float
    stops: Callable[[float], StopReason | None]  # FW's stopping rules at a certified gap
    tolerance: float  # the incumbent may be this far from the dual bound

    def finished(self, score: float, bound: float) -> bool:
        """Return whether FW stops at this certified gap (no step is taken then)."""
        return self.stops(max(self.here - bound, 0.0)) is not None

    def progressed(self, score: float, bound: float) -> bool:
        return self.here - score >= _PROGRESS * (self.here - bound)

    def enough(self, score: float, bound: float) -> bool:
        if self.finished(score, bound):
            return True
        return score - bound <= self.tolerance and self.progressed(score, bound)


def _stop_reason(
    value: float, gap: float, alpha: float | None, gap_tolerance: float, divergence_tol: float
) -> StopReason | None:
    if gap <= gap_tolerance:
        return StopReason.GAP
    if divergence_tol > 0 and value < divergence_tol:
        return StopReason.ARBITRAGE_FREE
    if alpha is not None and alpha < 1 and value - gap >= alpha * value:
        return StopReason.ALPHA
    return None


class _Active:
    """Active outcomes (rows of ``matrix``, free coordinates only) and convex weights.

    The rows live in a buffer that doubles when full: adding an outcome copies one row.
    """

    def __init__(self, outcomes: list[Outcome], weights: np.ndarray, free: np.ndarray) -> None:
        self.free = free
        self.outcomes = outcomes
        self.weights = weights
        self._rows = np.array(outcomes, dtype=np.float64)[:, free]
        self.position = {o: j for j, o in enumerate(outcomes)}

    @property
    def matrix(self) -> np.ndarray:
        return self._rows[: len(self.outcomes)]

    def mean(self) -> np.ndarray:
        return self.weights @ self.matrix

    def add(self, outcome: Outcome) -> None:
        if outcome in self.position:
            return
        size = len(self.outcomes)
        if size == self._rows.shape[0]:
            grown = np.empty((max(2 * size, 8), self._rows.shape[1]))
            grown[:size] = self._rows[:size]
            self._rows = grown
        self._rows[size] = np.array(outcome, dtype=np.float64)[self.free]
        self.position[outcome] = size
        self.outcomes.append(outcome)
        self.weights = np.append(self.weights, 0.0)

    def prune(self) -> None:
        keep = self.weights > 0
        if keep.all():
            return
        self._rows = self.matrix[keep]
        self.outcomes = [o for o, k in zip(self.outcomes, keep, strict=True) if k]
        self.weights = self.weights[keep] / self.weights[keep].sum()
        self.position = {o: j for j, o in enumerate(self.outcomes)}


def _corrective(
    state: _Active,
    interior: np.ndarray,
    epsilon: float,
    logit_theta: np.ndarray,
    *,
    tolerance: float,
    max_steps: int = 200,
    newton_steps: int = 30,
) -> None:
    """Re-optimize the active weights: Newton steps on the simplex, then pairwise steps.

    Newton: on the support (plus the best zero-weight vertex) minimize the quadratic model of
    D(w) under sum(w) = 1, then an exact line search that stops where a weight reaches zero.
    Pairwise Frank-Wolfe steps with exact line search finish whatever Newton leaves.
    """
    scale = 1 - epsilon
    offset = epsilon * interior
    mu = scale * state.mean() + offset
    for _ in range(newton_steps):
        if not _newton_step(state, mu, scale, offset, logit_theta, tolerance):
            break
    for _ in range(max_steps):
        grad = _logit(mu) - logit_theta
        scores = state.matrix @ grad
        toward = int(np.argmin(scores))
        support = np.flatnonzero(state.weights > 0)
        away = int(support[np.argmax(scores[support])])
        if scale * (float(state.weights @ scores) - scores[toward]) <= tolerance:
            break
        if away == toward:
            break
        direction_rows = state.matrix[toward] - state.matrix[away]
        moved = np.flatnonzero(direction_rows)
        if moved.size == 0:
            break
        step_max = float(state.weights[away])
        step = _line_search(mu[moved], scale * direction_rows[moved], logit_theta[moved], step_max)
        if step <= 0:
            break
        state.weights[toward] += step
        state.weights[away] -= step
        if state.weights[away] <= 1e-16:
            state.weights[toward] += state.weights[away]
            state.weights[away] = 0.0
        mu[moved] += step * scale * direction_rows[moved]
    state.prune()


def _newton_step(
    state: _Active,
    mu: np.ndarray,
    scale: float,
    offset: np.ndarray,
    logit_theta: np.ndarray,
    tolerance: float,
) -> bool:
    """Take one projected Newton step on the active weights (``mu`` updated in place).

    mu = scale * sum(w_j z_j) + offset. Return False when the active set is optimal within
    ``tolerance`` or no Newton progress is possible (the pairwise steps take over).
    """
    grad = _logit(mu) - logit_theta
    scores = state.matrix @ grad
    toward = int(np.argmin(scores))
    if scale * (float(state.weights @ scores) - scores[toward]) <= tolerance:
        return False
    support = state.weights > 0
    support[toward] = True
    face = np.flatnonzero(support)
    clipped = mu.clip(_CLIP, 1 - _CLIP)
    curvature = 1 / (clipped * (1 - clipped))
    rows = state.matrix if support.all() else state.matrix[face]  # no copy on the whole set
    direction = _newton_direction(rows, curvature, scale, scores[face])
    if direction is None:
        return False
    if state.weights[toward] <= 0 and direction[face == toward][0] < 0:
        # the added outcome has no weight to give: Newton on the support alone
        face = face[face != toward]
        rows = state.matrix[face]
        direction = _newton_direction(rows, curvature, scale, scores[face])
        if direction is None:
            return False
    if float(scores[face] @ direction) >= 0:
        return False
    shrinking = direction < 0
    if not shrinking.any():
        return False
    weights = state.weights[face]
    limits = weights[shrinking] / -direction[shrinking]
    top = float(limits.min())
    move = scale * (direction @ rows)
    moved = np.flatnonzero(move)
    if moved.size == 0 or top <= 0:
        return False
    step = _line_search(mu[moved], move[moved], logit_theta[moved], top)
    if step <= 0:
        return False
    weights = weights + step * direction
    if step >= top:
        weights[np.flatnonzero(shrinking)[limits.argmin()]] = 0.0
    weights[weights < 1e-16] = 0.0
    state.weights[face] = weights / weights.sum()
    mu[:] = scale * state.mean() + offset
    return True


def _newton_direction(rows, curvature, scale, scores) -> np.ndarray | None:
    """Return the Newton direction on convex weights of ``rows`` (sums to 0), None if singular.

    It minimizes the quadratic model scores . d + d' H d / 2 under sum(d) = 0, with
    H = scale * rows diag(curvature) rows' (lightly regularized: rows may be dependent).
    """
    scaled = rows * np.sqrt(scale * curvature)
    hessian = scaled @ scaled.T  # numpy's symmetric product (syrk): half the work
    size = rows.shape[0]
    kkt = np.zeros((size + 1, size + 1))
    kkt[:size, :size] = hessian
    kkt[:size, :size][np.diag_indices(size)] += 1e-10 * float(hessian.diagonal().max()) + 1e-300
    kkt[size, :size] = 1.0
    kkt[:size, size] = 1.0
    rhs = np.zeros(size + 1)
    rhs[:size] = -scores
    try:
        direction = np.linalg.solve(kkt, rhs)[:size]
    except np.linalg.LinAlgError:
        return None
    return direction - direction.mean()  # exactly on sum(d) = 0 despite rounding


def _line_search(mu: np.ndarray, direction: np.ndarray, logit_theta: np.ndarray, top: float):
    """Return argmin over [0, top] of the divergence along ``direction`` (safeguarded Newton)."""

    def slope_and_curvature(step: float) -> tuple[float, float]:
        point = (mu + step * direction).clip(_CLIP, 1 - _CLIP)
        slope = float(direction @ (np.log(point / (1 - point)) - logit_theta))
        return slope, float((direction * direction) @ (1 / (point * (1 - point))))

    start, curvature = slope_and_curvature(0.0)
    if start >= 0:
        return 0.0
    newton = -start / curvature  # the first Newton step from 0: usually near the minimum
    if newton >= top:
        end, _ = slope_and_curvature(top)
        if end <= 0:
            return top
    low, high = 0.0, top  # the slope is increasing (convex): the minimum is in [low, high]
    step = newton if newton < top else top / 2
    for _ in range(50):
        derivative, curvature = slope_and_curvature(step)
        if derivative > 0:
            high = step
        else:
            low = step
        if abs(derivative) <= 1e-6 * -start or high - low <= 1e-12 * top:
            break
        newton = step - derivative / curvature
        step = newton if low < newton < high else (low + high) / 2
    return step


def implied_trade(result: ProjectionResult, theta: Sequence[float], liquidity: float = 1.0):
    """Return the shares to buy (positive) or sell (negative) per security in an LMSR.

    Moving an independent LMSR with liquidity b from prices theta to mu takes
    b * (logit(mu_i) - logit(theta_i)) shares of security i: buy where mu > theta, sell where
    mu < theta. Settled coordinates (mu exactly 0 or 1) need unbounded trades: +-inf.
    """
    trade = []
    for m, p in zip(result.mu, theta, strict=True):
        if m >= 1:
            trade.append(math.inf)
        elif m <= 0:
            trade.append(-math.inf)
        else:
            trade.append(liquidity * (math.log(m / (1 - m)) - math.log(p / (1 - p))))
    return tuple(trade)
