"""Feed status changes mark books unsynced (and back), which blocks orders in the risk rules."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from pythia.model.events import BookSnapshot
from pythia.service.live import instrument_ids_of, market_events
from pythia.venues.feeds import FeedStatus


def kernel_with(*ids):
    instruments = {i: SimpleNamespace(market_id=i.split(":")[1]) for i in ids}
    return SimpleNamespace(instruments=instruments, unsynced=set())


def test_status_names_resolve_to_their_instruments_only():
    kernel = kernel_with("kalshi:KX-1:yes", "kalshi:KX-1:no", "kalshi:KX-10:yes")
    assert instrument_ids_of(kernel, "KX-1") == ["kalshi:KX-1:yes", "kalshi:KX-1:no"]
    assert instrument_ids_of(kernel, "kalshi:KX-10:yes") == ["kalshi:KX-10:yes"]
    assert instrument_ids_of(kernel, "") == []


def test_an_unsynced_status_marks_books_until_the_next_synced_one():
    kernel = kernel_with("polymarket:123", "polymarket:456")
    seen = []

    async def feed():
        yield FeedStatus("123", False, "stale", 1)
        seen.append(set(kernel.unsynced))
        yield BookSnapshot("polymarket:123", (), (), 2, 2)
        yield FeedStatus("123", True, "snapshot", 3)
        seen.append(set(kernel.unsynced))

    async def main():
        return [e async for e in market_events(feed(), kernel, None, "paper", "polymarket")]

    events = asyncio.run(main())
    assert [type(e).__name__ for e in events] == ["BookSnapshot"]
    assert seen == [{"polymarket:123"}, set()]
