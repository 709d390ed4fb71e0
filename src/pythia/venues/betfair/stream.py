"""The market cache: turns validated Betfair market updates into Pythia market events.

Betfair sends deltas against a cache the client keeps (definitions, ladders, cumulative
traded volume), so turning a message into events needs state. :class:`StreamParser` holds
that state; it does no I/O. Every message is converted (and so validated) in full by
:mod:`.parse` before any state changes, so a rejected message leaves the cache as it was.

What each part of a market change becomes, in this order:

1. ``marketDefinition`` -> :class:`InstrumentDefinition` for every runner token and the
   market's :class:`OutcomeGroup` when first seen or changed; a :class:`MarketStatus` for
   the market when its status or ``inPlay`` changes; for a runner newly removed (non-runner)
   a per-instrument ``MarketStatus`` (CLOSED) and an empty :class:`BookSnapshot` (Betfair
   cancels unmatched bets on a removed runner).
2. runner changes, per runner: one :class:`Trade` per price whose cumulative ``trd`` volume
   rose (size = the rise, no aggressor, id ``<marketId>:<runner key>:<pt>:<odds>``), then
   the book: ``img`` -> :class:`BookSnapshot` for every runner of the market (empty when the
   image has nothing for it), else a :class:`BookDelta` (``atb`` -> bids, ``atl`` -> asks).
   The first image of a runner only sets the volume baseline; a later image (resubscription)
   reports the rise since the last known volume.
3. a :class:`Resolution`, once per market, on the first CLOSED definition in which runners
   carry results (WINNER / PLACED -> winners, LOSER -> losers, REMOVED / REMOVED_VACANT /
   HIDDEN or removed earlier -> removed). Runners still ACTIVE are in none of the three.

Book source: a market's book comes from the full ``atb``/``atl`` ladders when the stream
carries them (decided on the first market change holding any ladder). Streams subscribed
to best-N ladders only are supported: the book is then built from ``batb``/``batl`` (or
from the virtual display ladders ``bdatb``/``bdatl``) by keeping each position's level and
emitting the price-level difference. When the display ladders are not the book source they
are reported as :class:`TopOfBook` (position 0) whenever it changes. That is Betfair's
displayed best: virtual (cross-matched) bets included and stakes under the rollup limit
rolled into the next price, so it can differ from the book's best (in the recorded WIN
market £0.71 at 70 shows as £1.18 at 65, with the £0.47 there).

Crossing: ``atb``/``atl`` hold real offers only and Betfair matches crossing offers at
once, so these books never cross; both recordings were checked after every message and
the books keep the default ``CrossPolicy.REJECT``.
``ltp`` and ``tv`` update :attr:`StreamParser.last_traded`; definitions' settlement fields
(``adjustmentFactor``, ``removalDate``, ``bsp``) stay in :attr:`StreamParser.runners`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from pythia.model.enums import MarketState
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    Level,
    MarketEvent,
    MarketStatus,
    Resolution,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import OutcomeGroup, OutcomeToken
from pythia.venues.betfair.ladder import format_odds
from pythia.venues.betfair.parse import (
    WINNING_STATUSES,
    DefinitionUpdate,
    MarketUpdate,
    PositionLevel,
    RunnerInfo,
    RunnerUpdate,
    catalogue_names,
    convert_message,
    decode_message,
    outcome_group,
    runner_token,
)
from pythia.venues.betfair.wire import MarketCatalogue, MarketDefinition

CatalogueLookup = Callable[[str], MarketCatalogue | None]


class BookSource(enum.Enum):
    """Which ladders a market's book is built from."""

    FULL = "full"  # atb / atl, every price
    BEST = "best"  # batb / batl, best N positions
    DISPLAY = "display"  # bdatb / bdatl, best N positions with virtual bets


@dataclass(frozen=True, slots=True)
class LastTraded:
    """A runner's last traded price (``ltp``) and total traded volume (``tv``), in units."""

    price: int | None
    volume: int | None
    ts_event_ns: int


@dataclass(slots=True)
class _RunnerCache:
    traded: dict[int, int] = field(default_factory=dict)
    ladders: dict[str, dict[int, Level]] = field(default_factory=dict)
    top: tuple[Level | None, Level | None] = (None, None)


