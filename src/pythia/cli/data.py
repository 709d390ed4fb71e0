"""``pythia data``: import raw captures, inspect datasets, check book integrity.

Heavy modules (pyarrow, venue readers) are imported inside the commands so that
``pythia --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.output import fail as _fail
from pythia.cli.output import print_json as _print_json
from pythia.core.errors import ConfigError, DataError

data_app = typer.Typer(
    help="Recorded market data: import, info, integrity check.", no_args_is_help=True
)

_IDS_SHOWN = 5


def _counts_table(title: str, counts: dict[str, int], label: str) -> Table:
    table = Table(title=title)
    table.add_column(label)
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    table.add_row("total", f"{sum(counts.values()):,}", style="bold")
    return table


@data_app.command("import")
def import_capture(
    venue: str = typer.Argument(..., help="Capture format of the files: binance, betfair, ..."),
    files: list[Path] = typer.Argument(..., help="Raw capture files, read in order as one stream."),
    out: Path = typer.Option(..., "--out", "-o", help="Catalog directory (created if missing)."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the data of VENUE already in the catalog."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Normalize raw capture FILES of VENUE into the Parquet catalog at --out.

    Example: pythia data import binance spot_btcusdt_20240808.gz --out catalog
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pythia.data.catalog import write_catalog
    from pythia.venues import read_capture

    venue = venue.lower()
    missing = [str(path) for path in files if not path.exists()]
    progress = Progress(
        SpinnerColumn(),
        TextColumn(f"importing {venue}"),
        TextColumn("{task.completed:,} events"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=json_output,
    )
    try:
        if missing:
            raise DataError(f"no such file: {', '.join(missing)}")
        try:
            source = read_capture(venue, files)
        except ModuleNotFoundError as error:
            if not (error.name or "").startswith("pythia.venues"):
                raise
            raise ConfigError(f"no capture reader is installed for venue {venue!r}") from None
        with progress:
            task = progress.add_task("import", total=None)
            summary = write_catalog(
                source,
                out,
                venue,
                overwrite=overwrite,
                progress=lambda count: progress.update(task, completed=count),
            )
    except (ConfigError, DataError) as error:
        _fail(error, json_output)
    if json_output:
        _print_json(summary.as_dict())
        return
    console = Console()
    console.print(
        f"[bold]{summary.venue}[/]: {summary.events:,} events and {summary.instruments:,} "
        f"instruments written to {summary.out_dir}"
    )
    console.print(_counts_table("Events by type", summary.events_by_type, "type"))
    console.print(f"Partitions ({len(summary.partitions)}): " + ", ".join(summary.partitions))
    rejects = summary.rejects
    if rejects.get("total"):
        console.print(_counts_table("Rejected messages", rejects["by_reason"], "reason"))
        for example in rejects.get("examples", []):
            console.print(f"  {example['reason']}: {example['detail']}", markup=False)
    else:
        console.print("Rejected messages: 0")


@data_app.command("info")
def info(
    directory: Path = typer.Argument(..., help="Catalog directory written by `data import`."),
    json_output: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """Describe a catalog: instruments, events by type, time span and partitions.

    Example: pythia data info catalog --json
    """
    from pythia.data.catalog import Catalog

    try:
        description = Catalog(directory).info()
    except (ConfigError, DataError) as error:
        _fail(error, json_output)
    if json_output:
        _print_json(description)
        return
    console = Console()
    span = description["time_span"]
    console.print(f"[bold]Catalog[/] {description['path']}")
    console.print(f"Venues: {', '.join(description['venues']) or '-'}")
    console.print(
        "Time span: " + (f"{span['first']} .. {span['last']}" if span else "- (no events)")
    )
    instruments = Table(title="Instruments")
    instruments.add_column("venue")
    instruments.add_column("count", justify="right")
    instruments.add_column("ids")
    for venue, entry in description["instruments"]["by_venue"].items():
        ids = entry["ids"][:_IDS_SHOWN]
        more = len(entry["ids"]) - len(ids)
        shown = ", ".join(ids) + (f", ... (+{more})" if more > 0 else "")
        instruments.add_row(venue, f"{entry['count']:,}", shown)
    console.print(instruments)
    console.print(_counts_table("Events by type", description["events"]["by_type"], "type"))
    partitions = Table(title="Partitions")
    partitions.add_column("venue")
    partitions.add_column("date")
    partitions.add_column("events", justify="right")
    partitions.add_column("rows by table")
    for entry in description["partitions"]:
        rows = ", ".join(f"{name} {count:,}" for name, count in sorted(entry["rows"].items()))
        partitions.add_row(entry["venue"], entry["date"], f"{entry['events']:,}", rows)
    console.print(partitions)
