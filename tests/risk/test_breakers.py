"""Circuit breakers on hand-computed event sequences (engine time only)."""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.risk import (
    ControlMode,
    ControlSource,
    RateLimit,
    RejectionBurst,
    Slippage,
    SpreadBlowout,
    StaleFeed,
)

S = 1_000_000_000


def reasons(results):
    return [None if r is None else r.reason for r in results]


# ---- stale feed ------------------------------------------------------------------------------


def test_stale_feed_trips_after_max_age_on_a_tick():
    breaker = StaleFeed(10 * S)
    breaker.on_update("polymarket", 0)
    breaker.on_update("kalshi", 5 * S)

    at_limit = breaker.on_tick(10 * S)
    past = breaker.on_tick(10 * S + 1)
    breaker.on_update("polymarket", 11 * S)
    both_fresh = breaker.on_tick(12 * S)
    both_stale = breaker.on_tick(22 * S)

    assert at_limit is None
    assert (past.mode, past.source, past.reason, past.subject) == (
        ControlMode.PAUSED,
        ControlSource.BREAKER,
        "stale_feed",
        "polymarket",
    )
    assert both_fresh is None
    assert both_stale.subject == "kalshi"  # sorted: kalshi, polymarket
    assert "kalshi 17000000000 ns, polymarket 11000000000 ns" in both_stale.detail


def test_stale_feed_per_key_age_and_forget():
    breaker = StaleFeed(10 * S, per_key={"betfair": 60 * S}, mode=ControlMode.REDUCE_ONLY)
    breaker.on_update("betfair", 0)
    breaker.on_update("binance", 0)

    assert breaker.on_tick(30 * S).subject == "binance"
    breaker.forget("binance")
    assert breaker.on_tick(30 * S) is None
    assert breaker.on_tick(61 * S).mode is ControlMode.REDUCE_ONLY


# ---- spread blow-out -------------------------------------------------------------------------


def test_spread_blowout_against_the_running_median(kit):
    breaker = SpreadBlowout(multiple="3", window=4, min_samples=3)

    trips = [breaker.on_spread(kit.YES, spread, ts) for ts, spread in enumerate([100, 100, 200])]
    assert trips == [None, None, None]  # fewer than 3 samples before each
    assert breaker.on_spread(kit.YES, 300, 3) is None  # median of 100, 100, 200 is 100: 300 ok
    # window now 100, 100, 200, 300: median 150, the limit 450
    assert breaker.on_spread(kit.YES, 450, 4) is None
    # window 100, 200, 300, 450 (the oldest 100 dropped): median 250, limit 750
    assert breaker.on_spread(kit.YES, 751, 5).reason == "spread_blowout"
    # the other instrument has its own history
    assert breaker.on_spread(kit.NO, 10_000, 6) is None


def test_spread_blowout_absolute_cap_and_edge_cases(kit):
    breaker = SpreadBlowout(max_spread="0.05")  # 500 price units at 4 decimals

    assert breaker.on_spread(kit.YES, 500, 0) is None
    trip = breaker.on_spread(kit.YES, 600, 1)
    assert (trip.reason, trip.subject) == ("spread_blowout", kit.YES.id)
    assert breaker.on_spread(kit.YES, -100, 2) is None  # crossed: ignored

    locked = SpreadBlowout(multiple="2", min_samples=1)
    locked.on_spread(kit.YES, 0, 0)
    assert locked.on_spread(kit.YES, 100, 1) is None  # a zero median checks nothing


# ---- slippage --------------------------------------------------------------------------------


def test_slippage_beyond_a_multiple_of_expected(kit):
    breaker = Slippage(multiple="2", floor_ticks=1)

    # a buy expected at 0.50 with 0.01 of slippage: trips above 0.02 worse
    assert breaker.on_fill(kit.YES, Side.BUY, 5000, 5200, 100, 0) is None
    assert breaker.on_fill(kit.YES, Side.BUY, 5000, 5300, 100, 1).reason == "slippage"
    assert breaker.on_fill(kit.YES, Side.BUY, 5000, 4000, 100, 2) is None  # better
    assert breaker.on_fill(kit.YES, Side.SELL, 5000, 4700, 100, 3).reason == "slippage"
    assert breaker.on_fill(kit.YES, Side.SELL, 5000, 5300, 100, 4) is None


def test_slippage_floor_when_nothing_was_expected(kit):
    breaker = Slippage(multiple="3", floor_ticks=2)

    assert breaker.on_fill(kit.YES, Side.BUY, 5000, 5200, 0, 0) is None  # 2 ticks: the floor
    assert breaker.on_fill(kit.YES, Side.BUY, 5000, 5300, 0, 1).reason == "slippage"


def test_slippage_on_odds_is_worse_when_a_back_gets_lower_odds(kit):
    breaker = Slippage(multiple="1", floor_ticks=1)

    # back expected at 3.00 (ladder tick 0.05 there): filled at 2.90 is 0.10 worse
    assert breaker.on_fill(kit.RUNNER, Side.BUY, 300, 290, 0, 0).reason == "slippage"
    assert breaker.on_fill(kit.RUNNER, Side.BUY, 300, 310, 0, 1) is None
    assert breaker.on_fill(kit.RUNNER, Side.SELL, 300, 310, 0, 2).reason == "slippage"


# ---- bursts ----------------------------------------------------------------------------------


def test_rejection_burst_counts_within_the_window():
    breaker = RejectionBurst(count=3, window_ns=S)

    results = [breaker.on_rejection(0), breaker.on_error(S // 2), breaker.on_rejection(S)]
    # at 1 s the event at 0 is out of the window: two remain
    later = breaker.on_rejection(S + S // 5, "insufficient_balance")

    assert results == [None, None, None]
    assert (later.reason, later.mode) == ("rejection_burst", ControlMode.PAUSED)
    assert "(last: insufficient_balance)" in later.detail


def test_rate_limit_trips_on_the_first_response_by_default():
    assert RateLimit().on_rate_limit("kalshi", 0).subject == "kalshi"


def test_rate_limit_counts_per_venue():
    breaker = RateLimit(count=2, window_ns=10 * S, mode=ControlMode.REDUCE_ONLY)

    results = [
        breaker.on_rate_limit("kalshi", 0),
        breaker.on_rate_limit("polymarket", S),
        breaker.on_rate_limit("kalshi", 10 * S),  # the first is out of the window
        breaker.on_rate_limit("kalshi", 11 * S),
    ]

    assert reasons(results) == [None, None, None, "rate_limit"]
    assert results[-1].mode is ControlMode.REDUCE_ONLY
