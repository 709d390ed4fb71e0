"""Golden scans: thousands of seeded random baskets, each scan's full result pinned.

Every case (binary, outcome group or cross-venue pair; cent, Kalshi and Polymarket
precisions; Polymarket power fees at several rates, exponents and roundings, Kalshi cent
fees, basis points, zero and a fee model the optimizer does not know; deep books of up to 50
levels, bids-only venues, minimum sizes, lots, capital caps, minimum profits and small
evaluation budgets) is scanned, and a digest of the result's ``repr`` (every opportunity
field: size, cost, fees, profit, legs with price limits, notes; every rejection) is compared
with ``golden_scans.json``, written by the optimizer that the speed work of issue #4 started
from. A faster optimizer must give the very same results, capped searches included.

Regenerate (only for a deliberate change of results)::

    python tests/strategy/arbitrage/test_golden_scans.py --write
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from pythia.core.fixed import Rounding
from pythia.model.instruments import (
    GroupKind,
    OutcomeGroup,
)
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)
from pythia.strategy.arbitrage.detect import scan_binary, scan_group, scan_pair

GOLDEN = Path(__file__).with_name("golden_scans.json")
CASES = 4000
PRECISIONS = [  # (price decimals, tick, size decimals)
    (2, 1, 0),  # cents, whole shares
    (4, 100, 2),  # Kalshi: 0.01 contracts
    (4, 100, 6),  # Polymarket
    (4, 10, 6),  # Polymarket, tick 0.001
    (4, 1, 6),  # Polymarket, tick 0.0001
]


class StepFee:
    """A fee model the optimizer does not know: 0.002 a fill plus 0.001 per whole unit."""

    def fee_micros(self, instrument, price, size, liquidity) -> int:
        return 2_000 + 1_000 * (size // 10**instrument.size_decimals) if size else 0


def fee_model(rng: random.Random):
    name = rng.choice(["zero", "power", "power", "power", "cent", "cent", "bps", "unknown"])
    if name == "zero":
        return SettlementOnlyFee()
    if name == "power":
        return ProbabilityPowerFee(
            Decimal(rng.choice(["0.02", "0.04", "0.072", "0.25", "1"])),
            exponent=rng.choice([1, 1, 1, 2, 0]),
            fee_decimals=rng.choice([5, 5, 6, 4, 2]),
            rounding=rng.choice(
                [Rounding.FLOOR, Rounding.FLOOR, Rounding.CEILING, Rounding.HALF_EVEN]
            ),
        )
    if name == "cent":
        return CentRoundedProbabilityFee(
            Decimal(rng.choice(["0.07", "0.0175", "0.035"])), fee_decimals=rng.choice([2, 2, 4])
        )
    if name == "bps":
        return BpsFee(
            Decimal(0),
            Decimal(rng.choice(["25", "0.5", "100"])),
            rounding=rng.choice([Rounding.CEILING, Rounding.FLOOR, Rounding.HALF_UP]),
        )
    return StepFee()


def token(kit, instrument_id, complement_id, precision, **kwargs):
    price_decimals, tick, size_decimals = precision
    return kit.token(
        instrument_id,
        complement_id,
        price_decimals=price_decimals,
        tick=tick,
        size_decimals=size_decimals,
        market_id=instrument_id[:-1],
        **kwargs,
    )


def size_maker(rng: random.Random, precision):
    """A size distribution for one case, in size units."""
    price_decimals, _, size_decimals = precision
    lot = 10 ** max(0, price_decimals + size_decimals - 6)
    share = 10**size_decimals
    style = rng.choice(["lots", "free", "shares", "deep", "mixed"])
    if style == "lots":
        return lambda: rng.randint(1, 40) * lot
    if style == "free":
        return lambda: rng.randint(1, 30 * max(lot, share // 10 or 1))
    if style == "shares":
        return lambda: rng.randint(1, 60) * share
    if style == "deep":
        return lambda: rng.randint(1, 400) * share + rng.choice([0, 0, rng.randint(0, share)])
    return lambda: rng.choice([lot, rng.randint(1, 5 * share), rng.randint(1, 100) * share])


def ladder(rng, best, ascending, steps, depth, size):
    """Up to ``depth`` levels from ``best`` (in ticks) away from the touch, on 1..steps-1."""
    levels, price = [], best
    for _ in range(depth):
        if not 1 <= price <= steps - 1:
            break
        levels.append((price, size()))
        price += rng.choice([1, 1, 1, 2, 3]) * (1 if ascending else -1)
    return levels


def make_book(kit, rng, instrument, mid, steps, depth, size, bids_only):
    """A book around ``mid`` (in ticks): asks from above it, bids from below it."""
    tick = instrument.ticks.finest_tick
    ask = min(max(mid + rng.choice([0, 0, 1, 2]), 1), steps - 1)
    bid = ask - rng.randint(1, 4)
    asks = [] if bids_only else ladder(rng, ask, True, steps, rng.randint(0, depth), size)
    bids = ladder(rng, bid, False, steps, rng.randint(0, depth), size) if bid >= 1 else []
    return kit.book(instrument, [(p * tick, s) for p, s in bids], [(p * tick, s) for p, s in asks])


def mids(rng, count, total, steps):
    """``count`` mid prices (in ticks) summing to about ``total`` (a payout, in ticks)."""
    weights = [rng.randint(1, 8) for _ in range(count)]
    factor = rng.uniform(0.86, 1.06)
    scale = total * factor / sum(weights)
    return [min(max(int(w * scale), 1), steps - 1) for w in weights]


def limits(rng):
    cap = rng.choice([None, None, None, rng.randint(1, 50) * 10**6, rng.randint(1, 2_000_000)])
    return dict(
        max_capital_micros=cap,
        min_profit_micros=rng.choice([0, 0, 0, 1, 5_000, 100_000]),
        max_evaluations=rng.choice([4096, 4096, 4096, 200, 20, 3]),
    )


def run_case(kit, seed: int):
    """The scan result of random case ``seed`` (deterministic)."""
    rng = random.Random(seed)
    shape = rng.choice(["binary", "group", "group", "group", "pair"])
    precision = rng.choice(PRECISIONS)
    steps = 10 ** precision[0] // precision[1]
    depth = rng.choice([1, 3, 8, 20, 50])
    size = size_maker(rng, precision)
    options = limits(rng)
    if shape == "pair":
        return _pair_case(kit, rng, options)
    model = fee_model(rng)
    fee_for = lambda _: model  # noqa: E731
    bids_only = rng.random() < 0.25
    merge = rng.random() < 0.7
    min_size = rng.choice([1, 1, size(), 10 ** precision[2]])
    if rng.random() < 0.3:
        lot = 10 ** rng.randint(0, precision[2])
        options["lot_for"] = lambda _: lot
    if shape == "binary":
        yes = token(kit, "mY", "mN", precision, min_size=min_size)
        no = token(kit, "mN", "mY", precision, min_size=min_size)
        (yes_mid,) = mids(rng, 1, steps, steps)
        no_mid = min(max(steps - yes_mid + rng.randint(-steps // 20, steps // 20), 1), steps - 1)
        books = {
            "mY": make_book(kit, rng, yes, yes_mid, steps, depth, size, bids_only),
            "mN": make_book(kit, rng, no, no_mid, steps, depth, size, bids_only),
        }
        return scan_binary(
            yes, no, books, fee_for, merge_native=merge, allow_short=rng.random() < 0.8, **options
        )
    outcomes = rng.choice([2, 3, 4, 6, 10, 30])
    winners = rng.choice([1, 1, 1, 2]) if outcomes > 2 else 1
    instruments, books = {}, {}
    yes_mids = mids(rng, outcomes, winners * steps, steps)
    for i, yes_mid in enumerate(yes_mids):
        yes = token(kit, f"g{i}Y", f"g{i}N", precision, min_size=min_size)
        no = token(kit, f"g{i}N", f"g{i}Y", precision, min_size=min_size)
        instruments[yes.id], instruments[no.id] = yes, no
        no_mid = min(max(steps - yes_mid - rng.randint(-2, 3), 1), steps - 1)
        books[yes.id] = make_book(kit, rng, yes, yes_mid, steps, depth, size, bids_only)
        books[no.id] = make_book(kit, rng, no, no_mid, steps, depth, size, bids_only)
    group = OutcomeGroup(
        "g",
        "pm",
        GroupKind.NEG_RISK,
        tuple(f"g{i}Y" for i in range(outcomes)),
        winners,
        augmented=rng.random() < 0.15,
    )
    return scan_group(group, instruments, books, fee_for, merge_native=merge, **options)


def _pair_case(kit, rng, options):
    poly, kalshi = (4, 100, 6), (4, 100, 2)
    yes_a, no_a = token(kit, "aY", "aN", poly, venue="a"), token(kit, "aN", "aY", poly, venue="a")
    min_b = rng.choice([1, 100, 250])
    yes_b = token(kit, "bY", "bN", kalshi, venue="b", min_size=min_b, currency="USD")
    no_b = token(kit, "bN", "bY", kalshi, venue="b", min_size=min_b, currency="USD")
    models = {"a": fee_model(rng), "b": fee_model(rng)}
    a_mid, b_mid = mids(rng, 2, 100, 100)
    depth = rng.choice([1, 3, 8, 20, 50])
    size_a, size_b = size_maker(rng, poly), size_maker(rng, kalshi)
    books = {
        "aY": make_book(kit, rng, yes_a, a_mid, 100, depth, size_a, False),
        "aN": make_book(kit, rng, no_a, 100 - a_mid, 100, depth, size_a, False),
        "bN": make_book(kit, rng, no_b, b_mid, 100, depth, size_b, True),
        "bY": make_book(kit, rng, yes_b, 100 - b_mid, 100, depth, size_b, True),
    }
    if rng.random() < 0.5:
        options["lot_for"] = lambda t: 100 if t.venue == "b" else 10_000
    return scan_pair(
        "p",
        yes_a,
        no_b,
        books,
        lambda t: models[t.venue],
        merge_native=rng.random() < 0.7,
        **options,
    )


def digest(result) -> str:
    return hashlib.sha256(repr(result).encode()).hexdigest()[:20]


def test_scans_match_the_golden_results(kit):
    expected = json.loads(GOLDEN.read_text())
    assert len(expected["digests"]) == CASES

    wrong = [
        seed for seed in range(CASES) if digest(run_case(kit, seed)) != expected["digests"][seed]
    ]

    assert wrong == [], f"{len(wrong)} cases differ, first seeds {wrong[:10]}"


def test_the_cases_cover_what_they_should(kit):
    results = [run_case(kit, seed) for seed in range(0, CASES, 5)]
    opportunities = [o for r in results for o in (r[0] if isinstance(r, tuple) else r)]
    assert len(opportunities) > 60
    assert any(o.notes and "capped" in o.notes[-1] for o in opportunities)
    assert len({o.kind for o in opportunities}) >= 4


def _kit():
    """The ``kit`` fixture's builders, outside pytest."""
    spec = importlib.util.spec_from_file_location("kit", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return SimpleNamespace(token=module.token, book=module.book)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    kit = _kit()
    GOLDEN.write_text(json.dumps({"digests": [digest(run_case(kit, s)) for s in range(CASES)]}))
    print(f"wrote {CASES} digests to {GOLDEN}")
