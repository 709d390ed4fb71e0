"""A live run on the Betfair emulator through betfairlightweight, with the stream dropped
mid-run: the fills the engine booked equal the emulator's trade record, one bet a request."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pythia.model.enums import Side
from pythia.service.backtest import BacktestSettings
from pythia.service.live import start_live
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register
from pythia.venues.betfair import read_capture
from pythia.venues.betfair.emulator import BetfairEmulator

DATA_PATH = Path(__file__).resolve().parents[2] / "data" / "betfair" / "1.197931750"
MARKET = "1.197931750"
USER, PASSWORD, APP_KEY = "pythia-user", "s3cret-pass", "app-key-1"


@register
class BackTheFirstRunner(Strategy):
    """Backs a runner at the best available-to-back odds, once per runner (test strategy)."""

    name = "test_back_once"

    def on_book(self, instrument_id, book) -> None:
        done = self.__dict__.setdefault("done", set())
        bid = book.best_bid_price
        if bid is None or instrument_id in done or len(done) >= 2:
            return
        done.add(instrument_id)
        self.ctx.submit(instrument_id, Side.BUY, 200, bid)


def settings_for(emulator: BetfairEmulator) -> BacktestSettings:
    return BacktestSettings.model_validate(
        {
            "seed": 1,
            "strategy": {"name": "test_back_once"},
            "account": {"balances": {"GBP": "1000"}},
            "risk": {"max_order_size": "100"},
            "live": {
                "venue": "betfair",
                "rest_url": emulator.rest_url,
                "ws_url": emulator.stream_url,
                "markets": [MARKET],
                "start_mode": "normal",
                "i_understand_this_trades_real_money": True,
            },
        }
    )


def test_live_backs_fill_and_survive_a_dropped_stream(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHIA_BETFAIR_USERNAME", USER)
    monkeypatch.setenv("PYTHIA_BETFAIR_PASSWORD", PASSWORD)
    monkeypatch.setenv("PYTHIA_BETFAIR_APP_KEY", APP_KEY)

    async def main():
        emulator = BetfairEmulator(
            read_capture([DATA_PATH]), username=USER, password=PASSWORD, app_key=APP_KEY, speed=0
        )
        await emulator.start()
        try:
            await emulator.start_replay(1500)
            live = await start_live(
                settings_for(emulator), "live", f"sqlite:///{tmp_path / 'live.db'}"
            )
            loop = asyncio.get_running_loop()
            loop.call_later(1.0, emulator.drop_stream_connections)
            loop.call_later(3.0, live.runner.stop)
            await live.runner.run()
            await live.connection.close()
            live.journal.close()
            return live, emulator
        finally:
            await emulator.stop()

    live, emulator = asyncio.run(main())
    record = emulator.trade_record
    assert record
    theirs = sorted((f.trade_id, f.size) for f in record)
    ours = sorted((f.trade_id, f.size) for f in live.kernel.fills)
    assert ours == theirs
    sent = [o for o in live.kernel.orders.orders() if o.request.strategy_id]
    assert len(sent) == 2
    assert live.connection.counters.reconnects >= 1
