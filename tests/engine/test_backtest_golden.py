"""Golden backtests of the two example strategies on bundled real data: exact fills pinned.

Regenerate after an intended change of simulator behaviour with
``PYTHIA_UPDATE_GOLDEN=1 python -m pytest tests/engine/test_backtest_golden.py`` and review
the diff of tests/engine/golden/*.json.
"""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from pythia.service.backtest import load_settings, run

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "market_maker": ("market_maker", "binance-btcusdt"),
    "betfair_favourite": ("betfair_favourite", "betfair-win"),
}


def canonical(payload) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


@pytest.fixture(scope="module", params=sorted(CASES))
def outcome(request):
    strategy, dataset = CASES[request.param]
    result = run(load_settings(strategy=strategy, data=dataset))
    return request.param, result.to_json()


def test_fills_match_the_golden_record(outcome):
    name, document = outcome
    fills = document["fills"]
    record = {
        "fills": len(fills),
        "fills_sha256": hashlib.sha256(canonical(fills).encode()).hexdigest(),
        "first_fills": fills[:10],
        "last_fills": fills[-3:],
        "final_balances": document["final_balances"],
        "positions": document["positions"],
        "pnl": document["summary"]["pnl"],
        "rejections": document["summary"]["rejections"],
    }
    path = GOLDEN / f"{name}.json"
    if os.environ.get("PYTHIA_UPDATE_GOLDEN"):
        path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    expected = json.loads(path.read_text())
    assert record == expected


def test_ledger_reconciles_balances_and_positions_exactly(outcome):
    _, document = outcome
    totals = {c: Decimal(v) for c, v in document["starting_balances"].items()}
    positions: dict[str, Decimal] = {}
    for entry in document["ledger"]:
        if "amount" in entry:
            totals[entry["currency"]] = totals.get(entry["currency"], Decimal(0)) + Decimal(
                entry["amount"]
            )
        else:
            positions[entry["instrument"]] = positions.get(entry["instrument"], Decimal(0)) + (
                Decimal(entry["size_delta"])
            )
    assert totals == {c: Decimal(v) for c, v in document["final_balances"].items()}
    held = {k: v for k, v in positions.items() if v}
    assert held == {k: Decimal(v) for k, v in document["positions"].items() if Decimal(v)}
    assert all(Decimal(v) >= 0 for v in document["final_balances"].values())


def test_every_fill_and_order_is_reported(outcome):
    _, document = outcome
    for fill in document["fills"]:
        assert {"ts_ns", "venue", "instrument", "side", "price", "size", "fee", "liquidity"} <= set(
            fill
        )
        assert isinstance(fill["price"], str) and isinstance(fill["fee"], str)
    filled = {o["client_order_id"] for o in document["orders"] if Decimal(o["filled_size"])}
    assert filled == {f["client_order_id"] for f in document["fills"]}
    summary = document["summary"]
    assert summary["fills"] == len(document["fills"])
    assert summary["orders"] == len(document["orders"])
    assert "per-1s returns" in summary["sharpe_sampling"]


def test_same_seed_gives_byte_identical_json():
    settings = load_settings(strategy="market_maker", data="binance-btcusdt", seed=11)
    first = json.dumps(run(settings).to_json(), sort_keys=True)
    second = json.dumps(run(settings).to_json(), sort_keys=True)
    assert first == second
