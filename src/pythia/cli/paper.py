"""``pythia paper`` (a steerable run on recorded data) and ``pythia control``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError, PythiaError

DEFAULT_JOURNAL = "sqlite:///pythia-paper.journal.db"
CONTROL_COMMANDS = ("pause", "resume", "reduce", "flatten", "kill")


def paper(
    strategy: str = typer.Option(None, "--strategy", "-s", help="Strategy name."),
    data: str = typer.Option(
        None, "--data", "-d", help="Dataset replayed as the live feed (as for backtest)."
    ),
    config: str = typer.Option(None, "--config", "-c", help="TOML file or bundled config name."),
    seed: int = typer.Option(None, "--seed", help="Random seed (overrides the config)."),
    journal: str = typer.Option(
        DEFAULT_JOURNAL,
        "--journal",
        help="Journal URL; if it holds this run already, the run restarts from it.",
    ),
    speed: float = typer.Option(
        1.0, "--speed", help="Replay speed: 1 real time, 10 ten times faster, 0 no waiting."
    ),
    json_file: Path = typer.Option(None, "--json", help="Write the result as JSON."),
    run_for: float = typer.Option(
        None, "--run-for", help="Stop after this many seconds (live-feed runs)."
    ),
) -> None:
    """Paper-trade a strategy against the simulated venue: on replayed data (--data), or on
    a venue's live feed or emulator when the config has a [live] section. Journaled and
    steerable: `pythia control ... --journal URL` pauses, resumes, reduces, flattens or
    kills it; SIGINT/SIGTERM stop it gracefully (pause, cancel all, journal, exit); the same
    command restarts it from its journal after a crash."""
    from pythia.service.backtest import load_settings, run
    from pythia.service.paper import Pace

    if speed < 0:
        fail(ConfigError("--speed must be 0 or more"))
    try:
        settings = load_settings(Path(config) if config else None, strategy, data, seed)
        if settings.live is not None and data is None:
            print_json(live_run(settings, "paper", journal, run_for))
            return
        fault = os.environ.get("PYTHIA_FAULT_KILL_AFTER")  # crash tests: SIGKILL after N records
        result = run(
            settings,
            journal_url=journal,
            pace=Pace(speed=speed),
            fault_kill_after=int(fault) if fault else None,
        )
    except (ConfigError, DataError, PythiaError) as error:
        fail(error)
    payload = result.to_json()
    if json_file is not None:
        json_file.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    summary = {k: result.summary[k] for k in ("pnl", "orders", "fills", "control_mode")}
    print_json({"summary": summary, "journal": result.journal})


def control(
    command: str = typer.Argument(
        ..., help="pause, resume, reduce, flatten, kill; enable or disable (with --strategy)."
    ),
    journal: str = typer.Option(DEFAULT_JOURNAL, "--journal", help="The run's journal URL."),
    strategy: str = typer.Option(
        None, "--strategy", help="The strategy id that enable / disable switch."
    ),
    reason: str = typer.Option("", "--reason", help="Why (journaled with the change)."),
    json_output: bool = typer.Option(False, "--json", help="Print the request as JSON."),
) -> None:
    """Send a control command to the run writing ``--journal`` (applied before its next
    market event, journaled). ``enable`` / ``disable --strategy ID`` switch one strategy."""
    from pythia.store import Journal

    if command in ("enable", "disable"):
        if not strategy:
            fail(ConfigError(f"{command} needs --strategy ID"))
        command = f"{command}:{strategy}"
    elif command not in CONTROL_COMMANDS:
        known = ", ".join((*CONTROL_COMMANDS, "enable", "disable"))
        fail(ConfigError(f"unknown command {command!r}: use {known}"))
    try:
        with Journal.open(journal, readonly=True) as handle:
            request = handle.request_control(command, reason)
    except PythiaError as error:
        fail(error, json_output)
    if json_output:
        print_json({"request_id": request.id, "command": command, "reason": reason})
    else:
        typer.echo(f"{command} requested (request {request.id}); the run applies it next")


def live_run(
    settings, mode: str, journal: str, run_for: float | None, confirmed: bool = False
) -> dict:
    import asyncio

    from pythia.service.live import preflight, run_live

    preflight(settings, mode, confirmed=confirmed)
    return asyncio.run(run_live(settings, mode, journal, run_for))


def live(
    config: str = typer.Option(..., "--config", "-c", help="TOML with [live], [risk], strategy."),
    journal: str = typer.Option(
        "sqlite:///pythia-live.journal.db", "--journal", help="Journal URL (restart: same URL)."
    ),
    confirm: bool = typer.Option(
        False,
        "--i-understand-this-trades-real-money",
        help="Required: this sends real orders to the venue.",
    ),
    run_for: float = typer.Option(None, "--run-for", help="Stop after this many seconds."),
) -> None:
    """Trade for real on the venue of the config's [live] section. Refuses to start without
    the confirmation flag, credentials, risk limits and a writable journal; starts PAUSED
    unless [live] start_mode = "normal" (resume with `pythia control resume`)."""
    from pythia.service.backtest import load_settings
    from pythia.service.live import preflight

    try:
        settings = load_settings(Path(config))
        preflight(settings, "live", confirm)
        print_json(live_run(settings, "live", journal, run_for, confirmed=confirm))
    except (ConfigError, DataError, PythiaError) as error:
        fail(error)
