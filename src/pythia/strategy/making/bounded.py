"""Quoting outcome tokens: prices bounded in [0, 1], a horizon at resolution, YES/NO as one book.

The quoting models (:mod:`pythia.strategy.making.models`) assume an unbounded mid. Here:

- volatility lives in logit space, ``x = ln(p / (1 - p))`` with ``dx = sigma_x dW``, so the
  price-space volatility is ``p (1 - p) sigma_x`` and inventory risk shrinks near 0 and 1;
  depths computed in logit space map back with :func:`logit_quotes`;
- model prices (floats, as fractions of 1) become grid prices (integers in the instrument's
  price units) with :func:`grid_quotes`: the bid rounds down and the ask up (away from the
  mid), both inside ``[tick, 1 - tick]``;
- the horizon ``T - t`` is the time to resolution and the inventory cap shrinks towards it
  (:func:`inventory_cap`);
- fees and rebates floor the half-spread (:func:`spread_floor`);
- a NO bid at ``x`` is a YES ask at ``1 - x``: quotes are made in YES space and routed to
  YES or NO orders by what is held (:func:`single_book_legs`); an outcome group's exposure
  is the spread of its payoffs over the possible winners (:func:`group_exposure`).

>>> round(price_volatility(0.9, 2.0), 6)
0.18
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pythia.model.enums import Side
from pythia.model.ticks import TickScheme
from pythia.strategy.making.models import Depths

NS_PER_S = 1_000_000_000
GRID_TOLERANCE_UNITS = 1e-9
"""Float noise forgiven when a model price lands on a grid point (0.55 * 10**4 is not 5500)."""


# ---- logit space ---------------------------------------------------------------------------


def logit(p: float) -> float:
    """Return ``ln(p / (1 - p))`` for ``0 < p < 1``."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"logit needs 0 < p < 1, got {p}")
    return math.log(p / (1.0 - p))


def expit(x: float) -> float:
    """Return ``1 / (1 + exp(-x))`` without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def price_volatility(p: float, sigma_logit: float) -> float:
    """Return the price-space volatility ``p (1 - p) sigma_logit`` at probability ``p``."""
    return p * (1.0 - p) * sigma_logit


def logit_volatility(p: float, sigma_price: float) -> float:
    """Return the logit-space volatility ``sigma_price / (p (1 - p))`` (inverse of the above)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"needs 0 < p < 1, got {p}")
    return sigma_price / (p * (1.0 - p))


def logit_quotes(p_mid: float, depths: Depths) -> tuple[float | None, float | None]:
    """Map logit-space depths around ``logit(p_mid)`` back to probabilities ``(bid, ask)``.

    Both stay strictly inside (0, 1) whatever the depths.
    """
    x = logit(p_mid)
    bid = None if depths.bid is None else expit(x - depths.bid)
    ask = None if depths.ask is None else expit(x + depths.ask)
    return bid, ask


# ---- the grid ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GridQuotes:
    """Quotes on the venue grid, in price units; ``None`` where a side is not quoted."""

    bid: int | None
    ask: int | None


