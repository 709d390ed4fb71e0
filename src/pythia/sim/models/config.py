"""Build simulator models from plain configuration dicts (parsed TOML).

Each builder takes a dict with a ``model`` key and that model's parameters, and raises
:class:`~pythia.core.errors.ConfigError` naming the valid choices for an unknown model, an
unknown or missing key, or a bad value.

Durations take a unit suffix: ``_ns``, ``_us``, ``_ms`` or ``_s`` (``mean_ms = 5``); the
constant model's delay is the bare unit (``ns = 5_000_000`` or ``ms = 5``). Fractions of a unit
are allowed when they are a whole number of nanoseconds (``ms = 0.25``). Rates and basis
points are exact decimals: write them as strings (``rate = "0.072"``) or integers.

>>> latency_from_config({"model": "normal", "mean_ms": 5, "std_ms": 1})
NormalLatency(mean_ns=5000000, std_ns=1000000, min_ns=0)
>>> queue_from_config({"model": "probabilistic", "power": 3})
ProbabilisticQueue(power=3, function='power')
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pythia.core.errors import ConfigError
from pythia.core.fixed import Rounding
from pythia.model.orders import OrderType, TimeInForce
from pythia.sim.models.base import (
    FeeModel,
    LatencyConfig,
    LatencyModel,
    QueueModel,
    VenueProfile,
)
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)
from pythia.sim.models.latency import (
    ConstantLatency,
    EmpiricalLatency,
    LogNormalLatency,
    NormalLatency,
)
from pythia.sim.models.queue import QUEUE_FUNCTIONS, ProbabilisticQueue, RiskAverseQueue

Config = Mapping[str, Any]

_UNIT_NS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
LATENCY_LEGS = ("feed", "order_entry", "response")
PROFILE_KEYS = ("latency", "queue", "min_notional_micros")
"""Keys every venue's ``make_profile`` accepts besides its fee keys."""


def check_keys(config: Config, allowed: Collection[str], where: str) -> None:
    """Raise ConfigError when ``config`` has a key outside ``allowed`` (listing them)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"{where}: expected a table (dict), got {config!r}")
    unknown = sorted(str(key) for key in config if key not in allowed)
    if unknown:
        valid = ", ".join(sorted(allowed)) or "(none)"
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {valid}")


def _model_name(config: Config, models: Collection[str], what: str) -> str:
    if not isinstance(config, Mapping):
        raise ConfigError(f"{what}: expected a table (dict) with a 'model' key, got {config!r}")
    valid = ", ".join(sorted(models))
    model = config.get("model")
    if model is None:
        raise ConfigError(f"{what}: missing 'model'; valid models: {valid}")
    if model not in models:
        raise ConfigError(f"{what}: unknown model {model!r}; valid models: {valid}")
    return model


def _duration_keys(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_{unit}" if name else unit for unit in _UNIT_NS)


def _to_ns(value: Any, unit: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, int):
        ns = value * _UNIT_NS[unit]
    else:
        try:
            scaled = Decimal(str(value)) * _UNIT_NS[unit]
        except InvalidOperation:
            raise ConfigError(f"{where}: not a number: {value!r}") from None
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise ConfigError(f"{where}: {value!r} {unit} is not a whole number of nanoseconds")
        ns = int(scaled)
    if ns < 0:
        raise ConfigError(f"{where}: a duration must be >= 0, got {value!r}")
    return ns


def _duration_ns(config: Config, name: str, where: str, default: int | None = None) -> int:
    """Read duration ``name`` given in exactly one unit (``name_ms``, ``name_ns``, ...)."""
    present = [key for key in _duration_keys(name) if key in config]
    if len(present) > 1:
        raise ConfigError(f"{where}: give {name or 'the delay'} once, not {', '.join(present)}")
    if not present:
        if default is None:
            choices = ", ".join(_duration_keys(name))
            raise ConfigError(f"{where}: missing {name or 'delay'} (one of {choices})")
        return default
    key = present[0]
    unit = key.rpartition("_")[2] if name else key
    return _to_ns(config[key], unit, f"{where}.{key}")


def _durations_ns(config: Config, name: str, where: str) -> tuple[int, ...]:
    present = [key for key in _duration_keys(name) if key in config]
    if len(present) != 1:
        choices = ", ".join(_duration_keys(name))
        raise ConfigError(f"{where}: give the samples in exactly one of {choices}")
    key = present[0]
    values = config[key]
    if isinstance(values, str | bytes) or not isinstance(values, Collection) or not values:
        raise ConfigError(f"{where}.{key}: expected a non-empty list of numbers")
    unit = key.rpartition("_")[2]
    return tuple(_to_ns(value, unit, f"{where}.{key}") for value in values)


def config_decimal(config: Config, key: str, default: Decimal | None, where: str) -> Decimal:
    """Read an exact decimal (string, int or float written in decimal) >= 0."""
    if key not in config:
        if default is None:
            raise ConfigError(f"{where}: missing {key!r}")
        return default
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ConfigError(f"{where}.{key}: expected a decimal number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}.{key}: not a decimal number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{where}.{key}: must be a finite number >= 0, got {value!r}")
    return number


def config_int(config: Config, key: str, default: int, where: str, minimum: int = 0) -> int:
    """Read an integer >= ``minimum``."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}.{key}: expected an integer >= {minimum}, got {value!r}")
    return value


