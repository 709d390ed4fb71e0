"""The Binance clients against the loopback emulator: ccxt orders with HMAC signatures, the
snapshot + diff feed with its faults, and the credentials check. Replays the bundled
recorded capture spot_btcusdt_20240808 (real Binance messages)."""

from __future__ import annotations

import asyncio
import random

import ccxt.async_support as ccxt
import pytest

from pythia.book import book_for
from pythia.core.errors import ConfigError, OrderRejected
from pythia.data import bundled
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, Trade
from pythia.model.execution import OrderStatus
from pythia.model.orders import CancelRequest, OrderRequest, OrderType, TimeInForce
from pythia.venues.backoff import Backoff
from pythia.venues.binance.auth import API_KEY, API_SECRET, BinanceCredentials, load_credentials
from pythia.venues.binance.emulator import BinanceEmulator, Faults
from pythia.venues.binance.execution import BinanceExecution, make_exchange
from pythia.venues.binance.feed import BinanceFeed, FeedStatus

CAPTURE = [bundled("binance", "spot_btcusdt_20240808.gz")]
KEY, SECRET = "test-key-" + "a" * 55, "test-secret-" + "b" * 52
CREDS = BinanceCredentials(KEY, SECRET)
BTC = "binance:BTCUSDT"
FAST = Backoff(base_s=0.01, max_s=0.05)


def run(scenario, limit=300, faults=None, **options):
    async def main():
        emulator = BinanceEmulator(
            CAPTURE, api_key=KEY, api_secret=SECRET, speed=0, limit=limit, faults=faults, **options
        )
        await emulator.start()
        try:
            return await scenario(emulator)
        finally:
            await emulator.stop()

    return asyncio.run(main())


async def execution_for(emulator, **options) -> BinanceExecution:
    execution = BinanceExecution(
        CREDS, emulator.rest_url, backoff=FAST, rng=random.Random(1), **options
    )
    await execution.load(["BTCUSDT"])
    return execution


def limit_buy(client_id, price=6000000, size=100_000):
    return OrderRequest(client_id, BTC, Side.BUY, size, price)


# ---- credentials ------------------------------------------------------------------------
def test_missing_credentials_name_both_variables():
    with pytest.raises(ConfigError) as error:
        load_credentials({}, keyring=None)
    assert API_KEY in str(error.value) and API_SECRET in str(error.value)


def test_missing_secret_only_is_named_and_secrets_never_shown():
    with pytest.raises(ConfigError) as error:
        load_credentials({API_KEY: KEY}, keyring=None)
    assert API_SECRET in str(error.value) and API_KEY not in str(error.value)
    assert KEY not in str(error.value)
    creds = load_credentials({API_KEY: KEY}, keyring=lambda service, name: SECRET)
    assert creds == CREDS and KEY not in repr(creds) and SECRET not in str(creds)


# ---- REST through ccxt --------------------------------------------------------------------
def test_ccxt_loads_markets_places_and_cancels_with_valid_signatures():
    async def scenario(emulator):
        exchange = make_exchange(CREDS, emulator.rest_url, 5)
        try:
            markets = await exchange.load_markets()
            assert markets["BTC/USDT"]["precision"]["price"] == 0.01
            book = await exchange.fetch_order_book("BTC/USDT", 5)
            assert book["nonce"] == 50093239218
            order = await exchange.create_order(
                "BTC/USDT", "limit", "buy", "0.001", "60000", {"newClientOrderId": "c1"}
            )
            assert order["status"] == "open" and order["clientOrderId"] == "c1"
            assert len(await exchange.fetch_open_orders("BTC/USDT")) == 1
            canceled = await exchange.cancel_order(None, "BTC/USDT", {"origClientOrderId": "c1"})
            assert canceled["status"] == "canceled"
            assert await exchange.fetch_open_orders("BTC/USDT") == []
        finally:
            await exchange.close()
        return emulator.counters["auth_failures"]

    assert run(scenario) == 0


def test_bad_signature_is_rejected_with_binance_error():
    async def scenario(emulator):
        exchange = make_exchange(BinanceCredentials(KEY, "wrong"), emulator.rest_url, 5)
        try:
            await exchange.load_markets()
            with pytest.raises(ccxt.AuthenticationError, match="-1022"):
                await exchange.create_order(
                    "BTC/USDT", "limit", "buy", "0.001", "60000", {"newClientOrderId": "x"}
                )
        finally:
            await exchange.close()
        return emulator.exchange.orders, emulator.counters["auth_failures"]

    orders, failures = run(scenario)
    assert orders == {} and failures == 1


