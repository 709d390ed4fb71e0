"""Market data sources: anything that yields instruments and market events in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from pythia.core.counters import RejectCounter
from pythia.model.events import MarketEvent
from pythia.model.instruments import Instrument, OutcomeGroup


@runtime_checkable
class MarketDataSource(Protocol):
    """A replayable stream of market events (a raw capture, a catalog, a live feed).

    ``events()`` yields events in the order the venue sent them; malformed messages are
    not raised but counted in ``rejects`` (reason and example).
    """

    rejects: RejectCounter

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        """Instruments and groups known to the source (complete after ``events()`` ends)."""
        ...

    def events(self) -> Iterator[MarketEvent]: ...


class SyncAction:
    """What a book synchroniser says about a delta."""

    APPLY = "apply"
    DROP = "drop"  # stale (already covered by the snapshot): ignore silently
    GAP = "gap"  # updates are missing: the book is unsynced until recovery


@runtime_checkable
class BookSynchronizer(Protocol):
    """A venue's rule for when a delta may be applied to a book built from a snapshot."""

    def on_snapshot(self, sequence: int) -> None: ...

    def check(self, first_sequence: int, sequence: int, prev_sequence: int) -> str:
        """Return a :class:`SyncAction` value for a delta with these update ids."""
        ...
