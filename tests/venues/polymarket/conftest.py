"""Fixtures of the Polymarket emulator tests: datasets built through the import code path,
an emulator served on 127.0.0.1 (ephemeral port) from a background event loop, test keys.

Datasets come from recorded payloads (capture reader -> ``write_catalog``). SYNTHETIC DATA:
the price changes of :func:`stream_dataset` are made up on top of the real Trump 2024 book
(tests/data/polymarket/ws_book_trump2024.json) so that every message moves the top of the
book. Helpers reach the tests through the ``kit`` fixture.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from eth_account import Account
from eth_utils import keccak

from pythia.data.catalog import Catalog, write_catalog
from pythia.venues import read_capture
from pythia.venues.polymarket.emulator import PolymarketEmulator

DATA = Path(__file__).parents[2] / "data" / "polymarket"
BOOK = DATA / "ws_book_trump2024.json"
MARKET = DATA / "clob_market_negrisk.json"
NO_TOKEN = "48331043336612883890938759509493159234755048973500640148014422747788308965732"
YES_TOKEN = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
CONDITION = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"
WALLET = Account.from_key(keccak(text="pythia polymarket emulator tests"))
"""A throwaway key from a fixed seed: never funded, never used outside loopback."""
OTHER_WALLET = Account.from_key(keccak(text="pythia polymarket emulator tests: other"))
# SYNTHETIC price changes: bid 0.512 in, 0.513 in, 0.513 out, 0.512 out (the top moves each time)
CYCLE = (("0.512", "100"), ("0.513", "50"), ("0.513", "0"), ("0.512", "0"))


def book_dataset(root: Path, with_market: bool = True) -> Path:
    """A catalog of the recorded book (after the recorded CLOB market for tick and negRisk)."""
    out = root / ("catalog_market" if with_market else "catalog_book")
    files = [MARKET, BOOK] if with_market else [BOOK]
    write_catalog(read_capture("polymarket", files), out, "polymarket")
    return out


def stream_dataset(root: Path, messages: int = 17) -> Path:
    """A catalog of the recorded book followed by ``messages`` SYNTHETIC price changes."""
    book = json.loads(BOOK.read_text())
    start_ms = int(book["timestamp"])
    lines = [f"{start_ms * 10**6} {json.dumps(book)}"]
    for index in range(messages):
        price, size = CYCLE[index % len(CYCLE)]
        change = {
            "event_type": "price_change",
            "market": CONDITION,
            "timestamp": str(start_ms + index + 1),
            "price_changes": [{"asset_id": NO_TOKEN, "price": price, "size": size, "side": "BUY"}],
        }
        lines.append(f"{(start_ms + index + 1) * 10**6} {json.dumps(change)}")
    capture = root / "stream.jsonl"
    capture.write_text("\n".join(lines) + "\n")
    out = root / "catalog_stream"
    write_catalog(read_capture("polymarket", [MARKET, capture]), out, "polymarket")
    return out


class Running:
    """An emulator served from its own event loop on a background thread."""

    def __init__(self, emulator: PolymarketEmulator) -> None:
        self.emulator = emulator
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = self.call(emulator.start())

    def call(self, coroutine, timeout_s: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def run(self, function: Callable[[], object]) -> object:
        """Run a plain function on the emulator's loop and return its result."""

        async def wrapper():
            return function()

        return self.call(wrapper())

    def book(self, token_id: str = NO_TOKEN):
        """The emulator's book of a token: (bids, asks) best first."""

        def read():
            book = self.emulator.exchange.venue.book(f"polymarket:{token_id}")
            return book.bids(), book.asks()

        return self.run(read)

    def stop(self) -> None:
        self.call(self.emulator.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll ``condition`` until it holds (AssertionError after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def book_catalog(tmp_path):
    return book_dataset(tmp_path)


@pytest.fixture
def stream_catalog(tmp_path):
    return stream_dataset(tmp_path)


@pytest.fixture
def running(book_catalog):
    """The emulator over the recorded book, replayed before the test starts."""
    server = Running(PolymarketEmulator(Catalog(book_catalog), speed=0))
    server.call(server.emulator.play())
    yield server
    server.stop()


@pytest.fixture
def streaming(stream_catalog):
    """The emulator over the book plus SYNTHETIC price changes, nothing replayed yet."""
    server = Running(PolymarketEmulator(Catalog(stream_catalog), speed=0))
    yield server
    server.stop()


@pytest.fixture
def kit():
    """Constants and helpers of this directory's tests."""
    return SimpleNamespace(
        BOOK=BOOK,
        NO_TOKEN=NO_TOKEN,
        YES_TOKEN=YES_TOKEN,
        CONDITION=CONDITION,
        WALLET=WALLET,
        OTHER_WALLET=OTHER_WALLET,
        Running=Running,
        book_dataset=book_dataset,
        stream_dataset=stream_dataset,
        wait_for=wait_for,
    )
