"""Shared instruments and a filled-in view for the risk tests.

Units: a prediction token has 4 price decimals (0.01 tick = 100) and 6 size decimals
(1 contract = 1_000_000); cash is micro-units; the Betfair runner is the real parser's
(odds and stake at 2 decimals); BTCUSDT has 2 price and 5 size decimals.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from pythia.data.synthetic import synthetic_token
from pythia.model.enums import Side
from pythia.model.instruments import (
    CryptoPerpetual,
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    crypto_instrument,
)
from pythia.model.orders import OrderRequest, OrderType
from pythia.model.ticks import TickScheme
from pythia.risk import ControlMode, MemoryRiskView
from pythia.venues.betfair.parse import runner_token

NOW_NS = 1_700_000_000_000_000_000
ONE = 1_000_000  # one contract (6 size decimals) or one currency unit in micros


def token(instrument_id: str, group_id: str | None) -> OutcomeToken:
    """A Polymarket-style token on the 0.01 grid (the synthetic token, renamed)."""
    base = synthetic_token(tick=100, symbol=instrument_id)
    return replace(base, id=instrument_id, venue="polymarket", group_id=group_id)


YES = token("pm:yes", "pm:binary")
NO = token("pm:no", "pm:binary")
BINARY = OutcomeGroup("pm:binary", "polymarket", GroupKind.BINARY, ("pm:yes", "pm:no"))
A, B, C = (token(f"pm:{name}", "pm:event") for name in "abc")
EVENT = OutcomeGroup("pm:event", "polymarket", GroupKind.NEG_RISK, ("pm:a", "pm:b", "pm:c"))
LONER = token("pm:loner", None)
RUNNER = runner_token("1.2", "44")
BTC = crypto_instrument("binance:BTCUSDT", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
PERP = CryptoPerpetual(
    id="bybit:BTCPERP",
    venue="bybit",
    symbol="BTCPERP",
    kind=InstrumentKind.CRYPTO_PERPETUAL,
    price_decimals=1,
    size_decimals=0,
    ticks=TickScheme.uniform(1, 1, 10**12),
    min_size=1,
    quote_currency="USDT",
    base_currency="BTC",
    settle_currency="USDT",
    contract_size="0.001",
)
ALL = (YES, NO, A, B, C, LONER, RUNNER, BTC, PERP)


def new_view() -> MemoryRiskView:
    """Every instrument known, synced and fresh, with a mid and some cash; flat."""
    view = MemoryRiskView(now=NOW_NS)
    view.add(*ALL, BINARY, EVENT)
    for instrument in ALL:
        view.books[instrument.id] = (True, NOW_NS)
    view.mids.update(
        {YES.id: 5000, NO.id: 5000, A.id: 3000, B.id: 3000, C.id: 3000, LONER.id: 5000}
    )
    view.mids.update({RUNNER.id: 300, BTC.id: 6_000_000, PERP.id: 600_000})
    view.cash.update({"USDC": 1000 * ONE, "GBP": 100 * ONE, "USDT": 100_000 * ONE})
    return view


def order(
    instrument_id: str,
    side: Side = Side.BUY,
    size: int = ONE,
    price: int | None = 5000,
    **fields,
) -> OrderRequest:
    """A limit order (a market order when ``price`` is None)."""
    if price is None:
        fields.setdefault("order_type", OrderType.MARKET)
    return OrderRequest("c1", instrument_id, side, size, price, **fields)


def verdict(rule, request: OrderRequest, view, mode: ControlMode = ControlMode.NORMAL):
    """``None`` for a pass, else the reject reason code."""
    decision = rule.check(request, view, mode)
    return None if decision is None else decision.reason


@pytest.fixture
def view() -> MemoryRiskView:
    return new_view()


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The builders and instruments above (test modules cannot import conftest)."""
    return SimpleNamespace(
        NOW_NS=NOW_NS,
        ONE=ONE,
        YES=YES,
        NO=NO,
        BINARY=BINARY,
        A=A,
        B=B,
        C=C,
        EVENT=EVENT,
        LONER=LONER,
        RUNNER=RUNNER,
        BTC=BTC,
        PERP=PERP,
        new_view=new_view,
        order=order,
        verdict=verdict,
    )
