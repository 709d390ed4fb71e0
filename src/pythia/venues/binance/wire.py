"""msgspec structs mirroring Binance's JSON (spot and USD-M futures market streams)."""

from __future__ import annotations

import msgspec

RawLevel = tuple[str, str]


class Envelope(msgspec.Struct):
    """A combined-stream message: ``{"stream": "btcusdt@depth@100ms", "data": {...}}``."""

    stream: str
    data: msgspec.Raw


class DepthUpdate(msgspec.Struct):
    """``depthUpdate``: changed levels with absolute quantities (``"0"`` removes)."""

    e: str
    E: int
    s: str
    U: int
    u: int
    b: list[RawLevel]
    a: list[RawLevel]
    pu: int | None = None  # futures: the previous event's final update id
    T: int | None = None  # futures: transaction time


class BookTicker(msgspec.Struct):
    """Best bid and ask with the order book update id ``u`` they correspond to."""

    u: int
    s: str
    b: str
    B: str
    a: str
    A: str
    E: int | None = None
    T: int | None = None


class TradeMessage(msgspec.Struct):
    """A spot ``trade`` (or futures ``aggTrade`` with ``a`` instead of ``t``)."""

    e: str
    E: int
    s: str
    p: str
    q: str
    T: int
    m: bool  # True when the buyer is the maker, i.e. the aggressor sold
    t: int | None = None
    a: int | None = None


class DepthSnapshot(msgspec.Struct):
    """REST ``GET /api/v3/depth`` (spot) or ``/fapi/v1/depth`` (futures)."""

    lastUpdateId: int
    bids: list[RawLevel]
    asks: list[RawLevel]
    E: int | None = None
    T: int | None = None


envelope_decoder = msgspec.json.Decoder(Envelope)
depth_decoder = msgspec.json.Decoder(DepthUpdate)
ticker_decoder = msgspec.json.Decoder(BookTicker)
trade_decoder = msgspec.json.Decoder(TradeMessage)
snapshot_decoder = msgspec.json.Decoder(DepthSnapshot)
