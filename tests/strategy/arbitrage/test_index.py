"""The incremental index: only groups and pairs reading an updated book are re-evaluated,
and after any sequence of updates it agrees with a full rescan."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.strategy.arbitrage.detect import scan_group, scan_pair
from pythia.strategy.arbitrage.index import ArbitrageIndex, CrossPair
from pythia.strategy.arbitrage.model import OpportunityKind, RejectReason


class SpyIndex(ArbitrageIndex):
    """Records which group or pair each evaluation was for (a fake, not a patch)."""

    def _evaluate(self, target):
        self.__dict__.setdefault("evaluated", []).append(target.plan.key)
        return super()._evaluate(target)


def universe(kit):
    """Two negRisk groups (4 and 3 outcomes, the second augmented), a BINARY group per market
    of the first, a Kalshi-like bids-only pair of tokens, a Betfair market and cross pairs."""
    first, instruments = kit.neg_risk("a", 4)
    second, more = kit.neg_risk("b", 3, augmented=True)
    instruments |= more
    groups = [first, second]
    for i in range(4):
        groups.append(OutcomeGroup(f"a{i}", "pm", GroupKind.BINARY, (f"aY{i}", f"aN{i}")))
    kalshi = dict(currency="USD", venue="k")
    instruments["kY"], instruments["kN"] = (
        kit.token("kY", "kN", **kalshi),
        kit.token("kN", "kY", **kalshi),
    )
    runners = [kit.runner(f"r{i}") for i in range(3)]
    instruments |= {r.id: r for r in runners}
    groups.append(OutcomeGroup("w", "bf", GroupKind.WIN, tuple(r.id for r in runners)))
    pairs = [CrossPair("aY0+kN", "aY0", "kN"), CrossPair("kY+aN0", "kY", "aN0")]
    return instruments, groups, pairs


def random_book(kit, rng: random.Random, instrument):
    if instrument.price_space.value == "decimal_odds":
        best = rng.randint(250, 420)
        bids = [(best - 10 * i, rng.randint(1, 30)) for i in range(rng.randint(0, 3))]
        asks = [(best + 20 + 10 * i, rng.randint(1, 30)) for i in range(rng.randint(0, 3))]
        if rng.random() < 0.3:  # an over-round lay side
            bids, asks = [], [(rng.randint(150, 300), rng.randint(1, 30))]
        return kit.book(instrument, bids, asks)
    split = rng.randint(5, 60) if "Y" in instrument.id else rng.randint(40, 90)
    bids = [
        (split - 2 * i, rng.randint(1, 9)) for i in range(rng.randint(0, 3)) if split - 2 * i > 0
    ]
    asks = [(split + 1 + 2 * i, rng.randint(1, 9)) for i in range(rng.randint(0, 3))]
    if instrument.venue == "k":
        asks = []
    return kit.book(instrument, bids, asks)


def full_rescan(kit, instruments, groups, pairs, books, fee_for, halted=()):
    opportunities, rejected = [], []
    for group in groups:
        found, refused = scan_group(group, instruments, books, fee_for, halted=group.id in halted)
        opportunities += found
        rejected += refused
    for pair in pairs:
        opportunities += scan_pair(
            pair.id, instruments[pair.yes_id], instruments[pair.no_id], books, fee_for
        )
        for token_id in (pair.yes_id, pair.no_id):
            if token_id not in books:
                rejected.append(pair.id)
                break
    return opportunities, rejected


def comparable(result):
    opportunities, rejected = result
    return opportunities, [
        r if isinstance(r, str) else (r.group, r.reason, r.kind) for r in rejected
    ]


def index_view(result):
    opportunities, rejected = result
    pair_ids = {"aY0+kN", "kY+aN0"}
    return opportunities, [
        r.group if r.group in pair_ids else (r.group, r.reason, r.kind) for r in rejected
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), fee=st.sampled_from(["zero", "power", "cent"]))
def test_index_agrees_with_a_full_rescan_after_random_updates(kit, seed, fee):
    rng = random.Random(seed)
    instruments, groups, pairs = universe(kit)
    books = {i: random_book(kit, rng, t) for i, t in instruments.items()}
    model = kit.FEES[fee]
    fee_for = lambda t: kit.FEES["zero"] if t.venue == "bf" else model  # noqa: E731
    index = ArbitrageIndex(instruments, groups, pairs, fee_for, books=books)
    assert index_view(index.all()) == comparable(
        full_rescan(kit, instruments, groups, pairs, books, fee_for)
    )

    ids = sorted(instruments)
    for _ in range(25):
        instrument_id = rng.choice(ids)
        if rng.random() < 0.1:
            books.pop(instrument_id, None)
        else:
            books[instrument_id] = random_book(kit, rng, instruments[instrument_id])
        returned = index.on_book(instrument_id)

        expected = full_rescan(kit, instruments, groups, pairs, books, fee_for)
        assert index_view(index.all()) == comparable(expected)
        touched = {g.id for g in groups if instrument_id in _reads(g, instruments)} | {
            p.id for p in pairs if instrument_id in _pair_reads(p, instruments)
        }
        assert returned == [o for o in index.all()[0] if o.group in touched]


def _reads(group, instruments):
    ids = set(group.instrument_ids)
    for i in group.instrument_ids:
        complement = getattr(instruments[i], "complement_id", None)
        if complement:
            ids.add(complement)
    return ids


def _pair_reads(pair, instruments):
    ids = {pair.yes_id, pair.no_id}
    return ids | {instruments[i].complement_id for i in ids}


def test_an_update_re_evaluates_only_the_groups_and_pairs_reading_that_book(kit):
    rng = random.Random(7)
    instruments, groups, pairs = universe(kit)
    books = {i: random_book(kit, rng, t) for i, t in instruments.items()}
    index = SpyIndex(instruments, groups, pairs, lambda _: kit.FEES["zero"], books=books)
    index.evaluated = []

    index.on_book("aN0")  # group a and binary a0, pair kY+aN0, and aY0+kN (aY0's complement)
    assert sorted(index.evaluated) == ["a", "a0", "aY0+kN", "kY+aN0"]

    index.evaluated = []
    index.on_book("kY")  # the Kalshi YES: both pairs (directly or as the NO's complement)
    assert sorted(index.evaluated) == ["aY0+kN", "kY+aN0"]

    index.evaluated = []
    index.on_book("r1")
    assert index.evaluated == ["w"]
    assert index.evaluations == 9 + 4 + 2 + 1  # each of the 9 once when built, then updates


def test_halted_and_missing_books_in_the_index(kit):
    instruments, groups, pairs = universe(kit)
    rng = random.Random(3)
    books = {i: random_book(kit, rng, t) for i, t in instruments.items()}
    index = ArbitrageIndex(
        instruments, groups, pairs, lambda _: kit.FEES["zero"], books=books, halted={"b"}
    )
    assert ("b", RejectReason.HALTED) in [(r.group, r.reason) for r in index.all()[1]]

    del books["aY2"]
    index.on_book("aY2")
    assert index.result("a")[1][0].reason is RejectReason.UNSYNCED
    books["aY2"] = kit.book(instruments["aY2"], asks=[(5, 10)])
    index.on_book("aY2")
    assert index.result("a")[1] == []

    index.set_halted("b", False)
    assert [(r.reason, r.kind) for r in index.result("b")[1]] == [
        (RejectReason.NOT_EXHAUSTIVE, OpportunityKind.GROUP_YES)
    ]


def test_commission_per_group(kit):
    runners = [kit.runner("r0"), kit.runner("r1")]
    books = {r.id: kit.book(r, [(210, 1000)]) for r in runners}
    group = OutcomeGroup("1.1", "bf", GroupKind.WIN, ("r0", "r1"))
    instruments = {r.id: r for r in runners}
    zero = lambda _: kit.FEES["zero"]  # noqa: E731

    taxed = ArbitrageIndex(instruments, [group], [], zero, books=books, commission_bps={"1.1": 500})
    plain = ArbitrageIndex(instruments, [group], [], zero, books=books, commission_bps={"9.9": 500})

    assert [o.profit_micros for o in taxed.all()[0]] == [950_000]
    assert [o.profit_micros for o in plain.all()[0]] == [1_000_000]
    assert taxed.all() == scan_group(group, instruments, books, zero, commission_bps=500)
