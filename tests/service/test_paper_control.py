"""Steering a journaled run: `pythia control` requests and a graceful SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.service.backtest import load_settings, run
from pythia.service.paper import Pace
from pythia.store import Journal
from pythia.store.errors import StoreError


def journal_records(url: str, kind: str | None = None):
    with Journal.open(url, readonly=True) as journal:
        return [r for r in journal.records() if kind is None or r.kind == kind]


def test_a_control_request_is_applied_before_the_next_event_and_journaled(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    Journal.open(url).close()  # the run's journal exists, as when the run is going
    result = CliRunner().invoke(app, ["control", "pause", "--journal", url, "--reason", "test"])
    assert result.exit_code == 0, result.output
    settings = load_settings(strategy="arbitrage")
    outcome = run(settings, journal_url=url, pace=Pace(speed=0, handle_signals=False))
    assert outcome.summary["control_mode"] == "paused"
    assert outcome.summary["fills"] == 0  # paused from the first event: nothing traded
    control = journal_records(url, "control")
    assert [(c.payload["command"], c.payload["event_index"]) for c in control] == [("pause", 0)]
    assert control[0].payload["request_id"] is not None
    change = journal_records(url, "mode_change")[0].payload
    assert (change["mode"], change["source"], change["reason"]) == ("paused", "cli", "test")
    with Journal.open(url, readonly=True) as journal:
        assert journal.pending_control() == []  # consumed once


def test_unknown_control_command_and_missing_journal_are_clear_errors(tmp_path):
    bad = CliRunner().invoke(app, ["control", "explode", "--journal", "sqlite:///x.db"])
    assert bad.exit_code == 1 and "unknown command" in bad.output
    missing = CliRunner().invoke(
        app, ["control", "pause", "--journal", f"sqlite:///{tmp_path / 'none.db'}"]
    )
    assert missing.exit_code == 1


def test_sigterm_pauses_cancels_journals_and_exits_then_a_restart_goes_on_paused(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    command = [sys.executable, "-m", "pythia.cli.main", "paper", "--strategy", "arbitrage"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHIA_FAULT_KILL_AFTER"}
    process = subprocess.Popen(
        [*command, "--speed", "20", "--journal", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    traded = False
    while time.monotonic() < deadline and process.poll() is None:  # until it has traded
        try:
            if (tmp_path / "journal.db").exists() and journal_records(url, "order_submitted"):
                traded = True
                break
        except StoreError:
            pass  # the file exists, its tables not yet (the run is still creating them)
        time.sleep(0.2)
    assert traded and process.poll() is None, "the run ended or never traded"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    stop = journal_records(url, "control")[-1].payload
    assert (stop["command"], stop["source"], stop["reason"]) == ("stop", "signal", "SIGTERM")
    assert journal_records(url, "mode_change")[-1].payload["mode"] == "paused"
    assert journal_records(url)[-1].kind == "run_end"
    restarted = subprocess.run(
        [*command, "--speed", "0", "--journal", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restarted.returncode == 0, restarted.stderr
    assert '"control_mode": "paused"' in restarted.stdout
    recovery = journal_records(url, "recovery")
    assert recovery and recovery[-1].payload["ok"]


def test_control_disables_one_strategy_by_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    Journal.open(url).close()
    runner = CliRunner()
    missing = runner.invoke(app, ["control", "disable", "--journal", url])
    assert missing.exit_code == 1 and "--strategy" in missing.output
    result = runner.invoke(app, ["control", "disable", "--strategy", "arbitrage", "--journal", url])
    assert result.exit_code == 0, result.output
    outcome = run(load_settings(strategy="arbitrage"), journal_url=url, pace=Pace(speed=0))
    assert outcome.summary["fills"] == 0  # disabled before the first event
    switch = journal_records(url, "strategy_switch")
    assert [r.payload for r in switch] == [{"strategy": "arbitrage", "enabled": False}]
