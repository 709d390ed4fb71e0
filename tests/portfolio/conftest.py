"""Instruments and fill builders for the portfolio tests (venue-like precisions, no venue
code): Polymarket tokens (4 price / 6 size decimals, USDC), Kalshi tokens (4 / 2, USD),
Binance-like spot (2 / 5, USDT), a USDT perpetual (2 / 3) and Betfair runners (odds and
stakes at 2 decimals, GBP)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from pythia.core.fixed import MONEY_DECIMALS, Rounding, rescale
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity
from pythia.model.instruments import (
    GroupKind,
    Instrument,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
    crypto_instrument,
    probability_scheme,
)
from pythia.model.ticks import TickScheme
from pythia.portfolio import Portfolio


def token(
    instrument_id: str,
    complement_id: str | None,
    *,
    currency: str = "USDC",
    price_decimals: int = 4,
    size_decimals: int = 6,
    market_id: str = "m",
    group_id: str | None = None,
) -> OutcomeToken:
    return OutcomeToken(
        id=instrument_id,
        venue="test",
        symbol=instrument_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=price_decimals,
        size_decimals=size_decimals,
        ticks=probability_scheme(1, price_decimals),
        min_size=1,
        quote_currency=currency,
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        market_id=market_id,
        outcome=instrument_id,
        complement_id=complement_id,
        group_id=group_id,
    )


def runner(instrument_id: str, market_id: str = "1.23") -> OutcomeToken:
    return OutcomeToken(
        id=instrument_id,
        venue="test-exchange",
        symbol=instrument_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=2,
        size_decimals=2,
        ticks=TickScheme.uniform(1, 101, 100_000),
        min_size=1,
        quote_currency="GBP",
        price_space=PriceSpace.DECIMAL_ODDS,
        bounded=True,
        market_id=market_id,
        outcome=instrument_id,
        group_id=f"g{market_id}",
    )


def neg_risk_group(group_id: str, outcomes: int) -> tuple[OutcomeGroup, list[OutcomeToken]]:
    """A negRisk group of ``outcomes`` YES tokens ``{id}Y{i}`` with NO tokens ``{id}N{i}``."""
    tokens: list[OutcomeToken] = []
    for index in range(outcomes):
        yes, no = f"{group_id}Y{index}", f"{group_id}N{index}"
        market = f"{group_id}m{index}"
        tokens.append(token(yes, no, market_id=market, group_id=group_id))
        tokens.append(token(no, yes, market_id=market, group_id=group_id))
    group = OutcomeGroup(
        id=group_id,
        venue="test",
        kind=GroupKind.NEG_RISK,
        instrument_ids=tuple(f"{group_id}Y{i}" for i in range(outcomes)),
    )
    return group, tokens


BTC = crypto_instrument("BTCUSDT", "test", "BTCUSDT", 2, 5, "BTC", "USDT")
PERP = crypto_instrument("ETHPERP", "test", "ETHUSDT", 2, 3, "ETH", "USDT", settle="USDT")
PM_YES = token("PY", "PN")
PM_NO = token("PN", "PY")
K_YES = token("KY", "KN", currency="USD", size_decimals=2, market_id="KX")
K_NO = token("KN", "KY", currency="USD", size_decimals=2, market_id="KX")


def notional_micros(instrument: Instrument, price: int, size: int, side: Side) -> int:
    """Signed cash of a fill at ``price`` x ``size``, rounded against the trader."""
    decimals = instrument.price_decimals + instrument.size_decimals
    if side is Side.BUY:
        return -rescale(price * size, decimals, MONEY_DECIMALS, Rounding.CEILING)
    return rescale(price * size, decimals, MONEY_DECIMALS, Rounding.FLOOR)


def odds_cash_micros(odds: int, stake: int, side: Side) -> int:
    """Minus the stake of a back or the liability of a lay (2-decimal odds and stakes)."""
    if side is Side.BUY:
        return -rescale(stake, 2, MONEY_DECIMALS)
    return -rescale(stake * (odds - 100), 4, MONEY_DECIMALS)


def make_fill(
    instrument: Instrument,
    side: Side,
    price: int,
    size: int,
    *,
    cash_micros: int | None = None,
    fee_micros: int = 0,
    fee_currency: str | None = None,
    ts_ns: int = 1,
) -> FillReport:
    """A fill with ``cash_micros`` computed from price and size unless given."""
    if cash_micros is None:
        if instrument.price_space is PriceSpace.DECIMAL_ODDS:
            cash_micros = odds_cash_micros(price, size, side)
        else:
            cash_micros = notional_micros(instrument, price, size, side)
    return FillReport(
        instrument_id=instrument.id,
        venue_order_id="o1",
        trade_id=f"t{ts_ns}",
        side=side,
        price=price,
        size=size,
        liquidity=Liquidity.TAKER,
        fee_micros=fee_micros,
        fee_currency=instrument.quote_currency if fee_currency is None else fee_currency,
        ts_event_ns=ts_ns,
        ts_recv_ns=ts_ns,
        cash_micros=cash_micros,
    )


@dataclass(frozen=True)
class Snapshot:
    """Everything observable about a portfolio, to prove a rejection changed nothing."""

    balances: dict
    positions: dict
    costs: dict
    realized: dict
    fees: dict
    ledger_length: int


def snapshot(portfolio: Portfolio) -> Snapshot:
    currencies = set(portfolio.balances())
    return Snapshot(
        balances=portfolio.balances(),
        positions=portfolio.positions(),
        costs={i: portfolio.cost_basis(i) for i in portfolio.positions()},
        realized=portfolio.realized_pnl_by_instrument(),
        fees={c: portfolio.fees_paid(c) for c in currencies},
        ledger_length=len(portfolio.ledger),
    )


def check_invariants(portfolio: Portfolio) -> None:
    """The accounting identity per currency and the ledger replay, to the micro-unit."""
    starting = portfolio.starting_balances()
    currencies = set(starting) | set(portfolio.balances())
    for currency in currencies:
        open_cost = sum(
            portfolio.cost_basis(i)
            for i in portfolio.positions()
            if portfolio.instrument(i).quote_currency == currency
        )
        assert (
            starting.get(currency, 0)
            + portfolio.starting_cost_basis(currency)
            + portfolio.deposits(currency)
            + portfolio.realized_pnl(currency)
            - portfolio.fees_paid(currency)
            == portfolio.cash(currency) + open_cost
        ), currency
        moved = sum(e.amount for e in portfolio.ledger if e.is_cash and e.currency == currency)
        assert starting.get(currency, 0) + moved == portfolio.cash(currency), currency
        assert portfolio.cash(currency) >= 0
    start_positions = portfolio.starting_positions()
    touched = {e.instrument for e in portfolio.ledger if not e.is_cash} | set(start_positions)
    for instrument_id in touched:
        moved = sum(e.size_delta for e in portfolio.ledger if e.instrument == instrument_id)
        assert start_positions.get(instrument_id, 0) + moved == portfolio.position(instrument_id), (
            instrument_id
        )


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The builders and instruments above (test modules cannot import conftest)."""
    return SimpleNamespace(
        token=token,
        runner=runner,
        neg_risk_group=neg_risk_group,
        make_fill=make_fill,
        notional_micros=notional_micros,
        odds_cash_micros=odds_cash_micros,
        snapshot=snapshot,
        check_invariants=check_invariants,
        BTC=BTC,
        PERP=PERP,
        PM_YES=PM_YES,
        PM_NO=PM_NO,
        K_YES=K_YES,
        K_NO=K_NO,
    )
