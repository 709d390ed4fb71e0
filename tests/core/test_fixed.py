from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pythia.core.errors import DataError
from pythia.core.fixed import (
    Money,
    Price,
    Rounding,
    Size,
    decimal_to_units,
    format_units,
    parse_units,
    rescale,
    round_div,
    units_to_decimal,
)


@pytest.mark.parametrize(
    ("text", "decimals", "units"),
    [
        ("61837.63000000", 2, 6183763),
        ("0.00000000", 8, 0),
        ("0.5", 4, 5000),
        ("12", 3, 12000),
        ("-1.25", 2, -125),
        ("1e-2", 2, 1),
        (".5", 1, 5),
    ],
)
def test_parse_units_is_exact(text, decimals, units):
    assert parse_units(text, decimals) == units


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "", "abc", "1.2.3", "1_000"])
def test_parse_units_rejects_non_numbers(text):
    with pytest.raises(DataError):
        parse_units(text, 4)


def test_parse_units_rejects_precision_it_cannot_hold():
    with pytest.raises(DataError, match="more than 2 decimals"):
        parse_units("0.515", 2)


def test_parse_units_rejects_non_strings():
    with pytest.raises(DataError):
        parse_units(0.5, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("numerator", "denominator", "rounding", "expected"),
    [
        (7, 2, Rounding.FLOOR, 3),
        (7, 2, Rounding.CEILING, 4),
        (-7, 2, Rounding.FLOOR, -4),
        (-7, 2, Rounding.CEILING, -3),
        (-7, 2, Rounding.DOWN, -3),
        (-7, 2, Rounding.UP, -4),
        (5, 2, Rounding.HALF_EVEN, 2),
        (7, 2, Rounding.HALF_EVEN, 4),
        (5, 2, Rounding.HALF_UP, 3),
        (-5, 2, Rounding.HALF_UP, -3),
        (6, 3, Rounding.CEILING, 2),
    ],
)
def test_round_div(numerator, denominator, rounding, expected):
    assert round_div(numerator, denominator, rounding) == expected


@given(
    st.integers(-(10**12), 10**12),
    st.integers(1, 10**6),
    st.sampled_from(list(Rounding)),
)
def test_round_div_matches_decimal(numerator, denominator, rounding):
    expected = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), rounding=rounding.decimal_mode
    )
    assert round_div(numerator, denominator, rounding) == int(expected)


@given(st.integers(-(10**15), 10**15), st.integers(0, 10))
def test_format_parse_round_trip(units, decimals):
    assert parse_units(format_units(units, decimals), decimals) == units
    assert decimal_to_units(units_to_decimal(units, decimals), decimals) == units


def test_kalshi_style_fee_rounds_up_to_the_cent():
    # 0.07 * 10 contracts * 0.5 * 0.5 = 0.175 -> $0.18
    fee = Money.from_decimal(Decimal("0.07") * 10 * Decimal("0.25"), "USD")
    assert fee.round_to(2, Rounding.CEILING) == Money.parse("0.18", "USD")
    assert fee.round_to(2, Rounding.HALF_EVEN) == Money.parse("0.18", "USD")
    assert Money.parse("0.165", "USD").round_to(2, Rounding.CEILING).micros == 170_000
    assert Money.parse("0.165", "USD").round_to(2, Rounding.HALF_EVEN).micros == 160_000


def test_decimal_to_units_needs_rounding_when_inexact():
    with pytest.raises(DataError):
        decimal_to_units(Decimal("0.123456789"), 6)
    assert decimal_to_units(Decimal("0.1234565"), 6, Rounding.HALF_EVEN) == 123456
    assert decimal_to_units(Decimal("0.1234565"), 6, Rounding.CEILING) == 123457


def test_rescale():
    assert rescale(125, 2, 6) == 1250000
    assert rescale(1250000, 6, 2) == 125
    with pytest.raises(DataError):
        rescale(1250001, 6, 2)
    assert rescale(1250001, 6, 2, Rounding.CEILING) == 126


def test_money_arithmetic_and_currency_safety():
    total = Money.parse("1.75", "USD") + Money.parse("0.25", "USD")
    assert total == Money("USD", 2_000_000)
    assert str(-total) == "-2.000000 USD"
    with pytest.raises(TypeError):
        _ = total + Money.parse("1", "EUR")
    assert Money.from_units(6183763 * 2000000, 2 + 8, "USDT").micros == 1236752600


def test_price_and_size_do_not_mix():
    price = Price.parse("0.51", 4)
    size = Size.parse("10", 2)
    assert price.units == 5100 and str(price) == "0.5100"
    assert (price + Price.parse("0.01", 4)).units == 5200
    with pytest.raises(TypeError):
        _ = price + size
    with pytest.raises(TypeError):
        _ = price + Price.parse("0.01", 2)
