"""Cash of simulated orders and fills, in micro-units of the instrument's quote currency.

- Probability and quote-priced instruments: the notional ``price x size`` is exact at
  ``price_decimals + size_decimals``; a buy pays it rounded up (``Rounding.CEILING``, a
  negative cash amount), a sell receives it rounded down (``Rounding.FLOOR``).
- Betfair (``PriceSpace.DECIMAL_ODDS``: price = odds, size = stake): a back (``Side.BUY``)
  costs the stake, a lay (``Side.SELL``) costs the liability ``stake x (odds - 1)``; both are
  negative cash amounts, and both are what the balance check locks.

Which book side an order rests on also lives here, because Betfair turns it around: a
runner's book keeps *available to back* (resting lays) as bids and *available to lay*
(resting backs) as asks, so a back rests among the asks and takes from the bids.

>>> from pythia.model.instruments import OutcomeToken, InstrumentKind, probability_scheme
>>> yes = OutcomeToken("yes", "pm", "YES", InstrumentKind.OUTCOME_TOKEN, 4, 6,
...                    probability_scheme(100, 4), 1, "USDC")
>>> fill_cash_micros(yes, Side.BUY, 4100, 1_500_000)
-615000
>>> fill_cash_micros(yes, Side.BUY, 4100, 3), fill_cash_micros(yes, Side.SELL, 4100, 3)
(-2, 1)
"""

from __future__ import annotations

from pythia.core.fixed import MONEY_DECIMALS, Rounding, rescale
from pythia.model.enums import BookSide, Side
from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument, InstrumentKind, PriceSpace
from pythia.sim.models.base import FeeModel


def is_odds(instrument: Instrument) -> bool:
    """Return True for Betfair-style instruments priced in decimal odds."""
    return instrument.price_space is PriceSpace.DECIMAL_ODDS


def rest_side(instrument: Instrument, side: Side) -> BookSide:
    """The book side an order of ``side`` rests on; it takes liquidity from the other one.

    An order resting on the bid side takes asks priced at or below its limit; one resting on
    the ask side takes bids priced at or above it (in odds: a back at 3.0 takes any
    available-to-back price >= 3.0).
    """
    buy_rests_on_bid = not is_odds(instrument)
    return BookSide.BID if (side is Side.BUY) == buy_rests_on_bid else BookSide.ASK


def opposite(side: BookSide) -> BookSide:
    return BookSide.ASK if side is BookSide.BID else BookSide.BID


def within_limit(resting: BookSide, price: int, limit: int | None) -> bool:
    """Return True when an order resting on ``resting`` with ``limit`` may trade at ``price``."""
    if limit is None:
        return True
    return price <= limit if resting is BookSide.BID else price >= limit


def fill_cash_micros(instrument: Instrument, side: Side, price: int, size: int) -> int:
    """The signed cash of one fill before fees (negative when paying), with venue rounding."""
    decimals = instrument.price_decimals + instrument.size_decimals
    if is_odds(instrument):
        if side is Side.BUY:
            stake = rescale(size, instrument.size_decimals, MONEY_DECIMALS, Rounding.CEILING)
            return -stake
        liability = (price - instrument.one) * size
        return -rescale(liability, decimals, MONEY_DECIMALS, Rounding.CEILING)
    notional = price * size
    if side is Side.BUY:
        return -rescale(notional, decimals, MONEY_DECIMALS, Rounding.CEILING)
    return rescale(notional, decimals, MONEY_DECIMALS, Rounding.FLOOR)


def notional_micros(instrument: Instrument, price: int, size: int) -> int:
    """The unsigned size of an order in cash (the stake on Betfair), rounded down."""
    if is_odds(instrument):
        return rescale(size, instrument.size_decimals, MONEY_DECIMALS, Rounding.FLOOR)
    decimals = instrument.price_decimals + instrument.size_decimals
    return rescale(price * size, decimals, MONEY_DECIMALS, Rounding.FLOOR)


def pays_cash(instrument: Instrument, side: Side) -> bool:
    """Return True when an order locks cash: buys, and on Betfair both backs and lays."""
    return side is Side.BUY or is_odds(instrument)


def needs_position(instrument: Instrument, side: Side) -> bool:
    """Return True when a sell must be covered by a position (no short selling), which is
    every sell except Betfair lays and perpetual futures."""
    return (
        side is Side.SELL
        and not is_odds(instrument)
        and instrument.kind is not InstrumentKind.CRYPTO_PERPETUAL
    )


def worst_fee_micros(
    fee_model: FeeModel, instrument: Instrument, resting: BookSide, limit: int, size: int
) -> int:
    """The largest fee one fill of ``size`` at a price no worse than ``limit`` may cost.

    Fees of probability instruments peak near 0.5 (``p(1 - p)`` formulas), so the nearest
    grid price to one half that the order may still trade at is tried as well as the limit.
    """
    candidates = {limit}
    if instrument.price_space is PriceSpace.PROBABILITY:
        half = instrument.ticks.round_price(instrument.one // 2, up=resting is BookSide.ASK)
        candidates.add(min(half, limit) if resting is BookSide.BID else max(half, limit))
    return max(
        fee_model.fee_micros(instrument, price, size, liquidity)
        for price in sorted(candidates)
        for liquidity in (Liquidity.TAKER, Liquidity.MAKER)
    )


def cash_to_lock(
    fee_model: FeeModel, instrument: Instrument, side: Side, limit: int, size: int
) -> int:
    """The worst-case cash an order of ``size`` at ``limit`` may cost, fees included (0 when
    the order locks no cash)."""
    if not pays_cash(instrument, side) or size <= 0:
        return 0
    resting = rest_side(instrument, side)
    cost = -fill_cash_micros(instrument, side, limit, size)
    return cost + worst_fee_micros(fee_model, instrument, resting, limit, size)


def walk_cost_micros(
    fee_model: FeeModel, instrument: Instrument, side: Side, fills: list[tuple[int, int]]
) -> int:
    """The cash a walk of ``(price, size)`` taker fills costs, fees included."""
    if not pays_cash(instrument, side):
        return 0
    return sum(
        -fill_cash_micros(instrument, side, price, size)
        + fee_model.fee_micros(instrument, price, size, Liquidity.TAKER)
        for price, size in fills
    )
