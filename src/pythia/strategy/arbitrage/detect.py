"""Exact, depth-aware detection of riskless baskets: binary, outcome group and cross-venue.

Kinds (payouts per basket unit; every money amount an exact integer of micro-units):

- ``BINARY_LONG``: buy YES and NO; the pair pays 1 (merge it, or hold to resolution).
- ``BINARY_SHORT``: split 1 of collateral into YES + NO and sell both. ``cost`` is the
  collateral, ``guaranteed_payout`` the sale proceeds: ``profit = proceeds - collateral -
  fees`` (see :mod:`.basket`). Pass ``allow_short=False`` where the venue cannot split
  (Kalshi): there, selling both is buying both on the derived side, which BINARY_LONG finds.
- ``GROUP_YES``: buy every YES of an exhaustive group with ``w`` winners; pays ``w``.
  Refused (``NOT_EXHAUSTIVE``) when the group is augmented or not known to be exhaustive.
- ``GROUP_NO``: buy every NO (each YES's complement); pays ``N - w`` held to resolution
  (at least ``N - w`` in an augmented group, where an unnamed winner makes it more). No
  convert is needed, so a market's convert fee never reduces it. Selling every YES (split
  + convert, or on bids-only venues) is the same trade seen from the complement side: the
  NO asks include the YES bids, so GROUP_NO finds it.
- ``BACK_ALL`` / ``LAY_ALL``: decimal-odds runners of a one-winner market (:mod:`.odds`),
  with the market's commission ``commission_bps`` on net winnings.
- ``CROSS_VENUE``: YES on venue A and NO on venue B (:func:`scan_pair`), pays 1.

Every scan first checks the best levels (asks summing to the payout or more cannot pay,
whatever the depth or fees) and only then walks depth (:mod:`.optimize`, :mod:`.odds`).
Profit must be at least 1 micro-unit and at least ``min_profit_micros``; capital (cost +
fees) at most ``max_capital_micros``. Each opportunity is at the smallest size with the
largest profit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from pythia.book.base import OrderBook
from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup, OutcomeToken
from pythia.strategy.arbitrage.basket import Basket, BasketLeg, build_opportunity
from pythia.strategy.arbitrage.levels import (
    LotFor,
    basket_units,
    default_lot,
    effective_asks,
    effective_bids,
)
from pythia.strategy.arbitrage.model import (
    Opportunity,
    OpportunityKind,
    Rejected,
    RejectReason,
)
from pythia.strategy.arbitrage.odds import (
    DEFAULT_MAX_PIECES,
    OddsBasket,
    Runner,
    odds_opportunity,
    odds_units,
    optimize_odds,
)
from pythia.strategy.arbitrage.optimize import DEFAULT_MAX_EVALUATIONS, optimize
from pythia.strategy.arbitrage.plan import (
    FeeFor,
    KindPlan,
    ScanPlan,
    best_levels_allow,
    plan_group,
    plan_pair,
)

__all__ = ["FeeFor", "ScanOptions", "scan_binary", "scan_group", "scan_pair"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Limits and venue conventions shared by every scan."""

    max_capital_micros: int | None = None
    min_profit_micros: int = 0
    merge_native: bool = True
    commission_bps: int = 0
    lot_for: LotFor | None = None
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS
    max_pieces: int = DEFAULT_MAX_PIECES


def probability_basket(
    plan: KindPlan, key: str, books: Mapping[str, OrderBook], fee_for: FeeFor, options: ScanOptions
) -> Basket | None:
    """The basket of a probability kind, from the books' effective levels (None when a leg
    has no level)."""
    tokens = list(plan.tokens)
    decimals, step, ratios = basket_units(tokens, options.lot_for)
    walk = effective_bids if plan.short else effective_asks
    side = Side.SELL if plan.short else Side.BUY
    legs = []
    for token, ratio in zip(tokens, ratios, strict=True):
        fetch = partial(walk, token, books, options.merge_native)
        leg = BasketLeg(token, side, [], ratio, fee_for(token), fetch)
        if not leg.has_level(0):
            return None
        legs.append(leg)
    return Basket(
        kind=plan.kind,
        group=key,
        currency=tokens[0].quote_currency,
        legs=legs,
        decimals=decimals,
        step=step,
        payout_tokens=plan.payout_tokens,
        short=plan.short,
        notes=plan.notes,
    )


