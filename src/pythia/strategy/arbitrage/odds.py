"""Back-all and lay-all over the runners of a one-winner decimal-odds market (Betfair WIN).

Runners' books are in decimal odds with ``bids`` = available to back (best = highest odds)
and ``asks`` = available to lay (best = lowest); sizes are stakes. Payout units are
``stake units x odds units`` (4 decimals on Betfair), as in :mod:`pythia.portfolio.valuation`.

**BACK_ALL** backs every runner so that whichever wins pays at least a target ``P``: each
stake is the least whole lot (at least the minimum stake) whose payout, walking the back
levels best first, reaches ``P``. ``cost`` = total stakes; the winner pays its payout; the
market's commission (``commission_bps`` of net winnings = payout - total stakes, if
positive, rounded HALF_UP to the penny as the ledger does) is charged on it.

**LAY_ALL** lays every runner, each the most whole lots whose payout (``stake x odds``,
walking the lay levels best first) stays within a target ``M``. If runner ``j`` wins, the
layer keeps the other stakes and pays ``j``'s liability: ``profit_j = total stakes -
payout_j`` (less commission on it). ``cost`` = the liabilities locked (``payout - stake``
summed over runners), and the payout if ``j`` wins = the other runners' payouts.

For both, the reported ``guaranteed_payout`` and ``fees`` are those of the worst outcome
(``profit = payout - cost - fees`` exactly), and ``size`` is that basket's key: the least
runner payout (back) or the largest (lay), in payout units. A capital cap applies to
``cost`` (stakes or liabilities, what the orders lock): commission is taken out of the
winnings at settlement, never paid up front.

Exactness: stakes are a step function of the target, constant on *pieces* of targets; the
next piece starts at the key plus one (back: the least payout + 1; lay: the next payout one
more lot would reach), so pieces are walked in increasing key with a heap. A piece's profit
is at most ``Lin(key)``, the profit with exact rational stakes and no commission, which is
concave; the walk starts at the smallest key where ``Lin`` can reach the best profit found
at ``Lin``'s peak and stops past the peak once ``Lin`` falls below the best. Ties go to the
smallest key.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from pythia.core.fixed import MONEY_DECIMALS, pow10
from pythia.model.enums import Side
from pythia.model.events import Level
from pythia.model.instruments import Instrument
from pythia.portfolio.valuation import commission_micros
from pythia.strategy.arbitrage.model import Leg, Opportunity, OpportunityKind

DEFAULT_MAX_PIECES = 200_000


@dataclass(slots=True)
class Runner:
    """One runner's levels (odds, stake) best first, with prefix sums of stake and payout."""

    token: Instrument
    levels: list[Level]
    min_stake: int
    lot: int
    stakes: list[int]
    payouts: list[int]

    @classmethod
    def build(cls, token: Instrument, levels: list[Level], lot: int) -> Runner:
        stakes, payouts = [0], [0]
        for odds, size in levels:
            stakes.append(stakes[-1] + size)
            payouts.append(payouts[-1] + size * odds)
        min_stake = -(-max(token.min_size, 1) // lot) * lot
        return cls(token, levels, min_stake, lot, stakes, payouts)

    @property
    def capacity(self) -> int:
        """The most stake, in whole lots."""
        return self.stakes[-1] // self.lot * self.lot

    def payout(self, stake: int) -> int:
        j = bisect_right(self.stakes, stake) - 1
        if j >= len(self.levels):
            return self.payouts[-1]
        return self.payouts[j] + (stake - self.stakes[j]) * self.levels[j][0]

    def back_stake(self, target: int) -> int | None:
        """The least stake (whole lots, >= the minimum) paying ``target``; None if none."""
        if target > self.payouts[-1]:
            return None
        stake = 0
        if target > 0:
            j = bisect_left(self.payouts, target) - 1
            stake = self.stakes[j] + -(-(target - self.payouts[j]) // self.levels[j][0])
        stake = max(-(-stake // self.lot) * self.lot, self.min_stake)
        return stake if stake <= self.stakes[-1] else None

    def lay_stake(self, target: int) -> int:
        """The most stake (whole lots) whose payout stays within ``target``."""
        if target >= self.payouts[-1]:
            return self.capacity
        j = bisect_right(self.payouts, target) - 1
        stake = self.stakes[j] + (target - self.payouts[j]) // self.levels[j][0]
        return stake // self.lot * self.lot

    def exact_stake(self, target: int) -> Fraction:
        """The rational stake whose payout is exactly ``target`` (capped at the depth)."""
        if target >= self.payouts[-1]:
            return Fraction(self.stakes[-1])
        if target <= 0:
            return Fraction(0)
        j = bisect_left(self.payouts, target) - 1
        return self.stakes[j] + Fraction(target - self.payouts[j], self.levels[j][0])

    def take(self, stake: int) -> tuple[int, int]:
        """``(worst odds, payout)`` of ``stake`` walked over the levels."""
        remaining, worst = stake, 0
        for odds, size in self.levels:
            if remaining <= 0:
                break
            remaining -= size
            worst = odds
        return worst, self.payout(stake)


@dataclass(frozen=True, slots=True)
class OddsBasket:
    kind: OpportunityKind
    group: str
    runners: list[Runner]
    commission_bps: int
    stake_micros: int
    """Micros per stake unit."""
    payout_micros: int
    """Micros per payout unit."""


def _net_profit(basket: OddsBasket, nets: list[int]) -> tuple[int, int]:
    """``(profit, index)`` of the worst outcome given each outcome's net winnings."""
    bps = basket.commission_bps
    worst, worst_index = None, 0
    for index, net in enumerate(nets):
        value = net - commission_micros(net, bps) if bps else net
        if worst is None or value < worst:
            worst, worst_index = value, index
    return worst, worst_index


class _Walk:
    """Piece-by-piece state of a back-all or lay-all basket."""

    def __init__(self, basket: OddsBasket, target: int) -> None:
        self.basket = basket
        self.back = basket.kind is OpportunityKind.BACK_ALL
        runners = basket.runners
        if self.back:
            stakes = [runner.back_stake(target) for runner in runners]
        else:
            stakes = [runner.lay_stake(target) for runner in runners]
        self.stakes = stakes
        self.payouts = [runner.payout(stake) for runner, stake in zip(runners, stakes, strict=True)]
        self.total = sum(stakes)
        self.paid = sum(self.payouts)
        if self.back:
            self.heap = [(payout, i) for i, payout in enumerate(self.payouts)]
            heapq.heapify(self.heap)
            self.key = self.heap[0][0]
        else:
            self.heap = []
            for i, runner in enumerate(runners):
                if stakes[i] + runner.lot <= runner.stakes[-1]:
                    self.heap.append((runner.payout(stakes[i] + runner.lot), i))
            heapq.heapify(self.heap)
            self.key = max(self.payouts)

    def capital(self) -> int:
        b = self.basket
        if self.back:
            return self.total * b.stake_micros
        return self.paid * b.payout_micros - self.total * b.stake_micros

    def quick_profit(self) -> int:
        """The profit of the outcome the key names (an upper bound on the worst outcome)."""
        b = self.basket
        if self.back:
            net = self.key * b.payout_micros - self.total * b.stake_micros
        else:
            net = self.total * b.stake_micros - self.key * b.payout_micros
        return net - commission_micros(net, b.commission_bps) if b.commission_bps else net

    def outcomes(self) -> list[int]:
        """Net winnings if each runner wins."""
        b = self.basket
        stakes = self.total * b.stake_micros
        if self.back:
            return [payout * b.payout_micros - stakes for payout in self.payouts]
        return [stakes - payout * b.payout_micros for payout in self.payouts]

    def step(self) -> bool:
        """Move to the next piece; False when there is none."""
        heap, runners = self.heap, self.basket.runners
        if not heap:
            return False
        if self.back:
            key = heap[0][0]
            while heap and heap[0][0] == key:
                _, i = heapq.heappop(heap)
                stake = runners[i].back_stake(key + 1)
                if stake is None:
                    return False
                self._set(i, stake)
                heapq.heappush(heap, (self.payouts[i], i))
            self.key = heap[0][0]
            return True
        key = heap[0][0]
        while heap and heap[0][0] == key:
            _, i = heapq.heappop(heap)
            runner = runners[i]
            self._set(i, self.stakes[i] + runner.lot)
            if self.stakes[i] + runner.lot <= runner.stakes[-1]:
                heapq.heappush(heap, (runner.payout(self.stakes[i] + runner.lot), i))
        self.key = key
        return True

    def _set(self, i: int, stake: int) -> None:
        payout = self.basket.runners[i].payout(stake)
        self.total += stake - self.stakes[i]
        self.paid += payout - self.payouts[i]
        self.stakes[i], self.payouts[i] = stake, payout


def _line(basket: OddsBasket, target: int) -> Fraction:
    """``Lin(target)``: profit in micros with exact stakes and no commission."""
    b = basket
    if b.kind is OpportunityKind.BACK_ALL:
        stakes = sum(max(Fraction(r.min_stake), r.exact_stake(target)) for r in b.runners)
        return target * b.payout_micros - stakes * b.stake_micros
    stakes = sum(r.exact_stake(target) for r in b.runners)
    return stakes * b.stake_micros - target * b.payout_micros


def _first(lo: int, hi: int, holds: Callable[[int], bool]) -> int:
    """The smallest x in [lo, hi] where ``holds`` turns true (hi + 1 if never)."""
    hi += 1
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def optimize_odds(
    basket: OddsBasket,
    *,
    threshold_micros: int = 1,
    max_capital_micros: int | None = None,
    max_pieces: int = DEFAULT_MAX_PIECES,
) -> tuple[_Walk, int, bool] | None:
    """The first piece with the largest profit >= the threshold: ``(walk, profit, capped)``."""
    runners = basket.runners
    if any(runner.capacity < runner.min_stake for runner in runners):
        return None
    back = basket.kind is OpportunityKind.BACK_ALL
    if back:
        low, high = 1, min(runner.payouts[-1] for runner in runners)
        if any(runner.back_stake(high) is None for runner in runners):
            return None
    else:
        low = max(runner.payout(runner.min_stake) for runner in runners)
        high = max(runner.payouts[-1] for runner in runners)
    if low > high:
        return None
    if max_capital_micros is not None:
        fits = lambda x: _Walk(basket, x).capital() <= max_capital_micros  # noqa: E731
        if not fits(low):
            return None
        high = _first(low, high, lambda x: not fits(x)) - 1
    line = lambda x: _line(basket, x)  # noqa: E731
    peak = _first(low, high - 1, lambda x: line(x + 1) <= line(x)) if low < high else low
    threshold = max(1, threshold_micros)
    walk = _Walk(basket, peak)
    best = _net_profit(basket, walk.outcomes())[0]
    target = max(best, threshold)
    if line(peak) < target:
        return None
    start = _first(low, peak, lambda x: line(x) >= target)
    walk = _Walk(basket, start)
    best, best_key, best_walk = threshold - 1, 0, None
    capped, pieces = False, 0
    while True:
        key = walk.key
        if max_capital_micros is not None and walk.capital() > max_capital_micros:
            break
        if key > peak and line(key) < best + 1:
            break
        if walk.quick_profit() > best:
            profit = _net_profit(basket, walk.outcomes())[0]
            if profit > best or (profit == best and key < best_key):
                best, best_key, best_walk = profit, key, _snapshot(walk)
        pieces += 1
        if pieces >= max_pieces:
            capped = True
            break
        if not walk.step():
            break
    if best_walk is None:
        return None
    return best_walk, best, capped


def _snapshot(walk: _Walk) -> _Walk:
    copy = object.__new__(_Walk)
    copy.basket, copy.back, copy.key = walk.basket, walk.back, walk.key
    copy.stakes, copy.payouts = list(walk.stakes), list(walk.payouts)
    copy.total, copy.paid, copy.heap = walk.total, walk.paid, []
    return copy


def odds_opportunity(basket: OddsBasket, walk: _Walk, notes: tuple[str, ...]) -> Opportunity:
    """The opportunity of a piece: one leg a runner (back = BUY, lay = SELL)."""
    profit, worst = _net_profit(basket, walk.outcomes())
    legs = []
    for runner, stake in zip(basket.runners, walk.stakes, strict=True):
        token = runner.token
        odds, payout = runner.take(stake)
        if walk.back:
            cost = stake * basket.stake_micros
        else:
            cost = payout * basket.payout_micros - stake * basket.stake_micros
        legs.append(
            Leg(
                venue=token.venue,
                instrument_id=token.id,
                side=Side.BUY if walk.back else Side.SELL,
                price_limit=odds,
                size=stake,
                price_decimals=token.price_decimals,
                size_decimals=token.size_decimals,
                cost_micros=cost,
            )
        )
    cost = walk.capital()
    if walk.back:
        payout = walk.payouts[worst] * basket.payout_micros
    else:
        payout = (walk.paid - walk.payouts[worst]) * basket.payout_micros
    fees = payout - cost - profit
    first = basket.runners[0].token
    return Opportunity(
        kind=basket.kind,
        group=basket.group,
        currency=first.quote_currency,
        legs=tuple(legs),
        size=walk.key,
        size_decimals=first.price_decimals + first.size_decimals,
        cost_micros=cost,
        fees_micros=fees,
        guaranteed_payout_micros=payout,
        profit_micros=profit,
        notes=notes,
    )


def odds_units(token: Instrument) -> tuple[int, int] | None:
    """Micros per stake unit and per payout unit (None when not whole micros)."""
    if token.price_decimals + token.size_decimals > MONEY_DECIMALS:
        return None
    return (
        pow10(MONEY_DECIMALS - token.size_decimals),
        pow10(MONEY_DECIMALS - token.size_decimals - token.price_decimals),
    )
