"""Order throughput through risk + order manager + journal (issue #5), on SQLite and PostgreSQL.

    python benchmarks/bench_oms.py [--orders 2000] [--window 20] [--samples 20000]
                                   [--pg URL] [--no-pg] [--json FILE]

The real path: a :class:`Kernel` with a :class:`SimulatedVenue` (Polymarket profile, 1 ms
order-entry and response latency), two portfolios, the default rule set built from
bench_risk's ``ALL_ON`` ``[risk]`` section (order size and notional, price collar, position
and group limits, venue, gross and net exposure, balance with the venue's fee model) and a
strategy that first buys 10 shares of each of ten synthetic Polymarket-style tokens (one
negRisk group, two-sided books; seeded, synthetic), then sends ``--orders`` resting,
non-marketable limit buys through ``ctx.submit``, keeping ``--window`` of them open: each
is cancelled once the venue accepted it, and its cancel confirmation sends the next one.
Every order is risk-checked, tracked by the order manager, matched by the simulator and,
with a journal, journaled five times (risk decision, order, ack, cancel, cancel ack), each
record committed before it takes effect.

Reported per journal (none, SQLite WAL in a temporary folder, PostgreSQL in a fresh schema
dropped afterwards; PostgreSQL is skipped with a message when unreachable): orders per
second over the whole flow (first resting submit to last cancel confirmation, wall time),
and p50 / p99 of one ``ctx.submit`` call (risk check, order manager, journal writes;
the venue sees the order later, after the order-entry latency). Then the risk check
alone, ``RiskEngine.check`` timed call by call as bench_risk does, on the engine's
:class:`KernelRiskView` after the run (ten positions, ``--window`` open orders; each check
starts with ``KernelRiskView.begin`` as ``Safety.check`` does, so its totals over holdings
and open orders are computed again every check) and on
bench_risk's dict view (``MemoryRiskView``, 1000 synthetic instruments), same rules.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
from bench_risk import ALL_ON, ONE, build_view, percentile, time_case, token

from pythia.engine.journaling import EngineJournal
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.enums import Side
from pythia.model.events import BookSnapshot
from pythia.model.execution import OrderStatus
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.model.orders import OrderRequest, TimeInForce
from pythia.portfolio import Portfolio
from pythia.risk import ControlMode, RiskEngine, build_rules, load_risk_settings
from pythia.sim.venue import SimulatedVenue
from pythia.store import Journal
from pythia.strategy.base import Strategy
from pythia.venues import profile_for

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
START_NS = 1_700_000_000_000_000_000
TOKENS = 10
GROUP = OutcomeGroup(
    "pm:g0", "polymarket", GroupKind.NEG_RISK, tuple(f"pm:t{i}" for i in range(TOKENS))
)
BID, ASK = 4500, 5500  # 0.45 / 0.55 on the 0.01 grid
SIZE = 10 * ONE  # 10 shares
BALANCE = 100_000 * ONE  # USDC micros


def instruments():
    return [replace(token(i), group_id=GROUP.id) for i in range(TOKENS)]


def books() -> list[BookSnapshot]:
    """A two-sided book a token: 1000 shares at 0.45 and 0.44 bid, at 0.55 and 0.56 asked."""
    return [
        BookSnapshot(
            f"pm:t{i}",
            ((BID, 1000 * ONE), (BID - 100, 1000 * ONE)),
            ((ASK, 1000 * ONE), (ASK + 100, 1000 * ONE)),
            START_NS,
            START_NS,
        )
        for i in range(TOKENS)
    ]


def resting_price(index: int) -> int:
    """0.41 to 0.45: inside the collar, never marketable."""
    return BID - (index % 5) * 100


class SubmitCancelLoop(Strategy):
    """Buy a position in every token, then submit and cancel ``orders`` resting orders,
    ``window`` at a time; leave ``window`` open at the end (the risk-alone phase's state)."""

    name = "bench_oms"

    def __init__(self, orders: int, window: int) -> None:
        super().__init__({})
        self.orders, self.window = orders, window
        self.seen_books: set[str] = set()
        self.takers: set[str] = set()
        self.sent = self.cancelled = self.rejected = 0
        self.submit_ns: list[int] = []
        self.began_s = self.ended_s = 0.0

    def on_book(self, instrument_id: str, book) -> None:
        self.seen_books.add(instrument_id)
        if len(self.seen_books) == TOKENS and not self.takers and not self.sent:
            for i in range(TOKENS):
                self.takers.add(
                    self.ctx.submit(f"pm:t{i}", Side.BUY, SIZE, ASK, time_in_force=TimeInForce.IOC)
                )

    def on_order(self, update) -> None:
        client_id, status = update.client_order_id, update.status
        if client_id in self.takers:
            if status in (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED):
                self.takers.discard(client_id)
                if not self.takers:
                    self.began_s = time.perf_counter()
                    for _ in range(min(self.window, self.orders)):
                        self._submit_next()
            return
        if status is OrderStatus.OPEN and not self.ended_s:
            self.ctx.cancel(client_id)
        elif status is OrderStatus.CANCELED or status is OrderStatus.REJECTED:
            self.rejected += status is OrderStatus.REJECTED
            self.cancelled += status is OrderStatus.CANCELED
            if self.sent < self.orders:
                self._submit_next()
            elif self.cancelled + self.rejected == self.orders:
                self.ended_s = time.perf_counter()
                for i in range(self.window):  # left open: not timed, not counted
                    self.ctx.submit(f"pm:t{i % TOKENS}", Side.BUY, SIZE, resting_price(i))

    def _submit_next(self) -> None:
        index = self.sent
        self.sent += 1
        clock = time.perf_counter_ns
        began = clock()
        self.ctx.submit(f"pm:t{index % TOKENS}", Side.BUY, SIZE, resting_price(index))
        self.submit_ns.append(clock() - began)


def build_kernel(strategy: Strategy, journal: EngineJournal | None) -> Kernel:
    latency = {
        "feed": {"model": "constant", "ms": 0},
        "order_entry": {"model": "constant", "ms": 1},
        "response": {"model": "constant", "ms": 1},
    }
    profile = profile_for("polymarket", fee_rate="0.072", latency=latency)
    portfolio, view = Portfolio({"USDC": BALANCE}), Portfolio({"USDC": BALANCE})
    venue = SimulatedVenue(profile, portfolio, random.Random(1))
    rules = build_rules(load_risk_settings(ALL_ON), profile.fee_model)
    kernel = Kernel(
        {"polymarket": VenueSlot(venue, profile.latency)},
        portfolio,
        view,
        [strategy],
        seed=7,
        risk=RiskEngine(rules),
        journal=journal,
    )
    for definition in (*instruments(), GROUP):
        kernel.add_definition(definition)
    return kernel


def run_flow(orders: int, window: int, journal: EngineJournal | None) -> tuple[dict, Kernel]:
    strategy = SubmitCancelLoop(orders, window)
    kernel = build_kernel(strategy, journal)
    kernel.run(books())
    if strategy.cancelled != orders or kernel.stats.strategy_errors:
        sys.exit(
            f"the flow did not complete: {strategy.cancelled}/{orders} cancelled,"
            f" {strategy.rejected} rejected, rejections {dict(kernel.stats.rejections)},"
            f" errors {kernel.stats.strategy_errors}"
        )
    timings = sorted(strategy.submit_ns)
    row = {
        "orders": orders,
        "orders_per_s": round(orders / (strategy.ended_s - strategy.began_s)),
        "submit_p50_us": round(percentile(timings, 0.50) / 1000, 1),
        "submit_p99_us": round(percentile(timings, 0.99) / 1000, 1),
        "records": journal.appended if journal is not None else 0,
    }
    return row, kernel


@contextmanager
def sqlite_journal():
    with tempfile.TemporaryDirectory() as folder:
        with Journal.open(f"sqlite:///{Path(folder) / 'journal.db'}") as journal:
            yield journal


@contextmanager
def postgres_journal(base: str):
    schema = f"pythia_bench_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in base else "?"
    try:
        with Journal.open(f"{base}{separator}schema={schema}") as journal:
            yield journal
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def postgres_version(base: str) -> str | None:
    """The server version, or None (with a message) when PostgreSQL cannot be reached."""
    try:
        with psycopg.connect(base, connect_timeout=3) as connection:
            return str(connection.info.server_version)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        print(f"PostgreSQL skipped: cannot reach {base} ({first_line})")
        return None


def risk_alone(kernel: Kernel, samples: int) -> dict:
    """``RiskEngine.check`` on the engine's view and on bench_risk's dict view."""
    engine = kernel.safety.risk
    requests = [
        OrderRequest(f"r{i}", f"pm:t{i % TOKENS}", Side.BUY, SIZE, resting_price(i))
        for i in range(1000)
    ]
    view = kernel.safety.view
    engine_view = time_case(engine, view, ControlMode.NORMAL, requests, samples, view.begin)
    dict_view, ids = build_view(1000, random.Random(7))
    accept = [
        OrderRequest(f"a{i}", ids[i], Side.BUY, ONE, dict_view.mids[ids[i]]) for i in range(1000)
    ]
    memory = time_case(engine, dict_view, ControlMode.NORMAL, accept, samples)
    return {"engine_view": engine_view, "dict_view": memory}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="resting orders (default 2000)")
    parser.add_argument("--window", type=int, default=20, help="orders open at once (default 20)")
    parser.add_argument("--samples", type=int, default=20_000, help="risk checks timed")
    parser.add_argument("--pg", default=os.environ.get("PYTHIA_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)

    flows: dict[str, dict] = {}
    flows["no_journal"], kernel = run_flow(args.orders, args.window, None)
    # before the journaled flows: the database servers' work after them (PostgreSQL's
    # cleanup of the schema) shares the cores and shows up in the risk check's p99
    risk = risk_alone(kernel, args.samples)
    with sqlite_journal() as journal:
        flows["sqlite_wal"], _ = run_flow(args.orders, args.window, EngineJournal(journal))
    server = None if args.no_pg else postgres_version(args.pg)
    if server is not None:
        with postgres_journal(args.pg) as journal:
            flows["postgresql"], _ = run_flow(args.orders, args.window, EngineJournal(journal))
    report = {
        "benchmark": "oms_throughput",
        "rules": [rule.name for rule in kernel.safety.risk.rules],
        "data": "synthetic (seeded): 10 Polymarket-style tokens, one negRisk group",
        "window": args.window,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": server,
        "flows": flows,
        "risk_check": risk,
    }
    print(
        f"{args.orders} resting orders submitted and cancelled, {args.window} open at once,"
        f" {len(report['rules'])} risk rules"
    )
    print(f"{'path':<30}{'orders/s':>10}{'p50 us':>10}{'p99 us':>10}{'records':>10}")
    for name, row in flows.items():
        print(
            f"{'submit, ' + name:<30}{row['orders_per_s']:>10,}{row['submit_p50_us']:>10.1f}"
            f"{row['submit_p99_us']:>10.1f}{row['records']:>10,}"
        )
    for name, row in risk.items():
        print(f"{'risk check, ' + name:<30}{'':>10}{row['p50_us']:>10.1f}{row['p99_us']:>10.1f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
