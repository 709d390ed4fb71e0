"""Shared output helpers for CLI commands: JSON to stdout, tables and errors for people."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

err_console = Console(stderr=True)


def print_json(payload: object) -> None:
    """Print ``payload`` as indented JSON (sorted keys) on stdout."""
    typer.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))


def fail(message: str, code: int = 2) -> None:
    """Print an error people can act on and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def is_tty() -> bool:
    return sys.stderr.isatty()
