"""The exact profit-maximising size of a basket of outcome-token legs.

Profit over basket sizes ``s`` (whole basket units) is

    P(s) = base(s) - sum over legs of (cash + fee of every fill the leg takes at ratio * s)

Between level boundaries every leg takes a fixed set of full levels plus a growing part of
one level, so ``P`` is a line minus rounding: the full levels' cash and fees are exact
constants, and only each leg's partial fill is rounded. The optimizer sweeps the segments
in order of size, each with exact integer bookkeeping scaled by ``SCALE``:

- ``Lin(s) = A + m*s``: the segment's line, with each leg's partial fill charged its exact
  notional and a fee slope ``F / SCALE`` per size unit, ``F = fee_micros(price, SCALE)``.
- Upper bound: ``P(s) <= Lin(s) + U`` with ``U = sum over legs of (shortfall + error)``,
  ``shortfall`` the most a fill's fee can round *down* (0 for CEILING fees, one unit for
  FLOOR) and ``error`` = 1 covering ``F``'s own rounding (< unit x level size / SCALE). Cash is
  rounded against us and the long payout down, so they only lower ``P``.
- Candidates: the sizes of a segment whose ``Lin(s) + U`` reaches the best so far (an
  interval at the segment's better end, because ``Lin`` is linear). On a rising segment the
  top size is priced first, which shrinks the interval to the few sizes within
  ``U / slope`` of the top; the rest are priced in increasing size, a smaller size winning
  a tie, so the result is the smallest size with the largest profit. Pricing a size walks
  the legs one by one and stops as soon as the exact legs plus the others' line and slack
  cannot reach the best. Evaluations are capped (``max_evaluations``): a segment with more
  candidates than the remaining budget has only its candidate interval's ends priced, and
  the result carries a note (its profit is exact; a better size may exist within ``U``).
- Stop: the fee-free profit is concave (asks rise and bids fall along the levels), so once
  its slope ``m0 <= 0``, no larger size earns more than the fee-free value now minus the
  fees already fixed by full levels; when that is below ``best + 1`` the sweep ends. At the
  first size this is the best-level test (asks summing to the payout or more: nothing).
- Capital (cost + fees) only grows with size; the first segment that exceeds the cap is cut
  by bisection and ends the sweep.

That search in segment order (:func:`_sequential`) prices the top of every rising segment on
the way up. :func:`_deferred` finds the same result with far fewer exact prices: it sweeps
the lines first, then searches only the segments whose line plus slack can still reach the
best, highest first (baskets of few legs price a segment's last candidates all at once).
It gives the very same answer whenever the search in segment order would not have been
capped, which it proves on the way by bounding that search's evaluations; otherwise (and for
fee models it does not know) the search in segment order runs.

Everything is kept for the next call on the same basket: each leg its per-level sums, slopes
and priced partial fills (:class:`.basket.BasketLeg`), the basket the sweep's segments and
the exact profits found (:class:`_Run`). When some legs' books changed, each reports the
size through which its fills still cost the same (:meth:`.basket.BasketLeg.reload`); every
segment and profit below the smallest such size (in basket units) is still exact, so the
sweep resumes there, and when nothing it used changed, the result stands as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from pythia.strategy.arbitrage.basket import Basket, LegTerms, Sweep
from pythia.strategy.arbitrage.levels import SCALE

DEFAULT_MAX_EVALUATIONS = 4096


@dataclass(frozen=True, slots=True)
class Optimum:
    units: int
    profit_micros: int
    capped: bool
    evaluations: int


def optimize(
    basket: Basket,
    *,
    threshold_micros: int = 1,
    max_capital_micros: int | None = None,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
) -> Optimum | None:
    """The smallest basket size with the largest exact profit >= ``threshold_micros``
    (at least 1) whose capital is within ``max_capital_micros``; None if there is none.

    A basket optimized before, whose legs were reloaded since, resumes from what it kept
    (module docstring); when nothing it used changed, the very same Optimum is returned."""
    threshold = max(1, threshold_micros)
    settings = (threshold, max_capital_micros, max_evaluations)
    run, basket.run = basket.run, None
    unchanged = _unchanged_units(basket)
    if run is None or run.settings != settings:
        fees = LegTerms.of(basket)
        if fees.slacks is None:
            return _sequential(basket, threshold, max_capital_micros, max_evaluations, fees)
        run = _Run(settings, fees, basket.min_units)
    elif run.keep_below(unchanged):
        basket.run = run
        return run.optimum
    try:
        found = _deferred(basket, run)
    except Exception:  # noqa: BLE001 - the search in segment order raises it again, or not
        found = _UNCERTIFIED
    if found is _UNCERTIFIED:
        return _sequential(basket, threshold, max_capital_micros, max_evaluations, run.fees)
    run.optimum = found
    basket.run = run
    return found


def _unchanged_units(basket: Basket) -> int | None:
    """The largest size at which every leg's fills cost what they did at the last call
    (None: no leg changed); clears the legs' marks."""
    unchanged = None
    for leg in basket.legs:
        through = leg.unchanged_through
        if through is not None:
            units = through // leg.ratio
            if unchanged is None or units < unchanged:
                unchanged = units
            leg.unchanged_through = None
    return unchanged


