"""The arbitrage strategy through ``pythia backtest`` on the Betfair WIN recording and on a
synthetic Polymarket negRisk stream, with the per-opportunity report checked independently."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.synth_stream import write_stream
from pythia.service.backtest import load_settings, run


@pytest.fixture(scope="module")
def betfair():
    return run(load_settings(strategy="arbitrage")).to_json()


def executions_of(result) -> list[dict]:
    return result["strategies"]["arbitrage"]["executions"]


def test_betfair_win_trades_baskets_and_reports_every_one(betfair):
    rows = executions_of(betfair)
    assert rows, "the recording holds lay-all baskets the strategy should trade"
    assert {row["kind"] for row in rows} <= {"back_all", "lay_all"}
    summary = betfair["strategies"]["arbitrage"]["summary"]
    assert summary["executions"] == len(rows)
    assert sum(summary["by_status"].values()) == len(rows)
    ids = [i for row in rows for i in row["client_order_ids"].split()]
    assert sorted(ids) == sorted(o["client_order_id"] for o in betfair["orders"])


def worst_case_by_hand(fills: list[dict], runners: list[str], commission: Decimal) -> Decimal:
    """Every runner winning in turn: backs win stake x (odds - 1) or lose the stake, lays
    the reverse; 5% commission on positive net winnings, to the penny (half up)."""
    results = []
    for winner in runners:
        total = Decimal(0)
        for fill in fills:
            stake, odds = Decimal(fill["size"]), Decimal(fill["price"])
            won = stake * (odds - 1) if fill["instrument"] == winner else -stake
            total += won if fill["side"] == "buy" else -won
        if total > 0:
            total -= (total * commission).quantize(Decimal("0.01"), ROUND_HALF_UP)
        results.append(total)
    return min(results)


def test_realized_worst_case_matches_a_hand_calculation_from_the_fills(betfair):
    runners = sorted({o["instrument"] for o in betfair["orders"]})
    by_order: dict[str, list[dict]] = {}
    for fill in betfair["fills"]:
        by_order.setdefault(fill["client_order_id"], []).append(fill)
    for row in executions_of(betfair):
        assert row["legs"] == len(runners)  # every runner of the market is a leg
        fills = [f for i in row["client_order_ids"].split() for f in by_order.get(i, [])]
        expected = worst_case_by_hand(fills, runners, Decimal("0.05"))
        assert Decimal(row["realized_worst_case"]) == expected, row["execution"]
        assert Decimal(row["legging_cost"]) == (
            Decimal(row["expected_profit"]) - expected if fills else 0
        )


def test_same_seed_same_report(betfair):
    again = run(load_settings(strategy="arbitrage")).to_json()
    assert again["strategies"] == betfair["strategies"]


def test_synthetic_stream_trades_only_planted_windows_and_realizes_what_it_expected(tmp_path):
    write_stream(tmp_path, groups=5, outcomes=(2, 8), seed=3)
    truth = json.loads((tmp_path / "truth.json").read_text())
    planted = {o["group_id"] for o in truth["opportunities"]}
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--config",
            "arbitrage_polymarket",
            "--data",
            f"polymarket:{tmp_path / 'stream.jsonl'}",
            "--json",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = executions_of(json.loads(out.read_text()))
    assert rows
    assert {row["group"] for row in rows} <= planted
    for row in rows:
        assert row["kind"] == "group_yes"
        if row["status"] == "filled":
            assert row["realized_worst_case"] == row["expected_profit"]
            assert row["legging_cost"] == "0.000000"
