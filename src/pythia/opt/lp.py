"""The trade across order books with the largest guaranteed profit over every valid outcome.

Given an ask ladder (buy YES) and a bid ladder (sell YES) for every security, choose amounts
``x`` bought and ``y`` sold at each level, within its depth, to maximize ``t`` subject to

    payoff(z) + cash >= t    for every valid outcome z,

where ``payoff(z) = sum_i z_i (bought_i - sold_i)`` and ``cash`` is the proceeds of the
sells less the cost of the buys. Z can be huge, so rows are generated lazily (Dudik, Lahaie
and Pennock 2012): solve the LP (HiGHS) over a few outcomes, ask the IP oracle for the
outcome with the lowest payoff of the current trade, add it if it is violated, repeat. The
incumbents the separation MIP held on its way to that outcome come for free; those violated
at least 90% as deeply join it (several deep rows per round: fewer rounds, each an LP
re-solve; shallower ones were tried and cost elections more rounds than they saved).

Separation is exact (the worst outcome) until one separation MIP needs more than ``_HARD``
times n simplex iterations: a MIP whose LP relaxation is weak (a race's finishing order:
hundreds to thousands of iterations in the root cut loop after its heuristics found the
worst outcome). From then on each MIP stops as soon as its incumbent is violated at least
half as deeply as its dual bound allows, or the bound proves no outcome violated; the
last round, which finds none, is therefore still a proof. Problems whose separation MIPs
end at the root in a few iterations (the elections: at most 88 at 999 securities) keep the
exact separation they need (stopping early there took more rounds than it saved, and the
999-security election no longer converged).

Prices are *all-in*, fee included, in the book's price units: an ask is what one share costs
(price plus taker fee), a bid what one share sold brings (price less fee). The caller
computes them, rounding against itself; ``with_fee_rate`` does this for a linear fee rate.
Selling YES means selling held YES or, equivalently, minting a complete set and selling YES.

Two optional limits:

- ``max_outlay``: the cash the trade may tie up, sum(ask * x) + sum((1 - bid) * y): a YES
  sold is backed by a complete set minted for 1 (the same as buying NO at 1 - bid). It is
  one more LP row, so the result is the best trade within the budget, not a rejection.
- ``time_limit_s``: constraint generation stops adding outcome rows after this long. The
  trade of the last LP is still rounded and its guaranteed profit recomputed exactly below
  (the final worst case is never time limited), so a hurried answer is smaller, never wrong.

The LP runs in floats; the returned trade is rounded down to each book's lot grid and its
guaranteed profit recomputed exactly (``Fraction``) over valid outcomes: by enumeration for
small problems, else from the IP oracle's worst outcome (HiGHS with a zero MIP gap) evaluated
exactly. A trade whose exact profit is not positive is reported as no trade.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

import highspy
import numpy as np

from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10, round_div
from pythia.opt.outcomes import Outcome, OutcomeSpace

EXACT_ENUMERATION_LIMIT = 16
"""Up to this many securities the exact worst case enumerates every valid outcome."""

_TIE_BREAK = 1e-9  # per share traded: among equally profitable trades prefer the smaller
_NEAR = 0.9  # an earlier incumbent of the separation MIP joins the LP if this deep (share)
_HARD = 2  # a separation MIP of more simplex iterations than this x n: stop early from then
_DEEP = 0.5  # ... at an outcome at least this share as deep as the MIP's dual bound allows


@dataclass(frozen=True, slots=True)
class _Separation:
    """When a separation MIP may stop: an outcome z is violated when net . z < threshold."""

    threshold: float

    def enough(self, incumbent: float, bound: float) -> bool:
        """No outcome can be violated (the bound proves it), or the incumbent is violated at
        least ``_DEEP`` as deeply as the deepest the bound allows."""
        gap = self.threshold - bound
        return gap <= 0 or self.threshold - incumbent >= _DEEP * gap


@dataclass(frozen=True, slots=True)
class Level:
    """``size`` (size units) available at an all-in ``price`` (price units) per share."""

    price: int
    size: int


@dataclass(frozen=True, slots=True)
class SecurityBook:
    """The ladders of one security: asks to buy YES, bids to sell YES, all-in prices.

    A share pays 1 unit of the quote currency (``10**price_decimals`` price units) if true.
    Traded sizes are multiples of ``lot`` size units.
    """

    security_id: str
    asks: tuple[Level, ...] = ()
    bids: tuple[Level, ...] = ()
    price_decimals: int = 4
    size_decimals: int = 6
    lot: int = 1

    def __post_init__(self) -> None:
        for level in (*self.asks, *self.bids):
            if level.price < 0 or level.size < 0:
                raise ValueError(f"{self.security_id}: negative price or size in {level}")
        if self.lot <= 0:
            raise ValueError(f"{self.security_id}: lot must be positive")


def with_fee_rate(book: SecurityBook, rate: Decimal) -> SecurityBook:
    """Return ``book`` with a linear fee rate folded into its prices, rounded against us.

    An ask becomes ``price * (1 + rate)`` rounded up, a bid ``price * (1 - rate)`` rounded
    down, both in the book's price units.
    """
    ratio = Fraction(rate)

    def scaled(level: Level, factor: Fraction, rounding: Rounding) -> Level:
        exact = level.price * factor
        return Level(round_div(exact.numerator, exact.denominator, rounding), level.size)

    return replace(
        book,
        asks=tuple(scaled(lv, 1 + ratio, Rounding.CEILING) for lv in book.asks),
        bids=tuple(scaled(lv, 1 - ratio, Rounding.FLOOR) for lv in book.bids),
    )


@dataclass(frozen=True, slots=True)
class LevelFill:
    """Buy (``is_buy``) or sell ``size`` size units of a security at one level's price."""

    security_id: str
    is_buy: bool
    price: int
    size: int


