"""Round trip, determinism, layout, filters and info of the Parquet catalog."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pythia.core.errors import ConfigError, DataError
from pythia.data.catalog import Catalog, write_catalog
from pythia.model.events import EVENT_TYPES, BookDelta
from pythia.ports.market_data import MarketDataSource


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_round_trip_is_exact_and_ordered(source, events, instruments, tmp_path):
    write_catalog(source, tmp_path / "cat", "fake")

    catalog = Catalog(tmp_path / "cat")
    read_events = list(catalog.events())
    read_instruments = catalog.instruments()

    assert read_events == events
    assert [type(e) for e in read_events] == [type(e) for e in events]
    assert read_instruments == instruments
    assert [type(i) for i in read_instruments] == [type(i) for i in instruments]
    assert catalog.rejects.total == 0


def test_catalog_is_a_market_data_source(source, tmp_path):
    write_catalog(source, tmp_path, "fake")

    assert isinstance(Catalog(tmp_path), MarketDataSource)


def test_every_event_type_is_covered(events):
    assert {type(e) for e in events} == set(EVENT_TYPES)


def test_small_batches_and_few_open_files_keep_order(source, events, tmp_path, monkeypatch):
    import pythia.data.catalog_writer as writer_module

    monkeypatch.setattr(writer_module, "MAX_OPEN_WRITERS", 1)
    write_catalog(source, tmp_path, "fake", batch_rows=2)

    assert list(Catalog(tmp_path).events()) == events
    assert len(list((tmp_path / "book/venue=fake/date=2024-08-08").glob("part-*.parquet"))) > 1


def test_writing_is_deterministic(events, instruments, make_source, tmp_path):
    write_catalog(make_source(events, instruments), tmp_path / "a", "fake")
    write_catalog(make_source(events, instruments), tmp_path / "b", "fake")

    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert first == second


def test_summary_counts_and_partitions(source, events, tmp_path):
    summary = write_catalog(source, tmp_path, "fake")

    assert summary.events == len(events)
    assert summary.events_by_type["BookDelta"] == 4
    assert summary.events_by_type["BookSnapshot"] == 2
    assert summary.events_by_type["Trade"] == 4
    assert summary.rows_by_table["book"] == 6
    assert summary.instruments == 8
    assert summary.partitions == [
        "venue=fake/date=2024-08-07",
        "venue=fake/date=2024-08-08",
        "venue=fake/date=2024-08-09",
    ]
    assert "instruments/venue=fake/part-00000.parquet" in summary.files
    assert summary.rejects["by_reason"] == {"malformed": 1}
    assert all((tmp_path / f).is_file() for f in summary.files)
    assert not list(tmp_path.glob(".staging-*"))


def test_tables_read_with_pyarrow_dataset(source, tmp_path):
    write_catalog(source, tmp_path, "fake")

    book = ds.dataset(tmp_path / "book", partitioning="hive").to_table()

    assert book.num_rows == 6
    assert set(book.column("venue").to_pylist()) == {"fake"}
    assert {str(d) for d in book.column("date").to_pylist()} == {"2024-08-08", "2024-08-09"}
    assert sorted(book.column("seq_no").to_pylist()) == [3, 4, 6, 7, 15, 21]


def test_info_counts_span_and_partitions(source, events, days, tmp_path):
    DAY1, DAY2 = days
    write_catalog(source, tmp_path, "fake")

    info = Catalog(tmp_path).info()

    assert info["venues"] == ["fake"]
    assert info["instruments"]["total"] == 8
    assert info["instruments"]["by_venue"]["fake"]["ids"][:2] == ["tok-yes", "tok-no"]
    assert info["events"]["total"] == len(events)
    assert info["events"]["by_type"] == {
        "BookSnapshot": 2, "BookDelta": 4, "TopOfBook": 2, "Trade": 4, "TickSizeChange": 1,
        "MarketStatus": 4, "Resolution": 2, "InstrumentDefinition": 4,
    }  # fmt: skip
    assert info["time_span"]["first_ts_event_ns"] == DAY1 - 1
    assert info["time_span"]["last_ts_event_ns"] == DAY2 + 60 * 10**9 + 9
    assert info["time_span"]["first"] == "2024-08-07T23:59:59.999999999Z"
    days = [(p["venue"], p["date"]) for p in info["partitions"]]
    assert days == [("fake", "2024-08-07"), ("fake", "2024-08-08"), ("fake", "2024-08-09")]
    assert sum(p["events"] for p in info["partitions"]) == len(events)


def test_second_venue_is_kept_and_streams_interleave_by_receive_time(
    events, instruments, make_source, tmp_path
):
    write_catalog(make_source(events, instruments), tmp_path, "fake")
    other = [e for e in events if isinstance(e, BookDelta)]
    write_catalog(make_source(other, []), tmp_path, "other")

    catalog = Catalog(tmp_path)
    merged = list(catalog.events())

    assert catalog.venues() == ["fake", "other"]
    assert len(merged) == len(events) + len(other)
    assert list(Catalog(tmp_path, venues=["fake"]).events()) == events
    assert list(Catalog(tmp_path, venues=["other"]).events()) == other
    assert Catalog(tmp_path).info()["instruments"]["by_venue"]["other"]["count"] == 0


def test_existing_venue_needs_overwrite(source, events, instruments, make_source, tmp_path):
    write_catalog(source, tmp_path, "fake")

    with pytest.raises(ConfigError, match="overwrite"):
        write_catalog(make_source(events, instruments), tmp_path, "fake")
    write_catalog(make_source(events[:3], instruments), tmp_path, "fake", overwrite=True)

    assert list(Catalog(tmp_path).events()) == events[:3]
    assert not (tmp_path / "trades" / "venue=fake").exists()


def test_failed_import_leaves_catalog_unchanged(source, events, instruments, make_source, tmp_path):
    write_catalog(source, tmp_path, "fake")
    before = _tree(tmp_path)

    class Broken(make_source):
        def events(self):
            yield from events[:5]
            raise DataError("no such file: gone.gz")

    with pytest.raises(DataError, match="gone"):
        write_catalog(Broken(events, instruments), tmp_path, "fake", overwrite=True)

    assert _tree(tmp_path) == before


def test_values_outside_int64_are_a_data_error(instruments, make_source, days, tmp_path):
    from pythia.model.events import Trade

    huge = Trade("BTCUSDT", 2**63, 1, None, "x", days[0], days[0])

    with pytest.raises(DataError, match="trades"):
        write_catalog(make_source([huge], instruments), tmp_path, "fake")
    assert not (tmp_path / "trades").exists()


def test_invalid_venue_name_and_missing_catalog(source, tmp_path):
    with pytest.raises(ConfigError, match="venue"):
        write_catalog(source, tmp_path, "Bad/Venue")
    with pytest.raises(ConfigError, match="no catalog"):
        Catalog(tmp_path / "missing")


def test_filters_by_instrument_and_time(source, events, days, tmp_path):
    write_catalog(source, tmp_path, "fake")
    start, end = days

    by_time = list(Catalog(tmp_path, start_ns=start, end_ns=end).events())
    by_id = list(Catalog(tmp_path, instrument_ids=["BTCUSDT"]).events())
    instruments = Catalog(tmp_path, instrument_ids=["BTCUSDT"]).instruments()

    assert by_time == [e for e in events if start <= e.ts_event_ns < end]
    assert [getattr(e, "instrument_id", None) for e in by_id if hasattr(e, "price")] == [
        "BTCUSDT",
        "BTCUSDT",
    ]
    assert all(getattr(e, "instrument_id", "BTCUSDT") in ("BTCUSDT", "") for e in by_id)
    assert [i.id for i in instruments] == ["BTCUSDT"]


def test_empty_source_writes_an_empty_catalog(make_source, tmp_path):
    summary = write_catalog(make_source([], []), tmp_path, "fake")

    info = Catalog(tmp_path).info()
    assert summary.events == 0 and summary.files == []
    assert info["events"]["total"] == 0
    assert info["time_span"] is None
    assert list(Catalog(tmp_path).events()) == []


def test_undecodable_rows_are_counted_not_raised(source, events, tmp_path):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    write_catalog(source, tmp_path, "fake")
    path = tmp_path / "trades/venue=fake/date=2024-08-09/part-00000.parquet"
    table = pq.read_table(path)
    broken = table.set_column(
        table.schema.get_field_index("aggressor"),
        "aggressor",
        pc.if_else(pc.is_null(table["aggressor"]), None, "sideways"),
    )
    pq.write_table(broken, path)

    catalog = Catalog(tmp_path)
    read_events = list(catalog.events())

    assert len(read_events) == len(events) - 1
    assert catalog.rejects.by_reason == {"invalid_row": 1}
