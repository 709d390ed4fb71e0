"""The normalized Parquet catalog of market data: write it, replay it, describe it.

:func:`write_catalog` streams a :class:`~pythia.ports.market_data.MarketDataSource` (a raw
capture reader) into Hive-partitioned Parquet tables (``<table>/venue=<v>/date=<d>/``);
:class:`Catalog` is a ``MarketDataSource`` over such a directory that yields the very same
events, in the same order, and rebuilds the same instruments. See ``docs/data-catalog.md``.

>>> summary = write_catalog(source, "catalog", "binance")     # doctest: +SKIP
>>> events = list(Catalog("catalog").events())                # doctest: +SKIP
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pythia.core.clock import ns_to_iso
from pythia.core.counters import RejectCounter
from pythia.core.errors import ConfigError, DataError
from pythia.data.catalog_schema import (
    INSTRUMENTS_SCHEMA,
    INSTRUMENTS_TABLE,
    TABLES,
    TableSpec,
    decode_instrument,
)
from pythia.data.catalog_writer import (
    NS_PER_DAY,
    CatalogSummary,
    write_catalog,
)
from pythia.model.events import EVENT_TYPES, MarketEvent
from pythia.model.instruments import Instrument, OutcomeGroup

__all__ = ["Catalog", "CatalogSummary", "write_catalog"]

READ_BATCH_ROWS = 65_536
_DECODE_ERRORS = (DataError, ValueError, KeyError, TypeError)


def _partition_value(directory: Path, key: str) -> str:
    name = directory.name
    if not name.startswith(f"{key}="):
        raise DataError(f"{directory} is not a {key}= partition")
    return name[len(key) + 1 :]


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet"))


class Catalog:
    """A market data source over a catalog directory written by :func:`write_catalog`.

    ``events()`` yields the events of each venue in their original order (``seq_no``); with
    several venues, the venues' streams are interleaved by ``ts_recv_ns`` (each venue's own
    order is kept). Optional filters: ``venues``, ``instrument_ids`` (rows of book, tops,
    trades and tick changes of those instruments, their definitions, status rows of those
    instruments or of whole markets, and every resolution) and a ``[start_ns, end_ns)``
    range of ``ts_event_ns``.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        venues: Sequence[str] | None = None,
        instrument_ids: Sequence[str] | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ConfigError(f"no catalog at {self.path}: not a directory")
        self.rejects = RejectCounter()
        self._venue_filter = None if venues is None else frozenset(venues)
        self._ids = None if instrument_ids is None else frozenset(instrument_ids)
        self._id_array = None if self._ids is None else pa.array(sorted(self._ids), pa.string())
        self._start_ns = start_ns
        self._end_ns = end_ns

    # --- layout ------------------------------------------------------------------------

    def all_venues(self) -> list[str]:
        """Every venue with data in the catalog (ignoring filters), ascending."""
        tables = [*TABLES, INSTRUMENTS_TABLE]
        found = {
            _partition_value(d, "venue")
            for table in tables
            for d in (self.path / table).glob("venue=*")
            if d.is_dir()
        }
        return sorted(found)

    def venues(self) -> list[str]:
        """The venues this catalog reads (after the venue filter), ascending."""
        venues = self.all_venues()
        if self._venue_filter is None:
            return venues
        return [v for v in venues if v in self._venue_filter]

    def _day_dirs(self, table: str, venue: str) -> list[Path]:
        base = self.path / table / f"venue={venue}"
        return sorted(d for d in base.glob("date=*") if d.is_dir())

    def _in_range(self, day_dir: Path) -> bool:
        if self._start_ns is None and self._end_ns is None:
            return True
        first_ns = _day_start_ns(_partition_value(day_dir, "date"))
        if self._start_ns is not None and first_ns + NS_PER_DAY <= self._start_ns:
            return False
        return self._end_ns is None or first_ns < self._end_ns

    # --- instruments ---------------------------------------------------------------------

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        """Instruments and groups of the selected venues, in the order they were written."""
        result: list[Instrument | OutcomeGroup] = []
        for venue in self.venues():
            for path in _files(self.path / INSTRUMENTS_TABLE / f"venue={venue}"):
                table = _read_checked(path, INSTRUMENTS_SCHEMA)
                for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                    definition = decode_instrument(row)
                    if self._ids is None or definition.id in self._ids:
                        result.append(definition)
        return result

    # --- events --------------------------------------------------------------------------

    def events(self) -> Iterator[MarketEvent]:
        """Yield the selected events: each venue's in ``seq_no`` order (see the class doc)."""
        streams = [self._venue_events(venue) for venue in self.venues()]
        if len(streams) == 1:
            yield from streams[0]
        elif streams:
            yield from heapq.merge(*streams, key=lambda event: event.ts_recv_ns)

    def _event_files(self, venue: str) -> list[tuple[int, TableSpec, Path]]:
        """Every event file of ``venue`` with its smallest ``seq_no``, ascending by it."""
        result = []
        for spec in TABLES.values():
            for day_dir in self._day_dirs(spec.name, venue):
                if not self._in_range(day_dir):
                    continue
                for path in _files(day_dir):
                    first = _first_seq_no(path)
                    if first is not None:
                        result.append((first, spec, path))
        result.sort(key=lambda item: (item[0], str(item[2])))
        return result

    def _venue_events(self, venue: str) -> Iterator[MarketEvent]:
        """Merge every table and partition of ``venue`` by ``seq_no``, opening files lazily."""
        pending = deque(self._event_files(venue))
        heap: list[tuple[int, int, MarketEvent, Iterator]] = []
        opened = 0
        while heap or pending:
            while pending and (not heap or pending[0][0] <= heap[0][0]):
                _, spec, path = pending.popleft()
                rows = self._read_events(spec, path)
                first = next(rows, None)
                if first is not None:
                    heapq.heappush(heap, (first[0], opened, first[1], rows))
                    opened += 1
            if not heap:
                continue
            _, order, event, rows = heap[0]
            yield event
            following = next(rows, None)
            if following is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (following[0], order, following[1], rows))

    def _read_events(self, spec: TableSpec, path: Path) -> Iterator[tuple[int, MarketEvent]]:
        parquet = pq.ParquetFile(path)
        _check_schema(path, parquet.schema_arrow, spec.schema)
        for batch in parquet.iter_batches(batch_size=READ_BATCH_ROWS, columns=spec.schema.names):
            batch = self._filter(spec, batch)
            columns = [batch.column(name).to_pylist() for name in spec.schema.names]
            for row in zip(*columns, strict=True):
                try:
                    event = spec.decode(row)
                except _DECODE_ERRORS as error:
                    self.rejects.add("invalid_row", f"{path.name} seq_no {row[0]}: {error}")
                    continue
                yield row[0], event

    def _filter(self, spec: TableSpec, batch: pa.RecordBatch) -> pa.RecordBatch:
        mask = None
        if self._start_ns is not None:
            mask = pc.greater_equal(batch.column("ts_event_ns"), self._start_ns)
        if self._end_ns is not None:
            below = pc.less(batch.column("ts_event_ns"), self._end_ns)
            mask = below if mask is None else pc.and_(mask, below)
        if self._id_array is not None and spec.filter_column is not None:
            column = batch.column(spec.filter_column)
            keep = pc.is_in(column, value_set=self._id_array)
            if spec.name == "status":
                keep = pc.or_(keep, pc.equal(column, ""))
            mask = keep if mask is None else pc.and_(mask, keep)
        return batch if mask is None else batch.filter(mask)

    # --- description ---------------------------------------------------------------------

    def info(self) -> dict:
        """Describe the whole catalog on disk (filters are ignored).

        Keys: ``path``, ``venues``, ``instruments`` (total, and count and ids by venue),
        ``events`` (total, by event type, by table), ``time_span`` (earliest and latest
        ``ts_event_ns`` with ISO strings, or None when empty) and ``partitions`` (rows per
        table of every venue and day).
        """
        venues = self.all_venues()
        by_type = dict.fromkeys((t.__name__ for t in EVENT_TYPES), 0)
        by_table = dict.fromkeys(TABLES, 0)
        partitions: dict[tuple[str, str], dict[str, int]] = {}
        first_ns: int | None = None
        last_ns: int | None = None
        for venue in venues:
            for spec in TABLES.values():
                for day_dir in self._day_dirs(spec.name, venue):
                    day = _partition_value(day_dir, "date")
                    for path in _files(day_dir):
                        rows, low, high = _file_stats(path, spec)
                        by_table[spec.name] += rows
                        counts = partitions.setdefault((venue, day), {})
                        counts[spec.name] = counts.get(spec.name, 0) + rows
                        if spec.name == "book":
                            snapshots = _count_true(path, "is_snapshot")
                            by_type["BookSnapshot"] += snapshots
                            by_type["BookDelta"] += rows - snapshots
                        else:
                            by_type[_EVENT_OF_TABLE[spec.name]] += rows
                        if low is not None:
                            first_ns = low if first_ns is None else min(first_ns, low)
                            last_ns = high if last_ns is None else max(last_ns, high)
        instruments = {}
        for venue in venues:
            ids = [d.id for d in Catalog(self.path, venues=[venue]).instruments()]
            instruments[venue] = {"count": len(ids), "ids": ids}
        span = None
        if first_ns is not None and last_ns is not None:
            span = {
                "first_ts_event_ns": first_ns,
                "last_ts_event_ns": last_ns,
                "first": ns_to_iso(first_ns),
                "last": ns_to_iso(last_ns),
            }
        return {
            "path": str(self.path),
            "venues": venues,
            "instruments": {
                "total": sum(v["count"] for v in instruments.values()),
                "by_venue": instruments,
            },
            "events": {"total": sum(by_type.values()), "by_type": by_type, "by_table": by_table},
            "time_span": span,
            "partitions": [
                {"venue": venue, "date": day, "events": sum(rows.values()), "rows": rows}
                for (venue, day), rows in sorted(partitions.items())
            ],
        }


