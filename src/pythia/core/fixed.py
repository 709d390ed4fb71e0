"""Exact fixed-point numbers.

Prices, sizes and cash are integers in the hot path: a count of ``10**-decimals`` units.
``Decimal`` appears only at boundaries (parsing venue strings, display). Rounding is always
explicit: every conversion that may lose precision takes a :class:`Rounding`, because venues
differ (Kalshi rounds fees up to the cent, Polymarket to five decimals, Binance truncates).

>>> parse_units("61837.63000000", 2)
6183763
>>> round_div(7, 2, Rounding.CEILING)
4
"""

from __future__ import annotations

import decimal
import enum
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering

from pythia.core.errors import DataError

MONEY_DECIMALS = 6
"""Cash is held in micro-units of its currency."""

_POW10 = tuple(10**i for i in range(40))


class Rounding(enum.Enum):
    """How an inexact result becomes an integer count of units."""

    DOWN = "down"  # toward zero (truncate)
    UP = "up"  # away from zero
    FLOOR = "floor"  # toward -infinity
    CEILING = "ceiling"  # toward +infinity
    HALF_UP = "half_up"  # nearest, ties away from zero
    HALF_EVEN = "half_even"  # nearest, ties to even (banker's)

    @property
    def decimal_mode(self) -> str:
        return _DECIMAL_MODES[self]


_DECIMAL_MODES = {
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.UP: decimal.ROUND_UP,
    Rounding.FLOOR: decimal.ROUND_FLOOR,
    Rounding.CEILING: decimal.ROUND_CEILING,
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
}


def pow10(exponent: int) -> int:
    """Return ``10**exponent`` for a non-negative exponent (cached for small ones)."""
    return _POW10[exponent] if exponent < 40 else 10**exponent


