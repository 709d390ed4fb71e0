"""``pythia data synth``: write a SYNTHETIC snapshot with planted arbitrage and its truth."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.data import data_app
from pythia.cli.output import fail, print_json

KINDS = ("groups", "stream", "binary", "bracket", "election", "race")


def parse_range(text: str) -> tuple[int, int]:
    """``"2..6"`` -> (2, 6); a single number is a range of one."""
    low, sep, high = text.partition("..")
    try:
        bounds = (int(low), int(high)) if sep else (int(low), int(low))
    except ValueError:
        raise ValueError(f"not a range A..B: {text!r}") from None
    return bounds


@data_app.command("synth")
def synth(
    kind: str = typer.Option(
        "groups",
        "--kind",
        help="What to generate: groups (a snapshot), stream (a replayable WS stream) or"
        " binary (one bounded binary market with trades and a resolution, for market making),"
        " bracket, election or race (linked markets with a dependency file, for"
        " combinatorial arbitrage).",
    ),
    groups: int = typer.Option(7, "--groups", "-n", help="Number of events (7 plants every kind)."),
    outcomes: str = typer.Option(
        "2..6", "--outcomes", help="Outcomes per negRisk event, A..B (2 <= A <= B <= 30)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
    out: Path = typer.Option(..., "--out", "-o", help="Snapshot directory to write."),
    fee_rate: str = typer.Option(
        "0",
        "--fee-rate",
        help="Polymarket taker fee rate the truth assumes (default 0, the profile's default;"
        " non-zero writes venues.toml).",
    ),
    updates: int = typer.Option(
        2000, "--updates", help="stream: number of price_change steps to write."
    ),
    duration_s: int = typer.Option(
        1800, "--duration", help="binary: seconds of market (one book step a second)."
    ),
    securities: int = typer.Option(
        12, "--securities", help="bracket / election / race: about this many securities."
    ),
    plants: int = typer.Option(
        2, "--plants", help="bracket / election / race: planted mispricings."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print truth.json to stdout."),
) -> None:
    """Write a SYNTHETIC snapshot (Gamma events, CLOB books) with planted opportunities.

    Events cycle through binary_long, binary_short, group_yes, group_no, an augmented
    negRisk group whose YES basket must be rejected, and groups with no opportunity.
    truth.json gives each planted opportunity's exact optimal size and profit (brute force).

    --kind stream writes DIR/stream.jsonl instead: Gamma events, WebSocket book snapshots
    and seeded price_change messages, with transient group_yes windows planted in every
    other event (truth.json gives their first and last line and receive time).

    Example: pythia data synth --kind groups --groups 14 --outcomes 2..8 --seed 1 --out snap
    --kind binary writes one bounded binary market (a logit random walk mid, a book
    around it, trades arriving with intensity A exp(-k delta), a resolution at the end) as
    Polymarket messages to the file --out (.jsonl or .jsonl.gz) and its truth beside it;
    the bundled dataset synthetic-binary is `--kind binary --seed 1`.

    Example: pythia data synth --kind stream --groups 6 --seed 1 --out stream
    Example: pythia data synth --kind binary --seed 1 --out market.jsonl.gz
    """
    from pythia.data.synth_groups import SynthSpec
    from pythia.data.synth_snapshot import write_snapshot

    if kind not in KINDS:
        fail(f"unknown --kind {kind!r}: one of {', '.join(KINDS)}", json_output)
    if kind == "stream":
        _stream(groups, outcomes, seed, out, updates, json_output)
        return
    if kind == "binary":
        _binary(seed, out, duration_s, json_output)
        return
    if kind in ("bracket", "election", "race"):
        _combinatorial(kind, securities, plants, seed, out, json_output)
        return
    try:
        low, high = parse_range(outcomes)
        rate = Decimal(fee_rate)
        if not rate.is_finite() or rate < 0:
            raise ValueError(f"--fee-rate must be a number >= 0, got {fee_rate!r}")
        spec = SynthSpec(groups, (low, high), seed, rate)
        truth = write_snapshot(spec, out)
    except (ValueError, InvalidOperation, OSError) as error:
        fail(error if str(error) else f"bad --fee-rate {fee_rate!r}", json_output)
    if json_output:
        print_json(truth)
        return
    table = Table(title=f"SYNTHETIC snapshot written to {out}")
    for column in ("kind", "group", "size", "profit"):
        table.add_column(column, justify="right" if column in ("size", "profit") else "left")
    for opportunity in truth["opportunities"]:
        table.add_row(
            opportunity["kind"], opportunity["group"], opportunity["size"], opportunity["profit"]
        )
    for entry in truth["rejected"]:
        table.add_row(f"{entry['kind']} (rejected)", entry["group"], "-", "-")
    Console().print(table)
    typer.echo(f"truth: {out / 'truth.json'}; scan it with: pythia scan --snapshot {out}")


def _stream(groups: int, outcomes: str, seed: int, out: Path, updates: int, json_output: bool):
    from pythia.data.synth_stream import write_stream

    try:
        truth = write_stream(out, groups, parse_range(outcomes), seed, updates)
    except (ValueError, OSError) as error:
        fail(error, json_output)
    if json_output:
        print_json(truth)
        return
    table = Table(title=f"SYNTHETIC stream written to {out / 'stream.jsonl'}")
    for column in ("kind", "group", "first line", "last line"):
        table.add_column(column, justify="right" if "line" in column else "left")
    for window in truth["opportunities"]:
        table.add_row(
            window["kind"], window["group"], str(window["first_line"]), str(window["last_line"])
        )
    Console().print(table)
    typer.echo(
        f"truth: {out / 'truth.json'}; replay it with:"
        f" pythia scan --data polymarket:{out / 'stream.jsonl'}"
    )


def _combinatorial(
    kind: str, securities: int, plants: int, seed: int, out: Path, json_output: bool
) -> None:
    from pythia.data.synth_combinatorial import sized
    from pythia.data.synth_combinatorial_snapshot import write_combinatorial_snapshot

    try:
        scenario = sized(kind, securities, plants=plants, seed=seed)
        truth = write_combinatorial_snapshot(scenario, out)
    except (ValueError, OSError) as error:
        fail(error, json_output)
    if json_output:
        print_json(truth)
        return
    typer.echo(
        f"SYNTHETIC {scenario.name}: {truth['securities']} securities, best guaranteed profit"
        f" {truth['known_profit_decimal']} (no fees) in {out}; scan it with:"
        f" pythia scan --snapshot {out}"
    )


def _binary(seed: int, out: Path, duration_s: int, json_output: bool) -> None:
    from pythia.data.synth_binary import BinarySpec, write_binary_market

    try:
        truth = write_binary_market(out, BinarySpec(seed=seed, duration_s=duration_s))
    except (ValueError, OSError) as error:
        fail(error, json_output)
    if json_output:
        print_json(truth)
        return
    typer.echo(
        f"SYNTHETIC binary market written to {out} ({truth['trades']} trades, YES"
        f" {'wins' if truth['yes_wins'] else 'loses'}); backtest it with:"
        f" pythia backtest --config glft_synthetic --data polymarket:{out}"
    )
