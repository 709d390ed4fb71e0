"""One WebSocket connection of the Kalshi emulator: commands, subscriptions, paced sending.

Commands (``{"id", "cmd", "params"}``): ``subscribe`` (``channels`` ``orderbook_delta``,
``fill``, ``user_orders``; ``market_ticker`` or ``market_tickers``), ``unsubscribe``
(``sids``). Each channel subscribed gets its own ``sid``, acknowledged with
``{"type": "subscribed", "id", "msg": {"channel", "sid"}}``. ``orderbook_delta`` sends one
``orderbook_snapshot`` per market, then ``orderbook_delta`` frames; every frame of the
subscription carries the next ``seq``. Errors are ``{"type": "error", "id", "msg": {"code",
"msg"}}`` with Kalshi's WebSocket error codes.

Frames go through one queue per connection and a sender task, which applies the
connection-level faults: ``delay_ms`` before each frame, ``reorder`` (hold every Nth delta
and send it after the next frame) and ``drop_connection_every`` (abort the connection after
every Nth data frame, counted over the emulator), ``malformed_every`` (a broken frame after
every Nth frame). ``skip_seq`` (every Nth sequenced frame
skips a ``seq``) is applied when numbering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec
from aiohttp import WSMsgType, web

from pythia.venues.kalshi import orders as convert
from pythia.venues.kalshi.exchange import EmulatedExchange, Notices

CHANNELS = ("orderbook_delta", "fill", "user_orders")

# Kalshi WebSocket error codes (docs "WebSocket errors").
ERR_PROCESS = 1
ERR_PARAMS = 2
ERR_CHANNELS = 3
ERR_SIDS = 4
ERR_COMMAND = 5
ERR_UNKNOWN_SID = 7
ERR_UNKNOWN_CHANNEL = 8
ERR_TICKER_REQUIRED = 14
ERR_MARKET_NOT_FOUND = 16

_DELTA_PREFIX = b'{"type":"orderbook_delta"'


@dataclass
class Subscription:
    sid: int
    channel: str
    tickers: set[str]
    seq: int = 0


@dataclass
class FaultState:
    """Fault switches and counters shared by every connection (owned by the emulator)."""

    drop_connection_every: int = 0
    delay_ms: int = 0
    reorder: int = 0
    skip_seq: int = 0
    malformed_every: int = 0
    frames_sent: int = 0
    deltas_seen: int = 0
    sequenced: int = 0
    fired: dict[str, int] = field(default_factory=dict)

    def fire(self, name: str) -> None:
        self.fired[name] = self.fired.get(name, 0) + 1


class Session:
    """The emulator's side of one client connection."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        exchange: EmulatedExchange,
        faults: FaultState,
        now_ns: Callable[[], int],
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.exchange = exchange
        self.faults = faults
        self.now_ns = now_ns
        self.subscriptions: dict[int, Subscription] = {}
        self._next_sid = 1
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._held: bytes | None = None

    # ---- sending ----------------------------------------------------------------------------
    def _put(self, frame: dict) -> None:
        self._queue.put_nowait(msgspec.json.encode(frame))

    def _sequenced(self, sub: Subscription, kind: str, body: dict) -> None:
        faults = self.faults
        faults.sequenced += 1
        step = 1
        if faults.skip_seq and faults.sequenced % faults.skip_seq == 0:
            step = 2
            faults.fire("skip_seq")
        sub.seq += step
        self._put({"type": kind, "sid": sub.sid, "seq": sub.seq, "msg": body})

    async def sender(self) -> None:
        """Send queued frames in order, applying delay, reorder and drop faults."""
        faults = self.faults
        while True:
            frame = await self._queue.get()
            if frame is None:
                return
            if faults.reorder and self._held is None and frame.startswith(_DELTA_PREFIX):
                faults.deltas_seen += 1
                if faults.deltas_seen % faults.reorder == 0:
                    self._held = frame
                    faults.fire("reorder")
                    continue
            if not await self._send(frame):
                return
            if self._held is not None:
                held, self._held = self._held, None
                if not await self._send(held):
                    return

    async def _send(self, frame: bytes) -> bool:
        faults = self.faults
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        if self.ws.closed:
            return False
        try:
            await self.ws.send_str(frame.decode())
        except (ConnectionError, RuntimeError):
            return False
        faults.frames_sent += 1
        if faults.malformed_every and faults.frames_sent % faults.malformed_every == 0:
            faults.fire("malformed")
            await self.ws.send_str('{"type": "orderbook_delta", "sid": ')
        if faults.drop_connection_every and faults.frames_sent % faults.drop_connection_every == 0:
            faults.fire("drop_connection")
            if self.transport is not None:
                self.transport.abort()
            return False
        return True

    def close(self) -> None:
        self._queue.put_nowait(None)

    # ---- commands ---------------------------------------------------------------------------
    def _error(self, command_id: int | None, code: int, text: str) -> None:
        self._put({"type": "error", "id": command_id, "msg": {"code": code, "msg": text}})

    def handle(self, raw: str) -> None:
        try:
            command = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            self._error(None, ERR_PROCESS, "Unable to process message")
            return
        if not isinstance(command, dict):
            self._error(None, ERR_PROCESS, "Unable to process message")
            return
        command_id = command.get("id")
        params = command.get("params")
        if not isinstance(params, dict):
            self._error(command_id, ERR_PARAMS, "Params required")
            return
        cmd = command.get("cmd")
        if cmd == "subscribe":
            self._subscribe(command_id, params)
        elif cmd == "unsubscribe":
            self._unsubscribe(command_id, params)
        else:
            self._error(command_id, ERR_COMMAND, "Unknown command")

    def _subscribe(self, command_id: int | None, params: dict) -> None:
        channels = params.get("channels")
        if not channels or not isinstance(channels, list):
            self._error(command_id, ERR_CHANNELS, "Channels required")
            return
        tickers = list(params.get("market_tickers") or [])
        if params.get("market_ticker"):
            tickers.append(params["market_ticker"])
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            self._error(command_id, ERR_UNKNOWN_CHANNEL, f"Unknown channel name: {unknown[0]}")
            return
        if "orderbook_delta" in channels and not tickers:
            self._error(command_id, ERR_TICKER_REQUIRED, "Market Ticker required")
            return
        missing = [t for t in tickers if t not in self.exchange.markets]
        if missing:
            self._error(command_id, ERR_MARKET_NOT_FOUND, f"Market not found: {missing[0]}")
            return
        for channel in channels:
            sub = Subscription(self._next_sid, channel, set(tickers))
            self._next_sid += 1
            self.subscriptions[sub.sid] = sub
            self._put(
                {
                    "type": "subscribed",
                    "id": command_id,
                    "msg": {"channel": channel, "sid": sub.sid},
                }
            )
            if channel == "orderbook_delta":
                for ticker in tickers:
                    self._snapshot(sub, ticker)

    def _snapshot(self, sub: Subscription, ticker: str) -> None:
        yes, no = self.exchange.levels(ticker)
        body = {
            "market_ticker": ticker,
            "market_id": ticker,
            "yes_dollars_fp": [
                [convert.dollars(p), convert.count(s)] for p, s in sorted(yes.items())
            ],
            "no_dollars_fp": [
                [convert.dollars(p), convert.count(s)] for p, s in sorted(no.items())
            ],
        }
        self._sequenced(sub, "orderbook_snapshot", body)

    def _unsubscribe(self, command_id: int | None, params: dict) -> None:
        sids = params.get("sids")
        if not sids or not isinstance(sids, list):
            self._error(command_id, ERR_SIDS, "Subscription IDs required")
            return
        for sid in sids:
            sub = self.subscriptions.pop(sid, None)
            if sub is None:
                self._error(command_id, ERR_UNKNOWN_SID, f"Unknown subscription ID: {sid}")
                continue
            self._put({"type": "unsubscribed", "id": command_id, "sid": sid, "seq": sub.seq})

    # ---- publishing -------------------------------------------------------------------------
    def publish(self, notices: Notices) -> None:
        """Queue the frames ``notices`` cause on this connection's subscriptions."""
        ts_ms = self.now_ns() // 1_000_000
        for sub in self.subscriptions.values():
            if sub.channel == "orderbook_delta":
                for change in notices.book:
                    if change.ticker in sub.tickers:
                        body = {
                            "market_ticker": change.ticker,
                            "market_id": change.ticker,
                            "price_dollars": convert.dollars(change.price),
                            "delta_fp": convert.count(change.delta),
                            "side": change.side,
                            "ts_ms": ts_ms,
                        }
                        self._sequenced(sub, "orderbook_delta", body)
            elif sub.channel == "fill":
                for fill in notices.fills:
                    if not sub.tickers or fill.market_ticker in sub.tickers:
                        self._put(
                            {"type": "fill", "sid": sub.sid, "msg": msgspec.to_builtins(fill)}
                        )
            elif sub.channel == "user_orders":
                for order in notices.orders:
                    if not sub.tickers or order.ticker in sub.tickers:
                        body = msgspec.to_builtins(order)
                        self._put({"type": "user_order", "sid": sub.sid, "msg": body})

    async def serve(self) -> None:
        """Read commands until the client goes away."""
        sender = asyncio.create_task(self.sender())
        try:
            async for message in self.ws:
                if message.type is WSMsgType.TEXT:
                    self.handle(message.data)
                elif message.type is WSMsgType.ERROR:
                    break
        finally:
            self.close()
            await asyncio.gather(sender, return_exceptions=True)