def _sequential(
    basket: Basket,
    threshold: int,
    max_capital_micros: int | None,
    max_evaluations: int,
    fees: LegTerms,
) -> Optimum | None:
    """The sweep searching each segment as it reaches it (module docstring)."""
    lo = basket.min_units
    sweep = Sweep(basket, fees, {}, {})
    if not sweep.start(lo):
        return None
    best, best_units, capped, evaluations = threshold - 1, 0, False, 0
    while True:
        if sweep.m0 <= 0 and sweep.fee_free_bound(lo) < SCALE * (best + 1):
            break
        hi, last_segment = _capital_cut(sweep, lo, max_capital_micros)
        if hi is None:
            break
        found, units, used, cut = _search(sweep, lo, hi, best, max_evaluations - evaluations)
        evaluations += used
        capped = capped or cut
        if units:
            best, best_units = found, units
        if last_segment:
            break
        lo = hi + 1
        if not sweep.advance(lo):
            break
    if best_units == 0:
        return None
    return Optimum(best_units, best, capped, evaluations)


def _capital_cut(sweep: Sweep, lo: int, max_capital_micros: int | None) -> tuple[int | None, bool]:
    """``(hi, last)``: the end of the current segment, cut by bisection to the last size
    whose capital fits (``last``: nothing beyond fits); hi None when ``lo`` does not fit."""
    hi = sweep.segment_end()
    if max_capital_micros is None or sweep.exact(hi)[1] <= max_capital_micros:
        return hi, False
    if sweep.exact(lo)[1] > max_capital_micros:
        return None, True
    low, high = lo, hi  # capital(low) fits, capital(high) does not
    while high - low > 1:
        mid = (low + high) // 2
        if sweep.exact(mid)[1] > max_capital_micros:
            high = mid
        else:
            low = mid
    return low, True


class _Run:
    """What a deferred search keeps for the next call on the same basket.

    ``segments``: a snapshot per segment swept, in size order: ``(-reach, lo, hi, a, m,
    k_cash, k_fee, a0, m0, full_rounded, floor, bound, index)``, ``reach`` the most its line
    plus slack allows, ``floor`` and ``bound`` the lower bound of the best profit and the
    bound on evaluations after it. ``ended``: how the sweep ended after them (``"stop"``,
    ``"capital"`` cutting the last one, ``"unaffordable"``, ``"out"``; empty: it goes on at
    ``next_lo``). ``memo``: exact profits by size; ``below``: sizes whose profit is at most
    a value. ``optimum``: the result.

    A segment depends on the legs' levels only through sizes up to its ``hi`` (where every
    leg stands at its ``lo``, and which leg's level ends first), a profit only at its size,
    and the end of the sweep on the state at ``next_lo`` (or, for a cut, at the uncut end
    ``cut_from``): what stands below the sizes that changed stays exact."""

    __slots__ = (
        "settings",
        "fees",
        "min_units",
        "segments",
        "ended",
        "next_lo",
        "cut_from",
        "memo",
        "below",
        "optimum",
    )

    def __init__(self, settings: tuple, fees: LegTerms, min_units: int) -> None:
        self.settings = settings
        self.fees = fees
        self.min_units = min_units
        self.segments: list[tuple] = []
        self.ended = ""
        self.next_lo = min_units
        self.cut_from = 0
        self.memo: dict[int, int] = {}
        self.below: dict[int, int] = {}
        self.optimum: Optimum | None = None

    def keep_below(self, unchanged: int | None) -> bool:
        """Keep only what holds when the legs' fills changed above ``unchanged`` units
        (None: nothing changed); return whether everything still holds."""
        if unchanged is None and self.ended:
            return True
        if unchanged is None:
            return False
        segments = self.segments
        count = len(segments)
        while count and segments[count - 1][2] >= unchanged:
            count -= 1
        if self.ended == "capital" and self.cut_from >= unchanged:
            count = min(count, len(segments) - 1)
        intact = count == len(segments) and self.ended != "" and self.next_lo <= unchanged
        if not intact:
            del segments[count:]
            self.ended = ""
            self.next_lo = segments[-1][2] + 1 if segments else self.min_units
        if self.memo and max(self.memo) > unchanged:
            self.memo = {units: p for units, p in self.memo.items() if units <= unchanged}
        if self.below and max(self.below) > unchanged:
            self.below = {units: p for units, p in self.below.items() if units <= unchanged}
        return intact


