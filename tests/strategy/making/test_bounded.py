"""Bounded-price helpers: logit volatility, the grid, horizon, caps, fees, YES/NO one book."""

from __future__ import annotations

import math

import pytest

from pythia.model.enums import Side
from pythia.model.instruments import probability_scheme
from pythia.model.ticks import TickScheme
from pythia.strategy.making.bounded import (
    GridQuotes,
    Leg,
    Token,
    complement_price,
    expit,
    floor_depths,
    grid_quotes,
    group_exposure,
    group_room,
    inventory_cap,
    jump_risk_cap,
    logit,
    logit_quotes,
    logit_volatility,
    net_yes,
    price_volatility,
    single_book_legs,
    spread_floor,
    time_to_resolution_s,
)
from pythia.strategy.making.models import Depths

ONE = 10_000  # 4 price decimals
CENT = probability_scheme(100, 4)  # 0.01 .. 0.99
MILLI = probability_scheme(10, 4)  # 0.001 .. 0.999
# Kalshi-style tapered grid: 0.001 below 0.10 and above 0.90, 0.01 between.
TAPERED = TickScheme(((0, 10), (1000, 100), (9000, 10)), 10, 9990)


def test_logit_and_expit_invert_each_other():
    assert logit(0.5) == 0.0
    assert logit(0.8) == pytest.approx(math.log(4))
    for p in (0.001, 0.3, 0.999):
        assert expit(logit(p)) == pytest.approx(p)
    assert expit(-800.0) == pytest.approx(0.0) and expit(800.0) == 1.0
    with pytest.raises(ValueError):
        logit(1.0)


def test_price_volatility_shrinks_near_the_bounds():
    assert price_volatility(0.5, 0.8) == pytest.approx(0.2)  # 0.25 * 0.8
    assert price_volatility(0.9, 2.0) == pytest.approx(0.18)  # 0.09 * 2
    assert price_volatility(0.99, 2.0) == pytest.approx(0.0198)
    assert logit_volatility(0.9, 0.18) == pytest.approx(2.0)


def test_logit_quotes_stay_inside_the_unit_interval():
    bid, ask = logit_quotes(0.5, Depths(math.log(3), math.log(3)))
    assert bid == pytest.approx(0.25) and ask == pytest.approx(0.75)
    bid, ask = logit_quotes(0.995, Depths(0.5, 5.0))
    assert 0 < bid < 0.995 < ask < 1
    assert logit_quotes(0.5, Depths(None, 1.0))[0] is None


def test_grid_rounds_away_from_the_mid():
    assert grid_quotes(0.4567, 0.4612, CENT, ONE) == GridQuotes(4500, 4700)
    assert grid_quotes(0.4567, 0.4612, MILLI, ONE) == GridQuotes(4560, 4620)


def test_grid_keeps_exact_grid_points_despite_float_noise():
    # 0.55 * 10_000 and 0.57 * 10_000 are not exact floats.
    assert grid_quotes(0.55, 0.57, CENT, ONE) == GridQuotes(5500, 5700)
    assert grid_quotes(0.29, 0.58, CENT, ONE) == GridQuotes(2900, 5800)


def test_grid_outputs_are_exact_integers_on_the_grid():
    for bid, ask in ((0.12345, 0.2), (0.0, 0.0151), (0.95, 1.3), (0.0999, 0.9001)):
        quotes = grid_quotes(bid, ask, TAPERED, ONE)
        for price in (quotes.bid, quotes.ask):
            assert isinstance(price, int) and TAPERED.is_valid(price)


def test_grid_clamps_to_tick_and_one_minus_tick():
    assert grid_quotes(-0.2, 0.3, CENT, ONE) == GridQuotes(100, 3000)
    assert grid_quotes(0.7, 1.4, CENT, ONE) == GridQuotes(7000, 9900)


def test_grid_clamps_even_a_wider_scheme_to_tick_and_one_minus_tick():
    wide = TickScheme.uniform(100, 0, ONE)  # allows 0 and 1 themselves
    assert grid_quotes(0.001, 0.9999, wide, ONE) == GridQuotes(100, 9900)


def test_grid_steps_apart_when_clamping_makes_quotes_meet():
    assert grid_quotes(0.9995, 1.2, CENT, ONE) == GridQuotes(9800, 9900)
    assert grid_quotes(-0.5, 0.004, CENT, ONE) == GridQuotes(100, 200)


