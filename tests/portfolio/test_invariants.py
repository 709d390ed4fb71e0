"""Property tests: the accounting identity and the ledger replay hold to the micro-unit over
random sequences of fills (buys, sells, partial closes, perpetual flips, back and lay),
fees in two currencies, splits, merges, deposits and final settlement; every rejected
operation is one the rules predict and leaves the state unchanged."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from hypothesis import event, given, settings
from hypothesis import strategies as st

from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.events import Resolution
from pythia.model.instruments import CryptoPerpetual, PriceSpace
from pythia.portfolio import Portfolio

START = {
    "USDT": 20_000_000_000,
    "USDC": 50_000_000,
    "USD": 50_000_000,
    "GBP": 200_000_000,
    "BNB": 1_000_000,
}
PRICES = {  # price units per instrument id: (lowest, highest)
    "BTCUSDT": (1, 10_000_000),
    "ETHPERP": (1, 500_000),
    "PY": (1, 9_999),
    "PN": (1, 9_999),
    "KY": (1, 9_999),
    "KN": (1, 9_999),
    "RA": (101, 2_000),
    "RB": (101, 2_000),
}
SIZES = {
    "BTCUSDT": 100_000,
    "ETHPERP": 10_000,
    "PY": 100_000_000,
    "PN": 100_000_000,
    "KY": 10_000,
    "KN": 10_000,
    "RA": 10_000,
    "RB": 10_000,
}


def _predicted_fill_rejection(portfolio: Portfolio, instrument, fill) -> bool:
    deltas: dict[str, int] = defaultdict(int)
    deltas[instrument.quote_currency] += fill.cash_micros
    deltas[fill.fee_currency] -= fill.fee_micros
    if any(d < 0 and portfolio.cash(c) + d < 0 for c, d in deltas.items()):
        return True
    if instrument.price_space is PriceSpace.DECIMAL_ODDS or isinstance(instrument, CryptoPerpetual):
        return False
    signed = fill.size if fill.side is Side.BUY else -fill.size
    return portfolio.position(instrument.id) + signed < 0


def _attempt(kit, portfolio: Portfolio, action, predicted: bool) -> bool:
    """Run ``action``; check it was rejected exactly when predicted, with no change."""
    before = kit.snapshot(portfolio)
    try:
        action()
    except DataError:
        event("rejected")
        assert predicted, "an operation the rules allow was rejected"
        assert kit.snapshot(portfolio) == before
        return False
    assert not predicted, "an operation the rules forbid was accepted"
    event("accepted")
    return True


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_accounting_identity_over_random_operations(kit, data):
    runners = [kit.runner("RA"), kit.runner("RB")]
    instruments = [kit.BTC, kit.PERP, kit.PM_YES, kit.PM_NO, kit.K_YES, kit.K_NO, *runners]
    by_id = {instrument.id: instrument for instrument in instruments}
    portfolio = Portfolio(START, instruments=instruments)
    flows: dict[str, int] = defaultdict(int)  # accepted fill cash per instrument
    pair_flows = 0  # cash of the Polymarket pair: fills, splits, merges

    for step in range(data.draw(st.integers(1, 40), label="steps")):
        ts_ns = step + 1
        operation = data.draw(st.sampled_from(["fill"] * 8 + ["split", "merge", "deposit"]))
        if operation == "fill":
            instrument = by_id[data.draw(st.sampled_from(sorted(by_id)), label="instrument")]
            side = data.draw(st.sampled_from(Side), label="side")
            held = abs(portfolio.position(instrument.id))
            size_cap = SIZES[instrument.id]
            size = data.draw(
                st.one_of(st.integers(1, size_cap), st.integers(1, max(1, held))), label="size"
            )
            price = data.draw(st.integers(*PRICES[instrument.id]), label="price")
            fee = data.draw(st.integers(0, 500_000), label="fee")
            fee_currency = data.draw(st.sampled_from([instrument.quote_currency, "BNB"]))
            fill = kit.make_fill(
                instrument,
                side,
                price,
                size,
                fee_micros=fee,
                fee_currency=fee_currency,
                ts_ns=ts_ns,
            )
            predicted = _predicted_fill_rejection(portfolio, instrument, fill)
            basis_before, held_before = (
                portfolio.cost_basis("BTCUSDT"),
                portfolio.position("BTCUSDT"),
            )
            if _attempt(kit, portfolio, lambda f=fill: portfolio.apply_fill(f), predicted):
                flows[instrument.id] += fill.cash_micros
                if instrument.id in ("PY", "PN"):
                    pair_flows += fill.cash_micros
                if instrument.id == "BTCUSDT" and side is Side.SELL:
                    _check_remaining_basis(portfolio, basis_before, held_before)
        elif operation in ("split", "merge"):
            amount = data.draw(st.integers(1, 60_000_000), label="amount")
            if operation == "split":
                predicted = portfolio.cash("USDC") < amount
                action = lambda a=amount, t=ts_ns: portfolio.split("PY", "PN", a, t)  # noqa: E731
            else:
                held = min(portfolio.position("PY"), portfolio.position("PN"))
                amount = data.draw(st.sampled_from([amount, max(1, held)]), label="merge")
                predicted = held < amount
                action = lambda a=amount, t=ts_ns: portfolio.merge("PY", "PN", a, t)  # noqa: E731
            if _attempt(kit, portfolio, action, predicted):
                pair_flows += -amount if operation == "split" else amount
        else:
            currency = data.draw(st.sampled_from(sorted(START)), label="currency")
            amount = data.draw(
                st.one_of(st.integers(-100_000_000, -1), st.integers(1, 100_000_000))
            )
            predicted = portfolio.cash(currency) + amount < 0
            action = lambda c=currency, a=amount, t=ts_ns: portfolio.deposit(c, a, t)  # noqa: E731
            _attempt(kit, portfolio, action, predicted)
        kit.check_invariants(portfolio)

    for instrument_id in ("BTCUSDT", "ETHPERP", "KY", "KN"):
        realized = portfolio.realized_pnl_of(instrument_id)
        assert flows[instrument_id] == realized - portfolio.cost_basis(instrument_id)
    pair_realized = portfolio.realized_pnl_of("PY") + portfolio.realized_pnl_of("PN")
    assert pair_flows == pair_realized - portfolio.cost_basis("PY") - portfolio.cost_basis("PN")

    if data.draw(st.booleans(), label="settle"):
        winner = data.draw(st.sampled_from(["PY", "PN"]))
        portfolio.settle(Resolution("m", (winner,), (), 999, 999), ts_ns=999)
        race = data.draw(st.sampled_from([("RA", "RB"), ("RB", "RA")]))
        commission_bps = data.draw(st.integers(0, 1_000), label="commission")
        resolution = Resolution("1.23", race[:1], race[1:], 999, 999)
        portfolio.settle(resolution, commission_bps=commission_bps)
        for instrument_id in ("PY", "PN", "RA", "RB"):
            assert portfolio.position(instrument_id) == 0
            assert portfolio.cost_basis(instrument_id) == 0
        kit.check_invariants(portfolio)


def _check_remaining_basis(portfolio: Portfolio, basis_before: int, held_before: int) -> None:
    """After a sale, the basis left is the exact pro-rata remainder rounded up (the removed
    part was rounded down), so it is within one micro-unit of the exact value."""
    held_after = portfolio.position("BTCUSDT")
    exact = Fraction(basis_before * held_after, held_before)
    assert 0 <= portfolio.cost_basis("BTCUSDT") - exact < 1


@settings(max_examples=100, deadline=None)
@given(
    legs=st.lists(
        st.tuples(st.sampled_from(Side), st.integers(1, 5_000), st.integers(1, 500_000)),
        min_size=1,
        max_size=25,
    )
)
def test_perpetual_round_trips_realize_exactly_the_cash(kit, legs):
    """Flat again after any sequence of longs, shorts and flips, realized PnL equals the
    net cash of the fills, micro for micro."""
    portfolio = Portfolio({"USDT": 10**15}, instruments=[kit.PERP])
    net_cash = 0
    for ts_ns, (side, size, price) in enumerate(legs, start=1):
        fill = kit.make_fill(kit.PERP, side, price, size, ts_ns=ts_ns)
        portfolio.apply_fill(fill)
        net_cash += fill.cash_micros
        position = portfolio.position("ETHPERP")
        basis = portfolio.cost_basis("ETHPERP")
        assert (position > 0 and basis >= 0) or (position < 0 and basis <= 0) or position == 0
    position = portfolio.position("ETHPERP")
    if position:
        close_side = Side.SELL if position > 0 else Side.BUY
        fill = kit.make_fill(kit.PERP, close_side, 1_000, abs(position), ts_ns=len(legs) + 1)
        portfolio.apply_fill(fill)
        net_cash += fill.cash_micros
    assert portfolio.positions() == {}
    assert portfolio.realized_pnl("USDT") == net_cash
    kit.check_invariants(portfolio)