def test_marketable_order_fills_equal_the_emulator_trade_record():
    async def scenario(emulator):
        execution = await execution_for(emulator)
        try:
            request = OrderRequest("m1", BTC, Side.BUY, 300_000_000, None, OrderType.MARKET)
            update = await execution.place(request)
            fills = await execution.poll_fills()
        finally:
            await execution.close()
        return update, fills, emulator.trade_record

    update, fills, record = run(scenario, balances={"USDT": "1000000", "BTC": "1"})
    assert update.status is OrderStatus.FILLED and update.filled_size == 300_000_000
    assert len(record) >= 2  # 3 BTC walk several levels of the recorded book
    key = lambda f: (  # noqa: E731
        f.instrument_id, f.venue_order_id, f.trade_id, f.side, f.price, f.size,
        f.liquidity, f.fee_micros, f.fee_currency, f.client_order_id, f.cash_micros,
    )  # fmt: skip
    assert [key(f) for f in fills] == [key(f) for f in record]
    assert sum(f.size for f in fills) == 300_000_000


def test_duplicate_client_id_places_no_second_order():
    async def scenario(emulator):
        execution = await execution_for(emulator)
        try:
            first = await execution.place(limit_buy("dup"))
            second = await execution.place(limit_buy("dup"))
            open_ids = [u.client_order_id for u in await execution.open_orders()]
        finally:
            await execution.close()
        return first, second, open_ids, len(emulator.exchange.orders)

    first, second, open_ids, count = run(scenario)
    assert second.venue_order_id == first.venue_order_id and open_ids == ["dup"] and count == 1


def test_timeout_after_accept_is_looked_up_not_resent():
    async def scenario(emulator):
        execution = await execution_for(emulator, timeout_s=0.3)
        try:
            # a marketable order: filled at once, so a resend would be a second order
            request = OrderRequest("lost", BTC, Side.BUY, 100_000, None, OrderType.MARKET)
            update = await execution.place(request)
        finally:
            await execution.close()
        return update, execution.counters, len(emulator.exchange.orders)

    update, counters, count = run(
        scenario, faults=Faults(lose_response_every=1), lost_response_hold_s=1.0
    )
    assert update.client_order_id == "lost" and update.status is OrderStatus.FILLED
    assert counters.found_after_unknown == 1 and count == 1


def test_5xx_and_429_are_retried_and_rejects_are_rejections():
    async def scenario(emulator):
        execution = await execution_for(emulator)
        try:
            update = await execution.place(limit_buy("r1"))
            emulator.faults.reject_orders = True
            with pytest.raises(OrderRejected):
                await execution.place(limit_buy("r2"))
            emulator.faults.reject_orders = False
            canceled = await execution.cancel(CancelRequest("r1", BTC))
        finally:
            await execution.close()
        return update, canceled, len(emulator.exchange.orders), execution.counters

    update, canceled, count, counters = run(
        scenario, faults=Faults(http_5xx_every=3, http_429_every=5)
    )
    assert update.status is OrderStatus.OPEN and canceled.status is OrderStatus.CANCELED
    assert count == 1 and counters.retries >= 1


def test_ioc_limit_through_the_book_expires_remainder():
    async def scenario(emulator):
        execution = await execution_for(emulator)
        try:
            request = OrderRequest(
                "ioc", BTC, Side.SELL, 50_000_000, 6183763, time_in_force=TimeInForce.IOC
            )
            return await execution.place(request)
        finally:
            await execution.close()

    update = run(scenario)
    assert update.filled_size == 50_000_000 and update.status is OrderStatus.FILLED


# ---- feed ---------------------------------------------------------------------------------
async def collect(emulator, feed, until_done=True):
    """Replay everything; return the feed's items once it has the emulator's last id."""
    items = []

    async def reader():
        async for item in feed:
            items.append(item)

    task = asyncio.get_running_loop().create_task(reader())
    feed.start()
    await asyncio.wait_for(feed.connected.wait(), 5)
    while not feed.is_synced("BTCUSDT"):
        await asyncio.sleep(0.01)
    emulator.start_replay()
    await asyncio.wait_for(emulator.replay_done.wait(), 20)
    for _ in range(500):
        if feed.last_update_id("BTCUSDT") == emulator.last_update_id[BTC]:
            break
        await asyncio.sleep(0.01)
    await feed.close()
    await task
    return items


