"""msgspec structs mirroring Bybit's v5 public WebSocket JSON.

A frame is ``{"topic", "type", "ts", "data", "cts"?}``; ``data`` is decoded in a second step
by topic (``orderbook.*`` -> :class:`BookData`, ``publicTrade.*`` -> a list of
:class:`TradeData`). Subscription replies (``{"op": ..., "success": ...}``) have no topic.
"""

from __future__ import annotations

import msgspec

RawLevel = tuple[str, str]
"""``[price, size]`` as decimal strings."""


class Envelope(msgspec.Struct):
    topic: str = ""
    type: str = ""
    ts: int = 0
    """Milliseconds: when Bybit's system produced the frame."""
    cts: int | None = None
    """Milliseconds: matching-engine time of the book update (linear and spot)."""
    data: msgspec.Raw = msgspec.Raw(b"null")
    op: str = ""


class BookData(msgspec.Struct):
    """``snapshot`` (the full book) or ``delta`` (absolute sizes, ``"0"`` deletes)."""

    s: str
    b: list[RawLevel]
    a: list[RawLevel]
    u: int
    """Update id: each delta's ``u`` is the previous ``u`` + 1; ``u == 1`` after a restart."""
    seq: int | None = None
    """Cross sequence, comparable across depths of the same symbol (kept for reference)."""


class TradeData(msgspec.Struct):
    T: int
    s: str
    S: str
    """Taker side: ``Buy`` or ``Sell``."""
    v: str
    p: str
    i: str
    BT: bool = False


envelope_decoder = msgspec.json.Decoder(Envelope)
book_decoder = msgspec.json.Decoder(BookData)
trades_decoder = msgspec.json.Decoder(list[TradeData])