_UNCERTIFIED = object()


def _deferred(basket: Basket, run: _Run) -> Optimum | None | object:
    """The same optimum as :func:`_sequential`, with far fewer exact prices, or
    ``_UNCERTIFIED`` when the search in segment order might have been capped.

    First the segments are swept on their lines alone, stopping by the same fee-free test
    but with a lower bound of the best profit so far (the line minus ``lower`` at each
    segment's ends, which no exact profit is below), so every segment the search in segment
    order would reach is reached. Meanwhile that search's exact prices are bounded segment by
    segment (its candidates with that lower bound, and after pricing a rising segment's top,
    with the top's lower bound); past ``max_evaluations`` it could have been capped, and this
    gives up. Then only segments whose line plus slack reaches the best exact profit found
    are searched, highest first (:func:`_search`, a smaller size winning a tie), which finds
    the smallest size with the largest profit: the result of the search in segment order.
    A run kept from the last call resumes after its last segment still valid.
    """
    threshold, max_capital_micros, max_evaluations = run.settings
    sweep = Sweep(basket, run.fees, run.memo, run.below)
    segments = run.segments
    if not run.ended:
        if _resume(sweep, run, basket.min_units):
            _sweep_lines(sweep, run, threshold, max_capital_micros, max_evaluations)
            if run.ended == "uncertified":
                return _UNCERTIFIED
        else:
            run.ended = "out"
    best, best_units, evaluations = threshold - 1, 0, 0
    for segment in sorted(segments):
        reach, lo, hi = -segment[0], segment[1], segment[2]
        if reach < best:
            break
        # sizes below the best so far win a tie; above it they must beat it
        beat = best - 1 if best_units > hi else best
        if reach <= beat:
            continue
        sweep.restore(segment)
        found, units, used, cut = _best_in(sweep, lo, hi, beat, max_evaluations)
        evaluations += used
        if cut:
            return _UNCERTIFIED
        if units:
            best, best_units = found, units
    if best_units == 0:
        return None
    return Optimum(best_units, best, False, evaluations)


def _resume(sweep: Sweep, run: _Run, min_units: int) -> bool:
    """Place the sweep at ``run.next_lo``, from where the run's last kept segment leaves it
    (or at the first size); False when a book runs out."""
    if not run.segments:
        return sweep.start(min_units)
    sweep.restore(run.segments[-1])
    sweep.heapify_ends()
    return sweep.advance(run.next_lo)


def _sweep_lines(
    sweep: Sweep, run: _Run, threshold: int, max_capital_micros: int | None, budget: int
) -> None:
    """Sweep on from where :func:`_resume` placed the sweep, adding a snapshot per segment,
    until the fee-free test, the capital cap or a book ends it (``run.ended``), or the search
    in segment order could be capped (``"uncertified"``)."""
    segments = run.segments
    lo = run.next_lo
    floor, bound = (segments[-1][10], segments[-1][11]) if segments else (threshold - 1, 0)
    scaled_slack = sweep.scaled_slack
    slack = sweep.slack
    lower = 1 + sum(unit + 2 for unit in sweep.unit)  # line - profit < lower, in micros
    heap = sweep.heap
    while True:
        run.next_lo = lo
        if sweep.m0 <= 0 and sweep.fee_free_bound(lo) < SCALE * (floor + 1):
            run.ended = "stop"
            return
        hi = run.cut_from = heap[0][0]
        last_segment = False
        if max_capital_micros is not None:
            hi, last_segment = _capital_cut(sweep, lo, max_capital_micros)
            if hi is None:
                run.ended = "unaffordable"
                return
        m = sweep.m
        at_lo = sweep.a + m * lo - SCALE * (sweep.k_cash + sweep.k_fee)
        at_hi = at_lo + m * (hi - lo)
        count = _count(at_lo, m, lo, hi, SCALE * (floor + 1) - scaled_slack)
        if count:
            if m > 0 and count > 1:
                beat = at_hi // SCALE - lower - 1
                if beat > floor:
                    count = _count(at_lo, m, lo, hi, SCALE * (beat + 1) - scaled_slack)
                bound += 1
            bound += count
            if bound > budget:
                run.ended = "uncertified"
                return
        high = (at_lo if at_lo > at_hi else at_hi) // SCALE
        if high - lower > floor:
            floor = high - lower
        segments.append(sweep.snapshot(lo, hi, high + slack, floor, bound))
        if last_segment:
            run.ended = "capital"
            return
        lo = hi + 1
        if not sweep.advance(lo):
            run.next_lo = lo
            run.ended = "out"
            return


