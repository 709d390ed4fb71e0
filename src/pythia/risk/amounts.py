"""What an order would do if it filled completely: position change, notional, cash, fees.

Exact integers throughout, with the same conventions as the portfolio ledger and the
simulator (which ``risk/`` may not import: they are sibling layers):

- **position units**: size units, except decimal-odds runners (Betfair), whose position is
  net payout units ``back - lay`` at ``size_decimals + price_decimals`` places; a back of
  stake ``s`` at odds ``o`` adds ``s * o``, a lay subtracts it.
- **notional** (micro-units of the quote currency, rounded up): ``price x size`` (x the
  contract size of a perpetual); on decimal odds a back's stake and a lay's liability
  ``stake x (odds - 1)``.
- **cash an order locks**: the notional of a buy, a back or a lay (sells receive cash).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from pythia.core.fixed import MONEY_DECIMALS, Rounding, rescale
from pythia.model.enums import Side
from pythia.model.execution import Liquidity
from pythia.model.instruments import CryptoPerpetual, Instrument, PriceSpace

BPS_DENOMINATOR = 10_000


class FeeModel(Protocol):
    """The fee of one fill in micro-units of the quote currency (the simulator's fee models
    satisfy it)."""

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int: ...


def is_odds(instrument: Instrument) -> bool:
    """Return True for a decimal-odds runner (Betfair)."""
    return instrument.price_space is PriceSpace.DECIMAL_ODDS


def position_decimals(instrument: Instrument) -> int:
    """Decimal places of the position unit: payout units for odds, size units otherwise."""
    if instrument.price_space is PriceSpace.DECIMAL_ODDS:
        return instrument.size_decimals + instrument.price_decimals
    return instrument.size_decimals


def position_delta(instrument: Instrument, side: Side, price: int, size: int) -> int:
    """The signed change of the position if the order fills completely.

    >>> from pythia.model.instruments import crypto_instrument
    >>> btc = crypto_instrument("btc", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
    >>> position_delta(btc, Side.SELL, 6_000_000, 150)
    -150
    """
    units = size * price if instrument.price_space is PriceSpace.DECIMAL_ODDS else size
    return units if side is Side.BUY else -units


def increases(position: int, delta: int) -> bool:
    """Return True when adding ``delta`` makes ``|position|`` larger (a flip through zero to a
    larger size counts)."""
    return abs(position + delta) > abs(position)


def notional_micros(instrument: Instrument, side: Side, price: int, size: int) -> int:
    """The order's notional in micro-units of the quote currency, rounded up (CEILING).

    >>> from pythia.model.instruments import crypto_instrument
    >>> btc = crypto_instrument("btc", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
    >>> notional_micros(btc, Side.BUY, 6_000_000, 150)  # 0.0015 BTC at 60000.00
    90000000
    """
    decimals = instrument.price_decimals + instrument.size_decimals
    if instrument.price_space is PriceSpace.DECIMAL_ODDS:
        if side is Side.BUY:
            return rescale(size, instrument.size_decimals, MONEY_DECIMALS, Rounding.CEILING)
        liability = (price - instrument.one) * size
        return rescale(liability, decimals, MONEY_DECIMALS, Rounding.CEILING)
    if isinstance(instrument, CryptoPerpetual):
        multiplier, multiplier_decimals = _contract_multiplier(instrument.contract_size)
        return rescale(
            price * size * multiplier,
            decimals + multiplier_decimals,
            MONEY_DECIMALS,
            Rounding.CEILING,
        )
    return rescale(price * size, decimals, MONEY_DECIMALS, Rounding.CEILING)


@lru_cache(maxsize=256)
def _contract_multiplier(contract_size: str) -> tuple[int, int]:
    value = Decimal(contract_size)
    decimals = max(0, -int(value.as_tuple().exponent))
    return int(value.scaleb(decimals)), decimals


def locks_cash(instrument: Instrument, side: Side) -> bool:
    """Return True when the order pays cash up front: buys, and backs and lays on odds.

    Perpetuals lock margin, which the risk engine does not model: they return False."""
    if isinstance(instrument, CryptoPerpetual):
        return False
    return side is Side.BUY or instrument.price_space is PriceSpace.DECIMAL_ODDS


def worst_fee_micros(
    fee_model: FeeModel, instrument: Instrument, side: Side, price: int, size: int
) -> int:
    """The largest fee the order may pay, maker or taker, at any price it may fill at.

    Probability fees peak at 0.5 (``p(1 - p)`` formulas), so besides the limit the grid price
    nearest to one half that the order may still trade at is tried: a buy fills at or below
    its limit, a sell at or above it.
    """
    worst = max(
        fee_model.fee_micros(instrument, price, size, Liquidity.TAKER),
        fee_model.fee_micros(instrument, price, size, Liquidity.MAKER),
    )
    if instrument.price_space is PriceSpace.PROBABILITY:
        buying = side is Side.BUY
        half = instrument.ticks.round_price(instrument.one // 2, up=not buying)
        nearest = min(half, price) if buying else max(half, price)
        if nearest != price:
            worst = max(
                worst,
                fee_model.fee_micros(instrument, nearest, size, Liquidity.TAKER),
                fee_model.fee_micros(instrument, nearest, size, Liquidity.MAKER),
            )
    return worst