@dataclass(frozen=True, slots=True)
class GuaranteedTrade:
    """The best trade found, with its exactly recomputed guaranteed profit.

    ``profit`` is exact (quote currency); ``profit_micros`` is it rounded down to micros.
    ``net_shares[i]`` is the exact net YES position bought in security i; ``cash`` the exact
    cash flow (negative: paid). ``lp_profit`` is the LP optimum before rounding to lots;
    ``outlay`` the exact cash tied up (see the module); ``timed_out`` whether constraint
    generation hit its time limit.
    """

    fills: tuple[LevelFill, ...]
    net_shares: tuple[Fraction, ...]
    cash: Fraction
    profit: Fraction
    profit_micros: int
    worst_outcome: Outcome
    lp_profit: float
    iterations: int
    outcomes_used: int
    exact_by_enumeration: bool = field(default=False)
    outlay: Fraction = field(default=Fraction(0))
    timed_out: bool = field(default=False)


@dataclass(slots=True)
class _Columns:
    """Column layout of the LP: one column per level and side, then net_i, cash, t."""

    owners: list[int]  # security index per level column
    books: list[SecurityBook]
    levels: list[Level]
    is_buy: list[bool]


def best_guaranteed_trade(
    space: OutcomeSpace,
    books: Iterable[SecurityBook],
    *,
    tolerance: float = 1e-9,
    max_iterations: int = 500,
    max_outlay: Fraction | Decimal | int | None = None,
    time_limit_s: float | None = None,
) -> GuaranteedTrade:
    """Return the trade maximizing the profit guaranteed in every valid outcome.

    ``books`` holds at most one book per security of ``space`` (a security with no book
    cannot be traded). Raise ``ValueError`` for a book of an unknown security or a negative
    ``max_outlay``. ``max_outlay`` and ``time_limit_s``: see the module.
    """
    started = time.perf_counter()
    budget = None if max_outlay is None else Fraction(max_outlay)
    if budget is not None and budget < 0:
        raise ValueError(f"max_outlay must be at least 0, got {max_outlay}")
    index = space.dependencies.index()
    by_security: dict[int, SecurityBook] = {}
    for book in books:
        if book.security_id not in index:
            raise ValueError(f"book for unknown security {book.security_id!r}")
        if index[book.security_id] in by_security:
            raise ValueError(f"two books for security {book.security_id!r}")
        by_security[index[book.security_id]] = book
    columns = _layout(by_security)
    highs, net_start, cash_col, t_col = _build_lp(space.n, columns)
    if budget is not None:
        per_share = [
            float(_outlay_per_share(lv, b, buy))
            for lv, b, buy in zip(columns.levels, columns.books, columns.is_buy, strict=True)
        ]
        _add_row(highs, -highspy.kHighsInf, float(budget), range(len(per_share)), per_share)
    outcomes: list[Outcome] = []
    mids = np.full(space.n, 0.5)
    for i, book in by_security.items():
        quotes = [lv.price for lv in (*book.asks[:1], *book.bids[:1])]
        if quotes:
            mids[i] = sum(quotes) / len(quotes) / pow10(book.price_decimals)
    for maximize in (False, True):
        outcome, _ = space.best_outcome(mids, maximize=maximize)
        if outcome not in outcomes:
            outcomes.append(outcome)
            _add_outcome_row(highs, outcome, net_start, cash_col, t_col)
    iterations, timed_out = 0, False
    quick = False  # the separation MIP may stop at a deep violated outcome (see the module)
    while True:
        iterations += 1
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS failed on the trade LP: {highs.getModelStatus()}")
        values = np.asarray(highs.getSolution().col_value)
        net = values[net_start : net_start + space.n]
        cash, t = values[cash_col], values[t_col]
        incumbents: list[Outcome] = []
        threshold = t - cash - tolerance * (1.0 + abs(t))  # net . z below it: violated
        if quick:
            worst, worst_value, _ = space.bounded_outcome(
                net, enough=_Separation(threshold).enough, found=incumbents
            )
        else:
            worst, worst_value = space.best_outcome(net, found=incumbents)
            quick = space.mip_iterations > _HARD * space.n
        violated = worst_value < threshold
        if not violated or worst in outcomes or iterations >= max_iterations:
            break
        if time_limit_s is not None and time.perf_counter() - started > time_limit_s:
            timed_out = True
            break
        deepest = t - (worst_value + cash)
        for outcome in (worst, *incumbents):  # the MIP's earlier incumbents, if nearly as deep
            if outcome not in outcomes and t - (float(net @ outcome) + cash) >= _NEAR * deepest:
                outcomes.append(outcome)
                _add_outcome_row(highs, outcome, net_start, cash_col, t_col)
    fills = _round_fills(columns, values[: len(columns.levels)])
    if budget is not None:
        fills = _within_budget(fills, budget)
    result = _exact_result(space, fills, float(t), iterations, len(outcomes))
    return replace(
        result, outlay=_outlay(fills) if result.fills else Fraction(0), timed_out=timed_out
    )


