"""Latency of one incremental arbitrage re-evaluation (issue #4).

    python benchmarks/bench_arbitrage.py [--json FILE] [--iterations N] [--sizes 2,5,10,30]

For negRisk groups of 2 to 100 outcomes (Polymarket precision: 4 price / 6 size decimals,
tick 0.001, fee rate 0.04 exponent 1) with 50 bid and 50 ask levels on every YES and NO book,
it changes the size of one random level of one random token's book (not timed), then times
``ArbitrageIndex.on_book`` for that token with ``time.perf_counter_ns``, and reports p50 and
p99 in microseconds. Two scenarios:

- ``quiet``: no opportunity (best YES asks sum to 1.02 and NO asks to N - 1 + 0.02), the
  usual state of a market: the exact best-level test ends the evaluation;
- ``arb``: the best YES asks sum to 0.94 with 1 to 10 shares at the touch, so every update
  re-solves GROUP_YES (effective levels of every leg, segment sweep, exact fees).

Books are synthetic (seeded), labelled as such in the output.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from decimal import Decimal

from pythia.book import book_for
from pythia.model.instruments import (
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
    probability_scheme,
)
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.strategy.arbitrage.index import ArbitrageIndex

LEVELS = 50
SHARE = 10**6
TICK = 10  # 0.001: fair prices of 100 outcomes are below 0.01
ONE = 10_000


def token(instrument_id: str, complement_id: str) -> OutcomeToken:
    return OutcomeToken(
        id=instrument_id,
        venue="synthetic",
        symbol=instrument_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=6,
        ticks=probability_scheme(TICK, 4),
        min_size=10_000,
        quote_currency="USDC",
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        complement_id=complement_id,
    )


def ladder(best: int, ascending: bool, rng: random.Random, top_size: int | None = None):
    levels = []
    for i in range(LEVELS):
        price = best + i * TICK if ascending else best - i * TICK
        if not 0 < price < ONE:
            break
        size = top_size if (i == 0 and top_size) else rng.randint(1, 500) * SHARE
        levels.append((price, size))
    return levels


def build(outcomes: int, arbitrage: bool, seed: int):
    """A negRisk group with YES asks summing to 0.94 (arb) or 1.02 at the touch."""
    rng = random.Random(seed)
    total = 9_400 if arbitrage else 10_200
    base = [total // outcomes // TICK * TICK] * outcomes
    base[0] += total - sum(base)
    # NO asks: 1 - ask + extra, summing to N - total + N * extra >= N - 1 + 0.02
    extra = max(2 * TICK, -(-(total - ONE + 200) // outcomes // TICK) * TICK)
    instruments, books = {}, {}
    for i, ask in enumerate(base):
        yes, no = token(f"Y{i}", f"N{i}"), token(f"N{i}", f"Y{i}")
        instruments[yes.id], instruments[no.id] = yes, no
        top = rng.randint(1, 10) * SHARE if arbitrage else None
        yes_book, no_book = book_for(yes), book_for(no)
        # bids stay a tick behind what the other token's asks imply, so the levels they
        # derive are worse than the native ones
        no_ask = ONE - ask + extra
        yes_book.apply_levels(ladder(ask - extra - TICK, False, rng), ladder(ask, True, rng, top))
        no_book.apply_levels(ladder(ONE - ask - TICK, False, rng), ladder(no_ask, True, rng))
        books[yes.id], books[no.id] = yes_book, no_book
    group = OutcomeGroup(
        "synthetic", "synthetic", GroupKind.NEG_RISK, tuple(f"Y{i}" for i in range(outcomes))
    )
    return instruments, group, books


def percentile(sorted_values: list[int], fraction: float) -> float:
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index] / 1000


def measure(outcomes: int, arbitrage: bool, iterations: int, seed: int = 42) -> dict:
    instruments, group, books = build(outcomes, arbitrage, seed)
    fee = ProbabilityPowerFee(Decimal("0.04"))
    index = ArbitrageIndex(instruments, [group], [], lambda _: fee, books=books)
    ids = sorted(instruments)
    rng = random.Random(seed + 1)
    timings = []
    found = 0
    for _ in range(iterations):
        instrument_id = rng.choice(ids)
        book = books[instrument_id]
        on_asks = rng.random() < 0.5
        levels = book.asks() if on_asks else book.bids()
        price, size = levels[rng.randrange(len(levels))]
        new_size = max(SHARE, size + rng.choice((-1, 1)) * rng.randint(1, 50) * SHARE)
        if on_asks:
            book.apply_levels([], [(price, new_size)])
        else:
            book.apply_levels([(price, new_size)], [])
        start = time.perf_counter_ns()
        opportunities = index.on_book(instrument_id)
        timings.append(time.perf_counter_ns() - start)
        found += bool(opportunities)
    timings.sort()
    return {
        "outcomes": outcomes,
        "scenario": "arb" if arbitrage else "quiet",
        "iterations": iterations,
        "with_opportunity": found,
        "p50_us": percentile(timings, 0.50),
        "p99_us": percentile(timings, 0.99),
        "max_us": timings[-1] / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write results to this file")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--sizes", default="2,5,10,30,50,100")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    print(
        f"synthetic negRisk groups, {LEVELS} levels a side on every book;"
        f" Python {sys.version.split()[0]}"
    )
    print(
        f"{'outcomes':>8} {'scenario':>8} {'p50 us':>9} {'p99 us':>9} {'max us':>10} {'found':>7}"
    )
    for scenario in (False, True):
        for outcomes in sizes:
            iterations = args.iterations if not scenario else max(200, args.iterations // 10)
            result = measure(outcomes, scenario, iterations)
            results.append(result)
            print(
                f"{outcomes:>8} {result['scenario']:>8} {result['p50_us']:>9.1f}"
                f" {result['p99_us']:>9.1f} {result['max_us']:>10.1f}"
                f" {result['with_opportunity']:>7}"
            )
    if args.json:
        meta = {"python": sys.version, "machine": platform.platform(), "data": "synthetic"}
        with open(args.json, "w") as handle:
            json.dump({"meta": meta, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
