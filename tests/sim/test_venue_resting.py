"""SimulatedVenue: resting orders in the queue, trades at and through our price, the book
moving through our price."""

from __future__ import annotations

from dataclasses import dataclass, field

from pythia.model.enums import Side
from pythia.model.execution import Liquidity, OrderStatus
from simkit_queue import (
    IOC,
    TOKEN,
    USDC,
    ahead,
    delta,
    fills_of,
    make_venue,
    order,
    resting_bid,
    trade,
)


@dataclass
class RecordingQueue:
    """Risk-averse, and remembers every call."""

    calls: list[tuple[int, int, int, int]] = field(default_factory=list)

    def advance(self, ahead, level_before, level_after, traded, rng) -> int:
        self.calls.append((ahead, level_before, level_after, traded))
        return max(0, min(ahead - traded, level_after))


# ---- queue position -----------------------------------------------------------------------
def test_resting_order_fills_only_after_the_size_ahead_has_traded():
    venue = make_venue()
    resting_bid(venue)
    assert ahead(venue, "q") == 100 * TOKEN

    assert venue.on_market_event(trade("pm:yes", 4000, 60 * TOKEN, Side.SELL)) == []
    assert venue.on_market_event(trade("pm:yes", 4200, 60 * TOKEN, Side.BUY)) == []
    assert ahead(venue, "q") == 40 * TOKEN
    # The depth update for the same trade does not move us again.
    assert venue.on_market_event(delta("pm:yes", bids=[(4000, 40 * TOKEN)], ts=31)) == []
    assert ahead(venue, "q") == 40 * TOKEN

    partial = venue.on_market_event(trade("pm:yes", 4000, 50 * TOKEN, Side.SELL, ts=40))
    full = venue.on_market_event(trade("pm:yes", 4000, 100 * TOKEN, Side.SELL, ts=50))

    (fill,) = fills_of(partial)
    assert (fill.price, fill.size, fill.liquidity, fill.ts_event_ns) == (
        4000,
        10 * TOKEN,
        Liquidity.MAKER,
        40,
    )
    assert fill.cash_micros == -4 * USDC
    assert (partial[1].status, partial[1].filled_size) == (OrderStatus.PARTIALLY_FILLED, 10 * TOKEN)
    assert [f.size for f in fills_of(full)] == [20 * TOKEN]
    assert full[-1].status is OrderStatus.FILLED
    assert venue.open_orders() == []


def test_cancels_do_not_advance_us_with_the_default_queue_model():
    venue = make_venue()
    resting_bid(venue)

    venue.on_market_event(delta("pm:yes", bids=[(4000, 70 * TOKEN)]))
    assert ahead(venue, "q") == 70 * TOKEN  # never more than the level shows
    venue.on_market_event(delta("pm:yes", bids=[(4000, 120 * TOKEN)]))
    assert ahead(venue, "q") == 70 * TOKEN  # newcomers join behind us
    venue.on_market_event(delta("pm:yes", bids=[(4000, 20 * TOKEN)]))
    assert ahead(venue, "q") == 20 * TOKEN


def test_queue_model_sees_the_queue_before_trades_and_traded_capped_by_the_decrease():
    queue = RecordingQueue()
    venue = make_venue(queue_model=queue)
    resting_bid(venue)

    venue.on_market_event(trade("pm:yes", 4000, 60 * TOKEN, Side.SELL))
    venue.on_market_event(delta("pm:yes", bids=[(4000, 70 * TOKEN)], ts=31))  # refilled by 30

    assert queue.calls == [(100 * TOKEN, 100 * TOKEN, 70 * TOKEN, 30 * TOKEN)]
    assert ahead(venue, "q") == 40 * TOKEN  # the trade's cut stands


def test_our_orders_at_one_price_share_a_print_in_arrival_order():
    venue = make_venue()
    resting_bid(venue, "a", 10 * TOKEN)
    venue.submit(order("b", "pm:yes", Side.BUY, 10 * TOKEN, 4000), 16)

    first = venue.on_market_event(trade("pm:yes", 4000, 105 * TOKEN, Side.SELL))
    second = venue.on_market_event(trade("pm:yes", 4000, 20 * TOKEN, Side.SELL, ts=31))

    assert [(f.client_order_id, f.size) for f in fills_of(first)] == [("a", 5 * TOKEN)]
    assert [(f.client_order_id, f.size) for f in fills_of(second)] == [
        ("a", 5 * TOKEN),
        ("b", 10 * TOKEN),
    ]


def test_a_trade_through_our_price_fills_us_up_to_its_size():
    venue = make_venue()
    resting_bid(venue)

    through = venue.on_market_event(trade("pm:yes", 3900, 5 * TOKEN, Side.SELL))
    rest = venue.on_market_event(trade("pm:yes", 3800, 50 * TOKEN, Side.SELL, ts=31))

    assert [(f.price, f.size, f.liquidity) for f in fills_of(through)] == [
        (4000, 5 * TOKEN, Liquidity.MAKER)
    ]
    assert [f.size for f in fills_of(rest)] == [25 * TOKEN]
    assert rest[-1].status is OrderStatus.FILLED


def test_prints_without_an_aggressor_hit_the_side_their_price_touches():
    venue = make_venue()
    resting_bid(venue)
    venue.on_market_event(delta("pm:yes", bids=[(4000, 10 * TOKEN), (4100, 5 * TOKEN)]))
    assert ahead(venue, "q") == 10 * TOKEN

    # At the best bid (4100): the bids were hit, above our 4000 bid.
    assert fills_of(venue.on_market_event(trade("pm:yes", 4100, 15 * TOKEN, None))) == []
    assert ahead(venue, "q") == 10 * TOKEN
    # At our price, below the best bid: the bids were hit down to us.
    fills = fills_of(venue.on_market_event(trade("pm:yes", 4000, 15 * TOKEN, None, ts=31)))
    assert [f.size for f in fills] == [5 * TOKEN]
    # With no bids displayed, a print below the ask touches neither side: no fill.
    venue.on_market_event(delta("pm:yes", bids=[(4000, 0), (4100, 0)], ts=32))
    assert venue.on_market_event(trade("pm:yes", 4000, 100 * TOKEN, None, ts=33)) == []
    assert fills_of(venue.on_market_event(trade("pm:yes", 4000, TOKEN, Side.SELL, ts=34)))


def test_book_moving_through_our_price_fills_us_as_maker_and_consumes_it():
    venue = make_venue()
    resting_bid(venue, price=4100)
    assert ahead(venue, "q") == 0

    responses = venue.on_market_event(
        delta("pm:yes", bids=[(4000, 0)], asks=[(4000, 8 * TOKEN), (4100, 10 * TOKEN)])
    )

    (fill,) = fills_of(responses)
    assert (fill.price, fill.size, fill.liquidity, fill.cash_micros) == (
        4100,
        18 * TOKEN,
        Liquidity.MAKER,
        -7_380_000,
    )
    assert venue.on_market_event(delta("pm:yes", asks=[(4200, 90 * TOKEN)], ts=21)) == []
    taker = venue.submit(order("t", "pm:yes", Side.BUY, TOKEN, 4100, **IOC), 22)
    assert fills_of(taker) == []
    assert ahead(venue, "q") == 0 and venue.open_orders()[0].remaining_size == 12 * TOKEN
