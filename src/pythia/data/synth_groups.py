"""Synthetic Polymarket snapshot with planted arbitrage and its ground truth (SYNTHETIC).

:func:`generate` builds, from a seed, Gamma events (``events/<id>.json``, JSON-in-JSON
``clobTokenIds`` / ``outcomes`` / ``outcomePrices``, negRisk flags) and CLOB ``GET /book``
answers (``books/<token>.json``: bids ascending and asks descending, best last, decimal
strings, ``tick_size`` 0.01, ``min_order_size`` 5), every object marked ``"synthetic":
true``. Events cycle through :data:`PLANS`:

- ``binary_long`` / ``binary_short``: a single-market event whose YES and NO books were
  "fetched at different moments" (not mirrors of each other), with YES + NO asks below 1
  (bids above 1) at the top.
- ``group_yes`` / ``group_no``: a negRisk event whose YES asks sum below 1 (YES bids above
  1, which makes the NO asks sum below N - 1).
- ``augmented``: an augmented negRisk event (``enableNegRisk`` and ``negRiskAugmented``,
  with an "Other" market) whose YES asks sum below 1: the scanner must reject it.
- ``none_group`` / ``none_binary``: fair books, no opportunity.

Books of group and fair markets mirror each other as Polymarket's do (a YES bid at x is
the NO ask at 1 - x, same size), so the scanner must not count that liquidity twice.
Depth: 3 to 6 levels a side, whole-share sizes (5 to 80), prices on the 0.01 grid.

The truth (``truth.json``) is computed by :mod:`pythia.data.synth_truth`, a brute force
over every basket size; a drawn event whose optimum is not unique or that has an
opportunity it was not meant to have is drawn again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from pythia.data.synth_truth import ONE, Basket, BasketLeg, FeeRule, best_basket

TICK = 100
MIN_ORDER_SHARES = 5
PLANS = (
    "binary_long",
    "binary_short",
    "group_yes",
    "group_no",
    "augmented",
    "none_group",
    "none_binary",
)
KINDS = ("binary_long", "binary_short", "group_yes", "group_no")
EXPECTED: dict[str, frozenset[str]] = {
    "binary_long": frozenset({"binary_long"}),
    "binary_short": frozenset({"binary_short"}),
    "group_yes": frozenset({"group_yes"}),
    "group_no": frozenset({"group_no"}),
    "augmented": frozenset({"group_yes"}),
    "none_group": frozenset(),
    "none_binary": frozenset(),
}
"""Kinds each plan may (and must, when the scanner supports them) show a profit for."""
BASE_TS_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MAX_DRAWS = 200
MAX_EDGE_TICKS = 8
"""The largest planted mispricing of a group, in ticks (30 outcomes at 0.02 still fit)."""

Ladder = list[tuple[int, int]]


@dataclass
class TokenBook:
    token_id: str
    bids: Ladder  # best first
    asks: Ladder  # best first
    ts_ms: int


@dataclass
class SynthMarket:
    condition_id: str
    title: str
    yes: TokenBook
    no: TokenBook
    other: bool = False


@dataclass
class SynthEvent:
    event_id: str
    plan: str
    neg_risk: bool
    augmented: bool
    neg_risk_market_id: str
    markets: list[SynthMarket] = field(default_factory=list)

    @property
    def group_id(self) -> str:
        return f"polymarket:{self.neg_risk_market_id}"


# ---- drawing books ---------------------------------------------------------------------------
def _hex(rng: random.Random, digits: int = 64) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(digits))


def _token_id(rng: random.Random) -> str:
    return str(rng.randrange(10**76, 10**77))


def _ladder(rng: random.Random, best: int, up: bool) -> Ladder:
    """3..6 levels from ``best`` moving 1..3 ticks away per level (up for asks)."""
    levels: Ladder = []
    price = best
    for _ in range(rng.randint(3, 6)):
        if not TICK <= price <= ONE - TICK:
            break
        levels.append((price, rng.randint(MIN_ORDER_SHARES, 80)))
        price += (1 if up else -1) * TICK * rng.randint(1, 3)
    return levels


def _mirror(book: TokenBook, token_id: str) -> TokenBook:
    """The complementary token's book: YES asks at p are NO bids at 1 - p, and back."""
    return TokenBook(
        token_id,
        bids=[(ONE - p, s) for p, s in book.asks],
        asks=[(ONE - p, s) for p, s in book.bids],
        ts_ms=book.ts_ms,
    )


def _probabilities(rng: random.Random, n: int) -> list[int]:
    """Fair YES prices in price units (>= 0.03 each), summing to about 1."""
    weights = [rng.uniform(0.3, 1.0) for _ in range(n)]
    total = sum(weights)
    return [max(300, round(w / total * ONE)) for w in weights]


