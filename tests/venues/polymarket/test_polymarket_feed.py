"""The market-data client (feed.py) against the emulator's market channel: books equal the
emulator's after a replay, under every market-channel fault switch."""

from __future__ import annotations

import asyncio
import random

from pythia.data.catalog import Catalog
from pythia.model.events import BookSnapshot, TickSizeChange
from pythia.venues.backoff import Backoff
from pythia.venues.polymarket import encode
from pythia.venues.polymarket.emulator import PolymarketEmulator
from pythia.venues.polymarket.emulator_faults import Faults
from pythia.venues.polymarket.feed import MarketFeed

FAST = Backoff(base_s=0.01, max_s=0.05)


def make_feed(server, assets, **options) -> MarketFeed:
    options.setdefault("backoff", FAST)
    options.setdefault("rng", random.Random(7))
    return MarketFeed(server.emulator.urls()["ws_market"], assets, **options)


async def replay_and_compare(server, kit, feed: MarketFeed, timeout_s: float = 5.0, also=None):
    """Start the feed, replay everything, wait until the feed's book equals the emulator's
    (and ``also()`` holds, when given)."""
    events: list = []

    async def collect():
        async for event in feed.events():
            events.append(event)

    tasks = [asyncio.create_task(feed.run()), asyncio.create_task(collect())]
    await kit.wait_for(lambda: feed.is_synced(kit.NO_TOKEN))
    await asyncio.to_thread(server.call, server.emulator.play())
    expected = server.book()

    def caught_up() -> bool:
        done = feed.is_synced(kit.NO_TOKEN) and feed.book(kit.NO_TOKEN) == expected
        return done and (also is None or also())

    await kit.wait_for(caught_up, timeout_s)
    await feed.stop()
    await asyncio.gather(*tasks)
    return events


def test_feed_book_equals_the_emulator_book_after_replay(streaming, kit):
    feed = make_feed(streaming, [kit.NO_TOKEN])

    events = asyncio.run(replay_and_compare(streaming, kit, feed))

    assert isinstance(events[0], BookSnapshot)
    assert feed.counters.gaps == 0 and feed.counters.parse_errors == 0
    assert feed.counters.messages == 2 + 17  # book on subscribe, replayed book, 17 changes
    emulator_book = streaming.book()  # read again now: tells a feed gap from an emulator one
    assert emulator_book[0][:2] == [(5120, 100_000_000), (5110, 1_304_720_000)]
    assert feed.book(kit.NO_TOKEN) == emulator_book
    bids, asks = feed.book(kit.NO_TOKEN)
    assert bids[:2] == [(5120, 100_000_000), (5110, 1_304_720_000)]  # last change: 0.512 in
    assert asks[0] == (5140, 20_230_870_000)


def test_many_assets_are_sharded_across_connections(tmp_path, kit):
    server = kit.Running(
        PolymarketEmulator(
            Catalog(kit.stream_dataset(tmp_path)), speed=0, max_assets_per_connection=1
        )
    )
    try:
        feed = make_feed(server, [kit.NO_TOKEN, kit.YES_TOKEN], max_assets_per_connection=1)

        asyncio.run(replay_and_compare(server, kit, feed))

        assert feed.shards == [[kit.NO_TOKEN], [kit.YES_TOKEN]]
        assert feed.is_synced(kit.YES_TOKEN) is False  # stopped
        assert feed.book(kit.YES_TOKEN) == ([], [])  # subscribed, empty book
    finally:
        server.stop()


def test_malformed_messages_are_counted_and_skipped(streaming, kit):
    feed = make_feed(streaming, [kit.NO_TOKEN])

    async def scenario():
        task = asyncio.create_task(feed.run())
        await kit.wait_for(lambda: feed.is_synced(kit.NO_TOKEN))
        garbage = [(kit.NO_TOKEN, "{not json"), (kit.NO_TOKEN, {"event_type": "book"})]
        change = encode.tick_size_change_event(kit.NO_TOKEN, kit.CONDITION, 10, 1, 1)
        streaming.run(lambda: streaming.emulator.publish_market([*garbage, (kit.NO_TOKEN, change)]))
        received = []
        async for event in feed.events():
            received.append(event)
            if isinstance(event, TickSizeChange):
                break
        await feed.stop()
        await task
        return received

    received = asyncio.run(scenario())

    assert feed.counters.parse_errors == 2
    assert received[-1].new_tick == 1 and received[-1].old_tick == 10
    assert feed.counters.reconnects == 0


def test_skipped_price_change_is_detected_and_resynced(streaming, kit):
    streaming.emulator.set_faults(Faults(skip=3))
    synced: list[bool] = []
    feed = make_feed(streaming, [kit.NO_TOKEN], on_sync=lambda iid, ok: synced.append(ok))

    asyncio.run(replay_and_compare(streaming, kit, feed))

    assert streaming.emulator.log.fired["skip"] >= 3
    assert feed.counters.gaps >= 1 and feed.counters.resyncs >= 1
    assert False in synced and synced[-1] is False  # False once stopped; True came back between


def test_dropped_connections_reconnect_and_resync(streaming, kit):
    streaming.emulator.set_faults(Faults(drop_connection_every=4))
    feed = make_feed(streaming, [kit.NO_TOKEN])

    # the replayed book can already equal the final one before the dropped connection is
    # noticed: wait for the reconnect too (a busy machine runs the poll first)
    reconnected = lambda: feed.counters.reconnects >= 1  # noqa: E731
    asyncio.run(replay_and_compare(streaming, kit, feed, also=reconnected))

    assert feed.counters.reconnects >= 1
    assert streaming.emulator.log.fired["drop_connection"] >= 1


def test_reordered_and_delayed_messages_end_in_the_same_book(streaming, kit):
    streaming.emulator.set_faults(Faults(reorder=1, delay_ms=2))
    feed = make_feed(streaming, [kit.NO_TOKEN])

    asyncio.run(replay_and_compare(streaming, kit, feed))

    assert streaming.emulator.log.fired["delay"] >= 1


def test_silent_connection_is_stale_and_resubscribes(streaming, kit):
    synced: list[bool] = []
    feed = make_feed(
        streaming,
        [kit.NO_TOKEN],
        stale_after_s=0.2,
        heartbeat_s=10,
        on_sync=lambda iid, ok: synced.append(ok),
    )

    async def scenario():
        task = asyncio.create_task(feed.run())
        await kit.wait_for(lambda: feed.counters.stale >= 1 and feed.is_synced(kit.NO_TOKEN))
        await feed.stop()
        await task

    asyncio.run(scenario())

    assert synced[:3] == [True, False, True]
    assert feed.counters.reconnects >= 1


def test_heartbeats_keep_a_quiet_connection_alive(streaming, kit):
    feed = make_feed(streaming, [kit.NO_TOKEN], stale_after_s=0.3, heartbeat_s=0.05)

    async def scenario():
        task = asyncio.create_task(feed.run())
        await kit.wait_for(lambda: feed.counters.heartbeats >= 8)
        await feed.stop()
        await task

    asyncio.run(scenario())

    assert feed.counters.stale == 0 and feed.counters.reconnects == 0


def test_backoff_grows_with_seeded_jitter():
    backoff = Backoff(base_s=1, max_s=8, jitter=0.5)
    delays = [backoff.delay_s(n, random.Random(3)) for n in range(6)]

    assert delays == [backoff.delay_s(n, random.Random(3)) for n in range(6)]
    assert all(0.5 * min(8, 2**n) <= d <= min(8, 2**n) for n, d in enumerate(delays))
