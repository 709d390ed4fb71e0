"""Binance spot venue profile (beside the instrument rules of the same module)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.model.execution import Liquidity
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.fees import BpsFee
from pythia.sim.models.queue import RiskAverseQueue
from pythia.venues import profile_for
from pythia.venues.binance.profile import DEFAULT_PROFILE, make_instrument, make_profile

BTC = make_instrument("BTCUSDT")


def test_default_profile_rules():
    profile = DEFAULT_PROFILE
    assert profile.venue == "binance"
    assert profile.order_types == {OrderType.LIMIT, OrderType.MARKET}
    assert profile.time_in_force == {TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}
    assert TimeInForce.GTD not in profile.time_in_force  # spot has no GTD
    assert profile.supports_post_only  # LIMIT_MAKER
    assert not profile.supports_reduce_only
    assert not profile.complementary_matching
    assert profile.queue_model == RiskAverseQueue()


def test_default_fee_is_ten_bps_of_notional():
    assert DEFAULT_PROFILE.fee_model == BpsFee(Decimal(10), Decimal(10))
    # 0.5 BTC at 61837.63 (price units 0.01, size units 1e-8): notional 30918.815 USDT
    fee = DEFAULT_PROFILE.fee_model.fee_micros(BTC, 6_183_763, 50_000_000, Liquidity.TAKER)
    assert fee == 30_918_815


def test_fee_tier_is_configurable():
    profile = make_profile(maker_bps="7.5", taker_bps="7.5")
    fee = profile.fee_model.fee_micros(BTC, 6_000_000, 100_000_000, Liquidity.MAKER)
    assert fee == 45_000_000


def test_unknown_key_and_bad_value():
    with pytest.raises(ConfigError, match="valid keys: latency, maker_bps"):
        make_profile(fee_bps=10)
    with pytest.raises(ConfigError, match="taker_bps"):
        make_profile(taker_bps="-1")


def test_profile_for_dispatches_here():
    assert profile_for("binance") == DEFAULT_PROFILE
