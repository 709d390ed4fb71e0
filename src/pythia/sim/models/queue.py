"""Queue models: how far a resting order has advanced in the queue at its price level.

A resting order joins behind the displayed size at its price (``ahead``). Each update of
that level reports the displayed size before and after it and how much of the change went in
trades; a model returns the new size ahead. Both models here are deterministic (the ``rng``
argument is unused) and keep ``0 <= result <= min(ahead, level_after)``.

- :class:`RiskAverseQueue`: only trades move us forward; every cancel is assumed behind us.
- :class:`ProbabilisticQueue`: cancels are split between ahead and behind in proportion to
  ``f(ahead)`` and ``f(behind)`` (the hftbacktest-style probabilistic queue model).

>>> import random
>>> RiskAverseQueue().advance(100, 150, 120, 20, random.Random(0))
80
>>> ProbabilisticQueue(power=1).advance(100, 150, 120, 20, random.Random(0))
74
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext

from pythia.core.errors import ConfigError

QUEUE_FUNCTIONS = ("power", "log")
_LOG_PRECISION = 34


@dataclass(frozen=True, slots=True)
class RiskAverseQueue:
    """Advance only by trades at our level: ``min(ahead - traded, level_after)``, >= 0.

    Cancels never move us forward (they are assumed to be behind us), but the size ahead can
    never exceed what the level still displays. Conservative: fills come late, never early.
    """

    def advance(
        self, ahead: int, level_before: int, level_after: int, traded: int, rng: random.Random
    ) -> int:
        front = ahead - traded if traded > 0 else ahead
        return max(0, min(front, level_after))


@dataclass(frozen=True, slots=True)
class ProbabilisticQueue:
    """Advance by trades and by the expected share of cancels that were ahead of us.

    With ``front = max(ahead - traded, 0)`` (trades take the front of the queue first),
    ``back = max(level_before - traded - front, 0)`` (the displayed size behind us, which
    excludes our own simulated order) and ``cancelled = level_before - level_after - traded``:

    - if ``cancelled <= 0`` (the level grew or only traded): ``min(front, level_after)``;
    - otherwise the cancels ahead are
      ``removed = max(floor(cancelled x f(front) / (f(front) + f(back))), cancelled - back)``
      (the second term: cancels beyond what stood behind us must have come from ahead), and
      the result is ``min(front - removed, level_after)``, at least 0.

    ``f`` is ``x ** power`` (``function="power"``; power 1 splits cancels pro rata, higher
    powers assume cancels come mostly from the longer side, i.e. that an order near the back
    rarely sees cancels ahead of it) or ``ln(1 + x)`` (``function="log"``), as in
    hftbacktest's ``ProbQueueModel`` with ``PowerProbQueueFunc`` / ``LogProbQueueFunc``
    (there ``prob = f(back) / (f(back) + f(front))`` is the chance a cancel is behind us).
    Unlike hftbacktest's ``back = prev_qty - front``, ``back`` here excludes the traded size.

    More cancels never put the order further back. With power 1 turning a cancel into a trade
    never does either; higher powers can (the front's share of the cancels shrinks faster
    than the front), a property of the model, not of the rounding.

    The expected cancels ahead are floored (we never advance by a fraction), which makes the
    model deterministic: ``rng`` is unused. The power form is exact integer arithmetic; the
    log form uses ``Decimal`` logarithms at a fixed precision, identical on every platform.
    """

    power: int = 2
    function: str = "power"

    def __post_init__(self) -> None:
        if self.function not in QUEUE_FUNCTIONS:
            valid = ", ".join(QUEUE_FUNCTIONS)
            raise ConfigError(f"unknown queue function {self.function!r}; valid: {valid}")
        if isinstance(self.power, bool) or not isinstance(self.power, int) or self.power < 1:
            raise ConfigError(f"queue power must be an int >= 1, got {self.power!r}")

    def advance(
        self, ahead: int, level_before: int, level_after: int, traded: int, rng: random.Random
    ) -> int:
        traded = max(traded, 0)
        front = max(ahead - traded, 0)
        cancelled = level_before - level_after - traded
        if cancelled <= 0 or front == 0:
            return max(0, min(front, level_after))
        back = max(level_before - traded - front, 0)
        removed = max(self._cancels_ahead(cancelled, front, back), cancelled - back)
        return max(0, min(front - removed, level_after))

    def _cancels_ahead(self, cancelled: int, front: int, back: int) -> int:
        """``floor(cancelled x f(front) / (f(front) + f(back)))`` for ``front >= 1``."""
        if back == 0:
            return cancelled
        if self.function == "power":
            weight_front = front**self.power
            return cancelled * weight_front // (weight_front + back**self.power)
        with localcontext() as context:
            context.prec = _LOG_PRECISION
            weight_front = Decimal(1 + front).ln()
            weight_back = Decimal(1 + back).ln()
            share = Decimal(cancelled) * weight_front / (weight_front + weight_back)
            return int(share.to_integral_value(rounding=ROUND_FLOOR))
