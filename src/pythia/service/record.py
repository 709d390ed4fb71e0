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
    out.mkdir(parents=True, exist_ok=True)
    stats = RecordStats()
    stop = stop or asyncio.Event()
    if run_for_s is not None:
        asyncio.get_running_loop().call_later(run_for_s, stop.set)
    rng = random.Random(seed)
    delay = 0.5
    handle = None
    current: Path | None = None
    try:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    if venue == "kalshi":
                        headers = _kalshi_headers(ws_url)
                    async with session.ws_connect(ws_url, headers=headers, heartbeat=10) as ws:
                        if message is not None:
                            await ws.send_str(json.dumps(message))
                        if venue == "binance":
                            snapshot = await _binance_snapshot(session, rest_url, instruments[0])
                            handle, current = write_line(
                                out, venue, snapshot, handle, current, stats
                            )
                        delay = 0.5
                        while not stop.is_set():
                            receive = asyncio.ensure_future(ws.receive())
                            stopped = asyncio.ensure_future(stop.wait())
                            done, _ = await asyncio.wait(
                                {receive, stopped}, return_when=asyncio.FIRST_COMPLETED
                            )
                            stopped.cancel()
                            if receive not in done:
                                receive.cancel()
                                break
                            frame = receive.result()
                            if frame.type is not aiohttp.WSMsgType.TEXT:
                                break  # closed or an error: reconnect
                            handle, current = write_line(
                                out, venue, frame.data, handle, current, stats
                            )
                except (TimeoutError, aiohttp.ClientError, OSError):
                    pass
                if stop.is_set():
                    break
                stats.reconnects += 1
                await asyncio.sleep(delay * (0.5 + rng.random()))
                delay = min(delay * 2, 30.0)
    finally:
        if handle is not None:
            handle.close()
    return stats


def write_line(out: Path, venue: str, text: str, handle, current: Path | None, stats: RecordStats):
    """Append ``<now ns> <text>`` to this hour's file (opening it when the hour turns)."""
    now = time.time_ns()
    path = hour_file(out, venue, now)
    if path != current:
        if handle is not None:
            handle.close()
        handle = path.open("a", encoding="utf-8")
        current = path
        stats.files.append(str(path))
    handle.write(f"{now} {text}\n")
    handle.flush()
    stats.frames += 1
    return handle, current


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
    out.mkdir(parents=True, exist_ok=True)
    stats = RecordStats()
    stop = stop or asyncio.Event()
    if run_for_s is not None:
        asyncio.get_running_loop().call_later(run_for_s, stop.set)
    rng = random.Random(seed)
    delay = 0.5
    handle = None
    current: Path | None = None
    requests = [
        {"op": "authentication", "id": 1, "appKey": credentials.app_key,
         "session": client.session_token},
        {"op": "marketSubscription", "id": 2, "marketFilter": {"marketIds": markets},
         "marketDataFilter": {"fields": BETFAIR_FIELDS}},
    ]  # fmt: skip
    try:
        while not stop.is_set():
            writer = None
            try:
                context = ssl.create_default_context() if scheme == "tls" else None
                reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
                for request in requests:
                    writer.write((json.dumps(request) + "\r\n").encode())
                await writer.drain()
                delay = 0.5
                while not stop.is_set():
                    read = asyncio.ensure_future(reader.readline())
                    stopped = asyncio.ensure_future(stop.wait())
                    done, _ = await asyncio.wait(
                        {read, stopped}, return_when=asyncio.FIRST_COMPLETED
                    )
                    stopped.cancel()
                    if read not in done:
                        read.cancel()
                        break
                    line = read.result()
                    if not line:
                        break  # the venue closed the connection: reconnect
                    text = line.decode("utf-8", "replace").rstrip("\r\n")
                    handle, current = write_line(out, "betfair", text, handle, current, stats)
            except (OSError, TimeoutError):
                pass
            finally:
                if writer is not None:
                    writer.close()
            if stop.is_set():
                break
            stats.reconnects += 1
            await asyncio.sleep(delay * (0.5 + rng.random()))
            delay = min(delay * 2, 30.0)
    finally:
        if handle is not None:
            handle.close()
    return stats
