"""Brute-force ground truth for planted arbitrage: every basket size, every level, by hand.

This module is deliberately independent of ``book/`` and ``strategy/arbitrage``: it walks
plain level lists, one size step at a time, and computes the Polymarket fee of every level
fill from its formula (``C x rate x (p(1 - p))^e``, truncated to 5 decimals: 0.00001 = 10
micro-units) in exact integers. Tests compare the scanner with it.

Units: prices in 0.0001 (``ONE`` = 10000 = 1.0); level sizes in whole shares; basket sizes
in steps of ``10**-lot_decimals`` shares (0: whole shares; 2: 0.01 share, Polymarket's
order size precision); money in micro-units (10**-6) of the collateral, exact at both.

With no fee, profit is linear between the level boundaries (whole shares), so whole-share
sizes find the optimum; a fee truncated per fill or a capital cap can put it between whole
shares, so use ``lot_decimals=2`` there.

Basket conventions (``profit = payout - cost - fees``, capital = ``cost + fees``):

- ``binary_long``: buy YES and NO; payout 1 a share.
- ``binary_short``: split 1 a share into YES + NO and sell both: ``cost`` is the
  collateral, ``payout`` the sale proceeds.
- ``group_yes``: buy every YES of an exhaustive group; payout 1 a share.
- ``group_no``: buy every NO of a group of N; payout N - 1 a share (held to resolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

ONE = 10_000
FEE_QUANTUM_MICROS = 10
"""Fees are truncated to 5 decimals: 0.00001 = 10 micro-units."""

Levels = Sequence[tuple[int, int | Decimal | str]]
"""Best-first ``(price units, shares)``; shares whole, or exact decimals (as the venue sent
them) that are whole multiples of the size step."""


@dataclass(frozen=True, slots=True)
class FeeRule:
    """Polymarket's taker fee ``C x rate x (p(1 - p))^exponent`` (rate 0: no fee)."""

    rate: Fraction = Fraction(0)
    exponent: int = 1

    def fee_micros(self, price: int, shares: int, lot_decimals: int = 0) -> int:
        """The fee of one fill of ``shares`` (in ``10**-lot_decimals`` shares) at ``price``."""
        if not self.rate or not shares:
            return 0
        rate = Fraction(self.rate)
        numerator = shares * rate.numerator * (price * (ONE - price)) ** self.exponent * 100_000
        denominator = rate.denominator * ONE ** (2 * self.exponent) * 10**lot_decimals
        return numerator // denominator * FEE_QUANTUM_MICROS


class FeeFunction(Protocol):
    def fee_micros(self, price: int, shares: int, lot_decimals: int = 0) -> int: ...


@dataclass(frozen=True, slots=True)
class BasketLeg:
    """One leg: ``buy`` walks asks (pays), else walks bids (receives); ``fees`` overrides
    the basket's fee rule for this leg (another venue)."""

    instrument: str
    buy: bool
    levels: Levels
    fees: FeeFunction | None = None


@dataclass(frozen=True, slots=True)
class LegFill:
    instrument: str
    buy: bool
    worst_price: int
    size: int
    cash_micros: int
    fee_micros: int


@dataclass(frozen=True, slots=True)
class Basket:
    """The best basket of one kind; ``size`` in ``10**-lot_decimals`` shares."""

    kind: str
    group: str
    size: int
    lot_decimals: int
    cost_micros: int
    fees_micros: int
    payout_micros: int
    profit_micros: int
    legs: tuple[LegFill, ...]

    @property
    def capital_micros(self) -> int:
        return self.cost_micros + self.fees_micros

    def as_dict(self) -> dict:
        size = _decimal(self.size, self.lot_decimals)
        return {
            "kind": self.kind,
            "group": self.group,
            "size": size,
            "cost": _decimal(self.cost_micros, 6),
            "fees": _decimal(self.fees_micros, 6),
            "guaranteed_payout": _decimal(self.payout_micros, 6),
            "profit": _decimal(self.profit_micros, 6),
            "legs": [
                {
                    "instrument": leg.instrument,
                    "side": "buy" if leg.buy else "sell",
                    "price_limit": _decimal(leg.worst_price, 4),
                    "size": size,
                    "cost": _decimal(leg.cash_micros if leg.buy else -leg.cash_micros, 6),
                    "fee": _decimal(leg.fee_micros, 6),
                }
                for leg in self.legs
            ],
        }


