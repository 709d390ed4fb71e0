"""Paper runs: recorded market data replayed in (scaled) real time against the simulated
venue, steerable while they run.

The events of a journaled run pass through :func:`controlled_events`, which

- paces them to the wall clock (``Pace.speed``: 1 is real time, 10 ten times faster,
  0 as fast as possible);
- hands ``pythia control`` commands, read from the journal every ``poll_s`` seconds, to
  the engine (applied before the next market event, journaled with its index);
- on SIGINT or SIGTERM asks the engine to ``stop`` (pause and cancel every open order,
  journaled), lets that event through and ends the run, which then drains its queue and
  writes ``run_end``. A restart on the same journal replays to that point and goes on
  paused: ``pythia control resume`` lets the strategy trade again.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pythia.model.events import MarketEvent
from pythia.risk.control import ControlSource


@dataclass(frozen=True)
class Pace:
    speed: float = 1.0
    """Replay speed relative to the recording (0: no waiting)."""
    poll_s: float = 0.2
    """How often the journal is asked for control commands."""
    handle_signals: bool = True
    stop: threading.Event | None = None
    """Set from another thread to end the run as a signal would (``pythia serve``)."""


class _Signals:
    """Remembers the first SIGINT / SIGTERM instead of dying on it."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._previous = {}

    def install(self) -> None:
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._handle)

    def _handle(self, number, frame) -> None:
        self.received = self.received or signal.Signals(number).name

    def restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


def controlled_events(
    events: Iterable[MarketEvent], kernel, run_journal, pace: Pace | None
) -> Iterator[MarketEvent]:
    """``events`` with control polling after each, and pacing and signals when ``pace``."""
    signals = _Signals()
    if pace is not None and pace.handle_signals:
        signals.install()
    poll_s = pace.poll_s if pace is not None else 1.0
    next_poll = 0.0
    start_wall = time.monotonic()
    start_ts: int | None = None
    stopping = False
    try:
        for event in events:
            now = time.monotonic()
            if pace is not None and pace.speed > 0:
                start_ts = event.ts_recv_ns if start_ts is None else start_ts
                due = start_wall + (event.ts_recv_ns - start_ts) / 1e9 / pace.speed
                while due > now and not signals.received:  # wait, but stay responsive
                    if pace.stop is not None and pace.stop.is_set():
                        break
                    time.sleep(min(due - now, poll_s))
                    now = time.monotonic()
                    if now >= next_poll:
                        run_journal.poll_control(kernel)
                        next_poll = now + poll_s
            if now >= next_poll:
                run_journal.poll_control(kernel)
                next_poll = now + poll_s
            if pace is not None and pace.stop is not None and pace.stop.is_set():
                signals.received = signals.received or "stop"
            if signals.received and not stopping:
                stopping = True
                kernel.safety.request("stop", ControlSource.SIGNAL, signals.received)
            yield event
            run_journal.after_event()
            if stopping:
                return
    finally:
        signals.restore()