def _solve_probability(plan, key, books, fee_for, options: ScanOptions) -> Opportunity | None:
    basket = probability_basket(plan, key, books, fee_for, options)
    if basket is None:
        return None
    return solve_basket(basket, key, options)


def solve_basket(basket: Basket, key: str, options: ScanOptions) -> Opportunity | None:
    """The opportunity of a probability basket at its best size, or None. A basket solved
    before gives the same opportunity object when the optimizer finds nothing it used
    changed (it returns the same Optimum)."""
    best = optimize(
        basket,
        threshold_micros=options.min_profit_micros,
        max_capital_micros=options.max_capital_micros,
        max_evaluations=options.max_evaluations,
    )
    if best is None:
        return None
    built = basket.built
    if built is not None and built[0] is best:
        return built[1]
    notes = ("size search capped: a better size may exist",) if best.capped else ()
    opportunity = build_opportunity(basket, best.units, notes)
    if opportunity.profit_micros != best.profit_micros:
        raise RuntimeError(f"{key}: optimizer and walk disagree on the profit")
    basket.built = (best, opportunity)
    return opportunity


def _solve_odds(plan, key, books, options: ScanOptions) -> Opportunity | None:
    back = plan.kind is OpportunityKind.BACK_ALL
    lot_of = options.lot_for or default_lot
    runners = []
    for token in plan.tokens:
        book = books[token.id]
        levels = [level for level in (book.bids() if back else book.asks()) if level[1] > 0]
        runners.append(Runner.build(token, levels, lot_of(token)))
    stake_micros, payout_micros = odds_units(plan.tokens[0])
    basket = OddsBasket(
        plan.kind, key, runners, options.commission_bps, stake_micros, payout_micros
    )
    found = optimize_odds(
        basket,
        threshold_micros=options.min_profit_micros,
        max_capital_micros=options.max_capital_micros,
        max_pieces=options.max_pieces,
    )
    if found is None:
        return None
    walk, profit, capped = found
    notes = plan.notes + (("piece walk capped: a better size may exist",) if capped else ())
    opportunity = odds_opportunity(basket, walk, notes)
    if opportunity.profit_micros != profit:
        raise RuntimeError(f"{key}: odds walk and opportunity disagree on the profit")
    return opportunity


def solve_kind(
    plan: KindPlan,
    key: str,
    books: Mapping[str, OrderBook],
    fee_for: FeeFor,
    options: ScanOptions,
    *,
    checked: bool = False,
) -> Opportunity | None:
    """One kind's opportunity at its best size, or None (``checked``: the best-level test
    already passed)."""
    if not checked and not best_levels_allow(plan, books, options.merge_native):
        return None
    if plan.is_odds:
        return _solve_odds(plan, key, books, options)
    return _solve_probability(plan, key, books, fee_for, options)


def scan_plan(
    plan: ScanPlan,
    books: Mapping[str, OrderBook],
    fee_for: FeeFor,
    options: ScanOptions,
    *,
    halted: bool = False,
) -> tuple[list[Opportunity], list[Rejected]]:
    """Run a plan: HALTED, UNSYNCED when a book it reads is missing, else every kind."""
    if halted:
        return [], [Rejected(plan.key, RejectReason.HALTED, "market suspended or closed")]
    missing = [i for i in plan.needed if i not in books]
    if missing:
        detail = f"no book for {', '.join(missing[:5])}"
        return [], [Rejected(plan.key, RejectReason.UNSYNCED, detail)]
    found = [solve_kind(kind, plan.key, books, fee_for, options) for kind in plan.kinds]
    return [o for o in found if o is not None], list(plan.rejected)


