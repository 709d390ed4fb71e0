"""``pythia record``: write a venue's raw market data, as received, for replay."""

from __future__ import annotations

from pathlib import Path

import typer

from pythia.cli.output import fail, print_json
from pythia.core.errors import ConfigError, PythiaError

DEFAULT_WS = {
    "polymarket": "wss://ws-subscriptions-clob.polymarket.com/ws/market",
    "kalshi": "wss://api.elections.kalshi.com/trade-api/ws/v2",
    "binance": "wss://stream.binance.com:9443",
    "betfair": "tls://stream-api.betfair.com:443",
}
DEFAULT_REST = {"binance": "https://api.binance.com", "betfair": "https://api.betfair.com"}


def record(
    venue: str = typer.Option(..., "--venue", help="polymarket, kalshi, binance or betfair."),
    instruments: str = typer.Option(
        ..., "--instruments", help="Comma-separated venue ids: token ids or market tickers."
    ),
    out: Path = typer.Option(..., "--out", help="Directory of the hourly capture files."),
    ws_url: str = typer.Option(None, "--ws-url", help="WebSocket URL (default: the venue's)."),
    rest_url: str = typer.Option(
        None, "--rest-url", help="REST base for depth snapshots (binance; default the venue's)."
    ),
    run_for: float = typer.Option(None, "--run-for", help="Stop after this many seconds."),
) -> None:
    """Record raw WebSocket frames with receive timestamps (`<ns> <frame>` lines, one file
    per UTC hour); `pythia data import VENUE FILES --out DIR` reads them. Ctrl-C stops."""
    import asyncio
    import signal

    from pythia.service.record import record as run_record

    ids = [i.strip() for i in instruments.split(",") if i.strip()]
    if not ids:
        fail(ConfigError("--instruments: give at least one id"))
    if venue not in DEFAULT_WS:
        fail(ConfigError(f"--venue: use one of {', '.join(DEFAULT_WS)}"))

    async def main():
        from pythia.service.record import record_betfair

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        if venue == "betfair":
            return await record_betfair(
                rest_url or DEFAULT_REST[venue],
                ws_url or DEFAULT_WS[venue],
                ids,
                out,
                run_for,
                stop,
            )
        return await run_record(
            venue,
            ws_url or DEFAULT_WS[venue],
            ids,
            out,
            run_for,
            stop,
            rest_url=rest_url or DEFAULT_REST.get(venue),
        )

    try:
        stats = asyncio.run(main())
    except PythiaError as error:
        fail(error)
    print_json({"frames": stats.frames, "reconnects": stats.reconnects, "files": stats.files})
