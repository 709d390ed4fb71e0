"""The SYNTHETIC stream generator: replayed by the Polymarket reader, planted windows found."""

import json

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.synth_stream import write_stream
from pythia.service.scan_replay import scan_dataset

runner = CliRunner()


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")
    truth = write_stream(out, groups=7, outcomes=(2, 9), seed=5, updates=1500)
    return out, truth


def test_same_seed_same_bytes(tmp_path):
    for name in ("a", "b"):
        write_stream(tmp_path / name, groups=4, outcomes=(2, 5), seed=3, updates=400)
    for name in ("stream.jsonl", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    write_stream(tmp_path / "c", groups=4, outcomes=(2, 5), seed=4, updates=400)
    assert (tmp_path / "c" / "stream.jsonl").read_bytes() != (
        tmp_path / "a" / "stream.jsonl"
    ).read_bytes()


def test_stream_is_labelled_and_in_ws_formats(stream):
    out, truth = stream
    assert truth["synthetic"] is True
    assert "SYNTHETIC" in (out / "README.txt").read_text()
    kinds = []
    for line in (out / "stream.jsonl").read_text().splitlines():
        prefix, _, body = line.partition(" ")
        assert prefix.isdigit()
        message = json.loads(body)
        assert message["synthetic"] is True
        kinds.append(message.get("event_type", "gamma_event"))
    assert kinds[:7] == ["gamma_event"] * 7
    assert kinds.index("price_change") > kinds.index("book")
    assert set(kinds) == {"gamma_event", "book", "price_change"}
    assert len(truth["opportunities"]) == 4  # events 0, 2, 4, 6


@pytest.mark.parametrize("seed", [5, 8])
def test_scan_reports_exactly_the_planted_windows(tmp_path, seed):
    truth = write_stream(tmp_path, groups=7, outcomes=(2, 9), seed=seed, updates=1500)
    result = scan_dataset(f"polymarket:{tmp_path / 'stream.jsonl'}")
    assert result["problems"] == []
    assert result["rejected_updates"] == 0 and result["dropped_unsynced"] == 0
    assert result["rejected"] == []
    found = sorted(
        (o["kind"], o["group"], o["group_id"], o["first_seen_ns"], o["last_seen_ns"], o["episodes"])
        for o in result["opportunities"]
    )
    planted = sorted(
        (w["kind"], w["group"], w["group_id"], w["first_seen_ns"], w["last_seen_ns"], 1)
        for w in truth["opportunities"]
    )
    assert planted and found == planted
    assert all(w["last_line"] > w["first_line"] for w in truth["opportunities"])


def test_cli_writes_the_stream(tmp_path):
    result = runner.invoke(
        app,
        [
            "data",
            "synth",
            "--kind",
            "stream",
            "-n",
            "3",
            "--updates",
            "300",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["generator"] == "pythia data synth --kind stream"
    assert (tmp_path / "stream.jsonl").exists()
