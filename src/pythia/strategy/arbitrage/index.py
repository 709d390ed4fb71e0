"""Incremental arbitrage detection: a book update re-evaluates only what reads that book.

:class:`ArbitrageIndex` holds every outcome group and cross-venue pair to watch, each as a
:class:`~.plan.ScanPlan`. For each kind it keeps the sum of its legs' best-level terms (best
effective ask in millionths, or 1/odds) and updates it leg by leg from cached best prices,
so the exact best-level test costs O(1) per update whatever the group size. Only kinds that
pass it walk depth (:func:`.detect.solve_kind`), with the same code as a full scan, so the
index always agrees with :func:`.detect.scan_group` / :func:`.detect.scan_pair` run afresh
on the same books.

A probability kind also keeps its basket between evaluations: the legs reading an updated
book read their levels again and keep what did not change, and the optimizer reuses the
rest (:mod:`.optimize`). An update beyond the levels a kind's result used costs a comparison
of those levels; one inside them, a search resumed where the change starts to matter. The
results are the same as a full scan's.

Contract: call :meth:`ArbitrageIndex.on_book` after every change of a book (including one
appearing in or leaving the ``books`` mapping), with the instrument id of that book.

Example (``books`` is the live mapping the feed updates)::

    index = ArbitrageIndex(instruments, groups, pairs, fee_for, books=books)
    opportunities = index.on_book("polymarket:123")  # after that book changed
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from pythia.book.base import OrderBook
from pythia.core.errors import ConfigError
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.strategy.arbitrage.basket import Basket
from pythia.strategy.arbitrage.detect import (
    ScanOptions,
    probability_basket,
    solve_basket,
    solve_kind,
)
from pythia.strategy.arbitrage.levels import LotFor, caching, combine_best
from pythia.strategy.arbitrage.model import (
    Opportunity,
    OpportunityKind,
    Rejected,
    RejectReason,
)
from pythia.strategy.arbitrage.plan import (
    FeeFor,
    KindPlan,
    ScanPlan,
    odds_term,
    plan_group,
    plan_pair,
    price_term,
    term_allows,
)

Result = tuple[list[Opportunity], list[Rejected]]


@dataclass(frozen=True, slots=True)
class CrossPair:
    """One direction of a cross-venue pair: buy ``yes_id`` (venue A) and ``no_id`` (B)."""

    id: str
    yes_id: str
    no_id: str


class _Tracker:
    """The best-level sum of one kind, kept up to date leg by leg; for a probability kind
    also its basket, kept between evaluations with what its legs worked out, the last
    result and the legs whose books changed since (``stale``)."""

    __slots__ = ("plan", "terms", "total", "missing", "basket", "result", "stale", "fresh")

    def __init__(self, plan: KindPlan) -> None:
        self.plan = plan
        self.terms: list[int | None] = [None] * len(plan.tokens)
        self.total = 0
        self.missing = len(plan.tokens)
        self.basket: Basket | None = None
        self.result: Opportunity | None = None
        self.stale: set[int] = set()
        self.fresh = False

    def set(self, position: int, term: int | None) -> None:
        old = self.terms[position]
        if old is None:
            self.missing -= 1
        else:
            self.total -= old
        if term is None:
            self.missing += 1
        else:
            self.total += term
        self.terms[position] = term

    def allows(self) -> bool:
        return self.missing == 0 and term_allows(self.plan, self.total)

    def solve(
        self, key: str, books: Mapping[str, OrderBook], fee_for, options
    ) -> Opportunity | None:
        """The kind's opportunity on the current books (the best-level test passed).

        A probability kind keeps its basket: legs whose books changed read their levels
        again (:meth:`.basket.BasketLeg.reload`); when none of the levels the last solve
        used changed, its result stands (a solve is a function of the levels it reads),
        else the optimizer resumes from what still holds."""
        plan = self.plan
        if plan.is_odds:
            return solve_kind(plan, key, books, fee_for, options, checked=True)
        basket = self.basket
        if basket is None:
            basket = self.basket = probability_basket(plan, key, books, fee_for, options)
            self.stale.clear()
            if basket is None:
                return None
        elif self.stale:
            legs = basket.legs
            for position in self.stale:
                if legs[position].reload() is not None:
                    self.fresh = False
            self.stale.clear()
        if not self.fresh:
            self.result = solve_basket(basket, key, options)
            self.fresh = True
        return self.result


class _Target:
    """A group or pair: its plan, kind trackers, missing books and current result."""

    __slots__ = ("plan", "trackers", "halted", "absent", "result", "options")

    def __init__(self, plan: ScanPlan, halted: bool, options: ScanOptions) -> None:
        self.plan = plan
        self.trackers = [_Tracker(kind) for kind in plan.kinds]
        self.halted = halted
        self.options = options
        self.absent = len(plan.needed)
        self.result: Result = ([], [])


class ArbitrageIndex:
    """Watch groups and pairs; re-evaluate only those that read an updated book.

    ``pairs`` are :class:`CrossPair` or ``(id, yes_id, no_id)`` tuples, one per direction.
    ``books`` is the live mapping of order books by instrument id. Options are those of
    :func:`.detect.scan_group`; ``commission_bps`` may also map group ids to their rate
    (Betfair ``marketBaseRate``; 0 for groups not in it); ``halted`` and ``not_exhaustive``
    name groups (by id) to report HALTED, or not to treat as exhaustive. ``evaluations``
    counts group or pair re-evaluations.
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        groups: Iterable[OutcomeGroup],
        pairs: Iterable[CrossPair | tuple[str, str, str]],
        fee_for: FeeFor,
        *,
        books: Mapping[str, OrderBook],
        max_capital_micros: int | None = None,
        min_profit_micros: int = 0,
        merge_native: bool = True,
        commission_bps: int | Mapping[str, int] = 0,
        allow_short: bool = True,
        lot_for: LotFor | None = None,
        halted: Collection[str] = (),
        not_exhaustive: Collection[str] = (),
    ) -> None:
        self.instruments = instruments
        self.books = books
        self.fee_for = caching(fee_for)
        self.options = ScanOptions(
            max_capital_micros=max_capital_micros,
            min_profit_micros=min_profit_micros,
            merge_native=merge_native,
            lot_for=lot_for,
        )
        self._commission = commission_bps
        self.evaluations = 0
        self._targets: dict[str, _Target] = {}
        for group in groups:
            exhaustive = group.id not in not_exhaustive
            plan = plan_group(
                group, instruments, self.fee_for, exhaustive=exhaustive, allow_short=allow_short
            )
            self._add(plan, group.id in halted)
        for pair in pairs:
            pair_id, yes_id, no_id = (
                (pair.id, pair.yes_id, pair.no_id) if isinstance(pair, CrossPair) else pair
            )
            self._add(self._pair_plan(pair_id, yes_id, no_id), pair_id in halted)
        self._readers: dict[str, list[_Target]] = {}
        self._legs: dict[str, list[tuple[_Tracker, int]]] = {}
        for target in self._targets.values():
            for instrument_id in target.plan.books_read:
                self._readers.setdefault(instrument_id, []).append(target)
            for tracker in target.trackers:
                for position, token in enumerate(tracker.plan.tokens):
                    for instrument_id in {token.id, getattr(token, "complement_id", None)}:
                        if instrument_id is not None:
                            self._legs.setdefault(instrument_id, []).append((tracker, position))
        self._ask: dict[str, int | None] = {}
        self._bid: dict[str, int | None] = {}
        self._present: set[str] = set()
        for instrument_id in set(self._readers) | set(self._legs):
            self._refresh(instrument_id)
        for target in self._targets.values():
            target.absent = sum(i not in self._present for i in target.plan.needed)
            for tracker in target.trackers:
                for position in range(len(tracker.terms)):
                    tracker.set(position, self._term(tracker.plan, position))
            target.result = self._evaluate(target)

    def _pair_plan(self, pair_id: str, yes_id: str, no_id: str) -> ScanPlan:
        unknown = [i for i in (yes_id, no_id) if i not in self.instruments]
        if unknown:
            detail = f"unknown instruments: {', '.join(unknown)}"
            return ScanPlan(pair_id, (), (Rejected(pair_id, RejectReason.UNSYNCED, detail),), ())
        return plan_pair(pair_id, self.instruments[yes_id], self.instruments[no_id])

    def _add(self, plan: ScanPlan, halted: bool) -> None:
        if plan.key in self._targets:
            raise ConfigError(f"arbitrage index: {plan.key!r} is watched twice")
        commission = self._commission
        if isinstance(commission, Mapping):
            commission = commission.get(plan.key, 0)
        options = replace(self.options, commission_bps=commission)
        self._targets[plan.key] = _Target(plan, halted, options)

    # ---- updates ---------------------------------------------------------------------------
    def _refresh(self, instrument_id: str) -> bool:
        """Re-read one book's best prices; return whether its presence changed."""
        book = self.books.get(instrument_id)
        self._ask[instrument_id] = None if book is None else book.best_ask_price
        self._bid[instrument_id] = None if book is None else book.best_bid_price
        was = instrument_id in self._present
        if book is None:
            self._present.discard(instrument_id)
        else:
            self._present.add(instrument_id)
        return was != (book is not None)

    def _term(self, plan: KindPlan, position: int) -> int | None:
        token = plan.tokens[position]
        kind = plan.kind
        if kind is OpportunityKind.BACK_ALL:
            return odds_term(token, self._bid.get(token.id), True)
        if kind is OpportunityKind.LAY_ALL:
            return odds_term(token, self._ask.get(token.id), False)
        complement_id = getattr(token, "complement_id", None)
        merge = self.options.merge_native
        if plan.short:
            native = self._bid.get(token.id)
            other = None if complement_id is None else self._ask.get(complement_id)
        else:
            native = self._ask.get(token.id)
            other = None if complement_id is None else self._bid.get(complement_id)
        derived = None if other is None else token.one - other
        return price_term(token, combine_best(native, derived, not plan.short, merge))

    def on_book(self, instrument_id: str) -> list[Opportunity]:
        """Take a book update into account; return the current opportunities of every group
        and pair that reads that book."""
        presence_changed = self._refresh(instrument_id)
        for tracker, position in self._legs.get(instrument_id, ()):
            tracker.set(position, self._term(tracker.plan, position))
            if tracker.basket is not None:
                tracker.stale.add(position)
        found: list[Opportunity] = []
        for target in self._readers.get(instrument_id, ()):
            if presence_changed and instrument_id in target.plan.needed:
                target.absent += -1 if instrument_id in self._present else 1
            target.result = self._evaluate(target)
            found.extend(target.result[0])
        return found

    def set_halted(self, key: str, halted: bool) -> list[Opportunity]:
        """Mark a group or pair halted (or trading again); return its opportunities."""
        target = self._targets[key]
        target.halted = halted
        target.result = self._evaluate(target)
        return list(target.result[0])

    def _evaluate(self, target: _Target) -> Result:
        """Re-evaluate one group or pair (the only place that does)."""
        self.evaluations += 1
        plan = target.plan
        if target.halted:
            return [], [Rejected(plan.key, RejectReason.HALTED, "market suspended or closed")]
        if not plan.kinds:
            return [], list(plan.rejected)
        if target.absent:
            missing = [i for i in plan.needed if i not in self._present]
            detail = f"no book for {', '.join(missing[:5])}"
            return [], [Rejected(plan.key, RejectReason.UNSYNCED, detail)]
        found = []
        for tracker in target.trackers:
            if tracker.allows():
                opportunity = tracker.solve(plan.key, self.books, self.fee_for, target.options)
                if opportunity is not None:
                    found.append(opportunity)
        return found, list(plan.rejected)

    # ---- queries ---------------------------------------------------------------------------
    def result(self, key: str) -> Result:
        """The current opportunities and rejections of one group or pair."""
        opportunities, rejected = self._targets[key].result
        return list(opportunities), list(rejected)

    def all(self) -> Result:
        """Every current opportunity and rejection, in the order groups and pairs were given."""
        opportunities: list[Opportunity] = []
        rejected: list[Rejected] = []
        for target in self._targets.values():
            opportunities.extend(target.result[0])
            rejected.extend(target.result[1])
        return opportunities, rejected
