"""Split, merge and negRisk convert, with exact hand-computed numbers."""

from __future__ import annotations

import pytest

from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.portfolio import Portfolio

USDC = 1_000_000  # micro-units per USDC; Polymarket tokens also have 6 size decimals
TOKENS = 1_000_000  # size units per token


def test_polymarket_split_sell_merge(kit):
    portfolio = Portfolio({"USDC": 100 * USDC}, instruments=[kit.PM_YES, kit.PM_NO])

    portfolio.split("PY", "PN", 10 * TOKENS, ts_ns=1)
    assert portfolio.cash("USDC") == 90 * USDC
    assert portfolio.positions() == {"PY": 10 * TOKENS, "PN": 10 * TOKENS}
    assert portfolio.cost_basis("PY") == 5 * USDC
    assert portfolio.cost_basis("PN") == 5 * USDC

    # sell 4 YES at 0.60: proceeds 2.40, basis removed 2.00
    portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.SELL, 6_000, 4 * TOKENS, ts_ns=2))
    assert portfolio.realized_pnl("USDC") == 400_000

    # merge 6: YES gives up its whole 3.00, NO floor(5.00 * 6 / 10) = 3.00; collateral 6.00
    portfolio.merge("PY", "PN", 6 * TOKENS, ts_ns=3)
    assert portfolio.cash("USDC") == 98_400_000
    assert portfolio.positions() == {"PN": 4 * TOKENS}
    assert portfolio.cost_basis("PN") == 2 * USDC
    assert portfolio.realized_pnl("USDC") == 400_000
    assert portfolio.realized_pnl_of("PY") == 400_000
    assert portfolio.realized_pnl_of("PN") == 0
    kit.check_invariants(portfolio)
    assert [e.as_dict() for e in portfolio.ledger if e.kind.value != "fill"] == [
        {"ts_ns": 1, "kind": "split", "currency": "USDC", "amount": -10 * USDC},
        {"ts_ns": 1, "kind": "split", "instrument": "PY", "size_delta": 10 * TOKENS},
        {"ts_ns": 1, "kind": "split", "instrument": "PN", "size_delta": 10 * TOKENS},
        {"ts_ns": 3, "kind": "merge", "currency": "USDC", "amount": 6 * USDC},
        {"ts_ns": 3, "kind": "merge", "instrument": "PY", "size_delta": -6 * TOKENS},
        {"ts_ns": 3, "kind": "merge", "instrument": "PN", "size_delta": -6 * TOKENS},
    ]


def test_split_of_odd_collateral_gives_the_extra_micro_to_no(kit):
    portfolio = Portfolio({"USDC": 100}, instruments=[kit.PM_YES, kit.PM_NO])
    portfolio.split("PY", "PN", 3, ts_ns=1)
    assert (portfolio.cost_basis("PY"), portfolio.cost_basis("PN")) == (1, 2)
    portfolio.merge("PY", "PN", 3, ts_ns=2)
    assert portfolio.cash("USDC") == 100
    assert portfolio.realized_pnl("USDC") == 0
    kit.check_invariants(portfolio)


def test_split_rejections_change_nothing(kit):
    fine = kit.token("FY", "FN", size_decimals=8)
    fine_no = kit.token("FN", "FY", size_decimals=8)
    other_currency = kit.token("XN", "XY", currency="USD")
    other_yes = kit.token("XY", "XN")
    portfolio = Portfolio(
        {"USDC": 10 * USDC},
        instruments=[kit.PM_YES, kit.PM_NO, fine, fine_no, other_currency, other_yes, kit.K_YES],
    )
    before = kit.snapshot(portfolio)
    cases = [
        (("PY", "PN", 11 * TOKENS), "insufficient balance"),
        (("PY", "PN", 0), "positive int"),
        (("PY", "KY", 1), "not complements"),
        (("PY", "NOPE", 1), "unknown instrument"),
        (("FY", "FN", 150), "does not fit 6 decimals"),  # 1.5 micro-units of collateral
        (("XY", "XN", 1), "differ in currency"),
    ]
    for args, message in cases:
        with pytest.raises(DataError, match=message):
            portfolio.split(*args, ts_ns=1)
        assert kit.snapshot(portfolio) == before
    with pytest.raises(DataError, match="cannot burn"):
        portfolio.merge("PY", "PN", 1, ts_ns=1)
    assert kit.snapshot(portfolio) == before


def _neg_risk(kit, outcomes: int, balance: int = 100 * USDC):
    group, tokens = kit.neg_risk_group("G", outcomes)
    return group, Portfolio({"USDC": balance}, instruments=[*tokens, group])


def _buy(kit, portfolio: Portfolio, instrument_id: str, price: int, size: int) -> None:
    instrument = portfolio.instrument(instrument_id)
    portfolio.apply_fill(kit.make_fill(instrument, Side.BUY, price, size))