def scan_group(
    group: OutcomeGroup,
    instruments: Mapping[str, Instrument],
    books: Mapping[str, OrderBook],
    fee_for: FeeFor,
    *,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    halted: bool = False,
    convert_fee_bips: int = 0,
    commission_bps: int = 0,
    merge_native: bool = True,
    exhaustive: bool = True,
    allow_short: bool = True,
    lot_for: LotFor | None = None,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
) -> tuple[list[Opportunity], list[Rejected]]:
    """Every riskless basket of one outcome group, and the kinds refused with a reason.

    ``halted``: HALTED. An unknown instrument or a missing book (members and their
    complements): UNSYNCED. ``group.augmented`` or ``exhaustive=False``: GROUP_YES and
    BACK_ALL refused (NOT_EXHAUSTIVE); GROUP_NO and LAY_ALL still pay. A BINARY group gives
    BINARY_LONG and BINARY_SHORT. Odds groups (Betfair) need one winner; ``commission_bps``
    is their commission on net winnings. ``convert_fee_bips`` does not change anything:
    GROUP_NO is valued held to resolution, which needs no convert.
    """
    del convert_fee_bips  # GROUP_NO needs no convert (module docstring)
    plan = plan_group(group, instruments, fee_for, exhaustive=exhaustive, allow_short=allow_short)
    options = ScanOptions(
        max_capital_micros=max_capital_micros,
        min_profit_micros=min_profit_micros,
        merge_native=merge_native,
        commission_bps=commission_bps,
        lot_for=lot_for,
        max_evaluations=max_evaluations,
    )
    if not plan.kinds and not halted:
        return [], list(plan.rejected)
    return scan_plan(plan, books, fee_for, options, halted=halted)


def scan_binary(
    yes: OutcomeToken,
    no: OutcomeToken,
    books: Mapping[str, OrderBook],
    fee_for: FeeFor,
    *,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    merge_native: bool = True,
    allow_short: bool = True,
    group_id: str | None = None,
    lot_for: LotFor | None = None,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
) -> list[Opportunity]:
    """BINARY_LONG and BINARY_SHORT of one market (``group_id`` defaults to its market id);
    nothing when a book is missing (:func:`scan_group` reports that as UNSYNCED)."""
    key = group_id or yes.market_id or yes.id
    kinds = [KindPlan(OpportunityKind.BINARY_LONG, (yes, no), 1)]
    if allow_short:
        kinds.append(KindPlan(OpportunityKind.BINARY_SHORT, (yes, no), 1, short=True))
    plan = ScanPlan(key, tuple(kinds), (), (yes.id, no.id))
    options = ScanOptions(
        max_capital_micros=max_capital_micros,
        min_profit_micros=min_profit_micros,
        merge_native=merge_native,
        lot_for=lot_for,
        max_evaluations=max_evaluations,
    )
    return scan_plan(plan, books, fee_for, options)[0]


def scan_pair(
    pair_id: str,
    yes_a: OutcomeToken,
    no_b: OutcomeToken,
    books: Mapping[str, OrderBook],
    fee_for: FeeFor,
    *,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    merge_native: bool = True,
    lot_for: LotFor | None = None,
    max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
) -> list[Opportunity]:
    """CROSS_VENUE: buy YES on venue A and NO on venue B (asks, or derived from the other
    token's bids); the pair pays 1. Call it twice (A-YES + B-NO, B-YES + A-NO) for both
    directions. The basket size is a whole lot of both legs (see :mod:`.levels`). Nothing
    when a book is missing; ``ConfigError`` for a token that is not a probability token."""
    plan = plan_pair(pair_id, yes_a, no_b)
    if not plan.kinds:
        raise ConfigError(f"pair {pair_id}: {plan.rejected[0].detail}")
    options = ScanOptions(
        max_capital_micros=max_capital_micros,
        min_profit_micros=min_profit_micros,
        merge_native=merge_native,
        lot_for=lot_for,
        max_evaluations=max_evaluations,
    )
    return scan_plan(plan, books, fee_for, options)[0]
