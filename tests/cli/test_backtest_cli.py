import json

from typer.testing import CliRunner

from pythia.cli.main import app

runner = CliRunner()


def test_backtest_json_is_byte_identical_for_the_same_seed(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        result = runner.invoke(
            app,
            [
                "backtest",
                "--strategy",
                "betfair_favourite",
                "--data",
                "betfair-win",
                "--seed",
                "3",
                "--json",
                str(path),
                "--quiet",
            ],
        )
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text())
    assert {
        "summary",
        "orders",
        "fills",
        "starting_balances",
        "final_balances",
        "positions",
        "ledger",
    } <= set(document)


def test_default_backtest_prints_a_summary_and_writes_a_report(tmp_path):
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["backtest", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "market_maker on binance-btcusdt" in result.output
    assert "sharpe" in result.output
    page = report.read_text()
    assert "plotly" in page and "Equity" in page and "Drawdown" in page


def test_unknown_strategy_and_dataset_fail_cleanly():
    result = runner.invoke(app, ["backtest", "--strategy", "nope", "--quiet"])
    assert result.exit_code == 1 and "unknown strategy" in result.output
    result = runner.invoke(app, ["backtest", "--data", "nowhere", "--quiet"])
    assert result.exit_code == 1 and "unknown dataset" in result.output


def test_help_lists_the_command_groups():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("backtest", "data", "version"):
        assert name in result.output
