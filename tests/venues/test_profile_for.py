"""The venue profile registry."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.sim.models.base import FeeModel, VenueProfile
from pythia.venues import PROFILES, profile_for


@pytest.mark.parametrize("venue", sorted(PROFILES))
def test_every_registered_venue_builds_a_profile(venue):
    profile = profile_for(venue)
    assert isinstance(profile, VenueProfile)
    assert profile.venue == venue
    assert isinstance(profile.fee_model, FeeModel)
    assert profile.order_types and profile.time_in_force


def test_unknown_venue_lists_the_known_ones():
    with pytest.raises(ConfigError, match="known venues: betfair, binance, bybit, kalshi"):
        profile_for("deribit")
