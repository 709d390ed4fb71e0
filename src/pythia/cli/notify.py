"""``pythia notify-test --config FILE``: send one test message to each notification channel."""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer
from pydantic import ValidationError

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError
from pythia.service.notify import ENV_URLS, Notifier, NotifySettings


def load_notify_settings(config: Path) -> NotifySettings:
    """Read the ``[notify]`` table of a TOML file into :class:`NotifySettings`."""
    try:
        document = tomllib.loads(config.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {config}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config} is not valid TOML: {error}") from None
    table = document.get("notify", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{config}: [notify] must be a table")
    try:
        return NotifySettings(**table)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'notify'}: {item['msg']}"
            for item in error.errors(include_input=False, include_url=False)
        )
        raise ConfigError(f"{config} [notify]: {problems}") from None


def notify_test(
    config: Path = typer.Option(..., "--config", help="TOML file with a [notify] table."),
    message: str = typer.Option("Test notification from Pythia.", help="Text to send."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send one test message to every notification channel and report which got it."""
    try:
        settings = load_notify_settings(config)
        if not settings.urls:
            raise ConfigError(f"no notification URLs: set [notify] urls in {config} or {ENV_URLS}")
        notifier = Notifier(settings)
    except ConfigError as error:
        fail(error, json_output)
    delivered = notifier.send_test(message)
    channels = notifier.channels()
    if json_output:
        print_json(
            {
                "delivered": delivered,
                "channels": len(channels),
                "results": [
                    {"channel": c["channel"], "service": c["service"], "label": c["label"]}
                    | {"ok": c["sent"] > 0}
                    for c in channels
                ],
            }
        )
    else:
        typer.echo(f"sent to {delivered} of {len(channels)} channels")
        for c in channels:
            typer.echo(f"  {c['label']} ({c['service']}): {'ok' if c['sent'] else 'FAILED'}")
    if delivered < len(channels):
        raise typer.Exit(1)
