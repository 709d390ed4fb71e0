"""Fills: exact cash, fees, average cost, realized and unrealized PnL; rejections."""

from __future__ import annotations

import pytest

from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.portfolio import LedgerEntry, LedgerKind, Portfolio

USDT = 1_000_000  # micro-units per USDT


def test_spot_round_trip_with_fees(kit):
    btc = kit.BTC  # price 2 decimals, size 5 decimals
    portfolio = Portfolio({"USDT": 100_000 * USDT}, instruments=[btc])

    # buy 0.5 BTC at 60,000.00: 30,000 USDT + 0.1 % fee
    portfolio.apply_fill(kit.make_fill(btc, Side.BUY, 6_000_000, 50_000, fee_micros=30 * USDT))
    assert portfolio.cash("USDT") == 69_970 * USDT
    assert portfolio.position("BTCUSDT") == 50_000
    assert portfolio.cost_basis("BTCUSDT") == 30_000 * USDT

    # sell 0.2 at 61,000.00: proceeds 12,200, cost removed 12,000 -> +200
    portfolio.apply_fill(
        kit.make_fill(btc, Side.SELL, 6_100_000, 20_000, fee_micros=12_200_000, ts_ns=2)
    )
    assert portfolio.realized_pnl("USDT") == 200 * USDT
    assert portfolio.cost_basis("BTCUSDT") == 18_000 * USDT

    # sell the last 0.3 at 59,000.00: proceeds 17,700, cost 18,000 -> -300
    portfolio.apply_fill(
        kit.make_fill(btc, Side.SELL, 5_900_000, 30_000, fee_micros=17_700_000, ts_ns=3)
    )
    assert portfolio.position("BTCUSDT") == 0
    assert portfolio.positions() == {}
    assert portfolio.cost_basis("BTCUSDT") == 0
    assert portfolio.realized_pnl("USDT") == -100 * USDT
    assert portfolio.realized_pnl_of("BTCUSDT") == -100 * USDT
    assert portfolio.fees_paid("USDT") == 59_900_000
    assert portfolio.cash("USDT") == 99_840_100_000  # 100,000 - 100 - 59.9
    assert portfolio.equity("USDT") == portfolio.cash("USDT")
    kit.check_invariants(portfolio)
    assert [e.as_dict() for e in portfolio.ledger[:3]] == [
        {"ts_ns": 1, "kind": "fill", "currency": "USDT", "amount": -30_000 * USDT},
        {"ts_ns": 1, "kind": "fee", "currency": "USDT", "amount": -30 * USDT},
        {"ts_ns": 1, "kind": "fill", "instrument": "BTCUSDT", "size_delta": 50_000},
    ]


def test_partial_close_removes_cost_rounded_down(kit):
    portfolio = Portfolio({"USDT": 1_000}, instruments=[kit.BTC])
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.BUY, 1, 3, cash_micros=-10))
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.SELL, 1, 1, cash_micros=4, ts_ns=2))
    # floor(10 * 1 / 3) = 3 removed; 7 stays with the 2 units still held
    assert portfolio.cost_basis("BTCUSDT") == 7
    assert portfolio.realized_pnl("USDT") == 1
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.SELL, 1, 2, cash_micros=6, ts_ns=3))
    assert portfolio.cost_basis("BTCUSDT") == 0
    assert portfolio.realized_pnl("USDT") == 0  # cash in == cash out over the round trip
    kit.check_invariants(portfolio)


def test_perpetual_short_cover_and_flip(kit):
    perp = kit.PERP  # price 2 decimals, size 3 decimals
    portfolio = Portfolio({"USDT": 10_000 * USDT}, instruments=[perp])

    portfolio.apply_fill(kit.make_fill(perp, Side.SELL, 10_000, 2_000))  # short 2 @ 100
    assert portfolio.position("ETHPERP") == -2_000
    assert portfolio.cost_basis("ETHPERP") == -200 * USDT

    portfolio.apply_fill(kit.make_fill(perp, Side.BUY, 9_000, 1_000, ts_ns=2))  # cover 1 @ 90
    assert portfolio.realized_pnl("USDT") == 10 * USDT
    assert portfolio.cost_basis("ETHPERP") == -100 * USDT

    # buy 3 @ 95: covers the last 1 (+5) and opens a long of 2 with basis 190
    portfolio.apply_fill(kit.make_fill(perp, Side.BUY, 9_500, 3_000, ts_ns=3))
    assert portfolio.position("ETHPERP") == 2_000
    assert portfolio.cost_basis("ETHPERP") == 190 * USDT
    assert portfolio.realized_pnl("USDT") == 15 * USDT

    portfolio.mark("ETHPERP", 10_000)
    assert portfolio.unrealized_pnl() == {"ETHPERP": 10 * USDT}
    assert portfolio.total_unrealized_pnl("USDT") == 10 * USDT
    assert portfolio.equity("USDT") == portfolio.cash("USDT") + 200 * USDT
    kit.check_invariants(portfolio)


