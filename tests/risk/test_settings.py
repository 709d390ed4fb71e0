"""The [risk] section: defaults, validation, the rule order and the built components."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.risk import (
    ControlMode,
    DailyLossGuard,
    DrawdownGuard,
    RiskEngine,
    build_breakers,
    build_guards,
    build_rules,
    load_risk_settings,
)

DOCS = Path(__file__).parents[2] / "docs" / "risk.md"

FULL_ORDER = [
    "control_mode",
    "book_fresh",
    "max_order_size",
    "max_order_notional",
    "price_collar",
    "position_limit",
    "group_position_limit",
    "venue_exposure",
    "gross_exposure",
    "net_exposure",
    "available_balance",
]


def docs_example() -> dict:
    text = DOCS.read_text()
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    return tomllib.loads(block)["risk"]


def test_defaults_only_check_the_mode_and_the_book(kit, view):
    rules = build_rules(load_risk_settings(None))
    engine = RiskEngine(rules)

    assert [rule.name for rule in rules] == ["control_mode", "book_fresh"]
    assert build_breakers(load_risk_settings({})) == []
    assert build_guards(load_risk_settings({})) == []
    huge = kit.order(kit.YES.id, size=10**12 * kit.ONE, price=9900)
    assert engine.check(huge, view, ControlMode.NORMAL).accepted
    view.books[kit.YES.id] = (True, kit.NOW_NS - 300_000_000_001)  # 5 minutes and 1 ns
    assert engine.check(huge, view, ControlMode.NORMAL).reason == "book_stale"


def test_the_documented_example_builds_every_rule_in_order():
    settings = load_risk_settings(docs_example())

    rules = build_rules(settings)

    assert [rule.name for rule in rules] == FULL_ORDER
    assert [b.name for b in build_breakers(settings)] == [
        "stale_feed",
        "spread_blowout",
        "slippage",
        "rejection_burst",
        "rate_limit",
    ]
    assert build_breakers(settings)[-1].mode is ControlMode.REDUCE_ONLY
    drawdown, daily = build_guards(settings)
    assert isinstance(drawdown, DrawdownGuard) and isinstance(daily, DailyLossGuard)
    assert (drawdown.hard_micros, daily.max_loss_micros) == (1000_000_000, 300_000_000)


def test_instrument_overrides_reach_the_rules(kit, view):
    settings = load_risk_settings(
        {
            "max_order_size": "500",
            "instruments": {kit.NO.id: {"max_order_size": "2", "price_collar_ticks": 1}},
            "groups": {kit.EVENT.id: "10"},
            "book_max_age_ms_by_venue": {"polymarket": 1},
        }
    )
    engine = RiskEngine(build_rules(settings))
    view.now = kit.NOW_NS + 1_000_000  # 1 ms after the books' last update

    def reason(request):
        return engine.check(request, view, ControlMode.NORMAL).reason

    assert reason(kit.order(kit.YES.id, size=3 * kit.ONE)) == "accepted"
    assert reason(kit.order(kit.NO.id, size=3 * kit.ONE)) == "max_order_size"
    assert reason(kit.order(kit.NO.id, size=kit.ONE, price=5200)) == "price_collar"
    assert reason(kit.order(kit.A.id, size=11 * kit.ONE, price=3000)) == "group_position_limit"
    view.now = kit.NOW_NS + 1_000_001
    assert reason(kit.order(kit.YES.id, size=kit.ONE)) == "book_stale"
    assert reason(kit.order(kit.BTC.id, Side.BUY, 100, 6_000_000)) == "accepted"


@pytest.mark.parametrize(
    "table",
    [
        {"max_order_size": 1.5},  # a float
        {"max_order_size": "-1"},
        {"max_position": "lots"},
        {"unknown_key": 1},
        {"book_max_age_ms": 0},
        {"instruments": {"x": {"max_size": "1"}}},
        {"drawdown": {"soft": "1"}},  # no currency
        {"drawdown": {"currency": "USDC", "soft_fraction": "1.5"}},
        {"breakers": {"rejections": {"count": 3, "mode": "sleepy"}}},
        {"gross_exposure": {"USDC": 100.0}},
    ],
)
def test_invalid_sections_are_config_errors(table):
    with pytest.raises(ConfigError):
        load_risk_settings(table)