_EVENT_OF_TABLE = {
    "tops": "TopOfBook",
    "trades": "Trade",
    "tick_changes": "TickSizeChange",
    "status": "MarketStatus",
    "resolutions": "Resolution",
    "definitions": "InstrumentDefinition",
}


def _day_start_ns(day: str) -> int:
    return (date.fromisoformat(day) - date(1970, 1, 1)).days * NS_PER_DAY


def _check_schema(path: Path, found: pa.Schema, expected: pa.Schema) -> None:
    missing = [f.name for f in expected if f.name not in found.names]
    if missing:
        raise DataError(f"{path}: not a catalog file of this version (missing columns {missing})")


def _read_checked(path: Path, schema: pa.Schema) -> pa.Table:
    parquet = pq.ParquetFile(path)
    _check_schema(path, parquet.schema_arrow, schema)
    return parquet.read(columns=schema.names)


def _first_seq_no(path: Path) -> int | None:
    """The smallest ``seq_no`` of a file (from statistics), or None when it has no rows."""
    metadata = pq.ParquetFile(path).metadata
    if metadata.num_rows == 0:
        return None
    stats = metadata.row_group(0).column(0).statistics
    return stats.min if stats is not None and stats.has_min_max else -1


def _file_stats(path: Path, spec: TableSpec) -> tuple[int, int | None, int | None]:
    """Rows and smallest / largest ``ts_event_ns`` of a file (statistics, else a scan)."""
    metadata = pq.ParquetFile(path).metadata
    column = spec.schema.get_field_index("ts_event_ns")
    low: int | None = None
    high: int | None = None
    for index in range(metadata.num_row_groups):
        stats = metadata.row_group(index).column(column).statistics
        if stats is None or not stats.has_min_max:
            bounds = pc.min_max(pq.read_table(path, columns=["ts_event_ns"])["ts_event_ns"])
            return metadata.num_rows, bounds["min"].as_py(), bounds["max"].as_py()
        low = stats.min if low is None else min(low, stats.min)
        high = stats.max if high is None else max(high, stats.max)
    return metadata.num_rows, low, high


def _count_true(path: Path, column: str) -> int:
    values = pq.read_table(path, columns=[column])[column]
    return int(pc.sum(values).as_py() or 0)
