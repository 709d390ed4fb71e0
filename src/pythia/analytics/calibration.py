"""Calibrate market-making models from recorded data: volatility and fill intensity.

- **Volatility** from mid changes: the mid is sampled on a regular grid (previous-tick: the
  last mid at or before each grid point) and ``sigma^2 = sum(dm^2) / (n dt)`` (realized
  variance, zero mean), with the chi-square interval ``n s^2 / sigma^2 ~ chi2(n)``.
- **Fill intensity** ``lambda(delta) = A exp(-k delta)``: the rate at which a quote at depth
  ``delta`` from the mid would be hit, measured from trade arrivals, not from book shape.
  Prints with the same event time and aggressor are one market order, whose *reach* is its
  farthest print from the mid just before it (see :class:`ReachRecorder` for which mid that
  is when quotes and prints arrive out of order); a quote at depth ``delta`` fills when an
  order reaches at least ``delta``. Reaches are counted in buckets of width ``w`` starting at
  0; bucket ``j`` expects ``T A (e^{-k delta_j} - e^{-k delta_j+1})``, a Poisson log-linear
  model in ``delta_j`` fitted by maximum likelihood (Newton), with Wald intervals from the
  Fisher information scaled up by the deviance dispersion when the counts are overdispersed
  (orders cluster). ``A`` is per side: both sides are pooled over ``2 T``. The fit covers
  depths near the touch (by default at most 20 buckets); real reaches have heavier tails
  than an exponential (sweeps), which shows as a dispersion well above 1 and a ``k`` that
  falls as the fitted range grows.

Floats throughout (statistics, not accounting).

>>> sampler = MidSampler(interval_ns=10)
>>> for ts, mid in ((0, 100.0), (15, 101.0), (32, 99.0)):
...     sampler.on_mid(ts, mid)
>>> sampler.finish(40); sampler.count, sampler.sum_squares  # samples 100, 100, 101, 101, 99
(4, 5.0)
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, norm

from pythia.core.errors import DataError
from pythia.model.enums import Side

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its confidence interval."""

    value: float
    low: float
    high: float

    def as_dict(self) -> dict:
        return {"value": self.value, "interval": [self.low, self.high]}

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


# ---- volatility ----------------------------------------------------------------------------


class MidSampler:
    """Sample a mid on a regular grid (previous tick) and accumulate squared increments."""

    def __init__(self, interval_ns: int) -> None:
        if interval_ns <= 0:
            raise ValueError(f"interval_ns must be > 0, got {interval_ns}")
        self.interval_ns = interval_ns
        self.count = 0
        self.sum_squares = 0.0
        self.first_ns: int | None = None
        self.last_ns: int | None = None
        self._mid: float | None = None
        self._next_ns = 0
        self._last_sample: float | None = None

    def on_mid(self, ts_ns: int, mid: float) -> None:
        """Record that the mid is ``mid`` from ``ts_ns`` on (times going back count as now)."""
        if self.first_ns is None:
            self.first_ns = self.last_ns = self._next_ns = ts_ns
        ts_ns = max(ts_ns, self.last_ns)
        self._sample_before(ts_ns)
        self._mid = mid
        self.last_ns = ts_ns

    def finish(self, end_ns: int) -> None:
        """Take the grid samples up to and including ``end_ns``."""
        if self._mid is not None:
            self._sample_before(end_ns + 1)
            self.last_ns = max(self.last_ns, end_ns)

    def _sample_before(self, ts_ns: int) -> None:
        mid = self._mid
        if mid is None:
            return
        while self._next_ns < ts_ns:
            if self._last_sample is not None:
                change = mid - self._last_sample
                self.count += 1
                self.sum_squares += change * change
            self._last_sample = mid
            self._next_ns += self.interval_ns

    def estimate(self, confidence: float = 0.95) -> Estimate:
        """Return sigma per square root of a second."""
        return estimate_sigma(self.count, self.sum_squares, self.interval_ns / NS_PER_S, confidence)


def estimate_sigma(
    count: int, sum_squares: float, interval_s: float, confidence: float = 0.95
) -> Estimate:
    """Return sigma (per sqrt second) from ``count`` increments over ``interval_s`` each.

    The interval is exact for Gaussian increments: ``sum(dm^2) / sigma^2 dt ~ chi2(n)``.
    """
    if count < 2:
        raise DataError(f"need at least 2 mid increments to estimate sigma, got {count}")
    tail = (1.0 - confidence) / 2.0
    value = math.sqrt(sum_squares / (count * interval_s))
    low = math.sqrt(sum_squares / (interval_s * chi2.ppf(1.0 - tail, count)))
    high = math.sqrt(sum_squares / (interval_s * chi2.ppf(tail, count)))
    return Estimate(value, low, high)


