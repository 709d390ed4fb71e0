"""Baskets of outcome-token legs and their exact profit at a basket size.

A basket takes, for every basket unit, ``ratio`` size units on each leg: a BUY leg walks
its asks, a SELL leg its bids (see :mod:`.levels` for where the levels come from). Each
level a leg takes is one fill, charged exactly as the simulator charges it: cash is the
notional rounded against us (a buy pays ``ceil``, a sale receives ``floor``, as
:func:`pythia.sim.cash.fill_cash_micros`) and the fee is the venue model's
``fee_micros(instrument, price, size_taken, Liquidity.TAKER)`` with its own rounding.

Conventions, all integers in micro-units of the quote currency:

- A **long** basket (``short=False``: BINARY_LONG, GROUP_YES, GROUP_NO, CROSS_VENUE) buys
  every leg. ``cost`` is the cash the legs pay, ``guaranteed_payout`` is ``payout_tokens``
  tokens of 1 per basket unit, the least the basket pays in any outcome (rounded down).
- A **short** basket (``short=True``: BINARY_SHORT) first splits collateral into complete
  sets and sells every leg. ``cost`` is the collateral split (rounded up), and
  ``guaranteed_payout`` the cash the sales receive, which the fills guarantee at once.
  Each leg's ``cost_micros`` is negative: cash received.
- ``profit = guaranteed_payout - cost - fees`` in both; capital = cost + fees.

Each leg works out its levels once (sizes before each level, cash and fees of whole levels,
slopes and priced partial fills) and keeps them while its book does not change there
(:meth:`BasketLeg.reload`); :class:`Sweep` is the optimizer's walk over the segments between
level boundaries, on those terms (see :mod:`.optimize`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heapify, heapreplace

from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10
from pythia.model.enums import Side
from pythia.model.events import Level
from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument
from pythia.sim.models.base import FeeModel
from pythia.strategy.arbitrage.levels import (
    SCALE,
    fee_rounding,
    fee_shortfall_micros,
    fee_unit_micros,
    foretold_fee,
)
from pythia.strategy.arbitrage.model import Leg, Opportunity, OpportunityKind

TAKER = Liquidity.TAKER
KEPT_SIZE_LIMIT = 10**18
"""A level whose size changed keeps its terms only up to this size (the optimizer checks
level sizes against its scale when it enters a level; none this small can fail)."""


@dataclass(slots=True)
class BasketLeg:
    """One leg: ``ratio`` size units of ``instrument`` per basket unit, taken from
    ``levels`` (best first) on ``side``, charged by ``fee_model``.

    ``fetch(depth)`` returns the first ``depth`` levels (all with None); when given, levels
    are read lazily, doubling the depth each time the walk needs more, so a sweep that stops
    after a few levels never copies a deep book.

    A leg also keeps what it has worked out about its levels, so the optimizer and
    :func:`leg_fills` price each level once: ``bounds[j]`` is the size before level ``j``,
    ``full_cash[j]`` / ``full_fees[j]`` the cash and fees of levels ``0..j-1`` taken whole,
    ``slopes`` and ``partial`` the optimizer's per-level terms and priced partial fills.
    ``read`` is the deepest level index asked for. :meth:`reload` keeps what is still true
    after the book changed, and marks from which size it changed (``unchanged_through``).
    """

    instrument: Instrument
    side: Side
    levels: list[Level]
    ratio: int
    fee_model: FeeModel
    fetch: Callable[[int | None], list[Level]] | None = None
    read: int = field(default=-1, init=False, repr=False)
    complete: bool = field(default=False, init=False, repr=False)
    terms: tuple[int, int, int] = field(default=(1, 1, 1), init=False, repr=False)
    bounds: list[int] = field(default_factory=lambda: [0], init=False, repr=False)
    full_cash: list[int] = field(default_factory=lambda: [0], init=False, repr=False)
    full_fees: list[int] = field(default_factory=lambda: [0], init=False, repr=False)
    slopes: dict[int, tuple[int, int]] = field(default_factory=dict, init=False, repr=False)
    partial: dict[int, dict[int, int]] = field(default_factory=dict, init=False, repr=False)
    unchanged_through: int | None = field(default=None, init=False, repr=False)
    opportunity_leg: Leg | None = field(default=None, init=False, repr=False)
    """The last leg built from these levels (:func:`build_opportunity`)."""

    def __post_init__(self) -> None:
        self.terms = self.cash_terms()
        self.complete = self.fetch is None

    def has_level(self, index: int) -> bool:
        """Make sure ``levels[index]`` is loaded if the book has it; return whether it has."""
        if index > self.read:
            self.read = index
        while index >= len(self.levels) and not self.complete:
            depth = max(8, 2 * len(self.levels)) if len(self.levels) < 64 else None
            levels = self.fetch(depth)
            if depth is None or len(levels) < depth:
                self.complete = True
            self.levels = levels
        return index < len(self.levels)

    def level_end(self, index: int) -> int:
        """The size through level ``index`` (``has_level(index)`` must be True)."""
        bounds = self.bounds
        while len(bounds) <= index + 1:
            known = len(bounds) - 1
            bounds.append(bounds[known] + self.levels[known][1])
        return bounds[index + 1]

    def full_costs(self, index: int) -> tuple[int, int]:
        """``(cash, fees)`` of levels ``0..index-1`` each taken whole, one fill a level (the
        levels must be loaded)."""
        cash, fees = self.full_cash, self.full_fees
        if len(cash) <= index:
            sign, multiplier, divisor = self.terms
            instrument, fee_model = self.instrument, self.fee_model
            while len(cash) <= index:
                known = len(cash) - 1
                price, size = self.levels[known]
                fee = fee_model.fee_micros(instrument, price, size, TAKER)
                cash.append(cash[known] + fill_cost_micros(sign, multiplier, divisor, price, size))
                fees.append(fees[known] + fee)
        return cash[index], fees[index]

    def reload(self) -> int | None:
        """Read the levels this leg has used again (its book changed): keep what is still
        the same, drop what changed and all worked out from it.

        Return None when none of them changed, else the size through which the leg's fills
        cost the same as before: the start of the first changed level, or, when only that
        level's size changed, its start plus the smaller of its two sizes. The smallest such
        size since the optimizer last looked is kept in ``unchanged_through``."""
        known = max(self.read + 1, len(self.bounds) - 1, 1)
        levels = self.fetch(known)
        old = self.levels
        if levels == old[:known]:
            self.levels = levels
            self.complete = len(levels) < known
            return None
        count = min(len(levels), len(old), known)
        changed = next((j for j in range(count) if levels[j] != old[j]), count)
        through = self.level_end(changed - 1) if changed else 0
        same_price = (
            changed < count
            and levels[changed][0] == old[changed][0]
            and levels[changed][1] <= KEPT_SIZE_LIMIT
        )
        if same_price:
            through += min(levels[changed][1], old[changed][1])
        del self.bounds[changed + 1 :]
        del self.full_cash[changed + 1 :]
        del self.full_fees[changed + 1 :]
        first_dropped = changed + 1 if same_price else changed
        for kept in (self.slopes, self.partial):
            for j in [j for j in kept if j >= first_dropped]:
                del kept[j]
        if self.unchanged_through is None or through < self.unchanged_through:
            self.unchanged_through = through
        if self.opportunity_leg is not None and self.opportunity_leg.size > through:
            self.opportunity_leg = None
        self.read = min(self.read, changed)
        self.levels = levels
        self.complete = len(levels) < known
        return through

    def cash_terms(self) -> tuple[int, int, int]:
        """``(sign, multiplier, divisor)``: a fill's cost is
        ``sign * round(price * size * multiplier / divisor)``, rounded against us."""
        decimals = self.instrument.price_decimals + self.instrument.size_decimals
        sign = 1 if self.side is Side.BUY else -1
        if decimals <= MONEY_DECIMALS:
            return sign, pow10(MONEY_DECIMALS - decimals), 1
        return sign, 1, pow10(decimals - MONEY_DECIMALS)


def fill_cost_micros(sign: int, multiplier: int, divisor: int, price: int, size: int) -> int:
    """The cost of one fill (negative when cash is received), rounded against us."""
    numerator = price * size * multiplier
    if sign > 0:
        return -(-numerator // divisor)
    return -(numerator // divisor)


@dataclass(slots=True)
class Basket:
    """Legs traded together, and what one basket unit pays."""

    kind: OpportunityKind
    group: str
    currency: str
    legs: list[BasketLeg]
    decimals: int
    """Size decimals of the basket (the finest among the legs)."""
    step: int
    """One basket unit in ``10**-decimals``: a whole lot of every leg."""
    payout_tokens: int
    """Tokens of 1 paid per unit (long), or collateral split per unit (short)."""
    short: bool = False
    notes: tuple[str, ...] = ()
    run: object = field(default=None, repr=False, compare=False)
    """What the optimizer keeps between calls (see :mod:`.optimize`)."""
    built: tuple | None = field(default=None, repr=False, compare=False)
    """The last optimum and the opportunity built from it."""

    @property
    def min_units(self) -> int:
        """The fewest basket units that meet every leg's minimum size (at least 1)."""
        units = 1
        for leg in self.legs:
            units = max(units, -(-leg.instrument.min_size // leg.ratio))
        return units

    def base_micros(self, units: int) -> int:
        """The payout of a long basket (rounded down), or minus the collateral of a short
        one (rounded up)."""
        numerator = self.payout_tokens * units * self.step * pow10(MONEY_DECIMALS)
        divisor = pow10(self.decimals)
        return (-numerator) // divisor if self.short else numerator // divisor

    def base_scaled_slope(self, scale: int) -> int:
        """The exact base per unit times ``scale`` (``scale`` a multiple of 10**decimals)."""
        slope = self.payout_tokens * self.step * pow10(MONEY_DECIMALS) * scale
        slope //= pow10(self.decimals)
        return -slope if self.short else slope


def leg_fills(leg: BasketLeg, size: int) -> tuple[int, int, int]:
    """Walk ``size`` on a leg: ``(cost_micros, fee_micros, worst_price)``, one fill a level."""
    bounds = leg.bounds
    if bounds[-1] >= size:  # within the levels already worked out
        index = bisect_left(bounds, size, 1) - 1
    else:
        index = len(bounds) - 2 if len(bounds) > 1 else 0
        while leg.has_level(index) and leg.level_end(index) < size:
            index += 1
        if not leg.has_level(index):
            raise ValueError(f"{leg.instrument.id}: levels hold less than {size}")
    cash, fees = leg.full_costs(index)
    price = leg.levels[index][0]
    take = size - leg.bounds[index]
    sign, multiplier, divisor = leg.terms
    cash += fill_cost_micros(sign, multiplier, divisor, price, take)
    fees += leg.fee_model.fee_micros(leg.instrument, price, take, TAKER)
    return cash, fees, price


def basket_profit(basket: Basket, units: int) -> tuple[int, int]:
    """``(profit, capital)`` of ``units`` basket units, exactly (a plain walk of every leg)."""
    cash = fees = 0
    for leg in basket.legs:
        cost, fee, _ = leg_fills(leg, units * leg.ratio)
        cash += cost
        fees += fee
    base = basket.base_micros(units)
    capital = (-base + fees) if basket.short else cash + fees
    return base - cash - fees, capital


def build_opportunity(basket: Basket, units: int, notes: tuple[str, ...] = ()) -> Opportunity:
    """The opportunity of ``units`` basket units, with each leg's price limit, cost and fee."""
    legs = []
    cash = fees = 0
    for leg in basket.legs:
        size = units * leg.ratio
        opportunity_leg = leg.opportunity_leg
        if opportunity_leg is None or opportunity_leg.size != size:
            cost, fee, worst = leg_fills(leg, size)
            instrument = leg.instrument
            opportunity_leg = leg.opportunity_leg = Leg(
                venue=instrument.venue,
                instrument_id=instrument.id,
                side=leg.side,
                price_limit=worst,
                size=size,
                price_decimals=instrument.price_decimals,
                size_decimals=instrument.size_decimals,
                cost_micros=cost,
                fee_micros=fee,
            )
        legs.append(opportunity_leg)
        cash += opportunity_leg.cost_micros
        fees += opportunity_leg.fee_micros
    base = basket.base_micros(units)
    if basket.short:
        cost_micros, payout = -base, -cash
    else:
        cost_micros, payout = cash, base
    return Opportunity(
        kind=basket.kind,
        group=basket.group,
        currency=basket.currency,
        legs=tuple(legs),
        size=units * basket.step,
        size_decimals=basket.decimals,
        cost_micros=cost_micros,
        fees_micros=fees,
        guaranteed_payout_micros=payout,
        profit_micros=payout - cost_micros - fees,
        notes=basket.notes + notes,
    )


PARTIALS_KEPT = 1024
"""Priced partial fills kept per level of a leg (the cache is emptied when full)."""
PROFITS_KEPT = 512
"""Exact profits kept per basket between calls."""


@dataclass(frozen=True, slots=True)
class LegTerms:
    """Per leg, what does not change with its levels: ``ratio``, cash ``terms`` and whether
    its cash is rounded (``rounded_cash``), fee ``slacks`` (None when a fee model is
    unknown), rounding ``unit`` and ``rounding`` (None where fees cannot be foretold)."""

    ratio: list[int]
    terms: list[tuple[int, int, int]]
    rounded_cash: list[bool]
    slacks: list[int] | None
    unit: list[int]
    rounding: list[Rounding | None]

    @classmethod
    def of(cls, basket: Basket) -> LegTerms:
        legs = basket.legs
        rounding = []
        for leg in legs:
            known = fee_rounding(leg.fee_model)
            rounding.append(None if known is None else known[1])
        return cls(
            [leg.ratio for leg in legs],
            [leg.terms for leg in legs],
            [leg.terms[2] > 1 for leg in legs],
            leg_slacks(basket),
            [fee_unit_micros(leg.fee_model) for leg in legs],
            rounding,
        )


def leg_slacks(basket: Basket) -> list[int] | None:
    """How far above its share of the segment line each leg's exact cost can put the profit
    (micros); None when a fee model is unknown."""
    slacks = []
    for leg in basket.legs:
        shortfall = fee_shortfall_micros(leg.fee_model)
        if shortfall is None:
            return None
        slacks.append(shortfall + 1)  # F's error over a level: < unit x size / SCALE <= 1
    return slacks


class Sweep:
    """The segment sweep of :mod:`.optimize` over a basket: each leg's level, price and slopes
    at the current size (parallel lists, for speed), the segment's line, and exact profits.
    Exact prices of partial fills are kept per leg level and take, a fill's fee foretold from
    its level's fee slope when that is certain (:func:`.levels.foretold_fee`), else asked of
    the fee model."""

    def __init__(
        self,
        basket: Basket,
        fees: LegTerms,
        memo: dict[int, int],
        below: dict[int, int],
    ) -> None:
        slacks = fees.slacks
        self.basket = basket
        legs = basket.legs
        count = len(legs)
        self.legs = legs
        self.ratio = fees.ratio
        self.terms = fees.terms
        self.rounded_cash = fees.rounded_cash
        self.unit = fees.unit
        self.rounding = fees.rounding
        self.slacks = slacks
        payout = basket.payout_tokens * basket.step * pow10(MONEY_DECIMALS)
        self.base_numerator = -payout if basket.short else payout
        self.base_divisor = pow10(basket.decimals)
        self.slack = None if slacks is None else sum(slacks)
        self.scaled_slack = 0 if slacks is None else SCALE * self.slack
        self.index = [0] * count
        self.before = [0] * count
        self.price = [0] * count
        self.slope = [0] * count
        self.cash_slope = [0] * count
        self.partial: list[dict[int, int]] = [{}] * count
        self.k_cash = self.k_fee = self.full_rounded = 0
        self.base_slope = self.m = self.m0 = basket.base_scaled_slope(SCALE)
        self.a = self.a0 = 0
        self.heap: list[tuple[int, int]] = []
        self.memo = memo
        """Exact profits by size (every size the basket's levels price the same)."""
        self.below = below
        """Sizes whose profit is known to be at most a value (a size priced short)."""

    def start(self, units: int) -> bool:
        """Place every leg at ``units``; False when a leg's book cannot fill that much."""
        for i in range(len(self.legs)):
            if not self._enter(i, units):
                return False
            self._add(i)
        self.heapify_ends()
        return True

    def heapify_ends(self) -> None:
        """Rebuild the heap of where each leg's current level ends (basket units)."""
        ratio, index = self.ratio, self.index
        self.heap = [(leg.level_end(index[i]) // ratio[i], i) for i, leg in enumerate(self.legs)]
        heapify(self.heap)

    def _enter(self, i: int, units: int) -> bool:
        """Move leg ``i`` to the level holding ``units`` basket units, adding the exact cost
        of the full levels it passes; False when its book runs out first."""
        leg = self.legs[i]
        target = self.ratio[i] * units
        j = first = self.index[i]
        bounds = leg.bounds
        while True:
            if j + 1 < len(bounds):
                end = bounds[j + 1]
            elif leg.has_level(j):
                end = leg.level_end(j)
            else:
                return False
            if end >= target:
                break
            j += 1
        if j > leg.read:
            leg.read = j
        if j != first:
            cash, fees = leg.full_cash, leg.full_fees
            if len(cash) <= j:
                leg.full_costs(j)
            self.k_cash += cash[j] - cash[first]
            self.k_fee += fees[j] - fees[first]
            self.full_rounded += self.rounded_cash[i] * (j - first)
        moved = j != first or not self.price[i]
        self.index[i], self.before[i] = j, bounds[j]
        if moved:
            self._place(i, j)
        return True

    def _place(self, i: int, j: int) -> None:
        """Set leg ``i``'s price, slopes and partial fills to those of its level ``j``."""
        leg = self.legs[i]
        price, size = leg.levels[j]
        if size * self.unit[i] > SCALE:
            raise ValueError(f"{leg.instrument.id}: level of {size} too deep for SCALE")
        self.price[i] = price
        slopes = leg.slopes.get(j)
        if slopes is None:
            sign, multiplier, divisor = self.terms[i]
            cash_slope = sign * price * multiplier * SCALE // divisor
            fee = leg.fee_model.fee_micros(leg.instrument, price, SCALE, TAKER)
            slopes = leg.slopes[j] = (cash_slope, cash_slope + fee)
        self.cash_slope[i], self.slope[i] = slopes
        partial = leg.partial.get(j)
        if partial is None:
            partial = leg.partial[j] = {}
        self.partial[i] = partial

    def _add(self, i: int) -> None:
        ratio, before = self.ratio[i], self.before[i]
        self.m -= self.slope[i] * ratio
        self.a += self.slope[i] * before
        self.m0 -= self.cash_slope[i] * ratio
        self.a0 += self.cash_slope[i] * before

    def advance(self, units: int) -> bool:
        """Move every leg whose level ends before ``units`` to the level holding it; False
        when a leg's book runs out.

        A leg moving to its next level whose terms it worked out before (the usual case)
        is moved here; any other move goes through :meth:`_enter`."""
        heap, ratio, slope, cash_slope, before, index = (
            self.heap,
            self.ratio,
            self.slope,
            self.cash_slope,
            self.before,
            self.index,
        )
        legs, price, partial = self.legs, self.price, self.partial
        while heap[0][0] < units:
            i = heap[0][1]
            step = ratio[i]
            old_slope, old_cash_slope, old_before = slope[i], cash_slope[i], before[i]
            leg = legs[i]
            j = index[i] + 1
            bounds = leg.bounds
            slopes = leg.slopes.get(j)
            if (
                slopes is not None
                and j + 1 < len(bounds)
                and bounds[j + 1] >= step * units
                and j < len(leg.full_cash)
                and j in leg.partial
                and leg.levels[j][1] * self.unit[i] <= SCALE
            ):
                full_cash, full_fees = leg.full_cash, leg.full_fees
                self.k_cash += full_cash[j] - full_cash[j - 1]
                self.k_fee += full_fees[j] - full_fees[j - 1]
                self.full_rounded += self.rounded_cash[i]
                index[i] = j
                new_before = before[i] = bounds[j]
                price[i] = leg.levels[j][0]
                new_cash_slope, new_slope = cash_slope[i], slope[i] = slopes
                partial[i] = leg.partial[j]
                if j > leg.read:
                    leg.read = j
                end = bounds[j + 1]
            else:
                if not self._enter(i, units):
                    return False
                new_slope, new_cash_slope, new_before = slope[i], cash_slope[i], before[i]
                end = leg.bounds[index[i] + 1]
            self.m += (old_slope - new_slope) * step
            self.a += new_slope * new_before - old_slope * old_before
            self.m0 += (old_cash_slope - new_cash_slope) * step
            self.a0 += new_cash_slope * new_before - old_cash_slope * old_before
            heapreplace(heap, (end // step, i))
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
            self.terms,
        )
        for i in range(len(legs)):
            take = ratio[i] * units - before[i]
            if take:
                sign, multiplier, divisor = terms[i]
                cash += fill_cost_micros(sign, multiplier, divisor, price[i], take)
                leg = legs[i]
                fees += leg.fee_model.fee_micros(leg.instrument, price[i], take, TAKER)
        base = (self.base_numerator * units) // self.base_divisor
        capital = (fees - base) if self.basket.short else cash + fees
        return base - cash - fees, capital

    def exact_reaching(self, units: int, target: int) -> int | None:
        """The exact profit at ``units`` if it reaches ``target``, else None (no bounds)."""
        profit = self.exact(units)[0]
        return profit if profit >= target else None

    def profit_reaching(self, units: int, target: int) -> int | None:
        """The exact profit at ``units`` if it reaches ``target``, else None.

        The bound starts at ``SCALE * (base - constants + U) - sum of slope * take`` (that sum
        is the segment line's, ``units * (base slope - m) - a``); each leg priced takes off
        ``SCALE * (exact + slack) - slope * take``, never negative, kept per level and take
        (:meth:`_price_partial`), and the walk stops as soon as the bound falls short. Legs
        priced before at that take go first, so a size that falls short seldom needs a fee
        model. With every leg priced the bound is ``SCALE`` x the exact profit."""
        known = self.memo.get(units)
        if known is not None:
            return known if known >= target else None
        below = self.below.get(units)
        if below is not None and below < target:
            return None
        bound = (
            SCALE * ((self.base_numerator * units) // self.base_divisor - self.k_cash - self.k_fee)
            + self.scaled_slack
            - units * (self.base_slope - self.m)
            + self.a
        )
        floor = SCALE * target
        if bound < floor:
            return self._below(units, target)
        unpriced = []
        ratio, before, partial = self.ratio, self.before, self.partial
        for i in range(len(ratio)):
            take = ratio[i] * units - before[i]
            excess = partial[i].get(take)
            if excess is None:
                unpriced.append((i, take))
                continue
            bound -= excess
            if bound < floor:
                return self._below(units, target)
        for i, take in unpriced:
            bound -= self._price_partial(i, take)
            if bound < floor:
                return self._below(units, target)
        profit = bound // SCALE
        if len(self.memo) >= PROFITS_KEPT:
            self.memo.clear()
        self.memo[units] = profit
        return profit

    def profits(self, first: int, last: int) -> list[int]:
        """The exact profit of every size ``first..last`` inside the current segment."""
        scaled = [
            SCALE * ((self.base_numerator * units) // self.base_divisor)
            - (self.base_slope - self.m) * units
            for units in range(first, last + 1)
        ]
        offset = self.scaled_slack + self.a - SCALE * (self.k_cash + self.k_fee)
        count = len(scaled)
        legs = zip(self.ratio, self.before, self.partial, strict=True)
        for i, (ratio, before, partial) in enumerate(legs):
            take = ratio * first - before
            for k in range(count):
                excess = partial.get(take)
                if excess is None:
                    excess = self._price_partial(i, take)
                scaled[k] -= excess
                take += ratio
        memo = self.memo
        if len(memo) + count > PROFITS_KEPT:
            memo.clear()
        profits = []
        for units, value in enumerate(scaled, first):
            profit = memo[units] = (value + offset) // SCALE
            profits.append(profit)
        return profits

    def _below(self, units: int, target: int) -> None:
        """Note that the profit at ``units`` is below ``target``."""
        below = self.below
        if len(below) >= PROFITS_KEPT:
            below.clear()
        below[units] = target - 1

    def _price_partial(self, i: int, take: int) -> int:
        """``SCALE * (exact + slack) - slope * take`` of leg ``i`` taking ``take`` of its
        current level (kept for the next time). The fee is foretold from the level's fee
        slope when that is certain (:func:`foretold_fee`), else asked of the model."""
        leg = self.legs[i]
        sign, multiplier, divisor = self.terms[i]
        price = self.price[i]
        exact = fill_cost_micros(sign, multiplier, divisor, price, take)
        rounding = self.rounding[i]
        fee = None
        if rounding is not None:
            fee = foretold_fee(take, self.slope[i] - self.cash_slope[i], self.unit[i], rounding)
        if fee is None:
            fee = leg.fee_model.fee_micros(leg.instrument, price, take, TAKER) if take else 0
        excess = SCALE * (exact + fee + self.slacks[i]) - self.slope[i] * take
        partial = self.partial[i]
        if len(partial) >= PARTIALS_KEPT:
            partial.clear()
        partial[take] = excess
        return excess

    def snapshot(self, lo: int, hi: int, reach: int, floor: int, bound: int) -> tuple:
        """The sweep's state on the segment ``lo..hi`` (see :class:`_Run`)."""
        return (
            -reach,
            lo,
            hi,
            self.a,
            self.m,
            self.k_cash,
            self.k_fee,
            self.a0,
            self.m0,
            self.full_rounded,
            floor,
            bound,
            list(self.index),
        )

    def restore(self, segment: tuple) -> None:
        """Put the sweep back where it was on a snapshot's segment."""
        (_, _, _, self.a, self.m, self.k_cash, self.k_fee, self.a0, self.m0, self.full_rounded) = (
            segment[:10]
        )
        index = self.index = list(segment[12])
        before, price, cash_slope, slope, partial = (
            self.before,
            self.price,
            self.cash_slope,
            self.slope,
            self.partial,
        )
        for i, leg in enumerate(self.legs):
            j = index[i]
            before[i] = leg.bounds[j]
            price[i] = leg.levels[j][0]
            cash_slope[i], slope[i] = leg.slopes[j]
            partial[i] = leg.partial[j]
