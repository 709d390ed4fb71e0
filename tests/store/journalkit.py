"""Journal test backends: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is ``postgresql://postgres@127.0.0.1:5432/test`` unless ``PYTHIA_TEST_PG_URL``
says otherwise; each test gets a fresh schema, dropped afterwards. When PostgreSQL cannot be
reached the PostgreSQL cases skip with the reason, except under CI (``CI=true``), where
they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache

import psycopg
import pytest

from pythia.store.connect import create_store_engine, parse_target

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("PYTHIA_TEST_PG_URL", DEFAULT_PG_URL)


@cache
def postgres_unreachable() -> str | None:
    """Return why PostgreSQL cannot be used for tests, or None when it can."""
    url = pg_base_url()
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except Exception as error:  # any failure to connect is a reason to skip (or fail in CI)
        masked = parse_target(url).masked
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"PostgreSQL at {masked} is unreachable ({first_line}); set PYTHIA_TEST_PG_URL"
    return None


def require_postgres() -> str:
    """Return the PostgreSQL base URL, or skip (fail under CI) when it is unreachable."""
    reason = postgres_unreachable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return pg_base_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL for a journal that does not exist yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'run' / 'journal.db'}"
        return
    base = require_postgres()
    schema = f"pythia_test_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}schema={schema}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_sql(url: str, *statements: str) -> None:
    """Run SQL on a journal's database behind the journal's back (for tampering tests)."""
    engine = create_store_engine(parse_target(url), readonly=False)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def swap_records(url: str, first: int, second: int) -> None:
    """Swap the positions of two records by exchanging their seq numbers."""
    run_sql(
        url,
        f"UPDATE journal_records SET seq = -1 WHERE seq = {first}",
        f"UPDATE journal_records SET seq = {first} WHERE seq = {second}",
        f"UPDATE journal_records SET seq = {second} WHERE seq = -1",
    )
