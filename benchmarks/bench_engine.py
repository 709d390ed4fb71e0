"""Whole-engine throughput (issue #3): kernel + simulated venue + books + portfolio, with no
strategy and with the order-book-imbalance example strategy, on the bundled Binance capture
and on a seeded synthetic 1,000,000-update prediction-market ladder (10 levels per delta).

    python benchmarks/bench_engine.py [--repeat 3] [--json FILE]

Events are decoded before timing; only ``Kernel.run`` is timed. Rates are L2 level updates
per second (the unit NautilusTrader's engine counts as deltas). The Binance run is measured
twice: on the book events only (what the peer gets) and on the full capture (with trades and
bookTicker). The peer, in the same run: benchmarks/peer_nautilus_engine.py (needs
``pip install nautilus_trader``); ``--peers`` runs it here when it is importable.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from pythia.data.synthetic import prediction_market_stream, synthetic_token
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.events import BookDelta, BookSnapshot
from pythia.portfolio import Portfolio
from pythia.service.backtest import open_data
from pythia.sim.venue import SimulatedVenue
from pythia.strategy.registry import create_strategy
from pythia.venues import profile_for


def level_updates(events) -> int:
    return sum(len(e.bids) + len(e.asks) for e in events if isinstance(e, BookDelta | BookSnapshot))


def make_kernel(venue_key, profile_venue, balances, instruments, strategy, sync):
    portfolio, view = Portfolio(balances), Portfolio(balances)
    profile = profile_for(profile_venue)
    gateway = SimulatedVenue(profile, portfolio, random.Random(1))
    slots = {venue_key: VenueSlot(gateway, profile.latency)}
    kernel = Kernel(
        slots, portfolio, view, [strategy] if strategy else [], 7, synchronizer_for=sync
    )
    for definition in instruments:
        kernel.add_definition(definition)
    return kernel


def timed(build, events, repeat) -> tuple[float, object]:
    best, kernel = None, None
    for _ in range(repeat):
        kernel = build()
        began = time.perf_counter()
        kernel.run(events)
        elapsed = time.perf_counter() - began
        best = elapsed if best is None else min(best, elapsed)
    return best, kernel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write results to this file")
    parser.add_argument("--peers", action="store_true")
    args = parser.parse_args()
    results: dict = {}

    opened = open_data("binance-btcusdt")
    all_events = list(opened.source.events())
    instruments = opened.source.instruments()
    book_events = [e for e in all_events if isinstance(e, BookDelta | BookSnapshot)]
    balances = {"USDT": 10**6 * 10**6}
    obi = {"instrument": "binance:BTCUSDT", "ratio": 10, "trade_size": 100_000}
    for label, events in (("binance_book_only", book_events), ("binance_full", all_events)):
        updates = level_updates(events)
        for strategy_name in (None, "book_imbalance"):

            def build(strategy_name=strategy_name):
                strategy = create_strategy(strategy_name, obi) if strategy_name else None
                return make_kernel(
                    "binance", "binance", balances, instruments, strategy, opened.synchronizer_for
                )

            seconds, kernel = timed(build, events, args.repeat)
            key = f"{label}_{strategy_name or 'no_strategy'}"
            results[key] = {
                "events": len(events),
                "level_updates": updates,
                "seconds": round(seconds, 4),
                "level_updates_per_s": round(updates / seconds),
                "events_per_s": round(len(events) / seconds),
                "orders": len(kernel.orders.orders()),
                "fills": len(kernel.fills),
            }

    token = synthetic_token(tick=10)
    synthetic = list(prediction_market_stream(token, 1_000_000, seed=7, levels_per_delta=10))
    updates = level_updates(synthetic)
    obi_synthetic = {
        "instrument": token.id,
        "ratio": 10,
        "trade_size": 10_000_000,
        "max_position": 10**8,
    }
    for strategy_name in (None, "book_imbalance"):

        def build(strategy_name=strategy_name):
            strategy = create_strategy(strategy_name, obi_synthetic) if strategy_name else None
            return make_kernel(
                "synthetic",
                "polymarket",
                {"USDC": 10**6 * 10**6},
                [token],
                strategy,
                lambda _: None,
            )

        seconds, kernel = timed(build, synthetic, args.repeat)
        results[f"synthetic_{strategy_name or 'no_strategy'}"] = {
            "events": len(synthetic),
            "level_updates": updates,
            "seconds": round(seconds, 4),
            "level_updates_per_s": round(updates / seconds),
            "events_per_s": round(len(synthetic) / seconds),
            "orders": len(kernel.orders.orders()),
            "fills": len(kernel.fills),
        }

    if args.peers:
        sys.path.insert(0, str(Path(__file__).parent))
        try:
            import peer_nautilus_engine as peer
        except ImportError as error:
            print(f"peer not available: {error}", file=sys.stderr)
        else:
            results["nautilus"] = peer.measure_all(args.repeat)

    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
