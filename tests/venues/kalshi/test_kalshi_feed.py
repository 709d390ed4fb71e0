"""The Kalshi feed against the emulator on loopback: books, sequencing faults, reconnects,
stale detection and fills checked against the emulator's trade record.

The replay runs at real speed (200 deltas, one a millisecond) while the feed is subscribed;
each test then waits until the feed's rebuilt books equal the emulator's.
"""

from __future__ import annotations

import asyncio
import random

from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot
from pythia.model.execution import FillReport
from pythia.model.orders import OrderRequest
from pythia.venues.backoff import Backoff
from pythia.venues.kalshi import parse
from pythia.venues.kalshi.emulator import Faults
from pythia.venues.kalshi.execution import KalshiExecution
from pythia.venues.kalshi.feed import FeedStatus, KalshiFeed

TICKER = "KXELONMARS-99"
YES, NO = parse.token_ids(TICKER)
FAST = Backoff(base_s=0.01, max_s=0.05)


class Collector:
    """Reads a feed in the background and rebuilds its books from the events."""

    def __init__(self, feed: KalshiFeed) -> None:
        self.feed = feed
        self.items: list = []
        self.books: dict[str, dict[int, int]] = {YES: {}, NO: {}}
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for item in self.feed:
            self.items.append(item)
            if isinstance(item, BookSnapshot):
                self.books[item.instrument_id] = dict(item.bids)
            elif isinstance(item, BookDelta):
                book = self.books[item.instrument_id]
                for price, change in item.bids:
                    size = book.get(price, 0) + change
                    if size > 0:
                        book[price] = size
                    else:
                        book.pop(price, None)

    def statuses(self) -> list[tuple[bool, str]]:
        return [(i.synced, i.reason) for i in self.items if isinstance(i, FeedStatus)]

    def fills(self) -> list[FillReport]:
        return [i for i in self.items if isinstance(i, FillReport)]

    async def stop(self) -> None:
        await self.feed.close()
        await asyncio.gather(self._task, return_exceptions=True)


def feed_for(emulator, credentials, **options) -> KalshiFeed:
    return KalshiFeed(
        [TICKER],
        credentials=credentials,
        url=emulator.ws_url,
        backoff=FAST,
        rng=random.Random(11),
        **options,
    )


