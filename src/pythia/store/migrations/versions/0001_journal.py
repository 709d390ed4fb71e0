"""Journal schema 1: hash-chained records, key/value meta, control requests.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "journal_records",
        sa.Column("seq", BIG_KEY, primary_key=True, autoincrement=False),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("strategy", sa.Text, nullable=False, server_default=""),
        sa.Column("instrument", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_index("ix_journal_records_ts_ns", "journal_records", ["ts_ns"])
    op.create_index("ix_journal_records_instrument", "journal_records", ["instrument"])
    op.create_table(
        "journal_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "control_requests",
        sa.Column("id", BIG_KEY, primary_key=True, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("consumed_seq", sa.BigInteger, nullable=True),
    )
    meta = sa.table("journal_meta", sa.column("key", sa.Text), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    op.drop_table("control_requests")
    op.drop_table("journal_meta")
    op.drop_index("ix_journal_records_instrument", table_name="journal_records")
    op.drop_index("ix_journal_records_ts_ns", table_name="journal_records")
    op.drop_table("journal_records")