def _layout(by_security: Mapping[int, SecurityBook]) -> _Columns:
    columns = _Columns([], [], [], [])
    for i in sorted(by_security):
        book = by_security[i]
        for is_buy, ladder in ((True, book.asks), (False, book.bids)):
            for level in ladder:
                if level.size >= book.lot:
                    columns.owners.append(i)
                    columns.books.append(book)
                    columns.levels.append(level)
                    columns.is_buy.append(is_buy)
    return columns


def _build_lp(n: int, columns: _Columns) -> tuple[highspy.Highs, int, int, int]:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    count = len(columns.levels)
    upper = [
        lv.size / pow10(b.size_decimals)
        for lv, b in zip(columns.levels, columns.books, strict=True)
    ]
    highs.addVars(count, np.zeros(count), np.asarray(upper, dtype=np.float64))
    highs.addVars(n + 2, np.full(n + 2, -inf), np.full(n + 2, inf))
    net_start, cash_col, t_col = count, count + n, count + n + 1
    costs = np.full(count + n + 2, -_TIE_BREAK)
    costs[count:] = 0.0
    costs[t_col] = 1.0
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    by_owner: dict[int, list[int]] = {}
    for column, owner in enumerate(columns.owners):
        by_owner.setdefault(owner, []).append(column)
    for i in range(n):  # net_i - sum(buys) + sum(sells) = 0
        level_columns = by_owner.get(i, [])
        signs = [-1.0 if columns.is_buy[c] else 1.0 for c in level_columns]
        _add_row(highs, 0.0, 0.0, [net_start + i, *level_columns], [1.0, *signs])
    prices = [  # cash + sum(ask x) - sum(bid y) = 0
        (lv.price / pow10(b.price_decimals)) * (1.0 if buy else -1.0)
        for lv, b, buy in zip(columns.levels, columns.books, columns.is_buy, strict=True)
    ]
    _add_row(highs, 0.0, 0.0, [cash_col, *range(count)], [1.0, *prices])
    return highs, net_start, cash_col, t_col


def _add_row(highs: highspy.Highs, lower: float, upper: float, cols, vals) -> None:
    highs.addRow(
        lower, upper, len(cols), np.asarray(cols, dtype=np.int32), np.asarray(vals, dtype=float)
    )


def _add_outcome_row(highs, outcome: Outcome, net_start: int, cash_col: int, t_col: int) -> None:
    ones = [net_start + i for i, v in enumerate(outcome) if v]
    cols = [*ones, cash_col, t_col]
    _add_row(highs, 0.0, highspy.kHighsInf, cols, [1.0] * (len(ones) + 1) + [-1.0])


