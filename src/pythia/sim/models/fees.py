"""Fee models: the fee of one fill, in micro-units of the quote currency, exact.

Every model computes the venue's formula in integers (rates are ``Decimal`` turned into exact
integer ratios, never ``float``) and rounds once, the way the venue rounds:

- :class:`ProbabilityPowerFee`: ``C x rate x (p(1 - p))^exponent``, takers only, to 5 decimals.
- :class:`CentRoundedProbabilityFee`: ``ceil(coefficient x C x P(1 - P))`` to the cent.
- :class:`SettlementOnlyFee`: nothing per fill (commission is charged on net market winnings at
  settlement; ``VenueProfile.settlement_commission_bps`` carries the rate).
- :class:`BpsFee`: maker/taker basis points of the notional ``price x size``.

>>> from pythia.model.execution import Liquidity
>>> from pythia.model.instruments import probability_scheme, InstrumentKind, Instrument
>>> token = Instrument("t", "v", "t", InstrumentKind.OUTCOME_TOKEN, 4, 6,
...                    probability_scheme(100, 4), 1, "USDC")
>>> ProbabilityPowerFee(Decimal("0.072")).fee_micros(token, 5000, 100_000_000, Liquidity.TAKER)
1800000
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pythia.core.errors import ConfigError, DataError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10, round_div
from pythia.model.execution import Liquidity
from pythia.model.instruments import CryptoPerpetual, Instrument

_BPS_DENOMINATOR = 10_000


def _exact_decimal(value: Decimal | int | str, what: str) -> Decimal:
    """Return ``value`` as a finite non-negative Decimal (floats are refused: not exact)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ConfigError(f"{what} must be a Decimal, int or decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ConfigError(f"{what} is not a decimal number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{what} must be a finite number >= 0, got {value!r}")
    return number


def _check_decimals(decimals: int, what: str) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise ConfigError(f"{what} must be an int, got {decimals!r}")
    if not 0 <= decimals <= MONEY_DECIMALS:
        raise ConfigError(f"{what} must be between 0 and {MONEY_DECIMALS}, got {decimals}")


def _round_to_micros(numerator: int, denominator: int, decimals: int, rounding: Rounding) -> int:
    """Round the amount ``numerator / denominator`` (quote units) to ``decimals`` places and
    return it in micro-units."""
    units = round_div(numerator * pow10(decimals), denominator, rounding)
    return units * pow10(MONEY_DECIMALS - decimals)


def _check_probability_fill(instrument: Instrument, price: int, size: int) -> int:
    """Check a fill on a probability grid; return the price units of 1.0."""
    one = pow10(instrument.price_decimals)
    if not 0 <= price <= one:
        raise DataError(f"{instrument.id}: price {price} outside 0..{one} (a probability)")
    if size < 0:
        raise DataError(f"{instrument.id}: negative fill size {size}")
    return one


@dataclass(frozen=True, slots=True)
class ProbabilityPowerFee:
    """Polymarket's platform fee: ``fee = C x rate x (p(1 - p))^exponent``.

    ``C`` is the shares filled (``size / 10**size_decimals``) and ``p`` the fill price.
    ``rate`` and ``exponent`` are per market (``GET /clob-markets/{condition_id}`` returns
    ``fd: {r: rate, e: exponent, to: takerOnly}``); never hard-code them. With ``taker_only``
    makers pay 0 (they receive rebates from a pool, not modelled per fill).

    Rounding: the fee is in collateral (pUSD/USDC) at 5 decimals and "the smallest fee charged
    is 0.00001; anything smaller rounds to zero" (docs.polymarket.com/trading/fees and
    /market-makers/maker-rebates, "Fee Precision"; an older revision said 4 decimals and
    0.0001). The docs do not name the rounding mode. Only truncation makes every fee below
    0.00001 zero, and NautilusTrader's Polymarket adapter documents its ``compute_commission``
    as "floored to 5 decimal places, matching the venue charge" (an earlier revision of it,
    ``crates/adapters/polymarket/src/execution/parse.rs``, used ``round_dp(5)``). The
    py-clob-client-v2 fee helpers (``utilities.adjust_market_buy_amount``, tests in
    ``tests/test_fee_calculations.py``) compute the unrounded float fee only, for sizing. So
    the default is ``Rounding.FLOOR`` at ``fee_decimals=5``; both are parameters, to change if
    live fills show otherwise. The exponent must be a whole number (exact arithmetic).

    Worked example: 100 shares at 0.50 with rate 0.072 (Crypto), exponent 1: 1.80.
    """

    rate: Decimal
    exponent: int = 1
    taker_only: bool = True
    fee_decimals: int = 5
    rounding: Rounding = Rounding.FLOOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _exact_decimal(self.rate, "Polymarket fee rate"))
        if isinstance(self.exponent, bool) or not isinstance(self.exponent, int):
            raise ConfigError(f"Polymarket fee exponent must be a whole number: {self.exponent!r}")
        if self.exponent < 0:
            raise ConfigError(f"Polymarket fee exponent must be >= 0, got {self.exponent}")
        _check_decimals(self.fee_decimals, "Polymarket fee_decimals")
        if not isinstance(self.rounding, Rounding):
            raise ConfigError(f"rounding must be a Rounding, got {self.rounding!r}")

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int:
        if (self.taker_only and liquidity is Liquidity.MAKER) or not self.rate or not size:
            return 0
        one = _check_probability_fill(instrument, price, size)
        rate_num, rate_den = self.rate.as_integer_ratio()
        numerator = size * rate_num * (price * (one - price)) ** self.exponent
        denominator = pow10(instrument.size_decimals) * rate_den * one ** (2 * self.exponent)
        return _round_to_micros(numerator, denominator, self.fee_decimals, self.rounding)


