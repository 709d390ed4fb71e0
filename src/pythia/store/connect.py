"""Journal URLs, database engines and the single-writer lock, for SQLite and PostgreSQL.

- ``sqlite:///relative/file.db``, ``sqlite:////absolute/file.db`` or a bare file path:
  SQLite in WAL mode with ``synchronous=NORMAL`` (a committed record survives a killed
  process) and a busy timeout. The writer lock is an exclusive ``flock`` on the file
  ``<db>.writer-lock`` beside the database, released by the OS when the process dies.
- ``postgresql://user[:password]@host[:port]/db[?schema=NAME]`` (also ``postgres://``,
  ``postgresql+psycopg://``): PostgreSQL through psycopg 3. ``schema`` puts the journal's
  tables in that schema (created if missing). The writer lock is a session-level
  ``pg_try_advisory_lock`` keyed on the schema name.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from pythia.core.errors import ConfigError
from pythia.store.errors import JournalLocked, StoreError

SCHEMA_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
POSTGRES_NAMES = ("postgresql", "postgres", "postgresql+psycopg")
DEFAULT_CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class JournalTarget:
    """Where a journal lives: parsed from a URL, with the password kept out of ``masked``."""

    backend: str  # "sqlite" or "postgresql"
    url: URL
    masked: str
    path: Path | None = None
    schema: str | None = None

    @property
    def password(self) -> str | None:
        return self.url.password if self.backend == "postgresql" else None


def parse_target(url: str, schema: str | None = None) -> JournalTarget:
    """Parse a journal URL (module docstring); ``schema`` may also come from ``?schema=``."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigError("journal URL is empty: give sqlite:///FILE or postgresql://...")
    if "://" not in url:
        url = f"sqlite:///{url}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "journal URL is not a URL: give sqlite:///FILE or postgresql://..."
        ) from None
    masked = parsed.render_as_string(hide_password=True)
    query = dict(parsed.query)
    url_schema = query.pop("schema", None)
    if isinstance(url_schema, tuple):
        raise ConfigError(f"journal URL {masked} names more than one schema")
    if schema and url_schema and schema != url_schema:
        raise ConfigError(f"journal schema {schema!r} differs from the URL's {url_schema!r}")
    schema = schema or url_schema
    if parsed.drivername == "sqlite":
        if schema:
            raise ConfigError("a journal schema applies to PostgreSQL only, not SQLite")
        if query or not parsed.database or parsed.database == ":memory:":
            raise ConfigError(
                f"journal URL {masked}: give a database file, sqlite:///path/to/journal.db"
            )
        return JournalTarget("sqlite", parsed, masked, path=Path(parsed.database))
    if parsed.drivername in POSTGRES_NAMES:
        if schema is not None and not SCHEMA_PATTERN.match(schema):
            raise ConfigError(
                f"journal schema {schema!r} must be a lowercase identifier like 'pythia_live'"
            )
        pg_url = parsed.set(drivername="postgresql+psycopg", query=query)
        return JournalTarget("postgresql", pg_url, masked, schema=schema)
    raise ConfigError(
        f"journal URL {masked} is neither sqlite:///FILE nor postgresql://... (psycopg 3)"
    )


def describe(error: BaseException, target: JournalTarget) -> str:
    """Return a one-line description of a database error, any password masked."""
    cause = getattr(error, "orig", None) or error
    line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    if target.password:
        line = line.replace(target.password, "***")
    return line


def create_store_engine(
    target: JournalTarget, *, readonly: bool, busy_timeout_s: float = 5.0
) -> Engine:
    """Create the SQLAlchemy engine of a journal (no connection is made yet).

    Writers wrap every SQLite transaction in ``BEGIN IMMEDIATE``; readers in ``BEGIN``.
    """
    if target.backend == "sqlite":
        return _sqlite_engine(target, readonly, busy_timeout_s)
    args: dict[str, object] = {}
    if "connect_timeout" not in target.url.query:
        args["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT_S
    if target.schema:
        extra = target.url.query.get("options", "")
        args["options"] = f"{extra} -c search_path={target.schema}".strip()
    return create_engine(target.url, poolclass=NullPool, connect_args=args)


def _sqlite_engine(target: JournalTarget, readonly: bool, busy_timeout_s: float) -> Engine:
    path = target.path
    assert path is not None
    if readonly and not path.is_file():
        why = "not a file" if path.exists() else "no such file"
        raise StoreError(f"no journal at {path} ({why})")
    if not readonly:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the journal's folder {path.parent}: {error}") from None

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        if not readonly:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                connection.close()
                raise StoreError(f"SQLite refused WAL mode for {path} (got {mode})")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    begin_sql = "BEGIN" if readonly else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine


class WriterLock:
    """The exclusive right to append to one journal, held until :meth:`release`."""

    def __init__(self, target: JournalTarget, connection: Connection) -> None:
        self._file: int | None = None
        if target.backend == "sqlite":
            self._lock_file(target)
        else:
            self._lock_postgres(target, connection)

    def _lock_file(self, target: JournalTarget) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: rely on SQLite's own locking only
            return
        lock_path = f"{target.path}.writer-lock"
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise JournalLocked(
                f"journal {target.masked} is open for writing elsewhere (lock {lock_path}"
                " is held); stop that engine or open the journal read-only"
            ) from None
        self._file = descriptor

    def _lock_postgres(self, target: JournalTarget, connection: Connection) -> None:
        name = target.schema or connection.execute(text("SELECT current_schema()")).scalar()
        key = lock_key(f"pythia.journal:{name}")
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        is_ours = bool(held.scalar())
        connection.commit()
        if not is_ours:
            raise JournalLocked(
                f"journal {target.masked} (schema {name}) is open for writing by another"
                " session (advisory lock held); stop that engine or open the journal read-only"
            )

    def release(self) -> None:
        """Release a file lock (a PostgreSQL lock ends with its connection)."""
        if self._file is not None:
            os.close(self._file)
            self._file = None


def lock_key(name: str) -> int:
    """Return a signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
