"""Betfair venue profile: order rules and settlement commission."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.fees import SettlementOnlyFee
from pythia.sim.models.queue import RiskAverseQueue
from pythia.venues import profile_for
from pythia.venues.betfair.profile import DEFAULT_PROFILE, make_profile


def test_default_profile_rules():
    profile = DEFAULT_PROFILE
    assert profile.venue == "betfair"
    assert profile.order_types == {OrderType.LIMIT}
    assert profile.time_in_force == {TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}
    assert not profile.supports_post_only
    assert not profile.supports_reduce_only
    assert not profile.complementary_matching
    assert profile.fee_model == SettlementOnlyFee()
    assert profile.settlement_commission_bps == 500
    assert profile.queue_model == RiskAverseQueue()


def test_market_base_rate_is_configurable():
    assert make_profile(settlement_commission_bps=200).settlement_commission_bps == 200
    assert profile_for("betfair", settlement_commission_bps=0).settlement_commission_bps == 0


@pytest.mark.parametrize("bps", [-1, 10_001, 5.0, "5"])
def test_bad_commission(bps):
    with pytest.raises(ConfigError, match="settlement_commission_bps"):
        make_profile(settlement_commission_bps=bps)


def test_unknown_key():
    with pytest.raises(ConfigError, match="valid keys: latency, min_notional_micros, queue"):
        make_profile(commission=5)
