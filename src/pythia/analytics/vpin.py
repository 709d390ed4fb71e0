"""VPIN (Easley, Lopez de Prado and O'Hara 2012) over equal-volume buckets, one trade at a time.

Trades fill buckets of ``bucket_volume``; a trade that overflows a bucket is split at the
boundary. Each full bucket ``tau`` leaves its imbalance ``|V_S - V_B|`` and

    VPIN = sum of the last n imbalances / (n * bucket_volume)

over the last ``window`` buckets (fewer while the first ones fill; see ``is_ready``).

Buy and sell volume come from the venue's real trade signs (the aggressor side) whenever
a trade has one: Polymarket and Kalshi publish them, and they beat any classification.
Trades without a sign fall back to Bulk Volume Classification: they are summed into time
bars of ``bar_ns`` and, when a bar closes, its volume ``V`` splits into buys
``V * Z(dP / sigma_dP)`` and sells (``Z`` the standard normal CDF, ``dP`` the bar's close
minus the previous close, ``sigma_dP`` the sample standard deviation of every bar change so
far, this one included; with fewer than two changes or no spread, the sign of ``dP`` decides
and ``dP = 0`` splits evenly).

>>> vpin = Vpin(bucket_volume=10, window=2)
>>> for size, side in ((4, Side.BUY), (3, Side.SELL), (5, Side.BUY), (8, Side.SELL)):
...     vpin.on_trade(0, 100, size, side)
>>> vpin.value  # buckets (B 7, S 3) and (B 2, S 8): (4 + 6) / 20
0.5
"""

from __future__ import annotations

import math
from collections import deque

from pythia.model.enums import Side
from pythia.model.events import Trade

DEFAULT_BAR_NS = 60 * 1_000_000_000


def normal_cdf(x: float) -> float:
    """Return the standard normal CDF at ``x``."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class Vpin:
    """Incremental VPIN with exact trade signs and a BVC fallback for unsigned trades."""

    def __init__(
        self, bucket_volume: int | float, window: int = 50, bar_ns: int = DEFAULT_BAR_NS
    ) -> None:
        if bucket_volume <= 0 or window <= 0 or bar_ns <= 0:
            raise ValueError("bucket_volume, window and bar_ns must be > 0")
        self.bucket_volume = bucket_volume
        self.window = window
        self.bar_ns = bar_ns
        self._imbalances: deque[float] = deque(maxlen=window)
        self._buy = 0.0
        self._sell = 0.0
        self.buckets_completed = 0
        self.signed_volume = 0
        self.classified_volume = 0
        # BVC state: the open bar, the last close, running moments of bar changes.
        self._bar_index: int | None = None
        self._bar_volume = 0
        self._bar_close: float | None = None
        self._last_close: float | None = None
        self._changes = 0
        self._mean = 0.0
        self._m2 = 0.0

    # ---- input ---------------------------------------------------------------------------
    def on_trade(self, ts_ns: int, price: int | float, size: int, aggressor: Side | None) -> None:
        """Add a trade: signed by its aggressor, or into the current BVC bar when unsigned."""
        if size <= 0:
            return
        self.flush(ts_ns)
        if aggressor is Side.BUY:
            self.signed_volume += size
            self._add(size, 0)
        elif aggressor is Side.SELL:
            self.signed_volume += size
            self._add(0, size)
        else:
            if self._bar_index is None:
                self._bar_index = ts_ns // self.bar_ns
                if self._last_close is None:
                    self._last_close = float(price)  # the first bar opens at its first trade
            self._bar_volume += size
            self._bar_close = float(price)

    def on_trade_event(self, trade: Trade) -> None:
        """Add a :class:`~pythia.model.events.Trade` (event time, its aggressor if any)."""
        self.on_trade(trade.ts_event_ns, trade.price, trade.size, trade.aggressor)

    def flush(self, now_ns: int) -> None:
        """Close the open BVC bar if ``now_ns`` is past its end (call on a timer when idle)."""
        if self._bar_index is not None and now_ns // self.bar_ns > self._bar_index:
            self._close_bar()

    def finish(self) -> None:
        """Close the open BVC bar now (end of data)."""
        if self._bar_index is not None:
            self._close_bar()

    # ---- output --------------------------------------------------------------------------
    @property
    def value(self) -> float | None:
        """Return VPIN over the completed buckets in the window, None before the first."""
        if not self._imbalances:
            return None
        return sum(self._imbalances) / (len(self._imbalances) * self.bucket_volume)

    @property
    def is_ready(self) -> bool:
        """Return True once ``window`` buckets have completed."""
        return len(self._imbalances) == self.window

    @property
    def bar_sigma(self) -> float | None:
        """Return the standard deviation of BVC bar price changes so far (None below two)."""
        return math.sqrt(self._m2 / (self._changes - 1)) if self._changes >= 2 else None

    # ---- internals -----------------------------------------------------------------------
    def _close_bar(self) -> None:
        volume, close = self._bar_volume, self._bar_close
        change = close - self._last_close
        self._changes += 1
        delta = change - self._mean
        self._mean += delta / self._changes
        self._m2 += delta * (change - self._mean)
        sigma = self.bar_sigma
        if sigma:
            buy_fraction = normal_cdf(change / sigma)
        else:
            buy_fraction = 0.5 if change == 0 else (1.0 if change > 0 else 0.0)
        self._last_close = close
        self._bar_index, self._bar_volume, self._bar_close = None, 0, None
        self.classified_volume += volume
        buys = volume * buy_fraction
        self._add(buys, volume - buys)

    def _add(self, buy: float, sell: float) -> None:
        """Pour volume into buckets, splitting it proportionally at bucket boundaries."""
        total = buy + sell
        while total > 0:
            room = self.bucket_volume - (self._buy + self._sell)
            if total < room:
                self._buy += buy
                self._sell += sell
                return
            fraction = room / total
            self._complete(self._buy + buy * fraction, self._sell + sell * fraction)
            buy -= buy * fraction
            sell -= sell * fraction
            total = buy + sell

    def _complete(self, buy: float, sell: float) -> None:
        self._imbalances.append(abs(sell - buy))
        self._buy = self._sell = 0.0
        self.buckets_completed += 1
