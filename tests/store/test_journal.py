"""Journal on SQLite and PostgreSQL: round trip, chain, reopen, filters, export, locks."""

import hashlib
import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from pythia.core.errors import ConfigError, DataError
from pythia.store import GENESIS_HASH, Entry, Journal, JournalLocked, StoreError, record_hash
from pythia.store.connect import create_store_engine, parse_target
from pythia.store.migrate import head_revision

BIG_TOKEN_ID = 71321045679252212594626385532706912750332728571942532289631379312455583992563


def fill_journal(journal: Journal) -> None:
    """Six records over two instruments, two strategies and three kinds."""
    journal.append(
        "order_submitted", {"order_id": "o-1", "price": 450}, 1_000, strategy="mm", instrument="BTC"
    )
    journal.append(
        "fill", {"order_id": "o-1", "size": "0.25"}, 2_000, strategy="mm", instrument="BTC"
    )
    journal.append("order_submitted", {"order_id": "o-2"}, 3_000, strategy="arb", instrument="ETH")
    journal.append("fill", {"order_id": "o-2"}, 4_000, strategy="arb", instrument="ETH")
    journal.append("mode_change", {"mode": "reduce"}, 5_000)
    journal.append("fill", {"order_id": "o-3"}, 6_000, strategy="mm", instrument="ETH")


def test_append_and_read_back_round_trip(journal_url):
    payload = {
        "token_id": BIG_TOKEN_ID,
        "price": "0.455",
        "size_units": 1_250_000,
        "legs": ({"side": "buy", "ok": True}, None),
        "note": 'Ünïcödé ✓ "quoted" \n',
    }
    with Journal.open(journal_url) as journal:
        written = journal.append(
            "order_submitted",
            payload,
            1_700_000_000_123_456_789,
            strategy="arb",
            instrument="poly:123",
        )
        assert (written.seq, written.prev_hash) == (1, GENESIS_HASH)
        assert written.payload["legs"] == [{"side": "buy", "ok": True}, None]
        (read,) = list(journal.records())
    assert read == written
    assert read.payload["token_id"] == BIG_TOKEN_ID and type(read.payload["size_units"]) is int


def test_every_record_chains_to_the_one_before(journal_url):
    with Journal.open(journal_url) as journal:
        fill_journal(journal)
        records = list(journal.records())
        assert (journal.last_seq, journal.last_hash) == (6, records[-1].hash)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    previous = GENESIS_HASH
    for record in records:
        assert record.prev_hash == previous
        text_oracle = json.dumps(
            record.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        fields = (
            record.seq,
            record.ts_ns,
            record.kind,
            record.strategy,
            record.instrument,
            text_oracle,
            record.prev_hash,
        )
        assert record.hash == record_hash(*fields)
        previous = record.hash


def test_hash_rule_is_sha256_over_netstrings():
    fields = ["7", "42", "fill", "mm", "BTC", '{"a":"é"}', GENESIS_HASH]
    material = b"".join(b"%d:%b," % (len(f.encode()), f.encode()) for f in fields)
    expected = hashlib.sha256(material).hexdigest()
    assert record_hash(7, 42, "fill", "mm", "BTC", '{"a":"é"}', GENESIS_HASH) == expected
    assert record_hash(7, 42, "fill", "m", "mBTC", '{"a":"é"}', GENESIS_HASH) != expected


def test_append_many_is_one_chain_and_reopen_continues_it(journal_url):
    with Journal.open(journal_url) as journal:
        first = journal.append_many(
            [
                Entry("fill", {"n": 1}, 10),
                ("fill", {"n": 2}, 20, "mm", "BTC"),
                {"kind": "fill", "payload": {"n": 3}, "ts_ns": 30},
            ]
        )
        run_id = journal.meta()["run_id"]
    assert [r.seq for r in first] == [1, 2, 3] and first[1].instrument == "BTC"
    with Journal.open(journal_url) as journal:
        assert (journal.last_seq, journal.last_hash) == (3, first[-1].hash)
        fourth = journal.append("fill", {"n": 4}, 40)
        meta = journal.meta()
        report = journal.verify()
    assert (fourth.seq, fourth.prev_hash) == (4, first[-1].hash)
    assert report.ok and report.checked == 4 and report.last_hash == fourth.hash
    assert meta["run_id"] == run_id and meta["schema_version"] == "1" and meta["created"]


def test_append_many_writes_all_or_nothing(journal_url):
    with Journal.open(journal_url) as journal:
        journal.append("fill", {"n": 0}, 1)
        with pytest.raises(DataError, match="float"):
            journal.append_many([("fill", {"n": 1}, 2), ("fill", {"price": 0.5}, 3)])
        assert journal.last_seq == 1 and [r.seq for r in journal.records()] == [1]
        assert journal.append("fill", {"n": 1}, 2).seq == 2
        assert journal.append_many([]) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6]),
        ({"since_seq": 4}, [5, 6]),
        ({"kinds": "fill"}, [2, 4, 6]),
        ({"kinds": ["fill", "mode_change"]}, [2, 4, 5, 6]),
        ({"instrument": "ETH"}, [3, 4, 6]),
        ({"strategy": "mm"}, [1, 2, 6]),
        ({"ts_from": 2_000, "ts_to": 5_000}, [2, 3, 4]),
        ({"kinds": "fill", "instrument": "ETH", "strategy": "mm"}, [6]),
        ({"limit": 2, "since_seq": 1}, [2, 3]),
        ({"limit": 0}, []),
        ({"instrument": "nope"}, []),
    ],
)
def test_records_filters(journal_url, filters, expected):
    with Journal.open(journal_url) as journal:
        fill_journal(journal)
        assert [r.seq for r in journal.records(**filters)] == expected


