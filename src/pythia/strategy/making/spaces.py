"""Price spaces of the quoting strategy: where the model's mid and depths live and how model
prices become orders on the instrument's grid.

- :class:`PlainSpace` (crypto, ``PriceSpace.QUOTE``): the model works in the quote currency
  (USDT), depths are currency amounts; the bid rounds down, the ask up, to the tick.
- :class:`ProbabilitySpace` (Polymarket, Kalshi: bounded tokens): the mid is a probability
  and the depths live in logit space (:mod:`pythia.strategy.making.bounded`); quotes map
  back with ``expit`` and round away from the mid inside ``[tick, 1 - tick]``.
- :class:`OddsSpace` (Betfair decimal odds): the model quotes the implied probability
  ``1 / odds`` exactly like :class:`ProbabilitySpace`; the probability bid becomes a *back*
  (``Side.BUY``) at the odds ``1 / p`` rounded *up* the ladder and the probability ask a *lay*
  (``Side.SELL``) at ``1 / p`` rounded *down*: both away from the mid. The book's bids are
  the odds available to back (``b``) and its asks the odds available to lay (``a > b``), so
  the probability touch is ``(1 / a, 1 / b)``. Positions are payout units (stake x odds).

In every space ``Side.BUY`` increases the position and "away from the mid" is the direction
:attr:`PriceSpace.buy_away` (-1: lower prices, +1: higher odds). Prices and sizes are
integers on the grid; floats live only between the model and :meth:`PriceSpace.quotes`.
Values for accounting are exact ``Fraction`` micro-units per position unit.
"""

from __future__ import annotations

import math
from fractions import Fraction

from pythia.core.fixed import MONEY_DECIMALS, pow10
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, PriceSpace
from pythia.model.ticks import TickScheme
from pythia.strategy.making.bounded import grid_quotes, logit_quotes
from pythia.strategy.making.models import Depths

MICROS = pow10(MONEY_DECIMALS)
ODDS_TOLERANCE = 1e-9


def step_price(ticks: TickScheme, price: int, up: bool) -> int | None:
    """The grid price one tick above (``up``) or below ``price``; None outside the grid."""
    if up:
        stepped = ticks.round_price(price + ticks.tick_at(price), up=True)
    else:
        stepped = ticks.round_price(price - ticks.tick_at(price - 1), up=False)
    if stepped == price or not ticks.price_min <= stepped <= ticks.price_max:
        return None
    return stepped


class PlainSpace:
    """Unbounded prices in the quote currency (crypto)."""

    bounded = False
    buy_away = -1

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.ticks = instrument.ticks
        self.scale = pow10(instrument.price_decimals)

    # ---- the model's view -----------------------------------------------------------------
    def mid(self, bid: int, ask: int) -> float:
        """The mid in model units (currency for plain prices, probability otherwise)."""
        return (bid + ask) / 2 / self.scale

    def price_of(self, price: int) -> float:
        """A grid price in model units."""
        return price / self.scale

    def lot_units(self, size: int, mid: float) -> float:
        """Position units one order of ``size`` adds at ``mid``."""
        return float(size)

    def quotes(self, mid: float, depths: Depths) -> tuple[int | None, int | None]:
        """Return ``(buy, sell)`` grid prices for model ``depths`` around ``mid``."""
        bid, ask = depths.prices(mid)
        tick = self.instrument.tick
        buy = None if bid is None else math.floor(bid * self.scale / tick + 1e-9) * tick
        sell = None if ask is None else math.ceil(ask * self.scale / tick - 1e-9) * tick
        if buy is not None and buy < self.ticks.price_min:
            buy = None
        if sell is not None:
            sell = max(sell, self.ticks.price_min)
        return buy, sell

    # ---- the grid ---------------------------------------------------------------------------
    def passive(self, side: Side, price: int, bid: int, ask: int) -> int | None:
        """``price`` moved so it rests (post-only): at most one tick inside the touch."""
        if side is Side.BUY:
            limit = step_price(self.ticks, ask, up=False)
            return None if limit is None else min(price, limit)
        limit = step_price(self.ticks, bid, up=True)
        return None if limit is None else max(price, limit)

    def away(self, side: Side, price: int, steps: int) -> int | None:
        """``price`` moved ``steps`` ticks away from the mid on ``side`` (None: off the grid)."""
        up = (side is Side.BUY) == (self.buy_away > 0)
        for _ in range(steps):
            stepped = step_price(self.ticks, price, up)
            if stepped is None:
                return None
            price = stepped
        return price

    # ---- accounting (exact) ---------------------------------------------------------------
    def position_delta(self, side: Side, price: int, size: int) -> int:
        """Position units a fill adds (signed)."""
        return size if side is Side.BUY else -size

    def unit_value(self, bid: int, ask: int) -> Fraction:
        """Micro-units of money one position unit is worth at the mid (exact)."""
        decimals = self.instrument.price_decimals + self.instrument.size_decimals
        return Fraction((bid + ask) * MICROS, 2 * pow10(decimals))

    def economic_cash(self, side: Side, price: int, size: int, cash_micros: int) -> int:
        """The cash a fill moves, economically (the venue's cash here)."""
        return cash_micros

    def settle_value(self, won: bool) -> Fraction:
        """Micro-units one position unit pays at resolution."""
        return Fraction(MICROS, pow10(self.instrument.size_decimals)) if won else Fraction(0)


