"""The engine and the order-level rules: control mode, book freshness, size, notional, collar."""

from __future__ import annotations

import pytest

from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.risk import (
    ACCEPTED,
    BookFresh,
    Collar,
    ControlMode,
    ControlModeRule,
    MaxOrderNotional,
    MaxOrderSize,
    PriceCollar,
    RiskDecision,
    RiskEngine,
)


class Always:
    """A rule with a fixed answer (a fake, to watch the engine's ordering)."""

    def __init__(self, name: str, reject: bool, calls: list[str]) -> None:
        self.name = name
        self.reject = reject
        self.calls = calls

    def check(self, request, view, mode):
        self.calls.append(self.name)
        return RiskDecision(not self.reject, self.name, "no" if self.reject else "yes")


# ---- engine ----------------------------------------------------------------------------------


def test_engine_runs_rules_in_order_and_the_first_reject_wins(kit, view):
    calls: list[str] = []
    engine = RiskEngine(
        [Always("a", False, calls), Always("b", True, calls), Always("c", True, calls)]
    )

    decision = engine.check(kit.order(kit.YES.id), view, ControlMode.NORMAL)

    assert (decision.accepted, decision.rule, decision.reason) == (False, "b", "no")
    assert calls == ["a", "b"]  # an accepting decision counts as a pass; c never runs


def test_engine_counts_decisions_per_rule_and_reason(kit, view):
    engine = RiskEngine([MaxOrderSize("1")])
    for size in (kit.ONE, kit.ONE, kit.ONE + 1):
        engine.check(kit.order(kit.YES.id, size=size), view, ControlMode.NORMAL)
    engine.check(kit.order("nope"), view, ControlMode.NORMAL)

    assert engine.counts == {
        ("", "accepted"): 2,
        ("max_order_size", "max_order_size"): 1,
        ("risk_engine", "unknown_instrument"): 1,
    }
    assert engine.summary() == {
        "accepted": {"accepted": 2},
        "max_order_size": {"max_order_size": 1},
        "risk_engine": {"unknown_instrument": 1},
    }


def test_engine_accepts_with_the_shared_decision(kit, view):
    assert RiskEngine([]).check(kit.order(kit.YES.id), view, ControlMode.NORMAL) is ACCEPTED


@pytest.mark.parametrize(
    ("instrument", "size", "price", "reason"),
    [
        ("nope", 1, 5000, "unknown_instrument"),
        ("pm:yes", 0, 5000, "invalid_size"),
        ("pm:yes", -5, 5000, "invalid_size"),
        ("pm:yes", 1, 0, "invalid_price"),
        ("1.2:44", 100, 100, "invalid_price"),  # odds of 1.00 pay nothing
    ],
)
def test_engine_rejects_invalid_orders_before_the_rules(kit, view, instrument, size, price, reason):
    engine = RiskEngine([])
    instrument_id = kit.RUNNER.id if instrument == "1.2:44" else instrument

    decision = engine.check(
        kit.order(instrument_id, size=size, price=price), view, ControlMode.NORMAL
    )

    assert (decision.accepted, decision.rule, decision.reason) == (False, "risk_engine", reason)


class Broken:
    name = "broken"

    def check(self, request, view, mode):
        raise KeyError("missing figure")


def test_a_rule_that_raises_rejects_the_order(kit, view):
    engine = RiskEngine([MaxOrderSize("10"), Broken()])

    decision = engine.check(kit.order(kit.YES.id), view, ControlMode.NORMAL)

    assert (decision.accepted, decision.rule, decision.reason) == (False, "broken", "rule_error")
    assert decision.detail == "KeyError: 'missing figure'"


def test_engine_refuses_duplicate_rule_names():
    with pytest.raises(ConfigError):
        RiskEngine([MaxOrderSize("1"), MaxOrderSize("2")])


# ---- control mode ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [ControlMode.PAUSED, ControlMode.KILLED])
def test_paused_and_killed_reject_every_order_even_reducing(kit, view, mode):
    view.positions[kit.YES.id] = 10 * kit.ONE
    reducing = kit.order(kit.YES.id, Side.SELL, kit.ONE)

    assert kit.verdict(ControlModeRule(), reducing, view, mode) == f"mode_{mode.value}"


def test_normal_mode_passes_everything(kit, view):
    assert kit.verdict(ControlModeRule(), kit.order(kit.YES.id), view) is None


