"""Position sizing: fractional Kelly for binary contracts and mutually exclusive outcomes.

Exact: inputs are Fractions, Decimals, ints or decimal strings (never floats) and results
are Fractions. A contract pays 1 if its outcome wins, else 0; buying one costs its price
plus ``fee_per_unit`` (a flat fee per contract: for percentage or ``p(1 - p)`` formulas
pass the fee at the intended price, rounded up).

**Binary.** Buying YES at effective cost ``c = p + fee`` with belief ``q``: a stake of
fraction ``f`` of the bankroll buys ``f / c`` contracts, net odds ``b = (1 - c) / c``, and

    f* = (q*b - (1 - q)) / b = (q - c) / (1 - c)        (clamped at 0)

which is ``(q - p) / (1 - p)`` without fees (p = 0.4, q = 0.5: 1/6). When ``1 - q`` beats
the NO cost ``1 - p + fee`` the same formula buys NO. Fractional Kelly stakes
``fraction x f*``.

**Several mutually exclusive outcomes** (at most one wins; the list need not be
exhaustive, ``1 - sum(q)`` is the chance none wins). Maximising E[log wealth] with
``W_i = 1 - sum(f) + f_i / c_i`` has a closed form (Kelly 1956; Smoczynski & Tomkins 2010):
sort by expected return ``q_i / c_i``, descending; starting from ``R = 1`` add outcomes
while ``q_i / c_i > R`` and after each one set the reserve rate
``R = (1 - sum(q in set)) / (1 - sum(c in set))``; then ``f_i = q_i - R * c_i`` for the
chosen outcomes and 0 for the others. Each bet is held to resolution, contracts are
divisible and bought at the given cost (no depth limit). The fractional version scales
every stake by ``fraction`` (a mix of the Kelly portfolio and cash).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pythia.core.errors import ConfigError
from pythia.core.fixed import MONEY_DECIMALS, pow10

Exact = Fraction | Decimal | int | str
"""An exact number; floats are refused."""


def exact(value: Exact, what: str = "value") -> Fraction:
    """Return ``value`` as a Fraction; ``ConfigError`` for a float, a bool or a non-number."""
    if isinstance(value, float | bool):
        raise ConfigError(f"{what}: {value!r} is a float or bool; pass an exact number")
    try:
        return Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise ConfigError(f"{what}: not a number: {value!r}") from None


class BetSide(enum.Enum):
    YES = "yes"
    NO = "no"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class KellyBet:
    """Which token to buy, the fraction of the bankroll to spend on it (fees included) and
    the cost of one contract (price + fee, in currency units)."""

    side: BetSide
    fraction: Fraction
    cost_per_unit: Fraction


def kelly_binary(
    price: Exact, belief: Exact, fraction: Exact = 1, fee_per_unit: Exact = 0
) -> KellyBet:
    """Fractional Kelly for a binary contract whose YES trades at ``price`` (NO at
    ``1 - price``) when the chance of YES is ``belief``.

    >>> kelly_binary("0.4", "0.5").fraction
    Fraction(1, 6)
    >>> bet = kelly_binary("0.6", "0.3", fraction="0.5")
    >>> bet.side.value, bet.fraction, bet.cost_per_unit
    ('no', Fraction(1, 4), Fraction(2, 5))
    """
    p = exact(price, "price")
    q = exact(belief, "belief")
    scale = exact(fraction, "fraction")
    fee = exact(fee_per_unit, "fee_per_unit")
    if not 0 < p < 1 or not 0 <= q <= 1 or scale <= 0 or fee < 0:
        raise ConfigError(
            f"need 0 < price < 1, 0 <= belief <= 1, fraction > 0, fee >= 0: "
            f"{price}, {belief}, {fraction}, {fee_per_unit}"
        )
    for side, chance, cost in ((BetSide.YES, q, p + fee), (BetSide.NO, 1 - q, 1 - p + fee)):
        if chance > cost:  # implies cost < 1
            return KellyBet(side, scale * (chance - cost) / (1 - cost), cost)
    return KellyBet(BetSide.NONE, Fraction(0), p + fee)


def kelly_stake(
    bankroll_micros: int, bet: KellyBet, size_decimals: int = 0, lot_units: int = 1
) -> int:
    """The number of contracts to buy, in size units, rounded down to a multiple of
    ``lot_units``: ``bet.fraction x bankroll / bet.cost_per_unit``.

    >>> kelly_stake(1_000_000_000, kelly_binary("0.4", "0.5"), size_decimals=2, lot_units=100)
    41600
    """
    if bet.side is BetSide.NONE or bankroll_micros <= 0:
        return 0
    if lot_units <= 0:
        raise ConfigError(f"lot_units must be positive, got {lot_units}")
    units = (
        bet.fraction
        * bankroll_micros
        * pow10(size_decimals)
        / (bet.cost_per_unit * pow10(MONEY_DECIMALS))
    )
    return (units.numerator // units.denominator) // lot_units * lot_units


def kelly_multi(
    prices: Sequence[Exact],
    beliefs: Sequence[Exact],
    fraction: Exact = 1,
    fees: Sequence[Exact] | None = None,
) -> tuple[Fraction, ...]:
    """Fractions of the bankroll to spend on each of several mutually exclusive outcomes
    (same order as ``prices``), fees included; see the module docstring.

    >>> kelly_multi(["0.5", "0.3"], ["0.6", "0.3"])  # the fairly priced one hedges the first
    (Fraction(7, 20), Fraction(3, 20))
    >>> kelly_multi(["0.5", "0.4"], ["0.6", "0.3"])  # the overpriced one is left out
    (Fraction(1, 5), Fraction(0, 1))
    """
    costs = [
        exact(price, "price") + (0 if fees is None else exact(fees[i], "fee"))
        for i, price in enumerate(prices)
    ]
    chances = [exact(belief, "belief") for belief in beliefs]
    scale = exact(fraction, "fraction")
    if len(costs) != len(chances) or (fees is not None and len(fees) != len(costs)):
        raise ConfigError("prices, beliefs and fees need the same length")
    if any(cost <= 0 for cost in costs) or any(q < 0 for q in chances) or sum(chances) > 1:
        raise ConfigError("need costs > 0, beliefs >= 0 and sum(beliefs) <= 1")
    if scale <= 0:
        raise ConfigError(f"fraction must be positive, got {fraction}")
    order = sorted(range(len(costs)), key=lambda i: (-chances[i] / costs[i], i))
    reserve = Fraction(1)
    chosen: list[int] = []
    total_chance = total_cost = Fraction(0)
    for i in order:
        if chances[i] / costs[i] <= reserve:
            break
        chosen.append(i)
        total_chance += chances[i]
        total_cost += costs[i]
        # q_i / c_i > R and sum(q) <= 1 imply sum(c) < 1 (see docs/risk.md)
        reserve = (1 - total_chance) / (1 - total_cost)
    stakes = [Fraction(0)] * len(costs)
    for i in chosen:
        stakes[i] = scale * (chances[i] - reserve * costs[i])
    return tuple(stakes)
