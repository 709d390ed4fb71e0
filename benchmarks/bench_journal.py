"""Journal throughput (issue #5): order records appended per second on SQLite and PostgreSQL.

    python benchmarks/bench_journal.py [--count 2000] [--batches 200] [--pg URL] [--no-pg]
                                       [--json FILE]

Measures, on a fresh journal per backend:
- single appends, each committed before the next (the engine's write-ahead path), with
  the latency percentiles of one append;
- ``append_many`` in batches of 100 records, one transaction a batch;
- ``verify`` over everything written (records checked per second).
SQLite: a WAL file in a temporary folder (``synchronous=NORMAL``). PostgreSQL: ``--pg``
(default ``$PYTHIA_TEST_PG_URL`` or postgresql://postgres@127.0.0.1:5432/test), in a
fresh schema dropped afterwards. Payloads are synthetic order records, labelled as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from pythia.store import Journal

BATCH = 100
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def order_payload(i: int) -> dict:
    """A synthetic order record of realistic size (about 200 bytes of JSON)."""
    return {
        "client_order_id": f"arb-{i:09d}",
        "side": "buy" if i % 2 else "sell",
        "price": 450 + i % 50,
        "size": 1_000_000 + i,
        "tif": "GTC",
        "post_only": False,
        "token_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
    }


def measure(url: str, count: int, batches: int) -> dict:
    with Journal.open(url) as journal:
        latencies = []
        began = time.perf_counter()
        for i in range(count):
            start = time.perf_counter_ns()
            journal.append("order_submitted", order_payload(i), i, strategy="arb", instrument="T")
            latencies.append(time.perf_counter_ns() - start)
        single_s = time.perf_counter() - began
        began = time.perf_counter()
        for b in range(batches):
            journal.append_many(
                ("order_submitted", order_payload(i), i, "arb", "T")
                for i in range(b * BATCH, (b + 1) * BATCH)
            )
        batch_s = time.perf_counter() - began
        began = time.perf_counter()
        report = journal.verify()
        verify_s = time.perf_counter() - began
    assert report.ok and report.checked == count + batches * BATCH
    latencies.sort()
    return {
        "single_appends_per_s": round(count / single_s),
        "single_p50_us": round(latencies[len(latencies) // 2] / 1000, 1),
        "single_p99_us": round(latencies[int(len(latencies) * 0.99)] / 1000, 1),
        "batch100_appends_per_s": round(batches * BATCH / batch_s),
        "verify_records_per_s": round(report.checked / verify_s),
    }


def bench_sqlite(count: int, batches: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        return measure(f"sqlite:///{Path(folder) / 'journal.db'}", count, batches)


def bench_postgres(base: str, count: int, batches: int) -> dict:
    schema = f"pythia_bench_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in base else "?"
    try:
        return measure(f"{base}{separator}schema={schema}", count, batches)
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="single appends (default 2000)")
    parser.add_argument("--batches", type=int, default=200, help="batches of 100 (default 200)")
    parser.add_argument("--pg", default=os.environ.get("PYTHIA_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()

    results: dict = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "sqlite": sqlite3.sqlite_version,
        "data": "synthetic order records",
        "sqlite_wal": bench_sqlite(args.count, args.batches),
    }
    if not args.no_pg:
        with psycopg.connect(args.pg) as connection:
            results["postgresql"] = connection.info.server_version
        results["postgresql_local"] = bench_postgres(args.pg, args.count, args.batches)
    metrics = list(results["sqlite_wal"])
    backends = [key for key in ("sqlite_wal", "postgresql_local") if key in results]
    print(f"{'metric':28s}" + "".join(f"{name:>20s}" for name in backends))
    for metric in metrics:
        print(f"{metric:28s}" + "".join(f"{results[b][metric]:>20,}" for b in backends))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
