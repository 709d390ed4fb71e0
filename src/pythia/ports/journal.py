"""Where the engine writes what happened: an append-only journal (``store.Journal``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol


class JournalRecord(Protocol):
    """One stored record (read-only)."""

    @property
    def seq(self) -> int: ...

    @property
    def ts_ns(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def strategy(self) -> str: ...

    @property
    def instrument(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


class JournalWriter(Protocol):
    """Appends records in order; each append is durable when it returns (write-ahead)."""

    def append(
        self,
        kind: str,
        payload: dict,
        ts_ns: int,
        *,
        strategy: str = "",
        instrument: str = "",
    ) -> JournalRecord: ...

    def records(self, since_seq: int = 0) -> Iterator[JournalRecord]: ...
