"""Builders and brute-force oracles for the arbitrage detection tests.

The oracles share no code with the detector beyond the venue rules themselves (the fee
models, :func:`pythia.sim.cash.fill_cash_micros` and the ledger's commission): they merge
levels with a dict, walk every leg level by level for *every* basket size (or target payout)
and keep the first size with the largest profit.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil, floor, lcm
from types import SimpleNamespace

import pytest

from pythia.book import book_for
from pythia.model.enums import Side
from pythia.model.execution import Liquidity
from pythia.model.instruments import (
    GroupKind,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
    probability_scheme,
)
from pythia.model.ticks import TickScheme
from pythia.portfolio.valuation import commission_micros
from pythia.sim.cash import fill_cash_micros
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)

TAKER = Liquidity.TAKER

FEES = {
    "zero": SettlementOnlyFee(),
    "power": ProbabilityPowerFee(Decimal("0.072"), 1),
    "cent": CentRoundedProbabilityFee(),
    "bps": BpsFee(Decimal(0), Decimal(25)),
}


class FlatFee:
    """A fee model the optimizer does not know: 0.005 a fill, whatever the size."""

    def fee_micros(self, instrument, price, size, liquidity) -> int:
        return 5_000 if size else 0


def token(
    instrument_id: str,
    complement_id: str | None,
    *,
    price_decimals: int = 2,
    size_decimals: int = 0,
    tick: int = 1,
    min_size: int = 1,
    venue: str = "pm",
    currency: str = "USDC",
    market_id: str = "m",
) -> OutcomeToken:
    return OutcomeToken(
        id=instrument_id,
        venue=venue,
        symbol=instrument_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=price_decimals,
        size_decimals=size_decimals,
        ticks=probability_scheme(tick, price_decimals),
        min_size=min_size,
        quote_currency=currency,
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        market_id=market_id,
        outcome=instrument_id,
        complement_id=complement_id,
    )


def runner(instrument_id: str, *, min_size: int = 1) -> OutcomeToken:
    """A Betfair-like runner: odds and stakes at 2 decimals, GBP."""
    return OutcomeToken(
        id=instrument_id,
        venue="bf",
        symbol=instrument_id,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=2,
        size_decimals=2,
        ticks=TickScheme.uniform(1, 101, 100_000),
        min_size=min_size,
        quote_currency="GBP",
        price_space=PriceSpace.DECIMAL_ODDS,
        bounded=False,
        market_id="1.1",
        outcome=instrument_id,
    )


def book(instrument, bids=(), asks=()):
    result = book_for(instrument)
    result.apply_levels(list(bids), list(asks))
    return result


def pair_tokens(prefix: str = "", **kwargs) -> tuple[OutcomeToken, OutcomeToken]:
    return token(f"{prefix}Y", f"{prefix}N", **kwargs), token(f"{prefix}N", f"{prefix}Y", **kwargs)


def neg_risk(prefix: str, outcomes: int, *, augmented=False, winners=1, kind=None, **kwargs):
    """A group of ``outcomes`` YES tokens ``{prefix}Y{i}`` with NO complements; returns the
    group and an instrument mapping."""
    instruments = {}
    for i in range(outcomes):
        yes, no = f"{prefix}Y{i}", f"{prefix}N{i}"
        instruments[yes] = token(yes, no, market_id=f"{prefix}{i}", **kwargs)
        instruments[no] = token(no, yes, market_id=f"{prefix}{i}", **kwargs)
    group = OutcomeGroup(
        id=prefix,
        venue="pm",
        kind=kind or GroupKind.NEG_RISK,
        instrument_ids=tuple(f"{prefix}Y{i}" for i in range(outcomes)),
        number_of_winners=winners,
        augmented=augmented,
    )
    return group, instruments


# ---- probability oracle --------------------------------------------------------------------
def oracle_levels(tok, books, buying: bool, merge: bool = True):
    own = books[tok.id]
    native = own.asks() if buying else own.bids()
    other = books.get(tok.complement_id) if tok.complement_id else None
    derived = []
    if other is not None:
        derived = [(tok.one - p, s) for p, s in (other.bids() if buying else other.asks())]
    if not merge:
        return native or derived
    sizes: dict[int, int] = {}
    for price, size in native + derived:
        sizes[price] = max(sizes.get(price, 0), size)
    return sorted(sizes.items(), reverse=not buying)


def oracle_basket(
    tokens,
    books,
    fee_for,
    *,
    short=False,
    payout=1,
    merge=True,
    min_profit=0,
    cap=None,
    lot_for=None,
):
    """Brute force: ``(size in 10**-D, profit)`` of the first best basket size, or None."""
    decimals = max(t.size_decimals for t in tokens)
    step = 1
    for t in tokens:
        lot = lot_for(t) if lot_for else 10 ** max(0, t.price_decimals + t.size_decimals - 6)
        step = lcm(step, lot * 10 ** (decimals - t.size_decimals))
    side = Side.SELL if short else Side.BUY
    ladders = [oracle_levels(t, books, not short, merge) for t in tokens]
    best = None
    units = 0
    while True:
        units += 1
        sizes = [units * step // 10 ** (decimals - t.size_decimals) for t in tokens]
        if any(size > sum(s for _, s in lv) for size, lv in zip(sizes, ladders, strict=True)):
            return best
        if any(size < t.min_size for size, t in zip(sizes, tokens, strict=True)):
            continue
        cash = fees = 0
        for t, ladder, size in zip(tokens, ladders, sizes, strict=True):
            remaining = size
            for price, available in ladder:
                take = min(available, remaining)
                if take == 0:
                    break
                cash -= fill_cash_micros(t, side, price, take)
                fees += fee_for(t).fee_micros(t, price, take, TAKER)
                remaining -= take
        amount = Fraction(payout * units * step * 10**6, 10**decimals)
        if short:
            collateral = ceil(amount)
            profit, capital = -cash - collateral - fees, collateral + fees
        else:
            profit, capital = floor(amount) - cash - fees, cash + fees
        if cap is not None and capital > cap:
            continue
        if profit >= max(1, min_profit) and (best is None or profit > best[1]):
            best = (units * step, profit)


# ---- odds oracle ---------------------------------------------------------------------------
def _payouts(levels):
    """Payout of every whole stake 0..depth, walking the levels."""
    result = [0]
    for odds, size in levels:
        for _ in range(size):
            result.append(result[-1] + odds)
    return result


def oracle_odds(runners, books, *, back: bool, commission=0, min_profit=0, cap=None):
    """Brute force over every target payout: ``(key, profit)`` of the first best, or None."""
    stake_micros, payout_micros = 10**4, 10**2
    tables = [_payouts(books[r.id].bids() if back else books[r.id].asks()) for r in runners]
    mins = [r.min_size for r in runners]
    if any(len(t) - 1 < m for t, m in zip(tables, mins, strict=True)):
        return None
    if back:
        targets = range(1, min(t[-1] for t in tables) + 1)
    else:
        targets = range(
            max(t[m] for t, m in zip(tables, mins, strict=True)), max(t[-1] for t in tables) + 1
        )
    best = None
    for target in targets:
        stakes = []
        for table, low in zip(tables, mins, strict=True):
            if back:
                stake = next(x for x in range(low, len(table)) if table[x] >= target)
            else:
                stake = max(x for x in range(low, len(table)) if table[x] <= target)
            stakes.append(stake)
        payouts = [t[x] for t, x in zip(tables, stakes, strict=True)]
        total = sum(stakes) * stake_micros
        if back:
            nets = [p * payout_micros - total for p in payouts]
            capital, key = total, min(payouts)
        else:
            nets = [total - p * payout_micros for p in payouts]
            capital, key = sum(payouts) * payout_micros - total, max(payouts)
        profit = min(n - commission_micros(n, commission) for n in nets)
        if cap is not None and capital > cap:
            continue
        if profit >= max(1, min_profit) and (best is None or profit > best[1]):
            best = (key, profit)
    return best


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The builders and oracles above (test modules cannot import conftest)."""
    return SimpleNamespace(
        FEES=FEES,
        FlatFee=FlatFee,
        token=token,
        runner=runner,
        book=book,
        pair_tokens=pair_tokens,
        neg_risk=neg_risk,
        oracle_levels=oracle_levels,
        oracle_basket=oracle_basket,
        oracle_odds=oracle_odds,
    )
