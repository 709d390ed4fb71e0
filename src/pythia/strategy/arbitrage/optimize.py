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
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from pythia.model.execution import Liquidity
from pythia.strategy.arbitrage.basket import Basket, fill_cost_micros
from pythia.strategy.arbitrage.levels import fee_shortfall_micros, fee_unit_micros

SCALE = 10**24
"""Fixed-point scale of the segment lines (a multiple of every 10**decimals used)."""
DEFAULT_MAX_EVALUATIONS = 4096
TAKER = Liquidity.TAKER


@dataclass(frozen=True, slots=True)
class Optimum:
    units: int
    profit_micros: int
    capped: bool
    evaluations: int


class _Sweep:
    """Per-leg state of the segment sweep (parallel lists, for speed)."""

    def __init__(self, basket: Basket) -> None:
        self.basket = basket
        legs = basket.legs
        self.legs = legs
        self.ratio = [leg.ratio for leg in legs]
        self.cash = [leg.cash_terms() for leg in legs]
        self.rounded_cash = [terms[2] > 1 for terms in self.cash]
        self.unit = [fee_unit_micros(leg.fee_model) for leg in legs]
        self.index = [0] * len(legs)
        self.before = [0] * len(legs)
        self.price = [0] * len(legs)
        self.slope = [0] * len(legs)
        self.cash_slope = [0] * len(legs)
        self.k_cash = self.k_fee = self.full_rounded = 0
        base = basket.base_scaled_slope(SCALE)
        self.m = self.m0 = base
        self.a = self.a0 = 0
        self.heap: list[tuple[int, int]] = []

    def start(self, units: int) -> bool:
        """Place every leg at ``units``; False when a leg's book cannot fill that much."""
        for i in range(len(self.legs)):
            if not self._enter(i, units):
                return False
            self._add(i)
            heapq.heappush(self.heap, (self.end(i), i))
        return True

    def end(self, i: int) -> int:
        """The last basket size at which leg ``i`` is still inside its current level."""
        return (self.before[i] + self.legs[i].levels[self.index[i]][1]) // self.ratio[i]

    def _enter(self, i: int, units: int) -> bool:
        """Consume leg ``i``'s full levels below ``units`` basket units (exact costs);
        False when its book runs out first."""
        leg = self.legs[i]
        target = self.ratio[i] * units
        j, before = self.index[i], self.before[i]
        sign, multiplier, divisor = self.cash[i]
        if not leg.has_level(j):
            return False
        levels = leg.levels
        while before + levels[j][1] < target:
            price, size = levels[j]
            self.k_cash += fill_cost_micros(sign, multiplier, divisor, price, size)
            self.k_fee += leg.fee_model.fee_micros(leg.instrument, price, size, TAKER)
            self.full_rounded += self.rounded_cash[i]
            before += size
            j += 1
            if not leg.has_level(j):
                return False
            levels = leg.levels
        moved = j != self.index[i] or not self.price[i]
        self.index[i], self.before[i] = j, before
        if moved:
            price, size = levels[j]
            if size * self.unit[i] > SCALE:
                raise ValueError(f"{leg.instrument.id}: level of {size} too deep for SCALE")
            self.price[i] = price
            self.cash_slope[i] = sign * price * multiplier * SCALE // divisor
            fee = leg.fee_model.fee_micros(leg.instrument, price, SCALE, TAKER)
            self.slope[i] = self.cash_slope[i] + fee
        return True

    def _add(self, i: int, sign: int = 1) -> None:
        ratio, before = self.ratio[i], self.before[i]
        self.m -= sign * self.slope[i] * ratio
        self.a += sign * self.slope[i] * before
        self.m0 -= sign * self.cash_slope[i] * ratio
        self.a0 += sign * self.cash_slope[i] * before

    def advance(self, units: int) -> bool:
        """Move every leg whose level ends before ``units`` to the level holding it; False
        when a leg's book runs out."""
        heap = self.heap
        while heap and heap[0][0] < units:
            _, i = heapq.heappop(heap)
            self._add(i, -1)
            if not self._enter(i, units):
                return False
            self._add(i)
            heapq.heappush(heap, (self.end(i), i))
        return True

    def segment_end(self) -> int:
        return self.heap[0][0]

    def line(self, units: int) -> int:
        """``Lin(units)`` scaled by SCALE, constants of the full levels included."""
        return self.a + self.m * units - SCALE * (self.k_cash + self.k_fee)

    def fee_free_bound(self, units: int) -> int:
        """SCALE x an upper bound on the profit of any size >= ``units`` when m0 <= 0."""
        return (
            self.a0
            + self.m0 * units
            - SCALE * self.k_cash
            + SCALE * (self.full_rounded - self.k_fee)
        )

    def exact(self, units: int) -> tuple[int, int]:
        """``(profit, capital)`` at ``units`` inside the current segment, exactly."""
        cash, fees = self.k_cash, self.k_fee
        legs, ratio, before, price, terms = (
            self.legs,
            self.ratio,
            self.before,
            self.price,
            self.cash,
        )
        for i in range(len(legs)):
            take = ratio[i] * units - before[i]
            if take:
                sign, multiplier, divisor = terms[i]
                cash += fill_cost_micros(sign, multiplier, divisor, price[i], take)
                leg = legs[i]
                fees += leg.fee_model.fee_micros(leg.instrument, price[i], take, TAKER)
        base = self.basket.base_micros(units)
        capital = (fees - base) if self.basket.short else cash + fees
        return base - cash - fees, capital

    def profit_reaching(self, units: int, target: int, slacks: list[int]) -> int | None:
        """The exact profit at ``units`` if it reaches ``target``, else None. Legs are priced
        one by one; the others are bounded by their line plus slack, and the walk stops as
        soon as that bound falls short."""
        legs, ratio, before, price, terms, slope = (
            self.legs,
            self.ratio,
            self.before,
            self.price,
            self.cash,
            self.slope,
        )
        takes = [ratio[i] * units - before[i] for i in range(len(legs))]
        bound = SCALE * (self.basket.base_micros(units) - self.k_cash - self.k_fee + sum(slacks))
        bound -= sum(slope[i] * take for i, take in enumerate(takes))
        floor = SCALE * target
        if bound < floor:
            return None
        for i, take in enumerate(takes):
            exact = 0
            if take:
                sign, multiplier, divisor = terms[i]
                leg = legs[i]
                exact = fill_cost_micros(sign, multiplier, divisor, price[i], take)
                exact += leg.fee_model.fee_micros(leg.instrument, price[i], take, TAKER)
            bound += slope[i] * take - SCALE * (exact + slacks[i])
            if bound < floor:
                return None
        return bound // SCALE


