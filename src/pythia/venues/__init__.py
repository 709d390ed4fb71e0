"""One package per venue: wire structs, pure parsers, profiles, capture readers, clients.

Venue names appear only here and below. ``read_capture(venue, paths)`` picks the venue's
reader of raw recorded files; every reader is a ``MarketDataSource``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from pythia.core.errors import ConfigError
from pythia.ports.market_data import MarketDataSource

CAPTURE_READERS: dict[str, str] = {
    "binance": "pythia.venues.binance.capture",
    "polymarket": "pythia.venues.polymarket.capture",
    "kalshi": "pythia.venues.kalshi.capture",
    "betfair": "pythia.venues.betfair.capture",
    "bybit": "pythia.venues.bybit.capture",
    "tardis": "pythia.venues.tardis.capture",
}


def read_capture(venue: str, paths: Sequence[Path | str]) -> MarketDataSource:
    """Return the capture reader of ``venue`` over ``paths`` (one continuous stream)."""
    module_name = CAPTURE_READERS.get(venue.lower())
    if module_name is None:
        known = ", ".join(sorted(CAPTURE_READERS))
        raise ConfigError(f"unknown venue {venue!r}; known venues: {known}")
    module = importlib.import_module(module_name)
    return module.read_capture([Path(p) for p in paths])


def synchronizer_factory(venue: str):
    """Return the venue's ``synchronizer_for(instrument)`` (its depth sync rule), or a
    function returning None when the venue's reader needs no external sync rule."""
    module = importlib.import_module(CAPTURE_READERS[venue.lower()])
    return getattr(module, "synchronizer_for", lambda instrument: None)


PROFILES: dict[str, str] = {
    "polymarket": "pythia.venues.polymarket.profile",
    "kalshi": "pythia.venues.kalshi.profile",
    "betfair": "pythia.venues.betfair.profile",
    "binance": "pythia.venues.binance.profile",
    "bybit": "pythia.venues.bybit.profile",
}


def profile_for(venue: str, **overrides: object):
    """Return ``venue``'s ``VenueProfile`` (``pythia.sim.models.base``) built by its
    ``make_profile(**overrides)``; unknown keys or values raise ``ConfigError``.

    >>> profile_for("kalshi", maker_coefficient="0.0175").supports_reduce_only
    True
    """
    module_name = PROFILES.get(venue.lower())
    if module_name is None:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"unknown venue {venue!r} for a profile; known venues: {known}")
    module = importlib.import_module(module_name)
    return module.make_profile(**overrides)