def test_records_stream_past_one_read_batch(journal_url):
    with Journal.open(journal_url) as journal:
        journal.append_many(("tick", {"i": i}, i) for i in range(2_345))
        assert [r.payload["i"] for r in journal.records()] == list(range(2_345))
        assert len(list(journal.records(limit=1_500))) == 1_500
        assert journal.verify().checked == 2_345


def test_bad_filters_and_fields_are_refused(journal_url):
    with Journal.open(journal_url) as journal:
        with pytest.raises(DataError, match="limit"):
            list(journal.records(limit=-1))
        with pytest.raises(DataError, match="ts_from"):
            list(journal.records(ts_from="yesterday"))
        with pytest.raises(DataError, match="kind"):
            journal.append("Order Submitted", {}, 1)
        with pytest.raises(DataError, match="ts_ns"):
            journal.append("fill", {}, 1.5)
        with pytest.raises(DataError, match="instrument"):
            journal.append("fill", {}, 1, instrument=None)
        assert journal.last_seq == 0


def test_export_parquet_round_trip(journal_url, tmp_path):
    out = tmp_path / "deep" / "fills.parquet"
    with Journal.open(journal_url) as journal:
        fill_journal(journal)
        assert journal.export_parquet(out, kinds="fill") == 3
        expected = list(journal.records(kinds="fill"))
        assert journal.export_parquet(tmp_path / "none.parquet", instrument="nope") == 0
    table = pq.read_table(out)
    assert table.column_names == [
        "seq",
        "ts_ns",
        "kind",
        "strategy",
        "instrument",
        "payload",
        "prev_hash",
        "hash",
    ]
    rows = table.to_pylist()
    assert [row["seq"] for row in rows] == [2, 4, 6]
    for row, record in zip(rows, expected, strict=True):
        assert json.loads(row["payload"]) == record.payload
        assert row["hash"] == record.hash and row["prev_hash"] == record.prev_hash
        assert record_hash(*[row[k] for k in list(row)[:7]]) == row["hash"]
    assert pq.read_table(tmp_path / "none.parquet").num_rows == 0