def test_convert_one_no_gives_yes_of_every_other_outcome_and_no_collateral(kit):
    group, portfolio = _neg_risk(kit, 4)
    _buy(kit, portfolio, "GN0", 8_000, 100 * TOKENS)  # 80.00 USDC
    cash = portfolio.cash("USDC")

    portfolio.convert(group, ["GN0"], 100 * TOKENS, 0, ts_ns=5)

    assert portfolio.cash("USDC") == cash
    assert portfolio.positions() == {"GY1": 100 * TOKENS, "GY2": 100 * TOKENS, "GY3": 100 * TOKENS}
    # 80.00 over three YES: 26.666666 each and the 2 leftover micros to the first two
    assert [portfolio.cost_basis(f"GY{i}") for i in (1, 2, 3)] == [
        26_666_667,
        26_666_667,
        26_666_666,
    ]
    assert portfolio.realized_pnl("USDC") == 0
    convert_entries = [e.as_dict() for e in portfolio.ledger if e.kind.value == "convert"]
    assert convert_entries == [
        {"ts_ns": 5, "kind": "convert", "instrument": "GN0", "size_delta": -100 * TOKENS},
        {"ts_ns": 5, "kind": "convert", "instrument": "GY1", "size_delta": 100 * TOKENS},
        {"ts_ns": 5, "kind": "convert", "instrument": "GY2", "size_delta": 100 * TOKENS},
        {"ts_ns": 5, "kind": "convert", "instrument": "GY3", "size_delta": 100 * TOKENS},
    ]
    kit.check_invariants(portfolio)


def test_convert_three_of_five_with_fee(kit):
    group, portfolio = _neg_risk(kit, 5)
    for no_id, price in (("GN0", 9_000), ("GN1", 8_500), ("GN2", 7_000)):
        _buy(kit, portfolio, no_id, price, 10 * TOKENS)  # 9.00 + 8.50 + 7.00 = 24.50
    assert portfolio.cash("USDC") == 75_500_000

    portfolio.convert("G", ["GN0", "GN1", "GN2"], 10 * TOKENS, 100, ts_ns=9)  # 1 % fee

    # fee 0.1 token per unit converted: amount_out 9.9; collateral (3 - 1) * 9.9 = 19.8
    assert portfolio.cash("USDC") == 95_300_000
    assert portfolio.positions() == {"GY3": 9_900_000, "GY4": 9_900_000}
    # basis 24.50 pays for the 19.80 first; the remaining 4.70 goes to the YES, 2.35 each
    assert portfolio.cost_basis("GY3") == portfolio.cost_basis("GY4") == 2_350_000
    assert portfolio.realized_pnl("USDC") == 0
    assert portfolio.fees_paid("USDC") == 0  # the convert fee only reduces what is received
    kit.check_invariants(portfolio)


def test_convert_realizes_collateral_above_cost(kit):
    group, portfolio = _neg_risk(kit, 5)
    for no_id in ("GN0", "GN1", "GN2"):
        _buy(kit, portfolio, no_id, 6_000, 10 * TOKENS)  # 18.00 in total
    portfolio.convert(group, ["GN0", "GN1", "GN2"], 10 * TOKENS, 100, ts_ns=9)
    assert portfolio.cash("USDC") == 82 * USDC + 19_800_000
    assert portfolio.cost_basis("GY3") == portfolio.cost_basis("GY4") == 0
    assert portfolio.realized_pnl("USDC") == 1_800_000
    assert [portfolio.realized_pnl_of(f"GN{i}") for i in range(3)] == [600_000] * 3
    kit.check_invariants(portfolio)


def test_convert_fee_is_floored_so_the_amount_received_rounds_up(kit):
    group, portfolio = _neg_risk(kit, 3)
    portfolio.split("GY0", "GN0", 10_000_001, ts_ns=1)
    portfolio.split("GY1", "GN1", 10_000_001, ts_ns=1)
    portfolio.convert(group, ["GN0", "GN1"], 10_000_001, 100, ts_ns=2)
    # fee floor(100,000.01) = 100,000: 9,900,001 out, like NegRiskAdapter.convertPositions
    assert portfolio.position("GY2") == 9_900_001
    assert portfolio.cash("USDC") == 100 * USDC - 2 * 10_000_001 + 9_900_001
    kit.check_invariants(portfolio)


def test_convert_every_no_returns_only_collateral(kit):
    group, portfolio = _neg_risk(kit, 3)
    for index in range(3):
        _buy(kit, portfolio, f"GN{index}", 6_000, TOKENS)  # 1.80 in total
    portfolio.convert(group, ["GN0", "GN1", "GN2"], TOKENS, 0, ts_ns=2)
    assert portfolio.positions() == {}
    assert portfolio.realized_pnl("USDC") == 200_000  # 2.00 back for 1.80
    kit.check_invariants(portfolio)


def test_convert_rejections_change_nothing(kit):
    group, portfolio = _neg_risk(kit, 3)
    _buy(kit, portfolio, "GN0", 5_000, TOKENS)
    series = OutcomeGroup("S", "test", GroupKind.SERIES, group.instrument_ids)
    before = kit.snapshot(portfolio)
    cases = [
        ((group, ["GN0"], 2 * TOKENS, 0), "cannot burn"),
        ((group, ["GN0", "GN0"], TOKENS, 0), "distinct"),
        ((group, [], TOKENS, 0), "non-empty"),
        ((group, ["GY1"], TOKENS, 0), "not the NO"),
        ((group, ["GN0"], TOKENS, 10_001), "fee_bips"),
        ((group, ["GN0"], 0, 0), "positive int"),
        ((series, ["GN0"], TOKENS, 0), "negRisk"),
        (("NOPE", ["GN0"], TOKENS, 0), "unknown outcome group"),
    ]
    for args, message in cases:
        with pytest.raises(DataError, match=message):
            portfolio.convert(*args, ts_ns=3)
        assert kit.snapshot(portfolio) == before
