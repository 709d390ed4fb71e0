"""Performance statistics of an equity curve (floats are fine here: analytics, not accounting).

The curve is a list of ``(ts_ns, equity_micros)`` samples taken at a fixed interval; Sharpe
is computed from the per-interval returns and annualised with the number of such intervals
in a 365-day year, and the report states that sampling frequency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

NS_PER_YEAR = 365 * 24 * 3600 * 10**9


@dataclass(frozen=True, slots=True)
class Drawdown:
    max_drawdown_micros: int
    """Largest fall from a running peak, in micro-units (exact)."""
    max_drawdown_fraction: float
    """The same fall as a fraction of that peak."""
    peak_ts_ns: int
    trough_ts_ns: int


def max_drawdown(curve: list[tuple[int, int]]) -> Drawdown:
    """The largest peak-to-trough fall of an equity curve."""
    peak_value, peak_ts = None, 0
    worst = Drawdown(0, 0.0, 0, 0)
    for ts, value in curve:
        if peak_value is None or value > peak_value:
            peak_value, peak_ts = value, ts
            continue
        fall = peak_value - value
        if fall > worst.max_drawdown_micros:
            fraction = fall / peak_value if peak_value > 0 else 0.0
            worst = Drawdown(fall, fraction, peak_ts, ts)
    return worst


def drawdown_series(curve: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(ts_ns, peak - equity)`` at every sample."""
    result, peak = [], None
    for ts, value in curve:
        peak = value if peak is None else max(peak, value)
        result.append((ts, peak - value))
    return result


def sharpe_ratio(curve: list[tuple[int, int]], interval_ns: int) -> float | None:
    """Annualised Sharpe ratio of per-interval simple returns (risk-free rate 0).

    None when there are fewer than two returns or no variation.
    """
    returns = []
    for (_, before), (_, after) in zip(curve, curve[1:], strict=False):
        if before > 0:
            returns.append(after / before - 1.0)
    if len(returns) < 2:
        return None
    mean = sum(returns) / len(returns)
    variance = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    if variance <= 0:
        return None
    return mean / math.sqrt(variance) * math.sqrt(NS_PER_YEAR / interval_ns)


def describe_interval(interval_ns: int) -> str:
    """'1s', '250ms', '1m' ... for reports."""
    for unit, size in (("h", 3600 * 10**9), ("m", 60 * 10**9), ("s", 10**9), ("ms", 10**6)):
        if interval_ns % size == 0:
            return f"{interval_ns // size}{unit}"
    return f"{interval_ns}ns"
