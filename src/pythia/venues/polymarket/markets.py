"""Pure functions from Polymarket market definitions (Gamma, CLOB, ``/book`` extras,
``/fee-rate``) to outcome tokens and outcome groups.

Every token is an :class:`OutcomeToken` with id ``polymarket:<token_id>``, ``market_id`` the
condition id and ``complement_id`` the other token of its binary market. Groups:

- ``GroupKind.BINARY`` per market over its two tokens, id ``polymarket:<conditionId>``;
- ``GroupKind.NEG_RISK`` per negRisk Gamma event over the first-outcome (YES) tokens of its
  markets, id ``polymarket:<negRiskMarketID>`` (``polymarket:event:<id>`` without one),
  ``augmented`` from ``negRiskAugmented``.

A token's ``group_id`` is its largest exclusive group: the negRisk group for the YES token of
a negRisk market, else its binary group. NegRisk groups are built only from a whole Gamma
event; a CLOB market with ``neg_risk`` points its YES token at the group id but never builds
a group from part of its members.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import msgspec

from pythia.core.errors import DataError
from pythia.model.descriptions import MarketDescription
from pythia.model.instruments import (
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
    probability_scheme,
)
from pythia.venues.polymarket import wire
from pythia.venues.polymarket.parse import (
    PRICE_DECIMALS,
    QUOTE_CURRENCY,
    SIZE_DECIMALS,
    VENUE,
    epoch_ns,
    instrument_id,
    parse_price,
    parse_size,
    parse_tick,
    units,
)

DEFAULT_TICK = 100
"""0.01, the tick of most markets, when a definition does not say."""
DEFAULT_MIN_SIZE = 10_000
"""0.01 tokens (Polymarket truncates sizes to 2 decimals) when a definition does not say."""


def group_id(venue_market_id: str) -> str:
    """Return the id of the group of a condition id or negRisk market id."""
    if not venue_market_id:
        raise DataError("empty market id")
    return f"{VENUE}:{venue_market_id}"


def outcome_token(
    token_id: str,
    *,
    market_id: str = "",
    outcome: str = "",
    tick: int = DEFAULT_TICK,
    min_size: int = DEFAULT_MIN_SIZE,
    complement_token_id: str | None = None,
    group: str | None = None,
    symbol: str = "",
) -> OutcomeToken:
    """Build a Polymarket outcome token (prices tick .. 1 - tick at 4 decimals)."""
    return OutcomeToken(
        id=instrument_id(token_id),
        venue=VENUE,
        symbol=symbol or token_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=PRICE_DECIMALS,
        size_decimals=SIZE_DECIMALS,
        ticks=probability_scheme(tick, PRICE_DECIMALS),
        min_size=min_size,
        quote_currency=QUOTE_CURRENCY,
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        market_id=market_id,
        outcome=outcome,
        complement_id=instrument_id(complement_token_id) if complement_token_id else None,
        group_id=group,
    )


def with_tick(token: OutcomeToken, tick: int) -> OutcomeToken:
    """Return the token with a new uniform tick (``tick_size_change``)."""
    return token.with_ticks(probability_scheme(tick, PRICE_DECIMALS))


@dataclass(frozen=True, slots=True)
class Market:
    """The tokens of one binary market and its BINARY group."""

    tokens: tuple[OutcomeToken, ...]
    group: OutcomeGroup


@dataclass(frozen=True, slots=True)
class MarketsPage:
    """A parsed CLOB ``/markets`` page: markets, the cursor of the next page, and the
    condition ids that could not be mapped with the reason (e.g. tokens without ids)."""

    markets: tuple[Market, ...]
    next_cursor: str
    skipped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BookInfo:
    """Market rules sent with a REST ``/book`` (None where absent)."""

    instrument_id: str
    market_id: str
    tick: int | None
    min_size: int | None
    neg_risk: bool | None
    last_trade_price: int | None


@dataclass(frozen=True, slots=True)
class FeeRate:
    """``GET /fee-rate``: the market's base fee in basis points."""

    base_fee_bps: int


