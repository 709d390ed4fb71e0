"""Bybit linear-perpetual venue profile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.model.execution import Liquidity
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.fees import BpsFee
from pythia.sim.models.queue import RiskAverseQueue
from pythia.venues import profile_for
from pythia.venues.bybit.parse import make_instrument
from pythia.venues.bybit.profile import DEFAULT_PROFILE, make_profile

BTC = make_instrument("BTCUSDT", 1, 3)


def test_default_profile_rules():
    profile = DEFAULT_PROFILE
    assert profile.venue == "bybit"
    assert profile.order_types == {OrderType.LIMIT, OrderType.MARKET}
    assert profile.time_in_force == {TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}
    assert profile.supports_post_only
    assert profile.supports_reduce_only
    assert not profile.complementary_matching
    assert profile.queue_model == RiskAverseQueue()


def test_default_fees_two_and_five_and_a_half_bps():
    assert DEFAULT_PROFILE.fee_model == BpsFee(Decimal(2), Decimal("5.5"))
    # 0.1 BTC at 60000.0: notional 6000 USDT; taker 3.30, maker 1.20
    fee = DEFAULT_PROFILE.fee_model
    assert fee.fee_micros(BTC, 600_000, 100, Liquidity.TAKER) == 3_300_000
    assert fee.fee_micros(BTC, 600_000, 100, Liquidity.MAKER) == 1_200_000


def test_overrides_and_errors():
    assert make_profile(maker_bps=0).fee_model.maker_bps == 0
    with pytest.raises(ConfigError, match="valid keys: latency, maker_bps"):
        make_profile(maker=1)


def test_profile_for_dispatches_here():
    assert profile_for("bybit", taker_bps="5.5") == DEFAULT_PROFILE
