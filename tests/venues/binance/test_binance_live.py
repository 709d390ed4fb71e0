"""A live run against the Binance emulator through ccxt, end to end, under each fault switch:
fills equal the emulator's trade record, no order reaches it twice."""

from __future__ import annotations

import asyncio

import pytest

from pythia.data import bundled
from pythia.model.enums import Side
from pythia.model.orders import TimeInForce
from pythia.service.backtest import BacktestSettings
from pythia.service.live import start_live
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register
from pythia.venues.binance.emulator import BinanceEmulator, Faults

CAPTURE = [bundled("binance", "spot_btcusdt_20240808.gz")]
KEY, SECRET = "test-key-" + "a" * 55, "test-secret-" + "b" * 52
BTC = "binance:BTCUSDT"


@register
class TakeBtcOnce(Strategy):
    """Buys 0.002 BTC at the best ask (IOC), once (test strategy)."""

    name = "test_take_btc_once"

    def on_book(self, instrument_id, book) -> None:
        ask = book.best_ask_price
        if instrument_id != BTC or ask is None or getattr(self, "done", False):
            return
        self.done = True
        self.ctx.submit(BTC, Side.BUY, 200_000, ask, time_in_force=TimeInForce.IOC)


def settings_for(emulator: BinanceEmulator) -> BacktestSettings:
    return BacktestSettings.model_validate(
        {
            "seed": 1,
            "strategy": {"name": "test_take_btc_once"},
            "account": {"balances": {"USDT": "100000"}},
            "risk": {"max_order_size": "1"},
            "live": {
                "venue": "binance",
                "rest_url": emulator.rest_url,
                "ws_url": emulator.ws_url,
                "markets": ["BTCUSDT"],
                "start_mode": "normal",
                "i_understand_this_trades_real_money": True,
            },
        }
    )


def run_live(tmp_path, faults: Faults, seconds: float = 3.0):
    async def main():
        emulator = BinanceEmulator(
            CAPTURE, api_key=KEY, api_secret=SECRET, speed=5, limit=600, faults=faults
        )
        await emulator.start()
        try:
            live = await start_live(
                settings_for(emulator), "live", f"sqlite:///{tmp_path / 'live.db'}"
            )
            emulator.start_replay()
            asyncio.get_running_loop().call_later(seconds, live.runner.stop)
            await live.runner.run()
            await live.connection.close()
            live.journal.close()
            return live, emulator
        finally:
            await emulator.stop()

    return asyncio.run(main())


@pytest.mark.parametrize(
    "fault",
    [
        "",
        "http_5xx_every=3",
        "http_429_every=3",
        "lose_response_every=2",
        "drop_connection_every=40",
        "skip_update_every=25",
        "malformed_every=10",
        "delay_ms=20",
    ],
)
def test_live_fills_equal_the_venue_record_under_each_fault(monkeypatch, tmp_path, fault):
    monkeypatch.setenv("PYTHIA_BINANCE_API_KEY", KEY)
    monkeypatch.setenv("PYTHIA_BINANCE_API_SECRET", SECRET)
    live, emulator = run_live(tmp_path, Faults.parse([fault] if fault else []))
    record = emulator.trade_record
    assert record, fault
    theirs = sorted((f.trade_id, f.size, f.price) for f in record)
    ours = sorted((f.trade_id, f.size, f.price) for f in live.kernel.fills)
    assert ours == theirs, fault
    assert live.kernel.portfolio.position(BTC) == sum(f.size for f in record)
    sent = [o for o in live.kernel.orders.orders() if o.request.strategy_id]
    assert len(sent) == 1
    at_venue = [o.client_order_id for o in emulator.exchange.orders.values()]
    assert at_venue == [sent[0].client_order_id], "the order reached the venue twice"
