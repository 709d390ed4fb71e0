"""Calibration statistics: hand-computed cases and a generated stream with known sigma, A, k."""

from __future__ import annotations

import math
import random

import pytest

from pythia.analytics.calibration import (
    MidSampler,
    ReachRecorder,
    choose_buckets,
    estimate_sigma,
    fit_intensity,
)
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import TopOfBook, Trade
from pythia.model.instruments import crypto_instrument
from pythia.service.calibrate import calibrate_events

S = 1_000_000_000


def test_mid_sampler_takes_the_previous_tick_on_a_grid():
    sampler = MidSampler(interval_ns=10)
    for ts, mid in ((0, 100.0), (15, 101.0), (32, 99.0), (40, 98.0)):
        sampler.on_mid(ts, mid)
    sampler.finish(50)
    # grid 0..50: 100, 100, 101, 101, 98 (the update at 40 counts at 40), 98
    assert sampler.count == 5
    assert sampler.sum_squares == pytest.approx(0 + 1 + 0 + 9 + 0)


def test_sigma_and_its_chi_square_interval_by_hand():
    estimate = estimate_sigma(count=100, sum_squares=4.0, interval_s=0.5)
    assert estimate.value == pytest.approx(math.sqrt(4.0 / 50.0))
    # chi2(100) 2.5% and 97.5% quantiles: 74.2219 and 129.5612
    assert estimate.low == pytest.approx(math.sqrt(4.0 / (0.5 * 129.5612)), rel=1e-5)
    assert estimate.high == pytest.approx(math.sqrt(4.0 / (0.5 * 74.2219)), rel=1e-5)
    with pytest.raises(DataError):
        estimate_sigma(1, 1.0, 1.0)


def test_reach_groups_prints_and_uses_the_quote_the_order_hit():
    recorder = ReachRecorder(lookback_ns=100)
    recorder.on_quote(0, 98, 102)  # mid 100
    recorder.on_quote(5, 95, 99)  # the book after the sweep, sent before its prints
    recorder.on_trade(6, 1000, 102, Side.BUY)  # first print at the old ask: mid x2 = 200
    recorder.on_trade(6, 1000, 105, Side.BUY)  # same order, deeper
    recorder.on_trade(7, 1001, 95, Side.SELL)  # next order hits the current bid 95: x2 194
    recorder.on_trade(8, 1002, 90, Side.SELL)  # no quote with bid 90: dropped
    recorder.finish()
    assert recorder.reaches_x2 == [2 * 105 - 200, 194 - 2 * 95]
    assert recorder.dropped["no_consistent_mid"] == 1 and recorder.trades == 4


def test_reach_of_unsigned_prints_uses_the_latest_mid():
    recorder = ReachRecorder()
    recorder.on_trade(0, 0, 100, None)  # no mid yet
    recorder.on_quote(1, 98, 102)
    recorder.on_trade(2, 5, 103, None)  # above the mid: a buy reaching 3
    recorder.on_trade(3, 6, 100, None)  # at the mid: no side
    recorder.on_trade(4, 7, 97, None)  # below: a sell reaching 3
    recorder.finish()
    assert recorder.reaches_x2 == [6, 6]
    assert recorder.dropped["no_mid"] == 1 and recorder.dropped["unsigned_at_mid"] == 1


def test_choose_buckets():
    assert choose_buckets([], 1.0) == 3
    assert choose_buckets([0.5] * 98 + [7.5] * 2, 1.0) == 9  # 99th pct 7.5: buckets 0..7 + 1
    assert choose_buckets([100.0] * 10, 1.0) == 20


def test_poisson_fit_recovers_exact_expected_counts():
    """Counts equal to their expectations give back A and k exactly."""
    a_true, k_true, width, exposure = 2.0, 3.0, 0.1, 1000.0
    distances = []
    for j in range(8):
        expected = (
            exposure
            * a_true
            * (math.exp(-k_true * j * width) - math.exp(-k_true * (j + 1) * width))
        )
        distances += [j * width + width / 2] * round(expected * 1000)
    fit = fit_intensity(distances, exposure * 1000, width, buckets=8)
    assert fit.k.value == pytest.approx(k_true, rel=1e-3)
    assert fit.A.value == pytest.approx(a_true, rel=1e-3)
    assert fit.k.low < k_true < fit.k.high


def test_fit_needs_two_distances_and_a_decay():
    with pytest.raises(DataError):
        fit_intensity([0.1] * 50, 100.0, 1.0)
    with pytest.raises(DataError):
        fit_intensity([0.5] * 5 + [1.5] * 50, 100.0, 1.0, buckets=2)


def generated_stream(sigma: float, a_rate: float, k: float, duration_s: int, seed: int):
    """Brownian mid (price units, 4 decimals, 1-unit half-spread) quoted every 100 ms;
    market orders arrive at ``a_rate`` per side and reach an Exp(k) depth past the mid."""
    rng = random.Random(seed)
    one, step_ns = 10_000, S // 10
    mid = 5000.0  # price units of 0.0001: mid 0.5
    events, trade_id = [], 0
    for step in range(duration_s * 10):
        ts = step * step_ns
        m = round(mid)
        events.append(TopOfBook("sim:X", m - 1, 10, m + 1, 10, ts, ts))
        t = ts + rng.expovariate(2 * a_rate) * S
        while t < ts + step_ns:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            reach = max(1, round(rng.expovariate(k) * one))
            sign = 1 if side is Side.BUY else -1
            for price in sorted({m + sign, m + sign * reach}, key=lambda p: sign * p):
                trade_id += 1
                events.append(Trade("sim:X", price, 1, side, str(trade_id), int(t), int(t)))
            t += rng.expovariate(2 * a_rate) * S
        mid += rng.gauss(0.0, sigma * one * math.sqrt(0.1))
    return events


def test_generated_stream_recovers_sigma_a_and_k_within_their_intervals():
    sigma, a_rate, k = 0.02, 3.0, 100.0
    instrument = crypto_instrument("sim:X", "sim", "X", 4, 0, "X", "USD")
    events = generated_stream(sigma, a_rate, k, duration_s=2000, seed=7)
    result = calibrate_events(events, "sim:X", lookup=lambda _: instrument, bucket_ticks=20)
    assert result.sigma.contains(sigma), result.sigma
    assert result.intensity.A.contains(a_rate), result.intensity.A
    assert result.intensity.k.contains(k), result.intensity.k
    assert result.sigma.value == pytest.approx(sigma, rel=0.05)
    assert result.intensity.k.value == pytest.approx(k, rel=0.05)
    document = result.as_dict()
    assert set(document) >= {"instrument", "sigma", "A", "k", "samples", "units"}
    assert document["samples"]["dropped"]["no_consistent_mid"] == 0
