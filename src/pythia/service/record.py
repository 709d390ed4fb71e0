"""``pythia record``: raw market-data captures, exactly as received, for later replay.

Each WebSocket frame is written as one line, ``<receive time ns> <frame text>``: the text is
the venue's own, unchanged. That is the capture format ``pythia data import`` reads for the
venue. Files rotate every UTC hour (``<venue>-YYYYMMDDTHH.jsonl`` in the output directory),
and every line is flushed as it is written, so a crash loses at most the frame being
written. The connection is re-established with exponential backoff and jitter when it
drops; after a reconnect the venue sends fresh snapshots, which the importer's sync rules
take as a new starting point.

Subscriptions (``instruments`` in the venue's own ids):

- ``polymarket``: the market channel, ``{"assets_ids": [...], "type": "market"}`` (token ids);
- ``kalshi``: ``orderbook_delta`` for market tickers, over a signed handshake (credentials
  from the environment, as for trading);
- ``binance``: one symbol's combined stream (``depth@100ms``, ``trade``, ``bookTicker``:
  the streams are named in the URL), plus a REST depth snapshot (``lastUpdateId``) written
  as a line after each connect, the starting point of the importer's sync rules. One
  symbol a run: a snapshot line does not name its symbol;
- ``betfair``: the Exchange Stream (``tcp://host:port`` or ``tls://host:port``) after a
  betfairlightweight login at ``rest_url``; every CRLF-delimited message is written, and
  the importer reads the ``mcm`` ones (their time is Betfair's ``pt``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from pythia.core.errors import ConfigError
from pythia.venues.backoff import Backoff

RECORDABLE = ("polymarket", "kalshi", "binance", "betfair")


@dataclass
class RecordStats:
    frames: int = 0
    reconnects: int = 0
    files: list[str] = field(default_factory=list)


def hour_file(out: Path, venue: str, ts_ns: int) -> Path:
    stamp = time.strftime("%Y%m%dT%H", time.gmtime(ts_ns // 1_000_000_000))
    return out / f"{venue}-{stamp}.jsonl"


def _subscription(venue: str, instruments: list[str]) -> tuple[dict | None, dict[str, str]]:
    """The subscribe message (None: the URL names the streams) and handshake headers."""
    if venue == "binance":
        if len(instruments) != 1:
            raise ConfigError("binance: record one symbol a run (snapshots do not name it)")
        return None, {}
    if venue == "polymarket":
        return {"assets_ids": instruments, "type": "market"}, {}
    if venue == "kalshi":
        return (
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["orderbook_delta"], "market_tickers": instruments},
            },
            {},
        )
    raise ConfigError(f"cannot record {venue!r}: use one of {', '.join(RECORDABLE)}")


def _kalshi_headers(url: str) -> dict[str, str]:
    from pythia.venues.kalshi.signing import auth_headers, load_credentials

    return auth_headers(load_credentials(), "GET", urlsplit(url).path)


def binance_stream_url(ws_base: str, symbol: str) -> str:
    name = symbol.lower()
    streams = "/".join(f"{name}@{kind}" for kind in ("depth@100ms", "trade", "bookTicker"))
    return f"{ws_base.rstrip('/')}/stream?streams={streams}"


class _Recorder:
    """Files, counters, the stop signal and the reconnect loop every venue shares."""

    def __init__(self, venue: str, out: Path, run_for_s, stop, seed: int) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.venue, self.out = venue, out
        self.stats = RecordStats()
        self.stop = stop or asyncio.Event()
        if run_for_s is not None:
            asyncio.get_running_loop().call_later(run_for_s, self.stop.set)
        self.rng = random.Random(seed)
        self.backoff = Backoff(base_s=0.5, max_s=30.0)
        self._handle = None
        self._current: Path | None = None

    def write(self, text: str) -> None:
        """Append ``<now ns> <text>`` to this hour's file (opening it when the hour turns)."""
        now = time.time_ns()
        path = hour_file(self.out, self.venue, now)
        if path != self._current:
            if self._handle is not None:
                self._handle.close()
            self._handle = path.open("a", encoding="utf-8")
            self._current = path
            self.stats.files.append(str(path))
        self._handle.write(f"{now} {text}\n")
        self._handle.flush()
        self.stats.frames += 1

    async def next(self, awaitable):
        """The awaitable's result, or None once recording is told to stop."""
        item = asyncio.ensure_future(awaitable)
        stopped = asyncio.ensure_future(self.stop.wait())
        done, _ = await asyncio.wait({item, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if item not in done:
            item.cancel()
            return None
        return item.result()

    async def run(self, connection, errors: tuple[type[BaseException], ...]) -> RecordStats:
        """Run ``await connection()`` (one connection's worth of recording) until stopped,
        reconnecting with backoff and jitter when it ends or fails with ``errors``."""
        attempt = 0
        try:
            while not self.stop.is_set():
                try:
                    if await connection():
                        attempt = 0  # it got data: the next drop starts the backoff over
                except errors:
                    pass
                if self.stop.is_set():
                    break
                self.stats.reconnects += 1
                await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
                attempt += 1
        finally:
            if self._handle is not None:
                self._handle.close()
        return self.stats


async def record(
    venue: str,
    ws_url: str,
    instruments: list[str],
    out: Path,
    run_for_s: float | None = None,
    stop: asyncio.Event | None = None,
    seed: int = 0,
    rest_url: str | None = None,
) -> RecordStats:
    """Record ``venue``'s frames for ``instruments`` into ``out`` until ``stop`` is set or
    ``run_for_s`` passes (Binance also needs ``rest_url`` for its depth snapshots)."""
    message, headers = _subscription(venue, instruments)
    if venue == "binance":
        if not rest_url:
            raise ConfigError("binance: recording needs the REST URL for depth snapshots")
        ws_url = binance_stream_url(ws_url, instruments[0])
    recorder = _Recorder(venue, out, run_for_s, stop, seed)

    async with aiohttp.ClientSession() as session:

        async def connection() -> bool:
            wanted = _kalshi_headers(ws_url) if venue == "kalshi" else headers
            async with session.ws_connect(ws_url, headers=wanted, heartbeat=10) as ws:
                if message is not None:
                    await ws.send_str(json.dumps(message))
                if venue == "binance":
                    recorder.write(await _binance_snapshot(session, rest_url, instruments[0]))
                got = False
                while (frame := await recorder.next(ws.receive())) is not None:
                    if frame.type is not aiohttp.WSMsgType.TEXT:
                        break  # closed or an error: reconnect
                    recorder.write(frame.data)
                    got = True
                return got

        return await recorder.run(connection, (TimeoutError, aiohttp.ClientError, OSError))


async def _binance_snapshot(session: aiohttp.ClientSession, rest_url: str, symbol: str) -> str:
    url = f"{rest_url.rstrip('/')}/api/v3/depth"
    async with session.get(url, params={"symbol": symbol.upper(), "limit": "1000"}) as answer:
        text = await answer.text()
        if answer.status != 200:
            raise aiohttp.ClientError(f"depth snapshot: HTTP {answer.status}")
        return text


BETFAIR_FIELDS = ["EX_ALL_OFFERS", "EX_TRADED", "EX_TRADED_VOL", "EX_LTP", "EX_MARKET_DEF"]


async def record_betfair(
    rest_url: str,
    stream_url: str,
    markets: list[str],
    out: Path,
    run_for_s: float | None = None,
    stop: asyncio.Event | None = None,
    seed: int = 0,
) -> RecordStats:
    """Record the Betfair Exchange Stream of ``markets`` (see the module doc)."""
    import ssl

    from pythia.venues.betfair.auth import load_credentials
    from pythia.venues.betfair.execution import login

    scheme, _, address = stream_url.partition("://")
    host, _, port = address.rpartition(":")
    if scheme not in ("tcp", "tls") or not host or not port.isdigit():
        raise ConfigError(f"betfair stream address {stream_url!r}: use tcp://host:port or tls://")
    credentials = load_credentials()
    client = await asyncio.to_thread(login, credentials, rest_url)
    recorder = _Recorder("betfair", out, run_for_s, stop, seed)
    requests = [
        {"op": "authentication", "id": 1, "appKey": credentials.app_key,
         "session": client.session_token},
        {"op": "marketSubscription", "id": 2, "marketFilter": {"marketIds": markets},
         "marketDataFilter": {"fields": BETFAIR_FIELDS}},
    ]  # fmt: skip

    async def connection() -> bool:
        context = ssl.create_default_context() if scheme == "tls" else None
        reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
        try:
            for request in requests:
                writer.write((json.dumps(request) + "\r\n").encode())
            await writer.drain()
            got = False
            while (line := await recorder.next(reader.readline())) is not None:
                if not line:
                    break  # the venue closed the connection: reconnect
                recorder.write(line.decode("utf-8", "replace").rstrip("\r\n"))
                got = True
            return got
        finally:
            writer.close()

    return await recorder.run(connection, (OSError, TimeoutError))
