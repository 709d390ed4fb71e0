"""The market-making configs backtest end to end (``pythia backtest --config NAME --json``)."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.core.fixed import format_units

runner = CliRunner()


def backtest(tmp_path, config: str, report: bool = False) -> dict:
    out = tmp_path / f"{config}.json"
    args = ["backtest", "--config", config, "--json", str(out), "--quiet"]
    if report:
        args += ["--report", str(tmp_path / f"{config}.html")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def pnl(document: dict) -> dict[str, int]:
    return {row["component"]: row["micros"] for row in document["strategies"]["glft"]["pnl_split"]}


def check_report(document: dict) -> dict:
    report = document["strategies"]["glft"]
    split = pnl(document)
    assert split["spread"] + split["inventory"] - split["fees"] == split["total"]
    assert {row["horizon_s"] for row in report["markouts"]} == {1.0, 10.0, 60.0}
    assert {row["side"] for row in report["fills_by_side"]} == {"buy", "sell"}
    assert report["inventory"]
    assert document["summary"]["strategy_errors"] == []
    for order in document["orders"]:
        assert order["type"] == "limit"
    return report


def test_synthetic_binary_market_quotes_yes_and_no_as_one_book(tmp_path):
    document = backtest(tmp_path, "glft_synthetic", report=True)
    report = check_report(document)
    assert document["summary"]["fills"] > 0
    assert all(order["post_only"] for order in document["orders"])
    for order in document["orders"]:
        assert Decimal("0.001") <= Decimal(order["price"]) <= Decimal("0.999")
    instruments = {order["instrument"] for order in document["orders"]}
    assert len(instruments) == 2  # YES and NO legs
    # settled at resolution: the split's total is the run's PnL exactly
    assert format_units(pnl(document)["total"], 6) == document["summary"]["pnl"]
    assert report["pnl_check"]["settled"]
    html = (tmp_path / "glft_synthetic.html").read_text()
    assert "pnl_split" in html and "markouts" in html


def test_betfair_win_market_backs_and_lays_on_the_ladder(tmp_path):
    document = backtest(tmp_path, "glft_betfair")
    check_report(document)
    sides = {fill["side"] for fill in document["fills"]}
    assert sides == {"buy", "sell"}
    # the split excludes only the settlement commission the portfolio charged
    total = Decimal(format_units(pnl(document)["total"], 6))
    commission = Decimal(document["summary"]["fees"].get("GBP", "0"))
    assert total - commission == Decimal(document["summary"]["pnl"])


def test_binance_btcusdt_capture(tmp_path):
    document = backtest(tmp_path, "glft_binance")
    report = check_report(document)
    assert document["summary"]["fills"] > 100
    assert all(order["post_only"] for order in document["orders"])
    total = Decimal(format_units(pnl(document)["total"], 6))
    assert abs(total - Decimal(document["summary"]["pnl"])) < Decimal("0.01")  # mark rounding
    assert report["quotes"]["placed"] > 0
