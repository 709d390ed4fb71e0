"""One reconnecting Polymarket WebSocket: backoff with jitter, heartbeats, stale detection.

Polymarket's channels expect a text ``PING`` about every 10 s and answer ``PONG``. A
connection that sends nothing at all (not even ``PONG``) for ``stale_after_s`` is stale: it
is dropped and opened again, and the owner is told through ``on_down`` so that it can mark
its books unsynced. Reconnects wait ``Backoff.delay_s(attempt)`` (:mod:`pythia.venues.backoff`):
exponential, capped, with
jitter from a seeded generator (the attempt count restarts once a connection delivered data).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

import websockets
from websockets.asyncio.client import connect

from pythia.venues.backoff import Backoff

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class FeedCounters:
    """Counters of a feed (all its connections): messages received (frames of data, not
    ``PONG``), gaps detected, reconnects, parse errors, resyncs requested, stale drops,
    heartbeats sent."""

    messages: int = 0
    gaps: int = 0
    reconnects: int = 0
    parse_errors: int = 0
    resyncs: int = 0
    stale: int = 0
    heartbeats: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Connection:
    """Keep one WebSocket open: ``on_open(send)`` subscribes, ``on_text(text)`` handles each
    data frame, ``on_down(reason)`` runs whenever the connection is lost ("closed", "stale",
    "resync", "error")."""

    def __init__(
        self,
        url: str,
        *,
        on_open: Callable[[Callable[[str], Awaitable[None]]], Awaitable[None]],
        on_text: Callable[[str], None],
        on_down: Callable[[str], None],
        counters: FeedCounters,
        backoff: Backoff,
        rng: random.Random,
        heartbeat_s: float = 10.0,
        stale_after_s: float = 30.0,
    ) -> None:
        self.url = url
        self._on_open = on_open
        self._on_text = on_text
        self._on_down = on_down
        self.counters = counters
        self.backoff = backoff
        self.rng = rng
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.connected = asyncio.Event()
        self._stopping = False
        self._resync = False
        self._last_reason = "closed"
        self._ws = None

    def request_resync(self) -> None:
        """Drop the connection and subscribe again (without backoff)."""
        if self._ws is not None and not self._resync:
            self._resync = True
            self.counters.resyncs += 1
            asyncio.get_running_loop().create_task(self._ws.close())

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()

    async def run(self) -> None:
        """Connect, read and reconnect until :meth:`stop`."""
        attempt = 0
        while not self._stopping:
            delivered = await self._session()
            if self._stopping:
                break
            reason = "resync" if self._resync else self._last_reason
            self._on_down(reason)
            self.counters.reconnects += 1
            attempt = 0 if delivered else attempt + 1
            if not self._resync:
                await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
            self._resync = False

    async def _session(self) -> bool:
        """One connection; return whether it delivered any data."""
        delivered = False
        self._last_reason = "closed"
        heartbeat = None
        try:
            async with connect(
                self.url, ping_interval=None, proxy=None, max_size=MAX_MESSAGE_BYTES
            ) as ws:
                self._ws = ws
                await self._on_open(ws.send)
                self.connected.set()
                heartbeat = asyncio.create_task(self._heartbeat(ws))
                while True:
                    text = await asyncio.wait_for(ws.recv(), timeout=self.stale_after_s)
                    if text == "PONG":
                        continue
                    self.counters.messages += 1
                    delivered = True
                    self._on_text(text if isinstance(text, str) else text.decode())
        except TimeoutError:
            self.counters.stale += 1
            self._last_reason = "stale"
        except (websockets.ConnectionClosed, OSError):
            self._last_reason = "closed"
        except websockets.InvalidHandshake:
            self._last_reason = "error"
        finally:
            self.connected.clear()
            self._ws = None
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        return delivered

    async def _heartbeat(self, ws) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send("PING")
                self.counters.heartbeats += 1
