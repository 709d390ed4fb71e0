"""A Kalshi-compatible server on loopback: trade API v2 REST and the WebSocket feed.

It replays a recorded dataset (any ``MarketDataSource``: a catalog written by
``pythia data import``, even one made from a single recorded book) in real time or
accelerated (``speed``), matches orders with Pythia's simulated venue under the Kalshi
profile (:mod:`pythia.venues.kalshi.exchange`), verifies RSA-PSS signatures, answers with
Kalshi's message formats and error bodies, and injects faults on request.

REST (prefix ``/trade-api/v2``): ``GET /markets``, ``/markets/{ticker}``,
``/markets/{ticker}/orderbook`` (public); ``GET /portfolio/balance``, ``POST
/portfolio/orders``, ``GET /portfolio/orders`` (filters ``ticker``, ``status``,
``client_order_id``; ``limit`` and ``cursor``), ``GET`` and ``DELETE
/portfolio/orders/{order_id}``, ``GET /portfolio/fills`` (signed). WebSocket
``/trade-api/ws/v2`` (signed handshake): channels ``orderbook_delta``, ``fill``,
``user_orders`` (:mod:`pythia.venues.kalshi.emulator_ws`).

Faults (:class:`Faults`, ``pythia emulate --fault NAME=VALUE``): ``drop_connection_every``,
``delay_ms``, ``reorder``, ``skip_seq``, ``malformed_every`` (WebSocket);
``http_429_every``, ``http_5xx_every`` (every Nth REST request is refused before it is
processed), ``reject_orders`` (every order refused), ``lose_response_every`` (every Nth order
is accepted but its response is never sent: the client times out).
``emulator.trade_record`` is the record of every fill.

>>> emulator = KalshiEmulator(Catalog("data"), public_key=key, speed=10)  # doctest: +SKIP
>>> await emulator.start(); emulator.start_replay()                       # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields

import msgspec
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from pythia.core.errors import ConfigError
from pythia.model.execution import FillReport
from pythia.ports.market_data import MarketDataSource
from pythia.sim.models.base import VenueProfile
from pythia.venues.kalshi import orders as convert
from pythia.venues.kalshi import signing, wire
from pythia.venues.kalshi.emulator_ws import FaultState, Session
from pythia.venues.kalshi.exchange import EmulatedExchange, Notices, OrderRefused
from pythia.venues.kalshi.profile import DEFAULT_PROFILE

REST_PREFIX = "/trade-api/v2"
WS_PATH = "/trade-api/ws/v2"
MAX_LIMIT = 1000


@dataclass
class Faults:
    """Fault switches; 0 or False is off. Every ``*_every`` fires on each Nth occasion."""

    drop_connection_every: int = 0
    delay_ms: int = 0
    reorder: int = 0
    skip_seq: int = 0
    malformed_every: int = 0
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
                known = ", ".join(names)
                raise ConfigError(f"unknown fault {name!r}; known faults: {known}")
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


def check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ConfigError(f"the emulator serves on loopback only, not on {host!r}")


def _error(status: int, code: str, message: str, details: str = "") -> web.Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def _json(body: object, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


class KalshiEmulator:
    """The emulator: ``await start()``, ``start_replay()``, ``await stop()``."""

    def __init__(
        self,
        source: MarketDataSource,
        *,
        public_key: rsa.RSAPublicKey | None = None,
        key_id: str | None = None,
        speed: float = 1.0,
        faults: Faults | None = None,
        profile: VenueProfile = DEFAULT_PROFILE,
        balance_cents: int = 1_000_000,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        max_clock_skew_s: float = 60.0,
        lost_response_hold_s: float = 30.0,
    ) -> None:
        check_loopback(host)
        self.source = source
        self.public_key = public_key
        self.key_id = key_id
        self.speed = speed
        self.faults = faults or Faults()
        self.host, self.port = host, port
        self.max_clock_skew_s = max_clock_skew_s
        self.lost_response_hold_s = lost_response_hold_s
        self.exchange = EmulatedExchange(profile, source.instruments(), balance_cents * 10**4, seed)
        self.ws_faults = FaultState()
        self.sessions: set[Session] = set()
        self.replay_done = asyncio.Event()
        self.counters = {"requests": 0, "auth_failures": 0, "orders_posted": 0}
        self._runner: web.AppRunner | None = None
        self._replay: asyncio.Task | None = None
        self._sync_faults()

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the server (an ephemeral port when ``port`` is 0)."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(WS_PATH, self._ws)
        p = REST_PREFIX
        app.router.add_get(f"{p}/markets", self._markets)
        app.router.add_get(f"{p}/markets/{{ticker}}", self._market)
        app.router.add_get(f"{p}/markets/{{ticker}}/orderbook", self._orderbook)
        app.router.add_get(f"{p}/portfolio/balance", self._balance)
        app.router.add_post(f"{p}/portfolio/orders", self._create_order)
        app.router.add_get(f"{p}/portfolio/orders", self._list_orders)
        app.router.add_get(f"{p}/portfolio/orders/{{order_id}}", self._get_order)
        app.router.add_delete(f"{p}/portfolio/orders/{{order_id}}", self._cancel_order)
        app.router.add_get(f"{p}/portfolio/fills", self._fills)
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
        return f"http://{self.host}:{self.port}{REST_PREFIX}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}{WS_PATH}"

    def urls(self) -> dict[str, str]:
        """Where clients connect: ``rest`` and ``websocket``."""
        return {"rest": self.rest_url, "websocket": self.ws_url}

    @property
    def trade_record(self) -> list[FillReport]:
        """Every fill of the emulated user (the test hook fills are checked against)."""
        return self.exchange.trade_record

    @property
    def orders_created(self) -> int:
        return len(self.exchange.orders)

    @property
    def faults_fired(self) -> dict[str, int]:
        return self.ws_faults.fired

    def _sync_faults(self) -> None:
        for name in ("drop_connection_every", "delay_ms", "reorder", "skip_seq", "malformed_every"):
            setattr(self.ws_faults, name, getattr(self.faults, name))

    def set_faults(self, **switches: int | bool) -> None:
        """Change fault switches while running."""
        for name, value in switches.items():
            if not hasattr(self.faults, name):
                raise ConfigError(f"unknown fault {name!r}")
            setattr(self.faults, name, value)
        self._sync_faults()

    # ---- replay -------------------------------------------------------------------------------
    def start_replay(self) -> asyncio.Task:
        """Start replaying the dataset (``speed`` x real time; 0 replays without pauses)."""
        if self._replay is None:
            self._replay = asyncio.get_running_loop().create_task(self._run_replay())
        return self._replay

    async def _run_replay(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        first_ns: int | None = None
        for count, event in enumerate(self.source.events()):
            if first_ns is None:
                first_ns = event.ts_recv_ns
            if self.speed > 0:
                due = started + (event.ts_recv_ns - first_ns) / 1e9 / self.speed
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
            elif count % 100 == 0:
                await asyncio.sleep(0)
            self.publish(self.exchange.apply(event, time.time_ns()))
        self.replay_done.set()

    def publish(self, notices: Notices) -> None:
        if notices.book or notices.fills or notices.orders:
            for session in self.sessions:
                session.publish(notices)

    # ---- middleware: faults and authentication ------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        path = request.path
        if path != WS_PATH:
            self.counters["requests"] += 1
            number = self.counters["requests"]
            faults = self.faults
            if faults.http_429_every and number % faults.http_429_every == 0:
                self.ws_faults.fire("http_429")
                response = _error(429, "too_many_requests", "rate limit exceeded")
                response.headers["Retry-After"] = "0"
                return response
            if faults.http_5xx_every and number % faults.http_5xx_every == 0:
                self.ws_faults.fire("http_5xx")
                return _error(503, "service_unavailable", "temporarily unavailable")
        if path == WS_PATH or path.startswith(f"{REST_PREFIX}/portfolio"):
            refusal = self._authenticate(request)
            if refusal:
                self.counters["auth_failures"] += 1
                return _error(401, "authentication_error", refusal)
        return await handler(request)

    def _authenticate(self, request: web.Request) -> str:
        """Return why the request's signature is refused, or "" when it verifies."""
        if self.public_key is None:
            return ""
        headers = request.headers
        key_id = headers.get(signing.KEY_HEADER, "")
        timestamp = headers.get(signing.TIMESTAMP_HEADER, "")
        signature = headers.get(signing.SIGNATURE_HEADER, "")
        if not (key_id and timestamp and signature):
            return "missing KALSHI-ACCESS-* headers"
        if self.key_id is not None and key_id != self.key_id:
            return "unknown API key"
        if not timestamp.isdigit():
            return "bad KALSHI-ACCESS-TIMESTAMP"
        if abs(time.time() - int(timestamp) / 1000) > self.max_clock_skew_s:
            return "KALSHI-ACCESS-TIMESTAMP too far from the server's clock"
        if not signing.verify(self.public_key, signature, timestamp, request.method, request.path):
            return "invalid signature"
        return ""

    # ---- market data ----------------------------------------------------------------------------
    async def _markets(self, request: web.Request) -> web.Response:
        query = request.query
        tickers = [t for t in query.get("tickers", "").split(",") if t] or sorted(
            self.exchange.markets
        )
        now = time.time_ns()
        markets = [self.exchange.market(t, now) for t in tickers if t in self.exchange.markets]
        page, cursor = _page(markets, query)
        return _json({"markets": page, "cursor": cursor})

    async def _market(self, request: web.Request) -> web.Response:
        ticker = request.match_info["ticker"]
        if ticker not in self.exchange.markets:
            return _error(404, "not_found", f"market {ticker} not found")
        return _json({"market": self.exchange.market(ticker, time.time_ns())})

    async def _orderbook(self, request: web.Request) -> web.Response:
        ticker = request.match_info["ticker"]
        if ticker not in self.exchange.markets:
            return _error(404, "not_found", f"market {ticker} not found")
        depth = request.query.get("depth", "0")
        return _json(self.exchange.orderbook(ticker, int(depth) if depth.isdigit() else 0))

    # ---- portfolio ----------------------------------------------------------------------------
    async def _balance(self, request: web.Request) -> web.Response:
        return _json(
            {
                "balance": self.exchange.balance_cents(),
                "portfolio_value": 0,
                "updated_ts": int(time.time()),
            }
        )

    async def _create_order(self, request: web.Request) -> web.StreamResponse:
        try:
            body = msgspec.json.decode(await request.read(), type=wire.CreateOrder)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return _error(400, "invalid_parameters", "bad order body", str(error))
        if self.faults.reject_orders:
            self.ws_faults.fire("reject_orders")
            return _error(400, "order_rejected", "orders are rejected (emulator fault)")
        self.counters["orders_posted"] += 1
        try:
            record, notices = self.exchange.submit(body, time.time_ns())
        except OrderRefused as refused:
            self.publish(refused.notices)
            return _error(refused.status, refused.code, refused.message)
        self.publish(notices)
        every = self.faults.lose_response_every
        if every and self.counters["orders_posted"] % every == 0:
            self.ws_faults.fire("lose_response")
            await asyncio.sleep(self.lost_response_hold_s)
            if request.transport is not None:
                request.transport.abort()
        return _json({"order": msgspec.to_builtins(record.wire())}, status=201)

    async def _list_orders(self, request: web.Request) -> web.Response:
        query = request.query
        records = list(reversed(self.exchange.orders.values()))
        if query.get("ticker"):
            records = [r for r in records if r.body.ticker == query["ticker"]]
        if query.get("status"):
            records = [r for r in records if r.status == query["status"]]
        if query.get("client_order_id"):
            records = [r for r in records if r.client_order_id == query["client_order_id"]]
        page, cursor = _page([msgspec.to_builtins(r.wire()) for r in records], query)
        return _json({"orders": page, "cursor": cursor})

    async def _get_order(self, request: web.Request) -> web.Response:
        record = self.exchange.orders.get(request.match_info["order_id"])
        if record is None:
            return _error(404, "not_found", "order not found")
        return _json({"order": msgspec.to_builtins(record.wire())})

    async def _cancel_order(self, request: web.Request) -> web.Response:
        try:
            record, reduced, notices = self.exchange.cancel(
                request.match_info["order_id"], time.time_ns()
            )
        except OrderRefused as refused:
            return _error(refused.status, refused.code, refused.message)
        self.publish(notices)
        body = {
            "order": msgspec.to_builtins(record.wire()),
            "reduced_by_fp": convert.count(reduced),
        }
        return _json(body)

    async def _fills(self, request: web.Request) -> web.Response:
        query = request.query
        fills = list(reversed(self.exchange.fills))
        if query.get("ticker"):
            fills = [f for f in fills if f.ticker == query["ticker"]]
        if query.get("order_id"):
            fills = [f for f in fills if f.order_id == query["order_id"]]
        page, cursor = _page([msgspec.to_builtins(f) for f in fills], query)
        return _json({"fills": page, "cursor": cursor})

    # ---- WebSocket ------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=10.0)
        await ws.prepare(request)
        session = Session(ws, self.exchange, self.ws_faults, time.time_ns, request.transport)
        self.sessions.add(session)
        try:
            await session.serve()
        finally:
            self.sessions.discard(session)
        return ws


def _page(items: list, query) -> tuple[list, str]:
    """Offset pagination: ``limit`` (default 100, at most 1000) from ``cursor``."""
    limit_text = query.get("limit", "100")
    limit = min(int(limit_text), MAX_LIMIT) if limit_text.isdigit() else 100
    cursor = query.get("cursor", "")
    start = int(cursor) if cursor.isdigit() else 0
    end = start + max(limit, 1)
    return items[start:end], (str(end) if end < len(items) else "")
