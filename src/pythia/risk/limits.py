"""Loss limits on equity: drawdown from the peak and loss since the start of the UTC day.

Guards are fed equity updates (micro-units of one currency, engine time) and return the
:class:`ModeRequest` they want, or None. They are level-triggered: while a limit is
breached every update asks again (``ControlState`` ignores a request for the mode it is
already in, or a laxer one), so an operator who resumes trading while the limit is still
breached is stopped again by the next update. A limit is reached when the loss is greater
than or equal to it.
"""

from __future__ import annotations

from fractions import Fraction

from pythia.core.clock import NS_PER_S
from pythia.risk.control import ControlMode, ControlSource, ModeRequest
from pythia.risk.units import Amount, money_micros, to_decimal

NS_PER_DAY = 86_400 * NS_PER_S


class DrawdownGuard:
    """Drawdown = peak equity - equity, the peak tracked over every update so far.

    - soft limit (``soft``, in currency units, and/or ``soft_fraction`` of the peak):
      REDUCE_ONLY (reason ``drawdown_soft``);
    - hard limit (``hard`` and/or ``hard_fraction``): FLATTEN, and once the caller
      reports ``is_flat``, KILLED (reason ``drawdown_hard``). The hard state latches until
      :meth:`reset`, even if equity recovers.

    Fractions apply only while the peak is positive.

    >>> guard = DrawdownGuard("USDC", soft="100", hard_fraction="0.2")
    >>> guard.on_equity(1_000_000_000, 0), guard.on_equity(900_000_000, 1).mode.value
    (None, 'reduce_only')
    >>> guard.on_equity(800_000_000, 2).mode.value
    'flatten'
    >>> guard.on_equity(800_000_000, 3, is_flat=True).mode.value
    'killed'
    """

    __slots__ = (
        "currency",
        "soft_micros",
        "hard_micros",
        "soft_fraction",
        "hard_fraction",
        "peak_micros",
        "is_hard_tripped",
    )

    def __init__(
        self,
        currency: str,
        soft: Amount | None = None,
        hard: Amount | None = None,
        soft_fraction: Amount | None = None,
        hard_fraction: Amount | None = None,
    ) -> None:
        self.currency = currency
        self.soft_micros = None if soft is None else money_micros(soft, "drawdown.soft")
        self.hard_micros = None if hard is None else money_micros(hard, "drawdown.hard")
        self.soft_fraction = _fraction(soft_fraction, "drawdown.soft_fraction")
        self.hard_fraction = _fraction(hard_fraction, "drawdown.hard_fraction")
        self.peak_micros: int | None = None
        self.is_hard_tripped = False

    def reset(self) -> None:
        """Forget the peak and the hard trip (after an operator's reset)."""
        self.peak_micros = None
        self.is_hard_tripped = False

    def on_equity(
        self, equity_micros: int, ts_ns: int, is_flat: bool = False
    ) -> ModeRequest | None:
        """Feed one equity update; return the mode the guard wants, or None."""
        peak = equity_micros if self.peak_micros is None else max(self.peak_micros, equity_micros)
        self.peak_micros = peak
        drawdown = peak - equity_micros
        detail = f"drawdown {drawdown} of peak {peak} micro-units {self.currency}"
        if self.is_hard_tripped or _breached(drawdown, peak, self.hard_micros, self.hard_fraction):
            self.is_hard_tripped = True
            mode = ControlMode.KILLED if is_flat else ControlMode.FLATTEN
            return ModeRequest(mode, ControlSource.LIMIT, "drawdown_hard", detail, self.currency)
        if _breached(drawdown, peak, self.soft_micros, self.soft_fraction):
            return ModeRequest(
                ControlMode.REDUCE_ONLY, ControlSource.LIMIT, "drawdown_soft", detail, self.currency
            )
        return None


def _fraction(value: Amount | None, what: str) -> Fraction | None:
    return None if value is None else Fraction(to_decimal(value, what))


def _breached(drawdown: int, peak: int, limit: int | None, fraction: Fraction | None) -> bool:
    if limit is not None and drawdown >= limit:
        return True
    return (
        fraction is not None
        and peak > 0
        and drawdown * fraction.denominator >= fraction.numerator * peak
    )


class DailyLossGuard:
    """Loss since the start of the UTC day (engine time) >= ``max_loss``: ask for ``mode``
    (REDUCE_ONLY by default; reason ``daily_loss``).

    The day's baseline is the first equity update of each UTC day, so the engine should feed
    one at the day boundary (a timer at 00:00 UTC); the guard resets itself when the day
    changes. It never lifts the mode it asked for: an operator resumes.

    >>> guard = DailyLossGuard("USD", "5")  # 5 USD
    >>> guard.on_equity(100_000_000, 0), guard.on_equity(95_000_000, 1).reason
    (None, 'daily_loss')
    >>> guard.on_equity(95_000_000, NS_PER_DAY) is None  # a new day, a new baseline
    True
    """

    __slots__ = ("currency", "max_loss_micros", "mode", "day", "day_start_micros")

    def __init__(
        self, currency: str, max_loss: Amount, mode: ControlMode = ControlMode.REDUCE_ONLY
    ) -> None:
        self.currency = currency
        self.max_loss_micros = money_micros(max_loss, "daily_loss.max_loss")
        self.mode = mode
        self.day: int | None = None
        self.day_start_micros = 0

    def on_equity(self, equity_micros: int, ts_ns: int) -> ModeRequest | None:
        """Feed one equity update; return the mode the guard wants, or None."""
        day = ts_ns // NS_PER_DAY
        if day != self.day:
            self.day = day
            self.day_start_micros = equity_micros
        loss = self.day_start_micros - equity_micros
        if loss < self.max_loss_micros:
            return None
        return ModeRequest(
            self.mode,
            ControlSource.LIMIT,
            "daily_loss",
            f"lost {loss} micro-units {self.currency} today (limit {self.max_loss_micros})",
            self.currency,
        )
