"""Betfair Exchange Stream client: market books (``mcm``) and our orders (``ocm``).

The socket protocol is ``betfairlightweight``'s :class:`~betfairlightweight.streaming.
BetfairStream` (connection, authentication, subscriptions, heartbeat, CRLF framing), run in a
worker thread; its listener hands every line to the event loop, where :class:`StreamParser`
(:mod:`.stream`) turns market changes into Pythia market events and
:class:`~.execution.OrderChangeTracker` turns order changes into fills and order updates.
betfairlightweight's own caches are not used.

``BetfairStream`` always connects with TLS to port 443 of a named Betfair host
(``HOSTS[...]``; an unknown name falls back to the production host). :class:`AddressedStream`
overrides ``_create_socket`` to connect to the address of the feed's URL:
``tcp://host:port`` is a plain socket (the loopback emulator), ``tls://host:port`` (default
port 443) is TLS with certificate verification (betfairlightweight itself does not verify).

- **Reconnects** with exponential backoff and jitter (seeded ``rng``); the subscriptions are
  renewed with the last ``initialClk`` / ``clk`` so Betfair can resume, and every market is
  unsynced (``"disconnected"``) until its next image.
- **Heartbeats**: the subscription asks Betfair for ``heartbeatMs`` heartbeats, and the
  client sends ``heartbeat`` requests every ``heartbeat_s``.
- **Stale feed**: no message for ``stale_after_s`` unsyncs every market (``"stale"``) and
  reconnects.
- **Gaps**: the stream has no sequence numbers; a market change that cannot be applied
  (values off the ladder, say), a delta for a market without an image, or a degraded stream
  (``status`` 503 on ``mcm``) counts as a gap, unsyncs the market and resubscribes without
  ``clk`` (a fresh image).
- **Malformed lines** (not JSON, not a stream message) are counted in ``parse_errors`` and
  skipped; never fatal.
- **Refused credentials** (``INVALID_APP_KEY``, ``INVALID_SESSION_INFORMATION``, ...) end the
  iteration with ``VenueError``.

>>> feed = BetfairFeed(client, ["1.197931750"], url="tcp://127.0.0.1:9000")  # doctest: +SKIP
>>> async with feed:  # doctest: +SKIP
...     async for item in feed:
...         kernel.on_event(item)
"""

from __future__ import annotations

import asyncio
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from betfairlightweight.streaming import BaseListener, BetfairStream

from pythia.core.errors import ConfigError, DataError, VenueError
from pythia.model.events import MarketEvent
from pythia.model.execution import FillReport, OrderUpdate
from pythia.venues.backoff import Backoff
from pythia.venues.betfair.execution import OrderChangeTracker, RefLookup
from pythia.venues.betfair.parse import MalformedMessage, decode_message, decode_order_message
from pythia.venues.betfair.stream import StreamParser
from pythia.venues.betfair.wire import MarketCatalogue, StreamMessage

DEFAULT_STREAM_URL = "tls://stream-api.betfair.com:443"
MARKET_FIELDS = ["EX_ALL_OFFERS", "EX_TRADED", "EX_TRADED_VOL", "EX_LTP", "EX_MARKET_DEF"]
AUTH_ERRORS = frozenset(
    {"NO_APP_KEY", "INVALID_APP_KEY", "NO_SESSION", "INVALID_SESSION_INFORMATION", "NOT_AUTHORIZED"}
)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A market's books went out of sync (``synced`` False) or came back (True).

    ``reason``: ``gap``, ``stale``, ``disconnected`` (out) or ``image`` (back)."""

    market_id: str
    synced: bool
    reason: str
    ts_ns: int

    @property
    def market_ticker(self) -> str:
        """The market id under the name the live service reads."""
        return self.market_id


FeedItem = MarketEvent | FillReport | OrderUpdate | FeedStatus


@dataclass
class FeedCounters:
    messages: int = 0
    gaps: int = 0
    reconnects: int = 0
    parse_errors: int = 0
    stale: int = 0
    heartbeats: int = 0
    """HEARTBEAT messages received."""
    status_errors: int = 0
    """``status`` FAILURE answers from the venue."""


def stream_address(url: str) -> tuple[str, int, bool]:
    """``tcp://host:port`` (plain) or ``tls://host[:port]`` -> (host, port, use TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "tls", "ssl") or not parts.hostname:
        raise ConfigError(f"Betfair stream URL {url!r}: use tcp://host:port or tls://host:port")
    use_tls = parts.scheme != "tcp"
    port = parts.port or (443 if use_tls else None)
    if port is None:
        raise ConfigError(f"Betfair stream URL {url!r} needs a port")
    return parts.hostname, port, use_tls


