"""The index keeps each basket's legs and last result between updates; after every small
change of a deep book (one level's size, a level added or removed, at the touch or deep down)
it must still agree exactly with a full rescan of the same books."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pythia.core.fixed import Rounding
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.sim.models.fees import CentRoundedProbabilityFee, ProbabilityPowerFee
from pythia.strategy.arbitrage.detect import scan_group, scan_pair
from pythia.strategy.arbitrage.index import ArbitrageIndex, CrossPair

SHARE = 10**6
FEES = {
    "zero": None,
    "power": ProbabilityPowerFee(Decimal("0.04")),
    "power_half": ProbabilityPowerFee(Decimal("0.072"), rounding=Rounding.HALF_EVEN),
    "cent": CentRoundedProbabilityFee(fee_decimals=4),
}


def ladder(rng, best, ascending, depth):
    levels, price = [], best
    for _ in range(depth):
        if not 100 <= price <= 9_900:
            break
        levels.append((price, rng.randint(1, 40) * SHARE // rng.choice([1, 1, 100])))
        price += rng.choice([100, 100, 200]) * (1 if ascending else -1)
    return levels


def universe(kit, rng, outcomes):
    """A negRisk group priced near an arbitrage, its binary markets and a cross pair, with
    deep Polymarket-precision books on every token."""
    precision = dict(price_decimals=4, size_decimals=6, tick=100)
    group, instruments = kit.neg_risk("g", outcomes, **precision)
    groups = [group] + [
        OutcomeGroup(f"g{i}", "pm", GroupKind.BINARY, (f"gY{i}", f"gN{i}")) for i in range(outcomes)
    ]
    instruments["xY"] = kit.token("xY", "xN", venue="x", **precision)
    instruments["xN"] = kit.token("xN", "xY", venue="x", **precision)
    pairs = [CrossPair("gY0+xN", "gY0", "xN")]
    fair = 10_000 // outcomes // 100 * 100
    books = {}
    for i in range(outcomes):
        ask = max(100, fair - rng.choice([0, 100, 200, 300]))
        yes, no = instruments[f"gY{i}"], instruments[f"gN{i}"]
        depth = rng.choice([2, 10, 50])
        books[yes.id] = kit.book(
            yes, ladder(rng, ask - 200, False, depth), ladder(rng, ask, True, depth)
        )
        no_ask = 10_000 - ask + rng.choice([0, 100])
        books[no.id] = kit.book(
            no, ladder(rng, 10_000 - ask - 100, False, depth), ladder(rng, no_ask, True, depth)
        )
    books["xY"] = kit.book(instruments["xY"], ladder(rng, 9_000, False, 10))
    books["xN"] = kit.book(
        instruments["xN"], ladder(rng, 300, False, 10), ladder(rng, 500, True, 10)
    )
    return instruments, groups, pairs, books


def rescan(instruments, groups, pairs, books, fee_for, **options):
    found = []
    for group in groups:
        found += scan_group(group, instruments, books, fee_for, **options)[0]
    for pair in pairs:
        yes, no = instruments[pair.yes_id], instruments[pair.no_id]
        found += scan_pair(pair.id, yes, no, books, fee_for, **options)
    return found


def nudge(rng, book):
    """Change one level of one side: its size, or remove it, or add one next to it."""
    on_asks = rng.random() < 0.5
    levels = book.asks() if on_asks else book.bids()
    if not levels:
        return
    price, size = levels[min(len(levels) - 1, int(rng.expovariate(0.3)))]
    roll = rng.random()
    if roll < 0.6:
        change = [(price, max(1, size + rng.choice([-1, 1]) * rng.randint(1, 20) * SHARE))]
    elif roll < 0.8 and len(levels) > 1:
        change = [(price, 0)]
    else:
        step = 100 if on_asks else -100
        change = [(price + step * rng.choice([1, 2]), rng.randint(1, 30) * SHARE)]
        if not 100 <= change[0][0] <= 9_900 or (
            on_asks and change[0][0] <= (book.best_bid_price or 0)
        ):
            return
        if not on_asks and book.best_ask_price is not None and change[0][0] >= book.best_ask_price:
            return
    try:
        book.apply_levels([], change) if on_asks else book.apply_levels(change, [])
    except Exception:  # a level made the book cross: left as it was
        pass


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    outcomes=st.sampled_from([2, 3, 5, 12]),
    fee=st.sampled_from(sorted(FEES)),
    merge=st.booleans(),
    cap=st.sampled_from([None, None, 40 * SHARE]),
)
def test_index_matches_a_full_rescan_after_every_small_change(kit, seed, outcomes, fee, merge, cap):
    rng = random.Random(seed)
    instruments, groups, pairs, books = universe(kit, rng, outcomes)
    model = FEES[fee] or kit.FEES["zero"]
    fee_for = lambda _: model  # noqa: E731
    index = ArbitrageIndex(
        instruments, groups, pairs, fee_for, books=books, merge_native=merge, max_capital_micros=cap
    )
    ids = sorted(books)

    for _ in range(60):
        instrument_id = rng.choice(ids)
        if rng.random() < 0.03:
            saved = books.pop(instrument_id)
            index.on_book(instrument_id)
            books[instrument_id] = saved
        else:
            nudge(rng, books[instrument_id])
        index.on_book(instrument_id)

        expected = rescan(
            instruments, groups, pairs, books, fee_for, merge_native=merge, max_capital_micros=cap
        )
        assert index.all()[0] == expected
