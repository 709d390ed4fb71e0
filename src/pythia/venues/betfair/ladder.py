"""Betfair's CLASSIC odds ladder as a :class:`TickScheme`.

Decimal odds from 1.01 to 1000 with a tick that widens with the odds (1.01-2 step 0.01,
2-3 step 0.02, ... 100-1000 step 10): 350 valid prices. Odds are held in units of 0.01
(``ODDS_DECIMALS`` = 2), so 1.01 is 101 and 1000 is 100000.

>>> BETFAIR_LADDER.is_valid(odds_to_units("3.05")), BETFAIR_LADDER.is_valid(301)
(True, False)
>>> len(BETFAIR_LADDER.prices())
350
"""

from __future__ import annotations

from decimal import Decimal

from pythia.core.errors import DataError
from pythia.core.fixed import decimal_to_units, format_units
from pythia.model.ticks import TickScheme

ODDS_DECIMALS = 2
"""Odds are counted in units of 0.01."""

STAKE_DECIMALS = 2
"""Stakes and volumes are counted in pennies (0.01 of the currency)."""

BETFAIR_LADDER = TickScheme(
    bands=(
        (101, 1),
        (200, 2),
        (300, 5),
        (400, 10),
        (600, 20),
        (1000, 50),
        (2000, 100),
        (3000, 200),
        (5000, 500),
        (10000, 1000),
    ),
    price_min=101,
    price_max=100000,
)
"""The CLASSIC ladder (``priceLadderDefinition.type == "CLASSIC"``)."""


def odds_to_units(odds: Decimal | int | str) -> int:
    """Convert decimal odds to ladder units exactly; ``DataError`` if off the ladder.

    >>> odds_to_units(Decimal("4.1"))
    410
    """
    units = decimal_to_units(odds, ODDS_DECIMALS)
    if not BETFAIR_LADDER.is_valid(units):
        raise DataError(f"odds {odds} are not on the Betfair ladder")
    return units


def format_odds(units: int) -> str:
    """Format ladder units as Betfair writes odds (no trailing zeros).

    >>> format_odds(101), format_odds(410), format_odds(100000)
    ('1.01', '4.1', '1000')
    """
    text = format_units(units, ODDS_DECIMALS)
    return text.rstrip("0").rstrip(".")


def ticks_between(low_units: int, high_units: int) -> int:
    """Count ladder steps from ``low_units`` up to ``high_units`` (both on the ladder).

    >>> ticks_between(odds_to_units("1.99"), odds_to_units("2.02"))
    2
    """
    prices = _LADDER_INDEX
    try:
        return prices[high_units] - prices[low_units]
    except KeyError as missing:
        raise DataError(f"{missing} is not on the Betfair ladder") from None


_LADDER_INDEX = {price: index for index, price in enumerate(BETFAIR_LADDER.prices())}
