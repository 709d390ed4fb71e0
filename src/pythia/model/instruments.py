"""Instruments and their venue rules.

Every tradable instrument carries its precision (``price_decimals``, ``size_decimals``), its
tick scheme and its minimum size, so books and order checks need nothing else. An
:class:`OutcomeGroup` is not tradable: it ties mutually exclusive outcome tokens together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from pythia.core.fixed import format_units, pow10
from pythia.model.ticks import TickScheme


class InstrumentKind(enum.Enum):
    OUTCOME_TOKEN = "outcome_token"
    CRYPTO_SPOT = "crypto_spot"
    CRYPTO_PERPETUAL = "crypto_perpetual"


class GroupKind(enum.Enum):
    """Why the outcomes of a group are mutually exclusive."""

    BINARY = "binary"  # a YES/NO pair
    NEG_RISK = "neg_risk"  # Polymarket negRisk event
    SERIES = "series"  # Kalshi mutually exclusive series/event
    WIN = "win"  # Betfair WIN / MATCH_ODDS market: one winner
    PLACE = "place"  # Betfair PLACE market: several winners


class PriceSpace(enum.Enum):
    """What a price means: a probability in [0, 1] or decimal odds (Betfair)."""

    PROBABILITY = "probability"
    DECIMAL_ODDS = "decimal_odds"
    QUOTE = "quote"  # an open-ended price in a quote currency


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument with the rules books and orders need."""

    id: str
    venue: str
    symbol: str
    kind: InstrumentKind
    price_decimals: int
    size_decimals: int
    ticks: TickScheme
    min_size: int
    quote_currency: str
    price_space: PriceSpace = PriceSpace.QUOTE
    bounded: bool = False
    """True when prices live on a small bounded grid (use a ladder book)."""

    @property
    def tick(self) -> int:
        """The finest tick, in price units."""
        return self.ticks.finest_tick

    @property
    def price_min(self) -> int:
        return self.ticks.price_min

    @property
    def price_max(self) -> int:
        return self.ticks.price_max

    @property
    def one(self) -> int:
        """The price units of 1.0 (a winning outcome token's payout)."""
        return pow10(self.price_decimals)

    def with_ticks(self, ticks: TickScheme) -> Instrument:
        """Return a copy with a new tick scheme (Polymarket ``tick_size_change``)."""
        return replace(self, ticks=ticks)

    def format_price(self, price: int) -> str:
        return format_units(price, self.price_decimals)

    def format_size(self, size: int) -> str:
        return format_units(size, self.size_decimals)


@dataclass(frozen=True, slots=True)
class OutcomeToken(Instrument):
    """A token paying 1 if its outcome happens, else 0 (or a Betfair runner, in odds)."""

    market_id: str = ""
    outcome: str = ""
    complement_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class CryptoSpot(Instrument):
    base_currency: str = ""


@dataclass(frozen=True, slots=True)
class CryptoPerpetual(Instrument):
    base_currency: str = ""
    settle_currency: str = ""
    contract_size: str = "1"
    """Base units per contract, as a decimal string (exact)."""


@dataclass(frozen=True, slots=True)
class OutcomeGroup:
    """Mutually exclusive outcomes of which exactly ``number_of_winners`` win.

    Polymarket negRisk events, Kalshi mutually exclusive series, Betfair WIN (one winner)
    and PLACE (several) markets. ``augmented`` marks Polymarket augmented negRisk events,
    where unnamed outcomes may still win, so buying every named YES is not a complete set.
    """

    id: str
    venue: str
    kind: GroupKind
    instrument_ids: tuple[str, ...]
    number_of_winners: int = 1
    augmented: bool = False
    title: str = ""
    convert_fee_bips: int = 0
    names: tuple[str, ...] = field(default=())

    @property
    def size(self) -> int:
        return len(self.instrument_ids)


def probability_scheme(tick: int, price_decimals: int) -> TickScheme:
    """A probability grid ``tick .. 1 - tick`` (Polymarket's valid range)."""
    return TickScheme.uniform(tick, tick, pow10(price_decimals) - tick)


OPEN_ENDED_MAX_PRICE_UNITS = 10**18


def crypto_instrument(
    instrument_id: str,
    venue: str,
    symbol: str,
    price_decimals: int,
    size_decimals: int,
    base: str,
    quote: str,
    settle: str | None = None,
    min_size: int = 1,
    tick: int = 1,
) -> CryptoSpot | CryptoPerpetual:
    """A crypto spot pair, or a perpetual when ``settle`` is given, with an open-ended grid
    of ``tick`` price units (prices from one tick up)."""
    common = dict(
        id=instrument_id,
        venue=venue,
        symbol=symbol,
        price_decimals=price_decimals,
        size_decimals=size_decimals,
        ticks=TickScheme.uniform(tick, tick, OPEN_ENDED_MAX_PRICE_UNITS),
        min_size=min_size,
        quote_currency=quote,
        bounded=False,
        base_currency=base,
    )
    if settle is not None:
        return CryptoPerpetual(
            kind=InstrumentKind.CRYPTO_PERPETUAL, settle_currency=settle, **common
        )
    return CryptoSpot(kind=InstrumentKind.CRYPTO_SPOT, **common)
