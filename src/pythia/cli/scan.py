"""``pythia scan``: find riskless arbitrage in a venue snapshot or over a recorded dataset."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError

ROWS_SHOWN = 40


def scan(
    snapshot: Path = typer.Option(
        None,
        "--snapshot",
        "-s",
        help="Snapshot directory: events/*.json (Gamma), books/*.json (CLOB /book),"
        " kalshi/*.json, betfair/*, pairs.toml, venues.toml.",
    ),
    data: str = typer.Option(
        None,
        "--data",
        "-d",
        help="Scan a recorded dataset over time: a bundled name (betfair-win, ...), a catalog"
        " directory, or VENUE:FILE[,FILE...].",
    ),
    max_capital: str = typer.Option(
        None, "--max-capital", help="Most capital per opportunity, e.g. 250 (default: no cap)."
    ),
    min_profit: str = typer.Option(
        "0", "--min-profit", help="Least guaranteed profit reported, e.g. 0.50 (default 0)."
    ),
    dependencies: Path = typer.Option(
        None,
        "--dependencies",
        help="A dependency file (TOML/JSON: securities and logical constraints) for"
        " combinatorial arbitrage; default: the snapshot's dependencies.toml if present.",
    ),
    json_output: bool = typer.Option(
        False, "--json", help='Print {"opportunities": [...], "rejected": [...]}.'
    ),
) -> None:
    """Find arbitrage: binary (YES + NO), outcome groups (all YES, all NO, back/lay all) and
    cross-venue pairs, each at its profit-maximising size with exact fees.

    Examples: pythia scan --snapshot snap --max-capital 500;  pythia scan --data betfair-win
    Amounts are in the quote currency of each opportunity (USDC, USD, GBP) and exact.
    """
    from pythia.service.scan import parse_amount

    if (snapshot is None) == (data is None):
        fail("give exactly one of --snapshot DIR or --data DATASET", json_output)
    try:
        cap = parse_amount(max_capital, "--max-capital")
        floor = parse_amount(min_profit, "--min-profit") or 0
        if snapshot is not None:
            result, problems, title = _scan_snapshot(snapshot, cap, floor, dependencies)
        else:
            result, problems, title = _scan_data(data, cap, floor, json_output, dependencies)
    except (ConfigError, DataError) as error:
        fail(error, json_output)
    for problem in problems:
        typer.echo(
            f"warning: {problem['file']}: {problem['reason']}: {problem['detail']}", err=True
        )
    if json_output:
        print_json(result)
        return
    _print_tables(result, title, over_time=data is not None)
    projection = result.get("projection")
    if projection is not None:
        typer.echo(
            f"Frank-Wolfe projection of the mid prices: divergence D {projection['divergence']},"
            f" gap g {projection['gap']}, guaranteed profit bound D - g"
            f" {projection['profit_bound']} per unit of LMSR liquidity ({projection['stop']})"
        )


def _scan_snapshot(directory: Path, cap: int | None, floor: int, dependencies: Path | None):
    from pythia.service.scan import load_snapshot, run_scan
    from pythia.strategy.arbitrage.combinatorial import load_dependencies

    snapshot = load_snapshot(directory)
    if dependencies is None:
        found = [directory / f"dependencies.{ext}" for ext in ("toml", "json")]
        dependencies = next((path for path in found if path.is_file()), None)
    parsed = load_dependencies(dependencies) if dependencies is not None else None
    result = run_scan(snapshot, cap, floor, parsed)
    problems = [p.as_dict() for p in snapshot.problems]
    loaded = ", ".join(f"{n} {part}" for part, n in sorted(snapshot.loaded.items()))
    title = f"Arbitrage in {directory} ({loaded or 'nothing loaded'})"
    return result, problems, title


def _scan_data(dataset: str, cap: int | None, floor: int, quiet: bool, dependencies=None):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pythia.service.backtest import open_data
    from pythia.service.scan_replay import scan_dataset
    from pythia.strategy.arbitrage.combinatorial import load_dependencies

    parsed = load_dependencies(dependencies) if dependencies is not None else None
    opened = open_data(dataset)
    with Progress(
        SpinnerColumn(),
        TextColumn(f"scanning {dataset}"),
        TextColumn("{task.completed:,} events"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    ) as progress:
        task = progress.add_task("scan", total=None)
        report = scan_dataset(
            opened,
            cap,
            floor,
            progress=lambda n: progress.update(task, completed=n),
            dependencies=parsed,
        )
    result = {"opportunities": report["opportunities"], "rejected": report["rejected"]}
    title = (
        f"Arbitrage over time in {dataset} ({report['events']:,} events,"
        f" {report['evaluations']:,} evaluations)"
    )
    return result, report["problems"], title


def _num(text: str) -> str:
    """A decimal string without trailing zeros, for tables (JSON keeps every digit)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _short_id(text: str) -> str:
    return f"{text[:8]}…{text[-4:]}" if len(text) > 16 else text


def _time(iso: str) -> str:
    """``2022-04-19T18:24:36.427000000Z`` -> ``04-19 18:24:36`` (UTC; JSON has it all)."""
    return f"{iso[5:10]} {iso[11:19]}"


def _print_tables(result: dict, title: str, over_time: bool) -> None:
    console = Console()
    opportunities = result["opportunities"]
    table = Table(title=title)
    if over_time:
        columns = ["kind", "group", "size", "best profit", "first seen", "last seen", "updates"]
    else:
        columns = ["kind", "group", "size", "cost", "fees", "profit", "legs"]
    for column in columns:
        justify = "left" if column in ("kind", "group") else "right"
        table.add_column(column, justify=justify, no_wrap=True)
    for entry in opportunities[:ROWS_SHOWN]:
        row = [entry["kind"], _short_id(entry["group"]), _num(entry["size"])]
        if over_time:
            row += [_num(entry["best_profit"]), _time(entry["first_seen"])]
            row += [_time(entry["last_seen"]), str(entry["updates"])]
        else:
            row += [_num(entry[k]) for k in ("cost", "fees", "profit")]
            row.append(str(len(entry["legs"])))
        table.add_row(*row)
    console.print(table if opportunities else f"{title}: no opportunity found")
    if len(opportunities) > ROWS_SHOWN:
        console.print(f"... and {len(opportunities) - ROWS_SHOWN} more (use --json)")
    rejected = result["rejected"]
    if rejected:
        skipped = Table(title=f"Rejected ({len(rejected)})")
        for column in ("group", "kind", "reason", "detail"):
            skipped.add_column(column)
        for entry in rejected[:ROWS_SHOWN]:
            group = _short_id(entry["group"])
            skipped.add_row(group, entry["kind"] or "-", entry["reason"], entry["detail"])
        console.print(skipped)
        if len(rejected) > ROWS_SHOWN:
            console.print(f"... and {len(rejected) - ROWS_SHOWN} more (use --json)")
