"""Apply the journal's alembic migrations from inside the installed package (no alembic.ini).

The scripts live in ``pythia/store/migrations`` (``env.py`` and ``versions/NNNN_*.py``),
found by file path, so they run the same from a source tree and from an installed wheel.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection

from pythia.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["version_table_schema"] = schema
    return config


@cache
def head_revision() -> str:
    """Return the newest schema revision this version of Pythia knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS_DIR}"
    return head


def current_revision(connection: Connection, schema: str | None) -> str | None:
    """Return the revision a database is at, or None if it has no journal schema yet."""
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


def upgrade(connection: Connection, schema: str | None, masked_url: str) -> None:
    """Bring the journal schema to the head revision inside the caller's transaction."""
    current = current_revision(connection, schema)
    if current == head_revision():
        return
    try:
        command.upgrade(_config(connection, schema), "head")
    except CommandError as error:
        raise StoreError(
            f"journal {masked_url} is at schema revision {current!r}, which this Pythia"
            f" (head {head_revision()!r}) cannot migrate: {error}"
        ) from None


def require_head(connection: Connection, schema: str | None, masked_url: str) -> None:
    """Raise unless the journal exists and is at the head revision (read-only opens)."""
    current = current_revision(connection, schema)
    if current is None:
        raise StoreError(f"no journal at {masked_url} (no journal tables there)")
    if current != head_revision():
        raise StoreError(
            f"journal {masked_url} is at schema revision {current!r}, this Pythia needs"
            f" {head_revision()!r}: open it once for writing to migrate, or upgrade Pythia"
        )
