"""The Betfair client (betfairlightweight login, REST and stream) against the loopback
emulator replaying the recorded WIN market 1.197931750: catalogue, books rebuilt from the
stream, back and lay bets with fills from the order stream, idempotent placing, reconnects,
stale feed and malformed lines. Nothing here leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from pythia.book import book_for
from pythia.core.errors import VenueError
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, Resolution
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.model.orders import CancelRequest, OrderRequest
from pythia.venues.betfair import read_capture
from pythia.venues.betfair.auth import BetfairCredentials
from pythia.venues.betfair.capture import load_catalogues
from pythia.venues.betfair.emulator import BetfairEmulator
from pythia.venues.betfair.execution import BetfairExecution, login
from pythia.venues.betfair.feed import BetfairFeed, FeedStatus

DATA = Path(__file__).resolve().parents[2] / "data" / "betfair"
DATA_PATH = DATA / "1.197931750"
CATALOGUE_PATH = DATA / "1.197931750.catalogue.json"
MARKET = "1.197931750"
RUNNER = f"betfair:{MARKET}:37947503"
CREDENTIALS = BetfairCredentials("pythia-user", "s3cret-pass", "app-key-1")
PART = 1500  # events replayed before the market closes (2608 in all)


class Harness:
    """An emulator, a logged-in client, its order client and a feed collecting items."""

    def __init__(self, emulator: BetfairEmulator, client, feed: BetfairFeed) -> None:
        self.emulator, self.client, self.feed = emulator, client, feed
        self.execution = BetfairExecution(client)
        self.items: list = []
        self.books: dict = {}
        self.error: Exception | None = None

    async def consume(self) -> None:
        try:
            async for item in self.feed:
                self.items.append(item)
                if isinstance(item, InstrumentDefinition) and hasattr(item.definition, "ticks"):
                    self.books.setdefault(item.definition.id, book_for(item.definition))
                elif isinstance(item, BookSnapshot):
                    self.books[item.instrument_id].apply_snapshot(item)
                elif isinstance(item, BookDelta):
                    self.books[item.instrument_id].apply_delta(item)
        except VenueError as error:
            self.error = error

    def of(self, kind: type) -> list:
        return [item for item in self.items if isinstance(item, kind)]

    def book_differences(self) -> list[str]:
        differences = []
        for instrument_id in self.emulator.exchange.tokens:
            book = self.books.get(instrument_id)
            mine = (book.bids(), book.asks()) if book is not None else ([], [])
            if mine != self.emulator.exchange.book(instrument_id):
                differences.append(instrument_id)
        return differences

    async def replay(self, until: int | None = None) -> None:
        await self.emulator.start_replay(until)
        await wait_for(lambda: not self.book_differences())


async def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.02)


def run(
    scenario: Callable[[Harness], Awaitable[None]], *, orders: bool = False, **feed_options
) -> None:
    async def main() -> None:
        emulator = BetfairEmulator(
            read_capture([DATA_PATH]),
            username=CREDENTIALS.username,
            password=CREDENTIALS.password,
            app_key=CREDENTIALS.app_key,
            speed=0,
        )
        await emulator.start()
        client = await asyncio.to_thread(login, CREDENTIALS, emulator.rest_url)
        feed = BetfairFeed(client, [MARKET], url=emulator.stream_url, orders=orders, **feed_options)
        harness = Harness(emulator, client, feed)
        feed.start()
        consumer = asyncio.get_running_loop().create_task(harness.consume())
        await wait_for(lambda: feed.is_synced(MARKET))
        try:
            await scenario(harness)
        finally:
            await feed.close()
            await asyncio.wait_for(consumer, 5)
            await emulator.stop()

    asyncio.run(main())


# ---- login and catalogue ------------------------------------------------------------------
def test_login_through_betfairlightweight_and_refusal_names_no_secret():
    async def scenario(h: Harness) -> None:
        assert h.client.session_token in h.emulator.sessions
        assert h.client.identity_uri.startswith("http://127.0.0.1:")
        wrong = BetfairCredentials(CREDENTIALS.username, "wrong-password", CREDENTIALS.app_key)
        with pytest.raises(VenueError) as refused:
            await asyncio.to_thread(login, wrong, h.emulator.rest_url)
        assert "INVALID_USERNAME_OR_PASSWORD" in str(refused.value)
        assert "wrong-password" not in str(refused.value)
        assert h.emulator.counters["logins"] == 1

    run(scenario)


def test_catalogue_and_definitions_carry_the_recorded_runner_names():
    expected = load_catalogues(CATALOGUE_PATH)[0]

    async def scenario(h: Harness) -> None:
        catalogue = (await h.execution.catalogue([MARKET]))[0]
        assert [r.runnerName for r in catalogue.runners] == [r.runnerName for r in expected.runners]
        definitions = await h.execution.definitions([MARKET])
        group = [d for d in definitions if isinstance(d, OutcomeGroup)]
        assert len(definitions) == 7 and group[0].kind is GroupKind.WIN
        assert group[0].names[1] == "2. Sandwood Jet"
        with pytest.raises(VenueError, match="1.999"):
            await h.execution.definitions(["1.999"])

    run(scenario)


# ---- market stream --------------------------------------------------------------------------
def test_books_rebuilt_from_the_stream_equal_the_emulators_after_the_replay():
    async def scenario(h: Harness) -> None:
        await h.replay(PART)
        assert h.book_differences() == []
        assert all(book.bids() and book.asks() for book in h.books.values())
        await h.replay()
        assert h.emulator.replay_done.is_set()
        await wait_for(lambda: bool(h.of(Resolution)))
        assert h.book_differences() == []
        assert [r.market_id for r in h.of(Resolution)] == [MARKET]
        assert h.feed.counters.parse_errors == 0 and h.feed.counters.gaps == 0
        assert h.feed.counters.messages > 500

    run(scenario)


def test_dropped_stream_connection_is_counted_and_books_resync():
    async def scenario(h: Harness) -> None:
        await h.replay(PART // 2)
        h.emulator.drop_stream_connections()
        await wait_for(lambda: h.feed.counters.reconnects >= 1)
        await wait_for(lambda: h.feed.is_synced(MARKET))
        await h.replay(PART)
        statuses = [(s.synced, s.reason) for s in h.of(FeedStatus)]
        assert h.feed.counters.reconnects == 1
        assert (False, "disconnected") in statuses and statuses[-1] == (True, "image")
        assert h.emulator.counters["stream_connections"] == 2
        assert h.book_differences() == []

    run(scenario, backoff=_fast_backoff())


def test_malformed_lines_are_counted_and_skipped():
    async def scenario(h: Harness) -> None:
        await h.replay(PART // 2)
        h.emulator.inject_line(b"{not json at all")
        h.emulator.inject_line(b'{"op":"mcm","pt":"not a number","mc":[]}')
        await h.replay(PART)
        await wait_for(lambda: h.feed.counters.parse_errors >= 2)
        assert h.feed.counters.parse_errors == 2
        assert h.feed.counters.reconnects == 0
        assert h.book_differences() == []

    run(scenario)


def test_stale_feed_unsyncs_and_reconnects():
    async def scenario(h: Harness) -> None:
        h.emulator.stream_paused = True
        await wait_for(lambda: h.feed.counters.stale >= 1)
        h.emulator.stream_paused = False
        await wait_for(lambda: h.feed.counters.reconnects >= 1 and h.feed.is_synced(MARKET))
        assert h.feed.counters.stale >= 1
        assert (False, "stale") in [(s.synced, s.reason) for s in h.of(FeedStatus)]
        assert h.feed.is_synced(MARKET)

    run(scenario, heartbeat_s=5.0, stale_after_s=0.4, backoff=_fast_backoff())


def test_refused_stream_session_ends_the_feed_with_venue_error():
    async def scenario(h: Harness) -> None:
        h.client.session_token = "not-a-session"
        feed = BetfairFeed(h.client, [MARKET], url=h.emulator.stream_url)
        async with feed:
            with pytest.raises(VenueError, match="INVALID_SESSION_INFORMATION"):
                async for _ in feed:
                    pass

    run(scenario)


# ---- orders ---------------------------------------------------------------------------------
def test_back_and_lay_fill_on_the_order_stream_as_the_emulator_records():
    async def scenario(h: Harness) -> None:
        await h.replay(PART)
        bids, asks = h.emulator.exchange.book(RUNNER)
        back = OrderRequest("c-back", RUNNER, Side.BUY, 300, bids[0][0])
        lay = OrderRequest("c-lay", RUNNER, Side.SELL, 250, asks[0][0])
        placed = [*(await h.execution.place(back)), *(await h.execution.place(lay))]
        assert [u.status for u in placed] == [OrderStatus.FILLED, OrderStatus.FILLED]
        await wait_for(lambda: len(h.of(FillReport)) >= 2)
        record = h.emulator.trade_record
        assert len(record) == 2

        def key(fill: FillReport) -> tuple:
            return (
                fill.instrument_id,
                fill.venue_order_id,
                fill.trade_id,
                fill.side,
                fill.price,
                fill.size,
                fill.liquidity,
                fill.cash_micros,
                fill.client_order_id,
            )

        assert [key(f) for f in h.of(FillReport)] == [key(f) for f in record]
        assert {f.client_order_id for f in record} == {"c-back", "c-lay"}
        updates = [u for u in h.of(OrderUpdate) if u.status is OrderStatus.FILLED]
        assert {u.client_order_id for u in updates} == {"c-back", "c-lay"}
        assert h.book_differences() == []

    run(scenario, orders=True)


def test_duplicate_customer_ref_places_one_bet():
    async def scenario(h: Harness) -> None:
        await h.replay(PART)
        bids, _ = h.emulator.exchange.book(RUNNER)
        request = OrderRequest("c-once", RUNNER, Side.BUY, 200, 100000)  # rests at 1000
        first = await h.execution.place(request)
        again = await h.execution.place(request)
        assert len(h.emulator.exchange.bets) == 1
        assert first[0].venue_order_id == again[0].venue_order_id
        assert again[0].status is OrderStatus.OPEN
        assert h.execution.counters["duplicates"] == 1
        assert await h.execution.open_orders() == ["c-once"]

    run(scenario)


def test_cancel_a_resting_lay_and_refusals_carry_betfair_codes():
    async def scenario(h: Harness) -> None:
        await h.replay(PART)
        resting = OrderRequest("c-rest", RUNNER, Side.SELL, 200, 101)  # lay at 1.01: rests
        assert (await h.execution.place(resting))[0].status is OrderStatus.OPEN
        await wait_for(lambda: any(u.client_order_id == "c-rest" for u in h.of(OrderUpdate)))
        canceled = await h.execution.cancel(CancelRequest("c-rest", RUNNER))
        assert canceled[0].status is OrderStatus.CANCELED
        await wait_for(lambda: h.of(OrderUpdate)[-1].status is OrderStatus.CANCELED)
        assert h.of(OrderUpdate)[-1].reason == "canceled"
        assert await h.execution.open_orders() == []
        tiny = await h.execution.place(OrderRequest("c-tiny", RUNNER, Side.BUY, 1, 101))
        assert tiny[0].status is OrderStatus.REJECTED and tiny[0].reason == "INVALID_BET_SIZE"

    run(scenario, orders=True)


def _fast_backoff():
    from pythia.venues.backoff import Backoff

    return Backoff(base_s=0.05, max_s=0.2)


def test_connect_betfair_gives_the_live_service_definitions_feed_and_order_client(monkeypatch):
    from pythia.service.live import CONNECTORS, LiveSettings

    monkeypatch.setenv("PYTHIA_BETFAIR_USERNAME", CREDENTIALS.username)
    monkeypatch.setenv("PYTHIA_BETFAIR_PASSWORD", CREDENTIALS.password)
    monkeypatch.setenv("PYTHIA_BETFAIR_APP_KEY", CREDENTIALS.app_key)

    async def scenario(h: Harness) -> None:
        await h.replay(PART)
        live = LiveSettings(
            venue="betfair",
            rest_url=h.emulator.rest_url,
            ws_url=h.emulator.stream_url,
            markets=[MARKET],
        )
        connection = await CONNECTORS["betfair"](live, "live")
        try:
            assert len(connection.definitions) == 7
            bids, _ = h.emulator.exchange.book(RUNNER)
            request = OrderRequest("c-live", RUNNER, Side.BUY, 200, bids[0][0])
            answers = await connection.order_client.place(request)
            assert answers[0].status is OrderStatus.FILLED
            seen: list = []
            async for item in connection.feed:
                seen.append(item)
                if isinstance(item, FillReport):
                    break
            assert seen[-1].trade_id == h.emulator.trade_record[-1].trade_id
            assert any(isinstance(i, FeedStatus) and i.synced for i in seen)
        finally:
            await connection.close()

    run(scenario)


def test_the_live_connector_renews_the_betfair_session(monkeypatch):
    from pythia.service.live import keep_session_alive
    from pythia.venues.betfair.execution import login

    async def scenario(h: Harness) -> None:
        client = await asyncio.to_thread(login, CREDENTIALS, h.emulator.rest_url)
        answers = []
        renew = client.keep_alive
        client.keep_alive = lambda: answers.append(renew())  # the real call, counted
        keeper = asyncio.create_task(keep_session_alive(client, interval_s=0.05))
        await asyncio.sleep(0.3)
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        assert len(answers) >= 2
        assert all(answer.status == "SUCCESS" for answer in answers)  # the emulator renewed

    run(scenario)
