"""Book and decoder throughput (issue #2), side by side with peers in the same run.

    python benchmarks/bench_book.py [--json FILE] [--peers]

Measures, best of ``--repeat`` runs:
- level updates applied per second by the book alone (events decoded beforehand) on the
  bundled Binance BTCUSDT capture (2 files, one stream) and on a synthetic stream of
  1,000,000 updates on a 0.001-tick prediction-market ladder (1 and 10 levels per delta);
- raw-message decode rate (capture lines -> Pythia events per second).
With ``--peers`` (needs ``pip install nautilus_trader``) it replays the same Binance deltas
through NautilusTrader's Rust L2 OrderBook in the same process and reports the ratio.
Synthetic data is generated with a fixed seed and labelled as such.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

from pythia.book import CrossPolicy, book_for
from pythia.data import bundled
from pythia.data.synthetic import prediction_market_stream, synthetic_token
from pythia.model.events import BookDelta, BookSnapshot
from pythia.venues import read_capture

BINANCE_FILES = [
    bundled("binance", "spot_btcusdt_20240808.gz"),
    bundled("binance", "spot_btcusdt_20240809.gz"),
]


def best_rate(run, count: int, repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        elapsed = run()
        best = max(best, count / elapsed)
    return best


def binance_stream():
    source = read_capture("binance", BINANCE_FILES)
    events = list(source.events())
    start = next(i for i, e in enumerate(events) if isinstance(e, BookSnapshot))
    snapshot = events[start]
    deltas = [e for e in events[start:] if isinstance(e, BookDelta)]
    return source.instruments()[0], snapshot, deltas


def replay(instrument, snapshot, deltas):
    def run() -> float:
        book = book_for(instrument, CrossPolicy.DROP_STALE)
        book.apply_snapshot(snapshot)
        apply = book.apply_delta
        began = time.perf_counter()
        for delta in deltas:
            apply(delta)
        return time.perf_counter() - began

    return run


def decode_rate(repeat: int) -> tuple[int, float]:
    lines = 0
    best = 0.0
    for _ in range(repeat):
        source = read_capture("binance", BINANCE_FILES)
        began = time.perf_counter()
        lines = sum(1 for _ in source.events())
        best = max(best, lines / (time.perf_counter() - began))
    return lines, best


def nautilus_rate(instrument, snapshot, deltas, repeat: int) -> float | None:
    try:
        import nautilus_trader  # noqa: F401
    except ImportError:
        print("nautilus_trader is not installed: pip install nautilus_trader", file=sys.stderr)
        return None
    from peer_nautilus_book import nautilus_book_rate

    return nautilus_book_rate(instrument, snapshot, deltas, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also measure NautilusTrader")
    args = parser.parse_args()
    results: dict = {"python": sys.version.split()[0], "machine": platform.machine()}

    instrument, snapshot, deltas = binance_stream()
    levels = sum(len(d.bids) + len(d.asks) for d in deltas)
    results["binance_btcusdt_levels"] = levels
    results["binance_book_updates_per_s"] = best_rate(
        replay(instrument, snapshot, deltas), levels, args.repeat
    )

    token = synthetic_token(tick=10)
    for per_delta in (1, 10):
        stream = list(
            prediction_market_stream(token, 1_000_000, seed=7, levels_per_delta=per_delta)
        )
        first, rest = stream[0], stream[1:]
        count = sum(len(d.bids) + len(d.asks) for d in rest)
        rate = best_rate(replay(token, first, rest), count, args.repeat)
        results[f"synthetic_ladder_{per_delta}_per_delta_updates_per_s"] = rate

    lines, rate = decode_rate(args.repeat)
    results["binance_decode_messages"] = lines
    results["binance_decode_messages_per_s"] = rate

    if args.peers:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
        peer = nautilus_rate(instrument, snapshot, deltas, args.repeat)
        results["nautilus_binance_book_updates_per_s"] = peer
        if peer:
            results["ratio_vs_nautilus_binance"] = results["binance_book_updates_per_s"] / peer

    for key, value in results.items():
        shown = f"{value:,.0f}" if isinstance(value, float) and value > 100 else value
        print(f"{key:55s} {shown}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
