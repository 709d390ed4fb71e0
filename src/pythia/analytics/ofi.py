"""Order-flow imbalance (Cont, Kukanov and Stoikov 2014), updated one top-of-book event at a time.

For successive best quotes ``(Pb, qb, Pa, qa)`` the contribution of event ``n`` is

    e_n = 1{Pb_n >= Pb_n-1} qb_n - 1{Pb_n <= Pb_n-1} qb_n-1
          - 1{Pa_n <= Pa_n-1} qa_n + 1{Pa_n >= Pa_n-1} qa_n-1

and ``OFI`` over an interval is the sum of its contributions: positive when bids grow or
step up and asks shrink or step up (buying pressure). Prices and sizes are the integers of
the book; OFI is in size units. On a prediction market compute it on the YES book (a NO
bid at ``x`` is a YES ask at ``1 - x``).

>>> ofi = OrderFlowImbalance()
>>> ofi.update(0, 100, 5, 102, 7), ofi.update(1, 100, 8, 102, 7), ofi.update(2, 101, 2, 102, 4)
(0, 3, 5)
>>> ofi.value
8
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from pythia.model.events import TopOfBook


@dataclass(frozen=True, slots=True)
class BestQuotes:
    """Best bid and ask prices and sizes, in the book's integer units."""

    bid_price: int
    bid_size: int
    ask_price: int
    ask_size: int


def ofi_contribution(previous: BestQuotes, current: BestQuotes) -> int:
    """Return ``e_n`` for the move from ``previous`` to ``current`` best quotes."""
    contribution = 0
    if current.bid_price >= previous.bid_price:
        contribution += current.bid_size
    if current.bid_price <= previous.bid_price:
        contribution -= previous.bid_size
    if current.ask_price <= previous.ask_price:
        contribution -= current.ask_size
    if current.ask_price >= previous.ask_price:
        contribution += previous.ask_size
    return contribution


class OrderFlowImbalance:
    """Incremental OFI, summed over a rolling time window or since the last :meth:`take`.

    ``window_ns=None`` sums every contribution since the last ``take()`` or ``reset()`` (the
    paper's ``OFI_k`` over interval ``k``); a window sums those of the last ``window_ns``
    nanoseconds (events at exactly ``now - window_ns`` have left). An update with an empty
    side contributes nothing and makes the next update start afresh. ``normalized`` divides
    by the mean depth at the best quotes over the same events (impact is inversely
    proportional to depth), which makes one threshold fit books of different sizes.
    """

    def __init__(self, window_ns: int | None = None) -> None:
        if window_ns is not None and window_ns <= 0:
            raise ValueError(f"window_ns must be > 0, got {window_ns}")
        self.window_ns = window_ns
        self._previous: BestQuotes | None = None
        self._events: deque[tuple[int, int, int]] = deque()  # (ts_ns, e_n, qb + qa)
        self._sum = 0
        self._depth_sum = 0
        self._count = 0

    def update(
        self,
        ts_ns: int,
        bid_price: int | None,
        bid_size: int | None,
        ask_price: int | None,
        ask_size: int | None,
    ) -> int:
        """Record new best quotes at ``ts_ns``; return this event's contribution ``e_n``."""
        if bid_price is None or bid_size is None or ask_price is None or ask_size is None:
            self._previous = None
            self._evict(ts_ns)
            return 0
        current = BestQuotes(bid_price, bid_size, ask_price, ask_size)
        previous, self._previous = self._previous, current
        contribution = 0 if previous is None else ofi_contribution(previous, current)
        depth = bid_size + ask_size
        if self.window_ns is not None:
            self._events.append((ts_ns, contribution, depth))
        self._sum += contribution
        self._depth_sum += depth
        self._count += 1
        self._evict(ts_ns)
        return contribution

    def on_top_of_book(self, event: TopOfBook) -> int:
        """Record a venue top-of-book event (event time); return ``e_n``."""
        return self.update(
            event.ts_event_ns, event.bid_price, event.bid_size, event.ask_price, event.ask_size
        )

    def advance(self, now_ns: int) -> None:
        """Let time pass without an event (contributions older than the window leave)."""
        self._evict(now_ns)

    @property
    def value(self) -> int:
        """Return the OFI over the window (or since the last ``take``), in size units."""
        return self._sum

    @property
    def mean_depth(self) -> float | None:
        """Return the mean of ``(qb + qa) / 2`` over the same events, None without any."""
        return self._depth_sum / (2 * self._count) if self._count else None

    @property
    def normalized(self) -> float | None:
        """Return ``value / mean_depth`` (None without depth)."""
        depth = self.mean_depth
        return self._sum / depth if depth else None

    def take(self) -> int:
        """Return the OFI accumulated so far and start a new interval (quotes are kept)."""
        value = self._sum
        self.reset()
        return value

    def reset(self) -> None:
        """Forget accumulated contributions, keep the last quotes."""
        self._events.clear()
        self._sum = self._depth_sum = self._count = 0

    def _evict(self, now_ns: int) -> None:
        if self.window_ns is None:
            return
        horizon = now_ns - self.window_ns
        events = self._events
        while events and events[0][0] <= horizon:
            _, contribution, depth = events.popleft()
            self._sum -= contribution
            self._depth_sum -= depth
            self._count -= 1
