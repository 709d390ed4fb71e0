"""``pythia emulate VENUE``: a venue-compatible server on loopback replaying a dataset.

Each venue plugs in through :data:`EMULATORS`: a factory taking the opened market data and
the :class:`EmulateOptions` and returning an :class:`EmulatorServer`. The server runs until
Ctrl-C (or ``--run-for`` seconds) and prints its URLs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import typer

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, DataError
from pythia.ports.market_data import MarketDataSource


@dataclass(frozen=True)
class EmulateOptions:
    """What ``pythia emulate`` was asked for; a venue ignores what it has no use for."""

    port: int
    speed: float
    faults: tuple[str, ...]
    public_key: Path | None
    key_id: str | None
    host: str = "127.0.0.1"


class EmulatorServer(Protocol):
    async def start(self) -> None: ...

    def start_replay(self) -> object: ...

    async def stop(self) -> None: ...

    def urls(self) -> dict[str, str]: ...


def _kalshi(source: MarketDataSource, options: EmulateOptions) -> EmulatorServer:
    from pythia.venues.kalshi.emulator import Faults, KalshiEmulator
    from pythia.venues.kalshi.signing import load_public_key

    public_key = None
    if options.public_key is not None:
        try:
            public_key = load_public_key(options.public_key.read_bytes())
        except OSError as error:
            raise ConfigError(f"cannot read --public-key {options.public_key}: {error}") from None
    return KalshiEmulator(
        source,
        public_key=public_key,
        key_id=options.key_id,
        speed=options.speed,
        faults=Faults.parse(options.faults),
        host=options.host,
        port=options.port,
    )


def _polymarket(source: MarketDataSource, options: EmulateOptions) -> EmulatorServer:
    from pythia.venues.polymarket.emulator import create_emulator

    return create_emulator(source, options)


def _betfair(source: MarketDataSource, options: EmulateOptions) -> EmulatorServer:
    """Accepts the login of ``PYTHIA_BETFAIR_USERNAME`` / ``_PASSWORD`` / ``_APP_KEY``;
    ports are chosen at start (REST and stream are printed)."""
    from pythia.venues.betfair.auth import load_credentials
    from pythia.venues.betfair.emulator import BetfairEmulator

    credentials = load_credentials()
    return BetfairEmulator(
        source,
        username=credentials.username,
        password=credentials.password,
        app_key=credentials.app_key,
        speed=options.speed,
        host=options.host,
    )


def _binance(source: MarketDataSource, options: EmulateOptions) -> EmulatorServer:
    """Replays the raw capture files (a bundled Binance dataset or ``binance:FILE,...``);
    signed requests must use ``PYTHIA_BINANCE_API_KEY`` / ``_API_SECRET``."""
    from pythia.venues.binance.auth import load_credentials
    from pythia.venues.binance.emulator import BinanceEmulator, Faults

    paths = getattr(source, "paths", None)
    if not paths:
        raise ConfigError(
            "the Binance emulator replays raw captures: use a bundled dataset"
            " (binance-btcusdt) or binance:FILE[,FILE...]"
        )
    credentials = load_credentials()
    return BinanceEmulator(
        paths,
        api_key=credentials.api_key,
        api_secret=credentials.api_secret,
        speed=options.speed,
        faults=Faults.parse(options.faults),
        host=options.host,
        port=options.port,
    )


EMULATORS: dict[str, Callable[[MarketDataSource, EmulateOptions], EmulatorServer]] = {
    "kalshi": _kalshi,
    "polymarket": _polymarket,
    "betfair": _betfair,
    "binance": _binance,
}
"""Venue name -> factory of its emulator."""


def _open(data: str, venue: str) -> MarketDataSource:
    from pythia.data.catalog import Catalog
    from pythia.service.backtest import open_data

    opened = open_data(data)
    if venue not in opened.venues:
        raise ConfigError(f"dataset {data!r} holds no {venue} data (it has {opened.venues})")
    source = opened.source
    if isinstance(source, Catalog) and len(opened.venues) > 1:
        source = Catalog(source.path, venues=[venue])
    return source


async def _serve(server: EmulatorServer, run_for_s: float, announce: Callable[[], None]) -> None:
    await server.start()
    try:
        announce()
        server.start_replay()
        if run_for_s > 0:
            await asyncio.sleep(run_for_s)
        else:
            await asyncio.Event().wait()
    finally:
        await server.stop()


def emulate(
    venue: str = typer.Argument(..., help=f"Venue to emulate: {', '.join(EMULATORS)}."),
    data: str = typer.Option(
        ..., "--data", "-d", help="Dataset to replay (as for backtest: a catalog directory, ...)."
    ),
    port: int = typer.Option(8765, "--port", "-p", help="TCP port on 127.0.0.1 (0: any free)."),
    speed: float = typer.Option(
        1.0, "--speed", help="Replay speed: 1 real time, 10 ten times faster, 0 no waiting."
    ),
    fault: list[str] = typer.Option(
        [], "--fault", help="Fault switch NAME=VALUE, repeatable (e.g. skip_seq=50)."
    ),
    public_key: Path = typer.Option(
        None, "--public-key", help="PEM public key that signatures must verify against."
    ),
    key_id: str = typer.Option(None, "--key-id", help="Accept only this API key id."),
    run_for: float = typer.Option(0.0, "--run-for", help="Stop after S seconds (0: Ctrl-C)."),
    json_output: bool = typer.Option(False, "--json", help="Print the URLs as JSON."),
) -> None:
    """Serve a venue-compatible API on loopback that replays --data.

    Example: pythia emulate kalshi --data catalog --port 8765 --speed 10 --fault skip_seq=100
    """
    venue = venue.lower()
    factory = EMULATORS.get(venue)
    if factory is None:
        fail(ConfigError(f"no emulator for {venue!r}; known: {', '.join(EMULATORS)}"), json_output)
    options = EmulateOptions(port, speed, tuple(fault), public_key, key_id)
    try:
        server = factory(_open(data, venue), options)
    except (ConfigError, DataError) as error:
        fail(error, json_output)

    def announce() -> None:
        urls = server.urls()
        if json_output:
            print_json({"venue": venue, **urls})
            return
        for name, url in urls.items():
            typer.echo(f"{venue} {name}: {url}")
        if venue == "kalshi" and public_key is None:
            typer.echo("signatures are NOT verified (no --public-key)", err=True)
        typer.echo("Ctrl-C stops the emulator", err=True)

    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_serve(server, run_for, announce))
        except OSError as error:
            fail(f"cannot serve on port {port}: {error.strerror or error}", json_output)
