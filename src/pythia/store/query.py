"""Which records to read: the filters of ``Journal.records``, ``show`` and ``export``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement

from pythia.core.errors import DataError
from pythia.store.schema import journal_records


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Records with ``seq > since_seq``, of these kinds, instrument, strategy, in
    ``[ts_from, ts_to)`` (ns), at most ``limit`` of them; ``None`` means any."""

    since_seq: int = 0
    kinds: str | Iterable[str] | None = None
    instrument: str | None = None
    strategy: str | None = None
    ts_from: int | None = None
    ts_to: int | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        for name in ("since_seq", "ts_from", "ts_to", "limit"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise DataError(f"{name} must be an int, not {value!r}")
        if self.limit is not None and self.limit < 0:
            raise DataError(f"limit must not be negative, got {self.limit}")
        if isinstance(self.kinds, str):
            object.__setattr__(self, "kinds", (self.kinds,))
        elif self.kinds is not None:
            object.__setattr__(self, "kinds", tuple(self.kinds))

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions for everything but ``since_seq`` and ``limit``."""
        c = journal_records.c
        conditions: list[ColumnElement[bool]] = []
        if self.kinds is not None:
            conditions.append(c.kind.in_(self.kinds))
        if self.instrument is not None:
            conditions.append(c.instrument == self.instrument)
        if self.strategy is not None:
            conditions.append(c.strategy == self.strategy)
        if self.ts_from is not None:
            conditions.append(c.ts_ns >= self.ts_from)
        if self.ts_to is not None:
            conditions.append(c.ts_ns < self.ts_to)
        return conditions
