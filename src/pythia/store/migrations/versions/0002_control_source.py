"""Journal schema 2: who left a control request (``cli``, ``api``).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("control_requests") as batch:
        batch.add_column(sa.Column("source", sa.Text, nullable=False, server_default="cli"))


def downgrade() -> None:
    with op.batch_alter_table("control_requests") as batch:
        batch.drop_column("source")
