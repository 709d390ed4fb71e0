"""What to scan in an outcome group or pair, decided from its structure alone.

A :class:`ScanPlan` lists the baskets (kinds) a group or pair can form, the books they read
and the rejections its structure implies, so :func:`.detect.scan_group` and the incremental
:class:`.index.ArbitrageIndex` decide alike. The best-level tests here are exact: a basket
whose best prices already fail cannot pay at any depth (prices only worsen along the levels,
fees are never negative and cash rounds against the trader).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pythia.book.base import OrderBook
from pythia.core.errors import DataError
from pythia.model.execution import Liquidity
from pythia.model.instruments import GroupKind, Instrument, OutcomeGroup, PriceSpace
from pythia.sim.models.base import FeeModel
from pythia.sim.models.fees import SettlementOnlyFee
from pythia.strategy.arbitrage.levels import CachedFee, best_effective_ask, best_effective_bid
from pythia.strategy.arbitrage.model import OpportunityKind, Rejected, RejectReason

FeeFor = Callable[[Instrument], FeeModel]
"""The venue's fee model for an instrument."""

ODDS_SCALE = 10**18
"""Fixed-point scale of the implied-probability sums of the odds best-level test."""
ODDS_KINDS = (OpportunityKind.BACK_ALL, OpportunityKind.LAY_ALL)
AUGMENTED = "augmented: an unnamed outcome may win"
NOT_EXHAUSTIVE = "not exhaustive: an outcome may be missing"


@dataclass(frozen=True, slots=True)
class KindPlan:
    """One basket: buy (or, ``short``, sell) every token; long baskets pay
    ``payout_tokens`` per unit, short ones split that much collateral per unit."""

    kind: OpportunityKind
    tokens: tuple[Instrument, ...]
    payout_tokens: int = 0
    short: bool = False
    notes: tuple[str, ...] = ()

    @property
    def is_odds(self) -> bool:
        return self.kind in ODDS_KINDS


@dataclass(frozen=True, slots=True)
class ScanPlan:
    key: str
    kinds: tuple[KindPlan, ...]
    rejected: tuple[Rejected, ...]
    needed: tuple[str, ...]
    """Books that must be there (else UNSYNCED): members, and complements in groups."""
    reads: tuple[str, ...] = ()
    """Every book the kinds read (``needed`` plus optional complements)."""

    @property
    def books_read(self) -> tuple[str, ...]:
        return self.reads or self.needed


def _needed(tokens: Sequence[Instrument]) -> tuple[str, ...]:
    ids = dict.fromkeys(token.id for token in tokens)
    for token in tokens:
        complement_id = getattr(token, "complement_id", None)
        if complement_id is not None:
            ids[complement_id] = None
    return tuple(ids)


def _refused(key: str, reason: RejectReason, detail: str) -> ScanPlan:
    return ScanPlan(key, (), (Rejected(key, reason, detail),), ())


def has_fill_fees(token: Instrument, model: FeeModel) -> bool:
    """True when an odds runner's fee model charges per fill (only commission is handled)."""
    model = model.model if isinstance(model, CachedFee) else model
    if isinstance(model, SettlementOnlyFee):
        return False
    try:
        fee = model.fee_micros(token, token.price_min, max(token.min_size, 1), Liquidity.TAKER)
    except DataError:
        return True
    return fee != 0


def plan_group(
    group: OutcomeGroup,
    instruments: Mapping[str, Instrument],
    fee_for: FeeFor,
    *,
    exhaustive: bool = True,
    allow_short: bool = True,
) -> ScanPlan:
    """The baskets of ``group`` and the kinds refused by its structure (module docstring of
    :mod:`.detect`)."""
    key = group.id
    members = [instruments.get(i) for i in group.instrument_ids]
    unknown = [i for i, m in zip(group.instrument_ids, members, strict=True) if m is None]
    complement_ids = [getattr(m, "complement_id", None) for m in members]
    unknown += [c for c in complement_ids if c is not None and c not in instruments]
    if unknown:
        return _refused(
            key, RejectReason.UNSYNCED, f"unknown instruments: {', '.join(unknown[:5])}"
        )
    spaces = {member.price_space for member in members}
    if spaces == {PriceSpace.DECIMAL_ODDS}:
        return _plan_odds(group, members, fee_for, exhaustive and not group.augmented)
    if spaces != {PriceSpace.PROBABILITY}:
        names = sorted(space.value for space in spaces)
        return _refused(key, RejectReason.UNSUPPORTED, f"price spaces {names}: need one kind")
    needed = _needed(members)
    if group.kind is GroupKind.BINARY and len(members) == 2:
        kinds = [KindPlan(OpportunityKind.BINARY_LONG, tuple(members), 1)]
        if allow_short:
            kinds.append(KindPlan(OpportunityKind.BINARY_SHORT, tuple(members), 1, short=True))
        return ScanPlan(key, tuple(kinds), (), needed)
    size, winners = len(members), group.number_of_winners
    if size < 2 or not 1 <= winners < size:
        return _refused(key, RejectReason.UNSUPPORTED, f"{size} outcomes with {winners} winners")
    kinds, rejected = [], []
    complete = exhaustive and not group.augmented
    if complete:
        kinds.append(KindPlan(OpportunityKind.GROUP_YES, tuple(members), winners))
    else:
        detail = AUGMENTED if group.augmented else NOT_EXHAUSTIVE
        rejected.append(
            Rejected(key, RejectReason.NOT_EXHAUSTIVE, detail, OpportunityKind.GROUP_YES)
        )
    if any(c is None for c in complement_ids):
        detail = "a member has no complement (NO) token"
        rejected.append(Rejected(key, RejectReason.UNSUPPORTED, detail, OpportunityKind.GROUP_NO))
    else:
        notes: tuple[str, ...] = ()
        if not complete:
            notes = (f"pays at least {size - winners} (more if an unnamed outcome wins)",)
        if group.convert_fee_bips:
            notes += ("held to resolution: no convert, so no convert fee",)
        no_tokens = tuple(instruments[c] for c in complement_ids)
        kinds.append(KindPlan(OpportunityKind.GROUP_NO, no_tokens, size - winners, notes=notes))
    return ScanPlan(key, tuple(kinds), tuple(rejected), needed)


