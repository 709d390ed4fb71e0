"""``pythia scan``: JSON shape, tables, errors and warnings (typer CliRunner)."""

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.synth_groups import SynthSpec
from pythia.data.synth_snapshot import write_snapshot

runner = CliRunner()
OPPORTUNITY_KEYS = {"kind", "group", "legs", "size", "cost", "fees", "guaranteed_payout", "profit"}


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    return out, write_snapshot(SynthSpec(7, (2, 4), seed=2), out)


def test_json_output_has_the_issue_shape(snap):
    out, truth = snap
    result = runner.invoke(app, ["scan", "--snapshot", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"opportunities", "rejected"}
    assert len(document["opportunities"]) == len(truth["opportunities"])
    for entry in document["opportunities"]:
        assert OPPORTUNITY_KEYS <= set(entry)
        for key in ("size", "cost", "fees", "guaranteed_payout", "profit"):
            Decimal(entry[key])  # decimal strings
        for leg in entry["legs"]:
            assert {"venue", "instrument", "side", "price_limit", "size"} <= set(leg)
    for entry in document["rejected"]:
        assert {"group", "reason", "detail", "kind"} <= set(entry)


def test_caps_and_floors_are_applied(snap):
    out, truth = snap
    result = runner.invoke(
        app,
        ["scan", "--snapshot", str(out), "--json", "--max-capital", "3", "--min-profit", "0.01"],
    )
    assert result.exit_code == 0, result.output
    for entry in json.loads(result.stdout)["opportunities"]:
        assert Decimal(entry["cost"]) + Decimal(entry["fees"]) <= 3
        assert Decimal(entry["profit"]) >= Decimal("0.01")


def test_human_output_is_a_table(snap):
    out, truth = snap
    result = runner.invoke(app, ["scan", "--snapshot", str(out)])
    assert result.exit_code == 0, result.output
    for kind in {o["kind"] for o in truth["opportunities"]}:
        assert kind in result.stdout
    assert "Rejected" in result.stdout and "not_exhaustive" in result.stdout


def test_a_missing_directory_exits_1_with_a_clear_message(tmp_path):
    result = runner.invoke(app, ["scan", "--snapshot", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "error: no such snapshot directory" in result.stderr
    as_json = runner.invoke(app, ["scan", "--snapshot", str(tmp_path / "missing"), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["type"] == "ConfigError"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--snapshot", ".", "--data", "betfair-win"],
        ["--data", "no-such-dataset"],
        ["--data", "betfair-win", "--max-capital", "ten"],
        ["--data", "betfair-win", "--min-profit", "-1"],
        ["--data", "betfair-win", "--max-capital", "1.0000001"],
    ],
)
def test_bad_arguments_exit_1(args):
    result = runner.invoke(app, ["scan", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")


def test_malformed_files_are_warned_about_on_stderr(snap, tmp_path):
    out, _ = snap
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "bad.json").write_text("{")
    result = runner.invoke(app, ["scan", "--snapshot", str(tmp_path), "--json"])
    assert result.exit_code == 0
    assert "warning: events/bad.json: malformed" in result.stderr
    assert json.loads(result.stdout) == {"opportunities": [], "rejected": []}


def test_scan_over_time_reports_lifetimes():
    result = runner.invoke(app, ["scan", "--data", "betfair-win", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"opportunities", "rejected"}
    for entry in document["opportunities"]:
        assert {"first_seen", "last_seen", "best_profit", "updates", "episodes"} <= set(entry)
        assert entry["first_seen"] <= entry["best_seen"] <= entry["last_seen"]
    human = runner.invoke(app, ["scan", "--data", "betfair-win"])
    assert human.exit_code == 0 and "over time" in human.stdout
