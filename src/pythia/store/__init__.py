"""Journal and checkpoints: the append-only, hash-chained journal on SQLite or PostgreSQL.

See docs/journal.md. ``Journal.open(url)`` for the engine (one writer), ``readonly=True``
for ``pythia journal show/verify/export``.
"""

from pythia.store.errors import JournalLocked, PayloadRefused, StoreError
from pythia.store.journal import Journal
from pythia.store.records import (
    CONTROL_COMMANDS,
    GENESIS_HASH,
    ControlRequest,
    Entry,
    Record,
    record_hash,
)
from pythia.store.verify import Problem, VerifyReport

__all__ = [
    "CONTROL_COMMANDS",
    "GENESIS_HASH",
    "ControlRequest",
    "Entry",
    "Journal",
    "JournalLocked",
    "PayloadRefused",
    "Problem",
    "Record",
    "StoreError",
    "VerifyReport",
    "record_hash",
]