def config_bool(config: Config, key: str, default: bool, where: str) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _constant(config: Config, where: str) -> LatencyModel:
    check_keys(config, ("model", *_duration_keys("")), where)
    return ConstantLatency(_duration_ns(config, "", where))


def _normal(config: Config, where: str) -> LatencyModel:
    names = ("mean", "std", "min")
    check_keys(config, ("model", *(k for n in names for k in _duration_keys(n))), where)
    return NormalLatency(
        _duration_ns(config, "mean", where),
        _duration_ns(config, "std", where),
        _duration_ns(config, "min", where, default=0),
    )


def _lognormal(config: Config, where: str) -> LatencyModel:
    keys = ("model", "sigma", *_duration_keys("median"), *_duration_keys("min"))
    check_keys(config, keys, where)
    sigma = config.get("sigma")
    if isinstance(sigma, bool) or not isinstance(sigma, int | float):
        raise ConfigError(f"{where}.sigma: expected a number >= 0, got {sigma!r}")
    return LogNormalLatency(
        _duration_ns(config, "median", where), sigma, _duration_ns(config, "min", where, 0)
    )


def _empirical(config: Config, where: str) -> LatencyModel:
    check_keys(config, ("model", *_duration_keys("samples"), *_duration_keys("min")), where)
    return EmpiricalLatency(
        _durations_ns(config, "samples", where), _duration_ns(config, "min", where, 0)
    )


_LATENCY_MODELS: dict[str, Callable[[Config, str], LatencyModel]] = {
    "constant": _constant,
    "normal": _normal,
    "lognormal": _lognormal,
    "empirical": _empirical,
}


def latency_from_config(config: Config, where: str = "latency") -> LatencyModel:
    """Build a latency model: ``{"model": "constant", "ns": 5_000_000}``,
    ``{"model": "normal", "mean_ms": 5, "std_ms": 1, "min_ms": 1}``,
    ``{"model": "lognormal", "median_ms": 5, "sigma": 0.5}`` or
    ``{"model": "empirical", "samples_us": [900, 1100, 4000]}``."""
    model = _model_name(config, _LATENCY_MODELS, where)
    return _LATENCY_MODELS[model](config, where)


def latency_config_from_config(config: Config, where: str = "latency") -> LatencyConfig:
    """Build the feed, order-entry and response latencies from
    ``{"feed": {...}, "order_entry": {...}, "response": {...}}``; a missing leg is 0."""
    check_keys(config, LATENCY_LEGS, where)
    legs = {
        leg: latency_from_config(config[leg], f"{where}.{leg}")
        for leg in LATENCY_LEGS
        if leg in config
    }
    return LatencyConfig(**legs)


def queue_from_config(config: Config, where: str = "queue") -> QueueModel:
    """Build a queue model: ``{"model": "risk_averse"}`` or
    ``{"model": "probabilistic", "power": 2}`` / ``{"model": "probabilistic",
    "function": "log"}``."""
    model = _model_name(config, ("risk_averse", "probabilistic"), where)
    if model == "risk_averse":
        check_keys(config, ("model",), where)
        return RiskAverseQueue()
    check_keys(config, ("model", "power", "function"), where)
    function = config.get("function", "power")
    if function not in QUEUE_FUNCTIONS:
        valid = ", ".join(QUEUE_FUNCTIONS)
        raise ConfigError(f"{where}.function: unknown {function!r}; valid functions: {valid}")
    if function == "log" and "power" in config:
        raise ConfigError(f"{where}: 'power' applies only to function 'power'")
    return ProbabilisticQueue(config_int(config, "power", 2, where, minimum=1), function)


