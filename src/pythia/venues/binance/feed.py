"""Async Binance spot market data: local books from a REST snapshot plus WebSocket diffs.

``BinanceFeed`` subscribes the combined stream ``<symbol>@depth@100ms`` and
``<symbol>@trade`` of its symbols, fetches a depth snapshot (``GET /api/v3/depth``) per
symbol while buffering diffs, and yields, in arrival order, ``BookSnapshot`` / ``BookDelta`` /
``Trade`` events (:mod:`pythia.venues.binance.parse`) and :class:`FeedStatus` when a symbol's
book goes out of sync or comes back. Only diffs that keep the book in sync are yielded, so a
consumer applying them in order holds Binance's book.

- **Sync rules** (:class:`~pythia.venues.binance.sync.SpotDepthSync`): diffs with
  ``u <= lastUpdateId`` are dropped; the first applied diff must straddle the snapshot
  (``U <= lastUpdateId + 1 <= u``); then each ``U`` is the previous ``u + 1``. Anything
  else is a gap: the symbol is unsynced (``"gap"``) and resynced with a fresh snapshot (its
  diffs are buffered meanwhile). A snapshot older than the buffered diffs is a gap as well.
- **Reconnects** with exponential backoff and jitter from the seeded ``rng``; every symbol is
  unsynced (``"disconnected"``) until its new snapshot.
- **Heartbeats**: WebSocket pings every ``heartbeat_s`` (a missing pong closes the
  connection); Binance's own pings are answered automatically.
- **Stale feed**: no message for ``stale_after_s`` unsyncs every symbol (``"stale"``, and
  ``on_status`` is called) and reconnects.
- **Malformed messages** are counted in ``parse_errors`` and skipped; a malformed diff counts
  as lost, so the next diff shows the gap and the book is resynced.

>>> async with BinanceFeed(["BTCUSDT"], rest_url, ws_url) as feed:  # doctest: +SKIP
...     async for item in feed:
...         kernel.on_event(item)
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import aiohttp
import msgspec

from pythia.core.errors import DataError
from pythia.model.events import BookDelta, MarketEvent
from pythia.model.instruments import Instrument
from pythia.ports.market_data import SyncAction
from pythia.venues.backoff import Backoff
from pythia.venues.binance import parse, wire
from pythia.venues.binance.profile import make_instrument
from pythia.venues.binance.sync import SpotDepthSync
from pythia.venues.feeds import FeedStatus

DEFAULT_REST_URL = "https://api.binance.com"
DEFAULT_WS_URL = "wss://stream.binance.com:9443"


FeedItem = MarketEvent | FeedStatus


@dataclass
class FeedCounters:
    messages: int = 0
    gaps: int = 0
    reconnects: int = 0
    parse_errors: int = 0
    snapshots: int = 0
    stale: int = 0
    dropped_diffs: int = 0
    """Diffs at or below the snapshot's ``lastUpdateId``."""


@dataclass
class _Book:
    instrument: Instrument
    sync: SpotDepthSync = field(default_factory=SpotDepthSync)
    synced: bool = False
    buffer: list[BookDelta] | None = field(default_factory=list)
    """Diffs waiting for a snapshot (None when the book is in sync)."""
    task: asyncio.Task | None = None
    last_update_id: int = 0


_CLOSED = object()


