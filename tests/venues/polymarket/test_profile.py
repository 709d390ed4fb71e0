"""Polymarket venue profile: order rules, per-market fee parameters, overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.model.execution import Liquidity
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.sim.models.latency import ConstantLatency
from pythia.sim.models.queue import ProbabilisticQueue, RiskAverseQueue
from pythia.venues import profile_for
from pythia.venues.polymarket.markets import outcome_token
from pythia.venues.polymarket.profile import DEFAULT_PROFILE, fee_model_from_fd, make_profile

TOKEN = outcome_token("123", market_id="0xabc", outcome="Yes")


def test_default_profile_rules():
    profile = DEFAULT_PROFILE
    assert profile.venue == "polymarket"
    assert profile.order_types == {OrderType.LIMIT, OrderType.MARKET}
    assert profile.time_in_force == {
        TimeInForce.GTC,
        TimeInForce.GTD,
        TimeInForce.FOK,
        TimeInForce.IOC,
    }
    assert profile.supports_post_only
    assert not profile.supports_reduce_only
    assert profile.complementary_matching
    assert profile.settlement_commission_bps == 0
    assert profile.queue_model == RiskAverseQueue()


def test_default_fee_is_a_fee_free_market_until_configured():
    assert DEFAULT_PROFILE.fee_model == ProbabilityPowerFee(Decimal(0), 1, True)
    assert DEFAULT_PROFILE.fee_model.fee_micros(TOKEN, 5_000, 100_000_000, Liquidity.TAKER) == 0


def test_configured_rate_gives_the_worked_example():
    profile = make_profile(fee_rate="0.072", fee_exponent=1)
    fee = profile.fee_model.fee_micros(TOKEN, 5_000, 100_000_000, Liquidity.TAKER)
    assert fee == 1_800_000
    assert profile.fee_model.fee_micros(TOKEN, 5_000, 100_000_000, Liquidity.MAKER) == 0


def test_fee_model_from_market_fd():
    assert fee_model_from_fd({"r": 0.03, "e": 1, "to": True}) == ProbabilityPowerFee(
        Decimal("0.03")
    )
    assert fee_model_from_fd({"r": "0.25", "e": 2}) == ProbabilityPowerFee(Decimal("0.25"), 2)
    with pytest.raises(ConfigError, match="valid keys: e, r, to"):
        fee_model_from_fd({"rate": "0.03"})


def test_overrides_of_shared_models():
    profile = make_profile(
        latency={"order_entry": {"model": "constant", "ms": 40}},
        queue={"model": "probabilistic", "power": 2},
        min_notional_micros=1_000_000,
    )
    assert profile.latency.order_entry == ConstantLatency(40_000_000)
    assert profile.queue_model == ProbabilisticQueue(2)
    assert profile.min_notional_micros == 1_000_000


def test_unknown_keys_list_the_valid_ones():
    with pytest.raises(ConfigError, match="fee_exponent, fee_rate, fee_taker_only, latency"):
        make_profile(rate="0.072")


def test_profile_for_dispatches_here():
    assert profile_for("polymarket") == DEFAULT_PROFILE
    assert profile_for("Polymarket", fee_rate="0.04") == make_profile(fee_rate="0.04")
