"""The live runner: the same kernel, driven by a wall clock and by feeds as messages arrive.

Paper and live runs differ from a backtest only here: time is the wall clock
(:class:`WallClock`), market events come from asynchronous feeds (each an async iterator of
:class:`~pythia.model.events.MarketEvent`, stamped with their receive time), and work the
kernel scheduled (orders travelling to a simulated venue, responses, timers) is done when
its time comes even if no market event arrives. A live venue's own answers (its user
channel) enter through :meth:`LiveRunner.venue_responses`. The kernel itself stays
synchronous: the runner calls it from one task, so nothing in it runs concurrently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from pythia.model.events import MarketEvent

IDLE_S = 0.05
"""Longest wait without a market event before due work and ``on_idle`` run."""


class WallClock:
    """Nanoseconds since the epoch, never going backwards."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        now = time.time_ns()
        if now > self._last:
            self._last = now
        return self._last

    def advance_to(self, ts_ns: int) -> None:
        if ts_ns > self._last:
            self._last = ts_ns


class LiveRunner:
    """Feed events and due work into ``kernel`` until the feeds end or ``stop()``.

    ``on_idle()`` runs at least every ``idle_s`` (control polling, stale checks) and
    ``after_event()`` after each market event. Feed errors end the run with the error.
    """

    def __init__(
        self,
        kernel,
        feeds: list[AsyncIterator[MarketEvent]],
        *,
        idle_s: float = IDLE_S,
        on_idle: Callable[[], None] | None = None,
        after_event: Callable[[], None] | None = None,
        before_event: Callable[[MarketEvent], None] | None = None,
    ) -> None:
        self.kernel = kernel
        self.feeds = feeds
        self.idle_s = idle_s
        self.on_idle = on_idle
        self.after_event = after_event
        self.before_event = before_event
        self.events = 0
        self._queue: asyncio.Queue = asyncio.Queue()
        self._stop = asyncio.Event()
        self._done = object()

    def stop(self) -> None:
        """End the run after the event being handled (safe from a signal handler)."""
        self._stop.set()

    def venue_responses(self, venue: str, responses: list) -> None:
        """A live venue's own answers (fills, order updates) for the kernel, in order."""
        self._queue.put_nowait(("responses", venue, responses))

    async def _pump(self, feed: AsyncIterator[MarketEvent]) -> None:
        try:
            async for event in feed:
                await self._queue.put(("event", event))
        finally:
            await self._queue.put(("end", self._done))

    async def run(self) -> None:
        kernel = self.kernel
        kernel.start()
        pumps = [asyncio.create_task(self._pump(feed)) for feed in self.feeds]
        running = len(pumps)
        next_idle = 0.0
        try:
            while running and not self._stop.is_set():
                due = kernel.next_due_ns()
                wait = self.idle_s
                if due is not None:
                    wait = max(0.0, min(wait, (due - time.time_ns()) / 1e9))
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout=wait)
                except TimeoutError:
                    item = None
                now = kernel.clock.now_ns()
                if item is None:
                    kernel.advance(now)
                elif item[0] == "event":
                    if self.before_event is not None:
                        self.before_event(item[1])
                    kernel.step(item[1])
                    self.events += 1
                    if self.after_event is not None:
                        self.after_event()
                elif item[0] == "responses":
                    kernel.advance(now)
                    kernel.venue_responses(item[1], item[2])
                else:
                    running -= 1
                if self.on_idle is not None and time.monotonic() >= next_idle:
                    next_idle = time.monotonic() + self.idle_s
                    self.on_idle()
            for task in pumps:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for task in pumps:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()
        finally:
            for task in pumps:
                task.cancel()
            kernel.finish()
