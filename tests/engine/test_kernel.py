"""Kernel behaviour with a fake venue: ordering, latency, isolation, timers."""

from __future__ import annotations

from pythia.book import book_for
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, Trade
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import InstrumentKind, OutcomeToken, probability_scheme
from pythia.portfolio import Portfolio
from pythia.sim.models.base import ConstantLatency, LatencyConfig
from pythia.strategy.base import Strategy

TOKEN = OutcomeToken(
    id="fake:yes",
    venue="fake",
    symbol="yes",
    kind=InstrumentKind.OUTCOME_TOKEN,
    price_decimals=4,
    size_decimals=2,
    ticks=probability_scheme(100, 4),
    min_size=1,
    quote_currency="USD",
    bounded=True,
)


class FakeVenue:
    """Accepts every order and fills it at its price at once; records what it saw."""

    def __init__(self):
        self.seen: list[tuple[str, int]] = []
        self.trades = 0
        self.books = {}

    def add_instrument(self, instrument):
        self.books.setdefault(instrument.id, book_for(instrument))

    def on_market_event(self, event):
        self.seen.append(("market", event.ts_recv_ns))
        if isinstance(event, BookSnapshot):
            self.books[event.instrument_id].apply_snapshot(event)
        elif isinstance(event, BookDelta):
            self.books[event.instrument_id].apply_delta(event)
        return []

    def expire(self, ts_ns):
        return []

    def submit(self, request, ts_ns):
        self.seen.append(("order", ts_ns))
        self.trades += 1
        cash = -(request.price * request.size) // 100  # 4 + 2 decimals -> micros
        return [
            OrderUpdate(
                request.instrument_id,
                "v1",
                request.side,
                request.price,
                request.size,
                0,
                OrderStatus.OPEN,
                ts_ns,
                ts_ns,
                request.client_order_id,
            ),
            FillReport(
                request.instrument_id,
                "v1",
                f"t{self.trades}",
                request.side,
                request.price,
                request.size,
                Liquidity.TAKER,
                0,
                "USD",
                ts_ns,
                ts_ns,
                client_order_id=request.client_order_id,
                cash_micros=cash,
            ),
        ]

    def cancel(self, request, ts_ns):
        return []

    def book(self, instrument_id):
        return self.books[instrument_id]


class Recorder(Strategy):
    name = "recorder"

    def __init__(self, buy_on_first_book=False):
        super().__init__()
        self.calls: list[tuple[str, int]] = []
        self.buy = buy_on_first_book

    def on_book(self, instrument_id, book):
        self.calls.append(("book", self.ctx.now_ns()))
        if self.buy:
            self.buy = False
            self.ctx.submit(instrument_id, Side.BUY, 100, 5000)

    def on_fill(self, fill):
        self.calls.append(("fill", self.ctx.now_ns()))

    def on_order(self, update):
        self.calls.append(("order", self.ctx.now_ns()))

    def on_timer(self, name, ts_ns):
        self.calls.append((name, ts_ns))


def kernel_with(strategies, feed=0, entry=0, response=0):
    venue = FakeVenue()
    latency = LatencyConfig(
        ConstantLatency(feed), ConstantLatency(entry), ConstantLatency(response)
    )
    portfolio, view = Portfolio({"USD": 10**9}), Portfolio({"USD": 10**9})
    kernel = Kernel({"fake": VenueSlot(venue, latency)}, portfolio, view, strategies, seed=1)
    kernel.add_definition(TOKEN)
    return kernel, venue


def events():
    return [
        BookSnapshot("fake:yes", ((4900, 100),), ((5100, 100),), 1000, 1000),
        BookDelta("fake:yes", ((4800, 10),), (), 2000, 2000),
        BookDelta("fake:yes", ((4700, 10),), (), 3000, 3000),
    ]


def test_strategy_sees_updates_only_after_the_feed_latency():
    strategy = Recorder()
    kernel, venue = kernel_with([strategy], feed=500)
    kernel.run(events())
    assert strategy.calls == [("book", 1500), ("book", 2500), ("book", 3500)]
    assert venue.seen == [("market", 1000), ("market", 2000), ("market", 3000)]


def test_orders_and_responses_follow_entry_and_response_latency():
    strategy = Recorder(buy_on_first_book=True)
    kernel, venue = kernel_with([strategy], feed=100, entry=300, response=200)
    kernel.run(events())
    # book at 1100 -> order reaches the venue at 1400 -> ack and fill reach us at 1600
    assert ("order", 1400) in venue.seen
    assert ("order", 1600) in strategy.calls and ("fill", 1600) in strategy.calls
    assert kernel.portfolio.position("fake:yes") == 100
    assert kernel.view.position("fake:yes") == 100


def test_tie_break_venue_before_strategy_at_the_same_timestamp():
    strategy = Recorder(buy_on_first_book=True)
    kernel, venue = kernel_with([strategy], feed=1000, entry=0, response=0)
    kernel.run(events())
    # the first book reaches the strategy at 2000, the same instant the second market event
    # reaches the venue: the venue event comes first, then the order the strategy sends.
    assert venue.seen[:3] == [("market", 1000), ("market", 2000), ("order", 2000)]


class Exploding(Strategy):
    name = "exploding"

    def on_book(self, instrument_id, book):
        raise RuntimeError("boom")


def test_a_failing_strategy_is_disabled_and_others_keep_running():
    good, bad = Recorder(), Exploding()
    kernel, _ = kernel_with([bad, good])
    kernel.run(events())
    assert kernel.disabled == {"exploding"}
    assert len(good.calls) == 3
    [error] = kernel.stats.strategy_errors
    assert error["strategy"] == "exploding" and "boom" in error["error"]


class Timed(Recorder):
    def on_start(self, ctx):
        super().on_start(ctx)
        ctx.set_timer("wake", 2500)


def test_timers_fire_in_time_order():
    strategy = Timed()
    kernel, _ = kernel_with([strategy])
    kernel.run(events() + [Trade("fake:yes", 5000, 1, Side.BUY, "x", 4000, 4000)])
    assert strategy.calls == [("book", 1000), ("book", 2000), ("wake", 2500), ("book", 3000)]


def test_zero_feed_latency_shares_the_venue_book():
    strategy = Recorder()
    kernel, venue = kernel_with([strategy], feed=0)
    kernel.run(events())
    assert kernel.books["fake:yes"] is venue.books["fake:yes"]
    assert strategy.calls == [("book", 1000), ("book", 2000), ("book", 3000)]
    assert kernel.books["fake:yes"].best_bid() == (4900, 100)


def test_with_feed_latency_the_strategy_keeps_its_own_book():
    kernel, venue = kernel_with([Recorder()], feed=10)
    kernel.run(events())
    assert kernel.books["fake:yes"] is not venue.books["fake:yes"]
    assert kernel.books["fake:yes"].bids() == venue.books["fake:yes"].bids()
