"""Profit of actual fills in every outcome, checked on hand-computed cases."""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.strategy.arbitrage.outcomes import (
    group_outcomes,
    outcome_pnl_micros,
    pair_outcomes,
    worst_case_micros,
)

USDC = 1_000_000


def prob_token(kit, instrument_id: str, complement: str | None = None):
    return kit.token(instrument_id, complement, price_decimals=4, size_decimals=6, tick=100)


def fill(instrument_id, side, price, size, fee=0, cash=0):
    return FillReport(
        instrument_id, "v", "t", side, price, size, Liquidity.TAKER, fee, "X", 0, 0,
        cash_micros=cash,
    )  # fmt: skip


def test_betfair_backs_and_a_lay_with_commission_on_net_winnings(kit):
    instruments = {i: kit.runner(i) for i in ("a", "b", "c")}
    group = OutcomeGroup("bf:1", "betfair", GroupKind.WIN, ("a", "b", "c"))
    fills = [
        fill("a", Side.BUY, 300, 1000),  # back 10.00 at 3.0: +20 if a wins, else -10
        fill("b", Side.BUY, 150, 2000),  # back 20.00 at 1.5: +10 if b wins, else -20
        fill("c", Side.SELL, 400, 500),  # lay 5.00 at 4.0: -15 if c wins, else +5
    ]
    pnl = outcome_pnl_micros(fills, group_outcomes(group, instruments), instruments, 500)
    # a wins: 20 - 20 + 5 = 5, less 5% = 4.75; b: -10 + 10 + 5 = 5 -> 4.75; c: -10-20-15
    assert pnl == {"a": 4_750_000, "b": 4_750_000, "c": -45_000_000}
    assert worst_case_micros(pnl) == -45_000_000


def test_outcome_tokens_pay_one_minus_cash_and_fees(kit):
    instruments = {
        "y1": prob_token(kit, "y1", "n1"),
        "n1": prob_token(kit, "n1", "y1"),
        "y2": prob_token(kit, "y2", "n2"),
        "n2": prob_token(kit, "n2", "y2"),
    }
    group = OutcomeGroup("ev", "pm", GroupKind.NEG_RISK, ("y1", "y2"))
    fills = [
        fill("y1", Side.BUY, 3000, 10 * USDC, fee=84_000, cash=-3 * USDC),
        fill("n2", Side.BUY, 6000, 10 * USDC, fee=96_000),  # cash from the price: -6
    ]
    pnl = outcome_pnl_micros(fills, group_outcomes(group, instruments), instruments)
    # y1 wins: y1 and n2 pay (20 tokens); y2 wins: neither pays
    assert pnl == {"y1": 20 * USDC - 9 * USDC - 180_000, "y2": -9 * USDC - 180_000}


def test_augmented_group_adds_the_outcome_where_an_unnamed_outcome_wins(kit):
    instruments = {"y1": prob_token(kit, "y1", "n1"), "n1": prob_token(kit, "n1", "y1")}
    group = OutcomeGroup("ev", "pm", GroupKind.NEG_RISK, ("y1",), augmented=True)
    outcomes = group_outcomes(group, instruments)
    assert [o.pays for o in outcomes] == [frozenset({"y1"}), frozenset({"n1"})]


def test_binary_group_and_cross_venue_pair(kit):
    instruments = {"y": prob_token(kit, "y", "n"), "n": prob_token(kit, "n", "y")}
    binary = OutcomeGroup("m", "pm", GroupKind.BINARY, ("y", "n"))
    assert [o.pays for o in group_outcomes(binary, instruments)] == [
        frozenset({"y"}),
        frozenset({"n"}),
    ]
    instruments |= {"ky": prob_token(kit, "ky", "kn"), "kn": prob_token(kit, "kn", "ky")}
    true, false = pair_outcomes("y", "kn", instruments)
    assert true.pays == {"y", "ky"} and false.pays == {"kn", "n"}


def test_sold_tokens_owe_one_when_they_pay(kit):
    instruments = {"y": prob_token(kit, "y", "n"), "n": prob_token(kit, "n", "y")}
    binary = OutcomeGroup("m", "pm", GroupKind.BINARY, ("y", "n"))
    fills = [fill("y", Side.SELL, 5500, 2 * USDC, cash=1_100_000)]
    pnl = outcome_pnl_micros(fills, group_outcomes(binary, instruments), instruments)
    assert pnl == {"y": 1_100_000 - 2 * USDC, "n": 1_100_000}