@dataclass(slots=True)
class _MarketCache:
    market_id: str
    names: dict[str, str]
    title: str
    tokens: dict[str, OutcomeToken] = field(default_factory=dict)
    group: OutcomeGroup | None = None
    status: tuple[MarketState, bool] | None = None
    runner_status: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    resolved: bool = False
    imaged: bool = False
    source: BookSource | None = None
    runners: dict[str, _RunnerCache] = field(default_factory=dict)


_SOURCE_LADDERS = {
    BookSource.FULL: None,
    BookSource.BEST: ("best_back", "best_lay"),
    BookSource.DISPLAY: ("display_back", "display_lay"),
}
_POSITION_FIELDS = ("best_back", "best_lay", "display_back", "display_lay")


def _book_source(updates: tuple[RunnerUpdate, ...]) -> BookSource | None:
    if any(u.back is not None or u.lay is not None for u in updates):
        return BookSource.FULL
    if any(u.best_back is not None or u.best_lay is not None for u in updates):
        return BookSource.BEST
    if any(u.display_back is not None or u.display_lay is not None for u in updates):
        return BookSource.DISPLAY
    return None


def _apply_positions(slots: dict[int, Level], levels: tuple[PositionLevel, ...]) -> None:
    for position, price, size in levels:
        if size:
            slots[position] = (price, size)
        else:
            slots.pop(position, None)


