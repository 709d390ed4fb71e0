"""Shared output helpers for CLI commands: JSON to stdout, clean errors on stderr."""

from __future__ import annotations

import json
from typing import NoReturn

import typer


def print_json(payload: object) -> None:
    """Print ``payload`` as indented JSON on stdout (Decimals and paths as strings)."""
    typer.echo(json.dumps(payload, indent=2, default=str))


def fail(error: Exception | str, json_output: bool = False) -> NoReturn:
    """Report an expected error cleanly (no traceback) and exit with status 1.

    With ``--json`` the error is also printed to stdout as ``{"error": {type, message}}``.
    """
    message = str(error)
    if json_output:
        kind = type(error).__name__ if isinstance(error, Exception) else "Error"
        typer.echo(json.dumps({"error": {"type": kind, "message": message}}))
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
