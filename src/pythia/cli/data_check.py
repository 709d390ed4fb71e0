"""``pythia data check``: rebuild books from a raw capture and compare with the venue's own
top of book (see ``pythia.data.integrity`` for the rules and the gap-recovery policy)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.data import data_app
from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError
from pythia.data import bundled
from pythia.data.integrity import IntegrityChecker
from pythia.venues import read_capture, synchronizer_factory


def run_check(venue: str, files: list[Path]) -> dict:
    """Run the integrity check and return the JSON-ready result."""
    source = read_capture(venue, files)
    checker = IntegrityChecker(
        source.instruments(), synchronizer_factory(venue), lookup=source.instrument
    )
    result = checker.run(source.events()).as_dict()
    result["venue"] = venue
    result["files"] = [str(f) for f in files]
    result["rejects"] = source.rejects.as_dict()
    return result


DEFAULT_VENUE = "binance"
DEFAULT_FILES = ("spot_btcusdt_20240808.gz", "spot_btcusdt_20240809.gz")


@data_app.command("check")
def check(
    venue: str = typer.Argument(
        DEFAULT_VENUE, help="Venue of the capture: binance, polymarket, kalshi, betfair, ..."
    ),
    files: list[Path] = typer.Argument(
        None, help="Raw capture files, read as one stream (default: bundled BTCUSDT capture)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Replay a raw capture and check the rebuilt book against the venue's top of book.

    With no arguments it checks the bundled Binance BTCUSDT capture (2024-08-08 and -09 read
    as one stream), which has a real sequence gap right after its snapshot.
    """
    if not files:
        if venue != DEFAULT_VENUE:
            fail(f"give the capture files of {venue}", json_output)
        files = [bundled("binance", name) for name in DEFAULT_FILES]
    try:
        result = run_check(venue, files)
    except (ConfigError, DataError) as error:
        fail(error, json_output)
    if json_output:
        print_json(result)
        return
    console = Console()
    table = Table(title=f"Book integrity: {venue}", show_header=False)
    for key in (
        "checked",
        "mismatched",
        "skipped",
        "gaps",
        "synced",
        "stale_levels_dropped",
        "deltas_applied",
        "deltas_dropped",
        "unsynced_deltas",
        "rejected_updates",
    ):
        table.add_row(key, str(result[key]))
    table.add_row("rejected messages", str(result["rejects"]["total"]))
    console.print(table)
    for gap in result["gap_details"]:
        console.print(
            f"gap after update {gap['after_update_id']}: next diff covers "
            f"{gap['first_update_id']}..{gap['last_update_id']}"
        )
    for mismatch in result["mismatches"][:10]:
        ids = mismatch.get("last_update_id", mismatch.get("ts_event_ns"))
        console.print(
            f"mismatch at {ids} (reference {mismatch.get('reference_update_id', '-')}):\n"
            f"  venue: {mismatch['expected_display']}\n  book:  {mismatch['actual_display']}"
        )