@pytest.mark.parametrize("mode", [ControlMode.REDUCE_ONLY, ControlMode.FLATTEN])
@pytest.mark.parametrize(
    ("position", "side", "size", "resting", "passes"),
    [
        (10, Side.SELL, 5, 0, True),
        (10, Side.SELL, 10, 0, True),  # exactly flat
        (10, Side.SELL, 11, 0, False),  # flips through zero
        (10, Side.BUY, 1, 0, False),  # increases
        (0, Side.SELL, 1, 0, False),  # flat: nothing to reduce
        (10, Side.SELL, 5, 6, False),  # with the resting sells it would flip
        (10, Side.SELL, 4, 6, True),
        (-10, Side.BUY, 10, 0, True),  # a short (perpetual) reduces with buys
    ],
)
def test_reduce_only_and_flatten_admit_only_reducing_orders(
    kit, view, mode, position, side, size, resting, passes
):
    view.positions[kit.YES.id] = position * kit.ONE
    view.open[(kit.YES.id, side)] = resting * kit.ONE

    reason = kit.verdict(ControlModeRule(), kit.order(kit.YES.id, side, size * kit.ONE), view, mode)

    assert reason == (None if passes else f"mode_{mode.value}")


def test_reduce_only_on_odds_counts_payout_units(kit, view):
    view.positions[kit.RUNNER.id] = 1000 * 300  # a back of 10.00 at 3.00
    lay_half = kit.order(kit.RUNNER.id, Side.SELL, 500, 300)
    lay_all_lower_odds = kit.order(kit.RUNNER.id, Side.SELL, 1000, 250)  # 250_000 payout
    lay_too_much = kit.order(kit.RUNNER.id, Side.SELL, 1001, 300)
    lay_no_price = kit.order(kit.RUNNER.id, Side.SELL, 500, None)
    rule, mode = ControlModeRule(), ControlMode.REDUCE_ONLY

    assert kit.verdict(rule, lay_half, view, mode) is None
    assert kit.verdict(rule, lay_all_lower_odds, view, mode) is None
    assert kit.verdict(rule, lay_too_much, view, mode) == "mode_reduce_only"
    assert kit.verdict(rule, lay_no_price, view, mode) is None  # valued at the mid 3.00
    del view.mids[kit.RUNNER.id]
    assert kit.verdict(rule, lay_no_price, view, mode) == "mode_reduce_only"


# ---- book freshness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ((False, 0), "book_unsynced"),
        ((True, None), "book_stale"),
        ((True, -1_000), "book_stale"),  # 1_000 ns before NOW - max_age
        ((True, 0), None),  # exactly max_age old
        ((True, 5), None),
    ],
)
def test_book_fresh(kit, view, state, reason):
    max_age_ns = 10_000
    synced, offset = state
    view.books[kit.YES.id] = (synced, None if offset is None else kit.NOW_NS - max_age_ns + offset)

    assert kit.verdict(BookFresh(max_age_ns), kit.order(kit.YES.id), view) == reason


def test_book_fresh_per_venue_age_and_sync_only(kit, view):
    view.books[kit.YES.id] = (True, kit.NOW_NS - 50)
    view.books[kit.BTC.id] = (True, kit.NOW_NS - 50)
    rule = BookFresh(100, per_venue={"polymarket": 10})

    assert kit.verdict(rule, kit.order(kit.YES.id), view) == "book_stale"
    assert kit.verdict(rule, kit.order(kit.BTC.id, price=6_000_000), view) is None
    view.books[kit.YES.id] = (True, None)
    assert kit.verdict(BookFresh(None), kit.order(kit.YES.id), view) is None
    view.books[kit.YES.id] = (False, kit.NOW_NS)
    assert kit.verdict(BookFresh(None), kit.order(kit.YES.id), view) == "book_unsynced"


# ---- order size and notional -----------------------------------------------------------------


def test_max_order_size_in_contracts_with_overrides(kit, view):
    rule = MaxOrderSize("100", per_instrument={kit.NO.id: "2.5"})

    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * kit.ONE), view) is None
    assert kit.verdict(rule, kit.order(kit.YES.id, size=100 * kit.ONE + 1), view) == (
        "max_order_size"
    )
    assert kit.verdict(rule, kit.order(kit.NO.id, size=2_500_000), view) is None
    assert kit.verdict(rule, kit.order(kit.NO.id, size=2_500_001), view) == "max_order_size"
    assert kit.verdict(MaxOrderSize(), kit.order(kit.YES.id, size=10**15), view) is None


def test_max_order_size_rounds_a_finer_limit_down(kit, view):
    rule = MaxOrderSize("0.019")  # stake decimals 2: 0.01 GBP

    assert kit.verdict(rule, kit.order(kit.RUNNER.id, size=1, price=300), view) is None
    assert kit.verdict(rule, kit.order(kit.RUNNER.id, size=2, price=300), view) == (
        "max_order_size"
    )