def test_grid_follows_a_tapered_scheme():
    assert grid_quotes(0.5555, 0.5555, TAPERED, ONE) == GridQuotes(5500, 5600)
    assert grid_quotes(0.0955, 0.0955, TAPERED, ONE) == GridQuotes(950, 960)
    assert grid_quotes(0.0955, 0.0995, TAPERED, ONE).ask == 1000
    assert grid_quotes(0.0955, 0.1001, TAPERED, ONE).ask == 1100
    assert grid_quotes(0.9001, 0.95, TAPERED, ONE).bid == 9000


def test_grid_leaves_unquoted_sides_alone():
    assert grid_quotes(None, 0.42, CENT, ONE) == GridQuotes(None, 4200)
    assert grid_quotes(0.42, None, CENT, ONE) == GridQuotes(4200, None)


def test_time_to_resolution():
    assert time_to_resolution_s(1_000_000_000, 3_500_000_000) == 2.5
    assert time_to_resolution_s(5_000_000_000, 3_500_000_000) == 0.0


@pytest.mark.parametrize(
    ("time_left_s", "expected"),
    [(7200.0, 100), (3600.0, 100), (1800.0, 55), (360.0, 19), (0.0, 10), (-5.0, 10)],
)
def test_inventory_cap_ramps_linearly_to_the_floor(time_left_s, expected):
    # floor + (max - floor) * t / ramp: 10 + 90 * 0.5 = 55; 10 + 90 * 0.1 = 19.
    assert inventory_cap(100, time_left_s, ramp_s=3600.0, floor=10) == expected


def test_inventory_cap_is_monotone_and_rejects_bad_floors():
    caps = [inventory_cap(37, t, 100.0) for t in range(0, 120, 3)]
    assert caps == sorted(caps) and caps[0] == 0 and caps[-1] == 37
    with pytest.raises(ValueError):
        inventory_cap(5, 10.0, 100.0, floor=6)


def test_jump_risk_cap():
    # p(1-p) = 0.25: q^2 <= 100 / 0.25 = 400 -> 20; p(1-p) = 0.0099: q <= sqrt(10101) = 100.5
    assert jump_risk_cap(0.5, 100.0) == 20
    assert jump_risk_cap(0.99, 100.0) == 100
    assert jump_risk_cap(1.0, 1.0) > 10**9


def test_spread_floor_counts_fees_and_rebates():
    assert spread_floor(0.002) == pytest.approx(0.002)
    assert spread_floor(0.002, maker_rebate=0.0005, min_edge=0.001) == pytest.approx(0.0025)
    assert spread_floor(0.0, taker_fee=0.01, taker_fraction=0.25) == pytest.approx(0.0025)
    assert spread_floor(0.0, maker_rebate=0.003) == 0.0  # never through the mid


def test_floor_depths():
    assert floor_depths(Depths(0.001, 0.02), 0.005) == Depths(0.005, 0.02)
    assert floor_depths(Depths(None, -0.01), 0.005) == Depths(None, 0.005)


def test_complement_and_net_yes():
    assert complement_price(3700, ONE) == 6300
    assert net_yes(10, 4) == 6 and net_yes(0, 7) == -7


def test_single_book_legs_buy_and_sell_without_holdings():
    legs = single_book_legs(4500, 4700, 10, 0, 0, ONE)
    assert legs == [
        Leg(Token.NO, Side.BUY, 5300, 10),  # the YES ask at 0.47 = NO bid at 0.53
        Leg(Token.YES, Side.BUY, 4500, 10),
    ]


def test_single_book_legs_work_inventory_off():
    legs = single_book_legs(4500, 4700, 10, yes_held=4, no_held=25, one=ONE)
    assert legs == [
        Leg(Token.YES, Side.SELL, 4700, 4),
        Leg(Token.NO, Side.BUY, 5300, 6),
        Leg(Token.NO, Side.SELL, 5500, 10),  # the YES bid at 0.45 = selling NO at 0.55
    ]
    assert single_book_legs(None, None, 10, 5, 5, ONE) == []


def test_group_exposure_is_the_payoff_range():
    assert group_exposure([5, 5, 5]) == 0  # complete sets: riskless
    assert group_exposure([10, 0, -4]) == 14
    assert group_exposure([3, 3], exhaustive=False) == 3
    assert group_exposure([]) == 0


def test_group_room():
    # others range 0..4; limit 10: outcome 0 (at 2) may go to 10 (buy 8) or down to -6 (sell 8).
    assert group_room([2, 0, 4], 0, 10) == (8, 8)
    assert group_room([9, 0, 4], 0, 10) == (1, 15)
    assert group_room([20, 0, 4], 0, 10) == (0, 26)
    assert group_room([2, 2], 0, 5, exhaustive=False) == (3, 5)