def _count(at_lo: int, m: int, lo: int, hi: int, need: int) -> int:
    """How many sizes of ``lo..hi`` have a line (``at_lo`` at ``lo``, slope ``m``) reaching
    ``need`` (as :func:`_candidates`, all scaled)."""
    if at_lo >= need:
        if m >= 0:
            return hi - lo + 1
        return min(hi, lo + (at_lo - need) // -m) - lo + 1
    if m > 0:
        return max(0, hi - (lo + -(-(need - at_lo) // m)) + 1)
    return 0


def _search(sweep: Sweep, lo: int, hi: int, best: int, budget: int) -> tuple[int, int, int, bool]:
    """The first size of ``[lo, hi]`` with the largest profit above ``best``:
    ``(profit, units or 0, evaluations, capped)``.

    On a rising segment the top size is priced first: every size whose line plus slack
    cannot reach it is then skipped, so only a few sizes near the top remain. Sizes are then
    tried in increasing order; a smaller size wins a tie.
    """
    slack = sweep.slack
    price = sweep.exact_reaching if slack is None else sweep.profit_reaching

    first, last = _candidates(sweep, lo, hi, best, slack)
    if first > last:
        return best, 0, 0, False
    top, top_units, used = best, 0, 0
    if sweep.m > 0 and first < last:
        used += 1
        profit = price(last, best + 1)
        if profit is not None:
            top, top_units = profit, last
            first, last = _candidates(sweep, lo, hi, top - 1, slack)
    units = first
    while units <= last:
        if last - units + 1 > budget - used:
            for end in sorted({units, last}):
                used += 1
                profit = sweep.exact(end)[0]
                if profit > top or (profit == top and top_units and end < top_units):
                    top, top_units = profit, end
            return top, top_units, used, True
        used += 1
        need = top + (0 if top_units and units < top_units else 1)
        profit = price(units, need)
        if profit is not None:
            top, top_units = profit, units
            first, last = _candidates(sweep, lo, hi, top - 1, slack)
            units = max(units + 1, first)
        else:
            units += 1
    return top, top_units, used, False


SCANNED_LEGS = 8
"""Baskets of up to this many legs price a segment's candidates all at once."""
SCANNED_PRICES = 4096
"""The most leg prices such a scan may take (:func:`_best_in`)."""


def _best_in(sweep: Sweep, lo: int, hi: int, best: int, budget: int) -> tuple[int, int, int, bool]:
    """What :func:`_search` finds, for baskets of few legs faster: after pricing the better
    end of the segment, the few sizes left that can still reach it are priced all at once
    (:meth:`Sweep.profits`) rather than one by one."""
    legs = len(sweep.legs)
    first, last = _candidates(sweep, lo, hi, best, sweep.slack)
    if first > last or legs > SCANNED_LEGS:
        return _search(sweep, lo, hi, best, budget)
    used = 0
    top, top_units = best, 0
    if first < last:
        probe = last if sweep.m > 0 else first
        used += 1
        profit = sweep.profit_reaching(probe, best + 1)
        if profit is not None:
            top, top_units = profit, probe
            first, last = _candidates(sweep, lo, hi, top - 1, sweep.slack)
    if (last - first + 1) * legs > SCANNED_PRICES:
        return _search(sweep, lo, hi, best, budget)
    used += last - first + 1
    for offset, profit in enumerate(sweep.profits(first, last)):
        units = first + offset
        if profit > top or (profit == top and units < top_units):
            top, top_units = profit, units
    return top, top_units, used, False


def _candidates(sweep: Sweep, lo: int, hi: int, best: int, slack: int | None) -> tuple[int, int]:
    """The sizes of ``[lo, hi]`` whose line plus slack reaches ``best + 1`` (first, last);
    first > last when there is none."""
    if slack is None:
        return lo, hi
    need = SCALE * (best + 1 - slack)
    m = sweep.m
    at_lo = sweep.line(lo)
    if m > 0:
        if at_lo >= need:
            return lo, hi
        return lo + -(-(need - at_lo) // m), hi
    if m < 0:
        if at_lo < need:
            return lo, lo - 1
        return lo, min(hi, lo + (at_lo - need) // -m)
    return (lo, hi) if at_lo >= need else (lo, lo - 1)
