"""Kalshi order book sequencing: ``seq`` counts the frames of one subscription (``sid``).

Every frame of a subscription must carry the previous ``seq`` + 1. A break (a lost, repeated
or reordered frame) leaves every book of that subscription out of sync: its deltas are
dropped, each counted in ``gaps``, until an ``orderbook_snapshot`` for the market arrives
(in practice after resubscribing). A market never snapshotted is not in sync either.

>>> tracker = SequenceTracker()
>>> tracker.on_snapshot(sid=1, seq=1, market="M")
>>> tracker.on_delta(1, 2, "M"), tracker.on_delta(1, 4, "M"), tracker.is_synced("M")
(True, False, False)
>>> tracker.gaps
1
"""

from __future__ import annotations


class SequenceTracker:
    """Per-subscription ``seq`` check and per-market sync state."""

    def __init__(self) -> None:
        self.gaps = 0
        """Deltas dropped because their book was out of sync."""
        self.sequence_breaks = 0
        """Times a subscription's ``seq`` did not follow on."""
        self._last_seq: dict[int, int] = {}
        self._markets: dict[int, set[str]] = {}
        self._synced: set[str] = set()

    def observe(self, sid: int, seq: int | None) -> bool:
        """Record a frame of subscription ``sid``; False (and unsync its books) on a break."""
        if seq is None:
            return True
        previous = self._last_seq.get(sid)
        self._last_seq[sid] = seq
        if previous is None or seq == previous + 1:
            return True
        self.sequence_breaks += 1
        self._synced.difference_update(self._markets.get(sid, ()))
        return False

    def on_snapshot(self, sid: int, seq: int, market: str) -> None:
        """A full book for ``market`` on ``sid``: the market is in sync from here."""
        self.observe(sid, seq)
        for markets in self._markets.values():
            markets.discard(market)
        self._markets.setdefault(sid, set()).add(market)
        self._synced.add(market)

    def on_delta(self, sid: int, seq: int, market: str) -> bool:
        """Return True when the delta may be applied; False (counted in ``gaps``) if not."""
        self.observe(sid, seq)
        if market in self._synced:
            return True
        self.gaps += 1
        return False

    def is_synced(self, market: str) -> bool:
        return market in self._synced
