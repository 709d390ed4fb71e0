"""Bybit venue profile (v5 linear perpetuals): order rules and default simulation models.

- Order types LIMIT and MARKET; time in force GTC, IOC and FOK (Bybit's ``PostOnly`` time in
  force is the post-only flag here); no GTD.
- ``post_only`` and ``reduce_only`` (``reduceOnly``) are supported.
- Fees: :class:`~pythia.sim.models.fees.BpsFee`, 2 bps maker and 5.5 bps taker of the
  notional (the base tier for derivatives), configurable per account tier.
- Queue: risk-averse by default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import PROFILE_KEYS, check_keys, config_decimal, profile_models
from pythia.sim.models.fees import BpsFee
from pythia.sim.models.queue import RiskAverseQueue

VENUE = "bybit"
FEE_KEYS = ("maker_bps", "taker_bps")
DEFAULT_MAKER_BPS = Decimal(2)
DEFAULT_TAKER_BPS = Decimal("5.5")


def make_profile(**config: Any) -> VenueProfile:
    """Build the Bybit linear-perpetual profile. Keys: ``maker_bps`` (default 2),
    ``taker_bps`` (default 5.5), and the shared ``latency``, ``queue``,
    ``min_notional_micros``."""
    where = f"{VENUE} profile"
    check_keys(config, FEE_KEYS + PROFILE_KEYS, where)
    fee = BpsFee(
        config_decimal(config, "maker_bps", DEFAULT_MAKER_BPS, where),
        config_decimal(config, "taker_bps", DEFAULT_TAKER_BPS, where),
    )
    return VenueProfile(
        venue=VENUE,
        fee_model=fee,
        order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
        time_in_force=frozenset({TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}),
        supports_post_only=True,
        supports_reduce_only=True,
        complementary_matching=False,
        **profile_models(config, RiskAverseQueue(), where),
    )


DEFAULT_PROFILE = make_profile()
