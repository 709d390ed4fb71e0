"""Paper and live runs against the Kalshi emulator, end to end through Pythia's own Kalshi
clients (signed REST, WebSocket feed and user channel), journaled; the fills and positions
must equal the emulator's own trade record."""

from __future__ import annotations

import asyncio

import pytest

from pythia.core.errors import ConfigError
from pythia.data.catalog import Catalog
from pythia.model.enums import Side
from pythia.model.orders import TimeInForce
from pythia.service.backtest import BacktestSettings
from pythia.service.live import preflight, start_live
from pythia.store import Journal
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register
from pythia.venues.kalshi import signing
from pythia.venues.kalshi.emulator import Faults, KalshiEmulator

TICKER = "KXELONMARS-99"
YES = f"kalshi:{TICKER}:yes"
NO = f"kalshi:{TICKER}:no"


@register
class TakeOnce(Strategy):
    """Buys 3 YES contracts at the best ask, once (test strategy). Kalshi books hold bids
    only: the YES ask is 1 minus the best NO bid."""

    name = "test_take_once"

    def on_book(self, instrument_id, book) -> None:
        if getattr(self, "done", False):
            return
        no_bid = self.ctx.book(NO).best_bid_price
        if no_bid is None:
            return
        self.done = True
        ask = self.ctx.instrument(YES).one - no_bid
        self.ctx.submit(YES, Side.BUY, 300, ask, time_in_force=TimeInForce.IOC)


def settings_for(emulator: KalshiEmulator, start_mode: str = "normal") -> BacktestSettings:
    return BacktestSettings.model_validate(
        {
            "seed": 1,
            "strategy": {"name": "test_take_once"},
            "account": {"balances": {"USD": "1000"}},
            "risk": {"max_order_size": "10"},
            "live": {
                "venue": "kalshi",
                "rest_url": emulator.rest_url,
                "ws_url": emulator.ws_url,
                "markets": [TICKER],
                "start_mode": start_mode,
                "i_understand_this_trades_real_money": True,
            },
        }
    )


@pytest.fixture
def kalshi_env(monkeypatch, rsa_key):
    monkeypatch.setenv("PYTHIA_KALSHI_KEY_ID", "test-key")
    monkeypatch.setenv("PYTHIA_KALSHI_PRIVATE_KEY", signing.private_key_pem(rsa_key).decode())
    monkeypatch.delenv("PYTHIA_KALSHI_PRIVATE_KEY_PATH", raising=False)


def run_against_emulator(
    catalog, rsa_key, mode, journal_url, start_mode="normal", seconds=2.0, faults=None
):
    async def main():
        emulator = KalshiEmulator(
            Catalog(catalog),
            public_key=rsa_key.public_key(),
            key_id="test-key",
            speed=0,
            faults=faults,
        )
        await emulator.start()
        try:
            run = await start_live(settings_for(emulator, start_mode), mode, journal_url)
            emulator.start_replay()
            asyncio.get_running_loop().call_later(seconds, run.runner.stop)
            await run.runner.run()
            await run.connection.close()
            run.journal.close()
            return run, emulator
        finally:
            await emulator.stop()

    return asyncio.run(main())


