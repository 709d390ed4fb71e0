"""Quote management: when to place, keep, replace or cancel a maker's resting quotes.

Pure decisions, no I/O: the strategy holds the resting quotes and submits what is decided.

- a resting quote is replaced only when its target moved by more than ``threshold`` price
  units (or its size by more than ``size_tolerance`` of it), so small model jitter costs
  no messages and no queue position;
- every new quote is post-only and priced to rest: a bid at or above the best ask moves to
  one tick below it (:func:`post_only_price`);
- new and replacing orders spend tokens from a :class:`TokenBucket` of the venue's rate
  limit; without a token the change waits (the old quote stays) and is counted as deferred;
- :func:`cancel_reason` says when to pull everything: paused, breaker tripped or a stale
  feed. Cancelling all is never rate-limited.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pythia.model.enums import Side

NS_PER_S = 1_000_000_000


class Action(enum.Enum):
    KEEP = "keep"
    PLACE = "place"
    REPLACE = "replace"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Quote:
    """A price and size on one side, in the instrument's integer units."""

    price: int
    size: int


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do on one side; ``quote`` is the order to send for PLACE and REPLACE."""

    side: Side
    action: Action
    quote: Quote | None = None
    post_only: bool = True
    deferred: bool = False
    """True when a change was wanted but the rate limit held it back (action KEEP)."""


class TokenBucket:
    """A venue rate limit: ``capacity`` tokens, refilled at ``rate_per_s``; starts full."""

    def __init__(self, capacity: float, rate_per_s: float, now_ns: int = 0) -> None:
        if capacity <= 0 or rate_per_s < 0:
            raise ValueError("capacity must be > 0 and rate_per_s >= 0")
        self.capacity = capacity
        self.rate_per_s = rate_per_s
        self._tokens = float(capacity)
        self._at_ns = now_ns

    def available(self, now_ns: int) -> float:
        """Return the tokens available at ``now_ns``."""
        self._refill(now_ns)
        return self._tokens

    def try_take(self, now_ns: int, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are enough; return whether they were spent."""
        self._refill(now_ns)
        if self._tokens + 1e-12 < cost:
            return False
        self._tokens -= cost
        return True

    def _refill(self, now_ns: int) -> None:
        if now_ns > self._at_ns:
            elapsed_s = (now_ns - self._at_ns) / NS_PER_S
            self._tokens = min(self.capacity, self._tokens + elapsed_s * self.rate_per_s)
            self._at_ns = now_ns


def needs_replace(
    resting: Quote, target: Quote, threshold: int, size_tolerance: float = 0.0
) -> bool:
    """Return True when ``target`` differs from ``resting`` by more than the thresholds:
    price by more than ``threshold`` units, or size by more than ``size_tolerance`` of the
    resting size (0: any size change)."""
    if abs(target.price - resting.price) > threshold:
        return True
    return abs(target.size - resting.size) > size_tolerance * resting.size


def post_only_price(side: Side, price: int, best_opposite: int | None, tick: int) -> int:
    """Return ``price`` moved to rest passively: at most one tick inside the opposite best."""
    if best_opposite is None:
        return price
    if side is Side.BUY:
        return min(price, best_opposite - tick)
    return max(price, best_opposite + tick)


def cancel_reason(
    now_ns: int,
    last_feed_ns: int | None,
    stale_after_ns: int,
    paused: bool = False,
    breaker_tripped: bool = False,
) -> str | None:
    """Return why every quote must be cancelled now (``paused``, ``breaker``, ``stale_feed``),
    or None to keep quoting."""
    if paused:
        return "paused"
    if breaker_tripped:
        return "breaker"
    if last_feed_ns is None or now_ns - last_feed_ns > stale_after_ns:
        return "stale_feed"
    return None


class QuoteManager:
    """Decide per side between keep, place, replace and cancel under a rate limit."""

    def __init__(
        self,
        threshold: int,
        bucket: TokenBucket,
        size_tolerance: float = 0.0,
        post_only: bool = True,
    ) -> None:
        if threshold < 0:
            raise ValueError(f"threshold must be >= 0, got {threshold}")
        self.threshold = threshold
        self.bucket = bucket
        self.size_tolerance = size_tolerance
        self.post_only = post_only
        self.deferred = 0

    def decide(
        self, now_ns: int, side: Side, resting: Quote | None, target: Quote | None
    ) -> Decision:
        """Return the decision for one side given its resting quote and its new target.

        A target of None (or size 0) cancels; cancels spend a token when there is one but
        are never held back.
        """
        if target is None or target.size <= 0:
            if resting is None:
                return Decision(side, Action.KEEP, None, self.post_only)
            self.bucket.try_take(now_ns)
            return Decision(side, Action.CANCEL, None, self.post_only)
        if resting is not None and not needs_replace(
            resting, target, self.threshold, self.size_tolerance
        ):
            return Decision(side, Action.KEEP, resting, self.post_only)
        if not self.bucket.try_take(now_ns):
            self.deferred += 1
            return Decision(side, Action.KEEP, resting, self.post_only, deferred=True)
        action = Action.PLACE if resting is None else Action.REPLACE
        return Decision(side, action, target, self.post_only)

    def cancel_all(self, resting: dict[Side, Quote | None]) -> list[Decision]:
        """Return a cancel for every resting quote (not rate-limited: safety first)."""
        return [
            Decision(side, Action.CANCEL, None, self.post_only)
            for side, quote in resting.items()
            if quote is not None
        ]