def test_control_requests_round_trip(journal_url):
    with Journal.open(journal_url) as engine_side:
        engine_side.append("start", {}, 1)
        with Journal.open(journal_url, readonly=True) as operator:
            pause = operator.request_control("pause", "news at 14:00")
            kill = operator.request_control("kill", "")
        assert engine_side.pending_control() == [pause, kill]
        assert pause.id < kill.id and pause.consumed_seq is None and pause.ts_ns > 0
        record = engine_side.append("control", {"command": "pause", "request_id": pause.id}, 2)
        engine_side.mark_control_consumed(pause.id, record.seq)
        assert engine_side.pending_control() == [kill]
        with pytest.raises(StoreError, match="already consumed"):
            engine_side.mark_control_consumed(pause.id, record.seq)
        with pytest.raises(DataError, match="not a record"):
            engine_side.mark_control_consumed(kill.id, 99)
        with pytest.raises(DataError, match="unknown control command"):
            engine_side.request_control("explode", "")


def test_second_writer_is_refused_and_readers_are_not(journal_url):
    with Journal.open(journal_url) as writer:
        writer.append("fill", {}, 1)
        with pytest.raises(JournalLocked, match="open for writing"):
            Journal.open(journal_url)
        with Journal.open(journal_url, readonly=True) as reader:
            assert reader.last_seq == 1
            writer.append("fill", {}, 2)
            assert reader.last_seq == 2 and reader.verify().ok
            with pytest.raises(StoreError, match="read-only"):
                reader.append("fill", {}, 3)
    with Journal.open(journal_url) as next_writer:
        assert next_writer.append("fill", {}, 3).seq == 3


def test_migrations_are_at_head_and_tables_exist(journal_url):
    Journal.open(journal_url).close()
    engine = create_store_engine(parse_target(journal_url), readonly=True)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("journal_records", "journal_meta", "control_requests")
        ]
    engine.dispose()
    assert version == head_revision() and counts == [0, 3, 0]


def test_read_only_open_of_a_missing_journal_says_so(journal_url):
    with pytest.raises(StoreError, match="no journal at"):
        Journal.open(journal_url, readonly=True)


def test_closed_journal_refuses_work(journal_url):
    journal = Journal.open(journal_url)
    journal.close()
    journal.close()
    with pytest.raises(StoreError, match="closed"):
        journal.append("fill", {}, 1)


def test_bad_urls_are_config_errors(tmp_path):
    for url in ("", "mysql://root@localhost/db", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ConfigError):
            Journal.open(url)
    with pytest.raises(ConfigError, match="PostgreSQL only"):
        Journal.open(f"sqlite:///{tmp_path}/j.db?schema=x")
    with pytest.raises(ConfigError, match="lowercase identifier"):
        Journal.open("postgresql://u@localhost/db?schema=Robert'); DROP")


def test_unreachable_postgres_is_one_clear_line_without_the_password():
    with pytest.raises(StoreError) as caught:
        Journal.open("postgresql://trader:hunter2@127.0.0.1:1/test?connect_timeout=2")
    message = str(caught.value)
    assert "hunter2" not in message and "***" in message and "\n" not in message


def test_bare_path_is_sqlite(tmp_path):
    path = tmp_path / "plain.db"
    with Journal.open(str(path)) as journal:
        assert journal.backend == "sqlite" and journal.append("fill", {}, 1).seq == 1
    assert path.is_file()


def test_a_schema_1_journal_is_migrated_and_its_control_requests_keep_working(journal_url):
    from alembic import command

    from pythia.store.migrate import _config

    target = parse_target(journal_url)
    engine = create_store_engine(target, readonly=False)
    with engine.begin() as connection:
        if target.schema:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
        command.upgrade(_config(connection, target.schema), "0001")  # an older Pythia's
        connection.execute(
            text("INSERT INTO control_requests (ts_ns, command, reason) VALUES (1, 'pause', 'old')")
        )
    engine.dispose()
    with Journal.open(journal_url) as journal:  # opening for writing migrates to head
        [old] = journal.pending_control()
        assert (old.command, old.reason, old.source) == ("pause", "old", "cli")
        new = journal.request_control("resume", "", source="api")
        assert [r.source for r in journal.pending_control()] == ["cli", "api"]
        assert new.source == "api"
        with pytest.raises(DataError, match="control source"):
            journal.request_control("pause", "", source="cron")