class BinanceFeed:
    """The market data client; iterate it (``async for``) for :data:`FeedItem` values."""

    def __init__(
        self,
        symbols: Iterable[str],
        rest_url: str = DEFAULT_REST_URL,
        ws_url: str = DEFAULT_WS_URL,
        *,
        backoff: Backoff = Backoff(base_s=0.5, max_s=30.0),
        rng: random.Random | None = None,
        heartbeat_s: float = 20.0,
        stale_after_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        snapshot_limit: int = 5000,
        on_status: Callable[[FeedStatus], None] | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.symbols = [s.upper() for s in dict.fromkeys(symbols)]
        self.rest_url = rest_url.rstrip("/")
        self.ws_url = ws_url.rstrip("/")
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.connect_timeout_s = connect_timeout_s
        self.snapshot_limit = snapshot_limit
        self.on_status = on_status
        self.clock_ns = clock_ns
        self.counters = FeedCounters()
        self.instruments = {s: make_instrument(s) for s in self.symbols}
        self._books: dict[str, _Book] = {}
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._last_message = 0.0
        self._closing = False
        self.connected = asyncio.Event()

    # ---- public -----------------------------------------------------------------------------
    async def __aenter__(self) -> BinanceFeed:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> BinanceFeed:
        return self

    async def __anext__(self) -> FeedItem:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        return item

    def start(self) -> None:
        """Start connecting in the background (``async with`` does it)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._cancel_snapshots()
        if self._session is not None:
            await self._session.close()
        self._queue.put_nowait(_CLOSED)

    def is_synced(self, symbol: str) -> bool:
        book = self._books.get(symbol.upper())
        return book is not None and book.synced

    def last_update_id(self, symbol: str) -> int:
        """The ``u`` of the last diff (or snapshot) yielded for ``symbol``."""
        book = self._books.get(symbol.upper())
        return book.last_update_id if book is not None else 0

    # ---- connection loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, connect=self.connect_timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)
        attempt = 0
        while not self._closing:
            synced_once = False
            try:
                synced_once = await self._stream()
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            self.connected.clear()
            if self._closing:
                return
            self._unsync_all("disconnected")
            attempt = 0 if synced_once else attempt + 1
            self.counters.reconnects += 1
            await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))

    async def _stream(self) -> bool:
        """One connection; True if a message arrived (the backoff then starts over)."""
        streams = "/".join(f"{s.lower()}@depth@100ms/{s.lower()}@trade" for s in self.symbols)
        timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self.connect_timeout_s)
        url = f"{self.ws_url}/stream?streams={streams}"
        received = False
        async with self._session.ws_connect(url, heartbeat=self.heartbeat_s, timeout=timeout) as ws:
            self._ws = ws
            self._last_message = time.monotonic()
            self.connected.set()
            self._books = {s: _Book(self.instruments[s]) for s in self.symbols}
            for symbol in self.symbols:
                self._resync(symbol)
            watchdog = asyncio.get_running_loop().create_task(self._watch(ws))
            try:
                async for frame in ws:
                    self._last_message = time.monotonic()
                    if frame.type is aiohttp.WSMsgType.TEXT:
                        self.counters.messages += 1
                        received = True
                        self._on_message(frame.data)
                    elif frame.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                        break
            finally:
                watchdog.cancel()
                self._cancel_snapshots()
                self._ws = None
        return received

    async def _watch(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Stale-feed detector: no message for ``stale_after_s`` -> unsync and reconnect."""
        while True:
            await asyncio.sleep(self.stale_after_s / 4)
            if time.monotonic() - self._last_message > self.stale_after_s:
                self.counters.stale += 1
                self._unsync_all("stale")
                await ws.close()
                return

    def _cancel_snapshots(self) -> None:
        for book in self._books.values():
            if book.task is not None:
                book.task.cancel()

    # ---- status -----------------------------------------------------------------------------
    def _emit(self, item: FeedItem) -> None:
        self._queue.put_nowait(item)

    def _status(self, symbol: str, synced: bool, reason: str) -> None:
        status = FeedStatus(symbol, synced, reason, self.clock_ns())
        self._emit(status)
        if self.on_status is not None:
            self.on_status(status)

    def _unsync_all(self, reason: str) -> None:
        for symbol, book in self._books.items():
            if book.synced:
                book.synced = False
                self._status(symbol, False, reason)

    # ---- snapshots --------------------------------------------------------------------------
    def _resync(self, symbol: str) -> None:
        """Buffer the symbol's diffs and fetch a fresh snapshot."""
        book = self._books[symbol]
        if book.buffer is None:
            book.buffer = []
        if book.task is None or book.task.done():
            book.task = asyncio.get_running_loop().create_task(self._snapshot(symbol))

    async def _snapshot(self, symbol: str) -> None:
        url = f"{self.rest_url}/api/v3/depth"
        params = {"symbol": symbol, "limit": str(self.snapshot_limit)}
        attempt = 0
        while True:
            try:
                async with self._session.get(url, params=params) as answer:
                    body = await answer.read()
                    if answer.status == 200:
                        message = wire.snapshot_decoder.decode(body)
                        book = self._books[symbol]
                        event = parse.parse_snapshot(message, book.instrument, self.clock_ns())
                        break
            except (msgspec.DecodeError, msgspec.ValidationError, DataError):
                self.counters.parse_errors += 1
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
            attempt += 1
        self.counters.snapshots += 1
        book = self._books[symbol]
        book.task = None  # this task is ending: a gap in the buffer starts a new one
        buffered, book.buffer = book.buffer or [], None
        book.sync.on_snapshot(event.sequence)
        book.last_update_id = event.sequence
        self._emit(event)
        book.synced = True
        self._status(symbol, True, "snapshot")
        for index, delta in enumerate(buffered):
            self._on_delta(book, delta)
            if book.buffer is not None:  # a gap in the buffer: the next snapshot is coming
                book.buffer.extend(buffered[index + 1 :])
                return

    # ---- messages ---------------------------------------------------------------------------
    def _on_message(self, raw: str) -> None:
        now = self.clock_ns()
        try:
            envelope = wire.envelope_decoder.decode(raw)
            kind = envelope.stream.partition("@")[2]
            if kind.startswith("depth"):
                message = wire.depth_decoder.decode(envelope.data)
                book = self._books.get(message.s)
                if book is None:
                    return
                self._on_delta(book, parse.parse_depth(message, book.instrument, now))
            elif kind == "trade":
                message = wire.trade_decoder.decode(envelope.data)
                instrument = self.instruments.get(message.s)
                if instrument is not None:
                    self._emit(parse.parse_trade(message, instrument, now))
        except (msgspec.DecodeError, msgspec.ValidationError, DataError):
            self.counters.parse_errors += 1

    def _on_delta(self, book: _Book, delta: BookDelta) -> None:
        if book.buffer is not None:
            book.buffer.append(delta)
            return
        action = book.sync.check(delta.first_sequence, delta.sequence, delta.prev_sequence)
        if action == SyncAction.DROP:
            self.counters.dropped_diffs += 1
            return
        if action == SyncAction.GAP:
            self.counters.gaps += 1
            if book.synced:
                book.synced = False
                self._status(book.instrument.symbol, False, "gap")
            book.sync = SpotDepthSync()
            self._resync(book.instrument.symbol)
            book.buffer.append(delta)
            return
        book.last_update_id = delta.sequence
        self._emit(delta)