async def until(predicate, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def in_sync(emulator, collector: Collector) -> bool:
    yes, no = emulator.exchange.levels(TICKER)
    return (
        collector.feed.is_synced(TICKER)
        and collector.books[YES] == yes
        and collector.books[NO] == no
    )


async def replay_with_feed(emulator, credentials, **feed_options):
    """Subscribe, replay the dataset, wait until the rebuilt books equal the emulator's."""
    collector = Collector(feed_for(emulator, credentials, **feed_options))
    collector.feed.start()
    await until(lambda: collector.feed.is_synced(TICKER))
    emulator.start_replay()
    await emulator.replay_done.wait()
    await until(lambda: in_sync(emulator, collector))
    await collector.stop()
    return collector


def test_the_feed_rebuilds_the_emulators_book_from_snapshot_and_deltas(loopback, credentials):
    async def scenario(emulator):
        return await replay_with_feed(emulator, credentials)

    collector = loopback(scenario, speed=1.0)

    counters = collector.feed.counters
    deltas = [i for i in collector.items if isinstance(i, BookDelta)]
    # subscribed before the replay: the snapshot is empty, the recorded book's 26 levels
    # arrive as deltas, then the 200 recorded deltas; one subscription, seq 1 = snapshot
    assert len(deltas) == 26 + 200
    assert [d.sequence for d in deltas] == list(range(2, 2 + 226))
    assert (counters.gaps, counters.reconnects, counters.parse_errors) == (0, 0, 0)
    assert collector.statuses() == [(True, "snapshot")]


def test_a_skipped_seq_is_a_gap_the_feed_resubscribes_and_resyncs(loopback, credentials):
    async def scenario(emulator):
        collector = await replay_with_feed(emulator, credentials)
        return collector, emulator.faults_fired

    collector, fired = loopback(scenario, speed=1.0, faults=Faults(skip_seq=40))

    counters = collector.feed.counters
    assert fired["skip_seq"] >= 1
    assert counters.gaps >= 1 and counters.resubscribes == counters.gaps
    assert (False, "gap") in collector.statuses()
    assert collector.statuses()[-1] == (True, "snapshot")


def test_reordered_deltas_are_a_gap_and_the_book_is_resynced(loopback, credentials):
    async def scenario(emulator):
        collector = await replay_with_feed(emulator, credentials)
        return collector, emulator.faults_fired

    collector, fired = loopback(scenario, speed=1.0, faults=Faults(reorder=50))

    assert fired["reorder"] >= 1
    assert collector.feed.counters.gaps >= 1


def test_a_dropped_connection_reconnects_with_backoff_and_resyncs(loopback, credentials):
    async def scenario(emulator):
        collector = await replay_with_feed(emulator, credentials)
        return collector, emulator.faults_fired

    collector, fired = loopback(scenario, speed=1.0, faults=Faults(drop_connection_every=60))

    assert fired["drop_connection"] >= 1
    assert collector.feed.counters.reconnects >= 1
    assert (False, "disconnected") in collector.statuses()


def test_malformed_frames_are_counted_and_skipped(loopback, credentials):
    async def scenario(emulator):
        collector = await replay_with_feed(emulator, credentials)
        return collector, emulator.faults_fired

    collector, fired = loopback(scenario, speed=1.0, faults=Faults(malformed_every=25))

    assert collector.feed.counters.parse_errors == fired["malformed"] >= 1
    assert collector.feed.counters.reconnects == 0


def test_a_silent_feed_is_marked_stale_then_resynced(loopback, credentials):
    async def scenario(emulator):
        collector = Collector(feed_for(emulator, credentials, stale_after_s=0.2))
        collector.feed.start()
        await until(lambda: collector.feed.counters.stale >= 1)
        await until(lambda: collector.feed.is_synced(TICKER) and collector.feed.counters.reconnects)
        await collector.stop()
        return collector

    collector = loopback(scenario, speed=1.0)

    assert collector.statuses()[:3] == [(True, "snapshot"), (False, "stale"), (True, "snapshot")]


def test_fills_received_equal_the_emulators_trade_record_under_faults(loopback, credentials):
    """Orders placed while the replay runs and the connection drops: fills over the
    WebSocket (deduplicated) plus a REST catch-up equal the trade record, and REST alone
    does too; no order is placed twice."""

    async def scenario(emulator):
        collector = Collector(feed_for(emulator, credentials, channels=["orderbook_delta", "fill"]))
        collector.feed.start()
        await until(lambda: collector.feed.is_synced(TICKER))
        emulator.start_replay()
        await until(lambda: emulator.exchange.levels(TICKER)[1])
        async with KalshiExecution(
            credentials, base_url=emulator.rest_url, backoff=FAST, rng=random.Random(5)
        ) as kalshi:
            for n in range(6):
                _, no_bids = emulator.exchange.levels(TICKER)
                ask = parse.ONE - max(no_bids)
                await kalshi.place(OrderRequest(f"fill-{n}", YES, Side.BUY, 100 + n, ask))
                await asyncio.sleep(0.02)
            await emulator.replay_done.wait()
            rest_fills = await kalshi.fills(TICKER)
        await until(lambda: in_sync(emulator, collector))
        await collector.stop()
        return collector, rest_fills, emulator

    faults = Faults(drop_connection_every=45, http_5xx_every=5)
    collector, rest_fills, emulator = loopback(scenario, speed=1.0, faults=faults)

    def key(fill: FillReport):
        return (
            fill.trade_id,
            fill.venue_order_id,
            fill.side,
            fill.price,
            fill.size,
            fill.fee_micros,
        )

    assert emulator.faults_fired["drop_connection"] >= 1
    assert emulator.faults_fired["http_5xx"] >= 1
    record = sorted(key(f) for f in emulator.trade_record)
    assert len(record) >= 6 and emulator.orders_created == 6
    assert sorted(key(f) for f in rest_fills) == record
    received = {f.trade_id: f for f in collector.fills()}
    assert len(received) == len(collector.fills())  # no fill delivered twice
    caught_up = {**received, **{f.trade_id: f for f in rest_fills}}
    assert sorted(key(f) for f in caught_up.values()) == record


def test_delayed_frames_still_rebuild_the_book_in_order(loopback, credentials):
    async def scenario(emulator):
        return await replay_with_feed(emulator, credentials)

    collector = loopback(scenario, speed=1.0, faults=Faults(delay_ms=1))

    counters = collector.feed.counters
    assert (counters.gaps, counters.reconnects, counters.stale) == (0, 0, 0)


def test_refused_credentials_end_the_feed_with_a_clear_error(loopback):
    from pythia.core.errors import VenueError
    from pythia.venues.kalshi import signing

    stranger = signing.KalshiCredentials("test-key", signing.generate_private_key())

    async def scenario(emulator):
        async with feed_for(emulator, stranger) as feed:
            try:
                async for _ in feed:
                    pass
            except VenueError as error:
                return str(error)
        return ""

    assert "HTTP 401" in loopback(scenario)
