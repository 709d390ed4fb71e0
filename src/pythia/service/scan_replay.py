"""``pythia scan --data DATASET``: scan a recorded dataset over time, incrementally.

The dataset is opened like a backtest's (:func:`pythia.service.backtest.open_data`: a
bundled name, a catalog directory or ``VENUE:FILE[,FILE...]``) and replayed in order:

- definitions (``InstrumentDefinition``, tick changes) register tokens and groups; when
  they change, the arbitrage indexes are rebuilt from the current books;
- book snapshots and deltas pass the venue's sync rule first, as in the kernel (a delta
  before any snapshot, or one the rule drops, is counted in ``dropped_unsynced``), then go
  to the instrument's book (``CrossPolicy.DROP_STALE``, as the kernel's books; an update
  the book refuses is counted in ``rejected_updates``);
- market status events halt (or resume) the groups of that market;
- after each applied book update, :meth:`ArbitrageIndex.on_book` re-evaluates only the
  groups reading that book.

Each opportunity's lifetime is keyed by (group, kind): first and last seen (receive time),
the number of evaluations that found it (``updates``), how many separate times it appeared
(``episodes``) and the opportunity at its best profit. Fees and settings are those of
:mod:`pythia.service.scan_core` (venue profiles; Betfair commission from the market's
``marketBaseRate`` when the reader knows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pythia.book import CrossPolicy, OrderBook, book_for
from pythia.core.clock import ns_to_iso
from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.model.enums import MarketState
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketStatus,
    TickSizeChange,
)
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.ports.market_data import SyncAction
from pythia.service.scan import venue_group_id
from pythia.strategy.arbitrage.model import Opportunity
from pythia.strategy.arbitrage.watch import GroupWatch
from pythia.venues import profile_for

PROGRESS_EVERY = 1000


@dataclass
class Lifetime:
    """How long one (group, kind) opportunity lived during the replay."""

    first_seen_ns: int
    last_seen_ns: int
    best: Opportunity
    best_seen_ns: int
    updates: int = 1
    episodes: int = 1
    open: bool = True

    def as_dict(self, venue_id: str) -> dict:
        return {
            **self.best.as_dict(),
            "group": venue_id,
            "group_id": self.best.group,
            "best_profit": format_units(self.best.profit_micros, MONEY_DECIMALS),
            "first_seen": ns_to_iso(self.first_seen_ns),
            "last_seen": ns_to_iso(self.last_seen_ns),
            "first_seen_ns": self.first_seen_ns,
            "last_seen_ns": self.last_seen_ns,
            "best_seen": ns_to_iso(self.best_seen_ns),
            "best_seen_ns": self.best_seen_ns,
            "updates": self.updates,
            "episodes": self.episodes,
        }


class ReplayScan:
    """Replay market events into books and arbitrage indexes; keep opportunity lifetimes."""

    def __init__(
        self,
        synchronizer_for: Callable[[Instrument], object] = lambda _: None,
        *,
        max_capital_micros: int | None = None,
        min_profit_micros: int = 0,
        commission_bps: Callable[[OutcomeGroup], int | None] = lambda _: None,
        lookup: Callable[[str], Instrument | OutcomeGroup | None] | None = None,
        dependencies=None,
        combinatorial_every_ns: int = 250_000_000,
    ) -> None:
        self.synchronizer_for = synchronizer_for
        self.lookup = lookup
        self.max_capital_micros = max_capital_micros
        self.commission_for = commission_bps
        self.books: dict[str, OrderBook] = {}
        self.watch = GroupWatch(
            self.fee_for,
            self.books,
            self._commission,
            max_capital_micros=max_capital_micros,
            min_profit_micros=min_profit_micros,
        )
        self.instruments = self.watch.instruments
        self.groups = self.watch.groups
        self.halted = self.watch.halted
        self.lifetimes: dict[tuple[str, str], Lifetime] = {}
        self._open: dict[str, set[tuple[str, str]]] = {}
        self.stats = dict.fromkeys(
            ("events", "book_updates", "rejected_updates", "dropped_unsynced", "gaps"), 0
        )
        self._sync: dict[str, object] = {}
        self._has_snapshot: set[str] = set()
        self._fees: dict[str, object] = {}
        self.combo = None
        if dependencies is not None:
            from pythia.strategy.arbitrage.combinatorial import CombinatorialWatch

            self.combo = CombinatorialWatch(
                dependencies, self.fee_for, min_profit_micros=min_profit_micros
            )
        self.combo_every_ns = combinatorial_every_ns
        self._combo_next_ns = 0
        self._combo_reads: set[str] = set()

    # ---- definitions ---------------------------------------------------------------------
    def define(self, definition: Instrument | OutcomeGroup) -> None:
        self._combo_reads = set()  # recomputed from the definitions on the next update
        known = self.instruments.get(definition.id)
        if not self.watch.define(definition) or isinstance(definition, OutcomeGroup):
            return
        self._sync[definition.id] = self.synchronizer_for(definition)
        book = self.books.get(definition.id)
        if book is not None and known is not None and known.ticks != definition.ticks:
            book.set_ticks(definition.ticks)

    def fee_for(self, instrument: Instrument):
        model = self._fees.get(instrument.venue)
        if model is None:
            model = self._fees[instrument.venue] = profile_for(instrument.venue).fee_model
        return model

    def _commission(self, group: OutcomeGroup) -> int:
        commission = self.commission_for(group)
        if commission is None:
            commission = profile_for(group.venue).settlement_commission_bps
        return commission

    # ---- events --------------------------------------------------------------------------
    def on_event(self, event) -> None:
        self.stats["events"] += 1
        kind = event.__class__
        if kind is InstrumentDefinition:
            self.define(event.definition)
        elif kind is BookSnapshot or kind is BookDelta:
            self._on_book(event)
        elif kind is MarketStatus:
            self._on_status(event)
        elif kind is TickSizeChange:
            known = self.instruments.get(event.instrument_id)
            if known is not None:
                self.define(known.with_ticks(known.ticks.with_tick(event.new_tick)))

    def _on_book(self, event: BookSnapshot | BookDelta) -> None:
        instrument_id = event.instrument_id
        instrument = self.instruments.get(instrument_id)
        if instrument is None and self.lookup is not None:
            found = self.lookup(instrument_id)  # registered by the reader, never announced
            if isinstance(found, Instrument):
                self.define(found)
                instrument = found
        if instrument is None or not self._synced(event):
            return
        book = self.books.get(instrument_id)
        if book is None:
            book = self.books[instrument_id] = book_for(instrument, CrossPolicy.DROP_STALE)
        try:
            if event.__class__ is BookSnapshot:
                book.apply_snapshot(event)
            else:
                book.apply_delta(event)
        except DataError:
            self.stats["rejected_updates"] += 1
            return
        self.stats["book_updates"] += 1
        found = self.watch.on_book(instrument_id)
        self._record(event.ts_recv_ns, self.watch.readers(instrument_id), found)
        if self.combo is not None:
            self._on_combinatorial(instrument_id, event.ts_recv_ns)

    def _on_combinatorial(self, instrument_id: str, ts_ns: int) -> None:
        """Re-solve the dependency basket after an update of one of its books, at most every
        ``combinatorial_every_ns`` of recording time (an LP solve per update would dominate)."""
        if not self._combo_reads:
            self._combo_reads = self.combo.reads(self.instruments)
        if instrument_id not in self._combo_reads or ts_ns < self._combo_next_ns:
            return
        if not self.combo.ready(self.instruments, self.books):
            return  # not every book yet: nothing to solve, and no reason to wait
        self._combo_next_ns = ts_ns + self.combo_every_ns
        found = self.combo.evaluate(self.instruments, self.books, self.max_capital_micros)
        self._record(ts_ns, (self.combo.group,), [found] if found is not None else [])

    def _synced(self, event: BookSnapshot | BookDelta) -> bool:
        """The venue's sync rule, applied as the kernel applies it."""
        instrument_id = event.instrument_id
        sync = self._sync.get(instrument_id)
        if event.__class__ is BookSnapshot:
            self._has_snapshot.add(instrument_id)
            if sync is not None:
                sync.on_snapshot(event.sequence)
            return True
        if sync is None:
            return True
        if instrument_id not in self._has_snapshot:
            self.stats["dropped_unsynced"] += 1
            return False
        action = sync.check(event.first_sequence, event.sequence, event.prev_sequence)
        if action == SyncAction.DROP:
            self.stats["dropped_unsynced"] += 1
            return False
        if action == SyncAction.GAP:
            self.stats["gaps"] += 1
        return True

    def _on_status(self, event: MarketStatus) -> None:
        if event.instrument_id:
            return  # one runner (a non-runner): its group's definition says what changed
        groups = self.watch.market_groups(event.market_id)
        halted = event.state is not MarketState.OPEN
        for group_id, found in self.watch.set_halted(groups, halted).items():
            self._record(event.ts_recv_ns, (group_id,), found)

    # ---- lifetimes -----------------------------------------------------------------------
    def _record(self, ts_ns: int, groups, found: list[Opportunity]) -> None:
        seen = {(o.group, o.kind.value): o for o in found}
        for group in groups:  # an episode ends when its group is evaluated without it
            for key in list(self._open.get(group, ())):
                if key not in seen:
                    self.lifetimes[key].open = False
                    self._open[group].discard(key)
        for key, opportunity in seen.items():
            self._open.setdefault(key[0], set()).add(key)
            lifetime = self.lifetimes.get(key)
            if lifetime is None:
                self.lifetimes[key] = Lifetime(ts_ns, ts_ns, opportunity, ts_ns)
                continue
            if not lifetime.open:
                lifetime.open = True
                lifetime.episodes += 1
            lifetime.last_seen_ns = ts_ns
            lifetime.updates += 1
            if opportunity.profit_micros > lifetime.best.profit_micros:
                lifetime.best, lifetime.best_seen_ns = opportunity, ts_ns

    @property
    def evaluations(self) -> int:
        return self.watch.evaluations + (self.combo.evaluations if self.combo else 0)

    def final_rejected(self):
        return self.watch.rejected()


