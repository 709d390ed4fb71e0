"""A Binance-compatible spot server on loopback: REST API v3 and the market WebSocket streams.

It replays a bundled capture (``read_capture("binance", paths)``: a REST depth snapshot, then
``depth@100ms`` diffs and ``trade`` messages) in real time or accelerated (``speed``; 0 sends
as fast as the clients read), matches orders with Pythia's simulated venue under the Binance
profile (:mod:`pythia.venues.binance.emulator_exchange`), checks HMAC-SHA256 signatures, and
answers with Binance's message formats and error bodies. It starts at the capture's first
snapshot; the diffs before it are not served.

REST (prefix ``/api/v3``): public ``GET ping``, ``time``, ``exchangeInfo``, ``depth``
(``lastUpdateId`` is the last diff applied); signed (``X-MBX-APIKEY`` header, ``timestamp``,
``recvWindow`` and ``signature`` = HMAC-SHA256 of the query string followed by the body):
``GET account``, ``POST``/``GET``/``DELETE order`` (``newClientOrderId``,
``origClientOrderId``), ``GET openOrders``, ``GET myTrades``. WebSocket: ``/ws/<stream>``
(raw payloads) and ``/stream?streams=<a>/<b>`` (combined ``{"stream", "data"}``), streams
``<symbol>@depth@100ms`` (or ``@depth``) and ``<symbol>@trade``; the server pings every
``heartbeat_s``.

Faults (:class:`Faults`, ``NAME=VALUE``): ``drop_connection_every`` (close a session after
every N messages), ``skip_update_every`` (every Nth depth diff is applied but never sent: a
gap), ``malformed_every`` (a broken frame after every Nth message), ``delay_ms`` (each REST
answer and WebSocket message), ``http_429_every``, ``http_5xx_every`` (every Nth REST request
is refused before it is processed), ``reject_orders`` (every order refused with -2010),
``lose_response_every`` (every Nth order is accepted but its answer never arrives: the client
times out). ``emulator.trade_record`` is the record of every fill.

>>> emulator = BinanceEmulator(paths, api_key="k", api_secret="s", speed=10)  # doctest: +SKIP
>>> await emulator.start(); emulator.start_replay()                          # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import parse_qsl

import msgspec
from aiohttp import WSMsgType, web

from pythia.core.errors import ConfigError
from pythia.model.execution import FillReport
from pythia.sim.models.base import VenueProfile
from pythia.venues import read_capture
from pythia.venues.binance import wire
from pythia.venues.binance.capture import BinanceCapture
from pythia.venues.binance.emulator_exchange import BinanceError, BinanceExchange
from pythia.venues.binance.profile import DEFAULT_PROFILE

REST_PREFIX = "/api/v3"
DEFAULT_BALANCES = {"USDT": "100000", "BTC": "1", "ETH": "10"}
MALFORMED = '{"stream":"malformed","data":{"e":"depthUpdate","E":'


@dataclass
class Faults:
    """Fault switches; 0 or False is off. Every ``*_every`` fires on each Nth occasion."""

    drop_connection_every: int = 0
    skip_update_every: int = 0
    malformed_every: int = 0
    delay_ms: int = 0
    http_429_every: int = 0
    http_5xx_every: int = 0
    reject_orders: bool = False
    lose_response_every: int = 0

    @classmethod
    def parse(cls, items: Iterable[str]) -> Faults:
        """Build from ``NAME=VALUE`` strings (``ConfigError`` naming a bad one)."""
        names = {f.name: f for f in fields(cls)}
        values: dict[str, int | bool] = {}
        for item in items:
            name, sep, text = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in names:
                raise ConfigError(f"unknown fault {name!r}; known faults: {', '.join(names)}")
            if names[name].type in ("bool", bool):
                values[name] = text.strip().lower() in ("", "1", "true", "yes", "on")
                continue
            try:
                values[name] = int(text) if sep else 1
            except ValueError:
                raise ConfigError(f"fault {name} needs a whole number, got {text!r}") from None
            if values[name] < 0:
                raise ConfigError(f"fault {name} must not be negative")
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Message:
    """One replayed market message: receive time, stream name, raw payload, events."""

    ts_ns: int
    stream: str
    data: str
    events: tuple


def _every(count: int, n: int) -> bool:
    return n > 0 and count % n == 0


def _json(body: object, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def _error(error: BinanceError) -> web.Response:
    return _json(error.body(), error.status)


def load_messages(paths: Sequence[Path | str], limit: int | None = None):
    """The capture's first snapshot (``Message``) and the depth and trade messages after it
    (the diffs received before it that are newer than it first)."""
    source = read_capture("binance", paths)
    assert isinstance(source, BinanceCapture)
    source._detect()  # noqa: SLF001 - the symbol names the snapshot's instrument
    snapshot: Message | None = None
    messages: list[Message] = []
    for _, line in source.iter_records():
        head, _, text = line.strip().partition(" ")
        if snapshot is None and '"lastUpdateId"' in text:
            snapshot = Message(int(head), "", text, tuple(source.parse_line(line)))
            last_id = snapshot.events[0].sequence
            # diffs received before the snapshot but newer than it come first
            messages = [
                Message(snapshot.ts_ns, m.stream, m.data, m.events)
                for m in messages
                if "@depth" in m.stream and m.events[0].sequence > last_id
            ]
            continue
        if '@bookTicker"' in text[:60] or not text.startswith('{"stream"'):
            continue
        envelope = wire.envelope_decoder.decode(text)
        raw = bytes(envelope.data).decode()
        messages.append(Message(int(head), envelope.stream, raw, tuple(source.parse_line(line))))
        if snapshot is not None and limit is not None and len(messages) >= limit:
            break
    if snapshot is None:
        raise ConfigError(f"no depth snapshot in {', '.join(map(str, paths))}")
    return snapshot, messages, source.instruments()


class Session:
    """One WebSocket client and the streams it asked for."""

    def __init__(self, ws: web.WebSocketResponse, streams: list[str], combined: bool) -> None:
        self.ws = ws
        self.streams = {s.lower().replace("@depth@100ms", "@depth") for s in streams}
        self.combined = combined
        self.sent = 0

    def wants(self, stream: str) -> bool:
        return stream.lower().replace("@depth@100ms", "@depth") in self.streams


class BinanceEmulator:
    """The emulator: ``await start()``, ``start_replay()``, ``await stop()``."""

    def __init__(
        self,
        paths: Sequence[Path | str],
        *,
        api_key: str,
        api_secret: str,
        speed: float = 1.0,
        limit: int | None = None,
        faults: Faults | None = None,
        profile: VenueProfile = DEFAULT_PROFILE,
        balances: dict[str, str] | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_s: float = 20.0,
        lost_response_hold_s: float = 5.0,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(f"the emulator serves on loopback only, not on {host!r}")
        self.snapshot, self.messages, instruments = load_messages(paths, limit)
        self.api_key, self.api_secret = api_key, api_secret
        self.speed = speed
        self.faults = faults or Faults()
        self.host, self.port = host, port
        self.heartbeat_s = heartbeat_s
        self.lost_response_hold_s = lost_response_hold_s
        self.exchange = BinanceExchange(profile, instruments, balances or DEFAULT_BALANCES, seed)
        now = time.time_ns()
        for event in self.snapshot.events:
            self.exchange.apply(event, now)
        self.last_update_id: dict[str, int] = {}
        for event in self.snapshot.events:
            self.last_update_id[event.instrument_id] = event.sequence
        self.sessions: set[Session] = set()
        self.replay_done = asyncio.Event()
        self.counters = {"requests": 0, "auth_failures": 0, "orders": 0, "sent": 0, "skipped": 0}
        self._depth_count = 0
        self._runner: web.AppRunner | None = None
        self._replay: asyncio.Task | None = None

    # ---- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the server (an ephemeral port when ``port`` is 0)."""
        app = web.Application(middlewares=[self._middleware])
        p = REST_PREFIX
        app.router.add_get(f"{p}/ping", self._ping)
        app.router.add_get(f"{p}/time", self._time)
        app.router.add_get(f"{p}/exchangeInfo", self._exchange_info)
        app.router.add_get(f"{p}/depth", self._depth)
        app.router.add_get(f"{p}/account", self._signed(self._account))
        app.router.add_post(f"{p}/order", self._signed(self._place))
        app.router.add_get(f"{p}/order", self._signed(self._query))
        app.router.add_delete(f"{p}/order", self._signed(self._cancel))
        app.router.add_get(f"{p}/openOrders", self._signed(self._open_orders))
        app.router.add_get(f"{p}/myTrades", self._signed(self._my_trades))
        app.router.add_get("/ws/{streams}", self._ws)
        app.router.add_get("/stream", self._ws)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001

    async def stop(self) -> None:
        if self._replay is not None:
            self._replay.cancel()
            await asyncio.gather(self._replay, return_exceptions=True)
        for session in list(self.sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        """The REST base (clients add ``/api/v3/...``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket base (clients add ``/ws/<stream>`` or ``/stream?streams=...``)."""
        return f"ws://{self.host}:{self.port}"

    def urls(self) -> dict[str, str]:
        """Where clients connect: ``rest`` and ``websocket``."""
        return {"rest": self.rest_url, "websocket": self.ws_url}

    @property
    def trade_record(self) -> list[FillReport]:
        """Every fill of the emulated user (the test hook fills are checked against)."""
        return self.exchange.trade_record

    def book(self, instrument_id: str):
        """The emulator's displayed book of an instrument."""
        return self.exchange.venue.book(instrument_id)

    # ---- replay -----------------------------------------------------------------------------
    def start_replay(self) -> asyncio.Task:
        """Start sending the capture's messages (``replay_done`` is set at the end)."""
        if self._replay is None:
            self._replay = asyncio.get_running_loop().create_task(self._run_replay())
        return self._replay

    async def _run_replay(self) -> None:
        started = time.monotonic()
        first_ns = self.messages[0].ts_ns if self.messages else 0
        for message in self.messages:
            if self.speed > 0:
                due = (message.ts_ns - first_ns) / 1e9 / self.speed
                wait = due - (time.monotonic() - started)
                if wait > 0:
                    await asyncio.sleep(wait)
            self._apply(message)
            if "@depth" in message.stream:
                self._depth_count += 1
                if _every(self._depth_count, self.faults.skip_update_every):
                    self.counters["skipped"] += 1
                    continue
            await self._broadcast(message)
        self.replay_done.set()

    def _apply(self, message: Message) -> None:
        now = time.time_ns()
        for event in message.events:
            self.exchange.apply(event, now)
            if "@depth" in message.stream:
                self.last_update_id[event.instrument_id] = event.sequence

    async def _broadcast(self, message: Message) -> None:
        for session in list(self.sessions):
            if not session.wants(message.stream) or session.ws.closed:
                continue
            if self.faults.delay_ms:
                await asyncio.sleep(self.faults.delay_ms / 1000)
            text = message.data
            if session.combined:
                text = f'{{"stream":"{message.stream}","data":{message.data}}}'
            try:
                await session.ws.send_str(text)
                session.sent += 1
                self.counters["sent"] += 1
                if _every(session.sent, self.faults.malformed_every):
                    await session.ws.send_str(MALFORMED)
                if _every(session.sent, self.faults.drop_connection_every):
                    await session.ws.close()
            except (ConnectionError, RuntimeError):
                await session.ws.close()
        await asyncio.sleep(0)

    # ---- WebSocket ----------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        combined = "streams" not in request.match_info
        text = request.query.get("streams", "") if combined else request.match_info["streams"]
        streams = [s for s in text.split("/") if s]
        if not streams:
            return _error(
                BinanceError(400, -1100, "Illegal characters found in parameter 'streams'.")
            )
        ws = web.WebSocketResponse(heartbeat=self.heartbeat_s)
        await ws.prepare(request)
        session = Session(ws, streams, combined)
        self.sessions.add(session)
        try:
            async for frame in ws:
                if frame.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self.sessions.discard(session)
        return ws

    # ---- REST ---------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        if not request.path.startswith(REST_PREFIX):
            return await handler(request)
        self.counters["requests"] += 1
        count = self.counters["requests"]
        if self.faults.delay_ms:
            await asyncio.sleep(self.faults.delay_ms / 1000)
        if _every(count, self.faults.http_429_every):
            message = (
                "Too much request weight used; current limit is 6000 request weight per 1 MINUTE."
            )
            return _json({"code": -1003, "msg": message}, 429)
        if _every(count, self.faults.http_5xx_every):
            return _json(
                {
                    "code": -1001,
                    "msg": "Internal error; unable to process your request. Please try again.",
                },
                503,
            )
        try:
            return await handler(request)
        except BinanceError as error:
            return _error(error)

    def _signed(self, handler):
        """Wrap a handler: check the API key, timestamp window and signature first."""

        async def checked(request: web.Request) -> web.Response:
            body = await request.text()
            query = request.query_string
            if request.headers.get("X-MBX-APIKEY") != self.api_key:
                self.counters["auth_failures"] += 1
                raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
            params = dict(parse_qsl(query, keep_blank_values=True))
            params.update(parse_qsl(body, keep_blank_values=True))
            signature = params.pop("signature", "")
            payload = _without_signature(query) + _without_signature(body)
            expected = hmac.new(self.api_secret.encode(), payload.encode(), hashlib.sha256)
            if not hmac.compare_digest(expected.hexdigest(), signature):
                self.counters["auth_failures"] += 1
                raise BinanceError(400, -1022, "Signature for this request is not valid.")
            self._check_time(params)
            return await handler(request, params)

        return checked

    @staticmethod
    def _check_time(params: dict[str, str]) -> None:
        try:
            timestamp = int(params["timestamp"])
            window = int(params.get("recvWindow", "5000"))
        except (KeyError, ValueError):
            raise BinanceError(
                400, -1102, "Mandatory parameter 'timestamp' was not sent."
            ) from None
        now_ms = time.time_ns() // 1_000_000
        if timestamp > now_ms + 1000 or now_ms - timestamp > window:
            message = "Timestamp for this request is outside of the recvWindow."
            raise BinanceError(400, -1021, message)

    async def _ping(self, request: web.Request) -> web.Response:
        return _json({})

    async def _time(self, request: web.Request) -> web.Response:
        return _json({"serverTime": time.time_ns() // 1_000_000})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return _json(self.exchange.exchange_info(time.time_ns() // 1_000_000))

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        instrument = self.exchange.instrument(symbol)
        limit = int(request.query.get("limit", "100"))
        last = self.last_update_id.get(instrument.id, 0)
        return _json(self.exchange.depth(symbol, min(limit, 5000), last))

    async def _account(self, request: web.Request, params: dict) -> web.Response:
        return _json(self.exchange.account_view(time.time_ns() // 1_000_000))

    async def _place(self, request: web.Request, params: dict) -> web.Response:
        self.counters["orders"] += 1
        if self.faults.reject_orders:
            raise BinanceError(400, -2010, "Order rejected by the emulator (reject_orders fault).")
        now = time.time_ns()
        record = self.exchange.submit(params, now)
        if _every(self.counters["orders"], self.faults.lose_response_every):
            await asyncio.sleep(self.lost_response_hold_s)
        kind = params.get("newOrderRespType", "FULL").upper()
        if kind == "ACK":
            return _json(
                {
                    "symbol": record.instrument.symbol,
                    "orderId": record.order_id,
                    "orderListId": -1,
                    "clientOrderId": record.client_order_id,
                    "transactTime": now // 1_000_000,
                }
            )
        return _json(record.full(now // 1_000_000))

    def _find(self, params: dict):
        return self.exchange.find(
            params.get("symbol", ""), params.get("orderId"), params.get("origClientOrderId")
        )

    async def _query(self, request: web.Request, params: dict) -> web.Response:
        return _json(self._find(params).wire())

    async def _cancel(self, request: web.Request, params: dict) -> web.Response:
        try:
            record = self._find(params)
        except BinanceError as error:
            if error.code == -2013:
                raise BinanceError(400, -2011, "Unknown order sent.") from None
            raise
        now = time.time_ns()
        self.exchange.cancel(record, now)
        body = record.wire()
        for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking", "workingTime"):
            body.pop(key)
        body["origClientOrderId"] = record.client_order_id
        body["clientOrderId"] = params.get("newClientOrderId") or f"cancel-{record.order_id}"
        body["transactTime"] = now // 1_000_000
        return _json(body)

    async def _open_orders(self, request: web.Request, params: dict) -> web.Response:
        symbol = params.get("symbol") or None
        if symbol is not None:
            self.exchange.instrument(symbol)
        return _json([r.wire() for r in self.exchange.open_orders(symbol)])

    async def _my_trades(self, request: web.Request, params: dict) -> web.Response:
        try:
            from_id = int(params["fromId"]) if "fromId" in params else None
            order_id = int(params["orderId"]) if "orderId" in params else None
            limit = min(int(params.get("limit", "500")), 1000)
        except ValueError:
            raise BinanceError(400, -1100, "Illegal characters found in a parameter.") from None
        return _json(self.exchange.trades_of(params.get("symbol", ""), from_id, order_id, limit))


def _without_signature(text: str) -> str:
    """``text`` without its ``signature=...`` parameter (what the signature covers)."""
    parts = [p for p in text.split("&") if p and not p.startswith("signature=")]
    return "&".join(parts)
