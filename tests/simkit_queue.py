"""Shared fixtures of the simulated-venue resting-order and market-event tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pythia.model.enums import Side
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    Trade,
)
from pythia.model.execution import FillReport, OrderStatus
from pythia.model.instruments import InstrumentKind, OutcomeToken, PriceSpace, probability_scheme
from pythia.model.orders import OrderRequest, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue

USDC = 1_000_000
TOKEN = 1_000_000
GBP = 1_000_000
IOC = {"time_in_force": TimeInForce.IOC}


def token(name: str, complement: str | None = None, market_id: str = "m1") -> OutcomeToken:
    return OutcomeToken(
        id=f"pm:{name}",
        venue="polymarket",
        symbol=name,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=6,
        ticks=probability_scheme(100, 4),
        min_size=10_000,
        quote_currency="USDC",
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        market_id=market_id,
        outcome=name,
        complement_id=f"pm:{complement}" if complement else None,
    )


YES, NO = token("yes", "no"), token("no", "yes")


@dataclass
class FakeAccount:
    cash: dict[str, int] = field(default_factory=lambda: {"USDC": 10**9 * USDC, "GBP": 10**9})
    positions: dict[str, int] = field(default_factory=dict)

    def available(self, currency: str) -> int:
        return self.cash.get(currency, 0)

    def position(self, instrument_id: str) -> int:
        return self.positions.get(instrument_id, 0)


class NoFee:
    def fee_micros(self, instrument, price, size, liquidity) -> int:
        return 0


def make_venue(*instruments, account=None, seed=1, **profile_options) -> SimulatedVenue:
    profile = VenueProfile("sim", NoFee(), **profile_options)
    return SimulatedVenue(
        profile, account or FakeAccount(), random.Random(seed), instruments or (YES, NO)
    )


def snapshot(instrument_id, bids=(), asks=(), ts=10):
    return BookSnapshot(instrument_id, tuple(bids), tuple(asks), ts, ts)


def delta(instrument_id, bids=(), asks=(), ts=20):
    return BookDelta(instrument_id, tuple(bids), tuple(asks), ts, ts)


def trade(instrument_id, price, size, aggressor, ts=30):
    return Trade(instrument_id, price, size, aggressor, f"t{ts}", ts, ts)


def order(client_id, instrument_id, side, size, price, **options):
    return OrderRequest(client_id, instrument_id, side, size, price, **options)


def fills_of(responses) -> list[FillReport]:
    return [r for r in responses if isinstance(r, FillReport)]


def ahead(venue, client_id) -> int:
    return next(o.queue_ahead for o in venue.open_orders() if o.client_order_id == client_id)


def resting_bid(venue, client_id="q", size=30 * TOKEN, price=4000):
    venue.on_market_event(snapshot("pm:yes", [(4000, 100 * TOKEN)], [(4200, 100 * TOKEN)]))
    (ack,) = venue.submit(order(client_id, "pm:yes", Side.BUY, size, price), 15)
    assert ack.status is OrderStatus.OPEN