@pytest.mark.parametrize("value", [1.5, True, "abc", "-1", "NaN"])
def test_limits_refuse_floats_and_non_numbers(value):
    with pytest.raises(ConfigError):
        MaxOrderSize(value)


def test_max_order_notional_probability_rounds_up(kit, view):
    rule = MaxOrderNotional("100")  # USDC

    at_limit = kit.order(kit.YES.id, size=200 * kit.ONE, price=5000)  # 200 x 0.50
    a_fraction_above = kit.order(kit.YES.id, size=200 * kit.ONE + 1, price=5000)

    assert kit.verdict(rule, at_limit, view) is None
    assert kit.verdict(rule, a_fraction_above, view) == "max_order_notional"


def test_max_order_notional_back_is_the_stake_lay_the_liability(kit, view):
    rule = MaxOrderNotional("15")  # GBP
    back = kit.order(kit.RUNNER.id, Side.BUY, 1000, 300)  # stake 10.00
    lay = kit.order(kit.RUNNER.id, Side.SELL, 1000, 300)  # liability 20.00
    lay_short_odds = kit.order(kit.RUNNER.id, Side.SELL, 1000, 250)  # liability 15.00

    assert kit.verdict(rule, back, view) is None
    assert kit.verdict(rule, lay, view) == "max_order_notional"
    assert kit.verdict(rule, lay_short_odds, view) is None


def test_max_order_notional_counts_the_perpetual_contract_size(kit, view):
    rule = MaxOrderNotional("60")  # USDT; 1 contract = 0.001 BTC
    one_contract = kit.order(kit.PERP.id, Side.SELL, 1, 600_000)  # 60000.0 x 0.001 = 60
    two_contracts = kit.order(kit.PERP.id, Side.SELL, 2, 600_000)

    assert kit.verdict(rule, one_contract, view) is None
    assert kit.verdict(rule, two_contracts, view) == "max_order_notional"


def test_max_order_notional_values_a_market_order_at_the_mid(kit, view):
    rule = MaxOrderNotional("100", per_instrument={kit.BTC.id: "1000"})
    market = kit.order(kit.BTC.id, size=2_000, price=None)  # 0.02 BTC at mid 60000 = 1200

    assert kit.verdict(rule, market, view) == "max_order_notional"
    view.mids[kit.BTC.id] = 5_000_000  # 1000 USDT
    assert kit.verdict(rule, market, view) is None
    del view.mids[kit.BTC.id]
    assert kit.verdict(rule, market, view) == "no_reference_price"


# ---- price collar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "price", "reason"),
    [
        (Side.BUY, 5500, None),  # 10% of the 0.50 mid
        (Side.BUY, 5600, "price_collar"),
        (Side.SELL, 4500, None),
        (Side.SELL, 4400, "price_collar"),  # symmetric
        (Side.BUY, 4400, "price_collar"),
    ],
)
def test_price_collar_in_bps(kit, view, side, price, reason):
    rule = PriceCollar(max_bps=1000)

    assert kit.verdict(rule, kit.order(kit.YES.id, side, price=price), view) == reason


def test_price_collar_in_ticks_and_overrides(kit, view):
    rule = PriceCollar(max_ticks=3, per_instrument={kit.NO.id: Collar(max_bps=200)})

    assert kit.verdict(rule, kit.order(kit.YES.id, price=5300), view) is None
    assert kit.verdict(rule, kit.order(kit.YES.id, price=5400), view) == "price_collar"
    assert kit.verdict(rule, kit.order(kit.NO.id, price=5100), view) is None  # 2% of 0.50
    assert kit.verdict(rule, kit.order(kit.NO.id, price=5200), view) == "price_collar"


def test_price_collar_ticks_follow_the_odds_ladder(kit, view):
    view.mids[kit.RUNNER.id] = 1000  # odds 10.0: the ladder steps by 0.5 there
    rule = PriceCollar(max_ticks=2)

    assert kit.verdict(rule, kit.order(kit.RUNNER.id, price=1100, size=100), view) is None
    assert kit.verdict(rule, kit.order(kit.RUNNER.id, price=1150, size=100), view) == (
        "price_collar"
    )


def test_price_collar_passes_without_a_mid_or_a_price(kit, view):
    rule = PriceCollar(max_bps=1)
    del view.mids[kit.YES.id]

    assert kit.verdict(rule, kit.order(kit.YES.id, price=9900), view) is None
    assert kit.verdict(rule, kit.order(kit.NO.id, price=None), view) is None
    strict = PriceCollar(max_bps=1, reject_unpriced=True)
    assert kit.verdict(strict, kit.order(kit.NO.id, price=None), view) == "unpriced_order"
