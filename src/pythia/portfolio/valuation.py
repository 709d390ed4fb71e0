"""Pure conversions between instrument units and cash (micro-units), all exact integers.

A decimal-odds runner (Betfair) is held as a token paying 1 per payout unit: a back of
stake ``s`` at odds ``o`` holds ``q = s * o`` payout units, counted at
``size_decimals + price_decimals`` places (4 on Betfair, so 1.0000 GBP of payout = 10_000).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10, rescale, round_div
from pythia.model.instruments import CryptoPerpetual, Instrument, PriceSpace
from pythia.portfolio.entries import Bucket

BPS_DENOMINATOR = 10_000


def is_odds(instrument: Instrument) -> bool:
    """Return True for a decimal-odds runner (back / lay buckets, payout units)."""
    return instrument.price_space is PriceSpace.DECIMAL_ODDS


def position_decimals(instrument: Instrument) -> int:
    """Decimal places of the position unit: payout units for odds, size units otherwise."""
    if is_odds(instrument):
        return instrument.size_decimals + instrument.price_decimals
    return instrument.size_decimals


def odds_payout_units(stake: int, odds: int) -> int:
    """Payout units of a back (or lay) of ``stake`` at ``odds``: exactly ``stake * odds``."""
    return stake * odds


def units_to_micros(units: int, decimals: int) -> int:
    """Cash paid by ``units`` tokens worth 1 each (rounded down below a micro-unit)."""
    return rescale(units, decimals, MONEY_DECIMALS, Rounding.FLOOR)


def exact_micros(units: int, decimals: int) -> int:
    """Collateral of ``units`` tokens worth 1 each; ``DataError`` when not a whole micro."""
    return rescale(units, decimals, MONEY_DECIMALS)


def contract_multiplier(instrument: Instrument) -> tuple[int, int]:
    """Return ``(units, decimals)`` of the instrument's contract size (1 unless a perp)."""
    if not isinstance(instrument, CryptoPerpetual):
        return 1, 0
    try:
        value = Decimal(instrument.contract_size)
    except InvalidOperation:
        raise DataError(
            f"{instrument.id}: contract_size {instrument.contract_size!r} is not a number"
        ) from None
    if not value.is_finite() or value <= 0:
        raise DataError(f"{instrument.id}: contract_size must be positive")
    exponent = int(value.as_tuple().exponent)
    decimals = max(0, -exponent)
    return int(value.scaleb(decimals)), decimals


def check_mark_price(instrument: Instrument, price: int) -> None:
    """Raise ``DataError`` when ``price`` cannot be a mark of ``instrument``."""
    if price.__class__ is not int:
        raise DataError(f"{instrument.id}: mark price must be an int, got {price!r}")
    if instrument.price_space is PriceSpace.DECIMAL_ODDS and price <= instrument.one:
        raise DataError(f"{instrument.id}: odds mark {price} must be above {instrument.one}")
    if instrument.price_space is PriceSpace.PROBABILITY and not 0 <= price <= instrument.one:
        raise DataError(f"{instrument.id}: probability mark {price} outside 0..1")
    if price < 0:
        raise DataError(f"{instrument.id}: mark price {price} is negative")


def mark_value_micros(instrument: Instrument, bucket: Bucket, size: int, price: int) -> int:
    """Value of a holding at ``price``, rounded toward -infinity (FLOOR).

    Odds: a back of ``q`` payout units is worth ``q / odds``; a lay of ``q`` is worth
    ``q * (1 - 1 / odds)``. Otherwise ``size * price * contract_size``.
    """
    if is_odds(instrument):
        scale = pow10(MONEY_DECIMALS)
        if bucket is Bucket.MAIN:
            return round_div(size * scale, price * pow10(instrument.size_decimals), Rounding.FLOOR)
        denominator = price * pow10(position_decimals(instrument))
        return round_div(size * (price - instrument.one) * scale, denominator, Rounding.FLOOR)
    multiplier, multiplier_decimals = contract_multiplier(instrument)
    decimals = instrument.size_decimals + instrument.price_decimals + multiplier_decimals
    return rescale(size * price * multiplier, decimals, MONEY_DECIMALS, Rounding.FLOOR)


def commission_micros(net_winnings_micros: int, commission_bps: int) -> int:
    """Commission on positive net winnings, rounded HALF_UP to the penny (2 decimals)."""
    if net_winnings_micros <= 0 or commission_bps == 0:
        return 0
    penny = pow10(MONEY_DECIMALS - 2)
    pennies = round_div(
        net_winnings_micros * commission_bps, BPS_DENOMINATOR * penny, Rounding.HALF_UP
    )
    return pennies * penny
