"""``pythia journal verify/show/export`` on SQLite and PostgreSQL (typer CliRunner)."""

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.core.clock import iso_to_ns
from pythia.store import Journal
from store.journalkit import journal_url, run_sql  # noqa: F401  (the two-backend fixture)

runner = CliRunner()
T0 = iso_to_ns("2024-08-08T12:00:00Z")
MINUTE_NS = 60 * 1_000_000_000


@pytest.fixture
def journal(journal_url):  # noqa: F811
    with Journal.open(journal_url) as opened:
        opened.append(
            "order_submitted",
            {"order_id": "o-1", "price": "0.45"},
            T0,
            strategy="arb",
            instrument="YES-1",
        )
        opened.append(
            "fill",
            {"order_id": "o-1", "size": 10},
            T0 + MINUTE_NS,
            strategy="arb",
            instrument="YES-1",
        )
        opened.append(
            "order_submitted",
            {"order_id": "o-2"},
            T0 + 2 * MINUTE_NS,
            strategy="mm",
            instrument="BTC",
        )
        opened.append(
            "fill",
            {"order_id": "o-2", "size": 3},
            T0 + 3 * MINUTE_NS,
            strategy="mm",
            instrument="BTC",
        )
        opened.append("mode_change", {"mode": "paused"}, T0 + 4 * MINUTE_NS)
    return journal_url


def invoke(*args: str):
    return runner.invoke(app, ["journal", *args], env={"COLUMNS": "160"})


def json_lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_verify_passes_an_intact_journal(journal):
    result = invoke("verify", "--journal", journal)
    assert result.exit_code == 0, result.output
    assert "journal OK: 5 records" in result.output
    result = invoke("verify", "--journal", journal, "--json")
    document = json.loads(result.stdout)
    assert result.exit_code == 0 and document["ok"] is True and document["checked"] == 5
    assert document["problems"] == [] and document["first_bad_seq"] is None


def test_verify_fails_and_says_where(journal):
    run_sql(journal, 'UPDATE journal_records SET payload = \'{"order_id":"o-9"}\' WHERE seq = 2')
    result = invoke("verify", "--journal", journal)
    assert result.exit_code == 1
    assert "BROKEN" in result.output and "first at seq 2" in result.output
    result = invoke("verify", "--journal", journal, "--json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1 and document["ok"] is False and document["first_bad_seq"] == 2
    assert document["problems"][0]["problem"] == "edited"


def test_verify_reports_a_deleted_record(journal):
    run_sql(journal, "DELETE FROM journal_records WHERE seq = 4")
    result = invoke("verify", "--journal", journal, "--json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(p["seq"], p["problem"]) for p in document["problems"]] == [(5, "deleted")]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], [1, 2, 3, 4, 5]),
        (["--kind", "fill"], [2, 4]),
        (["--kind", "fill,mode_change"], [2, 4, 5]),
        (["--kind", "fill", "--kind", "mode_change"], [2, 4, 5]),
        (["--instrument", "BTC"], [3, 4]),
        (["--strategy", "arb"], [1, 2]),
        (["--since", "2024-08-08T12:01:00Z", "--until", "2024-08-08T12:03:00Z"], [2, 3]),
        (["--since", str(T0 + 3 * MINUTE_NS)], [4, 5]),
        (["--since", "2024-08-08T14:01:00+02:00"], [2, 3, 4, 5]),
        (["--limit", "2", "--kind", "order_submitted,fill"], [1, 2]),
    ],
)
def test_show_filters(journal, options, expected):
    result = invoke("show", "--journal", journal, "--json", *options)
    assert result.exit_code == 0, result.output
    assert [line["seq"] for line in json_lines(result)] == expected


def test_show_json_lines_carry_the_whole_record(journal):
    result = invoke("show", "--journal", journal, "--json", "--kind", "fill", "--limit", "1")
    (line,) = json_lines(result)
    assert line["payload"] == {"order_id": "o-1", "size": 10}
    assert line["time"] == "2024-08-08T12:01:00.000000000Z" and line["ts_ns"] == T0 + MINUTE_NS
    assert {"seq", "kind", "strategy", "instrument", "prev_hash", "hash"} <= set(line)


def test_show_prints_a_table(journal):
    result = invoke("show", "--journal", journal, "--instrument", "BTC")
    assert result.exit_code == 0, result.output
    assert "order_submitted" in result.output and "2024-08-08 12:02" in result.output
    assert "YES-1" not in result.output
    result = invoke("show", "--journal", journal, "--kind", "settlement")
    assert "no matching records" in result.output


def test_export_writes_parquet(journal, tmp_path):
    out = tmp_path / "fills.parquet"
    result = invoke("export", "--journal", journal, "--out", str(out), "--kind", "fill", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"exported": 2, "path": str(out)}
    rows = pq.read_table(out).to_pylist()
    assert [row["seq"] for row in rows] == [2, 4]
    assert json.loads(rows[1]["payload"]) == {"order_id": "o-2", "size": 3}


def test_bad_time_is_a_clear_error(journal):
    result = invoke("show", "--journal", journal, "--since", "last tuesday")
    assert result.exit_code == 1 and "--since" in result.output


def test_missing_journal_is_one_clear_line(tmp_path):
    result = invoke("verify", "--journal", f"sqlite:///{tmp_path}/nope.db")
    assert result.exit_code == 1
    assert result.output.strip() == f"error: no journal at {tmp_path}/nope.db (no such file)"
    result = invoke("show", "--journal", f"{tmp_path}/nope.db", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["type"] == "StoreError"


def test_unreachable_database_never_echoes_the_password():
    url = "postgresql://trader:hunter2@127.0.0.1:1/test?connect_timeout=2"
    result = invoke("verify", "--journal", url)
    assert result.exit_code == 1
    assert "hunter2" not in result.output and "trader:***@127.0.0.1:1" in result.output
    assert len(result.output.strip().splitlines()) == 1
