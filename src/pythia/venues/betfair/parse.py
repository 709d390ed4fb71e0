"""Pure functions from Betfair stream wire structs to validated values and model nouns.

Everything here is stateless: :func:`convert_message` turns one decoded stream message into
:class:`MarketUpdate` records with every price and size already converted to integer units
and checked (odds on the ladder, stakes non-negative with at most two decimals), so the
stateful :class:`~pythia.venues.betfair.stream.StreamParser` can apply a message without
failing half-way. Instrument ids:

- runner token ``betfair:<marketId>:<selectionId>`` (``:<handicap>`` appended when the
  handicap is non-zero), e.g. ``betfair:1.197931750:37947503``;
- outcome group ``betfair:<marketId>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from pythia.core.errors import DataError
from pythia.core.fixed import decimal_to_units
from pythia.model.enums import MarketState
from pythia.model.events import Level
from pythia.model.instruments import (
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
)
from pythia.venues.betfair.ladder import (
    BETFAIR_LADDER,
    ODDS_DECIMALS,
    STAKE_DECIMALS,
    format_odds,
    odds_to_units,
)
from pythia.venues.betfair.wire import (
    CATALOGUE_DECODER,
    ORDER_DECODER,
    STREAM_DECODER,
    MarketCatalogue,
    MarketChange,
    MarketDefinition,
    OrderStreamMessage,
    PositionPriceSize,
    PriceSize,
    RunnerChange,
    RunnerDefinition,
    StreamMessage,
)

VENUE = "betfair"
QUOTE_CURRENCY = "GBP"
MIN_STAKE_UNITS = 100
"""Betfair's minimum stake, £1.00 (smaller stakes are allowed only for a payout >= £10)."""

PositionLevel = tuple[int, int, int]
"""``(position, price, size)`` of a best-N ladder; price and size are 0 for an empty slot."""

_MARKET_STATES = {
    "INACTIVE": MarketState.PRE_OPEN,
    "OPEN": MarketState.OPEN,
    "SUSPENDED": MarketState.SUSPENDED,
    "CLOSED": MarketState.CLOSED,
}
RUNNER_STATUSES = frozenset(
    {"ACTIVE", "WINNER", "LOSER", "PLACED", "REMOVED", "REMOVED_VACANT", "HIDDEN"}
)
WINNING_STATUSES = frozenset({"WINNER", "PLACED"})
REMOVED_STATUSES = frozenset({"REMOVED", "REMOVED_VACANT", "HIDDEN"})
IGNORED_OPS = frozenset({"connection", "status", "ocm"})


class MalformedMessage(DataError):
    """The text is not JSON or does not have the shape of a stream message."""


@dataclass(frozen=True, slots=True)
class RunnerInfo:
    """A runner of a market definition, validated (what settlement needs later)."""

    key: str
    selection_id: int
    handicap: Decimal | None
    status: str
    sort_priority: int | None
    adjustment_factor: Decimal | None
    removal_date: str | None
    bsp: Decimal | None
    name: str | None

    @property
    def is_removed(self) -> bool:
        return self.status in REMOVED_STATUSES


@dataclass(frozen=True, slots=True)
class DefinitionUpdate:
    """A market definition with its status mapped and its runners validated."""

    state: MarketState
    in_play: bool
    kind: GroupKind
    number_of_winners: int
    runners: tuple[RunnerInfo, ...]
    wire: MarketDefinition


@dataclass(frozen=True, slots=True)
class RunnerUpdate:
    """One runner change in units. ``None`` means the field was absent (unchanged)."""

    key: str
    selection_id: int
    handicap: Decimal | None
    back: tuple[Level, ...] | None  # atb -> bids
    lay: tuple[Level, ...] | None  # atl -> asks
    best_back: tuple[PositionLevel, ...] | None  # batb
    best_lay: tuple[PositionLevel, ...] | None  # batl
    display_back: tuple[PositionLevel, ...] | None  # bdatb
    display_lay: tuple[PositionLevel, ...] | None  # bdatl
    traded: tuple[Level, ...] | None  # trd: cumulative volume by price
    last_traded_price: int | None
    traded_volume: int | None


@dataclass(frozen=True, slots=True)
class MarketUpdate:
    """One market change (``mc``) in units."""

    market_id: str
    image: bool
    definition: DefinitionUpdate | None
    runners: tuple[RunnerUpdate, ...]
    traded_volume: int | None


# ---- ids ------------------------------------------------------------------------------------
def runner_key(selection_id: int, handicap: Decimal | None) -> str:
    """Return ``"<selectionId>"``, or ``"<selectionId>:<handicap>"`` for a non-zero handicap.

    >>> runner_key(47972, Decimal("-1.50")), runner_key(47972, Decimal("0.0"))
    ('47972:-1.5', '47972')
    """
    if handicap is None or handicap == 0:
        return str(selection_id)
    if not handicap.is_finite():
        raise DataError(f"handicap {handicap} of selection {selection_id} is not finite")
    return f"{selection_id}:{handicap.normalize():f}"