def _leg_slacks(basket: Basket) -> list[int] | None:
    """How far above its share of the segment line each leg's exact cost can put the profit
    (micros); None when a fee model is unknown."""
    slacks = []
    for leg in basket.legs:
        shortfall = fee_shortfall_micros(leg.fee_model)
        if shortfall is None:
            return None
        slacks.append(shortfall + 1)  # F's error over a level: < unit x size / SCALE <= 1
    return slacks


def optimize(
    basket: Basket,
    *,
    threshold_micros: int = 1,
    max_capital_micros: int | None = None,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
) -> Optimum | None:
    """The smallest basket size with the largest exact profit >= ``threshold_micros``
    (at least 1) whose capital is within ``max_capital_micros``; None if there is none."""
    threshold = max(1, threshold_micros)
    lo = basket.min_units
    slacks = _leg_slacks(basket)
    sweep = _Sweep(basket)
    if not sweep.start(lo):
        return None
    best, best_units, capped, evaluations = threshold - 1, 0, False, 0
    while True:
        if sweep.m0 <= 0 and sweep.fee_free_bound(lo) < SCALE * (best + 1):
            break
        hi = sweep.segment_end()
        last_segment = False
        if max_capital_micros is not None:
            if sweep.exact(hi)[1] > max_capital_micros:
                last_segment = True
                if sweep.exact(lo)[1] > max_capital_micros:
                    break
                low, high = lo, hi  # capital(low) fits, capital(high) does not
                while high - low > 1:
                    mid = (low + high) // 2
                    if sweep.exact(mid)[1] > max_capital_micros:
                        high = mid
                    else:
                        low = mid
                hi = low
        found, units, used, cut = _search(
            sweep, lo, hi, best, slacks, max_evaluations - evaluations
        )
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


def _search(
    sweep: _Sweep, lo: int, hi: int, best: int, slacks: list[int] | None, budget: int
) -> tuple[int, int, int, bool]:
    """The first size of ``[lo, hi]`` with the largest profit above ``best``:
    ``(profit, units or 0, evaluations, capped)``.

    On a rising segment the top size is priced first: every size whose line plus slack
    cannot reach it is then skipped, so only a few sizes near the top remain. Sizes are then
    tried in increasing order; a smaller size wins a tie.
    """
    slack = None if slacks is None else sum(slacks)

    def price(units: int, need: int) -> int | None:
        if slacks is None:
            profit = sweep.exact(units)[0]
            return profit if profit >= need else None
        return sweep.profit_reaching(units, need, slacks)

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


def _candidates(sweep: _Sweep, lo: int, hi: int, best: int, slack: int | None) -> tuple[int, int]:
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
