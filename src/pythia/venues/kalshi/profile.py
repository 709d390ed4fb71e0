"""Kalshi venue profile: order rules and default simulation models.

- Order types LIMIT and MARKET (``type``), time in force GTC (``good_till_canceled``), GTD
  (an ``expiration_ts``), FOK (``fill_or_kill``) and IOC (``immediate_or_cancel``).
- ``post_only`` and ``reduce_only`` are order fields.
- Complementary matching: books hold bids only; a YES bid at x is a NO ask at 1 - x.
- Fees: :class:`~pythia.sim.models.fees.CentRoundedProbabilityFee`,
  ``ceil(0.07 x C x P(1 - P))`` to the cent for takers; makers pay only on series with
  maker fees (``maker_coefficient``, 0.0175 since July 2025), so the default charges makers
  nothing.
- Queue: risk-averse by default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import (
    PROFILE_KEYS,
    check_keys,
    config_decimal,
    config_int,
    profile_models,
)
from pythia.sim.models.fees import CentRoundedProbabilityFee
from pythia.sim.models.queue import RiskAverseQueue

VENUE = "kalshi"
FEE_KEYS = ("taker_coefficient", "maker_coefficient", "fee_decimals")
STANDARD_TAKER_COEFFICIENT = Decimal("0.07")


def make_profile(**config: Any) -> VenueProfile:
    """Build the Kalshi profile. Keys: ``taker_coefficient`` (default "0.07"),
    ``maker_coefficient`` (none: makers pay nothing; "0.0175" on maker-fee series),
    ``fee_decimals`` (2: rounded up to the cent), and the shared ``latency``, ``queue``,
    ``min_notional_micros``."""
    where = f"{VENUE} profile"
    check_keys(config, FEE_KEYS + PROFILE_KEYS, where)
    maker = config.get("maker_coefficient")
    fee = CentRoundedProbabilityFee(
        config_decimal(config, "taker_coefficient", STANDARD_TAKER_COEFFICIENT, where),
        None if maker is None else config_decimal(config, "maker_coefficient", None, where),
        config_int(config, "fee_decimals", 2, where),
    )
    return VenueProfile(
        venue=VENUE,
        fee_model=fee,
        order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
        time_in_force=frozenset(
            {TimeInForce.GTC, TimeInForce.GTD, TimeInForce.FOK, TimeInForce.IOC}
        ),
        supports_post_only=True,
        supports_reduce_only=True,
        complementary_matching=True,
        **profile_models(config, RiskAverseQueue(), where),
    )


DEFAULT_PROFILE = make_profile()
