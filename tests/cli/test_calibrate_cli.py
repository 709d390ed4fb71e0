"""``pythia calibrate`` on the bundled captures."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pythia.cli.main import app

runner = CliRunner()


def test_calibrate_binance_btcusdt_json():
    result = runner.invoke(
        app, ["calibrate", "--data", "binance-btcusdt", "--instrument", "binance:BTCUSDT", "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["instrument"] == "binance:BTCUSDT"
    for name in ("sigma", "A", "k"):
        value, (low, high) = document[name]["value"], document[name]["interval"]
        assert 0 < low < value < high, (name, document[name])
    assert 1.0 < document["sigma"]["value"] < 50.0  # USDT per sqrt(s) for BTC near 61,800
    assert 1.0 < document["A"]["value"] < 20.0  # market orders per second per side
    assert document["samples"]["mid_source"] == "top_of_book"
    assert document["samples"]["orders"] > 5000
    assert document["units"]["price"] == "USDT"


def test_calibrate_betfair_runner_by_selection_and_table_output():
    result = runner.invoke(app, ["calibrate", "-d", "betfair-win", "-i", "39823721"])
    assert result.exit_code == 0, result.output
    assert "betfair:1.197931750:39823721" in result.output
    assert "sigma" in result.output and "176 orders" in result.output


def test_calibrate_unknown_instrument_fails_cleanly():
    result = runner.invoke(
        app, ["calibrate", "--data", "betfair-win", "--instrument", "nope", "--json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.output.splitlines()[0])["error"]["type"] == "ConfigError"