def token_id(market_id: str, key: str) -> str:
    """The instrument id of a runner: ``betfair:<marketId>:<runner key>``."""
    return f"{VENUE}:{market_id}:{key}"


def group_id(market_id: str) -> str:
    """The outcome group id of a market: ``betfair:<marketId>``."""
    return f"{VENUE}:{market_id}"


# ---- numbers --------------------------------------------------------------------------------
def ms_to_ns(milliseconds: int | None) -> int:
    """Convert Betfair's epoch milliseconds (``pt``) to nanoseconds."""
    if milliseconds.__class__ is not int or milliseconds < 0:
        raise DataError(f"publish time must be non-negative epoch milliseconds: {milliseconds!r}")
    return milliseconds * 1_000_000


def stake_to_units(stake: Decimal) -> int:
    """Convert a stake or volume to pennies exactly; ``DataError`` if negative or too precise."""
    units = decimal_to_units(stake, STAKE_DECIMALS)
    if units < 0:
        raise DataError(f"negative size {stake}")
    return units


def price_levels(levels: list[PriceSize] | None, field: str) -> tuple[Level, ...] | None:
    """Convert ``[[odds, size], ...]`` to ``((price, size), ...)`` in units."""
    if levels is None:
        return None
    try:
        return tuple((odds_to_units(odds), stake_to_units(size)) for odds, size in levels)
    except DataError as error:
        raise DataError(f"{field}: {error}") from None


def position_levels(
    levels: list[PositionPriceSize] | None, field: str
) -> tuple[PositionLevel, ...] | None:
    """Convert ``[[position, odds, size], ...]``; ``[p, 0, 0]`` (an emptied slot) is kept."""
    if levels is None:
        return None
    result = []
    for position, odds, size in levels:
        if position < 0:
            raise DataError(f"{field}: negative ladder position {position}")
        try:
            size_units = stake_to_units(size)
            price_units = odds_to_units(odds) if size_units else 0
        except DataError as error:
            raise DataError(f"{field}: {error}") from None
        result.append((position, price_units, size_units))
    return tuple(result)


# ---- definitions ----------------------------------------------------------------------------
def market_state(status: str) -> MarketState:
    """Map a market status (INACTIVE, OPEN, SUSPENDED, CLOSED) to :class:`MarketState`."""
    try:
        return _MARKET_STATES[status]
    except KeyError:
        raise DataError(f"unknown market status {status!r}") from None


def group_kind(definition: MarketDefinition) -> GroupKind:
    """WIN for WIN / MATCH_ODDS markets or a single winner, else PLACE."""
    if definition.marketType in ("WIN", "MATCH_ODDS") or definition.numberOfWinners == 1:
        return GroupKind.WIN
    return GroupKind.PLACE


def runner_info(runner: RunnerDefinition) -> RunnerInfo:
    if runner.status not in RUNNER_STATUSES:
        raise DataError(f"unknown runner status {runner.status!r} of selection {runner.id}")
    return RunnerInfo(
        key=runner_key(runner.id, runner.hc),
        selection_id=runner.id,
        handicap=runner.hc,
        status=runner.status,
        sort_priority=runner.sortPriority,
        adjustment_factor=runner.adjustmentFactor,
        removal_date=runner.removalDate,
        bsp=runner.bsp,
        name=runner.name,
    )


def definition_update(definition: MarketDefinition) -> DefinitionUpdate:
    """Validate a market definition (CLASSIC odds ladder only)."""
    ladder = definition.priceLadderDefinition
    if ladder is not None and ladder.type != "CLASSIC":
        raise DataError(f"price ladder {ladder.type!r} is not supported (CLASSIC only)")
    runners = tuple(runner_info(runner) for runner in definition.runners)
    keys = [runner.key for runner in runners]
    if len(set(keys)) != len(keys):
        raise DataError(f"market definition repeats a runner: {keys}")
    winners = definition.numberOfWinners
    return DefinitionUpdate(
        state=market_state(definition.status),
        in_play=definition.inPlay,
        kind=group_kind(definition),
        number_of_winners=1 if winners is None else winners,
        runners=runners,
        wire=definition,
    )


def runner_token(market_id: str, key: str, name: str | None = None) -> OutcomeToken:
    """The outcome token of one runner; ``name`` defaults to the runner key."""
    return OutcomeToken(
        id=token_id(market_id, key),
        venue=VENUE,
        symbol=f"{market_id}:{key}",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=ODDS_DECIMALS,
        size_decimals=STAKE_DECIMALS,
        ticks=BETFAIR_LADDER,
        min_size=MIN_STAKE_UNITS,
        quote_currency=QUOTE_CURRENCY,
        price_space=PriceSpace.DECIMAL_ODDS,
        bounded=True,
        market_id=market_id,
        outcome=name if name else key,
        group_id=group_id(market_id),
    )


