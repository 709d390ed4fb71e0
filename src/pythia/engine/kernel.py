"""The event loop shared by backtest, paper and live: one clock, one queue, one set of books.

Time is injected (a :class:`SimClock` in backtests); randomness comes from one seeded
generator. Everything happens in timestamp order; events with the same timestamp are taken
in this order (the tie-break rule), and in arrival order within a rank:

0. a market event reaches the venue (the venue-side book changes, resting orders may fill);
1. an order, cancel or replace reaches the venue (after the order-entry latency);
2. a venue response (ack, reject, cancel, fill) reaches the strategy (after the response
   latency);
3. a market event reaches the strategies (after the feed latency: no look-ahead);
4. a timer fires.

With a constant zero feed latency a strategy sees each market event immediately after the
venue applied it (before anything else is processed), reading the venue's own book.

Fills change the venue-side portfolio at venue time (so balance checks are exact); the
strategy's view of positions and cash changes when the fill reaches it.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pythia.book import CrossPolicy, OrderBook, book_for
from pythia.core.errors import DataError
from pythia.engine.journaling import EngineJournal
from pythia.engine.safety import Safety
from pythia.model.events import (
    NO_SEQUENCE,
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    MarketStatus,
    Resolution,
    TickSizeChange,
    Trade,
)
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.orders import CancelRequest, OrderRequest, ReplaceRequest
from pythia.orders.manager import OrderManager, OrderState
from pythia.ports.market_data import BookSynchronizer, SyncAction
from pythia.risk.rules import RiskEngine
from pythia.sim.models.base import ConstantLatency, FeeModel, LatencyConfig
from pythia.strategy.base import Strategy

VENUE_MARKET, VENUE_ORDER, STRATEGY_RESPONSE, STRATEGY_MARKET, TIMER = range(5)


class SimClock:
    """A clock the kernel moves forward; never goes backwards."""

    __slots__ = ("_now_ns",)

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns

    def now_ns(self) -> int:
        return self._now_ns

    def advance_to(self, ts_ns: int) -> None:
        if ts_ns > self._now_ns:
            self._now_ns = ts_ns


@dataclass
class VenueSlot:
    """A venue the kernel routes to: its gateway, latencies and settlement commission.

    With a constant zero feed latency the strategies read the venue's own books (they would
    be identical copies) and see each market event right after the venue applied it.
    """

    gateway: object  # ports.execution.ExecutionVenue plus on_market_event / expire / book
    latency: LatencyConfig
    commission_bps: int = 0
    fee_model: FeeModel | None = None
    """The venue's fee formula (default: the gateway's ``profile.fee_model``)."""
    last_feed_ns: int = 0
    shared_books: bool = field(init=False)

    def __post_init__(self) -> None:
        feed = self.latency.feed
        self.shared_books = (
            isinstance(feed, ConstantLatency)
            and feed.latency_ns == 0
            and getattr(self.gateway, "has_books", True)
        )
        if self.fee_model is None:
            profile = getattr(self.gateway, "profile", None)
            self.fee_model = getattr(profile, "fee_model", None)


@dataclass
class KernelStats:
    market_events: int = 0
    dropped_unsynced: int = 0
    gaps: int = 0
    gaps_by_venue: Counter = field(default_factory=Counter)
    rejected_updates: int = 0
    strategy_errors: list[dict] = field(default_factory=list)
    rejections: Counter = field(default_factory=Counter)
    accounting_errors: list[dict] = field(default_factory=list)
    duplicate_fills: int = 0


class Kernel:
    """Runs strategies against venues over a stream of market events."""

    def __init__(
        self,
        venues: dict[str, VenueSlot],
        portfolio,
        view_portfolio,
        strategies: Iterable[Strategy],
        seed: int = 0,
        clock: SimClock | None = None,
        synchronizer_for: Callable[[Instrument], BookSynchronizer | None] = lambda _: None,
        lookup: Callable[[str], object] | None = None,
        risk: RiskEngine | None = None,
        journal: EngineJournal | None = None,
        breakers: Iterable = (),
        guards: Iterable = (),
    ) -> None:
        self.clock = clock or SimClock()
        self.rng = random.Random(seed)
        self.venues = venues
        self.portfolio = portfolio
        self.view = view_portfolio
        self.strategies = list(strategies)
        self.orders = OrderManager()
        self.stats = KernelStats()
        self.instruments: dict[str, Instrument | OutcomeGroup] = {}
        self.books: dict[str, OrderBook] = {}
        self.fills: list[FillReport] = []
        self.disabled: set[str] = set()
        self._synchronizer_for = synchronizer_for
        self._sync: dict[str, BookSynchronizer | None] = {}
        self._has_snapshot: set[str] = set()
        self._lookup = lookup
        self._queue: list = []
        self._seq = 0
        self._owner: dict[str, Strategy] = {}
        self._observers: list[Callable[[int], None]] = []
        self._contexts: dict[str, object] = {}
        self._shared: set[str] = set()
        self._trade_ids: set[str] = set()
        self.event_index = 0
        """Market events taken so far (control inputs are journaled against it)."""
        self.unsynced: set[str] = set()
        """Books whose sync rule dropped an update since their last snapshot."""
        self.book_updated_ns: dict[str, int] = {}
        self.safety = Safety(self, risk, journal, breakers, guards)

    # ---- setup ----------------------------------------------------------------------------
    def add_definition(self, definition: Instrument | OutcomeGroup) -> None:
        self.instruments[definition.id] = definition
        self.portfolio.register(definition)
        self.view.register(definition)
        if isinstance(definition, Instrument):
            slot = self.venues.get(definition.venue)
            if slot is not None:
                slot.gateway.add_instrument(definition)
            if slot is not None and slot.shared_books:
                self.books[definition.id] = slot.gateway.book(definition.id)
                self._shared.add(definition.id)
            elif definition.id not in self.books:
                self.books[definition.id] = book_for(definition, CrossPolicy.DROP_STALE)
            self._sync[definition.id] = self._synchronizer_for(definition)
        if self._contexts:  # started: tell the strategies (before that, on_start sees all)
            for strategy in self.strategies:
                if strategy.id not in self.disabled:
                    self._call(strategy, strategy.on_instrument, definition)

    def slot_for(self, instrument_id: str) -> VenueSlot:
        """The venue slot trading ``instrument_id``."""
        instrument = self._instrument(instrument_id)
        slot = None if instrument is None else self.venues.get(instrument.venue)
        if slot is None:
            raise DataError(f"no venue trades {instrument_id!r}")
        return slot

    def on_sample(self, observer: Callable[[int], None]) -> None:
        """Call ``observer(ts_ns)`` after every venue-side market event (for reports)."""
        self._observers.append(observer)

    def _instrument(self, instrument_id: str) -> Instrument | None:
        found = self.instruments.get(instrument_id)
        if found is None and self._lookup is not None:
            candidate = self._lookup(instrument_id)
            if candidate is not None:
                self.add_definition(candidate)
                found = candidate
        return found if isinstance(found, Instrument) else None

    # ---- the loop -------------------------------------------------------------------------
    def schedule(self, ts_ns: int, rank: int, action, payload) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (ts_ns, rank, self._seq, action, payload))

    def start(self) -> None:
        """Give every strategy its context and call ``on_start`` (once, before any event)."""
        from pythia.engine.context import EngineContext

        for strategy in self.strategies:
            context = EngineContext(self, strategy)
            self._contexts[strategy.id] = context
            self._call(strategy, strategy.on_start, context)

    def run(self, events: Iterable[MarketEvent]) -> None:
        """Backtest: take every event in order, then drain the queue and stop."""
        self.start()
        queue = self._queue
        safety = self.safety
        for event in events:
            ts = event.ts_recv_ns
            while queue and (queue[0][0], queue[0][1]) < (ts, VENUE_MARKET):
                self._pop()
            self.clock.advance_to(ts)
            safety.before_event(self.event_index)
            safety.on_time(ts)
            self._venue_market(event)
            self.event_index += 1
        self.finish()

    # ---- live stepping (engine.live drives these with a wall clock) ------------------------
    def step(self, event: MarketEvent) -> None:
        """Take one market event now (live and paper runs): due work first, then the event."""
        ts = event.ts_recv_ns
        self.advance(ts)
        self.safety.before_event(self.event_index)
        self.safety.on_time(ts)
        self._venue_market(event)
        self.event_index += 1

    def advance(self, ts_ns: int) -> None:
        """Do everything scheduled before ``ts_ns`` (orders, responses, timers), then move the
        clock there."""
        queue = self._queue
        while queue and (queue[0][0], queue[0][1]) < (ts_ns, VENUE_MARKET):
            self._pop()
        self.clock.advance_to(ts_ns)

    def next_due_ns(self) -> int | None:
        """When the next scheduled item is due (None: nothing scheduled)."""
        return self._queue[0][0] if self._queue else None

    def venue_responses(self, venue: str, responses: list) -> None:
        """Answers a live venue sent on its own (user channel): journal, book, forward."""
        self._route(responses, self.venues[venue])

    def finish(self) -> None:
        """Apply pending control inputs, drain the queue, call ``on_stop``."""
        self.safety.before_event(self.event_index)
        while self._queue:
            self._pop()
        for strategy in self.strategies:
            self._call(strategy, strategy.on_stop)

    def _pop(self) -> None:
        ts, _, _, action, payload = heapq.heappop(self._queue)
        self.clock.advance_to(ts)
        action(payload)

    # ---- venue side -----------------------------------------------------------------------
    def _venue_market(self, event: MarketEvent) -> None:
        kind = event.__class__
        if kind is InstrumentDefinition:
            self.add_definition(event.definition)
            return
        instrument_id = getattr(event, "instrument_id", "")
        instrument = self._instrument(instrument_id) if instrument_id else None
        if kind is BookDelta or kind is BookSnapshot:
            if instrument is None or not self._synced(event):
                return
        self.stats.market_events += 1
        ts = event.ts_recv_ns
        slot = self.venues.get(instrument.venue) if instrument is not None else None
        if slot is None and kind is Resolution:
            slot = self._slot_for_market(event)
        if slot is not None:
            try:
                responses = slot.gateway.on_market_event(event)
            except DataError:
                self.stats.rejected_updates += 1
                responses = []
            self._route(responses, slot)
            if kind is Resolution:
                self.safety.record(
                    "settlement",
                    {
                        "market_id": event.market_id,
                        "winners": list(event.winners),
                        "losers": list(event.losers),
                        "removed": list(event.removed),
                        "commission_bps": slot.commission_bps,
                    },
                )
                self.portfolio.settle(event, ts, commission_bps=slot.commission_bps)
            if slot.shared_books:
                for observer in self._observers:
                    observer(ts)
                self._strategy_market(event)
                return
            feed_ns = max(ts + slot.latency.feed.sample_ns(self.rng), slot.last_feed_ns)
            slot.last_feed_ns = feed_ns
        else:
            feed_ns = ts
        for observer in self._observers:
            observer(ts)
        self.schedule(feed_ns, STRATEGY_MARKET, self._strategy_market, event)

    def _slot_for_market(self, event: Resolution) -> VenueSlot | None:
        for instrument_id in (*event.winners, *event.losers, *event.removed):
            instrument = self._instrument(instrument_id)
            if instrument is not None:
                return self.venues.get(instrument.venue)
        return None

    def _synced(self, event: BookSnapshot | BookDelta) -> bool:
        """Apply the venue's sync rule once, at venue time; drop what it rejects."""
        instrument_id = event.instrument_id
        sync = self._sync.get(instrument_id)
        if event.__class__ is BookSnapshot:
            self._has_snapshot.add(instrument_id)
            self.unsynced.discard(instrument_id)
            if sync is not None:
                sync.on_snapshot(event.sequence)
            return True
        if sync is None:
            return True
        if instrument_id not in self._has_snapshot:
            self.stats.dropped_unsynced += 1
            return False
        action = sync.check(event.first_sequence, event.sequence, event.prev_sequence)
        if action == SyncAction.DROP:
            self.stats.dropped_unsynced += 1
            self.unsynced.add(instrument_id)
            return False
        if action == SyncAction.GAP:
            self.stats.gaps += 1  # keep going with stale-level dropping (see data.integrity)
            self.stats.gaps_by_venue[instrument_id.split(":", 1)[0]] += 1
        return True

    def _route(self, responses: list, slot: VenueSlot) -> None:
        for response in responses:
            if response.__class__ is FillReport:
                if response.trade_id in self._trade_ids:
                    self.stats.duplicate_fills += 1  # a venue repeating itself: book it once
                    continue
                self._trade_ids.add(response.trade_id)
            self.safety.venue_response(response)
            if response.__class__ is FillReport:
                try:
                    self.portfolio.apply_fill(response)
                except DataError as error:
                    # The venue filled what the account cannot hold: an accounting bug.
                    # Keep the ledger consistent (the fill is not booked) and report it.
                    self.stats.accounting_errors.append(
                        {
                            "ts_ns": response.ts_event_ns,
                            "trade_id": response.trade_id,
                            "error": str(error),
                        }
                    )
                    continue
                self.fills.append(response)
            elif response.status is OrderStatus.REJECTED:
                self.stats.rejections[response.reason or "unknown"] += 1
                self.safety.on_rejection(response.reason or "unknown")
            delay = slot.latency.response.sample_ns(self.rng)
            self.schedule(
                response.ts_event_ns + delay, STRATEGY_RESPONSE, self._strategy_response, response
            )

    def send(self, request, strategy: Strategy) -> None:
        """Route a request from a strategy to its venue after the order-entry latency."""
        instrument_id = (
            request.replacement.instrument_id
            if isinstance(request, ReplaceRequest)
            else request.instrument_id
        )
        instrument = self._instrument(instrument_id)
        slot = self.venues.get(instrument.venue) if instrument is not None else None
        if slot is None:
            raise DataError(f"no venue for instrument {instrument_id!r}")
        new = request if isinstance(request, OrderRequest) else None
        if isinstance(request, ReplaceRequest):
            new = request.replacement
        if new is not None:
            self._owner[new.client_order_id] = strategy
            decision = self.safety.check(new, strategy.id)
            if not decision.accepted:
                self.stats.rejections[f"risk:{decision.reason}"] += 1
                rejection = self.safety.rejection(new, decision)
                self.schedule(
                    self.clock.now_ns(), STRATEGY_RESPONSE, self._strategy_response, rejection
                )
                if isinstance(request, ReplaceRequest):
                    self._restore_replaced(request.client_order_id)
                return
        self.safety.sent(request, strategy.id)
        arrival = self.clock.now_ns() + slot.latency.order_entry.sample_ns(self.rng)
        self.schedule(arrival, VENUE_ORDER, self._venue_order, (request, slot))

    def _restore_replaced(self, client_order_id: str) -> None:
        """A refused replacement leaves the original order working as it was."""
        order = self.orders.get(client_order_id)
        if order is not None and order.state is OrderState.CANCEL_PENDING:
            state = OrderState.PARTIALLY_FILLED if order.filled_size else OrderState.ACCEPTED
            self.orders.transition(order, state, self.clock.now_ns())

    def _venue_order(self, payload) -> None:
        request, slot = payload
        ts = self.clock.now_ns()
        gateway = slot.gateway
        expired = gateway.expire(ts)
        self._route(expired, slot)
        if isinstance(request, OrderRequest):
            responses = gateway.submit(request, ts)
        elif isinstance(request, CancelRequest):
            responses = gateway.cancel(request, ts)
        else:
            responses = gateway.replace(request, ts)
        self._route(responses, slot)

    # ---- strategy side ----------------------------------------------------------------------
    def _strategy_market(self, event: MarketEvent) -> None:
        kind = event.__class__
        if kind is BookDelta or kind is BookSnapshot:
            book = self.books.get(event.instrument_id)
            if book is None:
                return
            try:
                if event.instrument_id in self._shared:
                    pass  # the venue already applied it to this very book
                elif kind is BookDelta:
                    book.apply_delta(event)
                else:
                    book.apply_snapshot(event)
            except DataError:
                self.stats.rejected_updates += 1
                return
            self.book_updated_ns[event.instrument_id] = event.ts_recv_ns
            self.safety.on_book(event.instrument_id, book, event.ts_recv_ns)
            for strategy in self.strategies:
                if strategy.id not in self.disabled:
                    self._call(strategy, strategy.on_book, event.instrument_id, book)
        elif kind is Trade:
            for strategy in self.strategies:
                if strategy.id not in self.disabled:
                    self._call(strategy, strategy.on_trade, event)
        elif kind is TickSizeChange:
            self._tick_change(event)
        elif kind is MarketStatus:
            for strategy in self.strategies:
                if strategy.id not in self.disabled:
                    self._call(strategy, strategy.on_status, event)
        elif kind is Resolution:
            slot = self._slot_for_market(event)
            commission = slot.commission_bps if slot is not None else 0
            self.view.settle(event, event.ts_recv_ns, commission_bps=commission)
            for strategy in self.strategies:
                if strategy.id not in self.disabled:
                    self._call(strategy, strategy.on_resolution, event)

    def _tick_change(self, event: TickSizeChange) -> None:
        instrument = self._instrument(event.instrument_id)
        if instrument is None:
            return
        ticks = instrument.ticks.with_tick(event.new_tick)
        self.add_definition(instrument.with_ticks(ticks))
        if event.instrument_id not in self._shared:
            self.books[event.instrument_id].set_ticks(ticks)

    def _strategy_response(self, response) -> None:
        strategy = self._owner.get(response.client_order_id)
        try:
            if response.__class__ is FillReport:
                order = self.orders.on_fill(response)
                if order is None:
                    return
                self.view.apply_fill(response)
                self.safety.on_fill(response)
            else:
                self.orders.on_update(response)
        except DataError as error:
            # an illegal transition or an unknown order: counted, journaled, state untouched
            self.stats.rejected_updates += 1
            entry = {"ts_ns": self.clock.now_ns(), "strategy": "", "error": str(error)}
            self.stats.strategy_errors.append(entry)
            self.safety.record("order_error", entry, "", response.instrument_id)
            return
        if strategy is None or strategy.id in self.disabled:
            return
        if response.__class__ is FillReport:
            self._call(strategy, strategy.on_fill, response)
        else:
            self._call(strategy, strategy.on_order, response)

    def _call(self, strategy: Strategy, callback, *args) -> None:
        """Run a strategy callback; an exception disables that strategy only."""
        try:
            callback(*args)
        except Exception as error:  # noqa: BLE001 - isolation is the point
            self.disabled.add(strategy.id)
            entry = {
                "ts_ns": self.clock.now_ns(),
                "strategy": strategy.id,
                "callback": getattr(callback, "__name__", "?"),
                "error": f"{type(error).__name__}: {error}",
            }
            self.stats.strategy_errors.append(entry)
            self.safety.record("strategy_error", entry, strategy.id)
            self.safety.on_error(entry["error"])

    def timer(self, strategy: Strategy, name: str, at_ns: int) -> None:
        at_ns = max(at_ns, self.clock.now_ns())
        self.schedule(at_ns, TIMER, self._fire_timer, (strategy, name, at_ns))

    def _fire_timer(self, payload) -> None:
        strategy, name, at_ns = payload
        if strategy.id not in self.disabled:
            self._call(strategy, strategy.on_timer, name, at_ns)


def order_update_reason(update: OrderUpdate) -> str:
    return update.reason or update.status.value


__all__ = ["Kernel", "KernelStats", "SimClock", "VenueSlot", "NO_SEQUENCE"]
