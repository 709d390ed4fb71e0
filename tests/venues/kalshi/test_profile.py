"""Kalshi venue profile: order rules, fee coefficients, overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.model.execution import Liquidity
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.fees import CentRoundedProbabilityFee
from pythia.sim.models.queue import RiskAverseQueue
from pythia.venues import profile_for
from pythia.venues.kalshi.markets import default_market_definitions
from pythia.venues.kalshi.profile import DEFAULT_PROFILE, make_profile

YES = default_market_definitions("KXTEST-26")[0]
HALF = 5_000
CONTRACTS_10 = 1_000


def test_default_profile_rules():
    profile = DEFAULT_PROFILE
    assert profile.venue == "kalshi"
    assert profile.order_types == {OrderType.LIMIT, OrderType.MARKET}
    assert profile.time_in_force == {
        TimeInForce.GTC,
        TimeInForce.GTD,
        TimeInForce.FOK,
        TimeInForce.IOC,
    }
    assert profile.supports_post_only
    assert profile.supports_reduce_only
    assert profile.complementary_matching
    assert profile.queue_model == RiskAverseQueue()


def test_default_fee_charges_takers_only():
    assert DEFAULT_PROFILE.fee_model == CentRoundedProbabilityFee(Decimal("0.07"), None)
    assert DEFAULT_PROFILE.fee_model.fee_micros(YES, HALF, CONTRACTS_10, Liquidity.TAKER) == (
        180_000
    )
    assert DEFAULT_PROFILE.fee_model.fee_micros(YES, HALF, CONTRACTS_10, Liquidity.MAKER) == 0


def test_maker_fee_series():
    profile = make_profile(maker_coefficient="0.0175")
    assert profile.fee_model.fee_micros(YES, HALF, CONTRACTS_10, Liquidity.MAKER) == 50_000


def test_bad_and_unknown_keys():
    with pytest.raises(ConfigError, match="valid keys: fee_decimals, latency, maker_coefficient"):
        make_profile(maker_fee="0.0175")
    with pytest.raises(ConfigError, match="maker_coefficient"):
        make_profile(maker_coefficient="-1")


def test_profile_for_dispatches_here():
    assert profile_for("kalshi", taker_coefficient="0.035") == make_profile(
        taker_coefficient="0.035"
    )
