"""``pythia match``: JSON shape, the table, --out then ``pythia scan``, errors (typer CliRunner)."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from matchkit import BTC_YES, FED_YES, MARS_YES, WHITMER_YES, build_snapshot
from pythia.cli.main import app

runner = CliRunner()


@pytest.fixture
def snap(tmp_path):
    return build_snapshot(tmp_path / "snap")


def _match(*args: str):
    return runner.invoke(app, ["match", *args])


def test_json_lists_the_suggested_pairs(snap):
    result = _match("--snapshot", str(snap), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"pairs", "unmatched"}
    assert {p["yes_a"]: p["no_b"] for p in document["pairs"]} == {
        MARS_YES: "kalshi:KXELONMARS-99:no",
        WHITMER_YES: "kalshi:KXPRESNOMD-28-GW:no",
        BTC_YES: "kalshi:KXBTCY-26DEC31:no",
    }
    assert document["unmatched"] == {"polymarket": 3, "kalshi": 2, "dropped_by_date": 1}


def test_date_options_keep_or_widen(snap):
    kept = json.loads(_match("--snapshot", str(snap), "--json", "--keep-date-mismatch").stdout)
    fed = next(p for p in kept["pairs"] if p["yes_a"] == FED_YES)
    assert fed["days_apart"] == 10.0 and fed["warnings"][0].startswith("dates: end dates 10.0")
    widened = json.loads(_match("--snapshot", str(snap), "--json", "--max-days", "11").stdout)
    assert FED_YES in {p["yes_a"] for p in widened["pairs"]}
    strict = json.loads(_match("--snapshot", str(snap), "--json", "--min-score", "99").stdout)
    assert [p["yes_a"] for p in strict["pairs"]] == [MARS_YES]


def test_the_default_output_is_a_table_with_the_warnings(snap):
    result = _match("--snapshot", str(snap))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Suggested pairs in" in out and "Will Elon Musk" in out and "95.7 !" in out
    assert "  bitcoin-close-above-100000-dec-31-2026\n    sources: differ" in out
    assert "unmatched: 3 Polymarket, 2 Kalshi" in out and "confirm every pair" in out


def test_out_writes_a_pairs_toml_that_pythia_scan_reads(snap):
    target = snap / "pairs.toml"
    result = _match("--snapshot", str(snap), "--out", str(target), "--keep-date-mismatch")
    assert result.exit_code == 0, result.output
    assert "wrote 4 suggested pair(s)" in result.stderr
    text = target.read_text()
    assert text.startswith("# Cross-venue pairs SUGGESTED") and "NOT CONFIRMED" in text
    pairs = tomllib.loads(text)["pair"]
    assert {p["yes_a"] for p in pairs} == {MARS_YES, WHITMER_YES, BTC_YES, FED_YES}
    assert all(p["note"].startswith("suggested by pythia match, score") for p in pairs)
    scanned = runner.invoke(app, ["scan", "--snapshot", str(snap), "--json"])
    assert scanned.exit_code == 0, scanned.output
    assert "pairs.toml" not in scanned.stderr  # no invalid_pair / malformed warning
    assert "pairs.toml" not in scanned.stdout


def test_an_existing_out_file_is_kept_unless_forced(snap):
    target = snap / "pairs.toml"
    target.write_text("# confirmed by hand\n")
    refused = _match("--snapshot", str(snap), "--out", str(target))
    assert refused.exit_code == 1 and "exists" in refused.stderr
    assert target.read_text() == "# confirmed by hand\n"
    forced = _match("--snapshot", str(snap), "--out", str(target), "--force")
    assert forced.exit_code == 0 and "[[pair]]" in target.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --snapshot DIR"),
        (["--snapshot", "{missing}"], "no such snapshot directory"),
        (["--snapshot", "{snap}", "--min-score", "101"], "--min-score must be within 0..100"),
        (["--snapshot", "{snap}", "--max-days", "-1"], "--max-days must not be negative"),
    ],
)
def test_bad_input_exits_1_with_an_error(snap, tmp_path, args, message):
    filled = [a.format(snap=snap, missing=tmp_path / "nope") for a in args]
    result = _match(*filled, "--json")
    assert result.exit_code == 1
    assert f"error: {message}" in result.stderr
    assert message in json.loads(result.stdout)["error"]["message"]


def test_malformed_files_are_warnings_and_an_empty_side_is_an_error(snap):
    (snap / "events" / "broken.json").write_text("{not json")
    result = _match("--snapshot", str(snap), "--json")
    assert result.exit_code == 0
    assert "warning: events/broken.json: malformed:" in result.stderr
    for path in (snap / "kalshi").iterdir():
        path.write_text("{not json")
    result = _match("--snapshot", str(snap))
    assert result.exit_code == 1
    assert "error: nothing to pair in" in result.stderr and "no Kalshi market" in result.stderr
