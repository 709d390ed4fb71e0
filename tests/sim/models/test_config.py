"""Config builders: plain dicts (parsed TOML) to models, and errors that list the choices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.core.fixed import Rounding
from pythia.sim.models.base import LatencyConfig
from pythia.sim.models.config import (
    check_keys,
    fee_from_config,
    latency_config_from_config,
    latency_from_config,
    profile_models,
    queue_from_config,
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
from pythia.sim.models.queue import ProbabilisticQueue, RiskAverseQueue

# --- Latency ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model": "constant", "ns": 5_000_000}, ConstantLatency(5_000_000)),
        ({"model": "constant", "ms": 5}, ConstantLatency(5_000_000)),
        ({"model": "constant", "us": 250}, ConstantLatency(250_000)),
        ({"model": "constant", "ms": 0.25}, ConstantLatency(250_000)),
        ({"model": "constant", "s": "0.001"}, ConstantLatency(1_000_000)),
        (
            {"model": "normal", "mean_ms": 5, "std_ms": 1},
            NormalLatency(5_000_000, 1_000_000),
        ),
        (
            {"model": "normal", "mean_ms": 5, "std_us": 500, "min_ns": 10},
            NormalLatency(5_000_000, 500_000, 10),
        ),
        (
            {"model": "lognormal", "median_ms": 4, "sigma": 0.5},
            LogNormalLatency(4_000_000, 0.5),
        ),
        (
            {"model": "empirical", "samples_us": [900, 1100, 4000], "min_us": 1000},
            EmpiricalLatency((900_000, 1_100_000, 4_000_000), 1_000_000),
        ),
    ],
)
def test_latency_from_config(config, expected):
    assert latency_from_config(config) == expected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "gamma"}, "valid models: constant, empirical, lognormal, normal"),
        ({"ns": 5}, "missing 'model'; valid models: constant"),
        ({"model": "constant"}, "missing delay (one of ns, us, ms, s)"),
        ({"model": "constant", "ns": 1, "ms": 1}, "not ns, ms"),
        ({"model": "constant", "ns": 1, "mean_ms": 1}, "valid keys: model, ms, ns, s, us"),
        ({"model": "constant", "ns": 1.5}, "not a whole number of nanoseconds"),
        ({"model": "constant", "ns": -1}, ">= 0"),
        ({"model": "constant", "ns": True}, "expected a number"),
        ({"model": "constant", "ms": "fast"}, "not a number"),
        ({"model": "normal", "mean_ms": 5}, "missing std"),
        ({"model": "lognormal", "median_ms": 5}, "sigma"),
        ({"model": "lognormal", "median_ms": 5, "sigma": -1}, "sigma"),
        ({"model": "empirical", "samples_ms": []}, "non-empty list"),
        ({"model": "empirical", "samples_ms": "12"}, "non-empty list"),
        ({"model": "empirical"}, "exactly one of samples_ns"),
        ("constant", "expected a table"),
    ],
)
def test_latency_from_config_errors_say_what_is_valid(config, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        latency_from_config(config)


def test_latency_config_from_config_builds_each_leg_and_defaults_missing_ones_to_zero():
    latency = latency_config_from_config(
        {"feed": {"model": "constant", "ms": 2}, "order_entry": {"model": "constant", "ms": 5}}
    )
    assert latency == LatencyConfig(
        feed=ConstantLatency(2_000_000),
        order_entry=ConstantLatency(5_000_000),
        response=ConstantLatency(0),
    )
    assert latency_config_from_config({}) == LatencyConfig()


def test_latency_config_errors_name_the_leg():
    with pytest.raises(ConfigError, match="valid keys: feed, order_entry, response"):
        latency_config_from_config({"fed": {"model": "constant", "ns": 1}})
    with pytest.raises(ConfigError, match=r"latency\.response: unknown model"):
        latency_config_from_config({"response": {"model": "uniform"}})


# --- Queue -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model": "risk_averse"}, RiskAverseQueue()),
        ({"model": "probabilistic"}, ProbabilisticQueue(2)),
        ({"model": "probabilistic", "power": 3}, ProbabilisticQueue(3)),
        ({"model": "probabilistic", "function": "log"}, ProbabilisticQueue(function="log")),
    ],
)
def test_queue_from_config(config, expected):
    assert queue_from_config(config) == expected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "fifo"}, "valid models: probabilistic, risk_averse"),
        ({"model": "risk_averse", "power": 2}, "valid keys: model"),
        ({"model": "probabilistic", "power": 0}, "integer >= 1"),
        ({"model": "probabilistic", "power": 2.5}, "integer >= 1"),
        ({"model": "probabilistic", "function": "exp"}, "valid functions: power, log"),
        ({"model": "probabilistic", "function": "log", "power": 2}, "only to function 'power'"),
    ],
)
def test_queue_from_config_errors(config, message):
    with pytest.raises(ConfigError, match=message):
        queue_from_config(config)


# --- Fees ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"model": "probability_power", "rate": "0.072"},
            ProbabilityPowerFee(Decimal("0.072"), 1, True),
        ),
        (
            {"model": "probability_power", "rate": 0.25, "exponent": 2, "taker_only": False},
            ProbabilityPowerFee(Decimal("0.25"), 2, False),
        ),
        (
            {"model": "probability_power", "rate": "0.04", "rounding": "half_even"},
            ProbabilityPowerFee(Decimal("0.04"), rounding=Rounding.HALF_EVEN),
        ),
        ({"model": "cent_rounded_probability"}, CentRoundedProbabilityFee()),
        (
            {"model": "cent_rounded_probability", "maker_coefficient": "0.0175", "fee_decimals": 4},
            CentRoundedProbabilityFee(Decimal("0.07"), Decimal("0.0175"), 4),
        ),
        ({"model": "settlement_only"}, SettlementOnlyFee()),
        (
            {"model": "bps", "maker_bps": 2, "taker_bps": "5.5"},
            BpsFee(Decimal(2), Decimal("5.5")),
        ),
        (
            {"model": "bps", "maker_bps": 1, "taker_bps": 1, "rounding": "down"},
            BpsFee(Decimal(1), Decimal(1), Rounding.DOWN),
        ),
    ],
)
def test_fee_from_config(config, expected):
    assert fee_from_config(config) == expected


def test_fee_from_config_reads_a_float_rate_as_written():
    assert fee_from_config({"model": "probability_power", "rate": 0.072}).rate == Decimal("0.072")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"model": "flat"},
            "valid models: bps, cent_rounded_probability, probability_power, settlement_only",
        ),
        ({"model": "probability_power"}, "missing 'rate'"),
        ({"model": "probability_power", "rate": "-1"}, ">= 0"),
        ({"model": "probability_power", "rate": "x"}, "not a decimal number"),
        ({"model": "probability_power", "rate": "0.1", "exponent": 1.5}, "integer >= 0"),
        ({"model": "probability_power", "rate": "0.1", "taker_only": "yes"}, "true or false"),
        ({"model": "probability_power", "rate": "0.1", "r": "0.1"}, "valid keys: exponent, model"),
        ({"model": "bps", "maker_bps": 1}, "missing 'taker_bps'"),
        ({"model": "bps", "maker_bps": 1, "taker_bps": 1, "rounding": "up!"}, "valid: down"),
        ({"model": "settlement_only", "rate": 5}, "valid keys: model"),
    ],
)
def test_fee_from_config_errors(config, message):
    with pytest.raises(ConfigError, match=message):
        fee_from_config(config)


# --- Shared helpers --------------------------------------------------------------------------


def test_check_keys_lists_the_valid_keys():
    check_keys({"a": 1}, ("a", "b"), "here")
    with pytest.raises(ConfigError, match="here: unknown key.s. c; valid keys: a, b"):
        check_keys({"a": 1, "c": 2}, ("a", "b"), "here")


def test_profile_models_reads_the_shared_profile_keys():
    models = profile_models(
        {
            "latency": {"order_entry": {"model": "constant", "ms": 3}},
            "queue": {"model": "probabilistic", "power": 1},
            "min_notional_micros": 1_000_000,
        },
        RiskAverseQueue(),
        "venue",
    )
    assert models == {
        "latency": LatencyConfig(order_entry=ConstantLatency(3_000_000)),
        "queue_model": ProbabilisticQueue(1),
        "min_notional_micros": 1_000_000,
    }
    defaults = profile_models({}, RiskAverseQueue(), "venue")
    assert defaults["queue_model"] == RiskAverseQueue()
    assert defaults["latency"] == LatencyConfig()
    with pytest.raises(ConfigError, match=r"venue\.queue: unknown model"):
        profile_models({"queue": {"model": "x"}}, None, "venue")
