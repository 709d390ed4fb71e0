"""Latency models: a delay in integer nanoseconds, drawn with the caller's seeded generator.

Every model draws only from the ``random.Random`` passed to :meth:`sample_ns` (never the
global generator), so the same seed gives the same delays. Draws are rounded to whole
nanoseconds and clipped at ``min_ns``.

>>> import random
>>> model = NormalLatency(mean_ns=5_000_000, std_ns=1_000_000)
>>> model.sample_ns(random.Random(7)) == model.sample_ns(random.Random(7))
True
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from pythia.core.errors import ConfigError
from pythia.sim.models.base import ConstantLatency

__all__ = ["ConstantLatency", "EmpiricalLatency", "LogNormalLatency", "NormalLatency"]


def _check_ns(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be an int of nanoseconds, got {value!r}")
    if value < 0:
        raise ConfigError(f"{what} must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class NormalLatency:
    """A normal delay ``N(mean_ns, std_ns)``, rounded and clipped at ``min_ns``."""

    mean_ns: int
    std_ns: int
    min_ns: int = 0

    def __post_init__(self) -> None:
        _check_ns(self.mean_ns, "mean_ns")
        _check_ns(self.std_ns, "std_ns")
        _check_ns(self.min_ns, "min_ns")

    def sample_ns(self, rng: random.Random) -> int:
        draw = rng.normalvariate(self.mean_ns, self.std_ns)
        return max(self.min_ns, round(draw))


@dataclass(frozen=True, slots=True)
class LogNormalLatency:
    """A log-normal delay: ``median_ns x exp(sigma x Z)`` with ``Z`` standard normal (heavy
    right tail, as network delays have), rounded and clipped at ``min_ns``."""

    median_ns: int
    sigma: float
    min_ns: int = 0

    def __post_init__(self) -> None:
        _check_ns(self.median_ns, "median_ns")
        _check_ns(self.min_ns, "min_ns")
        if isinstance(self.sigma, bool) or not isinstance(self.sigma, int | float):
            raise ConfigError(f"sigma must be a number, got {self.sigma!r}")
        if not math.isfinite(self.sigma) or self.sigma < 0:
            raise ConfigError(f"sigma must be finite and >= 0, got {self.sigma}")
        object.__setattr__(self, "sigma", float(self.sigma))

    def sample_ns(self, rng: random.Random) -> int:
        draw = self.median_ns * math.exp(self.sigma * rng.normalvariate(0.0, 1.0))
        return max(self.min_ns, round(draw))


@dataclass(frozen=True, slots=True)
class EmpiricalLatency:
    """A delay drawn uniformly from measured samples (e.g. recorded order round trips)."""

    samples_ns: tuple[int, ...]
    min_ns: int = 0

    def __post_init__(self) -> None:
        samples = tuple(self.samples_ns)
        if not samples:
            raise ConfigError("EmpiricalLatency needs at least one sample")
        for sample in samples:
            _check_ns(sample, "a latency sample")
        _check_ns(self.min_ns, "min_ns")
        object.__setattr__(self, "samples_ns", samples)

    def sample_ns(self, rng: random.Random) -> int:
        return max(self.min_ns, rng.choice(self.samples_ns))