def _decimal(units: int, decimals: int) -> str:
    if decimals == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def in_lots(shares: int | Decimal | str, lot_decimals: int) -> int:
    """``shares`` in steps of ``10**-lot_decimals``; ValueError if not a whole number of them."""
    lots = Fraction(Decimal(shares)) * 10**lot_decimals
    if lots.denominator != 1:
        raise ValueError(f"{shares} shares is not a whole number of 10**-{lot_decimals} steps")
    return int(lots)


def walk(
    levels: Levels, size: int, fees: FeeRule, lot_decimals: int = 0
) -> tuple[int, int, int] | None:
    """Take ``size`` (in ``10**-lot_decimals`` shares) from best-first ``levels``.

    Returns ``(notional micros, fee micros, worst price)`` or None when the depth is short.
    Each level touched is one fill, with its own truncated fee.
    """
    left = size
    notional = fee = worst = 0
    for price, shares in levels:
        if left == 0:
            break
        take = min(left, in_lots(shares, lot_decimals))
        notional += price * take * 10 ** (2 - lot_decimals)
        fee += fees.fee_micros(price, take, lot_decimals)
        worst = price
        left -= take
    return None if left else (notional, fee, worst)


class _LegState:
    """A leg walked one size step at a time: full levels' cash and fees, and the partial
    fill of the current level."""

    def __init__(self, leg: BasketLeg, fees: FeeFunction, lot_decimals: int) -> None:
        self.leg, self.fees, self.d = leg, leg.fees or fees, lot_decimals
        self.levels = [(price, in_lots(shares, lot_decimals)) for price, shares in leg.levels]
        self.index = 0
        self.taken = 0  # in the current level
        self.full_cash = self.full_fee = 0

    def step(self) -> None:
        """Take one more size step (the caller checks the depth)."""
        if self.taken == self.levels[self.index][1]:
            price, size = self.levels[self.index]
            self.full_cash += price * size * 10 ** (2 - self.d)
            self.full_fee += self.fees.fee_micros(price, size, self.d)
            self.index += 1
            self.taken = 0
        self.taken += 1

    def totals(self) -> tuple[int, int, int]:
        price = self.levels[self.index][0]
        cash = self.full_cash + price * self.taken * 10 ** (2 - self.d)
        return cash, self.full_fee + self.fees.fee_micros(price, self.taken, self.d), price


def best_basket(
    kind: str,
    group: str,
    legs: Sequence[BasketLeg],
    *,
    payout_per_share_micros: int,
    short: bool = False,
    fees: FeeFunction = FeeRule(),
    min_shares: int = 1,
    lot_decimals: int = 0,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
) -> tuple[Basket | None, int]:
    """Try every basket size, one step of ``10**-lot_decimals`` shares at a time, from
    ``min_shares`` to the thinnest leg's depth.

    A long basket pays ``payout_per_share_micros`` a share; a ``short`` one costs that much
    collateral a share and receives its sales. Returns the most profitable basket (the
    smallest size among equals) whose capital fits, or None when no size makes more than
    ``min_profit_micros`` (and at least 1 micro-unit), and the number of sizes reaching
    the best profit (1 when the optimum is unique).
    """
    if not legs:
        return None, 0
    lot = 10**lot_decimals
    states = [_LegState(leg, fees, lot_decimals) for leg in legs]
    depth = min(sum(size for _, size in state.levels) for state in states)
    best: Basket | None = None
    ties = 0
    first = max(min_shares * lot, 1)
    for size in range(1, depth + 1):
        for state in states:
            state.step()
        if size < first:
            continue
        totals = [state.totals() for state in states]
        cash = sum(t[0] if s.leg.buy else -t[0] for t, s in zip(totals, states, strict=True))
        fee_total = sum(t[1] for t in totals)
        base = payout_per_share_micros * size // lot
        cost, payout = (base, -cash) if short else (cash, base)
        profit = payout - cost - fee_total
        if max_capital_micros is not None and cost + fee_total > max_capital_micros:
            continue
        if best is None or profit > best.profit_micros:
            fills = tuple(
                LegFill(s.leg.instrument, s.leg.buy, worst, size, leg_cash, leg_fee)
                for (leg_cash, leg_fee, worst), s in zip(totals, states, strict=True)
            )
            best = Basket(kind, group, size, lot_decimals, cost, fee_total, payout, profit, fills)
            ties = 1
        elif profit == best.profit_micros:
            ties += 1
    if best is None or best.profit_micros < max(min_profit_micros, 1):
        return None, 0
    return best, ties
