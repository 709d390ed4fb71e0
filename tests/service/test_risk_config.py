"""The ``[risk]`` section of a run's TOML reaches the engine."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.service.backtest import CONFIG_DIR, load_settings, run


def config_with(tmp_path, risk: str):
    text = (CONFIG_DIR / "arbitrage.toml").read_text() + "\n[risk]\n" + risk
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_a_risk_limit_from_the_config_refuses_orders(tmp_path):
    settings = load_settings(config_with(tmp_path, 'max_order_size = "1"\n'))
    result = run(settings)
    assert result.summary["rejections"].get("risk:max_order_size", 0) > 0
    decisions = result.summary["risk_decisions"]
    assert decisions["max_order_size"]["max_order_size"] > 0
    unlimited = run(load_settings(strategy="arbitrage"))
    assert "risk:max_order_size" not in unlimited.summary["rejections"]


def test_a_drawdown_limit_from_the_config_switches_the_mode(tmp_path):
    risk = '[risk.drawdown]\ncurrency = "GBP"\nsoft = "0.5"\nhard = "1000"\n'
    result = run(load_settings(config_with(tmp_path, risk)))
    assert result.summary["mode_changes"][0]["reason"] == "drawdown_soft"
    assert result.summary["control_mode"] == "reduce_only"


def test_a_bad_risk_section_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        load_settings(config_with(tmp_path, "max_order_size = 1.5\n"))
    with pytest.raises(ConfigError):
        load_settings(config_with(tmp_path, 'no_such_limit = "1"\n'))
