"""Latency models: integer delays, deterministic per seed, clipped at the minimum, drawn only
from the generator passed in."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pythia.core.errors import ConfigError
from pythia.sim.models.base import LatencyModel
from pythia.sim.models.latency import (
    ConstantLatency,
    EmpiricalLatency,
    LogNormalLatency,
    NormalLatency,
)

MS = 1_000_000

MODELS = [
    ConstantLatency(5 * MS),
    NormalLatency(5 * MS, 2 * MS, min_ns=1 * MS),
    LogNormalLatency(5 * MS, 0.8, min_ns=1 * MS),
    EmpiricalLatency((1 * MS, 2 * MS, 30 * MS)),
]


def draws(model: LatencyModel, seed: int, count: int = 500) -> list[int]:
    rng = random.Random(seed)
    return [model.sample_ns(rng) for _ in range(count)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_contract_latency_models_give_integer_delays_at_or_above_their_minimum(model):
    assert isinstance(model, LatencyModel)
    values = draws(model, seed=1)
    assert all(type(value) is int for value in values)
    assert min(values) >= getattr(model, "min_ns", 0)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_contract_same_seed_same_delays(model):
    assert draws(model, seed=42) == draws(model, seed=42)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_contract_never_touches_the_global_generator(model):
    random.seed(3)
    state = random.getstate()
    draws(model, seed=5, count=50)
    assert random.getstate() == state


@pytest.mark.parametrize("model", MODELS[1:], ids=lambda m: type(m).__name__)
def test_random_models_differ_across_seeds(model):
    assert draws(model, seed=1) != draws(model, seed=2)


def test_constant_latency_ignores_the_generator():
    assert draws(ConstantLatency(7), seed=1, count=3) == [7, 7, 7]


def test_normal_latency_centres_on_its_mean_and_clips_at_min():
    values = draws(NormalLatency(5 * MS, 1 * MS), seed=11, count=4000)
    assert abs(statistics.fmean(values) - 5 * MS) < 0.1 * MS
    clipped = draws(NormalLatency(1 * MS, 5 * MS, min_ns=500_000), seed=11, count=2000)
    assert min(clipped) == 500_000
    assert draws(NormalLatency(3 * MS, 0), seed=1, count=2) == [3 * MS, 3 * MS]


def test_lognormal_latency_has_its_median_and_a_right_tail():
    values = draws(LogNormalLatency(5 * MS, 0.5), seed=12, count=4001)
    assert abs(statistics.median(values) - 5 * MS) < 0.25 * MS
    assert statistics.fmean(values) > statistics.median(values)
    assert min(values) > 0
    assert draws(LogNormalLatency(5 * MS, 0), seed=1, count=2) == [5 * MS, 5 * MS]


def test_empirical_latency_draws_every_sample_and_nothing_else():
    samples = (1 * MS, 2 * MS, 30 * MS)
    values = draws(EmpiricalLatency(samples), seed=13, count=300)
    assert set(values) == set(samples)
    assert set(draws(EmpiricalLatency(samples, min_ns=2 * MS), seed=13)) == {2 * MS, 30 * MS}


def test_empirical_latency_keeps_a_list_as_a_tuple():
    assert EmpiricalLatency([3, 1]).samples_ns == (3, 1)


@pytest.mark.parametrize(
    "build",
    [
        lambda: NormalLatency(-1, 1),
        lambda: NormalLatency(1, -1),
        lambda: NormalLatency(1.5, 1),
        lambda: NormalLatency(True, 1),
        lambda: LogNormalLatency(5, -0.1),
        lambda: LogNormalLatency(5, float("nan")),
        lambda: LogNormalLatency(5, "0.5"),
        lambda: EmpiricalLatency(()),
        lambda: EmpiricalLatency((1, -2)),
        lambda: EmpiricalLatency((1, 2.5)),
    ],
)
def test_bad_parameters_raise_config_error(build):
    with pytest.raises(ConfigError):
        build()


@given(
    mean=st.integers(0, 10**9),
    std=st.integers(0, 10**8),
    minimum=st.integers(0, 10**9),
    seed=st.integers(0, 2**32),
)
def test_normal_latency_bounds_for_any_parameters(mean, std, minimum, seed):
    model = NormalLatency(mean, std, minimum)
    value = model.sample_ns(random.Random(seed))
    assert value >= minimum
    assert value == model.sample_ns(random.Random(seed))
