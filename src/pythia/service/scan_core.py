"""Run the arbitrage detection over a loaded snapshot: every binary market, group and pair.

Wiring only: the detection is :mod:`pythia.strategy.arbitrage.detect`. Fees come from each
venue's profile (``profile_for(venue).fee_model``, with the snapshot's ``venues.toml``
settings); a Betfair group's commission is its market's base rate.

- Books are used as the venue sends them, never merged with the complement's view
  (``merge_native=False``): Polymarket's ``/book`` of a token already lists the
  complementary orders (a NO bid at x is a YES ask at 1 - x), and Kalshi books hold bids
  only, so their asks come from the complement anyway.
- BINARY_SHORT (split collateral, sell both) only where the venue splits: Polymarket.
- A pair is scanned in both directions (YES on A + NO on B, and YES on B + NO on A when
  both complements are known); the better one is reported under the pair's id.
"""

from __future__ import annotations

from pythia.core.errors import ConfigError
from pythia.service.scan import Snapshot
from pythia.strategy.arbitrage.detect import scan_binary, scan_group, scan_pair
from pythia.strategy.arbitrage.model import Opportunity, OpportunityKind, Rejected, RejectReason
from pythia.strategy.arbitrage.watch import SPLIT_VENUES


def scan_all(
    snapshot: Snapshot,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    dependencies=None,
) -> tuple[list[Opportunity], list[Rejected]]:
    """Scan ``snapshot``: one opportunity per (group or pair, kind), most profitable first,
    and the groups, markets and pairs refused with a reason; with ``dependencies``
    (:class:`pythia.opt.dependencies.Dependencies`) also the combinatorial basket."""
    fee_for = snapshot.fee_for()
    options = {
        "max_capital_micros": max_capital_micros,
        "min_profit_micros": min_profit_micros,
        "merge_native": False,
    }
    instruments, books = snapshot.instruments, snapshot.books
    found: list[Opportunity] = []
    rejected: list[Rejected] = []
    for group_id, (yes_id, no_id) in sorted(snapshot.binaries.items()):
        if group_id in snapshot.halted:
            rejected.append(Rejected(group_id, RejectReason.HALTED, snapshot.halted[group_id]))
            continue
        missing = missing_books(snapshot, (yes_id, no_id))
        if missing:
            rejected.append(unsynced(group_id, missing))
            continue
        yes = instruments[yes_id]
        found += scan_binary(
            yes,
            instruments[no_id],
            books,
            fee_for,
            group_id=group_id,
            allow_short=yes.venue in SPLIT_VENUES,
            **options,
        )
    for group_id, group in sorted(snapshot.groups.items()):
        if group_id in snapshot.halted:
            rejected.append(Rejected(group_id, RejectReason.HALTED, snapshot.halted[group_id]))
            continue
        opportunities, refused = scan_group(
            group,
            instruments,
            books,
            fee_for,
            convert_fee_bips=group.convert_fee_bips,
            commission_bps=snapshot.commission_bps.get(group_id, 0),
            **options,
        )
        found += opportunities
        rejected += refused
    for pair in snapshot.pairs:
        opportunities, refusal = _scan_pair(snapshot, pair, fee_for, options)
        found += opportunities
        rejected += refusal
    if dependencies is not None:
        opportunities, refusal = scan_combinatorial(
            snapshot, dependencies, fee_for, max_capital_micros, min_profit_micros
        )
        found += opportunities
        rejected += refusal
    return best_per_kind(found), rejected


def scan_combinatorial(
    snapshot: Snapshot, dependencies, fee_for, max_capital_micros, min_profit_micros
) -> tuple[list[Opportunity], list[Rejected]]:
    """The best combinatorial basket over the dependency set (buys only; a YES sold is a
    NO bought), exactly priced; or why there is none."""
    from pythia.strategy.arbitrage.combinatorial import CombinatorialWatch

    watch = CombinatorialWatch(dependencies, fee_for, min_profit_micros=min_profit_micros)
    group = watch.group
    missing = missing_books(snapshot, dependencies.ids)
    if missing:
        return [], [unsynced(group, missing, OpportunityKind.COMBINATORIAL)]
    halted = [i for i in dependencies.ids if _halted(snapshot, i)]
    if halted:
        detail = f"halted: {', '.join(halted[:3])}"
        return [], [Rejected(group, RejectReason.HALTED, detail, OpportunityKind.COMBINATORIAL)]
    try:
        found = watch.evaluate(snapshot.instruments, snapshot.books, max_capital_micros)
    except ConfigError as error:
        return [], [Rejected(group, RejectReason.UNSUPPORTED, str(error))]
    if found is None:
        return [], []
    if max_capital_micros is not None and found.capital_micros > max_capital_micros:
        detail = f"the basket needs {found.capital_micros} micro-units, above --max-capital"
        kind = OpportunityKind.COMBINATORIAL
        return [], [Rejected(group, RejectReason.NO_LIQUIDITY, detail, kind)]
    return [found], []