# ---- trade arrivals ------------------------------------------------------------------------


class ReachRecorder:
    """Group prints into market orders and record each order's reach from the mid before it.

    Prices are integers and a mid is kept as ``bid + ask`` (twice the mid), so reaches are
    exact in half price units. Feeds do not order quotes and trades reliably (Binance sends
    the ``bookTicker`` a sweep produced before the sweep's prints, and prints may arrive
    after the book moved on), so the mid *before* an order is that of the latest quote,
    within ``lookback_ns``, whose best price on the side it hit equals its first print (a
    taker fills at the best price first): for a buy, the latest quote with that ask; for a
    sell, with that bid. An order with no such quote is dropped. A print without an aggressor
    takes its side from the latest mid (above it: a buy; at it: dropped) and is measured from
    that mid. Dropped orders are counted by reason.
    """

    def __init__(self, lookback_ns: int = NS_PER_S, history: int = 256) -> None:
        self.lookback_ns = lookback_ns
        self.reaches_x2: list[int] = []
        self.trades = 0
        self.dropped = {"no_mid": 0, "no_consistent_mid": 0, "unsigned_at_mid": 0}
        self._quotes: deque[tuple[int, int, int]] = deque(maxlen=history)
        self._key: tuple[int, Side] | None = None
        self._mid_x2 = 0
        self._reach_x2 = 0

    def on_quote(self, ts_ns: int, bid: int, ask: int) -> None:
        """Record best prices from ``ts_ns`` on (a crossed or locked quote is ignored)."""
        if bid < ask:
            self._quotes.append((ts_ns, bid, ask))

    def on_trade(self, ts_ns: int, ts_event_ns: int, price: int, aggressor: Side | None) -> None:
        """Record a print received at ``ts_ns``; prints of one order share ``ts_event_ns``."""
        self.trades += 1
        side = aggressor
        if not self._quotes:
            self.dropped["no_mid"] += 1
            return
        if side is None:
            _, bid, ask = self._quotes[-1]
            twice, mid_x2 = 2 * price, bid + ask
            side = Side.BUY if twice > mid_x2 else Side.SELL if twice < mid_x2 else None
            if side is None:
                self.dropped["unsigned_at_mid"] += 1
                return
        key = (ts_event_ns, side)
        if key != self._key:
            self._close()
            mid_x2 = self._mid_before(ts_ns, price, side, aggressor is None)
            if mid_x2 is None:
                self.dropped["no_consistent_mid"] += 1
                return
            self._key, self._mid_x2, self._reach_x2 = key, mid_x2, -(2**62)
        reach = 2 * price - self._mid_x2 if side is Side.BUY else self._mid_x2 - 2 * price
        self._reach_x2 = max(self._reach_x2, reach)

    def finish(self) -> None:
        """Close the last order."""
        self._close()

    def _mid_before(self, ts_ns: int, price: int, side: Side, inferred: bool) -> int | None:
        if inferred:
            _, bid, ask = self._quotes[-1]
            return bid + ask
        oldest = ts_ns - self.lookback_ns
        for quote_ns, bid, ask in reversed(self._quotes):
            if quote_ns < oldest:
                break
            if (ask == price) if side is Side.BUY else (bid == price):
                return bid + ask
        return None

    def _close(self) -> None:
        if self._key is not None:
            self.reaches_x2.append(max(self._reach_x2, 0))
            self._key = None


@dataclass(frozen=True, slots=True)
class IntensityFit:
    """``lambda(delta) = A exp(-k delta)`` per side, with the data it was fitted to."""

    A: Estimate
    k: Estimate
    bucket_width: float
    counts: tuple[int, ...]
    exposure_s: float
    dispersion: float
    beyond: int
    """Orders reaching past the last bucket (not used by the fit)."""


DEFAULT_MAX_BUCKETS = 20


