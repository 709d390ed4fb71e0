"""The append-only, hash-chained journal on SQLite (default) or PostgreSQL.

>>> with Journal.open("sqlite:///run/journal.db") as journal:  # doctest: +SKIP
...     journal.append("order_submitted", {"order_id": "o-1", "price": 450}, ts_ns=1_000)
...     assert journal.verify().ok

One process writes a journal (:meth:`Journal.open`, which takes the writer lock and applies
the migrations); any number read it (``Journal.open(url, readonly=True)``). Every append is
committed before it returns, so the engine can journal a decision before acting on it. A
``Journal`` is not thread-safe: use it from one thread at a time.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from pythia.core.errors import DataError
from pythia.store import migrate
from pythia.store.connect import (
    JournalTarget,
    WriterLock,
    create_store_engine,
    describe,
    parse_target,
)
from pythia.store.errors import StoreError
from pythia.store.export import write_parquet
from pythia.store.query import RecordFilter
from pythia.store.records import (
    CONTROL_COMMANDS,
    GENESIS_HASH,
    ControlRequest,
    Entry,
    Record,
    as_entry,
    parse_payload,
    prepare,
    record_hash,
)
from pythia.store.schema import control_requests, journal_meta, journal_records
from pythia.store.verify import VerifyReport, verify_rows

READ_BATCH = 1000
_COLUMNS = list(journal_records.c)


class Journal:
    """An open journal; create one with :meth:`Journal.open`."""

    def __init__(
        self,
        target: JournalTarget,
        engine: Engine,
        connection: Connection,
        lock: WriterLock | None,
    ) -> None:
        self._target = target
        self._engine = engine
        self._conn = connection
        self._lock = lock
        self._broken: str | None = None
        self._last_seq, self._last_hash = self._read_head(check=lock is not None)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        readonly: bool = False,
        schema: str | None = None,
        busy_timeout_s: float = 5.0,
    ) -> Journal:
        """Open (and for writers create and migrate) the journal at ``url``.

        ``url``: ``sqlite:///path/journal.db`` (or a bare path) or
        ``postgresql://user@host/db[?schema=NAME]``; ``schema`` is the same as ``?schema=``.
        Raises ``ConfigError`` for a bad URL, :class:`StoreError` when the database cannot
        be reached or holds no journal (read-only), :class:`JournalLocked` when another
        writer has it open.
        """
        target = parse_target(url, schema)
        engine = create_store_engine(target, readonly=readonly, busy_timeout_s=busy_timeout_s)
        connection = lock = None
        try:
            connection = engine.connect()
            if readonly:
                with connection.begin():
                    migrate.require_head(connection, target.schema, target.masked)
            else:
                lock = WriterLock(target, connection)
                with connection.begin():
                    if target.schema:
                        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
                    migrate.upgrade(connection, target.schema, target.masked)
                    _init_meta(connection)
            return cls(target, engine, connection, lock)
        except BaseException as error:
            if lock is not None:
                lock.release()
            if connection is not None:
                connection.close()
            engine.dispose()
            if isinstance(error, SQLAlchemyError):
                raise StoreError(
                    f"cannot open journal {target.masked}: {describe(error, target)}"
                ) from None
            raise

    # -- state -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The journal's URL with any password masked."""
        return self._target.masked

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._target.backend

    @property
    def readonly(self) -> bool:
        return self._lock is None

    @property
    def last_seq(self) -> int:
        """Seq of the newest record (0 when empty); re-read from the database when read-only."""
        return self._read_head(check=False)[0] if self.readonly else self._last_seq

    @property
    def last_hash(self) -> str:
        """Hash of the newest record (64 zeros when empty)."""
        return self._read_head(check=False)[1] if self.readonly else self._last_hash

    def meta(self) -> dict[str, str]:
        """Return the ``journal_meta`` entries (``schema_version``, ``created``, ``run_id``)."""
        with self._guard("read"):
            rows = self._conn.execute(select(journal_meta.c.key, journal_meta.c.value)).all()
        return dict(rows)

    # -- writing -----------------------------------------------------------------------

    def append(
        self,
        kind: str,
        payload: dict[str, Any],
        ts_ns: int,
        *,
        strategy: str = "",
        instrument: str = "",
    ) -> Record:
        """Append one record and commit it before returning.

        Raises ``PayloadRefused`` (a ``DataError``) for a secret-looking key or a float,
        ``DataError`` for a bad kind or timestamp; nothing is written then.
        """
        return self.append_many([Entry(kind, payload, ts_ns, strategy, instrument)])[0]

    def append_many(self, items: Iterable[Entry | tuple | Mapping[str, Any]]) -> list[Record]:
        """Append records in one transaction (all or none); items as for :class:`Entry`."""
        self._require_writer()
        seq, prev_hash = self._last_seq, self._last_hash
        rows: list[dict[str, Any]] = []
        records: list[Record] = []
        for item in items:
            entry = as_entry(item)
            payload, payload_text = prepare(entry)
            seq += 1
            fields = (entry.ts_ns, entry.kind, entry.strategy, entry.instrument)
            digest = record_hash(seq, *fields, payload_text, prev_hash)
            record = Record(seq, *fields, payload, prev_hash, digest)
            rows.append(record.as_dict() | {"payload": payload_text})
            records.append(record)
            prev_hash = digest
        if not rows:
            return []
        with self._guard("append to"):
            self._conn.execute(journal_records.insert(), rows)
        self._last_seq, self._last_hash = seq, prev_hash
        return records

    # -- reading -----------------------------------------------------------------------

    def records(
        self,
        since_seq: int = 0,
        *,
        kinds: str | Iterable[str] | None = None,
        instrument: str | None = None,
        strategy: str | None = None,
        ts_from: int | None = None,
        ts_to: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Record]:
        """Stream records with ``seq > since_seq`` in seq order, filtered.

        ``kinds``: one kind or several; ``ts_from`` inclusive, ``ts_to`` exclusive (ns);
        ``limit``: at most that many records. Reads in batches, so appends may interleave.
        """
        chosen = RecordFilter(since_seq, kinds, instrument, strategy, ts_from, ts_to, limit)
        rows = self._rows(chosen)
        for seq, ts_ns, kind, strategy_name, instrument_id, payload, prev, digest in rows:
            yield Record(
                seq, ts_ns, kind, strategy_name, instrument_id, parse_payload(payload), prev, digest
            )

    def verify(self) -> VerifyReport:
        """Check the whole hash chain; the report lists every broken place (see verify.py)."""
        return verify_rows(self._rows(RecordFilter()))

    def export_parquet(self, path: str | os.PathLike[str], **filters: Any) -> int:
        """Write the records (filtered as in :meth:`records`) to a Parquet file; return count.

        Columns: seq, ts_ns, kind, strategy, instrument, payload (JSON text), prev_hash, hash.
        """
        return write_parquet(self._rows(RecordFilter(**filters)), path)

    def _rows(self, chosen: RecordFilter) -> Iterator[tuple]:
        """Yield stored rows (payload as text) in seq order, a batch per transaction."""
        c = journal_records.c
        conditions = chosen.conditions()
        after, remaining = chosen.since_seq, chosen.limit
        while remaining is None or remaining > 0:
            size = READ_BATCH if remaining is None else min(READ_BATCH, remaining)
            query = select(*_COLUMNS).where(c.seq > after, *conditions).order_by(c.seq).limit(size)
            with self._guard("read"):
                batch = [tuple(row) for row in self._conn.execute(query)]
            yield from batch
            if len(batch) < size:
                return
            after = batch[-1][0]
            if remaining is not None:
                remaining -= len(batch)

    # -- control requests --------------------------------------------------------------

    def request_control(self, command: str, reason: str, source: str = "cli") -> ControlRequest:
        """Leave a command for the running engine (any handle may, read-only ones too).

        ``command``: one of :data:`CONTROL_COMMANDS` (or ``enable:`` / ``disable:`` and a
        strategy id); ``source``: ``cli`` or ``api``; stamped with the wall clock.
        """
        if source not in ("cli", "api"):
            raise DataError(f"control source must be cli or api, not {source!r}")
        if command not in CONTROL_COMMANDS and not _is_strategy_switch(command):
            raise DataError(
                f"unknown control command {command!r}; use one of {', '.join(CONTROL_COMMANDS)}"
            )
        if not isinstance(reason, str):
            raise DataError("control reason must be a str")
        ts_ns = time.time_ns()
        values = {"ts_ns": ts_ns, "command": command, "reason": reason, "source": source}
        with self._guard("write a control request to"):
            result = self._conn.execute(control_requests.insert().values(**values))
        return ControlRequest(
            int(result.inserted_primary_key[0]), ts_ns, command, reason, None, source
        )

    def pending_control(self) -> list[ControlRequest]:
        """Return the control requests not yet consumed, oldest first."""
        c = control_requests.c
        query = select(c.id, c.ts_ns, c.command, c.reason, c.consumed_seq, c.source)
        query = query.where(c.consumed_seq.is_(None)).order_by(c.id)
        with self._guard("read"):
            return [ControlRequest(*row) for row in self._conn.execute(query)]

    def mark_control_consumed(self, request_id: int, seq: int) -> None:
        """Record that control request ``request_id`` was applied, journaled as record ``seq``."""
        self._require_writer()
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= self._last_seq:
            raise DataError(f"seq {seq} is not a record of this journal (last {self._last_seq})")
        c = control_requests.c
        update = (
            control_requests.update()
            .where(c.id == request_id, c.consumed_seq.is_(None))
            .values(consumed_seq=seq)
        )
        with self._guard("write a control request to"):
            updated = self._conn.execute(update).rowcount
        if updated != 1:
            raise StoreError(f"control request {request_id} is unknown or already consumed")

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection and release the writer lock (safe to call twice)."""
        if self._conn is None:
            return
        try:
            self._conn.close()
        finally:
            self._conn = None  # type: ignore[assignment]
            if self._lock is not None:
                self._lock.release()
            self._engine.dispose()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "readonly" if self.readonly else "writer"
        return f"Journal({self.url!r}, {mode})"

    # -- internals ---------------------------------------------------------------------

    def _require_writer(self) -> None:
        if self._conn is None:
            raise StoreError(f"journal {self.url} is closed")
        if self._lock is None:
            raise StoreError(f"journal {self.url} was opened read-only")
        if self._broken:
            raise StoreError(f"journal {self.url} cannot be written: {self._broken}; reopen it")

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Run one committed transaction; turn database errors into :class:`StoreError`."""
        if self._conn is None:
            raise StoreError(f"journal {self.url} is closed")
        try:
            with self._conn.begin():
                yield
        except IntegrityError:
            self._broken = "another process wrote to it"
            raise StoreError(
                f"cannot {action} journal {self.url}: a record with the next seq already"
                " exists; another process wrote to this journal, reopen it"
            ) from None
        except SQLAlchemyError as error:
            if isinstance(error, DBAPIError) and error.connection_invalidated:
                self._broken = "the database connection was lost"
            raise StoreError(
                f"cannot {action} journal {self.url}: {describe(error, self._target)}"
            ) from None

    def _read_head(self, check: bool) -> tuple[int, str]:
        c = journal_records.c
        with self._guard("read"):
            row = self._conn.execute(select(*_COLUMNS).order_by(c.seq.desc()).limit(1)).first()
        if row is None:
            return 0, GENESIS_HASH
        seq, *fields, digest = tuple(row)
        if check and record_hash(seq, *fields) != digest:
            raise StoreError(
                f"journal {self.url}: the last record ({seq}) does not match its hash; run"
                " `pythia journal verify` before writing to it"
            )
        return seq, digest


def _init_meta(connection: Connection) -> None:
    """Stamp a new journal with its creation time and a run id (kept on later opens)."""
    present = set(connection.execute(select(journal_meta.c.key)).scalars())
    fresh = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": uuid.uuid4().hex,
    }
    rows = [{"key": k, "value": v} for k, v in fresh.items() if k not in present]
    if rows:
        connection.execute(journal_meta.insert(), rows)


def _is_strategy_switch(command: str) -> bool:
    """``enable:<strategy id>`` or ``disable:<strategy id>``."""
    verb, sep, strategy_id = command.partition(":")
    return bool(sep and strategy_id.strip()) and verb in ("enable", "disable")