def _plan_odds(
    group: OutcomeGroup, members: list[Instrument], fee_for: FeeFor, exhaustive: bool
) -> ScanPlan:
    key = group.id
    if group.number_of_winners != 1:
        detail = f"{group.number_of_winners} winners: back-all and lay-all need one"
        return _refused(key, RejectReason.UNSUPPORTED, detail)
    decimals = {(m.price_decimals, m.size_decimals) for m in members}
    if len(decimals) > 1 or sum(next(iter(decimals))) > 6:
        detail = f"runner decimals {sorted(decimals)}: need one whole-micro precision"
        return _refused(key, RejectReason.UNSUPPORTED, detail)
    if any(has_fill_fees(m, fee_for(m)) for m in members):
        detail = "per-fill fees on odds runners are not supported (commission only)"
        return _refused(key, RejectReason.UNSUPPORTED, detail)
    kinds, rejected = [], []
    if exhaustive:
        kinds.append(KindPlan(OpportunityKind.BACK_ALL, tuple(members)))
    else:
        detail = "not exhaustive: a runner may be missing or an unnamed outcome may win"
        rejected.append(
            Rejected(key, RejectReason.NOT_EXHAUSTIVE, detail, OpportunityKind.BACK_ALL)
        )
    kinds.append(KindPlan(OpportunityKind.LAY_ALL, tuple(members)))
    return ScanPlan(key, tuple(kinds), tuple(rejected), tuple(m.id for m in members))


def plan_pair(pair_id: str, yes_a: Instrument, no_b: Instrument) -> ScanPlan:
    """CROSS_VENUE: YES on one venue and NO on the other, paying 1. Both tokens' books are
    needed; their complements' books are read when present (derived levels)."""
    tokens = (yes_a, no_b)
    if any(token.price_space is not PriceSpace.PROBABILITY for token in tokens):
        detail = "cross-venue pairs need probability tokens (no Betfair lay legs yet)"
        return _refused(pair_id, RejectReason.UNSUPPORTED, detail)
    notes: tuple[str, ...] = ()
    currencies = sorted({token.quote_currency for token in tokens})
    if len(currencies) > 1:
        notes = (f"currencies {'/'.join(currencies)} taken at par",)
    kind = KindPlan(OpportunityKind.CROSS_VENUE, tokens, 1, notes=notes)
    return ScanPlan(pair_id, (kind,), (), (yes_a.id, no_b.id), _needed(tokens))


# ---- best-level tests ----------------------------------------------------------------------
def price_term(token: Instrument, price: int | None) -> int | None:
    """A probability price in units of 10**-6 (None stays None)."""
    return None if price is None else price * (10**6 // token.one)


def odds_term(token: Instrument, odds: int | None, back: bool) -> int | None:
    """``ODDS_SCALE / odds`` (1.0 = ODDS_SCALE), rounded down for back, up for lay."""
    if odds is None:
        return None
    if back:
        return ODDS_SCALE * token.one // odds
    return -(-ODDS_SCALE * token.one // odds)


def term_allows(plan: KindPlan, total: int) -> bool:
    """Whether a kind's best-level sum (no leg missing) leaves room for profit."""
    if plan.kind is OpportunityKind.BACK_ALL:
        return total < ODDS_SCALE
    if plan.kind is OpportunityKind.LAY_ALL:
        return total > ODDS_SCALE
    limit = plan.payout_tokens * 10**6
    return total > limit if plan.short else total < limit


def best_terms(plan: KindPlan, books: Mapping[str, OrderBook], merge_native: bool) -> list:
    """Each leg's best-level term, straight from the books."""
    if plan.kind is OpportunityKind.BACK_ALL:
        return [odds_term(t, books[t.id].best_bid_price, True) for t in plan.tokens]
    if plan.kind is OpportunityKind.LAY_ALL:
        return [odds_term(t, books[t.id].best_ask_price, False) for t in plan.tokens]
    best = best_effective_bid if plan.short else best_effective_ask
    return [price_term(t, best(t, books, merge_native)) for t in plan.tokens]


def best_levels_allow(plan: KindPlan, books: Mapping[str, OrderBook], merge_native: bool) -> bool:
    """False when the best levels alone rule the basket out (or a leg has none)."""
    terms = best_terms(plan, books, merge_native)
    return None not in terms and term_allows(plan, sum(terms))
