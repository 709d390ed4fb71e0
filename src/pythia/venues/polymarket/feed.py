"""Polymarket market data over the market WebSocket, as Pythia market events.

Interface for a live runner (async; everything else stays synchronous)::

    feed = MarketFeed(f"{ws_base}/market", token_ids, on_sync=kernel_marks_book)
    task = asyncio.create_task(feed.run())
    async for event in feed.events():        # BookSnapshot, BookDelta, TopOfBook, Trade,
        kernel.on_market_event(event)        # TickSizeChange, Resolution (parse.py)
    ...
    await feed.stop()

- Assets are split into shards of at most ``max_assets_per_connection``, one connection each;
  each shard subscribes with ``{"assets_ids": [...], "type": "market"}``.
- The feed keeps a light copy of every book to check the venue's ``best_bid``/``best_ask``
  sent with each ``price_change``: a mismatch is a gap (Polymarket has no sequence numbers),
  the asset is marked unsynced and its shard resubscribes for a fresh ``book``.
- ``on_sync(instrument_id, synced)``: False when a book can no longer be trusted (gap,
  disconnect, stale connection), True when a fresh ``book`` arrived.
- Malformed messages are counted (``counters.parse_errors``) and skipped, never fatal;
  reconnects back off exponentially with seeded jitter (``ws.py``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence

from pythia.core.errors import DataError
from pythia.model.events import BookDelta, BookSnapshot, Level, MarketEvent, TopOfBook
from pythia.venues.backoff import Backoff
from pythia.venues.polymarket import parse, wire
from pythia.venues.polymarket.ws import Connection, FeedCounters

SyncCallback = Callable[[str, bool], None]


class _Book:
    """Price -> size per side; enough to check the venue's top of book."""

    __slots__ = ("bids", "asks")

    def __init__(self, snapshot: BookSnapshot) -> None:
        self.bids = dict(snapshot.bids)
        self.asks = dict(snapshot.asks)

    def apply(self, delta: BookDelta) -> None:
        for side, levels in ((self.bids, delta.bids), (self.asks, delta.asks)):
            for price, size in levels:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)

    def top(self) -> tuple[int | None, int | None]:
        return (max(self.bids) if self.bids else None, min(self.asks) if self.asks else None)

    def levels(self) -> tuple[list[Level], list[Level]]:
        """Bids and asks, best first."""
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())


class MarketFeed:
    """Subscribe to ``asset_ids`` (CLOB token ids) on ``url`` (the market channel,
    ``wss://ws-subscriptions-clob.polymarket.com/ws/market`` or an emulator's) and yield
    their market events."""

    def __init__(
        self,
        url: str,
        asset_ids: Sequence[str],
        *,
        max_assets_per_connection: int = 500,
        on_sync: SyncCallback | None = None,
        heartbeat_s: float = 10.0,
        stale_after_s: float = 30.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        custom_features: bool = False,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        if max_assets_per_connection < 1:
            raise ValueError("max_assets_per_connection must be at least 1")
        ids = list(dict.fromkeys(asset_ids))
        size = max_assets_per_connection
        self.shards = [ids[i : i + size] for i in range(0, len(ids), size)]
        self.url = url
        self.counters = FeedCounters()
        self.custom_features = custom_features
        self._on_sync = on_sync
        self._clock_ns = clock_ns
        self._queue: asyncio.Queue[MarketEvent | None] = asyncio.Queue()
        self._books: dict[str, _Book] = {}
        self._synced: set[str] = set()
        rng = rng or random.Random(0)
        backoff = backoff or Backoff()
        self.connections = [
            self._connection(shard, backoff, rng, heartbeat_s, stale_after_s)
            for shard in self.shards
        ]

    def _connection(self, shard, backoff, rng, heartbeat_s, stale_after_s) -> Connection:
        async def on_open(send) -> None:
            message = {"assets_ids": shard, "type": "market"}
            if self.custom_features:
                message["custom_feature_enabled"] = True
            await send(json.dumps(message))

        connection = Connection(
            self.url,
            on_open=on_open,
            on_text=lambda text: self._on_text(text, connection),
            on_down=lambda reason: self._unsync(shard),
            counters=self.counters,
            backoff=backoff,
            rng=rng,
            heartbeat_s=heartbeat_s,
            stale_after_s=stale_after_s,
        )
        return connection

    # ---- consumer side -----------------------------------------------------------------------
    async def run(self) -> None:
        """Run every shard until :meth:`stop`."""
        await asyncio.gather(*(c.run() for c in self.connections))

    async def stop(self) -> None:
        for connection in self.connections:
            await connection.stop()
        self._unsync([asset for shard in self.shards for asset in shard])
        self._queue.put_nowait(None)

    async def events(self) -> AsyncIterator[MarketEvent]:
        """Yield events in arrival order until :meth:`stop`."""
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    def is_synced(self, asset_id: str) -> bool:
        return asset_id in self._synced

    def book(self, asset_id: str) -> tuple[list[Level], list[Level]] | None:
        """The feed's copy of a book (bids and asks best first), None before its snapshot."""
        book = self._books.get(asset_id)
        return book.levels() if book is not None else None

    # ---- messages ----------------------------------------------------------------------------
    def _on_text(self, text: str, connection: Connection) -> None:
        try:
            document = wire.decode(text)
        except DataError:
            self.counters.parse_errors += 1
            return
        messages = document if isinstance(document, list) else [document]
        ts_recv_ns = self._clock_ns()
        for message in messages:
            try:
                events = parse.parse_market_message(message, ts_recv_ns)
            except (DataError, ValueError):
                self.counters.parse_errors += 1
                continue
            for event in events:
                self._on_event(event, connection)

    def _on_event(self, event: MarketEvent, connection: Connection) -> None:
        if isinstance(event, BookSnapshot):
            asset_id = event.instrument_id.partition(":")[2]
            self._books[asset_id] = _Book(event)
            if asset_id not in self._synced:
                self._synced.add(asset_id)
                self._notify(event.instrument_id, True)
        elif isinstance(event, BookDelta):
            asset_id = event.instrument_id.partition(":")[2]
            book = self._books.get(asset_id)
            if book is None or asset_id not in self._synced:
                return  # no snapshot yet, or resyncing: the coming book replaces it
            book.apply(event)
        elif isinstance(event, TopOfBook):
            asset_id = event.instrument_id.partition(":")[2]
            book = self._books.get(asset_id)
            if book is None or asset_id not in self._synced:
                return
            if book.top() != (event.bid_price, event.ask_price):
                self.counters.gaps += 1
                self._unsync([asset_id])
                connection.request_resync()
                return
        self._queue.put_nowait(event)

    def _unsync(self, asset_ids: Sequence[str]) -> None:
        for asset_id in asset_ids:
            if asset_id in self._synced:
                self._synced.discard(asset_id)
                self._notify(parse.instrument_id(asset_id), False)

    def _notify(self, instrument_id: str, synced: bool) -> None:
        if self._on_sync is not None:
            self._on_sync(instrument_id, synced)
