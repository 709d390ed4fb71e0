"""Writing the Parquet catalog: stream a market data source into Hive-partitioned tables.

Layout (one directory per table, Hive partitions under it, so ``pyarrow.dataset`` reads a
table with ``ds.dataset(root / "book", partitioning="hive")``)::

    root/<table>/venue=<venue>/date=<YYYY-MM-DD>/part-00000.parquet   # event tables
    root/instruments/venue=<venue>/part-00000.parquet                   # instruments

Events are buffered per (table, day) and flushed every ``batch_rows`` rows as one row group,
so memory stays bounded whatever the capture size. Output is deterministic: rows keep the
source order, ``seq_no`` is the position in the stream, and no wall-clock metadata is written.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pythia.core.errors import ConfigError, DataError
from pythia.data.catalog_schema import (
    INSTRUMENTS_SCHEMA,
    INSTRUMENTS_TABLE,
    TABLE_OF_EVENT,
    TABLES,
    TableSpec,
    encode_instrument,
)
from pythia.model.events import EVENT_TYPES
from pythia.ports.market_data import MarketDataSource

NS_PER_DAY = 86_400 * 1_000_000_000
DEFAULT_BATCH_ROWS = 65_536
MAX_OPEN_WRITERS = 64
MAX_BUFFERED_BATCHES = 4
PROGRESS_EVERY = 50_000
COMPRESSION = "zstd"
_EPOCH = date(1970, 1, 1)
_VENUE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


@dataclass
class CatalogSummary:
    """What :func:`write_catalog` wrote."""

    venue: str
    out_dir: Path
    events: int = 0
    events_by_type: dict[str, int] = field(default_factory=dict)
    rows_by_table: dict[str, int] = field(default_factory=dict)
    instruments: int = 0
    partitions: list[str] = field(default_factory=list)
    """``venue=<v>/date=<d>`` of every day written, ascending."""
    files: list[str] = field(default_factory=list)
    """Every file written, relative to ``out_dir``, ascending."""
    rejects: dict = field(default_factory=dict)
    """The source's ``rejects.as_dict()`` after the import."""

    def as_dict(self) -> dict:
        return {
            "venue": self.venue,
            "out_dir": str(self.out_dir),
            "events": self.events,
            "events_by_type": dict(self.events_by_type),
            "rows_by_table": dict(self.rows_by_table),
            "instruments": self.instruments,
            "partitions": list(self.partitions),
            "files": list(self.files),
            "rejects": self.rejects,
        }