def _round_fills(
    columns: _Columns, amounts: np.ndarray
) -> list[tuple[int, SecurityBook, LevelFill]]:
    fills = []
    for owner, book, level, is_buy, shares in zip(
        columns.owners, columns.books, columns.levels, columns.is_buy, amounts, strict=True
    ):
        units = math.floor(shares * pow10(book.size_decimals) + 1e-6)
        lots = min(units, level.size) // book.lot
        if lots > 0:
            fill = LevelFill(book.security_id, is_buy, level.price, lots * book.lot)
            fills.append((owner, book, fill))
    return fills


def _outlay_per_share(level: Level, book: SecurityBook, is_buy: bool) -> Fraction:
    """Cash tied up per share: the ask, or 1 - bid for a YES sold from a minted set."""
    price = Fraction(level.price, pow10(book.price_decimals))
    return price if is_buy else 1 - price


def _outlay(fills) -> Fraction:
    return sum(
        (
            _outlay_per_share(Level(f.price, f.size), book, f.is_buy)
            * Fraction(f.size, pow10(book.size_decimals))
            for _, book, f in fills
        ),
        Fraction(0),
    )


def _within_budget(fills, budget: Fraction):
    """Scale rounded fills down (to lots) until their exact outlay fits the budget.

    The LP keeps to the budget in floats; rounding to lots only shrinks fills, but the float
    optimum may sit a hair above the budget.
    """
    while fills and (spent := _outlay(fills)) > budget:
        ratio = budget / spent
        scaled = []
        for owner, book, fill in fills:
            lots = math.floor(fill.size * ratio / book.lot)
            if lots * book.lot == fill.size:
                lots -= 1  # make progress whatever the rounding
            if lots > 0:
                scaled.append((owner, book, replace(fill, size=lots * book.lot)))
        fills = scaled
    return fills


def _fill_value(fill: LevelFill, book: SecurityBook) -> tuple[Fraction, Fraction]:
    """Return the exact (shares bought, cash received) of a fill: negative when sold/paid."""
    shares = Fraction(fill.size, pow10(book.size_decimals))
    amount = Fraction(fill.price * fill.size, pow10(book.price_decimals + book.size_decimals))
    return (shares, -amount) if fill.is_buy else (-shares, amount)


def exact_worst_case(
    space: OutcomeSpace, net_shares: tuple[Fraction, ...]
) -> tuple[Outcome, Fraction, bool]:
    """Return the valid outcome with the lowest exact payoff of ``net_shares``, that payoff,
    and whether it was found by enumeration (True) or by the IP oracle (False)."""
    if space.n <= EXACT_ENUMERATION_LIMIT:
        best: tuple[Outcome, Fraction] | None = None
        for outcome in space.enumerate_outcomes():
            payoff = sum((q for q, z in zip(net_shares, outcome, strict=True) if z), Fraction(0))
            if best is None or payoff < best[1]:
                best = (outcome, payoff)
        assert best is not None
        return best[0], best[1], True
    outcome, _ = space.best_outcome([float(q) for q in net_shares])
    payoff = sum((q for q, z in zip(net_shares, outcome, strict=True) if z), Fraction(0))
    return outcome, payoff, False


def _exact_result(
    space: OutcomeSpace,
    fills: list[tuple[int, SecurityBook, LevelFill]],
    lp_profit: float,
    iterations: int,
    outcomes_used: int,
) -> GuaranteedTrade:
    net = [Fraction(0)] * space.n
    cash = Fraction(0)
    for owner, book, fill in fills:
        shares, amount = _fill_value(fill, book)
        net[owner] += shares
        cash += amount
    worst, payoff, enumerated = exact_worst_case(space, tuple(net))
    profit = payoff + cash
    if profit <= 0 or not fills:
        zero = tuple(Fraction(0) for _ in range(space.n))
        worst, _, enumerated = exact_worst_case(space, zero)
        return GuaranteedTrade(
            (),
            zero,
            Fraction(0),
            Fraction(0),
            0,
            worst,
            lp_profit,
            iterations,
            outcomes_used,
            enumerated,
        )
    micros = round_div(profit.numerator * pow10(MONEY_DECIMALS), profit.denominator, Rounding.FLOOR)
    return GuaranteedTrade(
        tuple(f for _, _, f in fills),
        tuple(net),
        cash,
        profit,
        micros,
        worst,
        lp_profit,
        iterations,
        outcomes_used,
        enumerated,
    )
