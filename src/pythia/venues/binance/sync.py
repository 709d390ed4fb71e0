"""Binance order book synchronisation rules (local book from a REST snapshot plus diffs).

Spot (``depth`` stream): drop diffs with ``u`` <= the snapshot's ``lastUpdateId``; the first
applied diff must straddle it (``U <= lastUpdateId + 1 <= u``); after that each diff's ``U``
must be the previous ``u`` + 1. USD-M futures: the first applied diff has
``U <= lastUpdateId <= u`` and each later diff's ``pu`` equals the previous ``u``.
Anything else is a gap: updates are missing and the book is no longer in sync.
"""

from __future__ import annotations

from pythia.model.events import NO_SEQUENCE
from pythia.ports.market_data import SyncAction


class _DepthSync:
    """State shared by the rules: the snapshot id and the last applied update id."""

    def __init__(self) -> None:
        self.snapshot_id = NO_SEQUENCE
        self.last_id = NO_SEQUENCE
        self.awaiting_first = True

    def on_snapshot(self, sequence: int) -> None:
        self.snapshot_id = sequence
        self.last_id = sequence
        self.awaiting_first = True


class SpotDepthSync(_DepthSync):
    """The spot rule. Without a snapshot nothing is ever in sync."""

    def check(self, first_sequence: int, sequence: int, prev_sequence: int) -> str:
        if self.snapshot_id == NO_SEQUENCE:
            return SyncAction.GAP
        if sequence <= self.last_id:
            return SyncAction.DROP
        expected = self.last_id + 1
        ok = first_sequence <= expected if self.awaiting_first else first_sequence == expected
        self.awaiting_first = False
        self.last_id = sequence
        return SyncAction.APPLY if ok else SyncAction.GAP


class FuturesDepthSync(_DepthSync):
    """The USD-M futures rule, chained by ``pu``."""

    def check(self, first_sequence: int, sequence: int, prev_sequence: int) -> str:
        if self.snapshot_id == NO_SEQUENCE:
            return SyncAction.GAP
        if sequence < self.snapshot_id or (not self.awaiting_first and sequence <= self.last_id):
            return SyncAction.DROP
        if self.awaiting_first:
            ok = first_sequence <= self.snapshot_id <= sequence
        else:
            ok = prev_sequence == self.last_id
        self.awaiting_first = False
        self.last_id = sequence
        return SyncAction.APPLY if ok else SyncAction.GAP
