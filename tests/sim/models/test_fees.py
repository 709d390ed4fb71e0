"""Fee models: worked examples from the venues, rounding edges, exactness properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pythia.core.errors import ConfigError, DataError
from pythia.core.fixed import Rounding
from pythia.model.execution import Liquidity
from pythia.model.instruments import (
    CryptoPerpetual,
    Instrument,
    InstrumentKind,
    PriceSpace,
    crypto_instrument,
    probability_scheme,
)
from pythia.sim.models.base import FeeModel
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)

TAKER, MAKER = Liquidity.TAKER, Liquidity.MAKER


def outcome(price_decimals: int, size_decimals: int, tick: int = 1) -> Instrument:
    return Instrument(
        id="test:token",
        venue="test",
        symbol="token",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=price_decimals,
        size_decimals=size_decimals,
        ticks=probability_scheme(tick, price_decimals),
        min_size=1,
        quote_currency="USD",
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
    )


POLY = outcome(4, 6)  # Polymarket: prices at 4 decimals, shares at 6
KALSHI = outcome(4, 2)  # Kalshi: dollars at 4 decimals, contracts at 2
SHARE = 1_000_000
CONTRACT = 100
HALF = 5_000


def exact_micros(amount: Fraction) -> Fraction:
    return amount * 1_000_000


@pytest.mark.parametrize(
    "model",
    [
        ProbabilityPowerFee(Decimal("0.03")),
        CentRoundedProbabilityFee(),
        SettlementOnlyFee(),
        BpsFee(1, 2),
    ],
)
def test_every_model_is_a_fee_model(model):
    assert isinstance(model, FeeModel)


# --- Polymarket ------------------------------------------------------------------------------


def test_polymarket_worked_example_crypto_100_shares_at_half_is_1_80():
    fee = ProbabilityPowerFee(Decimal("0.072"), 1)
    assert fee.fee_micros(POLY, HALF, 100 * SHARE, TAKER) == 1_800_000


@pytest.mark.parametrize(
    ("price", "shares", "expected_micros"),
    [
        # rate 0.25, exponent 2: values of py-clob-client-v2 tests/test_fee_calculations.py,
        # truncated to 5 decimals
        (5_000, 100 * SHARE, 1_562_500),  # 1.5625
        (3_000, 100 * SHARE, 1_102_500),  # 1.1025
        (7_000, 100 * SHARE, 1_102_500),  # symmetric with 0.30
        (1_000, 100 * SHARE, 202_500),  # 0.2025
        (500, 100 * SHARE, 56_400),  # 0.05640625 -> 0.05640
        (100, 100 * SHARE, 2_450),  # 0.00245025 -> 0.00245
        (5_000, 125_500_000, 1_960_930),  # 125.5 shares: 1.9609375 -> 1.96093
    ],
)
def test_polymarket_short_crypto_schedule_rate_quarter_exponent_two(price, shares, expected_micros):
    fee = ProbabilityPowerFee(Decimal("0.25"), 2)
    assert fee.fee_micros(POLY, price, shares, TAKER) == expected_micros


def test_probability_power_fee_below_smallest_unit_rounds_to_zero():
    # 1 share at 0.0001 with rate 0.072: 0.0000071993 < 0.00001
    assert ProbabilityPowerFee(Decimal("0.072")).fee_micros(POLY, 1, SHARE, TAKER) == 0


def test_probability_power_fee_truncates_to_five_decimals_by_default():
    # 1 share at 0.0005, rate 0.04: 0.04 x 0.0005 x 0.9995 = 0.00001999
    assert ProbabilityPowerFee(Decimal("0.04")).fee_micros(POLY, 5, SHARE, TAKER) == 10
    half_up = ProbabilityPowerFee(Decimal("0.04"), rounding=Rounding.HALF_UP)
    assert half_up.fee_micros(POLY, 5, SHARE, TAKER) == 20


def test_polymarket_makers_pay_nothing_unless_the_market_charges_makers():
    assert ProbabilityPowerFee(Decimal("0.072")).fee_micros(POLY, HALF, 100 * SHARE, MAKER) == 0
    both_sides = ProbabilityPowerFee(Decimal("0.072"), taker_only=False)
    assert both_sides.fee_micros(POLY, HALF, 100 * SHARE, MAKER) == 1_800_000


def test_polymarket_zero_rate_and_extreme_prices_cost_nothing():
    assert ProbabilityPowerFee(Decimal(0)).fee_micros(POLY, HALF, 100 * SHARE, TAKER) == 0
    fee = ProbabilityPowerFee(Decimal("0.05"))
    assert fee.fee_micros(POLY, 0, 100 * SHARE, TAKER) == 0
    assert fee.fee_micros(POLY, 10_000, 100 * SHARE, TAKER) == 0


def test_polymarket_rejects_prices_outside_zero_to_one_and_negative_sizes():
    fee = ProbabilityPowerFee(Decimal("0.05"))
    with pytest.raises(DataError):
        fee.fee_micros(POLY, 10_001, SHARE, TAKER)
    with pytest.raises(DataError):
        fee.fee_micros(POLY, HALF, -SHARE, TAKER)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": 0.072},  # float: not exact
        {"rate": Decimal("-0.01")},
        {"rate": "abc"},
        {"rate": Decimal("0.05"), "exponent": 0.5},
        {"rate": Decimal("0.05"), "exponent": -1},
        {"rate": Decimal("0.05"), "fee_decimals": 7},
    ],
)
def test_polymarket_rejects_bad_parameters(kwargs):
    with pytest.raises(ConfigError):
        ProbabilityPowerFee(**kwargs)


def test_polymarket_accepts_a_decimal_string_rate():
    assert ProbabilityPowerFee("0.072").rate == Decimal("0.072")


@given(
    rate=st.decimals(min_value=0, max_value=1, places=4),
    exponent=st.integers(0, 3),
    price=st.integers(0, 10_000),
    size=st.integers(0, 10**12),
)
def test_probability_power_fee_is_the_exact_formula_truncated_to_five_decimals(
    rate, exponent, price, size
):
    fee = ProbabilityPowerFee(rate, exponent).fee_micros(POLY, price, size, TAKER)
    p = Fraction(price, 10_000)
    exact = exact_micros(Fraction(size, SHARE) * Fraction(rate) * (p * (1 - p)) ** exponent)
    assert fee % 10 == 0
    assert 0 <= fee <= exact < fee + 10
    assert fee == ProbabilityPowerFee(rate, exponent).fee_micros(POLY, 10_000 - price, size, TAKER)


# --- Kalshi ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contracts", "expected_micros"),
    [(1, 20_000), (100, 1_750_000), (10, 180_000)],
)
def test_kalshi_taker_examples_at_half(contracts, expected_micros):
    assert (
        CentRoundedProbabilityFee().fee_micros(KALSHI, HALF, contracts * CONTRACT, TAKER)
        == expected_micros
    )


def test_kalshi_maker_fee_only_on_series_that_charge_makers():
    assert CentRoundedProbabilityFee().fee_micros(KALSHI, HALF, 10 * CONTRACT, MAKER) == 0
    maker_series = CentRoundedProbabilityFee(maker_coefficient=Decimal("0.0175"))
    assert maker_series.fee_micros(KALSHI, HALF, 10 * CONTRACT, MAKER) == 50_000  # 0.04375 up
    assert maker_series.fee_micros(KALSHI, HALF, 10 * CONTRACT, TAKER) == 180_000


def test_kalshi_rounds_tiny_fees_up_to_a_cent():
    assert (
        CentRoundedProbabilityFee().fee_micros(KALSHI, 100, CONTRACT, TAKER) == 10_000
    )  # 0.000693
    assert CentRoundedProbabilityFee().fee_micros(KALSHI, HALF, 1, TAKER) == 10_000  # 0.01 contract


def test_kalshi_exact_cents_are_not_rounded_up():
    # 0.07 x 100 x 0.25 = 1.75 exactly (a float ceil gives 1.76)
    assert CentRoundedProbabilityFee().fee_micros(KALSHI, HALF, 100 * CONTRACT, TAKER) == 1_750_000
    assert CentRoundedProbabilityFee().fee_micros(KALSHI, HALF, 0, TAKER) == 0


def test_kalshi_direct_member_precision_rounds_up_to_a_centicent():
    assert (
        CentRoundedProbabilityFee(fee_decimals=4).fee_micros(KALSHI, HALF, CONTRACT, TAKER)
        == 17_500
    )


def test_kalshi_rejects_bad_parameters():
    with pytest.raises(ConfigError):
        CentRoundedProbabilityFee(taker_coefficient=0.07)
    with pytest.raises(ConfigError):
        CentRoundedProbabilityFee(maker_coefficient=Decimal("-0.0175"))
    with pytest.raises(DataError):
        CentRoundedProbabilityFee().fee_micros(KALSHI, -1, CONTRACT, TAKER)


@given(price=st.integers(0, 10_000), size=st.integers(0, 10**9))
def test_cent_rounded_fee_is_the_exact_formula_rounded_up_to_the_cent(price, size):
    fee = CentRoundedProbabilityFee().fee_micros(KALSHI, price, size, TAKER)
    p = Fraction(price, 10_000)
    exact = exact_micros(Fraction(7, 100) * Fraction(size, CONTRACT) * p * (1 - p))
    assert fee % 10_000 == 0
    assert fee - 10_000 < exact <= fee


# --- Betfair ---------------------------------------------------------------------------------


def test_betfair_charges_nothing_per_fill():
    odds = outcome(2, 2)
    assert SettlementOnlyFee().fee_micros(odds, 250, 10_000, TAKER) == 0
    assert SettlementOnlyFee().fee_micros(odds, 250, 10_000, MAKER) == 0


# --- Basis points ----------------------------------------------------------------------------

BTC = crypto_instrument("x:BTCUSDT", "x", "BTCUSDT", 2, 8, "BTC", "USDT")


def test_bps_fee_of_notional():
    fee = BpsFee(Decimal(10), Decimal(10))
    # 1 BTC at 61837.63: 10 bps = 61.83763 USDT
    assert fee.fee_micros(BTC, 6_183_763, 100_000_000, TAKER) == 61_837_630


def test_bps_fee_fractional_bps_and_maker_taker():
    fee = BpsFee(Decimal(2), Decimal("5.5"))
    # 0.5 BTC at 60000: notional 30000; taker 5.5 bps = 16.5, maker 2 bps = 6
    assert fee.fee_micros(BTC, 6_000_000, 50_000_000, TAKER) == 16_500_000
    assert fee.fee_micros(BTC, 6_000_000, 50_000_000, MAKER) == 6_000_000


def test_bps_fee_rounds_up_to_a_micro_by_default():
    # 0.00000001 BTC at 0.01: notional 1e-10 USDT, fee 1e-13
    assert BpsFee(Decimal(10), Decimal(10)).fee_micros(BTC, 1, 1, TAKER) == 1
    truncating = BpsFee(Decimal(10), Decimal(10), Rounding.DOWN)
    assert truncating.fee_micros(BTC, 1, 1, TAKER) == 0


def test_bps_fee_scales_by_perpetual_contract_size():
    perp = CryptoPerpetual(
        id="x:BTCUSD",
        venue="x",
        symbol="BTCUSD",
        kind=InstrumentKind.CRYPTO_PERPETUAL,
        price_decimals=1,
        size_decimals=0,
        ticks=BTC.ticks,
        min_size=1,
        quote_currency="USDT",
        base_currency="BTC",
        settle_currency="USDT",
        contract_size="0.001",
    )
    # 10 contracts of 0.001 BTC at 60000.0: notional 600 USDT, 10 bps = 0.6
    assert BpsFee(Decimal(10), Decimal(10)).fee_micros(perp, 600_000, 10, TAKER) == 600_000


def test_bps_fee_rejects_rebates_and_floats():
    with pytest.raises(ConfigError):
        BpsFee(Decimal(-1), Decimal(5))
    with pytest.raises(ConfigError):
        BpsFee(Decimal(1), 5.5)


@given(
    bps=st.decimals(min_value=0, max_value=100, places=2),
    price=st.integers(0, 10**9),
    size=st.integers(0, 10**12),
)
def test_bps_fee_is_the_exact_formula_rounded_up(bps, price, size):
    fee = BpsFee(bps, bps).fee_micros(BTC, price, size, TAKER)
    exact = exact_micros(Fraction(price, 100) * Fraction(size, 10**8) * Fraction(bps) / 10_000)
    assert fee - 1 < exact <= fee
