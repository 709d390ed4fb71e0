"""``pythia journal``: verify a journal's hash chain, show its records, export them to Parquet.

Every command opens the journal read-only, so it is safe beside a running engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pythia.cli.output import fail, print_json
from pythia.core.clock import iso_to_ns, ns_to_iso
from pythia.core.errors import PythiaError

ROWS_SHOWN = 500
PAYLOAD_SHOWN = 240
COLUMNS = ("seq", "time (UTC)", "kind", "strategy", "instrument", "payload")
COLUMN_CAPS = (20, 23, 20, 12, 20)  # widest a column gets; the payload takes the rest
PAYLOAD_MIN = 20
NARROWEST = 6
T = TypeVar("T")

journal_app = typer.Typer(
    help="The journal: verify its hash chain, show records, export them to Parquet.",
    no_args_is_help=True,
)

JOURNAL = typer.Option(
    ...,
    "--journal",
    "-j",
    help="sqlite:///FILE (or a file path) or postgresql://USER@HOST/DB[?schema=NAME].",
)
JSON_OUTPUT = typer.Option(False, "--json", help="Print JSON (see docs/journal.md).")
SINCE = typer.Option(
    None, "--since", help="Records at or after this time: ISO-8601 (UTC if no offset) or ns."
)
UNTIL = typer.Option(None, "--until", help="Records before this time: ISO-8601 or ns.")
INSTRUMENT = typer.Option(None, "--instrument", help="Only this instrument id.")
KIND = typer.Option(None, "--kind", "-k", help="Only these kinds; repeat or separate with commas.")
STRATEGY = typer.Option(None, "--strategy", help="Only this strategy.")
LIMIT = typer.Option(None, "--limit", min=0, help="At most this many records.")


@journal_app.command("verify")
def verify(journal: str = JOURNAL, json_output: bool = JSON_OUTPUT) -> None:
    """Check the hash chain; exit 1 and say where if any record was edited, deleted or moved.

    Example: pythia journal verify --journal sqlite:///run/journal.db
    """
    report = _with_journal(journal, json_output, lambda opened: opened.verify())
    if json_output:
        print_json(report.as_dict())
    elif report.ok:
        typer.echo(
            f"journal OK: {report.checked:,} records, chain intact"
            f" (last seq {report.last_seq}, hash {report.last_hash[:16]}…)"
        )
    else:
        _print_problems(report)
    if not report.ok:
        raise typer.Exit(1)


@journal_app.command("show")
def show(
    journal: str = JOURNAL,
    since: str = SINCE,
    until: str = UNTIL,
    instrument: str = INSTRUMENT,
    kind: list[str] = KIND,
    strategy: str = STRATEGY,
    limit: int = LIMIT,
    json_output: bool = typer.Option(
        False, "--json", help="Print JSON Lines: one record object per line, in seq order."
    ),
) -> None:
    """Show records in seq order, filtered by time, instrument, kind and strategy.

    Example: pythia journal show -j journal.db --kind fill --since 2024-08-08T00:00:00Z
    """
    filters = _filters(since, until, instrument, kind, strategy, limit, json_output)

    def run(opened: Any) -> None:
        records = opened.records(**filters)
        if json_output:
            for record in records:
                line = record.as_dict() | {"time": ns_to_iso(record.ts_ns)}
                typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            _print_records(records, opened.url)

    _with_journal(journal, json_output, run)


@journal_app.command("export")
def export(
    journal: str = JOURNAL,
    out: Path = typer.Option(..., "--out", "-o", help="Parquet file to write."),
    since: str = SINCE,
    until: str = UNTIL,
    instrument: str = INSTRUMENT,
    kind: list[str] = KIND,
    strategy: str = STRATEGY,
    limit: int = LIMIT,
    json_output: bool = JSON_OUTPUT,
) -> None:
    """Export records (filtered as in show) to Parquet: one row a record, payload as JSON.

    Example: pythia journal export -j journal.db --out fills.parquet --kind fill
    """
    filters = _filters(since, until, instrument, kind, strategy, limit, json_output)
    count = _with_journal(
        journal, json_output, lambda opened: opened.export_parquet(out, **filters)
    )
    if json_output:
        print_json({"exported": count, "path": str(out)})
    else:
        typer.echo(f"exported {count:,} records to {out}")


def _with_journal(url: str, json_output: bool, action: Callable[[Any], T]) -> T:
    """Open the journal read-only, run ``action`` on it, report expected errors cleanly."""
    from pythia.store import Journal

    try:
        with Journal.open(url, readonly=True) as opened:
            return action(opened)
    except PythiaError as error:
        fail(error, json_output)


def _filters(
    since: str | None,
    until: str | None,
    instrument: str | None,
    kinds: list[str] | None,
    strategy: str | None,
    limit: int | None,
    json_output: bool,
) -> dict[str, Any]:
    names = [name for text in kinds or [] for name in text.split(",") if name.strip()]
    return {
        "ts_from": _time_ns(since, "--since", json_output),
        "ts_to": _time_ns(until, "--until", json_output),
        "instrument": instrument,
        "kinds": [name.strip() for name in names] or None,
        "strategy": strategy,
        "limit": limit,
    }


def _time_ns(text: str | None, option: str, json_output: bool) -> int | None:
    if text is None:
        return None
    if text.strip().isdigit():
        return int(text)
    try:
        return iso_to_ns(text.strip())
    except ValueError:
        fail(
            f"{option} {text!r} is neither ISO-8601 (2024-08-08T12:00:00Z) nor nanoseconds",
            json_output,
        )


def _print_problems(report: Any) -> None:
    console = Console()
    count = len(report.problems)
    more = " (more not listed)" if report.truncated else ""
    console.print(
        f"journal BROKEN: {count} problem(s){more} in {report.checked:,} records,"
        f" first at seq {report.first_bad_seq}"
    )
    table = Table()
    for column in ("seq", "problem", "detail"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for problem in report.problems:
        table.add_row(str(problem.seq), problem.problem, escape(problem.detail))
    console.print(table)


def _print_records(records: Any, title: str) -> None:
    console = Console()
    rows: list[list[str]] = []
    for record in records:
        if len(rows) == ROWS_SHOWN:
            break
        payload = json.dumps(record.payload, ensure_ascii=False, sort_keys=True)
        if len(payload) > PAYLOAD_SHOWN:
            payload = payload[: PAYLOAD_SHOWN - 1] + "…"
        iso = ns_to_iso(record.ts_ns)
        time_text = f"{iso[:10]} {iso[11:23]}"
        rows.append([str(record.seq), time_text, record.kind, record.strategy,
                     record.instrument, payload])  # fmt: skip
    else:
        record = None
    if not rows:
        console.print(f"journal {escape(title)}: no matching records")
        return
    table = Table(title=f"Journal {escape(title)}", title_justify="left")
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    widths = [max(w, len(h)) for w, h in zip(widths, COLUMNS, strict=False)]
    widths = [min(w, cap) for w, cap in zip(widths, COLUMN_CAPS, strict=True)]
    payload_width = _fit(widths, console.width - 3 * len(COLUMNS) - 1)
    for name, width in zip(COLUMNS, [*widths, payload_width], strict=True):
        wrap = "fold" if name == "payload" else "ellipsis"
        justify = "right" if name == "seq" else "left"
        table.add_column(name, width=width, overflow=wrap, no_wrap=name != "payload",
                         justify=justify)  # fmt: skip
    for row in rows:
        table.add_row(*[escape(cell) for cell in row])
    console.print(table)
    if record is not None:
        console.print("... more records: narrow with --since/--kind/--limit, or use --json")


def _fit(widths: list[int], room: int) -> int:
    """Narrow instrument, strategy, then kind (to 6) until the payload gets 20; return its width.

    seq and time keep their width, so on a narrow terminal nothing vital is cut.
    """
    spare = room - sum(widths) - PAYLOAD_MIN
    for index in (4, 3, 2):
        if spare >= 0:
            break
        give = min(max(widths[index] - NARROWEST, 0), -spare)
        widths[index] -= give
        spare += give
    return max(PAYLOAD_MIN + spare, NARROWEST)