def rebuilt_book(items, instrument):
    book = book_for(instrument)
    for item in items:
        if isinstance(item, BookSnapshot):
            book.apply_snapshot(item)
        elif isinstance(item, BookDelta):
            book.apply_delta(item)
    return book


def feed_for(emulator, **options):
    return BinanceFeed(
        ["BTCUSDT"],
        emulator.rest_url,
        emulator.ws_url,
        backoff=FAST,
        rng=random.Random(2),
        **options,
    )


def feed_run(faults=None, limit=400, **options):
    async def scenario(emulator):
        feed = feed_for(emulator, **options)
        items = await collect(emulator, feed)
        emulator_book = emulator.book(BTC)
        book = rebuilt_book(items, feed.instruments["BTCUSDT"])
        same = (book.bids(), book.asks()) == (emulator_book.bids(), emulator_book.asks())
        return items, feed.counters, same, feed.last_update_id("BTCUSDT"), emulator

    return run(scenario, limit=limit, faults=faults)


def test_feed_book_equals_the_emulator_book_after_replay():
    items, counters, same, last, emulator = feed_run()
    assert same and last == emulator.last_update_id[BTC]
    assert counters.gaps == 0 and counters.parse_errors == 0 and counters.reconnects == 0
    assert any(isinstance(i, Trade) for i in items)
    assert sum(isinstance(i, BookDelta) for i in items) > 50


def test_skipped_update_ids_are_a_gap_and_the_book_resyncs():
    items, counters, same, last, emulator = feed_run(Faults(skip_update_every=40))
    assert emulator.counters["skipped"] >= 2
    assert counters.gaps >= 2 and counters.snapshots >= 3
    assert any(isinstance(i, FeedStatus) and i.reason == "gap" for i in items)
    assert same and last == emulator.last_update_id[BTC]


def test_dropped_connection_reconnects_and_resyncs():
    items, counters, same, last, emulator = feed_run(Faults(drop_connection_every=150))
    assert counters.reconnects >= 1
    assert any(isinstance(i, FeedStatus) and i.reason == "disconnected" for i in items)
    assert same and last == emulator.last_update_id[BTC]


def test_malformed_message_is_counted_and_skipped():
    items, counters, same, last, emulator = feed_run(Faults(malformed_every=50))
    assert counters.parse_errors >= 5 and counters.gaps == 0
    assert same and last == emulator.last_update_id[BTC]


def test_stale_feed_marks_the_book_unsynced():
    async def scenario(emulator):
        statuses = []
        feed = feed_for(emulator, stale_after_s=0.2, on_status=statuses.append)
        feed.start()
        for _ in range(300):
            if any(not s.synced and s.reason == "stale" for s in statuses):
                break
            await asyncio.sleep(0.01)
        await feed.close()
        return statuses, feed.counters

    statuses, counters = run(scenario)
    assert counters.stale >= 1
    assert [s.reason for s in statuses][:2] == ["snapshot", "stale"]


# ---- service connector --------------------------------------------------------------------
def test_connect_binance_live_mode_streams_books_and_places_orders(monkeypatch):
    from pythia.service.live import CONNECTORS, LiveSettings

    monkeypatch.setenv(API_KEY, KEY)
    monkeypatch.setenv(API_SECRET, SECRET)

    async def scenario(emulator):
        live = LiveSettings(
            venue="binance", rest_url=emulator.rest_url, ws_url=emulator.ws_url, markets=["BTCUSDT"]
        )
        connection = await CONNECTORS["binance"](live, "live")
        try:
            first = await asyncio.wait_for(anext(connection.feed), 5)
            answers = await connection.order_client.place(limit_buy("svc"))
            open_ids = await connection.order_client.open_orders()
        finally:
            await connection.close()
        return connection.definitions, first, answers, open_ids

    definitions, first, answers, open_ids = run(scenario)
    assert [d.id for d in definitions] == [BTC]
    assert isinstance(first, (BookSnapshot, FeedStatus))
    assert answers[0].status is OrderStatus.OPEN and open_ids == ["svc"]