def _binary_market(
    condition_id: str,
    token_ids: list[str],
    outcomes: list[str],
    *,
    tick: int,
    min_size: int,
    neg_risk_group: str | None,
    slug: str,
    title: str,
) -> Market:
    if not condition_id:
        raise DataError("market without a condition id")
    if len(token_ids) != 2 or len(outcomes) != 2:
        raise DataError(
            f"market {condition_id}: expected 2 tokens and 2 outcomes, got"
            f" {len(token_ids)} and {len(outcomes)}"
        )
    if not all(token_ids) or token_ids[0] == token_ids[1]:
        raise DataError(f"market {condition_id}: missing or repeated token ids {token_ids}")
    binary = group_id(condition_id)
    yes_index = next((i for i, name in enumerate(outcomes) if name.lower() == "yes"), 0)
    tokens = tuple(
        outcome_token(
            token_ids[i],
            market_id=condition_id,
            outcome=outcomes[i],
            tick=tick,
            min_size=min_size,
            complement_token_id=token_ids[1 - i],
            group=neg_risk_group if neg_risk_group and i == yes_index else binary,
            symbol=f"{slug}:{outcomes[i]}" if slug else token_ids[i],
        )
        for i in range(2)
    )
    group = OutcomeGroup(
        id=binary,
        venue=VENUE,
        kind=GroupKind.BINARY,
        instrument_ids=tuple(token.id for token in tokens),
        title=title,
        names=tuple(outcomes),
    )
    return Market(tokens, group)


def _tick_or_default(value: Decimal | str | None, what: str) -> int:
    return DEFAULT_TICK if value is None else parse_tick(value, what)


def _min_size_or_default(value: Decimal | str | None, what: str) -> int:
    return DEFAULT_MIN_SIZE if value is None else parse_size(value, what)


def decode_string_list(text: str, what: str) -> list[str]:
    """Decode a JSON-encoded list of strings held in a string (Gamma's ``clobTokenIds``)."""
    try:
        value = msgspec.json.decode(text, type=list[str])
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise DataError(f"{what}: not a JSON list of strings: {error}") from None
    return value


# ---- Gamma ---------------------------------------------------------------------------------
def parse_gamma_market(market: wire.GammaMarket, neg_risk_group: str | None = None) -> Market:
    """Convert a Gamma market: decode its JSON-in-JSON ``clobTokenIds`` and ``outcomes``.

    The tick is ``orderPriceMinTickSize`` (0.01 when absent, as on some event-nested markets),
    the minimum size ``orderMinSize``. A negRisk market's YES token points at
    ``neg_risk_group`` (default: the group of its ``negRiskMarketID``).
    """
    token_ids = decode_string_list(market.clob_token_ids, "clobTokenIds")
    outcomes = decode_string_list(market.outcomes, "outcomes")
    if neg_risk_group is None and market.neg_risk and market.neg_risk_market_id:
        neg_risk_group = group_id(market.neg_risk_market_id)
    return _binary_market(
        market.condition_id,
        token_ids,
        outcomes,
        tick=_tick_or_default(market.order_price_min_tick_size, "orderPriceMinTickSize"),
        min_size=_min_size_or_default(market.order_min_size, "orderMinSize"),
        neg_risk_group=neg_risk_group,
        slug=market.slug,
        title=market.question,
    )


def parse_gamma_prices(market: wire.GammaMarket) -> dict[str, int]:
    """Return Gamma's indicative ``outcomePrices`` by instrument id (JSON-in-JSON too)."""
    if market.outcome_prices is None:
        return {}
    token_ids = decode_string_list(market.clob_token_ids, "clobTokenIds")
    prices = decode_string_list(market.outcome_prices, "outcomePrices")
    if len(prices) != len(token_ids):
        raise DataError(f"{len(prices)} outcomePrices for {len(token_ids)} tokens")
    return {
        instrument_id(token): parse_price(price, "outcomePrices")
        for token, price in zip(token_ids, prices, strict=True)
    }


def describe_gamma_market(
    market: wire.GammaMarket, event: wire.GammaEvent | None = None
) -> MarketDescription:
    """What ``pythia match`` compares: question, ``endDate``, ``description`` (the rules)
    and ``resolutionSource``, each from the event where the market leaves it empty.

    The YES token is the outcome named "Yes" (else the first outcome, as in
    :func:`parse_gamma_market`); ``DataError`` for bad token ids or an unreadable date.
    """
    # the "Yes" outcome first; a stable sort keeps the venue's order when neither is "Yes"
    yes, no = sorted(parse_gamma_market(market).tokens, key=lambda t: t.outcome.lower() != "yes")
    title = market.question
    if not title and event is not None:
        title = f"{event.title} — {market.group_item_title}".strip(" —")
    end_text, end_field = _own_or_event(market, event, "end_date", "endDate")
    rules, rules_field = _own_or_event(market, event, "description", "description")
    source, sources_field = _own_or_event(market, event, "resolution_source", "resolutionSource")
    return MarketDescription(
        venue=VENUE,
        market_id=market.condition_id,
        yes_id=yes.id,
        no_id=no.id,
        title=title or market.slug or market.condition_id,
        end_ns=epoch_ns(end_text, f"{market.condition_id} endDate") if end_text else None,
        end_field=end_field,
        rules=rules,
        rules_field=rules_field,
        sources=(source,) if source else (),
        sources_field=sources_field,
    )


