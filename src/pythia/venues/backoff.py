"""Exponential backoff with jitter, drawn from an injected seeded generator.

>>> import random
>>> policy = Backoff(base_s=1.0, max_s=8.0, jitter=0.0)
>>> [policy.delay_s(attempt, random.Random(1)) for attempt in range(5)]
[1.0, 2.0, 4.0, 8.0, 8.0]
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before retry ``attempt`` (0-based): ``min(max_s, base_s * factor**attempt)``,
    of which the fraction ``jitter`` is drawn uniformly (0: no jitter, 1: full jitter)."""

    base_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        capped = min(self.max_s, self.base_s * self.factor ** min(attempt, 64))
        return capped * (1.0 - self.jitter) + capped * self.jitter * rng.random()