def day_of(ts_ns: int) -> str:
    """Return the UTC date (``YYYY-MM-DD``) of a nanosecond timestamp."""
    return (_EPOCH + timedelta(days=ts_ns // NS_PER_DAY)).isoformat()


def check_venue_name(venue: str) -> str:
    """Return ``venue`` if it is a valid partition value (lower-case letters, digits, _ -)."""
    if not _VENUE_NAME.match(venue):
        raise ConfigError(f"invalid venue name {venue!r}: use lower-case letters, digits, _ and -")
    return venue


def venue_dirs(root: Path, venue: str) -> list[Path]:
    """Return the existing ``<table>/venue=<venue>`` directories of a catalog."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"*/venue={venue}") if p.is_dir())


def _to_table(spec_name: str, schema: pa.Schema, rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    try:
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)]
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError) as error:
        raise DataError(f"cannot store rows of table {spec_name!r}: {error}") from None
    return pa.Table.from_arrays(arrays, schema=schema)


class _PartitionWriter:
    """Buffered rows of one (table, day) and its open Parquet file (reopened as a new part)."""

    def __init__(self, directory: Path, spec_name: str, schema: pa.Schema) -> None:
        self.directory = directory
        self.spec_name = spec_name
        self.schema = schema
        self.rows: list[tuple] = []
        self.writer: pq.ParquetWriter | None = None
        self.parts = 0
        self.files: list[Path] = []

    def flush(self) -> None:
        if not self.rows:
            return
        if self.writer is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"part-{self.parts:05d}.parquet"
            self.parts += 1
            self.files.append(path)
            self.writer = pq.ParquetWriter(path, self.schema, compression=COMPRESSION)
        self.writer.write_table(_to_table(self.spec_name, self.schema, self.rows))
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _EventWriter:
    """Route rows to partition writers with bounded memory and open files.

    A partition's buffer is flushed as one row group when it reaches ``batch_rows``; when all
    buffers together exceed ``MAX_BUFFERED_BATCHES * batch_rows`` rows (many days or tables
    in flight), every buffer is flushed. At most ``MAX_OPEN_WRITERS`` files stay open; a
    partition written again after its file was closed gets a new ``part-NNNNN`` file.
    """

    def __init__(self, root: Path, venue: str, batch_rows: int) -> None:
        self.root = root
        self.venue = venue
        self.batch_rows = batch_rows
        self.buffered = 0
        self.partitions: dict[tuple[str, str], _PartitionWriter] = {}
        self.open: OrderedDict[tuple[str, str], None] = OrderedDict()

    def add(self, spec: TableSpec, day: str, row: tuple) -> None:
        key = (spec.name, day)
        part = self.partitions.get(key)
        if part is None:
            directory = self.root / spec.name / f"venue={self.venue}" / f"date={day}"
            part = self.partitions[key] = _PartitionWriter(directory, spec.name, spec.schema)
        part.rows.append(row)
        self.buffered += 1
        if len(part.rows) >= self.batch_rows:
            self._flush(key, part)
        elif self.buffered > MAX_BUFFERED_BATCHES * self.batch_rows:
            for other_key, other in self.partitions.items():
                if other.rows:
                    self._flush(other_key, other)

    def _flush(self, key: tuple[str, str], part: _PartitionWriter) -> None:
        if part.writer is None:
            self.open[key] = None
            while len(self.open) > MAX_OPEN_WRITERS:
                old_key, _ = self.open.popitem(last=False)
                self.partitions[old_key].close()
        else:
            self.open.move_to_end(key)
        self.buffered -= len(part.rows)
        part.flush()

    def close(self) -> list[Path]:
        for part in self.partitions.values():
            part.close()
        self.open.clear()
        self.buffered = 0
        return [path for part in self.partitions.values() for path in part.files]

    def abort(self) -> None:
        """Close every open file without flushing buffered rows (the import failed)."""
        for part in self.partitions.values():
            part.rows = []
            if part.writer is not None:
                with contextlib.suppress(Exception):
                    part.writer.close()
                part.writer = None


def _write_events(
    source: MarketDataSource,
    writer: _EventWriter,
    progress: Callable[[int], None] | None,
) -> tuple[int, dict[str, int], dict[str, int]]:
    specs = {event_type: TABLES[name] for event_type, name in TABLE_OF_EVENT.items()}
    by_type = dict.fromkeys((t.__name__ for t in EVENT_TYPES), 0)
    by_table = dict.fromkeys(TABLES, 0)
    days: dict[int, str] = {}
    for seq_no, event in enumerate(source.events()):
        spec = specs.get(event.__class__)
        if spec is None:
            raise DataError(f"the catalog cannot store {type(event).__name__} events")
        day_number = event.ts_event_ns // NS_PER_DAY
        day = days.get(day_number)
        if day is None:
            day = days[day_number] = day_of(event.ts_event_ns)
        writer.add(spec, day, spec.encode(seq_no, event))
        by_type[event.__class__.__name__] += 1
        by_table[spec.name] += 1
        if progress is not None and seq_no % PROGRESS_EVERY == 0:
            progress(seq_no + 1)
    total = sum(by_type.values())
    if progress is not None:
        progress(total)
    return total, by_type, by_table


def _publish(staging: Path, root: Path, venue: str) -> None:
    """Replace the venue's partitions in ``root`` by the staged ones."""
    for old in venue_dirs(root, venue):
        shutil.rmtree(old)
    for staged in sorted(staging.glob(f"*/venue={venue}")):
        target = root / staged.parent.name / staged.name
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(target)
    if staging.exists():
        shutil.rmtree(staging)


def write_catalog(
    source: MarketDataSource,
    out_dir: Path | str,
    venue: str,
    *,
    overwrite: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> CatalogSummary:
    """Write every event of ``source`` (then its instruments) into the catalog at ``out_dir``.

    Partitions are ``venue=<venue>/date=<UTC day of ts_event_ns>``. Other venues already in
    the catalog are kept; this venue's partitions are replaced only with ``overwrite`` (else
    ``ConfigError``). Files are staged and moved into place once the source is exhausted, so
    a failed import leaves the catalog as it was. ``progress`` gets the running event count.

    >>> write_catalog(read_capture("binance", paths), "catalog", "binance")  # doctest: +SKIP
    """
    venue = check_venue_name(venue)
    root = Path(out_dir)
    existing = venue_dirs(root, venue)
    if existing and not overwrite:
        raise ConfigError(
            f"{root} already holds venue {venue!r}; pass overwrite=True (--overwrite) to replace it"
        )
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root} exists and is not a directory")
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{venue}"
    if staging.exists():
        shutil.rmtree(staging)
    writer = _EventWriter(staging, venue, batch_rows)
    try:
        total, by_type, by_table = _write_events(source, writer, progress)
        files = writer.close()
        instruments = list(source.instruments())
        if instruments:
            directory = staging / INSTRUMENTS_TABLE / f"venue={venue}"
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / "part-00000.parquet"
            rows = [encode_instrument(definition) for definition in instruments]
            pq.write_table(
                _to_table(INSTRUMENTS_TABLE, INSTRUMENTS_SCHEMA, rows), path,
                compression=COMPRESSION,
            )  # fmt: skip
            files.append(path)
    except BaseException:
        writer.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(staging, root, venue)
    relative = sorted(str(p.relative_to(staging).as_posix()) for p in files)
    partitions = sorted({f"venue={venue}/date={day}" for _, day in writer.partitions})
    return CatalogSummary(
        venue=venue,
        out_dir=root,
        events=total,
        events_by_type=by_type,
        rows_by_table=by_table,
        instruments=len(instruments),
        partitions=partitions,
        files=relative,
        rejects=source.rejects.as_dict(),
    )