def _price_map(slots: dict[int, Level]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for price, size in slots.values():
        sizes[price] = sizes.get(price, 0) + size
    return sizes


def _level_diff(before: dict[int, int], after: dict[int, int]) -> tuple[Level, ...]:
    changed = [(p, s) for p, s in after.items() if before.get(p) != s]
    changed += [(p, 0) for p in before if p not in after]
    return tuple(sorted(changed))


class StreamParser:
    """Stateful Betfair market-stream parser: one line in, a list of market events out.

    >>> parser = StreamParser()
    >>> parser.parse('{"op":"mcm","ct":"HEARTBEAT","clk":"AA","pt":1650392673420}')
    []
    """

    def __init__(self, catalogue_lookup: CatalogueLookup | None = None) -> None:
        self.catalogue_lookup = catalogue_lookup
        self.markets: dict[str, _MarketCache] = {}
        self.last_traded: dict[str, LastTraded] = {}
        """Instrument id -> latest ``ltp`` / ``tv`` of the runner."""
        self.runners: dict[str, RunnerInfo] = {}
        """Instrument id -> the runner's latest definition (status, adjustment factor, ...)."""
        self.definitions: dict[str, MarketDefinition] = {}
        """Market id -> the latest market definition as sent."""
        self.market_volume: dict[str, int] = {}
        """Market id -> total matched volume (``mc.tv``) in pennies."""

    def parse(self, line: str | bytes) -> list[MarketEvent]:
        """Parse one stream message; ``DataError`` (state unchanged) if it is bad."""
        converted = convert_message(decode_message(line))
        if converted is None:
            return []
        ts_ns, updates = converted
        for update in updates:
            if update.market_id not in self.markets:
                self._new_market(update.market_id)
        events: list[MarketEvent] = []
        for update in updates:
            self._apply_market(self.markets[update.market_id], update, ts_ns, events)
        return events

    # ---- market -------------------------------------------------------------------------
    def _new_market(self, market_id: str) -> None:
        catalogue = self.catalogue_lookup(market_id) if self.catalogue_lookup else None
        title = catalogue.marketName if catalogue is not None else ""
        self.markets[market_id] = _MarketCache(market_id, catalogue_names(catalogue), title)

    def _apply_market(
        self, market: _MarketCache, update: MarketUpdate, ts: int, events: list[MarketEvent]
    ) -> None:
        if update.definition is not None:
            self._apply_definition(market, update.definition, ts, events)
        if market.source is None:
            market.source = _book_source(update.runners)
        for runner in update.runners:
            if runner.key not in market.tokens:
                token = runner_token(market.market_id, runner.key, market.names.get(runner.key))
                market.tokens[runner.key] = token
                events.append(InstrumentDefinition(token, ts, ts))
        if update.image:
            self._apply_image(market, update.runners, ts, events)
        else:
            for runner in update.runners:
                cache = market.runners.get(runner.key)
                if cache is None:
                    cache = market.runners[runner.key] = _RunnerCache()
                    # absent from the market's image, so no volume before: its trd is new
                    baseline = cache if market.imaged else None
                else:
                    baseline = cache
                self._apply_runner(market, runner, cache, baseline, ts, events, image=False)
        if update.traded_volume is not None:
            self.market_volume[market.market_id] = update.traded_volume
        if update.definition is not None:
            self._resolve(market, update.definition, ts, events)

    def _apply_definition(
        self, market: _MarketCache, definition: DefinitionUpdate, ts: int, events: list
    ) -> None:
        market_id = market.market_id
        self.definitions[market_id] = definition.wire
        for runner in definition.runners:
            token = runner_token(market_id, runner.key, market.names.get(runner.key))
            if market.tokens.get(runner.key) != token:
                market.tokens[runner.key] = token
                events.append(InstrumentDefinition(token, ts, ts))
            self.runners[token.id] = runner
        group = outcome_group(market_id, definition, market.tokens, market.title)
        if group != market.group:
            market.group = group
            events.append(InstrumentDefinition(group, ts, ts))
        status = (definition.state, definition.in_play)
        if status != market.status:
            market.status = status
            events.append(MarketStatus(market_id, definition.state, ts, ts, in_play=status[1]))
        for runner in definition.runners:
            previous = market.runner_status.get(runner.key)
            market.runner_status[runner.key] = runner.status
            instrument_id = market.tokens[runner.key].id
            if not runner.is_removed:
                if instrument_id in market.removed:  # reinstated
                    market.removed.remove(instrument_id)
                continue
            if previous is None or previous == "ACTIVE":
                if instrument_id not in market.removed:
                    market.removed.append(instrument_id)
                events.append(
                    MarketStatus(
                        market_id, MarketState.CLOSED, ts, ts, instrument_id, definition.in_play
                    )
                )
                events.append(BookSnapshot(instrument_id, (), (), ts, ts))
                cache = market.runners.get(runner.key)
                if cache is not None:
                    cache.ladders.clear()

    def _resolve(
        self, market: _MarketCache, definition: DefinitionUpdate, ts: int, events: list
    ) -> None:
        if market.resolved or definition.state is not MarketState.CLOSED:
            return
        statuses = [runner.status for runner in definition.runners]
        has_result = any(s in WINNING_STATUSES or s == "LOSER" for s in statuses)
        if not has_result and (not statuses or "ACTIVE" in statuses):
            return
        winners, losers, removed = [], [], list(market.removed)
        for runner in definition.runners:
            instrument_id = market.tokens[runner.key].id
            if runner.status in WINNING_STATUSES:
                winners.append(instrument_id)
            elif runner.status == "LOSER":
                losers.append(instrument_id)
            elif runner.is_removed and instrument_id not in removed:
                removed.append(instrument_id)
        market.resolved = True
        events.append(
            Resolution(market.market_id, tuple(winners), tuple(losers), ts, ts, tuple(removed))
        )

    # ---- runners ------------------------------------------------------------------------
    def _apply_image(
        self, market: _MarketCache, runners: tuple[RunnerUpdate, ...], ts: int, events: list
    ) -> None:
        previous = market.runners
        market.runners = {}
        for runner in runners:
            cache = market.runners[runner.key] = _RunnerCache()
            old = previous.get(runner.key)
            if old is not None:
                cache.top = old.top
            self._apply_runner(market, runner, cache, old, ts, events, image=True)
        for key, token in market.tokens.items():
            if key not in market.runners:
                events.append(BookSnapshot(token.id, (), (), ts, ts))
        market.imaged = True

    def _apply_runner(
        self,
        market: _MarketCache,
        runner: RunnerUpdate,
        cache: _RunnerCache,
        baseline: _RunnerCache | None,
        ts: int,
        events: list,
        image: bool,
    ) -> None:
        """Apply one runner change; trades are rises of ``trd`` over ``baseline``'s."""
        instrument_id = market.tokens[runner.key].id
        if runner.traded is not None:
            if baseline is not None:
                self._trades(market.market_id, runner, instrument_id, baseline.traded, ts, events)
            traded = cache.traded
            for price, volume in runner.traded:
                if volume:
                    traded[price] = volume
                else:
                    traded.pop(price, None)
        if runner.last_traded_price is not None or runner.traded_volume is not None:
            self._last_traded(instrument_id, runner, ts)
        before: dict[str, dict[int, int]] = {}
        source_fields = _SOURCE_LADDERS[market.source] if market.source else None
        for name in _POSITION_FIELDS:
            levels = getattr(runner, name)
            if levels is None:
                continue
            slots = cache.ladders.setdefault(name, {})
            if source_fields and name in source_fields:
                before[name] = _price_map(slots)
            _apply_positions(slots, levels)
        self._book_event(market, runner, cache, instrument_id, before, ts, events, image)
        if market.source is not BookSource.DISPLAY and (
            runner.display_back is not None or runner.display_lay is not None
        ):
            self._top_of_book(cache, instrument_id, ts, events)

    def _last_traded(self, instrument_id: str, runner: RunnerUpdate, ts: int) -> None:
        last = self.last_traded.get(instrument_id)
        price, volume = runner.last_traded_price, runner.traded_volume
        if last is not None:
            price = last.price if price is None else price
            volume = last.volume if volume is None else volume
        self.last_traded[instrument_id] = LastTraded(price, volume, ts)

    def _trades(
        self,
        market_id: str,
        runner: RunnerUpdate,
        instrument_id: str,
        baseline: dict[int, int],
        ts: int,
        events: list,
    ) -> None:
        pt_ms = ts // 1_000_000
        for price, volume in runner.traded:
            rise = volume - baseline.get(price, 0)
            if rise > 0:
                trade_id = f"{market_id}:{runner.key}:{pt_ms}:{format_odds(price)}"
                events.append(Trade(instrument_id, price, rise, None, trade_id, ts, ts))

    def _book_event(
        self,
        market: _MarketCache,
        runner: RunnerUpdate,
        cache: _RunnerCache,
        instrument_id: str,
        before: dict[str, dict[int, int]],
        ts: int,
        events: list,
        image: bool,
    ) -> None:
        source = market.source
        if source is None:
            if image:
                events.append(BookSnapshot(instrument_id, (), (), ts, ts))
            return
        if source is BookSource.FULL:
            bids, asks = runner.back or (), runner.lay or ()
            if image:
                bids = tuple(level for level in bids if level[1])
                asks = tuple(level for level in asks if level[1])
                events.append(BookSnapshot(instrument_id, bids, asks, ts, ts))
            elif bids or asks:
                events.append(BookDelta(instrument_id, bids, asks, ts, ts))
            return
        back_field, lay_field = _SOURCE_LADDERS[source]
        back_now = _price_map(cache.ladders.get(back_field, {}))
        lay_now = _price_map(cache.ladders.get(lay_field, {}))
        if image:
            bids, asks = tuple(sorted(back_now.items())), tuple(sorted(lay_now.items()))
            events.append(BookSnapshot(instrument_id, bids, asks, ts, ts))
            return
        bids = _level_diff(before[back_field], back_now) if back_field in before else ()
        asks = _level_diff(before[lay_field], lay_now) if lay_field in before else ()
        if bids or asks:
            events.append(BookDelta(instrument_id, bids, asks, ts, ts))

    def _top_of_book(self, cache: _RunnerCache, instrument_id: str, ts: int, events: list) -> None:
        back = cache.ladders.get("display_back", {}).get(0)
        lay = cache.ladders.get("display_lay", {}).get(0)
        if (back, lay) == cache.top:
            return
        cache.top = (back, lay)
        bid_price, bid_size = back if back else (None, None)
        ask_price, ask_size = lay if lay else (None, None)
        events.append(TopOfBook(instrument_id, bid_price, bid_size, ask_price, ask_size, ts, ts))
