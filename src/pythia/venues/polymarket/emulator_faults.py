"""Fault injection for the Polymarket emulator: switches, counters and the WebSocket sender.

Switches (``NAME=VALUE``, as ``pythia emulate polymarket --fault NAME=VALUE``):

- ``drop_connection_every=N``: close a WebSocket connection after every N messages sent on it;
- ``delay_ms=MS``: delay every WebSocket message and HTTP answer by MS milliseconds;
- ``reorder=1``: swap every two consecutive WebSocket messages of a connection;
- ``skip=N``: drop every Nth ``price_change`` (Polymarket has no sequence numbers: the
  client sees the gap when a later ``price_change``'s ``best_bid``/``best_ask`` disagree
  with its book, and resubscribes for a fresh ``book``);
- ``http_429_every=N``: answer every Nth HTTP request ``429 Too Many Requests`` unprocessed;
- ``http_5xx_every=N``: answer every Nth HTTP request ``500``; a POST or DELETE is processed
  first and only its answer is lost (the ambiguous case a client must query before resending);
- ``reject_orders=N``: refuse every Nth order with ``could not insert order``.

0 (the default) turns a switch off.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields

from pythia.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Faults:
    """Which faults the emulator injects (see the module doc); all off by default."""

    drop_connection_every: int = 0
    delay_ms: int = 0
    reorder: int = 0
    skip: int = 0
    http_429_every: int = 0
    http_5xx_every: int = 0
    reject_orders: int = 0

    @classmethod
    def parse(cls, items: Sequence[str]) -> Faults:
        """Read ``NAME=VALUE`` switches; ``ConfigError`` for an unknown name or a bad value.

        >>> Faults.parse(["skip=3", "delay_ms=20"]).skip
        3
        """
        names = {f.name for f in fields(cls)}
        values: dict[str, int] = {}
        for item in items:
            name, equals, text = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in names:
                raise ConfigError(f"unknown fault {name!r}; known: {', '.join(sorted(names))}")
            text = text.strip().lower() if equals else "1"
            text = {"true": "1", "yes": "1", "on": "1", "false": "0", "off": "0"}.get(text, text)
            if not text.isdigit():
                raise ConfigError(f"fault {name} needs a non-negative integer, not {text!r}")
            values[name] = int(text)
        return cls(**values)


def every(count: int, period: int) -> bool:
    """True on every ``period``-th occurrence (``count`` starts at 1); never for 0."""
    return period > 0 and count % period == 0


class FaultLog:
    """How often each fault fired (``drop_connection``, ``delay``, ``reorder``, ``skip``,
    ``http_429``, ``http_5xx``, ``reject_order``) and the running request and order counts."""

    def __init__(self) -> None:
        self.fired: Counter[str] = Counter()
        self.http_requests = 0
        self.orders = 0
        self.price_changes = 0


class Subscriber:
    """One WebSocket connection's outgoing queue, sent through the fault switches."""

    def __init__(self, ws, faults: Faults, log: FaultLog) -> None:
        self.ws = ws
        self.faults = faults
        self.log = log
        self.queue: asyncio.Queue[dict | list | str | None] = asyncio.Queue()
        self.sent = 0
        self.closed = asyncio.Event()

    def put(self, message: dict | list | str) -> None:
        if not self.closed.is_set():
            self.queue.put_nowait(message)

    async def run(self) -> None:
        """Send queued messages until the connection closes or a fault drops it."""
        held: dict | list | str | None = None
        try:
            while True:
                message = await self.queue.get()
                if message is None:
                    break
                if self._skipped(message):
                    continue
                if self.faults.reorder and held is None and not self.queue.empty():
                    held = message
                    continue
                await self._send(message)
                if held is not None:
                    self.log.fired["reorder"] += 1
                    pending, held = held, None
                    await self._send(pending)
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.closed.set()
            if not self.ws.closed:
                await self.ws.close()

    def _skipped(self, message: dict | list | str) -> bool:
        if not (isinstance(message, dict) and message.get("event_type") == "price_change"):
            return False
        self.log.price_changes += 1
        if every(self.log.price_changes, self.faults.skip):
            self.log.fired["skip"] += 1
            return True
        return False

    async def _send(self, message: dict | list | str) -> None:
        if self.faults.delay_ms:
            self.log.fired["delay"] += 1
            await asyncio.sleep(self.faults.delay_ms / 1000)
        text = message if isinstance(message, str) else json.dumps(message)
        await self.ws.send_str(text)
        self.sent += 1
        if every(self.sent, self.faults.drop_connection_every):
            self.log.fired["drop_connection"] += 1
            raise ConnectionError("fault: drop_connection_every")
