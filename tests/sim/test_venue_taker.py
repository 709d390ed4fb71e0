"""SimulatedVenue: taker walks across levels, consumption, time in force, balance checks."""

from __future__ import annotations

from fractions import Fraction

from pythia.model.enums import BookSide
from pythia.model.events import BookDelta
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.orders import (
    CancelRequest,
    OrderType,
    TimeInForce,
)
from simkit import (
    BTC,
    BTC_UNIT,
    PERP,
    TOKEN,
    USDC,
    YES,
    BpsFee,
    FakeAccount,
    buy,
    make_venue,
    sell,
    snapshot,
)


def fills_of(responses) -> list[FillReport]:
    return [r for r in responses if isinstance(r, FillReport)]


def last_update(responses) -> OrderUpdate:
    return [r for r in responses if isinstance(r, OrderUpdate)][-1]


def rejected(responses) -> str:
    (update,) = responses
    assert update.status is OrderStatus.REJECTED and update.venue_order_id == ""
    return update.reason


# ---- taker walk ---------------------------------------------------------------------------
BTC_ASKS = [(6000000, 10_000_000), (6000100, 20_000_000), (6000200, BTC_UNIT)]


def test_taker_walks_levels_with_exact_vwap_cash_and_fees():
    venue = make_venue(fee=BpsFee(taker_bps=10))
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))

    responses = venue.submit(buy("c1", BTC.id, 25_000_000, 6000200), ts_ns=50)

    assert [type(r).__name__ for r in responses] == [
        "OrderUpdate", "FillReport", "OrderUpdate", "FillReport", "OrderUpdate",
    ]  # fmt: skip
    first, second = fills_of(responses)
    assert [(f.price, f.size) for f in (first, second)] == [
        (6000000, 10_000_000),
        (6000100, 15_000_000),
    ]
    vwap = Fraction(6000000 * 10_000_000 + 6000100 * 15_000_000, 25_000_000)
    assert vwap == Fraction(6000060)  # 60000.60 USDT
    assert first.cash_micros == -6_000 * USDC  # 0.1 BTC at 60000.00
    assert second.cash_micros == -9_000_150_000  # 0.15 BTC at 60001.00 = 9000.15
    assert (first.fee_micros, second.fee_micros) == (6_000_000, 9_000_150)  # 10 bps
    assert first.fee_currency == "USDT" and first.liquidity is Liquidity.TAKER
    assert (first.venue_order_id, first.trade_id, second.trade_id) == ("sim-1", "sim-t1", "sim-t2")
    assert first.ts_event_ns == first.ts_recv_ns == 50 and first.client_order_id == "c1"
    statuses = [(r.status, r.filled_size) for r in responses if isinstance(r, OrderUpdate)]
    assert statuses == [
        (OrderStatus.OPEN, 0),
        (OrderStatus.PARTIALLY_FILLED, 10_000_000),
        (OrderStatus.FILLED, 25_000_000),
    ]
    assert venue.open_orders() == []


def test_probability_cash_rounds_buys_up_and_sells_down():
    account = FakeAccount({"USDC": 100 * USDC}, {"pm:yes": 10 * TOKEN})
    venue = make_venue(account=account)
    venue.on_market_event(snapshot("pm:yes", [(4100, 50 * TOKEN)], [(4100 + 100, 50 * TOKEN)]))

    bought = fills_of(venue.submit(buy("b", "pm:yes", 1_234_567, 4200), 1))
    sold = fills_of(venue.submit(sell("s", "pm:yes", 1_234_567, 4100), 1))

    # 0.42 x 1.234567 = 0.51851814 -> pays 0.518519; 0.41 x 1.234567 = 0.50617247 -> 0.506172
    assert bought[0].cash_micros == -518_519
    assert sold[0].cash_micros == 506_172


def test_two_takers_in_the_same_instant_do_not_fill_the_same_liquidity():
    venue = make_venue()
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))

    first = venue.submit(buy("a", BTC.id, 10_000_000, 6000000, time_in_force=TimeInForce.IOC), 5)
    second = venue.submit(buy("b", BTC.id, 10_000_000, 6000000, time_in_force=TimeInForce.IOC), 5)
    third = venue.submit(buy("c", BTC.id, 10_000_000, 6000100, time_in_force=TimeInForce.IOC), 5)

    assert [(f.price, f.size) for f in fills_of(first)] == [(6000000, 10_000_000)]
    assert fills_of(second) == []
    assert last_update(second).reason == "ioc_remainder"
    assert [(f.price, f.size) for f in fills_of(third)] == [(6000100, 10_000_000)]
    assert venue.book(BTC.id).size_at(BookSide.ASK, 6000000) == 10_000_000  # the book is theirs


def test_consumption_is_cleared_when_an_update_sets_the_level_again():
    venue = make_venue()
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))
    ioc = {"time_in_force": TimeInForce.IOC}
    venue.submit(buy("a", BTC.id, 10_000_000, 6000000, **ioc), 5)

    # A snapshot that restates the level unchanged keeps what we took ...
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS, ts=6))
    assert fills_of(venue.submit(buy("b", BTC.id, 10_000_000, 6000000, **ioc), 7)) == []
    # ... a delta that sets it again clears it.
    venue.on_market_event(BookDelta(BTC.id, (), ((6000000, 4_000_000),), 8, 8))
    fills = fills_of(venue.submit(buy("c", BTC.id, 10_000_000, 6000000, **ioc), 9))
    assert [(f.price, f.size) for f in fills] == [(6000000, 4_000_000)]


