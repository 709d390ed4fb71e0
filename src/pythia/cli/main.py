"""Entry point of the ``pythia`` command."""

from __future__ import annotations

import typer

from pythia import __version__
from pythia.cli import data_check, data_synth  # noqa: F401  (register `data check`, `data synth`)
from pythia.cli.backtest import backtest
from pythia.cli.calibrate import calibrate
from pythia.cli.data import data_app
from pythia.cli.emulate import emulate
from pythia.cli.journal import journal_app
from pythia.cli.match import match
from pythia.cli.notify import notify_test
from pythia.cli.paper import control, live, paper
from pythia.cli.record import record
from pythia.cli.scan import scan
from pythia.cli.serve import serve

app = typer.Typer(
    name="pythia",
    help="Pythia: trading engine for prediction markets and crypto.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(data_app, name="data")
app.add_typer(journal_app, name="journal")
app.command("backtest")(backtest)
app.command("calibrate")(calibrate)
app.command("scan")(scan)
app.command("match")(match)
app.command("paper")(paper)
app.command("control")(control)
app.command("live")(live)
app.command("record")(record)
app.command("emulate")(emulate)
app.command("notify-test")(notify_test)
app.command("serve")(serve)


@app.command()
def version(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the installed version."""
    if json_output:
        typer.echo(f'{{"version": "{__version__}"}}')
    else:
        typer.echo(f"pythia {__version__}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
