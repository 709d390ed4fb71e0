"""Alembic environment: runs migrations on the connection ``pythia.store.migrate`` passes.

There is no alembic.ini: ``Journal.open`` builds the configuration in code and hands over
an open connection (with the PostgreSQL ``search_path`` already on the journal's schema).
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "pythia journal migrations run only through pythia.store.migrate (Journal.open)"
    )
context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema=config.attributes.get("version_table_schema"),
)
with context.begin_transaction():
    context.run_migrations()
