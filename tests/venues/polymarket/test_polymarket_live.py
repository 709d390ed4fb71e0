"""The arbitrage strategy in paper and in live mode against the Polymarket emulator, end to
end: market WebSocket, orders signed through py-clob-client-v2, fills on the user channel,
journaled. Live fills, positions and the journal must equal the emulator's trade record.

SYNTHETIC DATA: the two books (YES asks 0.40, NO asks 0.50: a binary_long basket) are made
up on the recorded Trump 2024 market definition (tests/data/polymarket/clob_market_negrisk.json).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from pythia.data.catalog import Catalog, write_catalog
from pythia.service.backtest import BacktestSettings
from pythia.service.live import start_live
from pythia.store import Journal
from pythia.venues import read_capture
from pythia.venues.polymarket.emulator import PolymarketEmulator
from pythia.venues.polymarket.emulator_faults import Faults

DATA = Path(__file__).parents[2] / "data" / "polymarket"
MARKET = DATA / "clob_market_negrisk.json"
CONDITION = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"
YES = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
NO = "48331043336612883890938759509493159234755048973500640148014422747788308965732"
WALLET = Account.from_key(keccak(text="pythia polymarket live tests"))
"""A throwaway key from a fixed seed: never funded, never used outside loopback."""


def book(asset: str, bid: str, ask: str, ts_ms: int) -> dict:
    return {
        "event_type": "book",
        "asset_id": asset,
        "market": CONDITION,
        "bids": [{"price": bid, "size": "100"}],
        "asks": [{"price": ask, "size": "100"}],
        "timestamp": str(ts_ms),
        "hash": "synthetic",
    }


@pytest.fixture
def arb_catalog(tmp_path) -> Path:
    start = 1_728_799_418_260
    lines = [
        f"{start * 10**6} {json.dumps(book(YES, '0.38', '0.40', start))}",
        f"{(start + 1) * 10**6} {json.dumps(book(NO, '0.48', '0.50', start + 1))}",
    ]
    capture = tmp_path / "books.jsonl"
    capture.write_text("\n".join(lines) + "\n")
    out = tmp_path / "catalog"
    write_catalog(read_capture("polymarket", [MARKET, capture]), out, "polymarket")
    return out


@pytest.fixture
def wallet_env(monkeypatch):
    monkeypatch.setenv("PYTHIA_POLYMARKET_PRIVATE_KEY", WALLET.key.hex())
    for name in ("API_KEY", "API_SECRET", "API_PASSPHRASE", "FUNDER", "SIGNATURE_TYPE"):
        monkeypatch.delenv(f"PYTHIA_POLYMARKET_{name}", raising=False)


def settings_for(emulator: PolymarketEmulator) -> BacktestSettings:
    return BacktestSettings.model_validate(
        {
            "seed": 3,
            "strategy": {
                "name": "arbitrage",
                "params": {"min_profit": "0.01", "max_capital": "45", "cooldown_ms": 60000},
            },
            "account": {"balances": {"USDC": "1000"}},
            "risk": {"max_order_size": "1000"},
            "live": {
                "venue": "polymarket",
                "rest_url": emulator.url,
                "ws_url": emulator.ws_url,
                "markets": [CONDITION],
                "start_mode": "normal",
                "i_understand_this_trades_real_money": True,
            },
        }
    )


def run(catalog: Path, mode: str, journal_url: str, seconds: float = 3.0, faults=None):
    async def main():
        emulator = PolymarketEmulator(Catalog(catalog), speed=0, faults=faults)
        await emulator.start()
        await emulator.play()
        try:
            live = await start_live(settings_for(emulator), mode, journal_url)
            asyncio.get_running_loop().call_later(seconds, live.runner.stop)
            await live.runner.run()
            await live.connection.close()
            live.journal.close()
            return live, emulator
        finally:
            await emulator.stop()

    return asyncio.run(main())


def test_arbitrage_live_fills_positions_and_journal_equal_the_emulators_record(
    arb_catalog, wallet_env, tmp_path
):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    live, emulator = run(arb_catalog, "live", url)
    record = [fill for _, fill in emulator.exchange.fills]
    assert record, "the binary_long basket should have traded at the emulator"
    theirs = sorted((f.trade_id, f.instrument_id, f.size, f.price) for f in record)
    ours = sorted((f.trade_id, f.instrument_id, f.size, f.price) for f in live.kernel.fills)
    assert ours == theirs
    for token in (YES, NO):
        held = sum(f.size for f in record if f.instrument_id == f"polymarket:{token}")
        assert live.kernel.portfolio.position(f"polymarket:{token}") == held
    with Journal.open(url, readonly=True) as journal:
        assert journal.verify().ok
        journaled = sorted(r.payload["trade_id"] for r in journal.records() if r.kind == "fill")
    assert journaled == sorted(t for t, *_ in theirs)
    report = live.kernel.strategies[0].report()
    assert report["executions"][0]["kind"] == "binary_long"
    assert report["executions"][0]["status"] == "filled"


def test_arbitrage_paper_fills_on_the_live_books_and_sends_nothing(
    arb_catalog, wallet_env, tmp_path
):
    live, emulator = run(arb_catalog, "paper", f"sqlite:///{tmp_path / 'paper.db'}")
    assert emulator.exchange.fills == []
    report = live.kernel.strategies[0].report()
    assert report["executions"] and report["executions"][0]["status"] == "filled"
    assert live.kernel.portfolio.position(f"polymarket:{YES}") > 0
    assert live.kernel.portfolio.position(f"polymarket:{YES}") == live.kernel.portfolio.position(
        f"polymarket:{NO}"
    )


@pytest.mark.parametrize(
    "fault",
    [
        "http_5xx_every=2",
        "http_429_every=3",
        "drop_connection_every=2",
        "delay_ms=30",
        "reorder=1",
        "skip=1",
        "reject_orders=1",
    ],
)
def test_under_each_fault_nothing_is_duplicated_and_no_fill_is_lost(
    arb_catalog, wallet_env, tmp_path, fault
):
    live, emulator = run(
        arb_catalog, "live", f"sqlite:///{tmp_path / 'live.db'}", 4.0, Faults.parse([fault])
    )
    record = [fill for _, fill in emulator.exchange.fills]
    theirs = sorted((f.trade_id, f.size) for f in record)
    ours = sorted((f.trade_id, f.size) for f in live.kernel.fills)
    assert ours == theirs, fault
    orders = list(emulator.exchange.orders.values())
    owners = [getattr(o, "client_order_id", None) or getattr(o, "order_id", "") for o in orders]
    assert len(owners) == len(set(owners)), "an order reached the venue twice"
    sent = [o for o in live.kernel.orders.orders() if o.request.strategy_id == "arbitrage"]
    assert len(orders) <= len(sent)


def test_a_negrisk_group_read_from_gamma_is_traded_live_as_a_basket(wallet_env, tmp_path):
    """SYNTHETIC negRisk stream (`pythia data synth --kind stream`) replayed by the emulator
    at 20x: the group comes from the emulator's Gamma endpoint, the planted group_yes window
    is traded live, and the fills equal the emulator's record."""
    from pythia.data.synth_stream import write_stream

    write_stream(tmp_path / "synth", groups=2, outcomes=(3, 4), seed=2, updates=300)
    truth = json.loads((tmp_path / "synth" / "truth.json").read_text())
    planted = truth["opportunities"][0]["group"]
    catalog = tmp_path / "catalog"
    write_catalog(
        read_capture("polymarket", [tmp_path / "synth" / "stream.jsonl"]), catalog, "polymarket"
    )

    async def main():
        emulator = PolymarketEmulator(Catalog(catalog), speed=20)
        await emulator.start()
        try:
            settings = settings_for(emulator)
            live_settings = settings.live.model_copy(
                update={"markets": [], "events": [planted], "gamma_url": f"{emulator.url}/gamma"}
            )
            settings = settings.model_copy(update={"live": live_settings})
            live = await start_live(settings, "live", f"sqlite:///{tmp_path / 'live.db'}")
            emulator.start_replay()
            asyncio.get_running_loop().call_later(5.0, live.runner.stop)
            await live.runner.run()
            await live.connection.close()
            live.journal.close()
            return live, emulator
        finally:
            await emulator.stop()

    live, emulator = asyncio.run(main())
    report = live.kernel.strategies[0].report()
    kinds = {row["kind"] for row in report["executions"]}
    assert kinds == {"group_yes"}
    assert report["executions"][0]["group"] == f"polymarket:{planted}"
    record = [fill for _, fill in emulator.exchange.fills]
    assert record
    assert sorted(f.trade_id for f in live.kernel.fills) == sorted(f.trade_id for f in record)