def test_live_mode_fills_and_positions_equal_the_emulators_trade_record(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run, emulator = run_against_emulator(kalshi_catalog, rsa_key, "live", url)
    record = emulator.trade_record
    assert record, "the strategy's order should have traded at the emulator"
    ours = sorted((f.trade_id, f.size, f.price) for f in run.kernel.fills)
    theirs = sorted((f.trade_id, f.size, f.price) for f in record)
    assert ours == theirs
    assert run.kernel.portfolio.position(YES) == sum(f.size for f in record)
    with Journal.open(url, readonly=True) as journal:
        journaled = sorted(r.payload["trade_id"] for r in journal.records() if r.kind == "fill")
        assert journal.verify().ok
    assert journaled == [t for t, _, _ in theirs]


def test_paper_mode_simulates_fills_on_the_live_books(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path
):
    url = f"sqlite:///{tmp_path / 'paper.db'}"
    run, emulator = run_against_emulator(kalshi_catalog, rsa_key, "paper", url)
    assert emulator.trade_record == []  # nothing reached the venue
    assert run.kernel.portfolio.position(YES) == 300
    assert run.runner.events > 0


def test_live_starts_paused_and_a_restart_rebuilds_positions_from_the_journal(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    paused, _ = run_against_emulator(kalshi_catalog, rsa_key, "live", url, start_mode="paused")
    assert paused.kernel.fills == []
    assert paused.kernel.safety.control.mode.value == "paused"
    url2 = f"sqlite:///{tmp_path / 'live2.db'}"
    first, _ = run_against_emulator(kalshi_catalog, rsa_key, "live", url2)
    again, _ = run_against_emulator(kalshi_catalog, rsa_key, "live", url2, seconds=1.0)
    assert again.restarted
    assert again.kernel.portfolio.position(YES) >= first.kernel.portfolio.position(YES)
    assert again.reconciliation == {"unknown_at_venue": [], "missing_at_venue": []}


def test_live_preflight_refuses_without_confirmation_or_limits(kalshi_catalog, rsa_key):
    emulator = KalshiEmulator(Catalog(kalshi_catalog), public_key=rsa_key.public_key())
    emulator.port = 1
    settings = settings_for(emulator)
    unconfirmed = settings.model_copy(
        update={
            "live": settings.live.model_copy(update={"i_understand_this_trades_real_money": False})
        }
    )
    with pytest.raises(ConfigError, match="real money"):
        preflight(unconfirmed, "live", confirmed=False)
    preflight(unconfirmed, "live", confirmed=True)
    no_limits = settings.model_copy(update={"risk": type(settings.risk)()})
    with pytest.raises(ConfigError, match="risk limits"):
        preflight(no_limits, "live", confirmed=True)


@pytest.mark.parametrize(
    "fault",
    [
        "http_5xx_every=3",
        "http_429_every=3",
        "lose_response_every=1",
        "drop_connection_every=3",
        "delay_ms=30",
        "reorder=1",
        "skip_seq=5",
        "malformed_every=5",
    ],
)
def test_live_under_each_fault_no_order_twice_and_no_fill_lost(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path, fault
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run, emulator = run_against_emulator(
        kalshi_catalog, rsa_key, "live", url, seconds=3.0, faults=Faults.parse([fault])
    )
    record = emulator.trade_record
    assert record, fault
    ours = sorted((f.trade_id, f.size) for f in run.kernel.fills)
    assert ours == sorted((f.trade_id, f.size) for f in record), fault
    client_ids = list(emulator.exchange.by_client_id)
    assert len(emulator.exchange.orders) == len(set(client_ids)) == 1, fault


def test_live_preflight_reads_the_balance_and_refuses_when_it_cannot(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run_against_emulator(kalshi_catalog, rsa_key, "live", url, seconds=0.5)
    with Journal.open(url, readonly=True) as journal:
        preflight_records = [r.payload for r in journal.records() if r.kind == "preflight"]
    assert preflight_records and preflight_records[0]["balance"] > 0

    from pythia.service import live as live_service

    real = live_service.CONNECTORS["kalshi"]

    async def broken(live, mode):
        connection = await real(live, mode)

        async def unreadable():
            raise ConnectionError("no answer")

        connection.read_balance = unreadable
        return connection

    monkeypatch.setitem(live_service.CONNECTORS, "kalshi", broken)
    with pytest.raises(ConfigError, match="balance is unreadable"):
        run_against_emulator(kalshi_catalog, rsa_key, "live", f"sqlite:///{tmp_path / 'b.db'}")


def test_live_with_orders_rejected_by_the_venue_books_nothing(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run, emulator = run_against_emulator(
        kalshi_catalog, rsa_key, "live", url, faults=Faults.parse(["reject_orders=1"])
    )
    assert emulator.trade_record == [] and run.kernel.fills == []
    rejected = [o for o in run.kernel.orders.orders() if o.state.value == "rejected"]
    assert len(rejected) == 1 and not run.kernel.orders.open_orders()


def test_serve_runs_a_paper_session_on_the_live_feed_and_takes_api_controls(
    kalshi_catalog, rsa_key, kalshi_env, tmp_path
):
    """`pythia serve --config` with [live]: the session runs on the venue's feed in its own
    thread; the hub shows it and a control reaches the engine while the market is quiet."""
    import threading
    import time

    from pythia.service.session import ServeSession

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    emulator = KalshiEmulator(
        Catalog(kalshi_catalog), public_key=rsa_key.public_key(), key_id="test-key", speed=0
    )
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(10)
    session = ServeSession(
        settings_for(emulator), journal_url=f"sqlite:///{tmp_path / 'serve.db'}", mode="paper"
    )
    hub = session.hub

    def wait_for(condition, what: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, f"{what} did not happen in time"
            time.sleep(0.05)

    try:
        session.start()
        wait_for(lambda: hub.health()["status"] == "running", "the session start")
        loop.call_soon_threadsafe(emulator.start_replay)
        wait_for(lambda: hub.positions(), "a paper fill on the live books")
        assert hub.positions()[0]["instrument"] == YES
        assert any(feed["venue"] == "kalshi" for feed in hub.health()["feeds"])
        hub.control("pause", "from the API")
        wait_for(lambda: hub.health()["mode"] == "paused", "the pause")
    finally:
        session.stop()
        asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
    assert hub.health()["status"] == "stopped"
    assert emulator.trade_record == []  # paper: nothing reached the venue
