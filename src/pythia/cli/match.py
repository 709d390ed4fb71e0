"""``pythia match``: suggest cross-venue pairs (Polymarket YES + Kalshi NO) to confirm."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError


def match(
    snapshot: Path = typer.Option(
        None,
        "--snapshot",
        "-s",
        help="Snapshot directory of `pythia scan`: events/*.json (Gamma) and kalshi/*.json.",
    ),
    min_score: float = typer.Option(
        None, "--min-score", help="Least title score, 0..100 (default 80)."
    ),
    max_days: float = typer.Option(
        None, "--max-days", help="Most days between the two end dates (default 3)."
    ),
    keep_date_mismatch: bool = typer.Option(
        False, "--keep-date-mismatch", help="Keep pairs ending further apart, with a warning."
    ),
    json_output: bool = typer.Option(False, "--json", help='Print {"pairs": [...], ...}.'),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write the suggestions as a pairs.toml for review."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the --out file if it exists."),
    dependencies: bool = typer.Option(
        False,
        "--dependencies",
        help="Suggest candidate DEPENDENT markets (similar titles, close end dates, any venue)"
        " as a dependency file to review, instead of same-proposition pairs.",
    ),
) -> None:
    """Suggest Polymarket-Kalshi pairs of the same proposition, for a person to confirm.

    Titles are matched fuzzily, end dates must be close, and each pair carries warnings
    where its resolution sources or rules differ. Confirm every pair by hand before
    `pythia scan` trades it.

    Example: pythia match --snapshot snap --out snap/pairs.toml
    """
    from pythia.service.match import match_report, pairs_toml, read_markets, suggest_pairs
    from pythia.service.match_core import DEFAULT_MAX_DAYS, DEFAULT_MIN_SCORE

    if snapshot is None:
        fail("give --snapshot DIR", json_output)
    if dependencies:
        _match_dependencies(snapshot, min_score, max_days, json_output, out, force)
        return
    min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
    max_days = DEFAULT_MAX_DAYS if max_days is None else max_days
    try:
        if not 0 <= min_score <= 100:
            raise ConfigError(f"--min-score must be within 0..100, not {min_score:g}")
        if not max_days >= 0:
            raise ConfigError(f"--max-days must not be negative, not {max_days:g}")
        if out is not None and out.exists() and not force:
            raise ConfigError(f"{out} exists: it may hold confirmed pairs (--force overwrites it)")
        found = read_markets(snapshot)
    except (ConfigError, DataError) as error:
        fail(error, json_output)
    for problem in found.problems:
        typer.echo(f"warning: {problem.file}: {problem.reason}: {problem.detail}", err=True)
    result = suggest_pairs(
        found, min_score=min_score, max_days=max_days, keep_date_mismatch=keep_date_mismatch
    )
    if out is not None:
        settings = f"--snapshot {snapshot} --min-score {min_score:g} --max-days {max_days:g}"
        settings += " --keep-date-mismatch" if keep_date_mismatch else ""
        try:
            out.write_text(pairs_toml(result, settings))
        except OSError as error:
            fail(f"cannot write {out}: {error}", json_output)
        typer.echo(f"wrote {len(result.pairs)} suggested pair(s) to {out}: review them", err=True)
    report = match_report(result)
    if json_output:
        print_json(report)
        return
    _print_table(report, f"Suggested pairs in {snapshot}")


def _match_dependencies(snapshot, min_score, max_days, json_output, out, force) -> None:
    from pythia.service.match import read_markets
    from pythia.service.match_dependencies import (
        DEFAULT_DEPENDENCY_SCORE,
        candidates_report,
        dependencies_toml,
        dependency_candidates,
    )

    min_score = DEFAULT_DEPENDENCY_SCORE if min_score is None else min_score
    max_days = 30.0 if max_days is None else max_days
    try:
        if out is not None and out.exists() and not force:
            raise ConfigError(f"{out} exists: it may hold confirmed rules (--force overwrites it)")
        found = read_markets(snapshot, require_both=False)
    except (ConfigError, DataError) as error:
        fail(error, json_output)
    markets = [*found.polymarket, *found.kalshi]
    candidates = dependency_candidates(markets, min_score=min_score, max_days=max_days)
    if out is not None:
        settings = f"--snapshot {snapshot} --min-score {min_score:g} --max-days {max_days:g}"
        out.write_text(dependencies_toml(candidates, settings))
        typer.echo(f"wrote {len(candidates)} candidate(s) to {out}: review them", err=True)
    report = candidates_report(candidates)
    if json_output:
        print_json(report)
        return
    table = Table(title=f"Candidate dependent markets in {snapshot} (unconfirmed)")
    for column in ("score", "days", "a", "b"):
        table.add_column(column)
    for row in report["candidates"]:
        days = "?" if row["days_apart"] is None else f"{row['days_apart']:.1f}"
        table.add_row(f"{row['score']:.1f}", days, row["title_a"], row["title_b"])
    Console().print(table)


def _print_table(report: dict, title: str) -> None:
    """The pairs in a table, then each pair's warnings in full (they are what to check)."""
    console = Console()
    pairs = report["pairs"]
    if pairs:
        table = Table(title=title, show_lines=True)
        table.add_column("id", overflow="fold")
        table.add_column("score", justify="right")
        table.add_column("days", justify="right")
        table.add_column("polymarket (YES)")
        table.add_column("kalshi (NO)")
        for pair in pairs:
            days = "?" if pair["days_apart"] is None else f"{pair['days_apart']:.1f}"
            score = f"{pair['score']:.1f}" + ("" if not pair["warnings"] else " !")
            table.add_row(pair["id"], score, days, pair["title_a"], pair["title_b"])
        console.print(table)
    else:
        console.print(f"{title}: no pair found")
    warned = [pair for pair in pairs if pair["warnings"]]
    if warned:
        console.print("Warnings (!), to check before confirming a pair:")
    for pair in warned:
        console.print(f"  {pair['id']}", highlight=False)
        for warning in pair["warnings"]:
            console.print(f"    {warning}", highlight=False, markup=False)
    left = report["unmatched"]
    console.print(
        f"unmatched: {left['polymarket']} Polymarket, {left['kalshi']} Kalshi market(s);"
        f" {left['dropped_by_date']} candidate(s) dropped for end dates"
        " (--keep-date-mismatch keeps them)"
    )
    console.print("Suggestions only: confirm every pair by hand before scanning it.")