def _quotes(rng: random.Random, plan: str, n: int) -> tuple[list[int], list[int]]:
    """Best YES bids and asks (price units) for a group of ``n`` per plan."""
    fair = _probabilities(rng, n)
    if plan in ("group_yes", "augmented"):
        edge = TICK * rng.randint(1, min(2 * n, MAX_EDGE_TICKS))
        asks = [max(2 * TICK, (q // TICK) * TICK) for q in fair]
        while sum(asks) > ONE - edge:
            i = rng.randrange(n)
            if asks[i] > 2 * TICK:
                asks[i] -= TICK
        while sum(asks) < ONE - edge:
            asks[rng.randrange(n)] += TICK
        bids = [a - TICK * rng.randint(1, 3) for a in asks]
        return [max(TICK, b) for b in bids], asks
    if plan == "group_no":
        edge = TICK * rng.randint(1, min(2 * n, MAX_EDGE_TICKS))
        bids = [max(TICK, -(-q // TICK) * TICK) for q in fair]
        while sum(bids) < ONE + edge:
            bids[rng.randrange(n)] += TICK
        while sum(bids) > ONE + edge:
            i = rng.randrange(n)
            if bids[i] > TICK:
                bids[i] -= TICK
        asks = [min(ONE - TICK, b + TICK * rng.randint(1, 3)) for b in bids]
        return bids, asks
    asks = [min(ONE - TICK, -(-q // TICK) * TICK + TICK * rng.randint(0, 2)) for q in fair]
    bids = [max(TICK, (q // TICK) * TICK - TICK * rng.randint(1, 2)) for q in fair]
    return bids, asks


def _draw_group(rng: random.Random, event_id: str, plan: str, n: int, ts_ms: int) -> SynthEvent:
    augmented = plan == "augmented"
    event = SynthEvent(event_id, plan, True, augmented, _hex(rng))
    bids, asks = _quotes(rng, plan, n)
    for i in range(n):
        other = augmented and i == n - 1
        yes = TokenBook(
            _token_id(rng), _ladder(rng, bids[i], False), _ladder(rng, asks[i], True), ts_ms
        )
        title = "Other" if other else f"Outcome {chr(ord('A') + i)}"
        event.markets.append(
            SynthMarket(_hex(rng), title, yes, _mirror(yes, _token_id(rng)), other)
        )
    return event


def _draw_binary(rng: random.Random, event_id: str, plan: str, ts_ms: int) -> SynthEvent:
    event = SynthEvent(event_id, plan, False, False, "")
    yes_id, no_id = _token_id(rng), _token_id(rng)
    if plan == "none_binary":
        bids, asks = _quotes(rng, plan, 2)
        yes = TokenBook(yes_id, _ladder(rng, bids[0], False), _ladder(rng, asks[0], True), ts_ms)
        no = _mirror(yes, no_id)
    else:
        edge = TICK * rng.randint(1, 6)
        first = TICK * rng.randint(20, 70)
        if plan == "binary_long":  # asks sum to 1 - edge; bids below the asks
            top = (first, ONE - edge - first)
            quotes = [(a - TICK * rng.randint(1, 4), a) for a in top]
        else:  # binary_short: bids sum to 1 + edge; asks above the bids
            top = (first, ONE + edge - first)
            quotes = [(b, b + TICK * rng.randint(1, 4)) for b in top]
        (yb, ya), (nb, na) = quotes
        yes = TokenBook(yes_id, _ladder(rng, yb, False), _ladder(rng, ya, True), ts_ms)
        no = TokenBook(no_id, _ladder(rng, nb, False), _ladder(rng, na, True), ts_ms + 1500)
    event.markets.append(SynthMarket(_hex(rng), f"Synthetic question {event_id}", yes, no))
    return event


# ---- ground truth ----------------------------------------------------------------------------
def lot_decimals_for(fees: FeeRule) -> int:
    """Whole shares without a fee (profit is linear between whole-share level boundaries);
    0.01 share, Polymarket's order size step, with one (fees truncate per fill)."""
    return 2 if fees.rate else 0


def evaluate(
    event: SynthEvent,
    fees: FeeRule = FeeRule(),
    kinds: tuple[str, ...] = KINDS,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    lot_decimals: int | None = None,
) -> tuple[list[Basket], list[Basket], int]:
    """Brute-force every basket of ``kinds`` in ``event``.

    Returns (opportunities, baskets of an augmented group's YES that must be rejected, the
    largest number of sizes tying at an optimum). Selling every YES of a group is the same
    trade as buying every NO in mirrored books, so it is not a kind of its own.
    """
    found: list[Basket] = []
    rejected: list[Basket] = []
    worst_ties = 0
    options = dict(
        fees=fees,
        min_shares=MIN_ORDER_SHARES,
        lot_decimals=lot_decimals_for(fees) if lot_decimals is None else lot_decimals,
        max_capital_micros=max_capital_micros,
        min_profit_micros=min_profit_micros,
    )

    def consider(kind: str, group: str, legs: list[BasketLeg], payout: int, short=False):
        nonlocal worst_ties
        if kind not in kinds or not _may_pay(legs, payout, short):
            return
        basket, ties = best_basket(
            kind, group, legs, payout_per_share_micros=payout * 10**6, short=short, **options
        )
        if basket is not None:
            worst_ties = max(worst_ties, ties)
            (rejected if event.augmented and kind == "group_yes" else found).append(basket)

    for market in event.markets:
        group = f"polymarket:{market.condition_id}"
        yes, no = market.yes, market.no
        long_legs = [BasketLeg(_iid(yes), True, yes.asks), BasketLeg(_iid(no), True, no.asks)]
        consider("binary_long", group, long_legs, 1)
        short_legs = [BasketLeg(_iid(yes), False, yes.bids), BasketLeg(_iid(no), False, no.bids)]
        consider("binary_short", group, short_legs, 1, short=True)
    if event.neg_risk:
        n = len(event.markets)
        group = event.group_id
        yes_legs = [BasketLeg(_iid(m.yes), True, m.yes.asks) for m in event.markets]
        consider("group_yes", group, yes_legs, 1)
        no_legs = [BasketLeg(_iid(m.no), True, m.no.asks) for m in event.markets]
        consider("group_no", group, no_legs, n - 1)
    return found, rejected, worst_ties


def _may_pay(legs: list[BasketLeg], payout: int, short: bool) -> bool:
    """False when the best levels alone rule the basket out (deeper levels only cost more
    or pay less, and fees are never negative): asks summing to the payout or more, bids
    summing to the collateral or less."""
    if not all(leg.levels for leg in legs):
        return False
    total = sum(leg.levels[0][0] for leg in legs)
    return total > payout * ONE if short else total < payout * ONE


def _iid(book: TokenBook) -> str:
    return f"polymarket:{book.token_id}"


def _is_valid_book(book: TokenBook) -> bool:
    prices = [p for p, _ in book.bids + book.asks]
    if not book.bids or not book.asks or not all(TICK <= p <= ONE - TICK for p in prices):
        return False
    return book.bids[0][0] < book.asks[0][0]


def _acceptable(event: SynthEvent, fees: FeeRule) -> bool:
    books = [b for m in event.markets for b in (m.yes, m.no)]
    if not all(_is_valid_book(book) for book in books):
        return False
    found, rejected, ties = evaluate(event, fees)
    kinds = {b.kind for b in found} | {b.kind for b in rejected}
    planted = EXPECTED[event.plan]
    return ties <= 1 and kinds == planted


# ---- the snapshot ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SynthSpec:
    """What to generate: ``groups`` events, negRisk events of ``outcomes`` (min, max)."""

    groups: int
    outcomes: tuple[int, int] = (2, 6)
    seed: int = 0
    fee_rate: Decimal = Decimal(0)
    fee_exponent: int = 1

    @property
    def fees(self) -> FeeRule:
        return FeeRule(Fraction(self.fee_rate), self.fee_exponent)


def generate(spec: SynthSpec) -> list[SynthEvent]:
    """Draw the events of ``spec`` (same spec, same events)."""
    low, high = spec.outcomes
    if spec.groups < 1:
        raise ValueError("groups must be at least 1")
    if not 2 <= low <= high <= 30:
        raise ValueError(f"outcomes must satisfy 2 <= A <= B <= 30, got {low}..{high}")
    rng = random.Random(spec.seed)
    fees = spec.fees
    events = []
    for index in range(spec.groups):
        plan = PLANS[index % len(PLANS)]
        event_id = str(9_000_001 + index)
        ts_ms = BASE_TS_MS + index * 60_000
        for _ in range(MAX_DRAWS):
            if plan in ("binary_long", "binary_short", "none_binary"):
                event = _draw_binary(rng, event_id, plan, ts_ms)
            else:
                n = rng.randint(low, high)
                n = max(n, 3) if plan == "augmented" else n  # 2 named outcomes + "Other"
                event = _draw_group(rng, event_id, plan, n, ts_ms)
            if _acceptable(event, fees):
                break
        else:  # pragma: no cover - the draws converge quickly
            raise RuntimeError(f"could not draw a clean {plan} event")
        events.append(event)
    return events