def scan_dataset(
    dataset,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    progress: Callable[[int], None] | None = None,
    dependencies=None,
) -> dict:
    """Replay ``dataset`` (a name for :func:`open_data`, or what it opened) and return
    opportunity lifetimes, final rejections, counters and the reader's rejected messages
    (as ``problems``)."""
    from pythia.service.backtest import OpenedData, open_data

    opened = dataset if isinstance(dataset, OpenedData) else open_data(dataset)
    name = dataset if isinstance(dataset, str) else ",".join(opened.venues)
    source = opened.source
    market_definitions = lambda: getattr(source, "market_definitions", {})  # noqa: E731

    def commission(group: OutcomeGroup) -> int | None:
        definition = market_definitions().get(group.id.partition(":")[2])
        rate = getattr(definition, "marketBaseRate", None)
        return None if rate is None else int(Decimal(rate) * 100)

    scan = ReplayScan(
        opened.synchronizer_for,
        max_capital_micros=max_capital_micros,
        min_profit_micros=min_profit_micros,
        commission_bps=commission,
        lookup=getattr(source, "instrument", None),
        dependencies=dependencies,
    )
    for definition in source.instruments():
        scan.define(definition)
    for count, event in enumerate(source.events(), start=1):
        scan.on_event(event)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    lifetimes = sorted(
        scan.lifetimes.values(), key=lambda lt: (-lt.best.profit_micros, lt.first_seen_ns)
    )
    rejected = [r.as_dict() for r in scan.final_rejected()]
    problems = [
        {"file": name, "reason": reason, "detail": detail}
        for reason, detail in source.rejects.examples
    ]
    return {
        "opportunities": [lt.as_dict(venue_group_id(lt.best.group)) for lt in lifetimes],
        "rejected": [
            {**r, "group": venue_group_id(r["group"]), "group_id": r["group"]} for r in rejected
        ],
        "problems": problems,
        "evaluations": scan.evaluations,
        **scan.stats,
    }
