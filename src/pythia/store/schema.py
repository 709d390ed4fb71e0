"""The journal's tables as SQLAlchemy Core objects (the migrations create them).

Keep in step with ``migrations/versions``: a change here needs a new migration.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text

# SQLite: INTEGER PRIMARY KEY is the rowid (64-bit, fastest); PostgreSQL: BIGINT.
BIG_KEY = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

journal_records = Table(
    "journal_records",
    metadata,
    Column("seq", BIG_KEY, primary_key=True, autoincrement=False),
    Column("ts_ns", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("strategy", Text, nullable=False),
    Column("instrument", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
)

journal_meta = Table(
    "journal_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

control_requests = Table(
    "control_requests",
    metadata,
    Column("id", BIG_KEY, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False),
    Column("command", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("consumed_seq", BigInteger, nullable=True),
    Column("source", Text, nullable=False, server_default="cli"),
)

RECORD_COLUMNS = (
    "seq",
    "ts_ns",
    "kind",
    "strategy",
    "instrument",
    "payload",
    "prev_hash",
    "hash",
)
