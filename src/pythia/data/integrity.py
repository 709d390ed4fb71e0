"""Book integrity check: replay a capture and compare the rebuilt book with the venue's own
top of book.

Rules:

- Deltas pass through the venue's :class:`~pythia.ports.market_data.BookSynchronizer`
  (stale ones dropped, gaps reported). A capture without a snapshot never syncs; its
  deltas are counted as ``unsynced_deltas`` and not applied.
- **Gap recovery** (documented policy): after a gap the checker keeps applying diffs to the
  book it has (there is no new snapshot in a recording), with the book's cross policy set to
  ``DROP_STALE``: when an update leaves the book crossed, the crossing level that was updated
  longest ago is dropped and counted in ``stale_levels_dropped``. A later snapshot resyncs.
- **Sequenced references** (Binance ``bookTicker``): after each applied diff batch, the top
  of book (best bid price and size, best ask price and size) must equal the latest reference
  whose update id is at or below the batch's final update id. Comparison is by update id,
  not arrival order; a batch with no reference newer than the previous batch is skipped.
- **Unsequenced references** (Polymarket ``best_bid``/``best_ask``): compared at once with
  the book as it stands after the events before it; sizes are compared only when given.
  References before the instrument's first snapshot are skipped (the book is partial).
  For a binary token whose book has an empty side (Kalshi publishes bids only), that side
  is derived from the complement token's book (a NO bid at y is a YES ask at 1 - y).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pythia.book import CrossPolicy, OrderBook, book_for
from pythia.core.errors import DataError
from pythia.model.events import (
    NO_SEQUENCE,
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    TickSizeChange,
    TopOfBook,
)
from pythia.model.instruments import Instrument, PriceSpace
from pythia.ports.market_data import BookSynchronizer, SyncAction

Top = tuple[int | None, int | None, int | None, int | None]


def top_of(book: OrderBook) -> Top:
    bid, ask = book.best_bid(), book.best_ask()
    return (
        None if bid is None else bid[0],
        None if bid is None else bid[1],
        None if ask is None else ask[0],
        None if ask is None else ask[1],
    )


@dataclass
class _Batch:
    first_sequence: int
    sequence: int
    previous_sequence: int
    top: Top
    ts_recv_ns: int


@dataclass
class InstrumentCheck:
    """Per-instrument state and counters of a check."""

    book: OrderBook
    synchronizer: BookSynchronizer | None
    synced: bool = False
    ever_synced: bool = False
    deltas_applied: int = 0
    deltas_dropped: int = 0
    unsynced_deltas: int = 0
    rejected: int = 0
    gaps: list[dict] = field(default_factory=list)
    pending: deque = field(default_factory=deque)
    references: list[tuple[int, Top]] = field(default_factory=list)
    last_batch_sequence: int = NO_SEQUENCE
    checked: int = 0
    skipped: int = 0


@dataclass
class IntegrityReport:
    checked: int = 0
    mismatched: int = 0
    skipped: int = 0
    gaps: int = 0
    synced: bool = False
    stale_levels_dropped: int = 0
    deltas_applied: int = 0
    deltas_dropped: int = 0
    unsynced_deltas: int = 0
    rejected_updates: int = 0
    mismatches: list[dict] = field(default_factory=list)
    gap_details: list[dict] = field(default_factory=list)
    instruments: dict[str, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "mismatched": self.mismatched,
            "skipped": self.skipped,
            "gaps": self.gaps,
            "synced": self.synced,
            "stale_levels_dropped": self.stale_levels_dropped,
            "deltas_applied": self.deltas_applied,
            "deltas_dropped": self.deltas_dropped,
            "unsynced_deltas": self.unsynced_deltas,
            "rejected_updates": self.rejected_updates,
            "mismatches": self.mismatches,
            "gap_details": self.gap_details,
            "instruments": self.instruments,
        }


class IntegrityChecker:
    """Replay events and compare books with the venue's references.

    ``instruments`` maps ids to instruments (more may arrive as ``InstrumentDefinition``);
    ``synchronizer_for`` returns the venue's sync rule for an instrument (or None when the
    venue sends no sequence numbers); ``lookup`` finds instruments a source discovers while
    it is being read.
    """

    def __init__(
        self,
        instruments: Iterable[Instrument],
        synchronizer_for: Callable[[Instrument], BookSynchronizer | None] = lambda _: None,
        max_listed: int = 50,
        lookup: Callable[[str], object] | None = None,
    ) -> None:
        self._instruments = {i.id: i for i in instruments if isinstance(i, Instrument)}
        self._lookup = lookup
        self._synchronizer_for = synchronizer_for
        self._states: dict[str, InstrumentCheck] = {}
        self.report = IntegrityReport()
        self.max_listed = max_listed

    def _state(self, instrument_id: str) -> InstrumentCheck:
        state = self._states.get(instrument_id)
        if state is None:
            instrument = self._instruments.get(instrument_id)
            if instrument is None and self._lookup is not None:
                found = self._lookup(instrument_id)
                instrument = found if isinstance(found, Instrument) else None
                if instrument is not None:
                    self._instruments[instrument_id] = instrument
            if instrument is None:
                raise DataError(f"unknown instrument {instrument_id!r}")
            book = book_for(instrument)
            state = InstrumentCheck(book, self._synchronizer_for(instrument))
            self._states[instrument_id] = state
        return state

    def run(self, events: Iterable[MarketEvent]) -> IntegrityReport:
        for event in events:
            self.on_event(event)
        return self.finish()

    def on_event(self, event: MarketEvent) -> None:
        kind = event.__class__
        if kind is BookDelta:
            self._on_delta(event)
        elif kind is TopOfBook:
            self._on_reference(event)
        elif kind is BookSnapshot:
            self._on_snapshot(event)
        elif kind is InstrumentDefinition:
            definition = event.definition
            if isinstance(definition, Instrument):
                self._instruments[definition.id] = definition
        elif kind is TickSizeChange:
            state = self._state(event.instrument_id)
            instrument = self._instruments[event.instrument_id]
            ticks = instrument.ticks.with_tick(event.new_tick)
            self._instruments[event.instrument_id] = instrument.with_ticks(ticks)
            state.book.set_ticks(ticks)

    def _on_snapshot(self, event: BookSnapshot) -> None:
        state = self._state(event.instrument_id)
        self._resolve_pending(state, final=True)
        try:
            state.book.apply_snapshot(event)
        except DataError:
            state.rejected += 1
            return
        state.book.cross_policy = CrossPolicy.REJECT
        if state.synchronizer is not None:
            state.synchronizer.on_snapshot(event.sequence)
        state.synced = state.ever_synced = True
        state.last_batch_sequence = event.sequence
        state.references.clear()

    def _on_delta(self, event: BookDelta) -> None:
        state = self._state(event.instrument_id)
        if state.synchronizer is not None:
            if not state.ever_synced:
                state.unsynced_deltas += 1
                return
            action = state.synchronizer.check(
                event.first_sequence, event.sequence, event.prev_sequence
            )
            if action == SyncAction.DROP:
                state.deltas_dropped += 1
                return
            if action == SyncAction.GAP:
                state.gaps.append(
                    {
                        "instrument_id": event.instrument_id,
                        "after_update_id": state.last_batch_sequence,
                        "first_update_id": event.first_sequence,
                        "last_update_id": event.sequence,
                        "ts_recv_ns": event.ts_recv_ns,
                    }
                )
                state.synced = False
                state.book.cross_policy = CrossPolicy.DROP_STALE
        try:
            state.book.apply_delta(event)
        except DataError:
            state.rejected += 1
            return
        state.deltas_applied += 1
        if event.sequence != NO_SEQUENCE:
            state.pending.append(
                _Batch(
                    event.first_sequence,
                    event.sequence,
                    state.last_batch_sequence,
                    top_of(state.book),
                    event.ts_recv_ns,
                )
            )
            state.last_batch_sequence = event.sequence
            self._resolve_pending(state)

    def _on_reference(self, event: TopOfBook) -> None:
        state = self._state(event.instrument_id)
        expected: Top = (event.bid_price, event.bid_size, event.ask_price, event.ask_size)
        if event.sequence == NO_SEQUENCE:
            self._compare_now(state, event, expected)
            return
        insort(state.references, (event.sequence, expected))
        self._resolve_pending(state)

    def _compare_now(self, state: InstrumentCheck, event: TopOfBook, expected: Top) -> None:
        if not state.ever_synced:  # no snapshot yet: the book is partial, nothing to compare
            state.skipped += 1
            return
        actual = self._top_with_complement(event.instrument_id, state)
        # Where the venue gives prices only, compare prices only.
        masked = tuple(
            a if e is not None or i % 2 == 0 else None
            for i, (a, e) in enumerate(zip(actual, expected, strict=True))
        )
        state.checked += 1
        if masked != expected:
            self._mismatch(
                {
                    "instrument_id": event.instrument_id,
                    "ts_event_ns": event.ts_event_ns,
                    "expected": list(expected),
                    "actual": list(actual),
                }
            )

    def _top_with_complement(self, instrument_id: str, state: InstrumentCheck) -> Top:
        """The book's top; an empty side of a binary token is derived from its complement's
        other side (Kalshi books hold bids only: a NO bid at y is a YES ask at 1 - y)."""
        bid_price, bid_size, ask_price, ask_size = top_of(state.book)
        instrument = self._instruments.get(instrument_id)
        complement_id = getattr(instrument, "complement_id", None)
        other = self._states.get(complement_id) if complement_id else None
        if other is None or instrument.price_space is not PriceSpace.PROBABILITY:
            return (bid_price, bid_size, ask_price, ask_size)
        one = instrument.one
        if ask_price is None and other.book.best_bid() is not None:
            price, size = other.book.best_bid()
            ask_price, ask_size = one - price, size
        if bid_price is None and other.book.best_ask() is not None:
            price, size = other.book.best_ask()
            bid_price, bid_size = one - price, size
        return (bid_price, bid_size, ask_price, ask_size)

    def _resolve_pending(self, state: InstrumentCheck, final: bool = False) -> None:
        references = state.references
        while state.pending:
            batch = state.pending[0]
            if not final and (not references or references[-1][0] <= batch.sequence):
                return  # a reference at or below this batch may still be on its way
            state.pending.popleft()
            index = bisect_right(references, (batch.sequence, (float("inf"),) * 4)) - 1
            if index < 0 or references[index][0] <= batch.previous_sequence:
                state.skipped += 1
                continue
            reference_id, expected = references[index]
            state.checked += 1
            if batch.top != expected:
                self._mismatch(
                    {
                        "instrument_id": state.book.instrument_id,
                        "first_update_id": batch.first_sequence,
                        "last_update_id": batch.sequence,
                        "reference_update_id": reference_id,
                        "ts_recv_ns": batch.ts_recv_ns,
                        "expected": list(expected),
                        "actual": list(batch.top),
                    }
                )
            del references[:index]

    def _display(self, instrument_id: str, top: list) -> str:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            return str(top)

        def show(value, formatter):
            return "-" if value is None else formatter(value)

        price, size = instrument.format_price, instrument.format_size
        return (
            f"bid {show(top[0], price)} x {show(top[1], size)}"
            f" | ask {show(top[2], price)} x {show(top[3], size)}"
        )

    def _mismatch(self, detail: dict) -> None:
        detail["expected_display"] = self._display(detail["instrument_id"], detail["expected"])
        detail["actual_display"] = self._display(detail["instrument_id"], detail["actual"])
        self.report.mismatched += 1
        if len(self.report.mismatches) < self.max_listed:
            self.report.mismatches.append(detail)

    def finish(self) -> IntegrityReport:
        report = self.report
        for instrument_id, state in self._states.items():
            self._resolve_pending(state, final=True)
            report.checked += state.checked
            report.skipped += state.skipped
            report.gaps += len(state.gaps)
            report.gap_details.extend(state.gaps[: self.max_listed])
            report.stale_levels_dropped += state.book.stale_levels_dropped
            report.deltas_applied += state.deltas_applied
            report.deltas_dropped += state.deltas_dropped
            report.unsynced_deltas += state.unsynced_deltas
            report.rejected_updates += state.rejected
            report.instruments[instrument_id] = {
                "checked": state.checked,
                "gaps": len(state.gaps),
                "synced": state.ever_synced,
                "in_sync_at_end": state.synced,
                "stale_levels_dropped": state.book.stale_levels_dropped,
                "final_top": list(top_of(state.book)),
                "final_update_id": state.book.sequence,
            }
        report.synced = bool(self._states) and all(s.ever_synced for s in self._states.values())
        return report
