"""Journal URLs: backends, the schema option, password masking."""

import pytest

from pythia.core.errors import ConfigError
from pythia.store import Journal
from pythia.store.connect import lock_key, parse_target


def test_postgres_urls_use_psycopg_and_mask_the_password():
    for url in ("postgresql://u:pw@h:5432/db", "postgres://u:pw@h:5432/db"):
        target = parse_target(url)
        assert target.backend == "postgresql" and target.url.drivername == "postgresql+psycopg"
        assert target.masked.endswith("u:***@h:5432/db") and "pw" not in target.masked
        assert target.password == "pw"


def test_schema_comes_from_the_url_or_the_argument_but_not_two_different_ones():
    assert parse_target("postgresql://u@h/db?schema=live").schema == "live"
    assert parse_target("postgresql://u@h/db", schema="live").schema == "live"
    assert "schema" not in parse_target("postgresql://u@h/db?schema=live").url.query
    with pytest.raises(ConfigError, match="differs"):
        parse_target("postgresql://u@h/db?schema=live", schema="paper")


def test_sqlite_urls_and_bare_paths(tmp_path):
    assert parse_target("sqlite:///run/j.db").path.as_posix() == "run/j.db"
    assert parse_target(f"sqlite:///{tmp_path}/j.db").path == tmp_path / "j.db"
    assert parse_target("run/j.db").backend == "sqlite"


def test_lock_keys_are_signed_64_bit_and_differ_by_schema():
    keys = {lock_key(f"pythia.journal:{name}") for name in ("public", "live", "paper")}
    assert len(keys) == 3 and all(-(2**63) <= key < 2**63 for key in keys)


def test_schema_argument_opens_the_same_journal_as_the_url_query(journal_url):
    if "?schema=" not in journal_url:  # SQLite: one file, no schemas
        with pytest.raises(ConfigError, match="PostgreSQL only"):
            Journal.open(journal_url, schema="live")
        return
    base, _, schema = journal_url.partition("?schema=")
    with Journal.open(base, schema=schema) as journal:
        written = journal.append("fill", {"n": 1}, 1)
    with Journal.open(journal_url, readonly=True) as journal:
        assert list(journal.records()) == [written]
