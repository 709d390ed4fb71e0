"""Write journal rows to a Parquet file (pyarrow), streaming in batches."""

from __future__ import annotations

import os
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pythia.store.errors import StoreError
from pythia.store.schema import RECORD_COLUMNS

PARQUET_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("ts_ns", pa.int64()),
        ("kind", pa.string()),
        ("strategy", pa.string()),
        ("instrument", pa.string()),
        ("payload", pa.string()),  # the stored canonical JSON text, byte for byte
        ("prev_hash", pa.string()),
        ("hash", pa.string()),
    ]
)
BATCH_ROWS = 10_000


def write_parquet(rows: Iterable[tuple], path: str | os.PathLike[str]) -> int:
    """Write ``rows`` (in :data:`RECORD_COLUMNS` order) to ``path``; return how many.

    The file appears whole or not at all: it is written beside ``path`` and renamed.
    """
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    count = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(partial, PARQUET_SCHEMA) as writer:
            iterator = iter(rows)
            while batch := list(islice(iterator, BATCH_ROWS)):
                columns = list(zip(*batch, strict=True))
                arrays = dict(zip(RECORD_COLUMNS, columns, strict=True))
                writer.write_table(pa.table(arrays, schema=PARQUET_SCHEMA))
                count += len(batch)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count
