"""Shared fixtures of the engine tests: a Polymarket-like token and a kernel with the
simulated venue (5 ms order entry and response latency, 1000 USDC)."""

from __future__ import annotations

import random

from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.instruments import InstrumentKind, OutcomeToken, PriceSpace, probability_scheme
from pythia.portfolio import Portfolio
from pythia.sim.venue import SimulatedVenue
from pythia.venues import profile_for

SHARE = 1_000_000
USDC = 1_000_000


def pm_token(instrument_id: str, **fields) -> OutcomeToken:
    """A Polymarket-like outcome token (4 price and 6 size decimals, tick 0.01, USDC);
    ``fields`` override any attribute (market_id, outcome, complement_id, group_id, ...)."""
    values = {
        "id": instrument_id,
        "venue": "polymarket",
        "symbol": instrument_id,
        "kind": InstrumentKind.OUTCOME_TOKEN,
        "price_decimals": 4,
        "size_decimals": 6,
        "ticks": probability_scheme(100, 4),
        "min_size": SHARE,
        "quote_currency": "USDC",
        "price_space": PriceSpace.PROBABILITY,
        "bounded": True,
        "market_id": instrument_id,
        "outcome": "Yes",
    }
    return OutcomeToken(**(values | fields))


TOKEN = pm_token("pm:yes", symbol="yes", market_id="m")


def sim_kernel(strategy, **options) -> Kernel:
    """A kernel trading :data:`TOKEN` on the simulated Polymarket venue; ``options`` go to
    :class:`Kernel` (seed, clock, risk, journal, breakers, guards)."""
    profile = profile_for(
        "polymarket",
        latency={
            "feed": {"model": "constant", "ms": 0},
            "order_entry": {"model": "constant", "ms": 5},
            "response": {"model": "constant", "ms": 5},
        },
    )
    portfolio = Portfolio({"USDC": 1000 * USDC})
    venue = SimulatedVenue(profile, portfolio, random.Random(1))
    kernel = Kernel(
        {"polymarket": VenueSlot(venue, profile.latency)},
        portfolio,
        Portfolio({"USDC": 1000 * USDC}),
        [strategy],
        **options,
    )
    kernel.add_definition(TOKEN)
    return kernel
