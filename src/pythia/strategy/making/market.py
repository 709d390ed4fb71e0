"""The state of one instrument a maker quotes: its price space, complement, guards, touch
history (for the mid at fill time) and online volatility estimate."""

from __future__ import annotations

import bisect
import math
from collections import deque

from pythia.model.enums import Side
from pythia.model.instruments import Instrument, InstrumentKind, OutcomeToken
from pythia.strategy.making.bounded import logit
from pythia.strategy.making.guards import AdverseSelectionGuards
from pythia.strategy.making.params import MakerParams
from pythia.strategy.making.quoting import QuoteManager, TokenBucket
from pythia.strategy.making.spaces import PlainSpace, space_for

Key = tuple[str, Side]
"""A leg: (instrument id, side)."""


class QuotedMarket:
    """One quoted instrument: its space, complement, guards, sigma estimate and state."""

    def __init__(self, instrument: Instrument, params: MakerParams, bucket: TokenBucket) -> None:
        self.instrument = instrument
        self.id = instrument.id
        self.space: PlainSpace = space_for(instrument)
        token = instrument if isinstance(instrument, OutcomeToken) else None
        self.complement_id = token.complement_id if token else None
        self.group_id = token.group_id if token else None
        self.market_id = token.market_id if token else ""
        self.guards = AdverseSelectionGuards(params.ofi, params.vpin)
        self.manager = QuoteManager(
            params.requote_ticks * instrument.tick, bucket, params.size_tolerance
        )
        self.allow_short = (
            params.allow_short
            if params.allow_short is not None
            else instrument.kind is not InstrumentKind.CRYPTO_SPOT
        )
        self.increments: deque[float] = deque(maxlen=max(params.sigma_window, 2))
        self.last_x: float | None = None
        self.next_sigma_ns = 0
        self.touch: tuple[int, int] | None = None
        self.touch_times: list[int] = []
        self.touches: list[tuple[int, int]] = []
        self.mid: float | None = None
        self.last_book_ns: int | None = None
        self.open = True
        self.resolved = False
        self.keys: set[Key] = set()

    def set_touch(self, ts_ns: int, bid: int, ask: int) -> None:
        self.touch = (bid, ask)
        if not self.touches or self.touches[-1] != self.touch:
            self.touch_times.append(ts_ns)
            self.touches.append(self.touch)

    def touch_at(self, ts_ns: int) -> tuple[int, int] | None:
        """The touch the strategy knew at ``ts_ns`` (its last book update at or before)."""
        index = bisect.bisect_right(self.touch_times, ts_ns) - 1
        return self.touches[index] if index >= 0 else self.touch

    def model_x(self) -> float | None:
        """The coordinate sigma is measured in: the mid, or its logit when bounded."""
        if self.mid is None:
            return None
        if self.space.bounded:
            return logit(min(max(self.mid, 1e-6), 1 - 1e-6))
        return self.mid

    def sample_sigma(self, now_ns: int, interval_s: float) -> None:
        x = self.model_x()
        if x is not None and self.last_x is not None:
            self.increments.append((x - self.last_x) ** 2 / interval_s)
        self.last_x = x

    def online_sigma(self, minimum: int = 10) -> float | None:
        if len(self.increments) < min(minimum, self.increments.maxlen or minimum):
            return None
        return math.sqrt(math.fsum(self.increments) / len(self.increments))
