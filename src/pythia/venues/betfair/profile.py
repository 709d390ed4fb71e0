"""Betfair Exchange venue profile: order rules and default simulation models.

- Order type LIMIT only (``LIMIT_ON_CLOSE`` / ``MARKET_ON_CLOSE`` take part in the starting
  price reconciliation and are not modelled).
- Time in force GTC (a resting limit; ``persistenceType`` LAPSE / PERSIST / MARKET_ON_CLOSE at
  the in-play turn is not modelled), FOK and IOC: both are Betfair's ``FILL_OR_KILL``, which
  takes a ``minFillSize`` (the full size for FOK; less for an IOC-like order).
- No post-only or reduce-only orders; no complementary matching (back and lay on one runner's
  odds ladder).
- Fees: nothing per fill (:class:`~pythia.sim.models.fees.SettlementOnlyFee`); commission is charged
  on each market's net winnings at settlement at the market base rate,
  ``settlement_commission_bps`` (default 500 = 5%; the real rate is ``marketBaseRate`` in
  each market definition).
- Queue: risk-averse by default.
"""

from __future__ import annotations

from typing import Any

from pythia.core.errors import ConfigError
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import PROFILE_KEYS, check_keys, config_int, profile_models
from pythia.sim.models.fees import SettlementOnlyFee
from pythia.sim.models.queue import RiskAverseQueue

VENUE = "betfair"
FEE_KEYS = ("settlement_commission_bps",)
DEFAULT_COMMISSION_BPS = 500


def make_profile(**config: Any) -> VenueProfile:
    """Build the Betfair profile. Keys: ``settlement_commission_bps`` (default 500), and the
    shared ``latency``, ``queue``, ``min_notional_micros``."""
    where = f"{VENUE} profile"
    check_keys(config, FEE_KEYS + PROFILE_KEYS, where)
    commission = config_int(config, "settlement_commission_bps", DEFAULT_COMMISSION_BPS, where)
    if commission > 10_000:
        raise ConfigError(f"{where}.settlement_commission_bps: at most 10000, got {commission}")
    return VenueProfile(
        venue=VENUE,
        fee_model=SettlementOnlyFee(),
        order_types=frozenset({OrderType.LIMIT}),
        time_in_force=frozenset({TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}),
        supports_post_only=False,
        supports_reduce_only=False,
        complementary_matching=False,
        settlement_commission_bps=commission,
        **profile_models(config, RiskAverseQueue(), where),
    )


DEFAULT_PROFILE = make_profile()
