"""KernelRiskView: its figures equal a plain recomputation from the portfolio and the open
orders after any sequence of new orders, fills, cancels, marks and redefinitions.

The view keeps each open order's part of the totals between checks; the reference below
recomputes everything from the definitions of :class:`pythia.risk.rules.RiskView`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from enginekit import SHARE, pm_token
from pythia.engine.kernel import SimClock
from pythia.engine.riskview import KernelRiskView
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity
from pythia.model.instruments import Instrument, crypto_instrument
from pythia.model.orders import OrderRequest
from pythia.orders.manager import OrderManager, OrderState
from pythia.portfolio import Portfolio
from pythia.sim.cash import cash_to_lock, fill_cash_micros, is_odds
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.venues.betfair.parse import runner_token

TOKENS = [pm_token(f"pm:t{i}", market_id=f"m{i}") for i in range(3)]
RUNNER = runner_token("1.2", "44")
BTC = crypto_instrument("binance:BTCUSDT", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
INSTRUMENTS = [*TOKENS, RUNNER, BTC]
PRICES = {  # valid limit prices per instrument (price units)
    **{token.id: [100, 2500, 5000, 9900] for token in TOKENS},
    RUNNER.id: [101, 150, 300, 1000],
    BTC.id: [5_000_000, 6_000_000],
}
VENUES = ("polymarket", "betfair", "binance", "otc")
SIZES = {**{token.id: SHARE for token in TOKENS}, RUNNER.id: 100, BTC.id: 1000}


class _Kernel:
    """The parts of a kernel the view reads: a real portfolio and order manager."""

    def __init__(self) -> None:
        self.instruments: dict[str, Instrument] = {i.id: i for i in INSTRUMENTS}
        self.view = Portfolio(
            {"USDC": 10_000 * SHARE, "GBP": 5_000 * SHARE, "USDT": 10_000 * SHARE},
            {TOKENS[0].id: (20 * SHARE, 9 * SHARE), RUNNER.id: (-300 * 100, 40 * SHARE)},
            instruments=INSTRUMENTS,
        )
        self.orders = OrderManager()
        self.venues = {
            "polymarket": SimpleNamespace(fee_model=ProbabilityPowerFee(Decimal("0.072"))),
            "betfair": SimpleNamespace(fee_model=None),
        }
        self.books: dict = {}
        self.unsynced: set = set()
        self.book_updated_ns: dict = {}
        self.clock = SimClock()

    def _instrument(self, instrument_id: str) -> Instrument | None:
        return self.instruments.get(instrument_id)


def reference(kernel: _Kernel, checking: str) -> dict:
    """Every figure of the view, recomputed from scratch."""
    portfolio = kernel.view
    open_size: dict = defaultdict(int)
    locked: dict = defaultdict(int)
    gross: dict = defaultdict(int)
    gross_all: dict = defaultdict(int)
    net: dict = defaultdict(int)

    def add(instrument: Instrument, value: int) -> None:
        gross[(instrument.quote_currency, instrument.venue)] += abs(value)
        gross_all[instrument.quote_currency] += abs(value)
        net[instrument.quote_currency] += value

    for instrument_id, size in portfolio.positions().items():
        value = portfolio.market_value(instrument_id)
        if value is None:
            value = portfolio.cost_basis(instrument_id)
        add(kernel.instruments[instrument_id], value if size >= 0 else -abs(value))
    for order in kernel.orders.open_orders():
        request = order.request
        if request.client_order_id == checking:
            continue
        instrument = kernel.instruments[request.instrument_id]
        remaining = order.remaining
        odds = is_odds(instrument) and request.price is not None
        open_size[(instrument.id, request.side)] += remaining * request.price if odds else remaining
        if request.price is None:
            continue
        cash = abs(fill_cash_micros(instrument, request.side, request.price, remaining))
        fee_model = (
            kernel.venues[instrument.venue].fee_model if instrument.venue in kernel.venues else None
        )
        if fee_model is None:
            lock = cash if request.side is Side.BUY or is_odds(instrument) else 0
        else:
            lock = cash_to_lock(fee_model, instrument, request.side, request.price, remaining)
        exposure = lock or cash
        locked[instrument.quote_currency] += lock
        add(instrument, exposure if request.side is Side.BUY else -exposure)
    return {
        "position": {i.id: portfolio.position(i.id) for i in INSTRUMENTS},
        "open": {(i.id, s): open_size[(i.id, s)] for i in INSTRUMENTS for s in Side},
        "cash": {c: portfolio.available(c) - locked[c] for c in ("USDC", "GBP", "USDT")},
        "gross": {(c, v): gross[(c, v)] for c in ("USDC", "GBP", "USDT") for v in VENUES},
        "gross_all": {c: gross_all[c] for c in ("USDC", "GBP", "USDT")},
        "net": {c: net[c] for c in ("USDC", "GBP", "USDT")},
    }


def seen(view: KernelRiskView) -> dict:
    return {
        "position": {i.id: view.position(i.id) for i in INSTRUMENTS},
        "open": {(i.id, s): view.open_size(i.id, s) for i in INSTRUMENTS for s in Side},
        "cash": {c: view.available_cash(c) for c in ("USDC", "GBP", "USDT")},
        "gross": {
            (c, v): view.gross_exposure(c, v) for c in ("USDC", "GBP", "USDT") for v in VENUES
        },
        "gross_all": {c: view.gross_exposure(c) for c in ("USDC", "GBP", "USDT")},
        "net": {c: view.net_exposure(c) for c in ("USDC", "GBP", "USDT")},
    }


_operation = st.one_of(
    st.tuples(
        st.just("new"),
        st.sampled_from(INSTRUMENTS),
        st.sampled_from(list(Side)),
        st.integers(1, 9),
        st.integers(-1, 3),  # a price index; -1: no limit price
    ),
    st.tuples(st.just("fill"), st.integers(0, 50), st.integers(1, 9)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(
        st.just("bought"), st.sampled_from(INSTRUMENTS), st.integers(1, 5), st.integers(0, 1)
    ),
    st.tuples(st.just("mark"), st.sampled_from(TOKENS + [RUNNER]), st.integers(0, 3)),
    st.tuples(st.just("redefine"), st.sampled_from(TOKENS)),
    st.tuples(st.just("check"), st.integers(-1, 50)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_operation, max_size=40))
def test_view_equals_a_recomputation(operations):
    kernel = _Kernel()
    view = KernelRiskView(kernel)
    created: list = []
    trades = 0
    for operation in operations:
        kind = operation[0]
        if kind == "new":
            _, instrument, side, lots, price_index = operation
            price = (
                None
                if price_index < 0
                else PRICES[instrument.id][price_index % len(PRICES[instrument.id])]
            )
            request = OrderRequest(
                f"c{len(created)}", instrument.id, side, lots * SIZES[instrument.id], price
            )
            order = kernel.orders.create(request, 0)
            kernel.orders.transition(order, OrderState.SUBMITTED, 0)
            created.append(order)
        elif kind == "fill" and created:
            order = created[operation[1] % len(created)]
            if not order.is_open or order.request.price is None:
                continue
            size = min(order.remaining, operation[2] * SIZES[order.request.instrument_id] // 3 or 1)
            trades += 1
            kernel.orders.on_fill(
                FillReport(
                    order.request.instrument_id,
                    "v",
                    f"t{trades}",
                    order.request.side,
                    order.request.price,
                    size,
                    Liquidity.MAKER,
                    0,
                    "USDC",
                    0,
                    0,
                    client_order_id=order.client_order_id,
                )
            )
        elif kind == "cancel" and created:
            order = created[operation[1] % len(created)]
            if order.is_open:
                kernel.orders.transition(order, OrderState.CANCELLED, 0)
        elif kind == "bought":  # a fill reached the strategy's portfolio
            _, instrument, lots, index = operation
            trades += 1
            kernel.view.apply_fill(
                FillReport(
                    instrument.id,
                    "v",
                    f"t{trades}",
                    Side.BUY,
                    PRICES[instrument.id][index],
                    lots * SIZES[instrument.id],
                    Liquidity.TAKER,
                    0,
                    instrument.quote_currency,
                    0,
                    0,
                    cash_micros=fill_cash_micros(
                        instrument,
                        Side.BUY,
                        PRICES[instrument.id][index],
                        lots * SIZES[instrument.id],
                    ),
                )
            )
        elif kind == "mark":
            _, instrument, index = operation
            kernel.view.mark(instrument.id, PRICES[instrument.id][index])
        elif kind == "redefine":
            # a new definition of the same id (here on a venue without a fee model)
            current = kernel.instruments[operation[1].id]
            venue = "otc" if current.venue == "polymarket" else "polymarket"
            kernel.instruments[current.id] = replace(current, venue=venue)
        checking = ""
        if kind == "check" and created and operation[1] >= 0:
            checking = created[operation[1] % len(created)].client_order_id
        view.begin(checking)
        assert seen(view) == reference(kernel, checking)


def test_position_before_and_after_the_totals():
    """A position read before anything computes the totals, and after, agree."""
    kernel = _Kernel()
    view = KernelRiskView(kernel)
    view.begin("")
    before = {i.id: view.position(i.id) for i in INSTRUMENTS}
    view.gross_exposure("USDC")
    after = {i.id: view.position(i.id) for i in INSTRUMENTS}
    assert before == after == {i.id: kernel.view.position(i.id) for i in INSTRUMENTS}
    assert before[TOKENS[0].id] == 20 * SHARE and before[RUNNER.id] == -300 * 100