class ProbabilitySpace(PlainSpace):
    """Bounded outcome tokens: a probability mid, logit-space depths."""

    bounded = True

    def __init__(self, instrument: Instrument) -> None:
        super().__init__(instrument)
        self.one = instrument.one

    def mid(self, bid: int, ask: int) -> float:
        return (bid + ask) / 2 / self.one

    def price_of(self, price: int) -> float:
        return price / self.one

    def quotes(self, mid: float, depths: Depths) -> tuple[int | None, int | None]:
        """Logit depths around ``logit(mid)``, rounded away from the mid in [tick, 1 - tick]."""
        bid, ask = logit_quotes(mid, depths)
        grid = grid_quotes(bid, ask, self.ticks, self.one)
        return grid.bid, grid.ask


class OddsSpace(ProbabilitySpace):
    """Betfair decimal odds quoted on the implied probability (see the module docstring)."""

    buy_away = 1

    def mid(self, bid: int, ask: int) -> float:
        return (self.one / ask + self.one / bid) / 2

    def price_of(self, price: int) -> float:
        return self.one / price

    def lot_units(self, size: int, mid: float) -> float:
        return size * self.one / mid

    def quotes(self, mid: float, depths: Depths) -> tuple[int | None, int | None]:
        """A back at ``1 / p_bid`` (ladder up) and a lay at ``1 / p_ask`` (ladder down)."""
        p_bid, p_ask = logit_quotes(mid, depths)
        ticks = self.ticks
        back = lay = None
        if p_bid is not None:
            back = ticks.round_price(math.ceil(self.one / p_bid - ODDS_TOLERANCE), up=True)
            back = min(max(back, ticks.price_min), ticks.price_max)
        if p_ask is not None:
            lay = ticks.round_price(math.floor(self.one / p_ask + ODDS_TOLERANCE), up=False)
            lay = min(max(lay, ticks.price_min), ticks.price_max)
        if back is not None and lay is not None and back <= lay:
            back = step_price(ticks, lay, up=True)
        return back, lay

    def passive(self, side: Side, price: int, bid: int, ask: int) -> int | None:
        """A back must stay above the best odds to back (``bid``), a lay below ``ask``."""
        if side is Side.BUY:
            limit = step_price(self.ticks, bid, up=True)
            return None if limit is None else max(price, limit)
        limit = step_price(self.ticks, ask, up=False)
        return None if limit is None else min(price, limit)

    def position_delta(self, side: Side, price: int, size: int) -> int:
        payout = size * price
        return payout if side is Side.BUY else -payout

    def unit_value(self, bid: int, ask: int) -> Fraction:
        decimals = self.instrument.price_decimals + self.instrument.size_decimals
        probability = Fraction(self.one * (bid + ask), 2 * bid * ask)
        return probability * MICROS / pow10(decimals)

    def economic_cash(self, side: Side, price: int, size: int, cash_micros: int) -> int:
        """A back pays its stake, a lay receives it (the sim locks the liability instead)."""
        stake = size * MICROS // pow10(self.instrument.size_decimals)
        return -stake if side is Side.BUY else stake

    def settle_value(self, won: bool) -> Fraction:
        decimals = self.instrument.price_decimals + self.instrument.size_decimals
        return Fraction(MICROS, pow10(decimals)) if won else Fraction(0)


def space_for(instrument: Instrument) -> PlainSpace:
    """The price space of ``instrument``: odds, bounded probability or plain."""
    if instrument.price_space is PriceSpace.DECIMAL_ODDS:
        return OddsSpace(instrument)
    if instrument.price_space is PriceSpace.PROBABILITY or instrument.bounded:
        return ProbabilitySpace(instrument)
    return PlainSpace(instrument)