def round_div(numerator: int, denominator: int, rounding: Rounding) -> int:
    """Divide two integers exactly and round the quotient as ``rounding`` says.

    >>> round_div(-7, 2, Rounding.DOWN), round_div(-7, 2, Rounding.FLOOR)
    (-3, -4)
    >>> round_div(5, 2, Rounding.HALF_EVEN), round_div(5, 2, Rounding.HALF_UP)
    (2, 3)
    """
    if denominator == 0:
        raise ZeroDivisionError("round_div by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    floor_q, remainder = divmod(numerator, denominator)
    if remainder == 0:
        return floor_q
    ceil_q = floor_q + 1
    if rounding is Rounding.FLOOR:
        return floor_q
    if rounding is Rounding.CEILING:
        return ceil_q
    if rounding is Rounding.DOWN:
        return floor_q if numerator >= 0 else ceil_q
    if rounding is Rounding.UP:
        return ceil_q if numerator >= 0 else floor_q
    twice = 2 * remainder
    if twice < denominator:
        return floor_q
    if twice > denominator:
        return ceil_q
    if rounding is Rounding.HALF_UP:
        return ceil_q if numerator >= 0 else floor_q
    return floor_q if floor_q % 2 == 0 else ceil_q


def parse_units(text: str, decimals: int) -> int:
    """Parse a decimal string into an exact count of ``10**-decimals`` units.

    Raises ``DataError`` when the text is not a finite number or has more precision than
    ``decimals`` allows (for example an off-grid price): nothing is rounded silently.
    """
    if text.__class__ is not str:
        raise DataError(f"expected a decimal string, got {type(text).__name__}: {text!r}")
    head, dot, frac = text.partition(".")
    sign = ""
    if head[:1] in ("-", "+"):
        sign, head = head[0], head[1:]
    if (
        not ((head.isdigit() or (dot and head == "")) and (frac.isdigit() or not frac))
        or not (head or frac)
        or not head.isascii()
        or not frac.isascii()
    ):
        return _parse_slow(text, decimals)
    if len(frac) > decimals:
        if frac[decimals:].strip("0"):
            raise DataError(f"{text!r} has more than {decimals} decimals")
        frac = frac[:decimals]
    return int(sign + (head or "0") + frac + "0" * (decimals - len(frac)))


def _parse_slow(text: str, decimals: int) -> int:
    if "_" in text or not text.strip():
        raise DataError(f"not a decimal number: {text!r}")
    try:
        value = Decimal(text.strip())
    except (decimal.InvalidOperation, ValueError):
        raise DataError(f"not a decimal number: {text!r}") from None
    return decimal_to_units(value, decimals)


def decimal_to_units(
    value: Decimal | int | str, decimals: int, rounding: Rounding | None = None
) -> int:
    """Convert a Decimal (or int or str) to units; inexact values need an explicit rounding."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * pow10(decimals)
    if isinstance(value, str):
        return (
            parse_units(value, decimals)
            if rounding is None
            else decimal_to_units(_to_decimal(value), decimals, rounding)
        )
    if not isinstance(value, Decimal):
        raise DataError(f"expected Decimal, int or str, got {type(value).__name__}: {value!r}")
    if not value.is_finite():
        raise DataError(f"not a finite number: {value}")
    scaled = value.scaleb(decimals)
    as_int = int(scaled.to_integral_value(rounding=decimal.ROUND_FLOOR))
    if as_int == scaled:
        return as_int
    if rounding is None:
        raise DataError(f"{value} has more than {decimals} decimals")
    sign, digit_tuple, exponent = scaled.as_tuple()
    numerator = int("".join(map(str, digit_tuple)) or "0") * (-1 if sign else 1)
    return round_div(numerator, pow10(-int(exponent)), rounding)


def _to_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except (decimal.InvalidOperation, ValueError):
        raise DataError(f"not a decimal number: {text!r}") from None


def units_to_decimal(units: int, decimals: int) -> Decimal:
    """Return the exact Decimal value of ``units`` at ``decimals``."""
    return Decimal(units).scaleb(-decimals)


def format_units(units: int, decimals: int) -> str:
    """Format units as a plain decimal string with exactly ``decimals`` places."""
    if decimals == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), pow10(decimals))
    return f"{sign}{whole}.{frac:0{decimals}d}"


def rescale(
    units: int, from_decimals: int, to_decimals: int, rounding: Rounding | None = None
) -> int:
    """Move units from one precision to another; losing precision needs a rounding."""
    if to_decimals >= from_decimals:
        return units * pow10(to_decimals - from_decimals)
    divisor = pow10(from_decimals - to_decimals)
    if rounding is None:
        quotient, remainder = divmod(units, divisor)
        if remainder:
            raise DataError(
                f"{format_units(units, from_decimals)} does not fit {to_decimals} decimals"
            )
        return quotient
    return round_div(units, divisor, rounding)


@total_ordering
@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed-point number: ``units`` of ``10**-decimals``. Base of Price and Size."""

    units: int
    decimals: int

    @classmethod
    def parse(cls, text: str, decimals: int):
        """Parse exactly; ``DataError`` if the text has more precision than ``decimals``."""
        return cls(parse_units(text, decimals), decimals)

    @classmethod
    def from_decimal(
        cls, value: Decimal | int | str, decimals: int, rounding: Rounding | None = None
    ):
        return cls(decimal_to_units(value, decimals, rounding), decimals)

    def as_decimal(self) -> Decimal:
        return units_to_decimal(self.units, self.decimals)

    def _same_scale(self, other: Fixed) -> None:
        if other.__class__ is not self.__class__ or other.decimals != self.decimals:
            raise TypeError(f"cannot combine {self!r} with {other!r}")

    def __add__(self, other: Fixed):
        self._same_scale(other)
        return self.__class__(self.units + other.units, self.decimals)

    def __sub__(self, other: Fixed):
        self._same_scale(other)
        return self.__class__(self.units - other.units, self.decimals)

    def __neg__(self):
        return self.__class__(-self.units, self.decimals)

    def __lt__(self, other: Fixed) -> bool:
        self._same_scale(other)
        return self.units < other.units

    def __str__(self) -> str:
        return format_units(self.units, self.decimals)


class Price(Fixed):
    """A price in the instrument's finest price unit."""

    __slots__ = ()


class Size(Fixed):
    """A size in the instrument's size unit."""

    __slots__ = ()


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """Cash: an exact count of micro-units (``10**-6``) of ``currency``.

    >>> Money.parse("1.75", "USD") + Money.parse("0.25", "USD")
    Money(currency='USD', micros=2000000)
    """

    currency: str
    micros: int

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        return cls(currency, parse_units(text, MONEY_DECIMALS))

    @classmethod
    def from_decimal(
        cls, value: Decimal | int | str, currency: str, rounding: Rounding | None = None
    ) -> Money:
        return cls(currency, decimal_to_units(value, MONEY_DECIMALS, rounding))

    @classmethod
    def from_units(
        cls, units: int, decimals: int, currency: str, rounding: Rounding | None = None
    ) -> Money:
        """Convert a product such as price units x size units (``decimals`` places) to cash."""
        return cls(currency, rescale(units, decimals, MONEY_DECIMALS, rounding))

    def as_decimal(self) -> Decimal:
        return units_to_decimal(self.micros, MONEY_DECIMALS)

    def round_to(self, decimals: int, rounding: Rounding) -> Money:
        """Round to a coarser step (``decimals`` places), e.g. to the cent with CEILING."""
        step = pow10(MONEY_DECIMALS - decimals)
        return Money(self.currency, round_div(self.micros, step, rounding) * step)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise TypeError(f"cannot combine {self} with {other!r}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.currency, self.micros + other.micros)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.currency, self.micros - other.micros)

    def __neg__(self) -> Money:
        return Money(self.currency, -self.micros)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.micros < other.micros

    def __str__(self) -> str:
        return f"{format_units(self.micros, MONEY_DECIMALS)} {self.currency}"
