"""``pythia backtest``: run a strategy over recorded data and report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pythia.cli.output import fail
from pythia.core.errors import ConfigError, DataError, PythiaError


def backtest(
    strategy: str = typer.Option(
        None, "--strategy", "-s", help="Strategy name (default: market_maker)."
    ),
    data: str = typer.Option(
        None,
        "--data",
        "-d",
        help="Bundled dataset (binance-btcusdt, binance-ethusdt, betfair-win), a catalog"
        " directory, or VENUE:FILE[,FILE...].",
    ),
    config: Path = typer.Option(None, "--config", "-c", help="TOML configuration file."),
    seed: int = typer.Option(None, "--seed", help="Random seed (overrides the config)."),
    json_file: Path = typer.Option(
        None, "--json", help="Write summary, orders, fills and ledger as JSON."
    ),
    report: Path = typer.Option(None, "--report", help="Write an HTML report with plots."),
    journal: str = typer.Option(
        None,
        "--journal",
        help="Journal URL (sqlite:///FILE or postgresql://...); an existing journal of the"
        " same run is replayed and checked. Default: a fresh SQLite file beside --json"
        " (FILE.journal.db), none without --json.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
) -> None:
    """Run a backtest. With no arguments: the market maker on the bundled BTCUSDT capture."""
    from pythia.service.backtest import load_settings, run

    if journal is None and json_file is not None:
        journal = fresh_sqlite_journal(json_file.with_suffix(".journal.db"))
    try:
        settings = load_settings(config, strategy, data, seed)
        console = Console(stderr=True)
        if quiet:
            result = run(settings, journal_url=journal)
        else:
            with Progress(
                TextColumn("[bold]backtest[/] {task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,} events"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task(settings.data.dataset, total=None)
                result = run(
                    settings, lambda n: progress.update(task, completed=n), journal_url=journal
                )
    except (ConfigError, DataError, PythiaError) as error:
        fail(error, json_output=False)
    if json_file is not None:
        json_file.write_text(json.dumps(result.to_json(), indent=1, sort_keys=True) + "\n")
    if report is not None:
        from pythia.service.report import write_report

        write_report(result, report, title=f"{settings.strategy.name} on {settings.data.dataset}")
    if not quiet:
        print_summary(result.summary, settings.strategy.name, settings.data.dataset)


def print_summary(summary: dict, strategy: str, dataset: str) -> None:
    table = Table(title=f"Backtest: {strategy} on {dataset}", show_header=False)
    for key in (
        "currency",
        "pnl",
        "return",
        "fees",
        "orders",
        "fills",
        "rejections",
        "max_drawdown",
        "max_drawdown_fraction",
        "sharpe",
        "sharpe_sampling",
        "max_gross_exposure",
        "start_equity",
        "end_equity",
        "market_events",
        "gaps",
        "strategy_errors",
    ):
        table.add_row(key, json.dumps(summary.get(key)))
    Console().print(table)
    per = Table(title="Per instrument", show_header=True)
    per.add_column("instrument")
    per.add_column("realized PnL", justify="right")
    per.add_column("unrealized PnL", justify="right")
    for instrument_id, pnl in summary["per_instrument"].items():
        per.add_row(instrument_id, pnl["realized_pnl"], pnl["unrealized_pnl"])
    Console().print(per)


def fresh_sqlite_journal(path: Path) -> str:
    """A SQLite journal URL at ``path``, removing an older journal there first."""
    for old in (path, *path.parent.glob(path.name + "-*"), Path(f"{path}.writer-lock")):
        if old.exists():
            old.unlink()
    return f"sqlite:///{path.resolve()}"
