"""The live runner: a wall clock, async feeds, due work without events, venue answers."""

from __future__ import annotations

import asyncio
import time

from enginekit import SHARE, TOKEN, sim_kernel
from pythia.engine.gateway import LiveGateway
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.engine.live import LiveRunner, WallClock
from pythia.model.enums import Side
from pythia.model.events import BookSnapshot
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.portfolio import Portfolio
from pythia.strategy.base import Strategy
from pythia.venues import profile_for


class Buyer(Strategy):
    """On the first book: one IOC buy and a timer 30 ms later."""

    name = "buyer"

    def __init__(self) -> None:
        super().__init__()
        self.books = 0
        self.fills = []
        self.timers = []
        self.updates = []

    def on_book(self, instrument_id, book) -> None:
        self.books += 1
        if self.books == 1:
            self.ctx.submit(TOKEN.id, Side.BUY, 2 * SHARE, 4200)
            self.ctx.set_timer("later", self.ctx.now_ns() + 30_000_000)

    def on_fill(self, fill) -> None:
        self.fills.append(fill)

    def on_order(self, update) -> None:
        self.updates.append(update)

    def on_timer(self, name, ts_ns) -> None:
        self.timers.append(name)


def live_kernel(strategy):
    return sim_kernel(strategy, clock=WallClock())


async def feed(count: int, gap_s: float):
    for _ in range(count):
        now = time.time_ns()
        yield BookSnapshot(TOKEN.id, ((4000, 50 * SHARE),), ((4200, 50 * SHARE),), now, now)
        await asyncio.sleep(gap_s)


def test_events_orders_and_timers_run_on_the_wall_clock():
    strategy = Buyer()
    kernel = live_kernel(strategy)
    runner = LiveRunner(kernel, [feed(1, 0.1)])
    started = time.monotonic()
    asyncio.run(runner.run())
    assert runner.events == 1
    # the fill and the timer came without any further market event
    assert [f.size for f in strategy.fills] == [2 * SHARE]
    assert strategy.timers == ["later"]
    assert time.monotonic() - started >= 0.1
    assert kernel.portfolio.position(TOKEN.id) == 2 * SHARE


def test_several_feeds_are_merged_and_stop_ends_the_run():
    strategy = Buyer()
    kernel = live_kernel(strategy)

    async def main():
        runner = LiveRunner(kernel, [feed(1000, 0.01), feed(1000, 0.01)])
        asyncio.get_running_loop().call_later(0.2, runner.stop)
        await runner.run()
        return runner

    runner = asyncio.run(main())
    assert 2 <= runner.events < 2000
    assert strategy.books == runner.events


def test_a_live_venues_own_answers_reach_the_strategy():
    strategy = Buyer()
    kernel = live_kernel(strategy)

    async def main():
        runner = LiveRunner(kernel, [feed(1, 0.05)])
        update = OrderUpdate(
            TOKEN.id, "v1", Side.BUY, 4200, 2 * SHARE, 0, OrderStatus.OPEN, 0, 0,
            client_order_id="elsewhere",
        )  # fmt: skip
        runner.venue_responses("polymarket", [update])
        await runner.run()

    asyncio.run(main())
    # an update for an order the kernel does not know is counted, not fatal
    assert kernel.stats.rejected_updates == 1


class FakeClient:
    """A venue's order client: accepts, fills half at the limit, or fails on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.placed = []

    async def place(self, request):
        await asyncio.sleep(0.005)
        if self.fail:
            raise ConnectionError("venue unreachable")
        self.placed.append(request)
        fill = FillReport(
            request.instrument_id, "v1", "t1", request.side, request.price, request.size // 2,
            Liquidity.TAKER, 0, "USDC", time.time_ns(), time.time_ns(),
            client_order_id=request.client_order_id,
            cash_micros=-request.price * request.size // 2 // 100,
        )  # fmt: skip
        update = OrderUpdate(
            request.instrument_id, "v1", request.side, request.price, request.size,
            request.size // 2, OrderStatus.PARTIALLY_FILLED, time.time_ns(), time.time_ns(),
            client_order_id=request.client_order_id,
        )  # fmt: skip
        return [update, fill]

    async def cancel(self, request):
        return []

    async def open_orders(self):
        return [r.client_order_id for r in self.placed]


def gateway_kernel(strategy, client):
    profile = profile_for("polymarket")
    portfolio = Portfolio({"USDC": 1000 * SHARE})
    holder = {}
    gateway = LiveGateway(
        "polymarket", client, profile, lambda v, r: holder["runner"].venue_responses(v, r)
    )
    kernel = Kernel(
        {"polymarket": VenueSlot(gateway, profile.latency)},
        portfolio,
        Portfolio({"USDC": 1000 * SHARE}),
        [strategy],
        clock=WallClock(),
    )
    kernel.add_definition(TOKEN)
    return kernel, holder


def test_a_live_gateway_places_through_the_client_and_books_what_the_venue_answers():
    strategy = Buyer()
    client = FakeClient()
    kernel, holder = gateway_kernel(strategy, client)
    runner = holder["runner"] = LiveRunner(kernel, [feed(1, 0.1)])
    asyncio.run(runner.run())
    assert [r.client_order_id for r in client.placed] == [strategy.updates[0].client_order_id]
    assert kernel.portfolio.position(TOKEN.id) == SHARE  # half of 2 shares filled
    assert [f.size for f in strategy.fills] == [SHARE]
    assert kernel.books[TOKEN.id].best_bid_price == 4000  # the kernel keeps the live books


def test_a_failing_venue_request_comes_back_as_a_rejection_with_the_reason():
    strategy = Buyer()
    kernel, holder = gateway_kernel(strategy, FakeClient(fail=True))
    runner = holder["runner"] = LiveRunner(kernel, [feed(1, 0.1)])
    asyncio.run(runner.run())
    assert [u.status for u in strategy.updates] == [OrderStatus.REJECTED]
    assert strategy.updates[0].reason.startswith("venue_error: ConnectionError")
    assert not kernel.orders.open_orders()