def test_paper_and_live_commands_run_a_config_against_the_emulator(
    arb_catalog, wallet_env, tmp_path, kit
):
    from typer.testing import CliRunner

    from pythia.cli.main import app

    server = kit.Running(PolymarketEmulator(Catalog(arb_catalog), speed=0))
    try:
        server.call(server.emulator.play())
        config = tmp_path / "run.toml"
        config.write_text(
            f"""
seed = 3
[strategy]
name = "arbitrage"
params = {{ min_profit = "0.01", max_capital = "45" }}
[account.balances]
USDC = "1000"
[risk]
max_order_size = "1000"
[live]
venue = "polymarket"
rest_url = "{server.emulator.url}"
ws_url = "{server.emulator.ws_url}"
markets = ["{CONDITION}"]
start_mode = "normal"
"""
        )
        runner = CliRunner()
        paper = runner.invoke(
            app,
            ["paper", "--config", str(config), "--journal", f"sqlite:///{tmp_path / 'p.db'}",
             "--run-for", "2"],
        )  # fmt: skip
        assert paper.exit_code == 0, paper.output
        assert json.loads(paper.output)["fills"] == 2
        refused = runner.invoke(app, ["live", "--config", str(config), "--run-for", "1"])
        assert refused.exit_code == 1 and "real money" in refused.output
        live = runner.invoke(
            app,
            ["live", "--config", str(config), "--journal", f"sqlite:///{tmp_path / 'l.db'}",
             "--i-understand-this-trades-real-money", "--run-for", "2"],
        )  # fmt: skip
        assert live.exit_code == 0, live.output
        assert json.loads(live.output)["fills"] == len(server.emulator.exchange.fills) > 0
    finally:
        server.stop()