def test_fok_fills_all_or_nothing():
    venue = make_venue()
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))
    fok = {"time_in_force": TimeInForce.FOK}

    killed = venue.submit(buy("a", BTC.id, 31_000_000, 6000100, **fok), 1)
    filled = venue.submit(buy("b", BTC.id, 30_000_000, 6000100, **fok), 1)

    assert fills_of(killed) == []
    assert (last_update(killed).status, last_update(killed).reason) == (
        OrderStatus.CANCELED,
        "fok_not_fillable",
    )
    assert sum(f.size for f in fills_of(filled)) == 30_000_000  # nothing was consumed by "a"
    assert last_update(filled).status is OrderStatus.FILLED


def test_ioc_and_market_orders_cancel_their_remainder():
    venue = make_venue()
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))

    ioc = venue.submit(buy("a", BTC.id, 20_000_000, 6000000, time_in_force=TimeInForce.IOC), 1)
    market = venue.submit(buy("m", BTC.id, 2 * BTC_UNIT, order_type=OrderType.MARKET), 1)

    assert [f.size for f in fills_of(ioc)] == [10_000_000]
    assert (last_update(ioc).status, last_update(ioc).filled_size) == (
        OrderStatus.CANCELED,
        10_000_000,
    )
    assert last_update(ioc).reason == "ioc_remainder"
    assert [(f.price, f.size) for f in fills_of(market)] == [
        (6000100, 20_000_000),
        (6000200, BTC_UNIT),
    ]
    assert last_update(market).reason == "ioc_remainder"
    assert venue.open_orders() == []


def test_gtc_order_rests_its_remainder_at_its_limit():
    venue = make_venue()
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))

    responses = venue.submit(buy("a", BTC.id, 15_000_000, 6000000), 1)

    assert [f.size for f in fills_of(responses)] == [10_000_000]
    assert last_update(responses).status is OrderStatus.PARTIALLY_FILLED
    (view,) = venue.open_orders(BTC.id)
    assert (view.price, view.filled_size, view.remaining_size, view.queue_ahead) == (
        6000000,
        10_000_000,
        5_000_000,
        0,
    )


# ---- balance ------------------------------------------------------------------------------
def test_buy_needs_worst_case_cash_and_fee_on_top_of_open_orders():
    # 100 tokens at 0.60 cost 60 USDC plus a 1% fee of 0.60 USDC (worst case at the limit).
    account = FakeAccount({"USDC": 60_600_000})
    venue = make_venue(YES, account=account, fee=BpsFee(taker_bps=100))

    assert venue.submit(buy("a", "pm:yes", 100 * TOKEN, 6000), 1)[0].status is OrderStatus.OPEN
    account.cash["USDC"] = 60_600_000 + 10 * USDC + 100_000 - 1
    assert rejected(venue.submit(buy("b", "pm:yes", 20 * TOKEN, 5000), 2)) == "insufficient_balance"
    account.cash["USDC"] += 1
    assert venue.submit(buy("c", "pm:yes", 20 * TOKEN, 5000), 3)[0].status is OrderStatus.OPEN
    venue.cancel(CancelRequest("a", "pm:yes"), 4)
    assert venue.submit(buy("d", "pm:yes", 100 * TOKEN, 6000), 5)[0].status is OrderStatus.OPEN


def test_worst_case_fee_of_probabilities_peaks_at_one_half():
    class HalfPeakFee:  # 1% x p(1 - p) x size: largest at 0.5
        def fee_micros(self, instrument, price, size, liquidity):
            return price * (10_000 - price) * size // 10**10

    # 100 at 0.90 costs 90 plus a fee of 0.09 at 0.90 ...
    account = FakeAccount({"USDC": 90_090_000})
    venue = make_venue(YES, account=account, fee=HalfPeakFee())
    # ... but it may fill at 0.50, where the fee is 0.25: the check must assume that.
    assert (
        rejected(venue.submit(buy("a", "pm:yes", 100 * TOKEN, 9000), 1)) == "insufficient_balance"
    )
    account.cash["USDC"] = 90_250_000
    assert venue.submit(buy("b", "pm:yes", 100 * TOKEN, 9000), 1)[0].status is OrderStatus.OPEN


def test_market_buy_without_price_needs_the_cost_of_its_walk():
    account = FakeAccount({"USDT": 9_000 * USDC})
    venue = make_venue(BTC, account=account)
    venue.on_market_event(snapshot(BTC.id, [(5999900, BTC_UNIT)], BTC_ASKS))
    market = {"order_type": OrderType.MARKET}

    # 0.1 at 60000 + 0.05 at 60001 = 9000.05 USDT
    assert rejected(venue.submit(buy("a", BTC.id, 15_000_000, **market), 1)) == (
        "insufficient_balance"
    )
    account.cash["USDT"] = 9_000_050_000
    assert fills_of(venue.submit(buy("b", BTC.id, 15_000_000, **market), 1))


def test_sells_need_the_position_not_promised_to_open_sells():
    account = FakeAccount({"USDC": 0}, {"pm:yes": 100 * TOKEN})
    venue = make_venue(YES, account=account)

    assert venue.submit(sell("a", "pm:yes", 60 * TOKEN, 7000), 1)[0].status is OrderStatus.OPEN
    assert rejected(venue.submit(sell("b", "pm:yes", 50 * TOKEN, 7000), 1)) == (
        "insufficient_balance"
    )
    assert venue.submit(sell("c", "pm:yes", 40 * TOKEN, 7000), 1)[0].status is OrderStatus.OPEN


def test_perpetuals_may_sell_short():
    venue = make_venue(PERP, account=FakeAccount({"USDT": 0}))
    assert venue.submit(sell("a", PERP.id, BTC_UNIT, 6000000), 1)[0].status is OrderStatus.OPEN