class AddressedStream(BetfairStream):
    """``BetfairStream`` connecting to a given host and port, with or without TLS."""

    def __init__(self, listener, app_key, session_token, address, timeout_s: float) -> None:
        super().__init__(0, listener, app_key, session_token, timeout_s, 65536, None)
        self.host, self.port, self.use_tls = address

    def _create_socket(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        if self.use_tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(self.timeout)
        return sock

    def _send(self, message: dict) -> None:
        if not self._running and message.get("op") == "heartbeat":
            return  # never reconnect behind the feed's back
        super()._send(message)


class _Forwarder(BaseListener):
    """A listener that hands each line to ``deliver`` (betfairlightweight's caches unused)."""

    def __init__(self, deliver: Callable[[str], None]) -> None:
        super().__init__()
        self.deliver = deliver

    def register_stream(self, unique_id: int, operation: str) -> None:
        self.stream_unique_id, self.stream_type = unique_id, operation

    def update_unique_id(self, unique_id: int) -> None:
        self.stream_unique_id = unique_id

    def on_data(self, raw_data: str) -> None:
        for line in raw_data.split("\r\n"):
            if line:
                self.deliver(line)


_CLOSED = object()


@dataclass(frozen=True, slots=True)
class _Failure:
    error: Exception


class BetfairFeed:
    """The stream client; iterate it (``async for``) for :data:`FeedItem` values.

    ``client`` is a logged-in ``betfairlightweight.APIClient`` (its ``app_key`` and current
    ``session_token`` authenticate every connection). ``orders`` adds the order stream.
    """

    def __init__(
        self,
        client,
        market_ids: Iterable[str],
        *,
        url: str = DEFAULT_STREAM_URL,
        orders: bool = False,
        catalogues: Mapping[str, MarketCatalogue] | None = None,
        ref_lookup: RefLookup | None = None,
        backoff: Backoff = Backoff(base_s=0.5, max_s=30.0),
        rng: random.Random | None = None,
        heartbeat_s: float = 5.0,
        stale_after_s: float = 15.0,
        conflate_ms: int | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.client = client
        self.market_ids = list(dict.fromkeys(market_ids))
        self.address = stream_address(url)
        self.orders = orders
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.conflate_ms = conflate_ms
        self.clock_ns = clock_ns
        self.counters = FeedCounters()
        lookup = dict(catalogues or {})
        self.parser = StreamParser(lookup.get)
        self.tracker = OrderChangeTracker(ref_lookup)
        self.connection_id: str | None = None
        self.clks: dict[str, tuple[str | None, str | None]] = {}
        """Subscription (``market`` / ``order``) -> (initialClk, clk) to resume from."""
        self.connected = asyncio.Event()
        self._synced: set[str] = set()
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._stream: AddressedStream | None = None
        self._generation = 0
        self._last_message = 0.0
        self._fatal: Exception | None = None
        self._closing = False

    # ---- public ---------------------------------------------------------------------------
    async def __aenter__(self) -> BetfairFeed:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> BetfairFeed:
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
        if self._stream is not None:
            self._stream.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._queue.put_nowait(_CLOSED)

    def is_synced(self, market_id: str) -> bool:
        return market_id in self._synced

    def drop_connection(self) -> None:
        """Close the current connection (tests and operators); the feed reconnects."""
        if self._stream is not None:
            self._stream.stop()

    # ---- connection loop ------------------------------------------------------------------
    async def _run(self) -> None:
        from betfairlightweight.exceptions import BetfairError

        attempt = 0
        loop = asyncio.get_running_loop()
        while not self._closing:
            self._generation += 1
            generation = self._generation
            imaged_before = self.counters.messages

            def deliver(line: str, generation=generation) -> None:
                loop.call_soon_threadsafe(self._on_line, generation, line)

            stream = AddressedStream(
                _Forwarder(deliver),
                self.client.app_key,
                self.client.session_token,
                self.address,
                max(self.stale_after_s * 2, 5.0),
            )
            self._stream = stream
            self._last_message = time.monotonic()
            helpers = [
                loop.create_task(self._watch(stream)),
                loop.create_task(self._heartbeat(stream)),
            ]
            try:
                await asyncio.to_thread(self._serve, stream)
            except (BetfairError, OSError):
                pass
            finally:
                for task in helpers:
                    task.cancel()
                stream.stop()
                self.connected.clear()
            if self._fatal is not None:
                self._queue.put_nowait(_Failure(self._fatal))
                return
            if self._closing:
                return
            self._unsync(self.market_ids, "disconnected")
            attempt = 0 if self.counters.messages > imaged_before + 2 else attempt + 1
            self.counters.reconnects += 1
            await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))

    def _serve(self, stream: AddressedStream) -> None:
        """One connection (worker thread): subscribe, then read until it ends."""
        initial, clk = self.clks.get("market", (None, None))
        stream.subscribe_to_markets(
            market_filter={"marketIds": self.market_ids},
            market_data_filter={"fields": MARKET_FIELDS},
            initial_clk=initial,
            clk=clk,
            conflate_ms=self.conflate_ms,
            heartbeat_ms=int(self.heartbeat_s * 1000),
        )
        if self.orders:
            initial, clk = self.clks.get("order", (None, None))
            stream.subscribe_to_orders(
                initial_clk=initial, clk=clk, heartbeat_ms=int(self.heartbeat_s * 1000)
            )
        self.connected.set()
        stream.start()

    async def _watch(self, stream: AddressedStream) -> None:
        """Stale-feed detector: nothing for ``stale_after_s`` -> unsync and reconnect."""
        while True:
            await asyncio.sleep(self.stale_after_s / 4)
            if time.monotonic() - self._last_message > self.stale_after_s:
                self.counters.stale += 1
                self._unsync(self.market_ids, "stale")
                stream.stop()
                return

    async def _heartbeat(self, stream: AddressedStream) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if stream.running:
                try:
                    await asyncio.to_thread(stream.heartbeat)
                except Exception:  # noqa: BLE001 - a dying socket: the read loop reports it
                    return

    # ---- messages -------------------------------------------------------------------------
    def _emit(self, item: FeedItem) -> None:
        self._queue.put_nowait(item)

    def _unsync(self, market_ids: Iterable[str], reason: str) -> None:
        now = self.clock_ns()
        for market_id in market_ids:
            if market_id in self._synced:
                self._synced.discard(market_id)
                self._emit(FeedStatus(market_id, False, reason, now))

    def _resync(self, market_ids: Iterable[str]) -> None:
        """A gap: unsync, forget the clocks (a fresh image) and reconnect."""
        self.counters.gaps += 1
        self._unsync(market_ids, "gap")
        self.clks.pop("market", None)
        if self._stream is not None:
            self._stream.stop()

    def _on_line(self, generation: int, line: str) -> None:
        if generation != self._generation or self._closing:
            return
        self._last_message = time.monotonic()
        self.counters.messages += 1
        try:
            message = decode_message(line)
        except MalformedMessage:
            self.counters.parse_errors += 1
            return
        if message.op == "connection":
            self.connection_id = message.connectionId
        elif message.op == "status":
            self._on_status(message)
        elif message.op == "ocm":
            self._on_orders(line)
        elif message.op == "mcm":
            self._on_market(message, line)
        else:
            self.counters.parse_errors += 1

    def _on_status(self, message: StreamMessage) -> None:
        if message.statusCode != "FAILURE":
            return
        self.counters.status_errors += 1
        if message.errorCode in AUTH_ERRORS:
            self._fatal = VenueError(f"Betfair stream refused the session: {message.errorCode}")

    def _remember_clk(self, name: str, message) -> None:
        initial, clk = self.clks.get(name, (None, None))
        self.clks[name] = (message.initialClk or initial, message.clk or clk)

    def _on_market(self, message: StreamMessage, line: str) -> None:
        if message.ct == "HEARTBEAT":
            self.counters.heartbeats += 1
            self._remember_clk("market", message)
            return
        touched = [change.id for change in message.mc]
        if message.status not in (None, 200):
            self._resync(touched or self.market_ids)
            return
        if any(not c.img and c.id not in self._synced for c in message.mc):
            self._resync(touched)
            return
        try:
            events = self.parser.parse(line)
        except DataError:
            self.counters.parse_errors += 1
            self._resync(touched)
            return
        self._remember_clk("market", message)
        for event in events:
            self._emit(event)
        now = self.clock_ns()
        for change in message.mc:
            if change.img and change.id not in self._synced:
                self._synced.add(change.id)
                self._emit(FeedStatus(change.id, True, "image", now))

    def _on_orders(self, line: str) -> None:
        try:
            message = decode_order_message(line)
            items = self.tracker.apply(message, self.clock_ns())
        except DataError:
            self.counters.parse_errors += 1
            return
        self._remember_clk("order", message)
        for item in items:
            self._emit(item)