def _own_or_event(
    market: wire.GammaMarket, event: wire.GammaEvent | None, attribute: str, field: str
) -> tuple[str, str]:
    """A market's text field, else its event's, with where it came from ("", "" if neither)."""
    own = getattr(market, attribute)
    if own and own.strip():
        return own.strip(), field
    inherited = getattr(event, attribute) if event is not None else None
    if inherited and inherited.strip():
        return inherited.strip(), f"event {field}"
    return "", ""


def parse_gamma_event(event: wire.GammaEvent) -> tuple[list[Market], OutcomeGroup | None]:
    """Convert a Gamma event: its binary markets and, for a negRisk event, the NEG_RISK
    group over the YES tokens of all its markets (names from ``groupItemTitle``)."""
    neg_risk = event.neg_risk or event.enable_neg_risk
    neg_group_id = None
    if neg_risk:
        neg_group_id = group_id(event.neg_risk_market_id or f"event:{event.id}")
    markets = [parse_gamma_market(m, neg_risk_group=neg_group_id) for m in event.markets]
    if not neg_risk:
        return markets, None
    yes_ids: list[str] = []
    names: list[str] = []
    for wire_market, market in zip(event.markets, markets, strict=True):
        yes = next(t for t in market.tokens if t.group_id == neg_group_id)
        yes_ids.append(yes.id)
        names.append(wire_market.group_item_title or wire_market.question)
    group = OutcomeGroup(
        id=neg_group_id,
        venue=VENUE,
        kind=GroupKind.NEG_RISK,
        instrument_ids=tuple(yes_ids),
        augmented=event.neg_risk_augmented,
        title=event.title,
        names=tuple(names),
    )
    return markets, group


# ---- CLOB ----------------------------------------------------------------------------------
def parse_clob_market(market: wire.ClobMarket) -> Market:
    """Convert a CLOB market (``minimum_tick_size``, ``minimum_order_size``, ``tokens``)."""
    neg_group = None
    if market.neg_risk and market.neg_risk_market_id:
        neg_group = group_id(market.neg_risk_market_id)
    return _binary_market(
        market.condition_id,
        [token.token_id for token in market.tokens],
        [token.outcome for token in market.tokens],
        tick=_tick_or_default(market.minimum_tick_size, "minimum_tick_size"),
        min_size=_min_size_or_default(market.minimum_order_size, "minimum_order_size"),
        neg_risk_group=neg_group,
        slug=market.market_slug,
        title=market.question,
    )


def parse_clob_markets_page(page: wire.ClobMarketsPage) -> MarketsPage:
    """Convert a CLOB ``/markets`` page; markets that cannot be mapped are listed in
    ``skipped`` instead of failing the page."""
    markets: list[Market] = []
    skipped: list[tuple[str, str]] = []
    for market in page.data:
        try:
            markets.append(parse_clob_market(market))
        except DataError as error:
            skipped.append((market.condition_id, str(error)))
    return MarketsPage(tuple(markets), page.next_cursor, tuple(skipped))


# ---- REST extras ---------------------------------------------------------------------------
def parse_book_info(message: wire.BookMessage) -> BookInfo:
    """Return the market rules a REST ``/book`` answer carries (tick, minimum size, negRisk)."""
    return BookInfo(
        instrument_id=instrument_id(message.asset_id),
        market_id=message.market,
        tick=None if message.tick_size is None else parse_tick(message.tick_size),
        min_size=None
        if message.min_order_size is None
        else parse_size(message.min_order_size, "min_order_size"),
        neg_risk=message.neg_risk,
        last_trade_price=None
        if message.last_trade_price in (None, "")
        else parse_price(message.last_trade_price, "last_trade_price"),
    )


def token_from_book(info: BookInfo, known: OutcomeToken | None = None) -> OutcomeToken | None:
    """Update ``known`` with a book's tick and minimum size, or build a token from them.

    Returns None when nothing is known: neither a previous definition nor a tick.
    """
    if known is not None:
        updated = known if info.tick is None else with_tick(known, info.tick)
        return updated if info.min_size is None else replace(updated, min_size=info.min_size)
    if info.tick is None:
        return None
    token_id = info.instrument_id.partition(":")[2]
    return outcome_token(
        token_id,
        market_id=info.market_id,
        tick=info.tick,
        min_size=DEFAULT_MIN_SIZE if info.min_size is None else info.min_size,
    )


def parse_fee_rate(message: wire.FeeRateResponse) -> FeeRate:
    """Convert ``GET /fee-rate`` (``{"base_fee": "150"}``) to a fee rate in basis points."""
    value = message.base_fee
    bps = value if isinstance(value, int) else units(value, 0, "base_fee")
    if bps < 0:
        raise DataError(f"negative base_fee {value!r}")
    return FeeRate(bps)
