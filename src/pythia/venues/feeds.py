"""What every venue feed reports besides market data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A market's books went out of sync (``synced`` False) or came back (True).

    ``market_ticker`` is the venue's market id (a Kalshi ticker, a Binance symbol);
    ``reason``: ``gap``, ``stale``, ``disconnected`` (out) or ``snapshot`` (back). The live
    service marks the market's books unsynced while it is out, so the risk engine refuses
    orders on them."""

    market_ticker: str
    synced: bool
    reason: str
    ts_ns: int
