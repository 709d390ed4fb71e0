"""Drawdown and daily-loss guards on hand-computed equity sequences (micro-units)."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.risk import ControlMode, ControlSource, DailyLossGuard, DrawdownGuard
from pythia.risk.limits import NS_PER_DAY

ONE = 1_000_000


def modes(guard, equities, **kwargs):
    """The mode value each update asks for (None for no request)."""
    result = []
    for ts_ns, equity in enumerate(equities):
        request = guard.on_equity(equity * ONE, ts_ns, **kwargs)
        result.append(None if request is None else request.mode.value)
    return result


def test_drawdown_tracks_the_peak():
    guard = DrawdownGuard("USDC", soft="100", hard="300")

    asked = modes(guard, [1000, 1100, 1001, 1000, 1050, 801, 800])

    # drawdowns from the peak 1100: 99, 100 (soft), 50, 299, 300 (hard)
    assert asked == [None, None, None, "reduce_only", None, "reduce_only", "flatten"]
    assert guard.peak_micros == 1100 * ONE


def test_drawdown_soft_is_a_level_hard_latches():
    guard = DrawdownGuard("USDC", soft="100", hard="300")

    asked = modes(guard, [1000, 899, 950, 700, 1000, 1200])

    assert asked == [None, "reduce_only", None, "flatten", "flatten", "flatten"]
    assert guard.is_hard_tripped


def test_drawdown_hard_then_stop_when_flat():
    guard = DrawdownGuard("USDC", hard="300")
    guard.on_equity(1000 * ONE, 0)

    flatten = guard.on_equity(700 * ONE, 1)
    stop = guard.on_equity(700 * ONE, 2, is_flat=True)

    assert (flatten.mode, flatten.source, flatten.reason) == (
        ControlMode.FLATTEN,
        ControlSource.LIMIT,
        "drawdown_hard",
    )
    assert stop.mode is ControlMode.KILLED
    guard.reset()
    assert guard.on_equity(700 * ONE, 3) is None
    assert guard.peak_micros == 700 * ONE


def test_drawdown_fractions_of_the_peak():
    guard = DrawdownGuard("USDC", soft_fraction="0.1", hard_fraction="0.25")

    asked = modes(guard, [1000, 1100, 991, 990, 826, 825])

    # peak 1100: soft at a drawdown of 110 (equity 990), hard at 275 (equity 825)
    assert asked == [None, None, None, "reduce_only", "reduce_only", "flatten"]


def test_drawdown_fraction_ignored_without_a_positive_peak():
    guard = DrawdownGuard("USDC", soft_fraction="0.1")

    assert modes(guard, [0, -5, -50]) == [None, None, None]


def test_drawdown_refuses_floats():
    with pytest.raises(ConfigError):
        DrawdownGuard("USDC", soft_fraction=0.1)


def test_daily_loss_resets_at_the_utc_day_boundary():
    guard = DailyLossGuard("USD", "5")
    day = NS_PER_DAY

    asked = [
        guard.on_equity(equity * ONE, ts_ns)
        for ts_ns, equity in [
            (3 * day + 10, 100),  # the day's baseline
            (3 * day + 20, 96),  # lost 4
            (4 * day - 1, 95),  # lost 5: the limit, still day 3
            (4 * day, 95),  # a new day: baseline 95
            (4 * day + 5, 91),
            (4 * day + 6, 89),  # lost 6
        ]
    ]

    assert [None if r is None else r.reason for r in asked] == [
        None,
        None,
        "daily_loss",
        None,
        None,
        "daily_loss",
    ]
    assert asked[2].mode is ControlMode.REDUCE_ONLY
    assert asked[2].subject == "USD"


def test_daily_loss_mode_is_configurable():
    guard = DailyLossGuard("USD", "1", mode=ControlMode.FLATTEN)
    guard.on_equity(10 * ONE, 0)

    assert guard.on_equity(9 * ONE, 1).mode is ControlMode.FLATTEN
