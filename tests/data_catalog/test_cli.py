"""``pythia data import`` and ``pythia data info`` through the typer app."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data import bundled
from pythia.data.catalog import Catalog, write_catalog

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
BETFAIR_FILE = REPO / "tests" / "data" / "betfair" / "1.197931750"


def _has_reader(venue: str) -> bool:
    return importlib.util.find_spec(f"pythia.venues.{venue}.capture") is not None


def test_info_json_describes_the_catalog(source, events, tmp_path):
    write_catalog(source, tmp_path, "fake")

    result = runner.invoke(app, ["data", "info", str(tmp_path), "--json"])

    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["events"]["total"] == len(events)
    assert info["instruments"]["by_venue"]["fake"]["count"] == 8
    assert info == json.loads(json.dumps(Catalog(tmp_path).info()))


def test_info_for_humans_prints_tables(source, tmp_path):
    write_catalog(source, tmp_path, "fake")

    result = runner.invoke(app, ["data", "info", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "Events by type" in result.stdout
    assert "2024-08-09" in result.stdout


def test_info_of_a_missing_directory_fails_cleanly(tmp_path):
    result = runner.invoke(app, ["data", "info", str(tmp_path / "nope")])

    assert result.exit_code == 1
    assert "no catalog" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_import_unknown_venue_fails_cleanly(tmp_path):
    capture = tmp_path / "capture.jsonl"
    capture.write_text("{}\n")

    result = runner.invoke(
        app, ["data", "import", "nasdaq", str(capture), "--out", str(tmp_path / "cat"), "--json"]
    )

    assert result.exit_code == 1
    assert "unknown venue 'nasdaq'" in result.output
    assert json.loads(result.stdout)["error"]["type"] == "ConfigError"
    assert not (tmp_path / "cat").exists()


def test_import_missing_file_fails_cleanly(tmp_path):
    result = runner.invoke(
        app, ["data", "import", "binance", str(tmp_path / "missing.gz"), "--out", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert "no such file" in result.output


@pytest.mark.parametrize("command", [[], ["import"], ["info"]])
def test_every_command_has_help(command):
    result = runner.invoke(app, ["data", *command, "--help"])

    assert result.exit_code == 0
    assert "Usage" in result.output


@pytest.mark.skipif(not _has_reader("binance"), reason="the Binance capture reader is not there")
def test_import_binance_capture_end_to_end(tmp_path):
    from pythia.venues import read_capture

    capture = bundled("binance", "spot_ethusdt_20240808.gz")
    out = tmp_path / "cat"

    result = runner.invoke(
        app, ["data", "import", "binance", str(capture), "--out", str(out), "--json"]
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    expected = read_capture("binance", [capture])
    expected_events = list(expected.events())
    assert summary["events"] == len(expected_events)
    assert summary["rejects"] == expected.rejects.as_dict()
    catalog = Catalog(out)
    assert list(catalog.events()) == expected_events
    assert catalog.instruments() == expected.instruments()
    again = runner.invoke(app, ["data", "import", "binance", str(capture), "--out", str(out)])
    assert again.exit_code == 1
    assert "--overwrite" in again.output


@pytest.mark.skipif(
    not _has_reader("betfair"), reason="the Betfair capture reader is not there yet"
)
def test_import_betfair_capture_end_to_end(tmp_path):
    from pythia.venues import read_capture

    out = tmp_path / "cat"

    result = runner.invoke(app, ["data", "import", "betfair", str(BETFAIR_FILE), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "Events by type" in result.stdout
    expected = read_capture("betfair", [BETFAIR_FILE])
    assert list(Catalog(out).events()) == list(expected.events())
    assert Catalog(out).instruments() == expected.instruments()
