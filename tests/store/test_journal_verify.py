"""`verify` finds records edited, deleted or moved behind the journal's back, and says where."""

import pytest

from pythia.store import Journal, StoreError, record_hash
from store.journalkit import run_sql, swap_records


def write_records(url: str, count: int = 6) -> list:
    with Journal.open(url) as journal:
        return journal.append_many(
            ("fill", {"order_id": f"o-{i}", "size": i * 100}, i * 1_000, "mm", "BTC")
            for i in range(1, count + 1)
        )


def verify(url: str):
    with Journal.open(url, readonly=True) as journal:
        return journal.verify()


def problems(report) -> list[tuple[int, str]]:
    return [(p.seq, p.problem) for p in report.problems]


def test_an_intact_journal_verifies(journal_url):
    records = write_records(journal_url)
    report = verify(journal_url)
    assert report.ok and report.checked == 6 and report.problems == []
    assert (report.last_seq, report.last_hash) == (6, records[-1].hash)
    assert report.first_bad_seq is None


def test_an_empty_journal_verifies(journal_url):
    Journal.open(journal_url).close()
    report = verify(journal_url)
    assert report.ok and report.checked == 0


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE journal_records SET payload = \'{"order_id":"o-3","size":999}\' WHERE seq = 3',
        "UPDATE journal_records SET ts_ns = ts_ns + 1 WHERE seq = 3",
        "UPDATE journal_records SET kind = 'order_state' WHERE seq = 3",
        "UPDATE journal_records SET instrument = 'ETH' WHERE seq = 3",
        "UPDATE journal_records SET strategy = '' WHERE seq = 3",
    ],
)
def test_an_edited_field_is_found(journal_url, statement):
    write_records(journal_url)
    run_sql(journal_url, statement)
    report = verify(journal_url)
    assert not report.ok and report.first_bad_seq == 3
    assert problems(report) == [(3, "edited")]


def test_a_deleted_record_is_found(journal_url):
    write_records(journal_url)
    run_sql(journal_url, "DELETE FROM journal_records WHERE seq = 3")
    report = verify(journal_url)
    assert problems(report) == [(4, "deleted")]
    assert "3 missing" in report.problems[0].detail and report.checked == 5


def test_deleted_first_records_are_found(journal_url):
    write_records(journal_url)
    run_sql(journal_url, "DELETE FROM journal_records WHERE seq <= 2")
    report = verify(journal_url)
    assert problems(report) == [(3, "deleted")] and "1..2" in report.problems[0].detail


def test_swapped_records_are_reported_as_reordered(journal_url):
    write_records(journal_url)
    swap_records(journal_url, 3, 4)
    report = verify(journal_url)
    assert problems(report) == [(3, "reordered"), (4, "reordered")]
    assert "written as record 4" in report.problems[0].detail


def test_a_record_edited_and_rehashed_breaks_the_next_link(journal_url):
    records = write_records(journal_url)
    old = records[2]
    payload = '{"order_id":"o-3","size":1}'
    new_hash = record_hash(
        3, old.ts_ns, old.kind, old.strategy, old.instrument, payload, old.prev_hash
    )
    run_sql(
        journal_url,
        f"UPDATE journal_records SET payload = '{payload}', hash = '{new_hash}' WHERE seq = 3",
    )
    report = verify(journal_url)
    assert problems(report) == [(4, "broken_link")]


def test_a_writer_will_not_extend_a_tampered_tail(journal_url):
    write_records(journal_url)
    run_sql(journal_url, "UPDATE journal_records SET payload = '{}' WHERE seq = 6")
    with pytest.raises(StoreError, match="does not match its hash"):
        Journal.open(journal_url)
