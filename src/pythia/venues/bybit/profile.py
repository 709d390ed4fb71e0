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

from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import bps_venue_profile

VENUE = "bybit"
DEFAULT_MAKER_BPS = Decimal(2)
DEFAULT_TAKER_BPS = Decimal("5.5")


def make_profile(**config: Any) -> VenueProfile:
    """Build the Bybit linear-perpetual profile. Keys: ``maker_bps`` (default 2),
    ``taker_bps`` (default 5.5), and the shared ``latency``, ``queue``,
    ``min_notional_micros``."""
    return bps_venue_profile(VENUE, config, DEFAULT_MAKER_BPS, DEFAULT_TAKER_BPS, True)


DEFAULT_PROFILE = make_profile()
