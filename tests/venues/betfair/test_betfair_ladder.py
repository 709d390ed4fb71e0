from decimal import Decimal

import pytest

from pythia.core.errors import DataError
from pythia.venues.betfair.ladder import (
    BETFAIR_LADDER,
    format_odds,
    odds_to_units,
    ticks_between,
)


@pytest.mark.parametrize(
    "odds",
    [
        "1.01",
        "1.99",
        "2",
        "2.02",
        "2.98",
        "3.05",
        "3.95",
        "4.1",
        "5.9",
        "6.2",
        "9.8",
        "10.5",
        "19.5",
        "21",
        "29",
        "32",
        "48",
        "55",
        "95",
        "110",
        "990",
        "1000",
    ],
)
def test_ladder_accepts_prices_on_the_ladder(odds):
    units = odds_to_units(Decimal(odds))

    assert BETFAIR_LADDER.is_valid(units)


@pytest.mark.parametrize(
    "odds",
    [
        "1.00",
        "2.01",
        "2.99",
        "3.01",
        "3.04",
        "4.05",
        "6.1",
        "10.2",
        "20.5",
        "31",
        "51",
        "105",
        "1010",
        "1.005",
    ],
)
def test_ladder_rejects_prices_off_the_ladder(odds):
    with pytest.raises(DataError):
        odds_to_units(Decimal(odds))


def test_full_ladder_has_350_prices_from_1_01_to_1000():
    prices = BETFAIR_LADDER.prices()

    assert len(prices) == 350
    assert prices[0] == 101 and prices[-1] == 100000
    assert prices == sorted(set(prices))


def test_ladder_band_sizes_match_betfair_increments():
    prices = BETFAIR_LADDER.prices()

    def count(low, high):
        return sum(1 for price in prices if low <= price < high)

    assert [count(101, 200), count(200, 300), count(300, 400), count(400, 600)] == [99, 50, 20, 20]
    assert [count(600, 1000), count(1000, 2000), count(2000, 3000)] == [20, 20, 10]
    assert [count(3000, 5000), count(5000, 10000), count(10000, 100001)] == [10, 10, 91]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-2"])
def test_odds_to_units_rejects_non_finite_and_negative_odds(bad):
    with pytest.raises(DataError):
        odds_to_units(Decimal(bad))


def test_format_odds_writes_betfair_style_odds():
    assert [format_odds(u) for u in (101, 200, 305, 410, 1050, 100000)] == [
        "1.01",
        "2",
        "3.05",
        "4.1",
        "10.5",
        "1000",
    ]


def test_ticks_between_counts_ladder_steps_across_bands():
    assert ticks_between(199, 204) == 3  # 1.99 -> 2 -> 2.02 -> 2.04
    assert ticks_between(101, 100000) == 349
