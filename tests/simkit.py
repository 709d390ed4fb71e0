"""Shared fixtures of the simulated-venue order and taker tests (instruments, a fake
account, a basis-point fee, builders)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pythia.core.fixed import Rounding, round_div
from pythia.model.enums import Side
from pythia.model.events import BookSnapshot
from pythia.model.execution import Liquidity
from pythia.model.instruments import (
    InstrumentKind,
    OutcomeToken,
    PriceSpace,
    crypto_instrument,
    probability_scheme,
)
from pythia.model.orders import (
    OrderRequest,
)
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue

USDC = 1_000_000  # micros
TOKEN = 1_000_000  # Polymarket size units (6 decimals)
BTC_UNIT = 100_000_000  # 8 decimals

YES = OutcomeToken(
    id="pm:yes",
    venue="polymarket",
    symbol="yes",
    kind=InstrumentKind.OUTCOME_TOKEN,
    price_decimals=4,
    size_decimals=6,
    ticks=probability_scheme(100, 4),
    min_size=10_000,
    quote_currency="USDC",
    price_space=PriceSpace.PROBABILITY,
    bounded=True,
    market_id="m1",
    outcome="Yes",
)
BTC = crypto_instrument("binance:BTCUSDT", "binance", "BTCUSDT", 2, 8, "BTC", "USDT", min_size=1000)
PERP = crypto_instrument(
    "binance-futures:BTCUSDT", "binance", "BTCUSDT", 2, 8, "BTC", "USDT", settle="USDT"
)


@dataclass
class FakeAccount:
    cash: dict[str, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)

    def available(self, currency: str) -> int:
        return self.cash.get(currency, 0)

    def position(self, instrument_id: str) -> int:
        return self.positions.get(instrument_id, 0)


@dataclass(frozen=True)
class BpsFee:
    """Taker/maker basis points of the notional, rounded up to the micro."""

    taker_bps: int = 0
    maker_bps: int = 0

    def fee_micros(self, instrument, price, size, liquidity) -> int:
        bps = self.taker_bps if liquidity is Liquidity.TAKER else self.maker_bps
        scale = 10 ** (instrument.price_decimals + instrument.size_decimals - 6)
        return round_div(price * size * bps, scale * 10_000, Rounding.CEILING)


def make_venue(*instruments, account=None, fee=None, **profile_options) -> SimulatedVenue:
    account = account or FakeAccount({"USDC": 10**6 * USDC, "USDT": 10**7 * USDC})
    profile = VenueProfile("sim", fee or BpsFee(), **profile_options)
    return SimulatedVenue(profile, account, random.Random(1), instruments or (YES, BTC, PERP))


def snapshot(instrument_id, bids=(), asks=(), ts=10):
    return BookSnapshot(instrument_id, tuple(bids), tuple(asks), ts, ts)


def buy(client_id, instrument_id, size, price=None, **options):
    return OrderRequest(client_id, instrument_id, Side.BUY, size, price, **options)


def sell(client_id, instrument_id, size, price=None, **options):
    return OrderRequest(client_id, instrument_id, Side.SELL, size, price, **options)
