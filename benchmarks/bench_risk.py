"""Latency of the risk check alone (issue #5): p50 / p99 of ``RiskEngine.check``.

    python benchmarks/bench_risk.py [--json FILE] [--samples N] [--instruments N]

The rule set is the default one built from a ``[risk]`` section with every limit on
(control mode, book freshness, order size and notional, price collar, instrument, group
and venue position limits, gross and net exposure, balance with a Polymarket fee model).
The view is a :class:`MemoryRiskView` (dicts) over a synthetic universe of
``--instruments`` Polymarket-style tokens in 10-outcome negRisk groups, plus a Betfair
runner and BTCUSDT, with positions, resting orders, exposure and cash filled in (synthetic,
seeded). Each case times ``--samples`` calls one by one with ``time.perf_counter_ns`` and
reports p50, p99 and max (the goal is p99 under 50 microseconds). Cases:

- ``accept``: orders that pass every rule (the full path);
- ``reject_first``: rejected by the control mode (PAUSED), the cheapest path;
- ``reject_last``: rejected by the balance check, the last rule (the full path plus the
  rejection);
- ``mixed``: a seeded mix of tokens, sides, sizes and prices; about three orders in ten
  are rejected (order size, notional, collar).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from dataclasses import replace
from decimal import Decimal

from pythia.data.synthetic import synthetic_token
from pythia.model.enums import Side
from pythia.model.instruments import GroupKind, OutcomeGroup, OutcomeToken, crypto_instrument
from pythia.model.orders import OrderRequest
from pythia.risk import ControlMode, MemoryRiskView, RiskEngine, build_rules, load_risk_settings
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.venues.betfair.parse import runner_token

NOW_NS = 1_700_000_000_000_000_000
ONE = 1_000_000
GROUP_SIZE = 10
VENUE = "polymarket"

ALL_ON = {
    "max_order_size": "1000",
    "max_order_notional": "500",
    "max_position": "5000",
    "max_group_position": "20000",
    "price_collar_bps": 2000,
    "book_max_age_ms": 60_000,
    "gross_exposure": {"USDC": "1000000", "GBP": "100000", "USDT": "1000000"},
    "net_exposure": {"USDC": "1000000", "GBP": "100000", "USDT": "1000000"},
    "venue_exposure": {"polymarket": "500000", "betfair": "50000", "binance": "500000"},
    "check_balance": True,
    "instruments": {"pm:t0": {"max_order_size": "2000", "price_collar_ticks": 10}},
}


def token(index: int) -> OutcomeToken:
    """A synthetic Polymarket-style token on the 0.01 grid."""
    return replace(synthetic_token(tick=100, symbol=f"t{index}"), id=f"pm:t{index}", venue=VENUE)


def build_view(instruments: int, rng: random.Random) -> tuple[MemoryRiskView, list[str]]:
    """A synthetic, seeded universe (labelled as such in the output)."""
    view = MemoryRiskView(now=NOW_NS)
    tokens = [token(i) for i in range(instruments)]
    view.add(*tokens)
    for start in range(0, instruments, GROUP_SIZE):
        members = tuple(t.id for t in tokens[start : start + GROUP_SIZE])
        view.add(OutcomeGroup(f"pm:g{start // GROUP_SIZE}", VENUE, GroupKind.NEG_RISK, members))
    runner = runner_token("1.2", "44")
    btc = crypto_instrument("binance:BTCUSDT", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
    view.add(runner, btc)
    for t in tokens:
        view.books[t.id] = (True, NOW_NS - rng.randrange(1_000_000_000))
        view.mids[t.id] = rng.randrange(10, 90) * 100
        view.positions[t.id] = rng.randrange(0, 500) * ONE
        view.open[(t.id, Side.BUY)] = rng.randrange(0, 50) * ONE
    view.books.update({runner.id: (True, NOW_NS), btc.id: (True, NOW_NS)})
    view.mids.update({runner.id: 300, btc.id: 6_000_000})
    view.cash.update({"USDC": 100_000 * ONE, "GBP": 10_000 * ONE, "USDT": 100_000 * ONE})
    for currency in ("USDC", "GBP", "USDT"):
        view.gross[(currency, None)] = 20_000 * ONE
        view.net[currency] = 15_000 * ONE
    for venue, currency in (("polymarket", "USDC"), ("betfair", "GBP"), ("binance", "USDT")):
        view.gross[(currency, venue)] = 10_000 * ONE
    return view, [t.id for t in tokens]


def mixed_orders(ids: list[str], view: MemoryRiskView, count: int, rng: random.Random):
    orders = []
    for index in range(count):
        instrument_id = rng.choice(ids)
        mid = view.mids[instrument_id]
        side = rng.choice((Side.BUY, Side.SELL))
        price = max(100, min(9900, mid + rng.randrange(-6, 7) * 100))
        size = rng.randrange(1, 1100) * ONE
        orders.append(OrderRequest(f"c{index}", instrument_id, side, size, price))
    return orders


def percentile(ordered: list[int], fraction: float) -> int:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def time_case(engine, view, mode, orders, samples: int, begin=None) -> dict:
    """Time ``engine.check`` call by call; ``begin(client_order_id)`` runs first, inside the
    timing, as ``Safety.check`` runs it (the engine's view computes its totals per check)."""
    check = engine.check
    start = begin if begin is not None else (lambda _client_order_id: None)
    for request in orders[:1000]:  # warm up caches (per-instrument limits)
        start(request.client_order_id)
        check(request, view, mode)
    timings = []
    accepted = 0
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for index in range(samples):
            request = orders[index % len(orders)]
            began = clock()
            start(request.client_order_id)
            decision = check(request, view, mode)
            timings.append(clock() - began)
            accepted += decision.accepted
    finally:
        gc.enable()
    timings.sort()
    return {
        "samples": samples,
        "accepted": accepted,
        "p50_us": percentile(timings, 0.50) / 1000,
        "p99_us": percentile(timings, 0.99) / 1000,
        "max_us": timings[-1] / 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--instruments", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    view, ids = build_view(args.instruments, rng)
    rules = build_rules(load_risk_settings(ALL_ON), ProbabilityPowerFee(Decimal("0.072")))
    engine = RiskEngine(rules)
    accept = [
        OrderRequest(f"a{i}", instrument_id, Side.BUY, ONE, view.mids[instrument_id])
        for i, instrument_id in enumerate(ids[i % len(ids)] for i in range(1000))
    ]
    poor = {**view.cash, "USDC": 0}
    cases = {
        "accept": (ControlMode.NORMAL, accept, None),
        "reject_first": (ControlMode.PAUSED, accept, None),
        "reject_last": (ControlMode.NORMAL, accept, poor),
        "mixed": (ControlMode.NORMAL, mixed_orders(ids, view, 10_000, rng), None),
    }
    results = {}
    rich = dict(view.cash)
    for name, (mode, orders, cash) in cases.items():
        view.cash = dict(cash or rich)
        results[name] = time_case(engine, view, mode, orders, args.samples)
        results[name]["decisions"] = {
            f"{rule or 'accepted'}/{reason}": count
            for (rule, reason), count in engine.counts.items()
        }
        engine.counts.clear()
    report = {
        "benchmark": "risk_check",
        "rules": [rule.name for rule in rules],
        "instruments": args.instruments,
        "data": "synthetic (seeded)",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "results": results,
    }
    print(f"RiskEngine.check, {len(rules)} rules, {args.instruments} synthetic instruments")
    print(f"{'case':<14}{'p50 us':>10}{'p99 us':>10}{'max us':>10}{'accepted':>12}")
    for name, row in results.items():
        print(
            f"{name:<14}{row['p50_us']:>10.2f}{row['p99_us']:>10.2f}{row['max_us']:>10.1f}"
            f"{row['accepted']:>12}"
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