def choose_buckets(
    distances: Sequence[float], bucket_width: float, max_buckets: int = DEFAULT_MAX_BUCKETS
) -> int:
    """Return how many buckets to fit: enough for the 99th percentile of the distances, at
    least 3 and at most ``max_buckets`` (the fit describes depths near the touch, where quotes
    rest; a heavy tail of sweeps beyond would otherwise flatten ``k``)."""
    values = np.asarray(distances, dtype=float)
    top = float(np.quantile(values, 0.99)) if values.size else 0.0
    return min(max_buckets, max(3, math.floor(top / bucket_width) + 2))


def fit_intensity(
    distances: Sequence[float],
    exposure_s: float,
    bucket_width: float,
    buckets: int | None = None,
    confidence: float = 0.95,
) -> IntensityFit:
    """Fit ``A`` and ``k`` to order reaches (``distances >= 0``) by Poisson regression.

    ``exposure_s`` is the observed time summed over sides (``2 T`` for both sides of a
    book). ``buckets`` defaults to :func:`choose_buckets`; orders beyond the last bucket are
    left out (each bucket's expectation is exact on its own, so the cut biases nothing).
    """
    if exposure_s <= 0 or bucket_width <= 0:
        raise DataError("need a positive exposure time and bucket width")
    values = np.asarray(distances, dtype=float)
    if buckets is None:
        buckets = choose_buckets(values, bucket_width)
    index = np.floor(values / bucket_width).astype(np.int64)
    inside = (index >= 0) & (index < buckets)
    counts = np.bincount(index[inside], minlength=buckets).astype(float)
    if np.count_nonzero(counts) < 2:
        raise DataError(
            f"fill intensity needs orders at two distances at least, got {int(counts.sum())}"
            f" orders in {np.count_nonzero(counts)} bucket(s) of {bucket_width:g}"
        )
    starts = np.arange(buckets, dtype=float) * bucket_width
    (a, k), covariance, dispersion = _poisson_log_linear(starts, counts)
    if k <= 0:
        raise DataError(f"trade arrivals do not decay with distance from the mid (k = {k:.4g})")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    decay = -math.expm1(-k * bucket_width)  # 1 - exp(-k w)
    log_a = a - math.log(exposure_s) - math.log(decay)
    gradient = np.array([1.0, -bucket_width * math.exp(-k * bucket_width) / decay])
    se_log_a = math.sqrt(max(float(gradient @ covariance @ gradient), 0.0))
    se_k = math.sqrt(max(float(covariance[1, 1]), 0.0))
    return IntensityFit(
        A=Estimate(math.exp(log_a), math.exp(log_a - z * se_log_a), math.exp(log_a + z * se_log_a)),
        k=Estimate(k, k - z * se_k, k + z * se_k),
        bucket_width=bucket_width,
        counts=tuple(int(c) for c in counts),
        exposure_s=exposure_s,
        dispersion=dispersion,
        beyond=int(np.count_nonzero(index >= buckets)),
    )


def _poisson_log_linear(
    x: np.ndarray, counts: np.ndarray, iterations: int = 100
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit ``log E[n] = a - k x`` by Poisson MLE; return ``(a, k)``, their covariance and the
    dispersion factor applied to it (deviance / dof, at least 1: robust to empty tails)."""
    design = np.column_stack([np.ones_like(x), -x])
    weights = counts + 0.5
    beta = np.linalg.lstsq(
        design * np.sqrt(weights)[:, None], np.log(weights) * np.sqrt(weights), rcond=None
    )[0]

    def deviance(b: np.ndarray) -> float:
        mu = np.exp(design @ b)
        return float(np.sum(mu - counts * (design @ b)))

    current = deviance(beta)
    for _ in range(iterations):
        mu = np.exp(design @ beta)
        score = design.T @ (counts - mu)
        information = design.T @ (design * mu[:, None])
        step = np.linalg.solve(information, score)
        scale = 1.0
        while scale > 1e-8:
            candidate = beta + scale * step
            value = deviance(candidate)
            if value <= current + 1e-12:
                break
            scale /= 2.0
        beta, previous, current = candidate, current, value
        if abs(previous - current) < 1e-12 * (1.0 + abs(current)):
            break
    mu = np.exp(design @ beta)
    information = design.T @ (design * mu[:, None])
    dof = counts.size - 2
    positive = counts > 0
    deviance_sum = 2.0 * float(
        np.sum(counts[positive] * np.log(counts[positive] / mu[positive])) - np.sum(counts - mu)
    )
    dispersion = max(1.0, deviance_sum / dof) if dof > 0 else 1.0
    return beta, np.linalg.inv(information) * dispersion, dispersion