def _rounding(config: Config, default: Rounding, where: str) -> Rounding:
    value = config.get("rounding", default.value)
    try:
        return Rounding(value)
    except ValueError:
        valid = ", ".join(r.value for r in Rounding)
        raise ConfigError(f"{where}.rounding: unknown {value!r}; valid: {valid}") from None


def _probability_power_fee(config: Config, where: str) -> FeeModel:
    check_keys(config, ("model", "rate", "exponent", "taker_only", "rounding"), where)
    return ProbabilityPowerFee(
        config_decimal(config, "rate", None, where),
        config_int(config, "exponent", 1, where),
        config_bool(config, "taker_only", True, where),
        rounding=_rounding(config, Rounding.FLOOR, where),
    )


def _cent_rounded_fee(config: Config, where: str) -> FeeModel:
    keys = ("model", "taker_coefficient", "maker_coefficient", "fee_decimals")
    check_keys(config, keys, where)
    maker = config.get("maker_coefficient")
    return CentRoundedProbabilityFee(
        config_decimal(config, "taker_coefficient", Decimal("0.07"), where),
        None if maker is None else config_decimal(config, "maker_coefficient", None, where),
        config_int(config, "fee_decimals", 2, where),
    )


def _settlement_only_fee(config: Config, where: str) -> FeeModel:
    check_keys(config, ("model",), where)
    return SettlementOnlyFee()


def _bps_fee(config: Config, where: str) -> FeeModel:
    check_keys(config, ("model", "maker_bps", "taker_bps", "rounding"), where)
    return BpsFee(
        config_decimal(config, "maker_bps", None, where),
        config_decimal(config, "taker_bps", None, where),
        _rounding(config, Rounding.CEILING, where),
    )


_FEE_MODELS: dict[str, Callable[[Config, str], FeeModel]] = {
    "probability_power": _probability_power_fee,
    "cent_rounded_probability": _cent_rounded_fee,
    "settlement_only": _settlement_only_fee,
    "bps": _bps_fee,
}


def fee_from_config(config: Config, where: str = "fee") -> FeeModel:
    """Build a fee model (the venue that uses it in brackets):
    ``{"model": "probability_power", "rate": "0.072", "exponent": 1}`` (Polymarket),
    ``{"model": "cent_rounded_probability", "maker_coefficient": "0.0175"}`` (Kalshi),
    ``{"model": "settlement_only"}`` (Betfair) or
    ``{"model": "bps", "maker_bps": "2", "taker_bps": "5.5"}``."""
    model = _model_name(config, _FEE_MODELS, where)
    return _FEE_MODELS[model](config, where)


def profile_models(config: Config, default_queue: QueueModel | None, where: str) -> dict[str, Any]:
    """Read the keys every venue profile shares (``latency``, ``queue``,
    ``min_notional_micros``) into ``VenueProfile`` keyword arguments."""
    queue = config.get("queue")
    if queue is not None:
        queue = queue_from_config(queue, f"{where}.queue")
    return {
        "latency": latency_config_from_config(config.get("latency", {}), f"{where}.latency"),
        "queue_model": default_queue if queue is None else queue,
        "min_notional_micros": config_int(config, "min_notional_micros", 0, where),
    }


BPS_FEE_KEYS = ("maker_bps", "taker_bps")


def bps_venue_profile(
    venue: str,
    config: Config,
    maker_bps: Decimal,
    taker_bps: Decimal,
    supports_reduce_only: bool,
) -> VenueProfile:
    """The profile of a crypto venue charging maker/taker basis points: LIMIT and MARKET
    orders, GTC/IOC/FOK, post-only, no complementary matching, risk-averse queue by default.
    ``config`` may override ``maker_bps``, ``taker_bps`` and the shared profile keys."""
    where = f"{venue} profile"
    check_keys(config, BPS_FEE_KEYS + PROFILE_KEYS, where)
    fee = BpsFee(
        config_decimal(config, "maker_bps", maker_bps, where),
        config_decimal(config, "taker_bps", taker_bps, where),
    )
    return VenueProfile(
        venue=venue,
        fee_model=fee,
        order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
        time_in_force=frozenset({TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC}),
        supports_post_only=True,
        supports_reduce_only=supports_reduce_only,
        complementary_matching=False,
        **profile_models(config, RiskAverseQueue(), where),
    )
