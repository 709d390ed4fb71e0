"""Circuit breakers: fed by events, each returns a trip (a :class:`ModeRequest`) or None.

Deterministic: every input carries its engine timestamp; nothing reads the wall clock.
Breakers are level-triggered like the loss guards (``risk/limits.py``): while the
condition holds each event trips again and ``ControlState`` ignores the repeats. Each
breaker trips the mode it was configured with (PAUSED by default) with source ``breaker``.

================= ======================================== ==========================
breaker           fed by                                   reason
================= ======================================== ==========================
StaleFeed         ``on_update(key, ts)``, ``on_tick(now)`` ``stale_feed``
SpreadBlowout     ``on_spread(instrument, spread, ts)``    ``spread_blowout``
Slippage          ``on_fill(instrument, side, ...)``       ``slippage``
RejectionBurst    ``on_rejection(ts)`` / ``on_error(ts)``  ``rejection_burst``
RateLimit         ``on_rate_limit(venue, ts)``             ``rate_limit``
================= ======================================== ==========================
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Mapping
from fractions import Fraction
from typing import Protocol

from pythia.core.fixed import Rounding, decimal_to_units
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, PriceSpace
from pythia.risk.control import ControlMode, ControlSource, ModeRequest
from pythia.risk.units import Amount, to_decimal


class CircuitBreaker(Protocol):
    """A breaker: its ``name`` (also its reason code) and the ``mode`` it trips."""

    name: str
    mode: ControlMode


def _trip(breaker: CircuitBreaker, detail: str, subject: str = "") -> ModeRequest:
    return ModeRequest(breaker.mode, ControlSource.BREAKER, breaker.name, detail, subject)


class StaleFeed:
    """Trip when a watched feed (a venue, an instrument, a stream: any key) has had no update
    for more than ``max_age_ns`` (``per_key`` overrides) at a timer tick."""

    __slots__ = ("name", "mode", "max_age_ns", "per_key", "last_ns")

    def __init__(
        self,
        max_age_ns: int,
        per_key: Mapping[str, int] | None = None,
        mode: ControlMode = ControlMode.PAUSED,
    ) -> None:
        self.name = "stale_feed"
        self.mode = mode
        self.max_age_ns = max_age_ns
        self.per_key = dict(per_key or {})
        self.last_ns: dict[str, int] = {}

    def on_update(self, key: str, ts_ns: int) -> None:
        """Record an update of ``key`` (the first call starts watching it)."""
        self.last_ns[key] = ts_ns

    def forget(self, key: str) -> None:
        """Stop watching ``key`` (a market closed, a venue removed)."""
        self.last_ns.pop(key, None)

    def on_tick(self, now_ns: int) -> ModeRequest | None:
        """Check every watched key at ``now_ns``; trip naming the stale ones (sorted)."""
        stale = sorted(
            key
            for key, last_ns in self.last_ns.items()
            if now_ns - last_ns > self.per_key.get(key, self.max_age_ns)
        )
        if not stale:
            return None
        ages = ", ".join(f"{key} {now_ns - self.last_ns[key]} ns" for key in stale)
        return _trip(self, f"no update for: {ages}", stale[0])


class _RunningMedian:
    """The median of the last ``window`` integers (exact: a Fraction for an even count)."""

    __slots__ = ("window", "recent", "ordered")

    def __init__(self, window: int) -> None:
        self.window = window
        self.recent: deque[int] = deque()
        self.ordered: list[int] = []

    def __len__(self) -> int:
        return len(self.recent)

    def add(self, value: int) -> None:
        if len(self.recent) == self.window:
            oldest = self.recent.popleft()
            del self.ordered[bisect_left(self.ordered, oldest)]
        self.recent.append(value)
        insort(self.ordered, value)

    def median(self) -> Fraction:
        ordered = self.ordered
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return Fraction(ordered[middle])
        return Fraction(ordered[middle - 1] + ordered[middle], 2)


class SpreadBlowout:
    """Trip when an instrument's spread (best ask - best bid, price units) is above
    ``max_spread`` (in price, e.g. ``"0.10"``) or above ``multiple`` x the median of its
    last ``window`` spreads (once ``min_samples`` were seen and the median is positive).
    Every spread >= 0 joins the window after the check; negative (crossed) spreads are
    ignored."""

    __slots__ = (
        "name",
        "mode",
        "multiple",
        "max_spread",
        "window",
        "min_samples",
        "_medians",
        "_caps",
    )

    def __init__(
        self,
        multiple: Amount | None = None,
        max_spread: Amount | None = None,
        window: int = 100,
        min_samples: int = 20,
        mode: ControlMode = ControlMode.PAUSED,
    ) -> None:
        self.name = "spread_blowout"
        self.mode = mode
        self.multiple = None if multiple is None else Fraction(to_decimal(multiple, "multiple"))
        self.max_spread = None if max_spread is None else to_decimal(max_spread, "max_spread")
        self.window = window
        self.min_samples = max(1, min_samples)
        self._medians: dict[str, _RunningMedian] = {}
        self._caps: dict[str, int | None] = {}

    def _cap(self, instrument: Instrument) -> int | None:
        if instrument.id not in self._caps:
            self._caps[instrument.id] = (
                None
                if self.max_spread is None
                else decimal_to_units(self.max_spread, instrument.price_decimals, Rounding.FLOOR)
            )
        return self._caps[instrument.id]

    def on_spread(self, instrument: Instrument, spread: int, ts_ns: int) -> ModeRequest | None:
        """Feed the spread of ``instrument`` at ``ts_ns``; return a trip or None."""
        if spread < 0:
            return None
        history = self._medians.get(instrument.id)
        if history is None:
            history = self._medians[instrument.id] = _RunningMedian(self.window)
        detail = ""
        cap = self._cap(instrument)
        if cap is not None and spread > cap:
            detail = f"spread {spread} above the cap {cap}"
        elif self.multiple is not None and len(history) >= self.min_samples:
            median = history.median()
            if median > 0 and spread > self.multiple * median:
                detail = f"spread {spread} above {self.multiple} x the median {median}"
        history.add(spread)
        return _trip(self, f"{instrument.id}: {detail}", instrument.id) if detail else None


class Slippage:
    """Trip when a fill's realized slippage exceeds both ``multiple`` x the expected slippage
    and a floor of ``floor_ticks`` ticks (the tick at the expected price).

    Realized slippage is how much worse the fill is than ``expected_price``, in price units:
    ``fill - expected`` for a buy, ``expected - fill`` for a sell; on decimal odds the other
    way round (a back wants high odds). ``expected_slippage`` (>= 0, price units) is what the
    strategy or fill model expected on top of ``expected_price``.
    """

    __slots__ = ("name", "mode", "multiple", "floor_ticks")

    def __init__(
        self, multiple: Amount, floor_ticks: int = 1, mode: ControlMode = ControlMode.PAUSED
    ) -> None:
        self.name = "slippage"
        self.mode = mode
        self.multiple = Fraction(to_decimal(multiple, "multiple"))
        self.floor_ticks = floor_ticks

    def on_fill(
        self,
        instrument: Instrument,
        side: Side,
        expected_price: int,
        fill_price: int,
        expected_slippage: int,
        ts_ns: int,
    ) -> ModeRequest | None:
        """Feed one fill; return a trip or None."""
        worse_when_higher = (side is Side.BUY) != (
            instrument.price_space is PriceSpace.DECIMAL_ODDS
        )
        realized = fill_price - expected_price
        if not worse_when_higher:
            realized = -realized
        floor = self.floor_ticks * instrument.ticks.tick_at(expected_price)
        if realized <= floor or realized <= self.multiple * expected_slippage:
            return None
        return _trip(
            self,
            f"{instrument.id}: {side.value} filled at {fill_price}, {realized} worse than "
            f"{expected_price} (expected {expected_slippage}, x{self.multiple}, "
            f"floor {floor})",
            instrument.id,
        )


class _Window:
    """Timestamps of events in the last ``window_ns`` (an event at ``ts - window_ns`` is out)."""

    __slots__ = ("window_ns", "times")

    def __init__(self, window_ns: int) -> None:
        self.window_ns = window_ns
        self.times: deque[int] = deque()

    def add(self, ts_ns: int) -> int:
        """Record an event at ``ts_ns``; return how many fall in the window ending there."""
        times = self.times
        times.append(ts_ns)
        horizon = ts_ns - self.window_ns
        while times and times[0] <= horizon:
            times.popleft()
        return len(times)


class RejectionBurst:
    """Trip when ``count`` or more order rejections or errors fall within ``window_ns``."""

    __slots__ = ("name", "mode", "count", "_window")

    def __init__(self, count: int, window_ns: int, mode: ControlMode = ControlMode.PAUSED) -> None:
        self.name = "rejection_burst"
        self.mode = mode
        self.count = count
        self._window = _Window(window_ns)

    def on_rejection(self, ts_ns: int, reason: str = "") -> ModeRequest | None:
        """Feed one rejection (venue or risk) or error; return a trip or None."""
        seen = self._window.add(ts_ns)
        if seen < self.count:
            return None
        last = f" (last: {reason})" if reason else ""
        return _trip(self, f"{seen} rejections or errors in {self._window.window_ns} ns{last}")

    on_error = on_rejection


class RateLimit:
    """Trip when a venue answers with ``count`` rate-limit responses within ``window_ns``
    (``count=1``: on the first one)."""

    __slots__ = ("name", "mode", "count", "window_ns", "_windows")

    def __init__(
        self,
        count: int = 1,
        window_ns: int = 60 * 1_000_000_000,
        mode: ControlMode = ControlMode.PAUSED,
    ) -> None:
        self.name = "rate_limit"
        self.mode = mode
        self.count = count
        self.window_ns = window_ns
        self._windows: dict[str, _Window] = {}

    def on_rate_limit(self, venue: str, ts_ns: int) -> ModeRequest | None:
        """Feed one rate-limit response of ``venue``; return a trip or None."""
        window = self._windows.get(venue)
        if window is None:
            window = self._windows[venue] = _Window(self.window_ns)
        seen = window.add(ts_ns)
        if seen < self.count:
            return None
        return _trip(self, f"{venue}: {seen} rate-limit responses in {self.window_ns} ns", venue)
