"""Resolution of outcome tokens and Betfair back/lay settlement with commission."""

from __future__ import annotations

import pytest

from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import Resolution
from pythia.portfolio import Bucket, Holding, Portfolio, position_decimals

MICROS = 1_000_000
TOKENS = 1_000_000


def _resolution(market_id="m", winners=(), losers=(), removed=()) -> Resolution:
    return Resolution(market_id, tuple(winners), tuple(losers), 100, 100, tuple(removed))


def _yes_no_portfolio(kit) -> Portfolio:
    portfolio = Portfolio({"USDC": 100 * MICROS}, instruments=[kit.PM_YES, kit.PM_NO])
    portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.BUY, 6_000, 10 * TOKENS))  # 6.00
    portfolio.apply_fill(kit.make_fill(kit.PM_NO, Side.BUY, 3_000, 5 * TOKENS, ts_ns=2))  # 1.50
    return portfolio


def test_yes_wins_and_its_complement_loses(kit):
    portfolio = _yes_no_portfolio(kit)
    portfolio.settle(_resolution(winners=["PY"]))
    assert portfolio.cash("USDC") == 102_500_000  # 100 - 7.50 + 10
    assert portfolio.positions() == {}
    assert portfolio.realized_pnl_of("PY") == 4 * MICROS
    assert portfolio.realized_pnl_of("PN") == -1_500_000
    assert portfolio.realized_pnl("USDC") == 2_500_000
    assert portfolio.is_settled("m")
    assert [e.as_dict() for e in portfolio.ledger if e.kind.value == "settlement"] == [
        {"ts_ns": 100, "kind": "settlement", "currency": "USDC", "amount": 10 * MICROS},
        {"ts_ns": 100, "kind": "settlement", "instrument": "PY", "size_delta": -10 * TOKENS},
        {"ts_ns": 100, "kind": "settlement", "instrument": "PN", "size_delta": -5 * TOKENS},
    ]
    kit.check_invariants(portfolio)


def test_yes_listed_as_loser_pays_the_no(kit):
    portfolio = _yes_no_portfolio(kit)
    portfolio.settle(_resolution(winners=["PN"], losers=["PY"]), ts_ns=7)  # both listed
    assert portfolio.cash("USDC") == 97_500_000  # 100 - 7.50 + 5
    assert portfolio.realized_pnl("USDC") == -2_500_000
    kit.check_invariants(portfolio)


def test_kalshi_void_refunds_cost(kit):
    portfolio = Portfolio({"USD": 10 * MICROS}, instruments=[kit.K_YES, kit.K_NO])
    portfolio.apply_fill(kit.make_fill(kit.K_YES, Side.BUY, 4_200, 300))  # 3 contracts @ 0.42
    portfolio.settle(_resolution("KX", removed=["KY", "KN"]))
    assert portfolio.cash("USD") == 10 * MICROS
    assert portfolio.realized_pnl("USD") == 0
    kit.check_invariants(portfolio)


def test_settlement_rejections_change_nothing(kit):
    portfolio = _yes_no_portfolio(kit)
    before = kit.snapshot(portfolio)
    with pytest.raises(DataError, match="conflicting results"):
        portfolio.settle(_resolution(winners=["PY", "PN"]))
    with pytest.raises(DataError, match="commission_bps"):
        portfolio.settle(_resolution(winners=["PY"]), commission_bps=-1)
    assert kit.snapshot(portfolio) == before
    assert not portfolio.is_settled("m")

    portfolio.settle(_resolution(winners=["PY"]))
    after = kit.snapshot(portfolio)
    with pytest.raises(DataError, match="already settled"):
        portfolio.settle(_resolution(winners=["PY"]))
    with pytest.raises(DataError, match="already settled"):
        portfolio.apply_fill(kit.make_fill(kit.PM_YES, Side.BUY, 5_000, TOKENS))
    with pytest.raises(DataError, match="already settled"):
        portfolio.split("PY", "PN", TOKENS, ts_ns=200)
    assert kit.snapshot(portfolio) == after


def test_perpetual_cannot_settle_on_a_resolution(kit):
    portfolio = Portfolio({"USDT": 0}, instruments=[kit.PERP])
    with pytest.raises(DataError, match="only outcome tokens"):
        portfolio.settle(_resolution(winners=["ETHPERP"]))


# ---- Betfair: runners as tokens paying 1 per payout unit ------------------------------
def _win_market(kit, balance=1_000 * MICROS):
    runners = [kit.runner(name) for name in ("A", "B", "C")]
    return runners, Portfolio({"GBP": balance}, instruments=runners)


def test_back_and_lay_on_a_win_market_settled_with_commission(kit):
    (a, b, _), portfolio = _win_market(kit)
    # back A £10.00 at 3.05; lay B £5.00 at 2.50 (liability £7.50)
    portfolio.apply_fill(kit.make_fill(a, Side.BUY, 305, 1_000))
    portfolio.apply_fill(kit.make_fill(b, Side.SELL, 250, 500, ts_ns=2))
    assert portfolio.cash("GBP") == 982_500_000
    assert position_decimals(a) == 4
    assert portfolio.position("A") == 305_000  # £30.5000 payout if A wins
    assert portfolio.position("B") == -125_000  # lay: £12.5000 payout if B loses
    assert portfolio.holding("B", Bucket.LAY) == Holding(125_000, 7_500_000)
    assert portfolio.cost_basis("B") == 7_500_000

    portfolio.settle(_resolution("1.23", winners=["A"], losers=["B", "C"]), commission_bps=500)

    # back pays 30.50 (+20.50); lay keeps stake + liability 12.50 (+5.00); net +25.50;
    # 5 % commission = 1.275, HALF_UP to the penny = 1.28
    assert portfolio.realized_pnl_of("A") == 20_500_000
    assert portfolio.realized_pnl_of("B") == 5_000_000
    assert portfolio.realized_pnl("GBP") == 25_500_000
    assert portfolio.fees_paid("GBP") == 1_280_000
    assert portfolio.cash("GBP") == 1_024_220_000
    assert portfolio.positions() == {}
    commission = [e.as_dict() for e in portfolio.ledger if e.kind.value == "commission"]
    assert commission == [
        {"ts_ns": 100, "kind": "commission", "currency": "GBP", "amount": -1_280_000}
    ]
    kit.check_invariants(portfolio)


