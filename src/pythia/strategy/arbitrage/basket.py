"""Baskets of outcome-token legs and their exact profit at a basket size.

A basket takes, for every basket unit, ``ratio`` size units on each leg: a BUY leg walks
its asks, a SELL leg its bids (see :mod:`.levels` for where the levels come from). Each
level a leg takes is one fill, charged exactly as the simulator charges it: cash is the
notional rounded against us (a buy pays ``ceil``, a sale receives ``floor``, as
:func:`pythia.sim.cash.fill_cash_micros`) and the fee is the venue model's
``fee_micros(instrument, price, size_taken, Liquidity.TAKER)`` with its own rounding.

Conventions, all integers in micro-units of the quote currency:

- A **long** basket (``short=False``: BINARY_LONG, GROUP_YES, GROUP_NO, CROSS_VENUE) buys
  every leg. ``cost`` is the cash the legs pay, ``guaranteed_payout`` is ``payout_tokens``
  tokens of 1 per basket unit, the least the basket pays in any outcome (rounded down).
- A **short** basket (``short=True``: BINARY_SHORT) first splits collateral into complete
  sets and sells every leg. ``cost`` is the collateral split (rounded up), and
  ``guaranteed_payout`` the cash the sales receive, which the fills guarantee at once.
  Each leg's ``cost_micros`` is negative: cash received.
- ``profit = guaranteed_payout - cost - fees`` in both; capital = cost + fees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pythia.core.fixed import MONEY_DECIMALS, pow10
from pythia.model.enums import Side
from pythia.model.events import Level
from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument
from pythia.sim.models.base import FeeModel
from pythia.strategy.arbitrage.model import Leg, Opportunity, OpportunityKind

TAKER = Liquidity.TAKER


@dataclass(slots=True)
class BasketLeg:
    """One leg: ``ratio`` size units of ``instrument`` per basket unit, taken from
    ``levels`` (best first) on ``side``, charged by ``fee_model``.

    ``fetch(depth)`` returns the first ``depth`` levels (all with None); when given, levels
    are read lazily, doubling the depth each time the walk needs more, so a sweep that stops
    after a few levels never copies a deep book.
    """

    instrument: Instrument
    side: Side
    levels: list[Level]
    ratio: int
    fee_model: FeeModel
    fetch: Callable[[int | None], list[Level]] | None = None

    def has_level(self, index: int) -> bool:
        """Make sure ``levels[index]`` is loaded if the book has it; return whether it has."""
        while index >= len(self.levels) and self.fetch is not None:
            depth = max(8, 2 * len(self.levels)) if len(self.levels) < 64 else None
            levels = self.fetch(depth)
            if depth is None or len(levels) < depth:
                self.fetch = None
            self.levels = levels
        return index < len(self.levels)

    def cash_terms(self) -> tuple[int, int, int]:
        """``(sign, multiplier, divisor)``: a fill's cost is
        ``sign * round(price * size * multiplier / divisor)``, rounded against us."""
        decimals = self.instrument.price_decimals + self.instrument.size_decimals
        sign = 1 if self.side is Side.BUY else -1
        if decimals <= MONEY_DECIMALS:
            return sign, pow10(MONEY_DECIMALS - decimals), 1
        return sign, 1, pow10(decimals - MONEY_DECIMALS)


def fill_cost_micros(sign: int, multiplier: int, divisor: int, price: int, size: int) -> int:
    """The cost of one fill (negative when cash is received), rounded against us."""
    numerator = price * size * multiplier
    if sign > 0:
        return -(-numerator // divisor)
    return -(numerator // divisor)


@dataclass(slots=True)
class Basket:
    """Legs traded together, and what one basket unit pays."""

    kind: OpportunityKind
    group: str
    currency: str
    legs: list[BasketLeg]
    decimals: int
    """Size decimals of the basket (the finest among the legs)."""
    step: int
    """One basket unit in ``10**-decimals``: a whole lot of every leg."""
    payout_tokens: int
    """Tokens of 1 paid per unit (long), or collateral split per unit (short)."""
    short: bool = False
    notes: tuple[str, ...] = ()

    @property
    def min_units(self) -> int:
        """The fewest basket units that meet every leg's minimum size (at least 1)."""
        units = 1
        for leg in self.legs:
            units = max(units, -(-leg.instrument.min_size // leg.ratio))
        return units

    def base_micros(self, units: int) -> int:
        """The payout of a long basket (rounded down), or minus the collateral of a short
        one (rounded up)."""
        numerator = self.payout_tokens * units * self.step * pow10(MONEY_DECIMALS)
        divisor = pow10(self.decimals)
        return (-numerator) // divisor if self.short else numerator // divisor

    def base_scaled_slope(self, scale: int) -> int:
        """The exact base per unit times ``scale`` (``scale`` a multiple of 10**decimals)."""
        slope = self.payout_tokens * self.step * pow10(MONEY_DECIMALS) * scale
        slope //= pow10(self.decimals)
        return -slope if self.short else slope


def leg_fills(leg: BasketLeg, size: int) -> tuple[int, int, int]:
    """Walk ``size`` on a leg: ``(cost_micros, fee_micros, worst_price)``, one fill a level."""
    sign, multiplier, divisor = leg.cash_terms()
    instrument, fee_model = leg.instrument, leg.fee_model
    cost = fee = 0
    worst = 0
    remaining = size
    index = 0
    while remaining > 0 and leg.has_level(index):
        price, available = leg.levels[index]
        index += 1
        take = available if available < remaining else remaining
        cost += fill_cost_micros(sign, multiplier, divisor, price, take)
        fee += fee_model.fee_micros(instrument, price, take, TAKER)
        worst = price
        remaining -= take
    if remaining > 0:
        raise ValueError(f"{instrument.id}: levels hold less than {size}")
    return cost, fee, worst


def basket_profit(basket: Basket, units: int) -> tuple[int, int]:
    """``(profit, capital)`` of ``units`` basket units, exactly (a plain walk of every leg)."""
    cash = fees = 0
    for leg in basket.legs:
        cost, fee, _ = leg_fills(leg, units * leg.ratio)
        cash += cost
        fees += fee
    base = basket.base_micros(units)
    capital = (-base + fees) if basket.short else cash + fees
    return base - cash - fees, capital


def build_opportunity(basket: Basket, units: int, notes: tuple[str, ...] = ()) -> Opportunity:
    """The opportunity of ``units`` basket units, with each leg's price limit, cost and fee."""
    legs = []
    cash = fees = 0
    for leg in basket.legs:
        size = units * leg.ratio
        cost, fee, worst = leg_fills(leg, size)
        instrument = leg.instrument
        legs.append(
            Leg(
                venue=instrument.venue,
                instrument_id=instrument.id,
                side=leg.side,
                price_limit=worst,
                size=size,
                price_decimals=instrument.price_decimals,
                size_decimals=instrument.size_decimals,
                cost_micros=cost,
                fee_micros=fee,
            )
        )
        cash += cost
        fees += fee
    base = basket.base_micros(units)
    if basket.short:
        cost_micros, payout = -base, -cash
    else:
        cost_micros, payout = cash, base
    return Opportunity(
        kind=basket.kind,
        group=basket.group,
        currency=basket.currency,
        legs=tuple(legs),
        size=units * basket.step,
        size_decimals=basket.decimals,
        cost_micros=cost_micros,
        fees_micros=fees,
        guaranteed_payout_micros=payout,
        profit_micros=payout - cost_micros - fees,
        notes=basket.notes + notes,
    )