def outcome_group(
    market_id: str,
    definition: DefinitionUpdate,
    tokens: Mapping[str, OutcomeToken],
    title: str = "",
) -> OutcomeGroup:
    """The market's outcome group over ``tokens`` (runner key -> token), definition order."""
    members = [tokens[runner.key] for runner in definition.runners]
    return OutcomeGroup(
        id=group_id(market_id),
        venue=VENUE,
        kind=definition.kind,
        instrument_ids=tuple(token.id for token in members),
        number_of_winners=definition.number_of_winners,
        title=title,
        names=tuple(token.outcome for token in members),
    )


def catalogue_names(catalogue: MarketCatalogue | None) -> dict[str, str]:
    """Runner key -> runner name from a listMarketCatalogue entry."""
    if catalogue is None:
        return {}
    return {
        runner_key(runner.selectionId, runner.handicap): runner.runnerName
        for runner in catalogue.runners
        if runner.runnerName
    }


def decode_catalogues(text: str | bytes) -> list[MarketCatalogue]:
    """Decode a listMarketCatalogue file (one entry or a list of them)."""
    try:
        decoded = CATALOGUE_DECODER.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(f"not a market catalogue: {error}") from None
    return decoded if isinstance(decoded, list) else [decoded]


# ---- messages -------------------------------------------------------------------------------
def decode_message(line: str | bytes) -> StreamMessage:
    """Decode one stream message; ``MalformedMessage`` (a ``DataError``) if it is not one."""
    try:
        return STREAM_DECODER.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(f"not a stream message: {error}") from None


def runner_update(change: RunnerChange) -> RunnerUpdate:
    """Convert one runner change to units (``DataError`` on anything off the ladder)."""
    if change.ltp is None:
        last_traded_price = None
    else:
        try:
            last_traded_price = odds_to_units(change.ltp)
        except DataError as error:
            raise DataError(f"ltp: {error}") from None
    return RunnerUpdate(
        key=runner_key(change.id, change.hc),
        selection_id=change.id,
        handicap=change.hc,
        back=price_levels(change.atb, "atb"),
        lay=price_levels(change.atl, "atl"),
        best_back=position_levels(change.batb, "batb"),
        best_lay=position_levels(change.batl, "batl"),
        display_back=position_levels(change.bdatb, "bdatb"),
        display_lay=position_levels(change.bdatl, "bdatl"),
        traded=price_levels(change.trd, "trd"),
        last_traded_price=last_traded_price,
        traded_volume=None if change.tv is None else stake_to_units(change.tv),
    )


def market_update(change: MarketChange) -> MarketUpdate:
    """Convert one market change; errors name the market."""
    try:
        definition = (
            None if change.marketDefinition is None else definition_update(change.marketDefinition)
        )
        runners = tuple(runner_update(runner) for runner in change.rc)
        volume = None if change.tv is None else stake_to_units(change.tv)
    except DataError as error:
        raise DataError(f"market {change.id}: {error}") from None
    return MarketUpdate(change.id, change.img, definition, runners, volume)


def convert_message(message: StreamMessage) -> tuple[int, tuple[MarketUpdate, ...]] | None:
    """Return ``(ts_event_ns, market updates)`` of a market change message, or ``None`` for
    messages that carry no market data (heartbeats, ``connection``, ``status``, ``ocm``)."""
    if message.op in IGNORED_OPS:
        return None
    if message.op != "mcm":
        raise DataError(f"unknown stream op {message.op!r}")
    if message.ct == "HEARTBEAT" or (not message.mc and message.pt is None):
        return None
    ts_event_ns = ms_to_ns(message.pt)
    return ts_event_ns, tuple(market_update(change) for change in message.mc)


# ---- orders ---------------------------------------------------------------------------------
BET_SIDES = {"BACK": "B", "LAY": "L"}
"""placeOrders side -> order stream side."""


def split_token_id(instrument_id: str) -> tuple[str, int, Decimal]:
    """``betfair:<marketId>:<selectionId>[:<handicap>]`` -> (market id, selection id, handicap).

    >>> split_token_id("betfair:1.197931750:37947503")
    ('1.197931750', 37947503, Decimal('0'))
    """
    venue, _, rest = instrument_id.partition(":")
    market_id, _, key = rest.partition(":")
    selection, _, handicap = key.partition(":")
    if venue != VENUE or not market_id or not selection.isdigit():
        raise DataError(f"not a Betfair runner id: {instrument_id!r}")
    try:
        return market_id, int(selection), Decimal(handicap) if handicap else Decimal(0)
    except ArithmeticError:
        raise DataError(f"bad handicap in {instrument_id!r}") from None


def stake_text(units: int) -> Decimal:
    """Pennies -> the stake as Betfair writes it (``Decimal("12.5")``)."""
    return Decimal(format_odds(units))


def decode_order_message(line: str | bytes) -> OrderStreamMessage:
    """Decode an ``ocm`` message; ``MalformedMessage`` if it is not one."""
    try:
        return ORDER_DECODER.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(f"not an order change message: {error}") from None
