"""The engine's side of the journal: what it writes, and how a restart continues a journal.

Every decision and venue answer is written *before* it takes effect (write-ahead): an order
is journaled, then sent; a fill is journaled, then booked. A run that restarts on an existing
journal re-executes deterministically from the start (same data, configuration and seed)
and, while the journal still holds records, *checks* each record it would write against
the stored one instead of writing it: any difference stops the run
(:class:`ReplayDiverged`), because then the journal does not describe this run. Past the
last stored record it appends again. So a crash at any point loses nothing and duplicates
nothing: orders and fills already journaled are recognised, not resent or rebooked.

Inputs from outside the data (a ``pythia control`` command, a signal) are journaled with
the index of the market event they were applied before (``event_index``), and re-applied
there on replay (:meth:`EngineJournal.controls_at`). When the restarted run reaches the end
of the stored journal, ``on_caught_up`` runs at the next market event boundary: the service
compares the state rebuilt from the journal with the engine's (:mod:`pythia.engine.recovery`).

``fault_kill_after`` (testing only, ``PYTHIA_FAULT_KILL_AFTER``): the process kills itself
with SIGKILL right after writing that many new records, to test crash recovery at exact
points.
"""

from __future__ import annotations

import json
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable

from pythia.core.errors import DataError
from pythia.ports.journal import JournalRecord, JournalWriter

CONTROL = "control"
PROCESS_KINDS = frozenset({"run_start", "run_end", "recovery"})
"""Records about a process (its start, end, restart check), not about the run: a restart
does not expect to produce them again."""


class ReplayDiverged(DataError):
    """A restarted run produced a record different from the journal's."""


def canonical(payload: dict) -> dict:
    """The payload as the journal stores it (JSON types: tuples become lists)."""
    return json.loads(json.dumps(payload, sort_keys=True))


class EngineJournal:
    """Write-ahead journaling with replay checking over ``writer`` (a ``store.Journal``)."""

    def __init__(
        self,
        writer: JournalWriter,
        existing: Iterable[JournalRecord] = (),
        fault_kill_after: int | None = None,
        on_caught_up: Callable[[], None] | None = None,
    ) -> None:
        self.writer = writer
        self._pending = deque(r for r in existing if r.kind not in PROCESS_KINDS)
        self.on_caught_up = on_caught_up
        self._check_due = bool(self._pending)
        self.replayed = 0
        self.appended = 0
        self.fault_kill_after = fault_kill_after
        self._controls: dict[int, list[dict]] = {}
        for record in self._pending:
            if record.kind == CONTROL:
                index = int(record.payload["event_index"])
                self._controls.setdefault(index, []).append(dict(record.payload))

    def caught_up(self) -> None:
        """Run ``on_caught_up`` once, at the first event boundary (or the end of the run)
        after the last stored record was matched: there every venue answer of the batch
        that was under way is journaled, so the journal and the engine can be compared."""
        if self._check_due and not self._pending:
            self._check_due = False
            if self.on_caught_up is not None:
                self.on_caught_up()

    @property
    def replaying(self) -> bool:
        """True while stored records remain to be matched."""
        return bool(self._pending)

    def controls_at(self, event_index: int) -> list[dict]:
        """Control inputs the stored journal applied before market event ``event_index``."""
        if not self._pending:
            return []
        return self._controls.pop(event_index, [])

    def record(
        self, kind: str, payload: dict, ts_ns: int, strategy: str = "", instrument: str = ""
    ) -> None:
        if self._pending:
            stored = self._pending.popleft()
            mine = (kind, canonical(payload), ts_ns, strategy, instrument)
            theirs = (
                stored.kind,
                canonical(dict(stored.payload)),
                stored.ts_ns,
                stored.strategy,
                stored.instrument,
            )
            if mine != theirs:
                raise ReplayDiverged(
                    f"journal record {stored.seq} differs from the restarted run: stored"
                    f" {theirs[0]} at {theirs[2]}, now {mine[0]} at {mine[2]}"
                    " (different data, configuration or seed?)"
                )
            self.replayed += 1
            return
        self.writer.append(kind, payload, ts_ns, strategy=strategy, instrument=instrument)
        self.appended += 1
        if self.fault_kill_after is not None and self.appended >= self.fault_kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
