"""Async Kalshi WebSocket client: order books with ``seq`` checking, fills, order updates.

``KalshiFeed`` connects (signed handshake when credentials are given), subscribes its
tickers and yields, in arrival order, :data:`FeedItem` values: market events parsed by
:func:`pythia.venues.kalshi.parse.parse_ws` (``BookSnapshot``/``BookDelta`` pairs of the YES and
NO tokens, carrying the frame's ``seq``; ``Trade`` on the ``trade`` channel), ``FillReport``
and ``OrderUpdate`` on the private ``fill`` and ``user_orders`` channels, and
:class:`FeedStatus` when a market's book goes out of sync or back in.

- **Sequencing**: every frame of a subscription must carry the previous ``seq`` + 1
  (:class:`~pythia.venues.kalshi.sync.SequenceTracker`). A break marks the subscription's
  markets unsynced (``FeedStatus(synced=False, reason="gap")``), drops their deltas,
  unsubscribes and subscribes again; the new snapshot brings them back (``"snapshot"``).
- **Reconnects** with exponential backoff and jitter from the seeded ``rng``; every
  market is unsynced (``"disconnected"``) until its new snapshot.
- **Heartbeats**: WebSocket pings every ``heartbeat_s`` (a missing pong closes the
  connection); Kalshi's own pings are answered automatically.
- **Stale feed**: no frame for ``stale_after_s`` unsyncs every market (``"stale"``) and
  reconnects.
- **Refused credentials** (HTTP 401/403 at the handshake) end the iteration with
  ``VenueError``; other connection failures are retried.
- **Malformed frames** are counted in ``parse_errors`` and skipped; a malformed book frame
  counts as lost, so the next frame shows the break and the book is resynced.

>>> async with KalshiFeed(["KXELONMARS-99"], credentials=creds, url=url) as feed:  # doctest: +SKIP
...     async for item in feed:
...         kernel.on_event(item)
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import msgspec

from pythia.core.errors import DataError, VenueError
from pythia.model.events import MarketEvent
from pythia.model.execution import FillReport, OrderUpdate
from pythia.model.ticks import TickScheme
from pythia.venues.backoff import Backoff
from pythia.venues.feeds import FeedStatus
from pythia.venues.kalshi import orders as convert
from pythia.venues.kalshi import parse, signing, wire
from pythia.venues.kalshi.sync import SequenceTracker

DEFAULT_WS_URL = "wss://api.elections.kalshi.com/trade-api/ws/v2"
BOOK_CHANNEL = "orderbook_delta"


FeedItem = MarketEvent | FillReport | OrderUpdate | FeedStatus


@dataclass
class FeedCounters:
    messages: int = 0
    gaps: int = 0
    reconnects: int = 0
    parse_errors: int = 0
    resubscribes: int = 0
    stale: int = 0
    dropped_deltas: int = 0
    """Deltas of an out-of-sync market, dropped until its next snapshot."""
    errors: int = 0
    """``error`` frames from the venue."""


_CLOSED = object()


@dataclass(frozen=True, slots=True)
class _Failure:
    error: Exception


class KalshiFeed:
    """The WebSocket client; iterate it (``async for``) for :data:`FeedItem` values."""

    def __init__(
        self,
        tickers: Iterable[str],
        *,
        credentials: signing.KalshiCredentials | None = None,
        url: str = DEFAULT_WS_URL,
        channels: Iterable[str] = (BOOK_CHANNEL,),
        ticks: Mapping[str, TickScheme] | None = None,
        backoff: Backoff = Backoff(base_s=0.5, max_s=30.0),
        rng: random.Random | None = None,
        heartbeat_s: float = 10.0,
        stale_after_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.tickers = list(dict.fromkeys(tickers))
        self.credentials = credentials
        self.url = url
        self.channels = list(channels)
        self.ticks = dict(ticks or {})
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.connect_timeout_s = connect_timeout_s
        self.clock_ns = clock_ns
        self.counters = FeedCounters()
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tracker = SequenceTracker()
        self._book_sids: dict[int, list[str]] = {}
        self._pending: dict[int, list[str]] = {}
        self._command_ids = itertools.count(1)
        self._fill_ids: set[str] = set()
        self._last_frame = 0.0
        self._closing = False
        self.connected = asyncio.Event()

    # ---- public -------------------------------------------------------------------------------
    async def __aenter__(self) -> KalshiFeed:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> KalshiFeed:
        return self

    async def __anext__(self) -> FeedItem:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        if isinstance(item, _Failure):
            raise item.error
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
        if self._session is not None:
            await self._session.close()
        self._queue.put_nowait(_CLOSED)

    def is_synced(self, ticker: str) -> bool:
        return self._tracker.is_synced(ticker)

    async def drop_connection(self) -> None:
        """Close the current connection (tests and operators); the feed reconnects."""
        if self._ws is not None:
            await self._ws.close()

    # ---- connection loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, connect=self.connect_timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)
        attempt = 0
        while not self._closing:
            synced_once = False
            try:
                synced_once = await self._stream()
            except aiohttp.WSServerHandshakeError as error:
                if error.status in (401, 403):
                    text = f"Kalshi refused the WebSocket credentials (HTTP {error.status})"
                    self._queue.put_nowait(_Failure(VenueError(text)))
                    return
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
        """One connection: subscribe, read until it ends; True if a snapshot arrived."""
        headers = {}
        if self.credentials is not None:
            headers = signing.auth_headers(self.credentials, "GET", urlsplit(self.url).path)
        timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self.connect_timeout_s)
        async with self._session.ws_connect(
            self.url, headers=headers, heartbeat=self.heartbeat_s, timeout=timeout
        ) as ws:
            self._ws = ws
            self._tracker = SequenceTracker()
            self._book_sids.clear()
            self._pending.clear()
            self._last_frame = time.monotonic()
            self.connected.set()
            await self._subscribe(self.channels, self.tickers)
            watchdog = asyncio.get_running_loop().create_task(self._watch(ws))
            snapshots = 0
            try:
                async for frame in ws:
                    self._last_frame = time.monotonic()
                    if frame.type is aiohttp.WSMsgType.TEXT:
                        self.counters.messages += 1
                        snapshots += await self._on_frame(frame.data)
                    elif frame.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                        break
            finally:
                watchdog.cancel()
                self._ws = None
            return snapshots > 0

    async def _watch(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Stale-feed detector: no frame for ``stale_after_s`` -> unsync and reconnect."""
        while True:
            await asyncio.sleep(self.stale_after_s / 4)
            if time.monotonic() - self._last_frame > self.stale_after_s:
                self.counters.stale += 1
                self._unsync_all("stale")
                await ws.close()
                return

    async def _subscribe(self, channels: list[str], tickers: list[str]) -> None:
        command_id = next(self._command_ids)
        params: dict = {"channels": channels}
        if tickers:
            params["market_tickers"] = tickers
        if BOOK_CHANNEL in channels:
            self._pending[command_id] = list(tickers)
        command = {"id": command_id, "cmd": "subscribe", "params": params}
        await self._ws.send_str(msgspec.json.encode(command).decode())

    async def _resubscribe(self, sid: int) -> None:
        tickers = self._book_sids.pop(sid, [])
        self.counters.resubscribes += 1
        command = {"id": next(self._command_ids), "cmd": "unsubscribe", "params": {"sids": [sid]}}
        await self._ws.send_str(msgspec.json.encode(command).decode())
        await self._subscribe([BOOK_CHANNEL], tickers)

    # ---- frames ---------------------------------------------------------------------------------
    def _emit(self, item: FeedItem) -> None:
        self._queue.put_nowait(item)

    def _unsync_all(self, reason: str) -> None:
        now = self.clock_ns()
        for ticker in self.tickers:
            if self._tracker.is_synced(ticker):
                self._emit(FeedStatus(ticker, False, reason, now))
        self._tracker = SequenceTracker()

    async def _on_frame(self, raw: str) -> int:
        """Handle one text frame; return 1 for a book snapshot, else 0."""
        now = self.clock_ns()
        try:
            message = wire.ws_any_decoder.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.counters.parse_errors += 1
            return 0
        kind = message.__class__
        if kind is wire.WsSubscribed:
            self._on_subscribed(message)
            return 0
        if kind is wire.WsError:
            self.counters.errors += 1
            return 0
        if kind in wire.WS_CONTROL:
            return 0
        try:
            if kind is wire.WsFill:
                report = convert.fill_report(message.msg, now)
                if report.trade_id not in self._fill_ids:
                    self._fill_ids.add(report.trade_id)
                    self._emit(report)
                return 0
            if kind is wire.WsUserOrder:
                self._emit(convert.user_order_update(message.msg, now))
                return 0
            if kind in (wire.WsOrderbookSnapshot, wire.WsOrderbookDelta):
                return await self._on_book(message, now)
            for event in parse.parse_ws(message, now, self.ticks.get(message.msg.market_ticker)):
                self._emit(event)
        except DataError:
            self.counters.parse_errors += 1
        return 0

    def _on_subscribed(self, message: wire.WsSubscribed) -> None:
        body = message.msg if isinstance(message.msg, dict) else {}
        if body.get("channel") == BOOK_CHANNEL and message.id in self._pending:
            self._book_sids[body["sid"]] = self._pending.pop(message.id)

    async def _on_book(self, message, now: int) -> int:
        sid = message.sid
        tickers = self._book_sids.get(sid)
        if tickers is None:
            return 0  # a subscription we left (after a gap) or never made
        ticker = message.msg.market_ticker
        events = parse.parse_ws(message, now, self.ticks.get(ticker))  # DataError: frame lost
        tracker = self._tracker
        synced_before = [t for t in tickers if tracker.is_synced(t)]
        breaks = tracker.sequence_breaks
        is_snapshot = message.__class__ is wire.WsOrderbookSnapshot
        if is_snapshot:
            was_synced = tracker.is_synced(ticker)
            tracker.on_snapshot(sid, message.seq, ticker)
            applied = True
        else:
            applied = tracker.on_delta(sid, message.seq, ticker)
        if tracker.sequence_breaks > breaks:
            self.counters.gaps += 1
            for lost in synced_before:
                if not tracker.is_synced(lost):
                    self._emit(FeedStatus(lost, False, "gap", now))
            await self._resubscribe(sid)
            if not is_snapshot:
                self.counters.dropped_deltas += 1
                return 0
        if not applied:
            self.counters.dropped_deltas += 1
            return 0
        if is_snapshot and not was_synced:
            self._emit(FeedStatus(ticker, True, "snapshot", now))
        for event in events:
            self._emit(event)
        return 1 if is_snapshot else 0