def grid_quotes(bid: float | None, ask: float | None, ticks: TickScheme, one: int) -> GridQuotes:
    """Round model prices (fractions of 1) to the grid, away from the mid, in ``[tick, 1 - tick]``.

    ``one`` is the price units of 1.0 (``Instrument.one``). The bid rounds down and the ask up
    (a band edge of a tapered scheme counts as a grid point); both are then clamped to
    ``[tick, one - tick]`` and the scheme's bounds. If clamping makes them meet (or the model
    quotes cross), the bid steps one tick below the ask at the top edge, else the ask one tick
    above the bid (``None`` if there is no room).

    >>> scheme = TickScheme.uniform(10, 10, 9990)  # 0.001 .. 0.999 at 4 decimals
    >>> grid_quotes(0.4567, 0.4612, scheme, 10_000)
    GridQuotes(bid=4560, ask=4620)
    """
    low, high = _bounds(ticks, one)
    bid_units = None if bid is None else math.floor(bid * one + GRID_TOLERANCE_UNITS)
    ask_units = None if ask is None else math.ceil(ask * one - GRID_TOLERANCE_UNITS)
    bid_grid = None if bid_units is None else ticks.round_price(bid_units, up=False)
    ask_grid = None if ask_units is None else ticks.round_price(ask_units, up=True)
    if bid_grid is not None:
        bid_grid = min(max(bid_grid, low), high)
    if ask_grid is not None:
        ask_grid = min(max(ask_grid, low), high)
    if bid_grid is not None and ask_grid is not None and bid_grid >= ask_grid:
        if ask_grid >= high:
            bid_grid = _step(ticks, ask_grid, down=True, low=low, high=high)
        else:
            ask_grid = _step(ticks, bid_grid, down=False, low=low, high=high)
    return GridQuotes(bid_grid, ask_grid)


def _bounds(ticks: TickScheme, one: int) -> tuple[int, int]:
    low = ticks.round_price(max(ticks.price_min, ticks.tick_at(ticks.price_min)), up=True)
    high = ticks.round_price(min(ticks.price_max, one - ticks.tick_at(one - 1)), up=False)
    return low, high


def _step(ticks: TickScheme, price: int, *, down: bool, low: int, high: int) -> int | None:
    """The grid price one tick beyond ``price`` (down or up), or None outside ``low..high``."""
    stepped = price - ticks.tick_at(price - 1) if down else price + ticks.tick_at(price)
    stepped = ticks.round_price(stepped, up=not down)
    return stepped if low <= stepped <= high and stepped != price else None


# ---- horizon, inventory, fees --------------------------------------------------------------


def time_to_resolution_s(now_ns: int, resolution_ns: int) -> float:
    """Return ``T - t`` in seconds (0 once resolution is due)."""
    return max(resolution_ns - now_ns, 0) / NS_PER_S


def inventory_cap(max_inventory: int, time_left_s: float, ramp_s: float, floor: int = 0) -> int:
    """Return the inventory bound ``Q`` for the time left before resolution.

    Schedule: the full ``max_inventory`` while at least ``ramp_s`` seconds remain, then a
    linear ramp down to ``floor`` at resolution, rounded down to whole units:
    ``Q(t) = floor + (max - floor) * min(1, (T - t) / ramp)``. Linear, because the inventory
    a maker can work off by quoting is proportional to the time left at a given fill rate;
    the bound is never below ``floor`` (0: no new risk at resolution, only reducing quotes).
    """
    if max_inventory < floor or floor < 0:
        raise ValueError(f"need 0 <= floor <= max_inventory, got {floor}, {max_inventory}")
    if ramp_s <= 0 or time_left_s >= ramp_s:
        return max_inventory
    fraction = max(time_left_s, 0.0) / ramp_s
    return floor + math.floor((max_inventory - floor) * fraction + 1e-12)


def jump_risk_cap(p: float, variance_limit: float) -> int:
    """Return the largest ``|q|`` whose jump-to-resolution variance ``p (1 - p) q^2`` stays
    within ``variance_limit`` (in squared payout units); unbounded at ``p`` 0 or 1 is
    reported as a very large number."""
    spread = p * (1.0 - p)
    if spread <= 0:
        return 2**62
    return math.floor(math.sqrt(variance_limit / spread) + 1e-12)


def spread_floor(
    maker_fee: float,
    maker_rebate: float = 0.0,
    min_edge: float = 0.0,
    taker_fee: float = 0.0,
    taker_fraction: float = 0.0,
) -> float:
    """Return the smallest half-spread (depth) worth quoting, per unit, in price units.

    ``maker_fee - maker_rebate + taker_fraction * taker_fee + min_edge``, never below 0: a
    fill must pay its own maker fee (less any rebate), the share ``taker_fraction`` of
    inventory expected to be closed by taking pays the taker fee, and ``min_edge`` is kept.
    Fees are per unit at the quote's price (venue formulas, computed by the caller).
    """
    return max(0.0, maker_fee - maker_rebate + taker_fraction * taker_fee + min_edge)


