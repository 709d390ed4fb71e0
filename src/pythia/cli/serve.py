"""``pythia serve``: an engine session with the operations API, dashboard and metrics."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import tempfile
from pathlib import Path

import typer

from pythia.cli.output import fail
from pythia.core.errors import ConfigError, DataError, PythiaError

DEFAULT_TOKEN_FILE = Path(".pythia-serve-tokens")


def serve(
    config: str = typer.Option(
        None, "--config", "-c", help="TOML file or bundled config name (default: the bundled one)."
    ),
    strategy: str = typer.Option(None, "--strategy", "-s", help="Strategy name."),
    data: str = typer.Option(None, "--data", "-d", help="Dataset replayed as the feed."),
    host: str = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default 8321; 0: any free port)."),
    allow_remote: bool = typer.Option(
        False, "--allow-remote", help="Allow a non-loopback --host (needs both tokens set)."
    ),
    journal: str = typer.Option(
        None, "--journal", help="Journal URL (default: a new one in a temporary directory)."
    ),
    speed: float = typer.Option(
        1.0, "--speed", help="Replay speed: 1 real time, 10 ten times faster, 0 no waiting."
    ),
    live: bool = typer.Option(
        False, "--live", help="With [live] in the config: trade for real instead of paper."
    ),
    confirm: bool = typer.Option(
        False, "--i-understand-this-trades-real-money", help="Required with --live."
    ),
    token_file: Path = typer.Option(
        DEFAULT_TOKEN_FILE,
        "--token-file",
        help="Where generated tokens are kept (mode 0600) when none are configured.",
    ),
    run_for: float = typer.Option(None, "--run-for", help="Stop a live-feed run after N s."),
) -> None:
    """Run the engine (paper by default) and serve the REST/WebSocket API, the browser
    dashboard (/dashboard/) and Prometheus metrics (/metrics) on loopback. With no config it
    replays the bundled default dataset in a paper session. Tokens: PYTHIA_READ_TOKEN and
    PYTHIA_CONTROL_TOKEN, or [serve] in the config, or generated into --token-file."""
    from pythia.service.api import DASHBOARD_DIR, build_server, create_app
    from pythia.service.api_security import check_bind, ensure_tokens, resolve_tokens
    from pythia.service.backtest import load_settings
    from pythia.service.notify import Notifier
    from pythia.service.session import ServeSession

    if speed < 0:
        fail(ConfigError("--speed must be 0 or more"))
    if live and not confirm:
        fail(ConfigError("--live trades real money: add --i-understand-this-trades-real-money"))
    try:
        settings = load_settings(Path(config) if config else None, strategy, data)
        if live and settings.live is None:
            raise ConfigError("--live needs a [live] section in the config")
        updates = {"allow_remote": allow_remote or settings.serve.allow_remote}
        if host is not None:
            updates["host"] = host
        if port is not None:
            updates["port"] = port
        api = resolve_tokens(settings.serve.model_copy(update=updates), os.environ)
        check_bind(api)
        read_token, control_token = ensure_tokens(api, token_file)
        journal_url = journal or _fresh_journal()
        session = ServeSession(
            settings,
            journal_url=journal_url,
            speed=speed,
            mode="live" if live else "paper",
            run_for_s=run_for,
            confirmed=confirm,
        )
        notifier = Notifier(settings.notify, summary=session.hub.summary)
        if settings.notify.urls:
            notifier.start()
            session.hub.subscribe(notifier.publish)
        app = create_app(
            session.hub, read_token, control_token, api.cors_origins, dashboard_dir=DASHBOARD_DIR
        )
        server = build_server(app, api.host, api.port)
        listener = _bind(api.host, api.port)
        session.start()
    except (ConfigError, DataError, PythiaError) as error:
        fail(error)
    where = session.hub.health()["journal"]["url"]
    typer.echo(f"pythia serve: {session.mode} session, journal {where}")
    bound_port = listener.getsockname()[1]
    shown = "127.0.0.1" if api.host in ("0.0.0.0", "::") else api.host
    typer.echo(f"dashboard: http://{shown}:{bound_port}/dashboard/ (sign in with a token)")
    if api.read_token is None or api.control_token is None:
        typer.echo(f"tokens: in {token_file.resolve()} (PYTHIA_READ_TOKEN, PYTHIA_CONTROL_TOKEN)")
    try:
        _run_until_signal(server, listener)
    finally:
        session.stop()
        if settings.notify.urls:
            notifier.close()
    typer.echo(f"stopped: {session.hub.health()['status']}")


def _run_until_signal(server, listener: socket.socket) -> None:
    """Serve until SIGINT / SIGTERM, then return (uvicorn would re-raise the signal after
    its shutdown, killing the process before the engine stops gracefully)."""

    def handle(number, frame) -> None:
        server.should_exit = True

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    server.capture_signals = contextlib.nullcontext
    try:
        server.run(sockets=[listener])
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one), for uvicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    listener.listen(128)
    return listener


def _fresh_journal() -> str:
    directory = Path(tempfile.mkdtemp(prefix="pythia-serve-"))
    return f"sqlite:///{directory / 'journal.db'}"