def test_flip_splits_odd_cash_toward_zero_for_the_closing_part(kit):
    portfolio = Portfolio({"USDT": 1_000}, instruments=[kit.PERP])
    portfolio.apply_fill(kit.make_fill(kit.PERP, Side.SELL, 1, 1, cash_micros=40))
    portfolio.apply_fill(kit.make_fill(kit.PERP, Side.BUY, 1, 3, cash_micros=-100, ts_ns=2))
    # closing third: round_div(-100, 3, DOWN) = -33, realized 40 - 33 = 7; -67 opens the long
    assert portfolio.realized_pnl("USDT") == 7
    assert portfolio.cost_basis("ETHPERP") == 67
    assert portfolio.position("ETHPERP") == 2
    kit.check_invariants(portfolio)


def test_short_mark_is_negative_value(kit):
    portfolio = Portfolio({"USDT": 10_000 * USDT}, instruments=[kit.PERP])
    portfolio.apply_fill(kit.make_fill(kit.PERP, Side.SELL, 10_000, 1_000))
    portfolio.mark("ETHPERP", 11_000)
    assert portfolio.unrealized_pnl() == {"ETHPERP": -10 * USDT}


def test_fee_in_another_currency(kit):
    portfolio = Portfolio({"USDT": 100 * USDT, "BNB": 1_000}, instruments=[kit.BTC])
    fill = kit.make_fill(kit.BTC, Side.BUY, 100, 100_000, fee_micros=250, fee_currency="BNB")
    portfolio.apply_fill(fill)
    assert portfolio.cash("BNB") == 750
    assert portfolio.fees_paid("BNB") == 250
    assert portfolio.fees_paid("USDT") == 0
    kit.check_invariants(portfolio)


def test_unmarked_position_has_no_unrealized_and_equity_at_cost(kit):
    portfolio = Portfolio({"USDC": 100 * USDT}, instruments=[kit.PM_YES, kit.PM_NO])
    portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.BUY, 6_000, 10_000_000))
    assert portfolio.unrealized_pnl() == {}
    assert portfolio.equity("USDC") == 100 * USDT
    portfolio.mark("PY", 6_543)
    assert portfolio.unrealized_pnl() == {"PY": 543_000}
    assert portfolio.equity("USDC") == 100 * USDT + 543_000


def test_ledger_entry_is_frozen_and_keyed():
    entry = LedgerEntry(7, LedgerKind.SETTLEMENT, instrument="X", size_delta=-5)
    assert entry.as_dict() == {
        "ts_ns": 7,
        "kind": "settlement",
        "instrument": "X",
        "size_delta": -5,
    }
    assert not entry.is_cash
    with pytest.raises(AttributeError):
        entry.ts_ns = 8


# ---- rejections leave the state unchanged ----------------------------------------------
def _funded(kit) -> Portfolio:
    portfolio = Portfolio(
        {"USDT": 1_000 * USDT, "USDC": 100 * USDT},
        instruments=[kit.BTC, kit.PERP, kit.PM_YES, kit.PM_NO],
    )
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.BUY, 5_000_000, 1_000))  # 0.01 @ 50,000
    portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.BUY, 5_000, 10_000_000, ts_ns=2))
    return portfolio


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("sell_more_than_held", "negative"),
        ("sell_outcome_token_short", "negative"),
        ("buy_beyond_cash", "insufficient balance"),
        ("fee_beyond_cash", "insufficient balance"),
        ("unknown_instrument", "unknown instrument"),
        ("zero_size", "size must be a positive int"),
        ("negative_size", "size must be a positive int"),
        ("buy_receiving_cash", "cash_micros must be <= 0"),
        ("sell_paying_cash", "cash_micros must be >= 0"),
        ("fee_without_currency", "needs a fee_currency"),
        ("float_price", "price must be a positive int"),
    ],
)
def test_invalid_fill_is_rejected_and_changes_nothing(kit, case, message):
    portfolio = _funded(kit)
    before = kit.snapshot(portfolio)
    btc, yes = kit.BTC, kit.PM_YES
    fill = {
        "sell_more_than_held": kit.make_fill(btc, Side.SELL, 5_000_000, 1_001),
        "sell_outcome_token_short": kit.make_fill(yes, Side.SELL, 5_000, 10_000_001),
        "buy_beyond_cash": kit.make_fill(btc, Side.BUY, 5_000_000, 2_000_000),
        "fee_beyond_cash": kit.make_fill(yes, Side.SELL, 5_000, 1, fee_micros=96 * USDT),
        "unknown_instrument": kit.make_fill(kit.K_YES, Side.BUY, 100, 100),
        "zero_size": kit.make_fill(btc, Side.BUY, 5_000_000, 0, cash_micros=0),
        "negative_size": kit.make_fill(btc, Side.BUY, 5_000_000, -5, cash_micros=0),
        "buy_receiving_cash": kit.make_fill(btc, Side.BUY, 100, 100, cash_micros=5),
        "sell_paying_cash": kit.make_fill(btc, Side.SELL, 100, 100, cash_micros=-5),
        "fee_without_currency": kit.make_fill(
            btc, Side.BUY, 100, 100, fee_micros=1, fee_currency=""
        ),
        "float_price": kit.make_fill(btc, Side.BUY, 1.5, 100, cash_micros=-1),
    }[case]
    with pytest.raises(DataError, match=message):
        portfolio.apply_fill(fill)
    assert kit.snapshot(portfolio) == before
    kit.check_invariants(portfolio)


