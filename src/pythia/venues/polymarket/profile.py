"""Polymarket venue profile: order rules and default simulation models.

- Order types LIMIT and MARKET: every Polymarket order is a limit order; a market order is a
  marketable limit (FOK or FAK) that walks the book.
- Time in force GTC, GTD (``expiration``), FOK and FAK (``TimeInForce.IOC``).
- ``post_only`` exists but only with GTC or GTD (the client refuses it otherwise); the
  profile has one flag, so the simulator enforces the GTC/GTD restriction.
- No reduce-only orders.
- Complementary matching: a YES bid at x matches a NO bid at 1 - x or more (mint match) and
  two asks summing to 1 or less merge, so a YES bid acts as a NO ask.
- Fees: :class:`~pythia.sim.models.fees.ProbabilityPowerFee`. Rates are per market
  (``GET /clob-markets/{condition_id}`` -> ``fd: {r, e, to}``, see :func:`fee_model_from_fd`);
  the profile's default is rate 0 (a fee-free market), exponent 1, takers only, unless
  configured. Category rates are never hard-coded here.
- Queue: risk-averse by default (only trades advance a resting order).

>>> make_profile(fee_rate="0.072").fee_model.rate
Decimal('0.072')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import (
    PROFILE_KEYS,
    check_keys,
    config_bool,
    config_decimal,
    config_int,
    profile_models,
)
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.sim.models.queue import RiskAverseQueue

VENUE = "polymarket"
FEE_KEYS = ("fee_rate", "fee_exponent", "fee_taker_only")


def fee_model_from_fd(fd: Mapping[str, Any]) -> ProbabilityPowerFee:
    """Build a market's fee model from its ``fd`` (``{"r": rate, "e": exponent, "to":
    takerOnly}`` from ``GET /clob-markets/{condition_id}``)."""
    where = "polymarket fd"
    check_keys(fd, ("r", "e", "to"), where)
    return ProbabilityPowerFee(
        config_decimal(fd, "r", Decimal(0), where),
        config_int(fd, "e", 1, where),
        config_bool(fd, "to", True, where),
    )


def make_profile(**config: Any) -> VenueProfile:
    """Build the Polymarket profile. Keys: ``fee_rate`` (default "0"), ``fee_exponent``
    (1), ``fee_taker_only`` (true), and the shared ``latency``, ``queue``,
    ``min_notional_micros``."""
    where = f"{VENUE} profile"
    check_keys(config, FEE_KEYS + PROFILE_KEYS, where)
    fee = ProbabilityPowerFee(
        config_decimal(config, "fee_rate", Decimal(0), where),
        config_int(config, "fee_exponent", 1, where),
        config_bool(config, "fee_taker_only", True, where),
    )
    return VenueProfile(
        venue=VENUE,
        fee_model=fee,
        order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
        time_in_force=frozenset(
            {TimeInForce.GTC, TimeInForce.GTD, TimeInForce.FOK, TimeInForce.IOC}
        ),
        supports_post_only=True,
        supports_reduce_only=False,
        complementary_matching=True,
        **profile_models(config, RiskAverseQueue(), where),
    )


DEFAULT_PROFILE = make_profile()