@dataclass(frozen=True, slots=True)
class CentRoundedProbabilityFee:
    """Kalshi's trading fee: ``ceil(coefficient x C x P x (1 - P))`` to the cent.

    ``C`` is contracts (``size / 10**size_decimals``; fractional where the market allows),
    ``P`` the fill price in dollars. Takers pay ``taker_coefficient`` (0.07 standard); makers
    pay ``maker_coefficient`` (0.0175 on the series that charge makers) or nothing when it is
    None. Fees always round up (CEILING) to ``fee_decimals`` places: 2 (the cent) for
    non-direct members; direct members' trade fee rounds up to $0.0001 (``fee_decimals=4``).
    Kalshi's per-order fee accumulator, which refunds whole cents of rounding overpaid across
    partial fills (docs.kalshi.com/getting_started/fee_rounding), is not modelled: each fill
    is rounded up on its own, so many small partial fills cost at most a cent more each.

    Examples at P = 0.50: 1 contract $0.02; 100 contracts $1.75; 10 contracts $0.18 taker,
    $0.05 maker at 0.0175.
    """

    taker_coefficient: Decimal = Decimal("0.07")
    maker_coefficient: Decimal | None = None
    fee_decimals: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "taker_coefficient",
            _exact_decimal(self.taker_coefficient, "Kalshi taker_coefficient"),
        )
        if self.maker_coefficient is not None:
            object.__setattr__(
                self,
                "maker_coefficient",
                _exact_decimal(self.maker_coefficient, "Kalshi maker_coefficient"),
            )
        _check_decimals(self.fee_decimals, "Kalshi fee_decimals")

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int:
        coefficient = (
            self.taker_coefficient if liquidity is Liquidity.TAKER else self.maker_coefficient
        )
        if not coefficient or not size:
            return 0
        one = _check_probability_fill(instrument, price, size)
        coef_num, coef_den = coefficient.as_integer_ratio()
        numerator = coef_num * size * price * (one - price)
        denominator = coef_den * pow10(instrument.size_decimals) * one * one
        return _round_to_micros(numerator, denominator, self.fee_decimals, Rounding.CEILING)


@dataclass(frozen=True, slots=True)
class SettlementOnlyFee:
    """No fee per fill: Betfair charges commission on a market's net winnings at settlement
    (the market base rate, ``VenueProfile.settlement_commission_bps``)."""

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class BpsFee:
    """Maker/taker fees in basis points of the notional ``price x size`` (x the contract size
    of a perpetual), in quote micro-units rounded with ``rounding`` (CEILING by default).

    Basis points may be fractional (``Decimal("5.5")``) and must be >= 0: maker rebates
    (negative fees) are outside the ``FeeModel`` contract. The fee is charged in the quote
    currency; venues that take it in the received asset or a discount token (Binance BNB)
    are approximated by its quote value.

    >>> from pythia.model.execution import Liquidity
    >>> from pythia.model.instruments import crypto_instrument
    >>> btc = crypto_instrument("x:BTCUSDT", "x", "BTCUSDT", 2, 8, "BTC", "USDT")
    >>> BpsFee(Decimal(10), Decimal(10)).fee_micros(btc, 6_000_000, 100_000_000, Liquidity.TAKER)
    60000000
    """

    maker_bps: Decimal
    taker_bps: Decimal
    rounding: Rounding = Rounding.CEILING

    def __post_init__(self) -> None:
        object.__setattr__(self, "maker_bps", _exact_decimal(self.maker_bps, "maker_bps"))
        object.__setattr__(self, "taker_bps", _exact_decimal(self.taker_bps, "taker_bps"))
        if not isinstance(self.rounding, Rounding):
            raise ConfigError(f"rounding must be a Rounding, got {self.rounding!r}")

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int:
        bps = self.taker_bps if liquidity is Liquidity.TAKER else self.maker_bps
        if not bps or not size:
            return 0
        if size < 0 or price < 0:
            raise DataError(f"{instrument.id}: negative fill price {price} or size {size}")
        bps_num, bps_den = bps.as_integer_ratio()
        numerator = price * size * bps_num
        denominator = pow10(instrument.price_decimals + instrument.size_decimals) * bps_den
        if isinstance(instrument, CryptoPerpetual) and instrument.contract_size != "1":
            contract_num, contract_den = Decimal(instrument.contract_size).as_integer_ratio()
            numerator *= contract_num
            denominator *= contract_den
        return _round_to_micros(
            numerator, denominator * _BPS_DENOMINATOR, MONEY_DECIMALS, self.rounding
        )