def test_position_move_is_checked_after_cash(kit):
    portfolio = Portfolio({"USDT": 10}, instruments=[kit.BTC])
    with pytest.raises(DataError, match="insufficient balance"):
        portfolio.apply_fill(kit.make_fill(kit.BTC, Side.BUY, 1, 1, cash_micros=-11))
    assert portfolio.cash("USDT") == 10 and portfolio.ledger == ()


def test_starting_positions_and_validation(kit):
    portfolio = Portfolio(
        {"USDT": 0}, {"BTCUSDT": (50_000, 30_000 * USDT), "ETHPERP": -1_000}, [kit.BTC, kit.PERP]
    )
    assert portfolio.position("BTCUSDT") == 50_000
    assert portfolio.cost_basis("BTCUSDT") == 30_000 * USDT
    assert portfolio.position("ETHPERP") == -1_000
    assert portfolio.cost_basis("ETHPERP") == 0
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.SELL, 6_100_000, 50_000))
    assert portfolio.realized_pnl("USDT") == 500 * USDT
    kit.check_invariants(portfolio)
    with pytest.raises(DataError, match="only perpetuals"):
        Portfolio({}, {"BTCUSDT": -1}, [kit.BTC])
    with pytest.raises(DataError, match="unknown instrument"):
        Portfolio({}, {"NOPE": 1}, [kit.BTC])
    with pytest.raises(DataError, match=">= 0"):
        Portfolio({"USDT": -1})


def test_deposit_and_withdrawal(kit):
    portfolio = Portfolio({"USDT": 5})
    portfolio.deposit("USDT", 10, ts_ns=3)
    portfolio.deposit("USDT", -12, ts_ns=4)
    assert portfolio.cash("USDT") == 3
    assert portfolio.deposits("USDT") == -2
    with pytest.raises(DataError, match="insufficient balance"):
        portfolio.deposit("USDT", -4, ts_ns=5)
    assert [e.as_dict()["kind"] for e in portfolio.ledger] == ["deposit", "deposit"]
    kit.check_invariants(portfolio)


def test_mark_validation(kit):
    portfolio = Portfolio({}, instruments=[kit.PM_YES])
    with pytest.raises(DataError, match="outside 0..1"):
        portfolio.mark("PY", 10_001)
    with pytest.raises(DataError, match="unknown instrument"):
        portfolio.mark("NOPE", 1)


def test_cannot_change_precision_of_a_held_instrument(kit):
    portfolio = Portfolio({"USDC": 100 * USDT}, instruments=[kit.PM_YES, kit.PM_NO])
    portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.BUY, 5_000, 1_000_000))
    with pytest.raises(DataError, match="while held"):
        portfolio.register(kit.token("PY", "PN", size_decimals=2))
    portfolio.register(kit.PM_YES.with_ticks(kit.PM_YES.ticks.with_tick(100)))  # fine


def test_reporting_accessors(kit):
    portfolio = Portfolio({"USDT": 10_000 * USDT}, instruments=[kit.BTC, kit.PERP])
    portfolio.apply_fill(kit.make_fill(kit.PERP, Side.SELL, 10_000, 2_000, fee_micros=7))  # -200
    portfolio.apply_fill(kit.make_fill(kit.BTC, Side.BUY, 5_000_000, 1_000, ts_ns=2))  # 500
    assert portfolio.gross_exposure("USDT") == 700 * USDT  # unmarked: at cost
    portfolio.mark("ETHPERP", 11_000)
    assert portfolio.gross_exposure("USDT") == 720 * USDT
    assert portfolio.unrealized_pnl_of("ETHPERP") == -20 * USDT
    assert portfolio.unrealized_pnl_of("BTCUSDT") == 0  # not marked
    assert portfolio.traded_instruments() == ["ETHPERP", "BTCUSDT"]
    assert portfolio.fees_by_currency() == {"USDT": 7}
    assert portfolio.position("NEVER-SEEN") == 0  # queries never raise
    assert portfolio.cost_basis("NEVER-SEEN") == 0
