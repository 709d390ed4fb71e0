"""The guaranteed-profit trade against a brute-force LP over every outcome."""

import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optkit import brute_force_profit, exact_guaranteed_profit, random_books, random_feasible_space
from pythia.opt.dependencies import Dependencies, Security, exactly_one, implies
from pythia.opt.lp import Level, SecurityBook, best_guaranteed_trade, with_fee_rate
from pythia.opt.outcomes import OutcomeSpace


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12), rows=st.integers(1, 10))
def test_profit_equals_brute_force_and_is_exact(seed, n, rows):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rows)
    books = random_books(rng, space.dependencies.ids)

    trade = best_guaranteed_trade(space, books)

    brute = brute_force_profit(space, books)
    assert trade.lp_profit == pytest.approx(brute, abs=1e-6)
    exact = exact_guaranteed_profit(space, trade.net_shares, trade.cash)
    assert trade.profit == (exact if trade.fills else 0)
    assert trade.profit >= 0
    assert float(trade.profit) <= brute + 1e-9
    lot_loss = sum(len(b.asks) + len(b.bids) for b in books) * Fraction(1, 100)
    assert trade.profit >= Fraction(brute) - lot_loss - Fraction(1, 10**6)
    assert trade.profit_micros == int(trade.profit * 10**6 // 1)
    assert trade.exact_by_enumeration


def test_combinatorial_arbitrage_across_venues():
    """A implies B, yet A trades above B: buy B, sell A; plus an exactly-one basket."""
    deps = Dependencies(
        tuple(Security(i) for i in ("polymarket:a", "kalshi:b:yes", "x", "y")),
        (implies("polymarket:a", "kalshi:b:yes"), exactly_one(["x", "y"])),
    )
    share = 1_000  # size decimals 3; prices have 3 decimals
    books = [
        SecurityBook("polymarket:a", bids=(Level(600, 10 * share), Level(550, 5 * share))),
        SecurityBook("kalshi:b:yes", asks=(Level(550, 4 * share),)),
        SecurityBook("x", asks=(Level(450, share),)),
        SecurityBook("y", asks=(Level(500, 2 * share),)),
    ]
    books = [replace(b, price_decimals=3, size_decimals=3, lot=share) for b in books]
    trade = best_guaranteed_trade(OutcomeSpace(deps), books)
    # 4 shares of b at 0.55 against 4 of a at 0.60 (+0.2), 1 x + 1 y at 0.95 (+0.05)
    assert trade.profit == Fraction(25, 100)
    assert trade.profit_micros == 250_000
    sells = {f.security_id: f.size for f in trade.fills if not f.is_buy}
    assert sells == {"polymarket:a": 4_000}


def test_no_arbitrage_means_no_trade():
    deps = Dependencies((Security("a"), Security("b")), (exactly_one(["a", "b"]),))
    books = [
        SecurityBook("a", asks=(Level(5_100, 10**6),), bids=(Level(4_900, 10**6),)),
        SecurityBook("b", asks=(Level(5_200, 10**6),), bids=(Level(4_800, 10**6),)),
    ]
    trade = best_guaranteed_trade(OutcomeSpace(deps), books)
    assert trade.fills == () and trade.profit == 0 and trade.profit_micros == 0


def test_rounding_to_lots_never_overstates():
    """The LP buys 1.5 shares of each leg; lots of 1 share leave 1, with exact profit."""
    deps = Dependencies((Security("a"), Security("b")), (exactly_one(["a", "b"]),))
    books = [
        SecurityBook("a", asks=(Level(4_000, 1_500_000),), lot=10**6),
        SecurityBook("b", asks=(Level(5_000, 1_500_000),), lot=10**6),
    ]
    trade = best_guaranteed_trade(OutcomeSpace(deps), books)
    assert trade.lp_profit == pytest.approx(0.15)
    assert trade.profit == Fraction(1, 10)
    assert [f.size for f in trade.fills] == [10**6, 10**6]


def test_fee_rate_rounds_against_us():
    book = SecurityBook("a", asks=(Level(3_333, 1),), bids=(Level(3_333, 1),))
    charged = with_fee_rate(book, Decimal("0.01"))
    assert charged.asks[0].price == 3_367  # 3366.33 up
    assert charged.bids[0].price == 3_299  # 3299.67 down


def test_unknown_book_is_rejected():
    space = OutcomeSpace(Dependencies((Security("a"),), ()))
    with pytest.raises(ValueError, match="unknown security"):
        best_guaranteed_trade(space, [SecurityBook("b")])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 10), share=st.integers(1, 9))
def test_a_budget_gives_the_best_trade_within_it(seed, n, share):
    rng = random.Random(seed)
    space = random_feasible_space(rng, n, rng.randint(1, 8))
    books = random_books(rng, space.dependencies.ids)
    free = best_guaranteed_trade(space, books)
    budget = free.outlay * share / 10 if free.fills else Fraction(rng.randint(0, 50))

    trade = best_guaranteed_trade(space, books, max_outlay=budget)

    assert trade.outlay <= budget
    brute = brute_force_profit(space, books, max_outlay=budget)
    assert trade.lp_profit == pytest.approx(brute, abs=1e-6)
    assert trade.profit == exact_guaranteed_profit(space, trade.net_shares, trade.cash) or (
        not trade.fills and trade.profit == 0
    )
    assert trade.profit <= free.profit
    lot_loss = sum(len(b.asks) + len(b.bids) for b in books) * Fraction(1, 100)
    assert trade.profit >= Fraction(brute) - 2 * lot_loss - Fraction(1, 10**6)


