"""`pythia scan` reports combinatorial baskets from a dependency file (synthetic scenarios)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app


def synth(tmp_path, kind: str, *extra: str) -> tuple:
    """A SYNTHETIC scenario snapshot and its truth."""
    out = tmp_path / kind
    made = CliRunner().invoke(
        app,
        [
            "data",
            "synth",
            "--kind",
            kind,
            "--securities",
            "10",
            "--seed",
            "2",
            "--out",
            str(out),
            "--json",
            *extra,
        ],
    )
    assert made.exit_code == 0, made.output
    return out, json.loads(made.output)


@pytest.mark.parametrize("kind", ["election", "bracket", "race"])
def test_scan_finds_the_planted_combinatorial_profit(tmp_path, kind):
    out, truth = synth(tmp_path, kind)
    runner = CliRunner()
    scanned = runner.invoke(app, ["scan", "--snapshot", str(out), "--json"])
    assert scanned.exit_code == 0, scanned.output
    result = json.loads(scanned.output)
    [basket] = [o for o in result["opportunities"] if o["kind"] == "combinatorial"]
    assert Decimal(basket["profit"]) == Decimal(truth["known_profit_decimal"])  # no fees
    assert all(leg["side"] == "buy" for leg in basket["legs"])
    assert set(basket) >= {"group", "currency", "legs", "cost", "fees", "guaranteed_payout"}
    projection = result["projection"]  # Frank-Wolfe on the mid prices
    divergence, gap = Decimal(projection["divergence"]), Decimal(projection["gap"])
    assert divergence >= Decimal(projection["profit_bound"]) >= 0 and gap <= Decimal("1e-6")
    assert set(projection["prices"]) == set(truth["ids"].values())


def test_a_fee_makes_the_basket_smaller_never_larger(tmp_path):
    out, truth = synth(tmp_path, "election")
    runner = CliRunner()
    (out / "venues.toml").write_text('[polymarket]\nfee_rate = "0.01"\nfee_exponent = 1\n')
    scanned = json.loads(runner.invoke(app, ["scan", "--snapshot", str(out), "--json"]).output)
    for basket in (o for o in scanned["opportunities"] if o["kind"] == "combinatorial"):
        assert Decimal(basket["profit"]) < Decimal(truth["known_profit_decimal"])
        assert Decimal(basket["fees"]) > 0


def test_max_capital_finds_the_best_basket_within_it(tmp_path):
    out, truth = synth(tmp_path, "race")
    runner = CliRunner()
    scanned = json.loads(runner.invoke(app, ["scan", "--snapshot", str(out), "--json"]).output)
    [free] = [o for o in scanned["opportunities"] if o["kind"] == "combinatorial"]
    capital = Decimal(free["cost"]) + Decimal(free["fees"])
    cap = (capital / 3).quantize(Decimal("0.01"))
    args = ["scan", "--snapshot", str(out), "--json", "--max-capital", str(cap)]
    capped_scan = json.loads(runner.invoke(app, args).output)
    [capped] = [o for o in capped_scan["opportunities"] if o["kind"] == "combinatorial"]
    assert Decimal(capped["cost"]) + Decimal(capped["fees"]) <= cap
    assert 0 < Decimal(capped["profit"]) < Decimal(free["profit"])


def test_an_unknown_security_in_the_dependency_file_is_a_clear_error(tmp_path):
    out = tmp_path / "election"
    runner = CliRunner()
    runner.invoke(app, ["data", "synth", "--kind", "election", "--out", str(out)])
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[security]]\nid = "polymarket:1"\n[[constraint]]\nkind = "implies"\n'
        'a = "polymarket:1"\nb = "polymarket:nope"\n'
    )
    result = runner.invoke(app, ["scan", "--snapshot", str(out), "--dependencies", str(bad)])
    assert result.exit_code == 1 and "polymarket:nope" in result.output


def test_the_command_prints_clean_json_on_stdout(tmp_path):
    """The solver's own banner must not reach stdout (it would break --json)."""
    out = tmp_path / "bracket"
    CliRunner().invoke(app, ["data", "synth", "--kind", "bracket", "--out", str(out)])
    done = subprocess.run(
        [sys.executable, "-m", "pythia.cli.main", "scan", "--snapshot", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["opportunities"]
