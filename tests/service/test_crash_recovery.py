"""Crash test: a journaled paper run is killed with SIGKILL at many points, restarted each
time, and finishes with exactly the result of an uninterrupted run.

The run is the arbitrage strategy on the bundled Betfair WIN recording (six-leg lay-all
baskets, completions and unwinds), paced at full speed. ``PYTHIA_FAULT_KILL_AFTER=N`` makes
the process kill itself with SIGKILL right after writing N new journal records, so the
points are exact and reproducible: seeded random ones plus some inside a basket's legs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter

import pytest

from pythia.store import Journal
from store.journalkit import journal_url  # noqa: F401  (the two-backend fixture)

PAPER = [sys.executable, "-m", "pythia.cli.main", "paper", "--strategy", "arbitrage"]


def paper(url: str, out, kill_after: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHIA_FAULT_KILL_AFTER", None)
    if kill_after is not None:
        env["PYTHIA_FAULT_KILL_AFTER"] = str(kill_after)
    command = [*PAPER, "--speed", "0", "--journal", url, "--json", str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def records(url: str):
    with Journal.open(url, readonly=True) as journal:
        return list(journal.records())


def final_state(result_file) -> dict:
    result = json.loads(result_file.read_text())
    return {
        "positions": result["positions"],
        "final_balances": result["final_balances"],
        "fills": sorted((f["trade_id"], f["client_order_id"], f["size"]) for f in result["fills"]),
        "orders": sorted(o["client_order_id"] for o in result["orders"]),
        "strategies": result["strategies"],
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: its result and its journal."""
    folder = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{folder / 'journal.db'}"
    done = paper(url, folder / "result.json")
    assert done.returncode == 0, done.stderr
    return final_state(folder / "result.json"), records(url)


def kill_points(reference_records, count: int, seed: int) -> list[int]:
    """How many new records each crashed process writes before it dies."""
    total = len(reference_records)
    first_leg = next(r.seq for r in reference_records if r.kind == "order_submitted")
    rng = random.Random(seed)
    points = [first_leg + 1, 2]  # mid-basket: between the first and the last leg's orders
    points += [rng.randint(1, max(2, total // count)) for _ in range(count - len(points))]
    return points


def check_journal(url: str, reference_records) -> None:
    stored = records(url)
    with Journal.open(url, readonly=True) as journal:
        assert journal.verify().ok
    kinds = Counter(r.kind for r in stored)
    expected = Counter(r.kind for r in reference_records)
    for kind in ("order_submitted", "fill", "order_update", "risk_decision"):
        assert kinds[kind] == expected[kind], kind
    trade_ids = [r.payload["trade_id"] for r in stored if r.kind == "fill"]
    assert len(trade_ids) == len(set(trade_ids)), "a fill was journaled twice"
    client_ids = [r.payload["client_order_id"] for r in stored if r.kind == "order_submitted"]
    assert len(client_ids) == len(set(client_ids)), "an order was submitted twice"
    recoveries = [r for r in stored if r.kind == "recovery"]
    assert recoveries and all(r.payload["ok"] for r in recoveries)


def crash_and_restart(url: str, tmp_path, points: list[int]) -> None:
    for index, kill_after in enumerate(points):
        crashed = paper(url, tmp_path / f"crashed-{index}.json", kill_after)
        assert crashed.returncode == -signal.SIGKILL, (kill_after, crashed.stderr)
    finished = paper(url, tmp_path / "result.json")
    assert finished.returncode == 0, finished.stderr


def test_twenty_sigkills_lose_nothing_and_duplicate_nothing(reference, tmp_path):
    expected, reference_records = reference
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    points = kill_points(reference_records, 20, seed=5)
    assert len(points) >= 20
    crash_and_restart(url, tmp_path, points)
    assert final_state(tmp_path / "result.json") == expected
    check_journal(url, reference_records)


def test_restart_on_postgresql(reference, tmp_path, journal_url):  # noqa: F811
    expected, reference_records = reference
    crash_and_restart(journal_url, tmp_path, kill_points(reference_records, 3, seed=9))
    assert final_state(tmp_path / "result.json") == expected
    check_journal(journal_url, reference_records)


def test_a_journal_of_another_run_is_refused(reference, tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    assert paper(url, tmp_path / "a.json").returncode == 0
    env = {**os.environ}
    env.pop("PYTHIA_FAULT_KILL_AFTER", None)
    other = subprocess.run(
        [*PAPER, "--speed", "0", "--seed", "99", "--journal", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert other.returncode == 1
    assert "belongs to another run" in other.stderr