def test_a_zero_budget_trades_nothing_and_a_negative_one_is_an_error():
    deps = Dependencies((Security("x"), Security("y")), (exactly_one(["x", "y"]),))
    books = [
        SecurityBook("x", asks=(Level(4000, 10**6),)),
        SecurityBook("y", asks=(Level(5000, 10**6),)),
    ]
    space = OutcomeSpace(deps)
    assert best_guaranteed_trade(space, books).profit == Fraction(1, 10)  # 1 set at 0.90
    assert best_guaranteed_trade(space, books, max_outlay=Fraction(45, 100)).profit == Fraction(
        1, 20
    )  # half a set
    nothing = best_guaranteed_trade(space, books, max_outlay=0)
    assert nothing.fills == () and nothing.profit == 0
    with pytest.raises(ValueError, match="max_outlay"):
        best_guaranteed_trade(space, books, max_outlay=-1)


def test_a_time_limit_stops_early_and_the_profit_stays_exact():
    from pythia.data.synth_combinatorial import election

    scenario = election(7, plants=3, seed=5)  # 19 securities: the outcomes can be listed
    space = OutcomeSpace(scenario.dependencies)
    hurried = best_guaranteed_trade(space, scenario.books, time_limit_s=0.0)
    assert hurried.timed_out and hurried.iterations == 1
    # whatever the first LP bought, its guarantee is recomputed exactly (no trade if <= 0)
    exact = exact_guaranteed_profit(space, hurried.net_shares, hurried.cash)
    assert hurried.profit == (exact if hurried.fills else 0)
    assert 0 <= hurried.profit <= scenario.known_profit
    full = best_guaranteed_trade(space, scenario.books)
    assert not full.timed_out and full.profit == scenario.known_profit


def test_the_trade_lp_reaches_the_planted_profit_on_a_race():
    from pythia.data.synth_combinatorial import sized

    scenario = sized("race", 57, seed=3)  # 6 runners: the MIP oracle runs, not only its LP
    space = OutcomeSpace(scenario.dependencies)
    trade = best_guaranteed_trade(space, scenario.books)
    assert trade.profit == scenario.known_profit


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12), rows=st.integers(1, 10))
def test_early_stopping_separation_still_reaches_the_optimum(seed, n, rows):
    """With the separation MIPs stopping early from the second round on, the LP still ends
    at the brute-force optimum: its last round proves that no outcome is violated."""
    from pythia.opt import lp

    rng = random.Random(seed)
    space = OutcomeSpace(random_feasible_space(rng, n, rows).dependencies, relaxation_first=False)
    books = random_books(rng, space.dependencies.ids)

    with patch.object(lp, "_HARD", -1):  # every MIP counts as hard
        trade = best_guaranteed_trade(space, books)

    assert trade.lp_profit == pytest.approx(brute_force_profit(space, books), abs=1e-6)
    exact = exact_guaranteed_profit(space, trade.net_shares, trade.cash)
    assert trade.profit == (exact if trade.fills else 0)


def test_a_hard_separation_switches_to_early_stopping_and_keeps_the_profit(monkeypatch):
    """An 8-runner race's separation MIPs take thousands of simplex iterations: the trade LP
    switches to stopping them early and still reaches the planted profit, as it does with
    exact separation throughout."""
    from pythia.data.synth_combinatorial import sized
    from pythia.opt import lp

    scenario = sized("race", 100, seed=1)
    stops: list[bool] = []
    original = OutcomeSpace.bounded_outcome

    def counted(self, *args, **kwargs):
        stops.append(kwargs.get("enough") is not None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OutcomeSpace, "bounded_outcome", counted)
    quick = best_guaranteed_trade(OutcomeSpace(scenario.dependencies), scenario.books)
    assert stops and all(stops)  # it switched
    assert quick.profit == scenario.known_profit

    monkeypatch.setattr(lp, "_HARD", 10**9)  # never switch
    stops.clear()
    exact = best_guaranteed_trade(OutcomeSpace(scenario.dependencies), scenario.books)
    assert not stops
    assert exact.profit == quick.profit
    # the same LP optimum: the quick run's last round proved that no outcome is violated
    assert quick.lp_profit == pytest.approx(exact.lp_profit, rel=1e-7, abs=1e-9)


def test_the_separation_rule():
    from pythia.opt.lp import _Separation

    rule = _Separation(threshold=10.0)  # violated: below 10
    assert rule.enough(incumbent=12.0, bound=10.0)  # the bound proves none is violated
    assert rule.enough(incumbent=5.0, bound=0.0)  # half as deep as the bound allows
    assert not rule.enough(incumbent=6.0, bound=0.0)  # not deep enough yet
    assert not rule.enough(incumbent=12.0, bound=9.0)  # none violated found, none proved