def floor_depths(depths: Depths, floor: float) -> Depths:
    """Return ``depths`` with each quoted side at least ``floor`` from the mid."""
    bid = None if depths.bid is None else max(depths.bid, floor)
    ask = None if depths.ask is None else max(depths.ask, floor)
    return Depths(bid, ask)


# ---- YES and NO as one book ----------------------------------------------------------------


class Token(enum.Enum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True, slots=True)
class Leg:
    """One order a YES-space quote turns into: buy or sell ``size`` of a token at ``price``."""

    token: Token
    side: Side
    price: int
    size: int


def complement_price(price: int, one: int) -> int:
    """Return the complementary token's price ``one - price`` (a NO bid at x is a YES ask
    at 1 - x)."""
    return one - price


def net_yes(yes_held: int, no_held: int) -> int:
    """Return the YES-equivalent inventory ``yes - no`` (a YES + NO pair is riskless)."""
    return yes_held - no_held


def single_book_legs(
    bid: int | None, ask: int | None, size: int, yes_held: int, no_held: int, one: int
) -> list[Leg]:
    """Turn YES-space quotes into orders, working inventory off rather than adding tokens.

    The YES ask sells held YES first and buys NO at ``one - ask`` for the rest; the YES bid
    sells held NO at ``one - bid`` first and buys YES for the rest. Either way the net YES
    inventory moves by ``size`` at the quoted YES price, and no sell exceeds what is held.

    >>> [(leg.token.value, leg.side.value, leg.price, leg.size)
    ...  for leg in single_book_legs(None, 60, 5, 3, 0, 100)]
    [('yes', 'sell', 60, 3), ('no', 'buy', 40, 2)]
    """
    legs: list[Leg] = []
    if ask is not None and size > 0:
        sell = min(max(yes_held, 0), size)
        if sell:
            legs.append(Leg(Token.YES, Side.SELL, ask, sell))
        if size - sell:
            legs.append(Leg(Token.NO, Side.BUY, complement_price(ask, one), size - sell))
    if bid is not None and size > 0:
        sell = min(max(no_held, 0), size)
        if sell:
            legs.append(Leg(Token.NO, Side.SELL, complement_price(bid, one), sell))
        if size - sell:
            legs.append(Leg(Token.YES, Side.BUY, bid, size - sell))
    return legs


def group_exposure(net: Sequence[int], exhaustive: bool = True) -> int:
    """Return an outcome group's exposure: the range of its payoffs over the possible winners.

    ``net[i]`` is the net YES inventory of outcome ``i``; if ``i`` wins the group pays
    ``net[i]`` plus a constant (what NO holdings pay whoever wins), so the risk is
    ``max(net) - min(net)``: holding one YES of every outcome (a complete set) is riskless.
    With ``exhaustive=False`` (augmented groups: no named outcome may win) the scenario
    "none wins" pays 0 and joins the range.
    """
    values = list(net) if exhaustive else [*net, 0]
    return max(values) - min(values) if values else 0


def group_room(
    net: Sequence[int], index: int, limit: int, exhaustive: bool = True
) -> tuple[int, int]:
    """Return ``(buy, sell)``: how much YES of outcome ``index`` may still be bought or sold
    (net) with the group's exposure at most ``limit``; 0 where the bound is already reached."""
    others = [value for i, value in enumerate(net) if i != index]
    if not exhaustive:
        others.append(0)
    if not others:
        return limit, limit
    current = net[index]
    buy = max(0, min(others) + limit - current)
    sell = max(0, current - (max(others) - limit))
    return buy, sell
