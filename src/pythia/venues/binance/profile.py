"""Binance instrument rules and the spot venue profile.

Binance sends prices and quantities with 8 decimals. Pythia keeps prices in the symbol's tick
(from exchangeInfo ``PRICE_FILTER.tickSize``) and sizes at 8 decimals (the wire precision),
so every quantity Binance sends is exact. Filters of symbols we ship data for are listed
here; any other symbol falls back to 8 price decimals with a one-unit tick.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pythia.core.fixed import parse_units
from pythia.model.instruments import Instrument, crypto_instrument
from pythia.sim.models.base import VenueProfile
from pythia.sim.models.config import bps_venue_profile

VENUE = "binance"
WIRE_DECIMALS = 8

# symbol -> (tickSize, stepSize, base, quote), from exchangeInfo (spot, 2024-08).
SPOT_FILTERS: dict[str, tuple[str, str, str, str]] = {
    "BTCUSDT": ("0.01", "0.00001", "BTC", "USDT"),
    "ETHUSDT": ("0.01", "0.0001", "ETH", "USDT"),
}

_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "BNB", "EUR", "TRY")


def _decimals_of(step: str) -> int:
    _, _, frac = step.rstrip("0").partition(".")
    return len(frac)


def instrument_id(symbol: str, futures: bool = False) -> str:
    return f"{VENUE}{'-futures' if futures else ''}:{symbol.upper()}"


def make_instrument(symbol: str, futures: bool = False) -> Instrument:
    """Build the instrument of a Binance symbol (spot or USD-M perpetual)."""
    symbol = symbol.upper()
    tick, step, base, quote = SPOT_FILTERS.get(symbol, ("0.00000001", "0.00000001", "", ""))
    if not quote:
        quote = next((q for q in _QUOTES if symbol.endswith(q) and symbol != q), "")
        base = symbol[: len(symbol) - len(quote)] if quote else symbol
    return crypto_instrument(
        instrument_id(symbol, futures),
        VENUE,
        symbol,
        _decimals_of(tick),
        WIRE_DECIMALS,
        base,
        quote or "USDT",
        settle=(quote or "USDT") if futures else None,
        min_size=parse_units(step, WIRE_DECIMALS),
    )


# --- Venue profile (spot) -------------------------------------------------------------------
#
# Spot order types LIMIT and MARKET (LIMIT_MAKER is a post-only LIMIT); time in force GTC, IOC
# and FOK only: spot has no GTD (the spot ``timeInForce`` enum is GTC/IOC/FOK; GTD exists on
# USD-M futures). No reduce-only on spot. Fees: 10 bps maker and taker (the base tier without
# BNB discount), configurable; the fee is taken in the received asset or BNB and is modelled
# by its quote value. The NOTIONAL / MIN_NOTIONAL filter is per symbol: set
# ``min_notional_micros`` to apply one.

DEFAULT_MAKER_BPS = Decimal(10)
DEFAULT_TAKER_BPS = Decimal(10)


def make_profile(**config: Any) -> VenueProfile:
    """Build the Binance spot profile. Keys: ``maker_bps`` and ``taker_bps`` (default 10),
    and the shared ``latency``, ``queue``, ``min_notional_micros``."""
    return bps_venue_profile(VENUE, config, DEFAULT_MAKER_BPS, DEFAULT_TAKER_BPS, False)


DEFAULT_PROFILE = make_profile()
