"""Kalshi markets and events -> outcome tokens, tick grids and outcome groups (pure).

Each binary market gives a YES and a NO token (``kalshi:<ticker>:yes|no``, complements of
each other, ``market_id`` = ticker) with prices at 4 decimals (``ONE`` = 10000 = $1) and sizes
at 2 decimals (contracts). The grid comes from ``price_ranges`` (or ``price_level_structure``):
``linear_cent`` 0.01 everywhere, ``deci_cent`` 0.001, ``tapered_deci_cent`` 0.001 below 0.10
and above 0.90 and 0.01 between; bounds are one tick above 0 and one tick below 1.

Groups: a market's two tokens form a ``BINARY`` group ``kalshi:<ticker>``. When an event says
it is ``mutually_exclusive`` its markets' YES tokens form a ``SERIES`` group
``kalshi:event:<event_ticker>`` instead, and each token's ``group_id`` points there. Kalshi
only promises that at most one market of such an event resolves YES, not that one does, so
the group is marked ``augmented`` (buying every YES is not known to be a complete set).
"""

from __future__ import annotations

from pythia.core.errors import DataError
from pythia.core.fixed import parse_units
from pythia.model.instruments import (
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
)
from pythia.model.ticks import TickScheme
from pythia.venues.kalshi import wire

VENUE = "kalshi"
PRICE_DECIMALS = 4
SIZE_DECIMALS = 2
ONE = 10**PRICE_DECIMALS
WHOLE_CONTRACT = 10**SIZE_DECIMALS

_STRUCTURES: dict[str, tuple[tuple[int, int], ...]] = {
    "linear_cent": ((0, 100),),
    "deci_cent": ((0, 10),),
    "tapered_deci_cent": ((0, 10), (1000, 100), (9000, 10)),
}


def token_ids(ticker: str) -> tuple[str, str]:
    """Return the YES and NO token ids of a market ticker."""
    return f"{VENUE}:{ticker}:yes", f"{VENUE}:{ticker}:no"


def binary_group_id(ticker: str) -> str:
    return f"{VENUE}:{ticker}"


def series_group_id(event_ticker: str) -> str:
    return f"{VENUE}:event:{event_ticker}"


def tick_scheme(market: wire.Market) -> TickScheme:
    """Build a market's tick grid from ``price_ranges`` (or ``price_level_structure``).

    Bounds are the first tick above 0 and the last tick below 1; a market with neither field
    is ``linear_cent`` (Kalshi's historical 1..99 cents).
    """
    if market.price_ranges:
        ranges = sorted(
            (
                parse_units(r.start, PRICE_DECIMALS),
                parse_units(r.end, PRICE_DECIMALS),
                parse_units(r.step, PRICE_DECIMALS),
            )
            for r in market.price_ranges
        )
        if any(step <= 0 or start < 0 or end > ONE for start, end, step in ranges):
            raise DataError(f"{market.ticker}: bad price_ranges {market.price_ranges}")
        bands = tuple((start, step) for start, _, step in ranges)
        low = ranges[0][0] + ranges[0][2]
        high = ranges[-1][1] - ranges[-1][2]
        return TickScheme(bands, low, high)
    bands = _STRUCTURES.get(market.price_level_structure or "linear_cent")
    if bands is None:
        raise DataError(
            f"{market.ticker}: unknown price_level_structure {market.price_level_structure!r}"
        )
    return TickScheme(bands, bands[0][1], ONE - bands[-1][1])


DEFAULT_TICKS = TickScheme(_STRUCTURES["deci_cent"], 10, ONE - 10)
"""Grid for a market seen only on the feed: deci-cent holds every Kalshi tick structure."""


def _token(
    ticker: str, outcome: str, ticks: TickScheme, min_size: int, group_id: str
) -> OutcomeToken:
    yes_id, no_id = token_ids(ticker)
    own, other = (yes_id, no_id) if outcome == "yes" else (no_id, yes_id)
    return OutcomeToken(
        id=own,
        venue=VENUE,
        symbol=ticker,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=PRICE_DECIMALS,
        size_decimals=SIZE_DECIMALS,
        ticks=ticks,
        min_size=min_size,
        quote_currency="USD",
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        market_id=ticker,
        outcome=outcome,
        complement_id=other,
        group_id=group_id,
    )


def market_tokens(
    market: wire.Market, group_id: str | None = None
) -> tuple[OutcomeToken, OutcomeToken]:
    """Return the YES and NO tokens of a binary market (scalar markets are refused)."""
    if market.market_type not in ("binary", ""):
        raise DataError(f"{market.ticker}: unsupported market_type {market.market_type!r}")
    ticks = tick_scheme(market)
    min_size = 1 if market.fractional_trading_enabled else WHOLE_CONTRACT
    group = group_id or binary_group_id(market.ticker)
    return (
        _token(market.ticker, "yes", ticks, min_size, group),
        _token(market.ticker, "no", ticks, min_size, group),
    )


def binary_group(ticker: str, title: str = "") -> OutcomeGroup:
    return OutcomeGroup(
        id=binary_group_id(ticker),
        venue=VENUE,
        kind=GroupKind.BINARY,
        instrument_ids=token_ids(ticker),
        title=title,
        names=("yes", "no"),
    )


def market_definitions(market: wire.Market) -> list[OutcomeToken | OutcomeGroup]:
    """YES token, NO token and their BINARY group."""
    yes, no = market_tokens(market)
    return [yes, no, binary_group(market.ticker, market.title)]


def default_market_definitions(ticker: str) -> list[OutcomeToken | OutcomeGroup]:
    """Definitions of a market known only by its ticker (grid :data:`DEFAULT_TICKS`)."""
    group = binary_group_id(ticker)
    return [
        _token(ticker, "yes", DEFAULT_TICKS, 1, group),
        _token(ticker, "no", DEFAULT_TICKS, 1, group),
        binary_group(ticker),
    ]


def event_definitions(response: wire.EventResponse) -> list[OutcomeToken | OutcomeGroup]:
    """Tokens of every market of an event plus a SERIES group if it is mutually exclusive."""
    event = response.event
    markets = response.markets or event.markets or []
    if not event.mutually_exclusive:
        return [d for market in markets for d in market_definitions(market)]
    group_id = series_group_id(event.event_ticker)
    definitions: list[OutcomeToken | OutcomeGroup] = []
    for market in markets:
        definitions.extend(market_tokens(market, group_id))
    definitions.append(
        OutcomeGroup(
            id=group_id,
            venue=VENUE,
            kind=GroupKind.SERIES,
            instrument_ids=tuple(token_ids(m.ticker)[0] for m in markets),
            augmented=True,
            title=event.title,
            names=tuple(m.yes_sub_title or m.ticker for m in markets),
        )
    )
    return definitions
