"""``pythia data``: import raw captures, inspect datasets, check book integrity."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Recorded market data: import, info, integrity check.", no_args_is_help=True)