def test_losing_market_pays_no_commission(kit):
    (a, b, _), portfolio = _win_market(kit)
    portfolio.apply_fill(kit.make_fill(a, Side.BUY, 305, 1_000))
    portfolio.apply_fill(kit.make_fill(b, Side.SELL, 250, 500, ts_ns=2))
    portfolio.settle(_resolution("1.23", winners=["B"], losers=["A", "C"]), commission_bps=500)
    assert portfolio.realized_pnl("GBP") == -17_500_000  # stake 10 and liability 7.50 lost
    assert portfolio.fees_paid("GBP") == 0
    assert portfolio.cash("GBP") == 982_500_000
    kit.check_invariants(portfolio)


def test_back_and_lay_on_one_runner_are_not_netted(kit):
    (a, _, _), portfolio = _win_market(kit)
    portfolio.apply_fill(kit.make_fill(a, Side.BUY, 300, 1_000))  # back £10 at 3.00: -10
    portfolio.apply_fill(kit.make_fill(a, Side.SELL, 250, 1_000, ts_ns=2))  # lay £10 at 2.50: -15
    assert portfolio.cash("GBP") == 975_000_000  # conservative: both stakes locked
    assert portfolio.position("A") == 300_000 - 250_000
    portfolio.mark("A", 200)
    # back 30 / 2.00 = 15 (+5); lay 25 * (1 - 1 / 2.00) = 12.50 (-2.50)
    assert portfolio.unrealized_pnl() == {"A": 2_500_000}
    portfolio.settle(_resolution("1.23", winners=["A"], losers=["B", "C"]))
    assert portfolio.cash("GBP") == 1_005_000_000  # back pays 30, lay 0: +5 net
    kit.check_invariants(portfolio)


def test_removed_runner_refunds_stake_and_liability(kit):
    (a, _, c), portfolio = _win_market(kit)
    portfolio.apply_fill(kit.make_fill(c, Side.BUY, 500, 400))  # back £4 at 5.00
    portfolio.apply_fill(kit.make_fill(c, Side.SELL, 600, 200, ts_ns=2))  # lay £2 at 6.00: £10
    portfolio.apply_fill(kit.make_fill(a, Side.BUY, 200, 100, ts_ns=3))  # back £1 at 2.00
    assert portfolio.cash("GBP") == 985_000_000
    portfolio.settle(
        _resolution("1.23", winners=["A"], losers=["B"], removed=["C"]), commission_bps=500
    )
    # C refunds 14; A wins 2 (+1), commission 5 % of 1 = 0.05
    assert portfolio.realized_pnl_of("C") == 0
    assert portfolio.realized_pnl("GBP") == 1_000_000
    assert portfolio.fees_paid("GBP") == 50_000
    assert portfolio.cash("GBP") == 1_000_950_000
    kit.check_invariants(portfolio)


def test_betfair_fill_must_carry_stake_or_liability(kit):
    (a, _, _), portfolio = _win_market(kit)
    before = kit.snapshot(portfolio)
    with pytest.raises(DataError, match="not minus the liability"):
        portfolio.apply_fill(kit.make_fill(a, Side.SELL, 250, 500, cash_micros=-5_000_000))
    with pytest.raises(DataError, match="not minus the stake"):
        portfolio.apply_fill(kit.make_fill(a, Side.BUY, 250, 500, cash_micros=-5))
    with pytest.raises(DataError, match="must be above"):
        portfolio.apply_fill(kit.make_fill(a, Side.BUY, 100, 500, cash_micros=-5_000_000))
    assert kit.snapshot(portfolio) == before


def test_odds_mark_values_back_and_lay(kit):
    (a, b, _), portfolio = _win_market(kit)
    portfolio.apply_fill(kit.make_fill(a, Side.BUY, 305, 1_000))
    portfolio.apply_fill(kit.make_fill(b, Side.SELL, 250, 500, ts_ns=2))
    portfolio.mark("A", 200)
    portfolio.mark("B", 200)
    # A: 30.50 / 2 = 15.25 vs 10 paid; B: 12.50 * (1 - 1/2) = 6.25 vs 7.50 liability
    assert portfolio.unrealized_pnl() == {"A": 5_250_000, "B": -1_250_000}
    assert portfolio.equity("GBP") == 982_500_000 + 15_250_000 + 6_250_000
    with pytest.raises(DataError, match="must be above"):
        portfolio.mark("A", 100)


def test_starting_lay_position_in_payout_units(kit):
    runner = kit.runner("A")
    portfolio = Portfolio({"GBP": 0}, {"A": (-125_000, 7_500_000)}, [runner])
    assert portfolio.position("A") == -125_000
    assert portfolio.holding("A", Bucket.LAY) == Holding(125_000, 7_500_000)
    portfolio.settle(_resolution("1.23", losers=["A"]))
    assert portfolio.cash("GBP") == 12_500_000
    assert portfolio.realized_pnl("GBP") == 5_000_000
    kit.check_invariants(portfolio)
