"""A Polymarket-compatible server on loopback: CLOB REST, market and user WebSockets.

It replays a catalog written by ``pythia data import`` (even one made from a single recorded
book) in real time or faster, matches signed orders with Pythia's simulated venue against the
replayed books (``emulator_exchange.py``), verifies what the venue verifies (order EIP-712
signatures, L1 ``ClobAuth`` headers, L2 HMAC headers) and injects faults
(``emulator_faults.py``). Endpoints, checks and switches: ``docs/venues/polymarket.md``.

>>> emulator = PolymarketEmulator(Catalog("catalog"), speed=10) # doctest: +SKIP
>>> url = await emulator.start()                                # doctest: +SKIP
>>> emulator.start_replay()                                     # doctest: +SKIP
>>> client = ClobClient(url, chain_id=137, key=private_key)     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator

import msgspec
from aiohttp import WSMsgType, web

from pythia.core.errors import DataError
from pythia.model.events import MarketEvent
from pythia.model.instruments import Instrument
from pythia.ports.market_data import MarketDataSource
from pythia.venues.polymarket import encode, signing, wire
from pythia.venues.polymarket.emulator_exchange import ApiKey, Exchange, Routed
from pythia.venues.polymarket.emulator_faults import FaultLog, Faults, Subscriber, every
from pythia.venues.polymarket.emulator_records import open_order
from pythia.venues.polymarket.emulator_routes import add_routes

UNAUTHORIZED = "Unauthorized/Invalid api key"
INVALID_L1 = "Invalid L1 Request headers"
END_CURSOR = "LTE="
MAX_BATCH = 15


class ReplayClock:
    """Venue time: the time of the last replayed event, advancing in real time after it."""

    def __init__(self) -> None:
        self._event_ns = 0
        self._wall_ns = time.monotonic_ns()
        self._last_ns = 0

    def on_event(self, ts_ns: int) -> None:
        if ts_ns > self.now_ns():
            self._event_ns, self._wall_ns = ts_ns, time.monotonic_ns()

    def now_ns(self) -> int:
        now = self._event_ns + (time.monotonic_ns() - self._wall_ns)
        self._last_ns = max(self._last_ns, now)
        return self._last_ns


class PolymarketEmulator:
    """The server over ``source``: a ``MarketDataSource`` such as the catalog of a dataset
    written by ``pythia data import`` (or give ``instruments`` and ``events``).

    ``speed``: replay speed (1 real time, 10 ten times faster, 0 as fast as possible).
    :meth:`start` serves; the replay runs in the background from :meth:`start_replay`, or
    event by event with :meth:`play`. Test hooks: ``exchange`` (orders, ``fills``: the
    emulator's own trade record, ``ledger``), ``log`` (faults fired), :meth:`set_faults`.
    """

    def __init__(
        self,
        source: MarketDataSource | None = None,
        *,
        instruments: Iterable[Instrument] | None = None,
        events: Iterable[MarketEvent] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        chain_id: int = signing.POLYGON,
        cash_micros: int = 1_000_000 * 10**6,
        seed: int = 0,
        max_assets_per_connection: int = 500,
        auth_window_s: int = 300,
    ) -> None:
        if source is not None:
            instruments = [i for i in source.instruments() if isinstance(i, Instrument)]
            events = source.events()
        self.exchange = Exchange(
            instruments or [], chain_id=chain_id, cash_micros=cash_micros, seed=seed
        )
        self.host = host
        self.port = port
        self.chain_id = chain_id
        self.speed = speed
        self.faults = faults or Faults()
        self.log = FaultLog()
        self.clock = ReplayClock()
        self.max_assets = max_assets_per_connection
        self.auth_window_s = auth_window_s
        self.replayed = 0
        self.replay_done = asyncio.Event()
        self._events: Iterator[MarketEvent] = iter(events or [])
        self._market_subs: dict[Subscriber, set[str]] = {}
        self._user_subs: dict[Subscriber, tuple[str, set[str]]] = {}
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task] = []
        self.url = ""

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> str:
        """Serve on ``host:port`` (port 0: any free port); return the base URL."""
        app = web.Application(middlewares=[self._middleware])
        add_routes(app, self)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        bound = site._server.sockets[0].getsockname()  # type: ignore[union-attr]
        self.url = f"http://{bound[0]}:{bound[1]}"
        return self.url

    def start_replay(self) -> asyncio.Task:
        """Replay the data in the background at ``speed`` (once; later calls return the task)."""
        if not self._tasks:
            self._tasks.append(asyncio.get_running_loop().create_task(self._replay()))
        return self._tasks[0]

    @property
    def ws_url(self) -> str:
        """Base of the WebSocket channels: ``{ws_url}/market`` and ``{ws_url}/user``."""
        return self.url.replace("http://", "ws://") + "/ws"

    def urls(self) -> dict[str, str]:
        return {
            "rest": self.url,
            "ws_market": f"{self.ws_url}/market",
            "ws_user": f"{self.ws_url}/user",
        }

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for subscriber in [*self._market_subs, *self._user_subs]:
            subscriber.put(None)
        if self._runner is not None:
            await self._runner.cleanup()

    def set_faults(self, faults: Faults) -> None:
        """Switch faults at run time (counts restart); open connections keep their switches."""
        self.faults = faults
        self.log = FaultLog()

    # ---- replay -------------------------------------------------------------------------------
    async def play(self, count: int | None = None) -> int:
        """Replay the next ``count`` events (all when None) at once; return how many."""
        played = 0
        while count is None or played < count:
            event = next(self._events, None)
            if event is None:
                self.replay_done.set()
                break
            self._apply(event)
            played += 1
        return played

    async def _replay(self) -> None:
        previous_ns: int | None = None
        for event in self._events:
            ts_ns = event.ts_recv_ns
            if previous_ns is not None and self.speed > 0 and ts_ns > previous_ns:
                await asyncio.sleep((ts_ns - previous_ns) / 1e9 / self.speed)
            elif self.replayed % 64 == 0:
                await asyncio.sleep(0)
            if ts_ns > 0:
                previous_ns = ts_ns
            self._apply(event)
        self.replay_done.set()

    def _apply(self, event: MarketEvent) -> None:
        self.clock.on_event(event.ts_recv_ns)
        try:
            market, user = self.exchange.on_market_event(event, self.clock.now_ns() // 10**6)
        except (DataError, KeyError):
            self.log.fired["bad_event"] += 1
            return
        self.replayed += 1
        self.publish_market(market)
        self.publish_user(user)

    # ---- WebSocket fan-out -------------------------------------------------------------------
    def publish_market(self, messages: Routed) -> None:
        for asset_id, message in messages:
            for subscriber, assets in self._market_subs.items():
                if asset_id in assets:
                    subscriber.put(message)

    def publish_user(self, messages: Routed) -> None:
        for api_key, message in messages:
            for subscriber, (key, markets) in self._user_subs.items():
                if key == api_key and (not markets or message.get("market") in markets):
                    subscriber.put(message)

    async def _serve_ws(
        self, request: web.Request, registry: dict, on_request
    ) -> web.WebSocketResponse:
        """Run one WebSocket: answer ``PING``, hand each JSON request to ``on_request(ws,
        subscriber, request)`` (which returns False to close), send through the faults."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        subscriber = Subscriber(ws, self.faults, self.log)
        sender = asyncio.create_task(subscriber.run())
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                if message.data == "PING":
                    await ws.send_str("PONG")
                    continue
                if not await on_request(ws, subscriber, _json_object(message.data) or {}):
                    break
        finally:
            registry.pop(subscriber, None)
            subscriber.put(None)
            await sender
        return ws

    async def ws_market(self, request: web.Request) -> web.WebSocketResponse:
        """``/ws/market``: ``{"assets_ids": [...]}`` (optionally ``"operation"``)."""

        async def on_request(ws, subscriber: Subscriber, request_json: dict) -> bool:
            assets = request_json.get("assets_ids")
            if not isinstance(assets, list):
                return True
            current = self._market_subs.setdefault(subscriber, set())
            if request_json.get("operation") == "unsubscribe":
                current.difference_update(assets)
                return True
            new = [a for a in assets if isinstance(a, str) and a not in current]
            if len(current) + len(new) > self.max_assets:
                await ws.send_str(json.dumps({"error": "too many assets per connection"}))
                return False
            current.update(new)
            ts_ms = self.clock.now_ns() // 10**6
            books = [self.exchange.book_summary(a, ts_ms) for a in new]
            subscriber.put([encode.book_event(b) for b in books if b is not None])
            return True

        return await self._serve_ws(request, self._market_subs, on_request)

    async def ws_user(self, request: web.Request) -> web.WebSocketResponse:
        """``/ws/user``: ``{"auth": {apiKey, secret, passphrase}, "markets": [...]}``."""

        async def on_request(ws, subscriber: Subscriber, request_json: dict) -> bool:
            auth = request_json.get("auth")
            if not isinstance(auth, dict):
                return True
            key = self.exchange.keys.get(str(auth.get("apiKey")))
            given = (auth.get("secret"), auth.get("passphrase"))
            if key is None or given != (key.secret, key.passphrase):
                await ws.close(code=4401, message=b"invalid auth")
                return False
            markets = request_json.get("markets") or []
            self._user_subs[subscriber] = (key.key, {str(m) for m in markets})
            return True

        return await self._serve_ws(request, self._user_subs, on_request)

    # ---- HTTP plumbing ------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        if request.path.startswith("/ws/"):
            return await handler(request)
        self.log.http_requests += 1
        count = self.log.http_requests
        if self.faults.delay_ms:
            self.log.fired["delay"] += 1
            await asyncio.sleep(self.faults.delay_ms / 1000)
        if every(count, self.faults.http_429_every):
            self.log.fired["http_429"] += 1
            return web.json_response({"error": "Too Many Requests"}, status=429)
        failing = every(count, self.faults.http_5xx_every)
        if failing and request.method == "GET":
            self.log.fired["http_5xx"] += 1
            return web.json_response({"error": "Internal Server Error"}, status=500)
        response = await handler(request)
        if failing:
            self.log.fired["http_5xx"] += 1
            return web.json_response({"error": "Internal Server Error"}, status=500)
        return response

    def l1_address(self, request: web.Request) -> str | None:
        """The wallet proven by L1 headers (None if they do not verify)."""
        headers = request.headers
        address = headers.get("POLY_ADDRESS", "")
        timestamp = headers.get("POLY_TIMESTAMP", "")
        nonce_text = headers.get("POLY_NONCE", "0") or "0"
        if not (address and timestamp.isdigit() and nonce_text.isdigit()):
            return None
        if abs(int(timestamp) - int(time.time())) > self.auth_window_s:
            return None
        try:
            signer = signing.recover_l1_signer(
                address, timestamp, int(nonce_text), headers.get("POLY_SIGNATURE", ""),
                self.chain_id,
            )  # fmt: skip
        except DataError:
            return None
        return address if signer.lower() == address.lower() else None

    def l2_key(self, request: web.Request, body: str) -> ApiKey | None:
        """The API key proven by L2 headers (None if they do not verify)."""
        headers = request.headers
        key = self.exchange.keys.get(headers.get("POLY_API_KEY", ""))
        timestamp = headers.get("POLY_TIMESTAMP", "")
        if key is None or headers.get("POLY_PASSPHRASE") != key.passphrase:
            return None
        if headers.get("POLY_ADDRESS", "").lower() != key.address.lower():
            return None
        if not timestamp.isdigit() or abs(int(timestamp) - int(time.time())) > self.auth_window_s:
            return None
        signature = headers.get("POLY_SIGNATURE", "")
        method, path = request.method, request.path
        if not signing.is_l2_signature_valid(key.secret, timestamp, method, path, body, signature):
            return None
        return key

    def post_one(self, body: object, key: ApiKey) -> tuple[int, dict]:
        """Check and submit one ``POST /order`` body (faults first); publish what it causes."""
        try:
            order_body = msgspec.convert(body, wire.PostOrderBody)
        except msgspec.ValidationError:
            return 400, {"error": "Invalid order payload"}
        self.log.orders += 1
        if every(self.log.orders, self.faults.reject_orders):
            self.log.fired["reject_order"] += 1
            return 400, {"error": "could not insert order"}
        ts_ns = self.clock.now_ns()
        status, answer, user = self.exchange.post_order(order_body, key, ts_ns, int(time.time()))
        self.publish_user(user)
        return status, answer

    def cancel(self, order_ids: Iterable[str], key: ApiKey) -> dict:
        answer, user = self.exchange.cancel(order_ids, key, self.clock.now_ns())
        self.publish_user(user)
        return answer

    def page(self, items: list[dict]) -> dict:
        return {"data": items, "next_cursor": END_CURSOR, "limit": 500, "count": len(items)}

    def orders_page(self, key: ApiKey, query) -> dict:
        orders = self.exchange.live_orders(
            key, query.get("id", ""), query.get("market", ""), query.get("asset_id", "")
        )
        return self.page([open_order(o) for o in orders])


def _json_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def create_emulator(source: MarketDataSource, options) -> PolymarketEmulator:
    """Factory for ``pythia emulate polymarket`` (``cli/emulate.py``): ``options`` carries
    ``host``, ``port``, ``speed`` and ``faults`` (``NAME=VALUE`` strings)."""
    return PolymarketEmulator(
        source,
        host=options.host,
        port=options.port,
        speed=options.speed,
        faults=Faults.parse(list(options.faults)),
    )
