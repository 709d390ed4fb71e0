"""The operations facade (service.ops) on real paper runs of bundled data."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError, DataError
from pythia.service.backtest import load_settings, run
from pythia.service.ops import OpsHub, _redact
from pythia.service.paper import Pace
from pythia.service.session import ServeSession
from pythia.store import Journal


def records(url: str, kind: str) -> list:
    with Journal.open(url, readonly=True) as journal:
        return [r for r in journal.records() if r.kind == kind]


def fast() -> Pace:
    return Pace(speed=0, handle_signals=False)


def test_observing_a_run_changes_nothing_and_the_hub_shows_its_end_state(tmp_path):
    settings = load_settings(None)
    plain = run(settings, journal_url=f"sqlite:///{tmp_path / 'a.db'}", pace=fast())
    hub = OpsHub(journal_url=f"sqlite:///{tmp_path / 'b.db'}", snapshot_s=0)
    events = []
    hub.subscribe(events.append)
    seen = run(settings, journal_url=hub.journal_url, pace=fast(), ops=hub)
    hub.finish()
    assert seen.to_json()["fills"] == plain.to_json()["fills"]
    assert seen.summary["pnl"] == plain.summary["pnl"]
    # what the hub shows is the run's end state, exactly
    assert hub.health()["status"] == "finished"
    assert hub.health()["mode"] == "normal"
    assert hub.health()["market_events"] == seen.summary["market_events"]
    assert hub.health()["events"] >= seen.summary["market_events"]  # taken, incl. refused
    positions = {row["instrument"]: row["size"] for row in hub.positions()}
    assert positions == {k: v for k, v in seen.positions.items() if Decimal(v)}
    balances = {row["currency"]: row["cash"] for row in hub.balances()}
    assert balances == seen.final_balances
    fills = seen.to_json()["fills"]
    shown = hub.fills(limit=1000)
    assert len(shown) == min(len(fills), 500)
    assert [(f["price"], f["size"]) for f in shown[:10]] == [
        (f["price"], f["size"]) for f in fills[::-1][:10]
    ]
    assert sum(1 for e in events if e["kind"] == "fill") == len(fills)
    open_orders = {row["client_order_id"] for row in hub.open_orders()}
    assert open_orders == {o["client_order_id"] for o in seen.orders if o["state"] == "accepted"}
    assert Decimal(hub.pnl()["pnl"]) == Decimal(seen.summary["pnl"])
    assert hub.pnl()["curve"] and hub.strategies()[0]["id"] == "market_maker"
    # the metrics count the same run
    text = hub.metrics.render().decode()
    assert f'pythia_fills_total{{venue="binance"}} {float(len(fills))}' in text
    assert 'pythia_control_mode{mode="normal"} 1.0' in text
    assert "pythia_decision_latency_seconds_count" in text
    with Journal.open(hub.journal_url, readonly=True) as journal:
        assert hub.health()["journal"]["records"] == journal.last_seq > 0
    assert hub.journal(limit=5)[0]["kind"] in {"run_end", "order_update", "fill", "risk_decision"}


def test_controls_go_through_the_journal_and_are_applied_and_replayable(tmp_path):
    url = f"sqlite:///{tmp_path / 'j.db'}"
    session = ServeSession(load_settings(None), journal_url=url, speed=20)
    session.start()
    hub = session.hub
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not hub.open_orders():
            time.sleep(0.1)
        assert hub.open_orders(), "the market maker never quoted"
        with pytest.raises(ConfigError, match="unknown control command"):
            hub.control("explode")
        with pytest.raises(ConfigError, match="unknown strategy"):
            hub.control("disable", strategy="nobody")
        queued = hub.control("disable", "operator", strategy="market_maker")
        assert queued["command"] == "disable:market_maker"
        wait_for(lambda: not hub.strategies()[0]["enabled"])
        wait_for(lambda: not hub.open_orders())  # its orders were cancelled
        hub.control("enable", strategy="market_maker")
        wait_for(lambda: hub.strategies()[0]["enabled"])
        hub.control("pause", "lunch")
        wait_for(lambda: hub.health()["mode"] == "paused")
    finally:
        session.stop()
    assert hub.health()["status"] == "stopped"
    switches = [r.payload for r in records(url, "strategy_switch")]
    assert switches == [
        {"strategy": "market_maker", "enabled": False},
        {"strategy": "market_maker", "enabled": True},
    ]
    sources = [r.payload["source"] for r in records(url, "control")]
    assert sources[:3] == ["api"] * 3 and sources[-1] == "signal"  # the last: the stop
    assert records(url, "mode_change")[0].payload["source"] == "api"
    commands = [r.payload["command"] for r in records(url, "control")]
    assert commands[:3] == ["disable:market_maker", "enable:market_maker", "pause"]
    # the same journal replays, controls included, and goes on to the end
    again = run(load_settings(None), journal_url=url, pace=fast())
    assert again.journal["restarted"] and again.journal["replayed_records"] > 0
    assert records(url, "recovery")[-1].payload["ok"]
    assert again.summary["control_mode"] == "paused"


def wait_for(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_arbitrage_opportunities_reach_subscribers(tmp_path):
    hub = OpsHub(journal_url=f"sqlite:///{tmp_path / 'j.db'}", snapshot_s=0)
    seen = []
    hub.subscribe(lambda event: seen.append(event) if event["kind"] == "opportunity" else None)
    result = run(
        load_settings(strategy="arbitrage"), journal_url=hub.journal_url, pace=fast(), ops=hub
    )
    assert result.strategies["arbitrage"]["summary"]["opportunities_seen"] > 0
    assert seen, "no opportunity event"
    for event in seen:
        assert Decimal(event["profit"]) > 0
        assert event["strategy"] == "arbitrage" and event["legs"] >= 2


def test_a_broken_subscriber_is_dropped_not_the_engine(tmp_path):
    hub = OpsHub(journal_url=f"sqlite:///{tmp_path / 'j.db'}", snapshot_s=0)

    def broken(event):
        raise RuntimeError("boom")

    hub.subscribe(broken)
    result = run(load_settings(None), journal_url=hub.journal_url, pace=fast(), ops=hub)
    assert result.summary["fills"] > 0 and hub._subscribers == []


def test_control_without_a_journal_is_refused_and_urls_are_redacted():
    hub = OpsHub(journal_url=None)
    with pytest.raises(DataError, match="no journal"):
        hub.control("pause")
    assert (
        _redact("postgresql://trader:s3cret@db:5432/test") == "postgresql://trader:***@db:5432/test"
    )
    assert _redact("sqlite:///x.db") == "sqlite:///x.db"
