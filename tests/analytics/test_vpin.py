"""VPIN on hand-computed buckets: exact trade signs and the bulk-volume fallback."""

from __future__ import annotations

import math

import pytest

from pythia.analytics.vpin import Vpin, normal_cdf
from pythia.model.enums import Side
from pythia.model.events import Trade

S = 1_000_000_000


def test_signed_trades_fill_buckets_and_split_at_the_boundary():
    vpin = Vpin(bucket_volume=10, window=2)
    assert vpin.value is None
    vpin.on_trade(0, 100, 4, Side.BUY)
    vpin.on_trade(1, 100, 3, Side.SELL)
    vpin.on_trade(2, 100, 5, Side.BUY)  # 3 complete bucket 1 (B 7, S 3), 2 carry over
    assert vpin.buckets_completed == 1
    assert vpin.value == pytest.approx(4 / 10)
    vpin.on_trade(3, 100, 8, Side.SELL)  # bucket 2: B 2, S 8
    assert vpin.value == pytest.approx((4 + 6) / 20) and vpin.is_ready
    vpin.on_trade(4, 100, 10, Side.BUY)  # bucket 3: B 10; bucket 1 leaves the window
    assert vpin.value == pytest.approx((6 + 10) / 20)


def test_one_trade_can_fill_several_buckets():
    vpin = Vpin(bucket_volume=10, window=3)
    vpin.on_trade(0, 100, 6, Side.SELL)
    vpin.on_trade(1, 100, 27, Side.BUY)  # (S 6, B 4), (B 10), (B 10), 3 left open
    assert vpin.buckets_completed == 3
    assert vpin.value == pytest.approx((2 + 10 + 10) / 30)
    assert vpin.signed_volume == 33


def test_balanced_flow_gives_zero():
    vpin = Vpin(bucket_volume=4, window=5)
    for n in range(20):
        vpin.on_trade(n, 100, 1, Side.BUY if n % 2 else Side.SELL)
    assert vpin.value == 0.0 and vpin.is_ready


def test_bvc_fallback_by_hand():
    vpin = Vpin(bucket_volume=10, window=1, bar_ns=60 * S)
    vpin.on_trade(0, 100, 4, None)
    vpin.on_trade(30 * S, 100, 6, None)  # bar 0: close 100, opened at 100: dP = 0
    vpin.on_trade(61 * S, 102, 10, None)  # closes bar 0: one change, dP = 0 -> 50/50
    assert vpin.value == 0.0
    vpin.flush(125 * S)  # bar 1: dP = 2; changes (0, 2): sample sd sqrt(2)
    assert vpin.bar_sigma == pytest.approx(math.sqrt(2))
    buy = normal_cdf(2 / math.sqrt(2))  # Z(sqrt 2) = (1 + erf(1)) / 2
    assert buy == pytest.approx((1 + math.erf(1)) / 2)
    assert vpin.value == pytest.approx(abs(10 * (1 - buy) - 10 * buy) / 10)
    assert vpin.value == pytest.approx(math.erf(1))
    assert vpin.classified_volume == 20


def test_bvc_falling_bar():
    vpin = Vpin(bucket_volume=5, window=1, bar_ns=10)
    vpin.on_trade(0, 50, 5, None)
    vpin.on_trade(11, 49, 5, None)  # closes bar 0 (dP 0)
    vpin.finish()  # bar 1: changes (0, -1) -> sd 0.7071: Z(-1.414)
    assert vpin.value == pytest.approx(math.erf(1))  # |1 - 2 Z(-sqrt 2)| = erf(1)


def test_bvc_single_change_uses_the_sign():
    vpin = Vpin(bucket_volume=5, window=1, bar_ns=10)
    vpin.on_trade(0, 10, 2, None)  # the first bar opens at 10 ...
    vpin.on_trade(5, 11, 3, None)  # ... and closes at 11: dP = +1, the only change
    vpin.finish()
    assert vpin.value == 1.0


def test_signed_and_unsigned_mix_in_time_order():
    vpin = Vpin(bucket_volume=10, window=2, bar_ns=10)
    vpin.on_trade(0, 100, 4, None)  # bar 0
    vpin.on_trade(12, 100, 10, Side.BUY)  # closes bar 0 first: 2 B + 2 S, then 6 B fill
    assert vpin.buckets_completed == 1
    assert vpin.value == pytest.approx((8 - 2) / 10)


def test_trade_events():
    vpin = Vpin(bucket_volume=2, window=1)
    vpin.on_trade_event(Trade("x", 100, 2, Side.SELL, "t1", ts_event_ns=0, ts_recv_ns=0))
    assert vpin.value == 1.0


def test_rejects_bad_parameters():
    with pytest.raises(ValueError):
        Vpin(bucket_volume=0)
