"""``pythia calibrate``: sigma, A and k of one instrument from a recorded dataset."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError


def calibrate(
    data: str = typer.Option(
        ...,
        "--data",
        "-d",
        help="Bundled dataset (binance-btcusdt, binance-ethusdt, betfair-win), a catalog"
        " directory, or VENUE:FILE[,FILE...].",
    ),
    instrument: str = typer.Option(
        ...,
        "--instrument",
        "-i",
        help="Instrument id, e.g. binance:BTCUSDT (the part after the venue is enough).",
    ),
    interval: str = typer.Option(
        "1s", "--interval", help="Mid sampling interval for sigma, e.g. 1s, 500ms."
    ),
    bucket_ticks: int = typer.Option(
        1, "--bucket-ticks", help="Width of a distance bucket, in the instrument's finest ticks."
    ),
    buckets: int = typer.Option(
        None, "--buckets", help="Distance buckets fitted (default: to the 99th pct, at most 20)."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print JSON: sigma, A and k, each with value and interval."
    ),
) -> None:
    """Estimate the mid's volatility sigma and the fill intensity A exp(-k delta).

    sigma comes from mid changes sampled every --interval; A and k from trade arrivals by
    distance from the mid (Poisson regression), each with a 95% confidence interval.
    Example: pythia calibrate --data binance-btcusdt --instrument BTCUSDT
    """
    from pythia.service.backtest import parse_duration_ns
    from pythia.service.calibrate import calibrate as run_calibration

    try:
        result = run_calibration(
            data,
            instrument,
            interval_ns=parse_duration_ns(interval),
            bucket_ticks=bucket_ticks,
            buckets=buckets,
        )
    except (ConfigError, DataError) as error:
        fail(error, json_output)
    report = result.as_dict()
    if json_output:
        print_json(report)
        return
    _print_table(report)


def _print_table(report: dict) -> None:
    units, samples = report["units"], report["samples"]
    table = Table(title=f"Calibration of {report['instrument']} (95% intervals)")
    for column in ("parameter", "value", "low", "high", "unit"):
        table.add_column(column, justify="left" if column in ("parameter", "unit") else "right")
    for name in ("sigma", "sigma_logit", "A", "k"):
        if name in report:
            low, high = report[name]["interval"]
            table.add_row(
                name, f"{report[name]['value']:.6g}", f"{low:.6g}", f"{high:.6g}", units[name]
            )
    console = Console()
    console.print(table)
    console.print(
        f"{samples['duration_s']:.0f} s, {samples['mid_increments']:,} mid increments every"
        f" {samples['interval_s']:g} s (mid from {samples['mid_source']}),"
        f" {samples['orders']:,} orders from {samples['trades']:,} trades;"
        f" distance buckets of {samples['bucket_width']:g}: {samples['bucket_counts']},"
        f" {samples['beyond_buckets']:,} beyond; dispersion {samples['dispersion']:.3g}"
    )
