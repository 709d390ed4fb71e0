"""Limits in natural units (contracts, currency units) as exact Decimals, converted to the
integer units rules compare with: micro-units for money, an instrument's units otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from pythia.core.errors import ConfigError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, decimal_to_units
from pythia.model.instruments import Instrument

Amount = Decimal | int | str
"""A limit in natural units (contracts, currency units) as a Decimal, an int or a decimal
string; never a float."""


def to_decimal(value: Amount, what: str) -> Decimal:
    """Return ``value`` as an exact Decimal; ``ConfigError`` for floats and non-numbers."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ConfigError(f"{what}: write {value!r} as a decimal string (floats are inexact)")
    try:
        result = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise ConfigError(f"{what}: not a number: {value!r}") from None
    if not result.is_finite() or result < 0:
        raise ConfigError(f"{what}: must be a finite number >= 0, got {value!r}")
    return result


def money_micros(value: Amount, what: str) -> int:
    """Convert a money amount in currency units to micro-units (rounded down)."""
    return decimal_to_units(to_decimal(value, what), MONEY_DECIMALS, Rounding.FLOOR)


def money_limits(values: Mapping[str, Amount] | None, what: str) -> dict[str, int]:
    """Convert ``{key: amount}`` (per currency or venue) to micro-units."""
    return {key: money_micros(value, f"{what}.{key}") for key, value in (values or {}).items()}


class InstrumentLimit:
    """A limit in natural units (contracts, payout or currency units) with per-instrument
    overrides, converted once per instrument to integer units with ``decimals_of(instrument)``
    places (rounded down) and cached.

    >>> from pythia.model.instruments import crypto_instrument
    >>> btc = crypto_instrument("btc", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
    >>> InstrumentLimit("0.5", {}, lambda i: i.size_decimals).units(btc)
    50000
    """

    __slots__ = ("default", "overrides", "_decimals_of", "_units")

    def __init__(
        self,
        default: Amount | None,
        overrides: Mapping[str, Amount] | None,
        decimals_of: Callable[[Instrument], int],
        what: str = "limit",
    ) -> None:
        self.default = None if default is None else to_decimal(default, what)
        self.overrides = {
            key: to_decimal(value, f"{what}[{key}]") for key, value in (overrides or {}).items()
        }
        self._decimals_of = decimals_of
        self._units: dict[str, int | None] = {}

    @property
    def is_set(self) -> bool:
        return self.default is not None or bool(self.overrides)

    def units(self, instrument: Instrument) -> int | None:
        """The limit of ``instrument`` in its integer units, or None when unlimited."""
        units = self._units
        if instrument.id in units:
            return units[instrument.id]
        value = self.overrides.get(instrument.id, self.default)
        result = (
            None
            if value is None
            else decimal_to_units(value, self._decimals_of(instrument), Rounding.FLOOR)
        )
        units[instrument.id] = result
        return result


def money_decimals(_: Instrument) -> int:
    """The decimals of a money limit: micro-units, whatever the instrument."""
    return MONEY_DECIMALS
