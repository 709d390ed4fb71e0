"""Position, group, venue, gross and net exposure limits and the balance check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pythia.model.enums import Side
from pythia.risk import (
    AvailableBalance,
    GrossExposureLimit,
    GroupPositionLimit,
    NetExposureLimit,
    PositionLimit,
    VenueExposureLimit,
)
from pythia.risk.amounts import notional_micros, position_delta
from pythia.sim.cash import cash_to_lock, fill_cash_micros
from pythia.sim.models.fees import ProbabilityPowerFee

ONE = 1_000_000

# ---- per instrument --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "resting", "side", "size", "reason"),
    [
        (90, 0, Side.BUY, 10 * ONE, None),
        (90, 0, Side.BUY, 10 * ONE + 1, "position_limit"),
        (90, 5, Side.BUY, 6 * ONE, "position_limit"),  # resting buys count
        (90, 5, Side.SELL, 6 * ONE, None),  # resting buys do not count against a sell
        (150, 0, Side.SELL, 10 * ONE, None),  # above the limit, reducing passes
        (0, 0, Side.BUY, 101 * ONE, "position_limit"),
    ],
)
def test_position_limit(kit, view, position, resting, side, size, reason):
    view.positions[kit.YES.id] = position * ONE
    view.open[(kit.YES.id, Side.BUY)] = resting * ONE

    request = kit.order(kit.YES.id, side, size)

    assert kit.verdict(PositionLimit("100"), request, view) == reason


def test_position_limit_on_a_short_perpetual(kit, view):
    view.positions[kit.PERP.id] = -90
    rule = PositionLimit("100")

    assert kit.verdict(rule, kit.order(kit.PERP.id, Side.SELL, 10, 600_000), view) is None
    assert kit.verdict(rule, kit.order(kit.PERP.id, Side.SELL, 11, 600_000), view) == (
        "position_limit"
    )


def test_position_limit_flip_through_zero(kit, view):
    view.positions[kit.PERP.id] = -90
    rule = PositionLimit("100")

    assert kit.verdict(rule, kit.order(kit.PERP.id, Side.BUY, 150, 600_000), view) is None  # +60
    assert kit.verdict(rule, kit.order(kit.PERP.id, Side.BUY, 191, 600_000), view) == (
        "position_limit"  # ends long 101
    )


def test_position_limit_on_odds_is_in_payout_units(kit, view):
    rule = PositionLimit("30")  # 30 GBP of payout: a back of 10.00 at 3.00
    back = kit.order(kit.RUNNER.id, Side.BUY, 1000, 300)
    back_more = kit.order(kit.RUNNER.id, Side.BUY, 1001, 300)

    assert kit.verdict(rule, back, view) is None
    assert kit.verdict(rule, back_more, view) == "position_limit"


def test_position_limit_overrides_and_off(kit, view):
    rule = PositionLimit(per_instrument={kit.NO.id: "1"})

    assert kit.verdict(rule, kit.order(kit.YES.id, size=500 * ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.NO.id, size=ONE + 1), view) == "position_limit"


# ---- per outcome group -----------------------------------------------------------------------


def test_group_limit_sums_positions_and_increasing_resting_orders(kit, view):
    view.positions.update({kit.A.id: 40 * ONE, kit.B.id: 30 * ONE})
    view.open[(kit.C.id, Side.BUY)] = 20 * ONE  # usage 90
    view.open[(kit.A.id, Side.SELL)] = 40 * ONE  # reducing orders do not count
    rule = GroupPositionLimit("100")

    assert kit.verdict(rule, kit.order(kit.C.id, size=10 * ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.C.id, size=10 * ONE + 1), view) == (
        "group_position_limit"
    )
    assert kit.verdict(rule, kit.order(kit.B.id, size=11 * ONE), view) == "group_position_limit"
    assert kit.verdict(rule, kit.order(kit.A.id, Side.SELL, 5 * ONE), view) is None


def test_group_limit_counts_both_sides_of_a_binary_pair(kit, view):
    view.positions.update({kit.YES.id: 60 * ONE, kit.NO.id: 40 * ONE})
    rule = GroupPositionLimit(per_group={kit.BINARY.id: "100"})

    assert kit.verdict(rule, kit.order(kit.NO.id, size=1), view) == "group_position_limit"
    assert kit.verdict(rule, kit.order(kit.A.id, size=500 * ONE), view) is None  # no limit
    assert kit.verdict(rule, kit.order(kit.LONER.id, size=500 * ONE), view) is None


# ---- exposure --------------------------------------------------------------------------------


def test_gross_exposure(kit, view):
    view.gross[("USDC", None)] = 950 * ONE
    rule = GrossExposureLimit({"USDC": "1000"})

    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * ONE), view) is None  # +50
    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * ONE + 2), view) == ("gross_exposure")
    view.positions[kit.YES.id] = 500 * ONE
    assert kit.verdict(rule, kit.order(kit.YES.id, Side.SELL, 200 * ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.BTC.id, size=10**7, price=6_000_000), view) is None


def test_gross_exposure_needs_a_price(kit, view):
    del view.mids[kit.YES.id]
    rule = GrossExposureLimit({"USDC": "1000"})

    assert kit.verdict(rule, kit.order(kit.YES.id, price=None), view) == "no_reference_price"


def test_venue_exposure_counts_only_the_venue(kit, view):
    view.gross[("USDC", "polymarket")] = 480 * ONE
    view.gross[("USDC", None)] = 10_000 * ONE
    rule = VenueExposureLimit({"polymarket": "500"})

    assert kit.verdict(rule, kit.order(kit.YES.id, size=40 * ONE), view) is None  # +20
    assert kit.verdict(rule, kit.order(kit.YES.id, size=50 * ONE), view) == "venue_exposure"
    assert kit.verdict(rule, kit.order(kit.BTC.id, size=10**7, price=6_000_000), view) is None


@pytest.mark.parametrize(
    ("net", "side", "contracts", "reason"),
    [
        (90, Side.BUY, 20, None),  # 90 + 10 = 100
        (90, Side.BUY, 30, "net_exposure"),  # 105
        (110, Side.SELL, 10, None),  # above the limit but toward zero
        (-90, Side.SELL, 30, "net_exposure"),  # -105
        (-90, Side.BUY, 30, None),
        (50, Side.SELL, 300, None),  # through zero to -100
        (50, Side.SELL, 302, "net_exposure"),  # -101
    ],
)
def test_net_exposure(kit, view, net, side, contracts, reason):
    view.net["USDC"] = net * ONE
    request = kit.order(kit.YES.id, side, contracts * ONE)

    assert kit.verdict(NetExposureLimit({"USDC": "100"}), request, view) == reason


def test_net_exposure_lay_subtracts_its_liability(kit, view):
    view.net["GBP"] = -5 * ONE
    rule = NetExposureLimit({"GBP": "25"})

    assert kit.verdict(rule, kit.order(kit.RUNNER.id, Side.SELL, 1000, 300), view) is None
    assert kit.verdict(rule, kit.order(kit.RUNNER.id, Side.SELL, 1001, 300), view) == (
        "net_exposure"  # -5 - 20.02
    )


# ---- balance ---------------------------------------------------------------------------------


def test_balance_without_fees(kit, view):
    rule = AvailableBalance()

    assert kit.verdict(rule, kit.order(kit.YES.id, size=2000 * ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.YES.id, size=2000 * ONE + 1), view) == (
        "insufficient_balance"
    )
    assert kit.verdict(rule, kit.order(kit.YES.id, Side.SELL, 10**9 * ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.PERP.id, Side.BUY, 10**9, 600_000), view) is None
    lay = kit.order(kit.RUNNER.id, Side.SELL, 5001, 300)  # liability 100.02 > 100 GBP
    assert kit.verdict(rule, lay, view) == "insufficient_balance"


def test_balance_counts_the_worst_fee(kit, view):
    fee = ProbabilityPowerFee(Decimal("0.072"), taker_only=False)
    # 100 contracts at 0.70: 70 USDC plus the fee at 0.50 (the peak): 100 x 0.072 x 0.25 = 1.80
    view.cash["USDC"] = 71_800_000
    rule = AvailableBalance(fee)

    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * ONE, price=7000), view) is None
    view.cash["USDC"] -= 1
    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * ONE, price=7000), view) == (
        "insufficient_balance"
    )


order_cases = st.tuples(
    st.sampled_from(["YES", "RUNNER", "BTC"]),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 10**9),
    st.integers(1, 98),
)


def priced(kit, case):
    """``(instrument, side, size, price)`` of a generated order on a token, runner or BTC."""
    which, side, size, step = case
    price = {"YES": step * 100, "RUNNER": 101 + step, "BTC": 5_000_000 + step}[which]
    return getattr(kit, which), side, size, price


@settings(max_examples=200, deadline=None)
@given(case=order_cases)
def test_balance_matches_the_simulator_lock(kit, case):
    instrument, side, size, price = priced(kit, case)
    fee = ProbabilityPowerFee(Decimal("0.072"), taker_only=False) if instrument is kit.YES else None
    view = kit.new_view()
    lock = cash_to_lock(fee or _NoFee(), instrument, side, price, size)
    view.cash[instrument.quote_currency] = lock
    rule = AvailableBalance(fee)
    request = kit.order(instrument.id, side, size, price)

    assert kit.verdict(rule, request, view) is None
    if lock:
        view.cash[instrument.quote_currency] = lock - 1
        assert kit.verdict(rule, request, view) == "insufficient_balance"


@settings(max_examples=200, deadline=None)
@given(case=order_cases)
def test_notional_and_delta_agree_with_the_simulator_cash(kit, case):
    instrument, side, size, price = priced(kit, case)
    is_runner = instrument is kit.RUNNER
    cash = fill_cash_micros(instrument, side, price, size)

    notional = notional_micros(instrument, side, price, size)

    if side is Side.BUY or is_runner:
        assert notional == -cash  # both round the paid amount up
    else:
        assert notional - 1 <= cash <= notional  # a sell receives it rounded down
    payout = size * price if is_runner else size
    assert position_delta(instrument, side, price, size) == (
        payout if side is Side.BUY else -payout
    )


class _NoFee:
    def fee_micros(self, instrument, price, size, liquidity) -> int:
        return 0