def project_prices(snapshot: Snapshot, dependencies) -> dict:
    """Project the securities' mid prices onto the arbitrage-free set (Frank-Wolfe, KL /
    LMSR divergence): the divergence D, the gap g, the guaranteed profit bound D - g per unit
    of LMSR liquidity, and the projected prices. A security's price theta is its book's mid
    (the one side there is, or 0.5 without a book), kept inside (0, 1)."""
    from pythia.opt.frank_wolfe import project
    from pythia.opt.outcomes import OutcomeSpace

    theta = []
    for security in dependencies.ids:
        book = snapshot.books.get(security)
        instrument = snapshot.instruments.get(security)
        one = getattr(instrument, "one", 1)
        bid = book.best_bid_price if book is not None else None
        ask = book.best_ask_price if book is not None else None
        quotes = [q for q in (bid, ask) if q is not None]
        price = sum(quotes) / len(quotes) / one if quotes else 0.5
        theta.append(min(max(price, 1e-4), 1 - 1e-4))
    result = project(OutcomeSpace(dependencies), theta, alpha=None, gap_tolerance=1e-9)
    return {
        "divergence": f"{result.divergence:.9f}",
        "gap": f"{result.gap:.9f}",
        "profit_bound": f"{result.profit_bound:.9f}",
        "iterations": result.iterations,
        "oracle_calls": result.oracle_calls,
        "stop": result.stop.value,
        "prices": {
            security: {"theta": round(t, 6), "projected": round(m, 6)}
            for security, t, m in zip(dependencies.ids, theta, result.mu, strict=True)
        },
    }


def _halted(snapshot: Snapshot, instrument_id: str) -> bool:
    market = getattr(snapshot.instruments.get(instrument_id), "market_id", None)
    return any(key in snapshot.halted for key in (instrument_id, market) if key)


def _scan_pair(snapshot: Snapshot, pair, fee_for, options) -> tuple[list, list]:
    instruments, books = snapshot.instruments, snapshot.books
    missing = missing_books(snapshot, (pair.yes_a, pair.no_b))
    if missing:
        return [], [unsynced(pair.id, missing)]
    yes_a, no_b = instruments[pair.yes_a], instruments[pair.no_b]
    try:
        found = scan_pair(pair.id, yes_a, no_b, books, fee_for, **options)
        no_a = getattr(yes_a, "complement_id", None)
        yes_b = getattr(no_b, "complement_id", None)
        if no_a and yes_b and not missing_books(snapshot, (yes_b, no_a)):
            found += scan_pair(
                pair.id, instruments[yes_b], instruments[no_a], books, fee_for, **options
            )
    except ConfigError as error:  # not probability tokens (Betfair odds)
        return [], [Rejected(pair.id, RejectReason.UNSUPPORTED, str(error))]
    return found, []


def missing_books(snapshot: Snapshot, instrument_ids: tuple[str, ...]) -> list[str]:
    """The instruments among ``instrument_ids`` with no definition or no book."""
    return [i for i in instrument_ids if i not in snapshot.instruments or i not in snapshot.books]


def unsynced(group: str, missing: list[str], kind=None) -> Rejected:
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return Rejected(group, RejectReason.UNSYNCED, f"no book for {shown}", kind)


def best_per_kind(opportunities: list[Opportunity]) -> list[Opportunity]:
    """Keep the most profitable opportunity per (group, kind); most profitable first."""
    best: dict[tuple[str, str], Opportunity] = {}
    for opportunity in opportunities:
        key = (opportunity.group, opportunity.kind.value)
        if key not in best or opportunity.profit_micros > best[key].profit_micros:
            best[key] = opportunity
    return sorted(best.values(), key=lambda o: (-o.profit_micros, o.group, o.kind.value))
