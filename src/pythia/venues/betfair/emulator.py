"""A Betfair-compatible server on loopback: identity, betting and account JSON-RPC over
plain HTTP, and the Exchange Stream API over a plain TCP socket.

It replays a recorded dataset (any ``MarketDataSource``; :func:`read_capture` of a recorded
stream keeps the runner names of its catalogue) in real time or accelerated (``speed``; 0
replays without pauses) and matches bets with Pythia's simulated venue under the Betfair
profile (:mod:`.emulator_exchange`). It speaks what ``betfairlightweight`` sends:

- identity (``<rest>/api/``): ``login`` (interactive: form ``username`` / ``password``,
  ``X-Application``) and ``keepAlive``; answers ``{"token", "product", "status", "error"}``;
- betting (``<rest>/exchange/betting/json-rpc/v1``): ``listMarketCatalogue``,
  ``listMarketBook``, ``placeOrders`` (deduplicated by ``customerRef``), ``cancelOrders``,
  ``listCurrentOrders``; account (``.../account/json-rpc/v1``): ``getAccountFunds``. Every
  call needs ``X-Application`` and a live ``X-Authentication`` session, else a JSON-RPC
  ``APINGException`` (``INVALID_APP_KEY`` / ``INVALID_SESSION_INFORMATION``);
- the stream (``tcp://host:port``, CRLF-delimited JSON): ``connection`` on connect, then
  ``authentication`` (``appKey`` + ``session``), ``marketSubscription`` (``marketFilter.
  marketIds``; a ``SUB_IMAGE`` with ``initialClk``/``clk``, then deltas; a resubscription
  with ``clk`` is answered with a fresh image), ``orderSubscription`` (``ocm`` image, then
  one ``ocm`` per bet change or fill, with ``mb``/``ml`` matched ladders) and ``heartbeat``;
  ``HEARTBEAT`` messages after ``heartbeatMs`` of silence.

Test hooks: :meth:`drop_stream_connections`, :meth:`inject_line` (a raw line, e.g. a
malformed one), ``stream_paused`` (send nothing: the client's stale detector fires),
``trade_record`` (every fill, with the ids the order stream reports).

>>> emulator = BetfairEmulator(read_capture([path]), username="u", password="p",
...                            app_key="k", speed=0)                      # doctest: +SKIP
>>> await emulator.start(); emulator.start_replay()                      # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import secrets
import time
from decimal import Decimal

import msgspec
from aiohttp import web

from pythia.core.errors import ConfigError
from pythia.model.events import InstrumentDefinition
from pythia.model.execution import FillReport
from pythia.ports.market_data import MarketDataSource
from pythia.sim.models.base import VenueProfile
from pythia.venues.betfair import wire
from pythia.venues.betfair.emulator_exchange import BetfairExchange, Notices, ms, odds
from pythia.venues.betfair.parse import stake_text
from pythia.venues.betfair.profile import DEFAULT_PROFILE

ENCODER = msgspec.json.Encoder(decimal_format="number")
CRLF = b"\r\n"
AUTH_ERRORS = {"NO_APP_KEY", "INVALID_APP_KEY", "NO_SESSION", "INVALID_SESSION_INFORMATION"}


def check_loopback(host: str) -> None:
    """``ConfigError`` unless ``host`` is a loopback address (the emulator never listens
    elsewhere)."""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ConfigError(f"the emulator serves on loopback only, not on {host!r}")


def _definitions(source: MarketDataSource) -> list:
    """The source's instruments; a capture reader learns them by reading, so read it once."""
    known = source.instruments()
    if known:
        return known
    found = {}
    for event in source.events():
        if isinstance(event, InstrumentDefinition):
            found[event.definition.id] = event.definition
    return list(found.values())


class _StreamSession:
    """One stream connection of a client."""

    def __init__(self, emulator: BetfairEmulator, writer: asyncio.StreamWriter) -> None:
        self.emulator = emulator
        self.writer = writer
        self.authenticated = False
        self.market_sub: int | None = None
        self.market_ids: set[str] | None = None
        self.order_sub: int | None = None
        self.heartbeat_ms = 5000
        self.last_sent = time.monotonic()

    def send(self, message: dict) -> None:
        if self.emulator.stream_paused or self.writer.is_closing():
            return
        self.writer.write(ENCODER.encode(message) + CRLF)
        self.last_sent = time.monotonic()

    def send_raw(self, line: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(line + CRLF)

    def status(self, request_id, code: str = "SUCCESS", error: str = "", close=False) -> None:
        message = {"op": "status", "id": request_id, "statusCode": code, "connectionClosed": close}
        if code == "SUCCESS":
            message["connectionsAvailable"] = 10
        else:
            message["errorCode"] = error
            message["errorMessage"] = error.replace("_", " ").lower()
        self.send(message)

    def wants(self, market_id: str) -> bool:
        return self.market_sub is not None and (
            self.market_ids is None or market_id in self.market_ids
        )

    def publish(self, notices: Notices, clk: str, pt: int) -> None:
        changes = [c for c in notices.markets if self.wants(c["id"])]
        if changes:
            self.send({"op": "mcm", "id": self.market_sub, "clk": clk, "pt": pt, "mc": changes})
        if self.order_sub is not None:
            for change in notices.orders:
                self.send({"op": "ocm", "id": self.order_sub, "clk": clk, "pt": pt, "oc": [change]})

    async def heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_ms / 4000)
            silent_ms = (time.monotonic() - self.last_sent) * 1000
            if self.market_sub is not None and silent_ms >= self.heartbeat_ms:
                self.send(
                    {
                        "op": "mcm",
                        "id": self.market_sub,
                        "clk": self.emulator.clk,
                        "pt": ms(time.time_ns()),
                        "ct": "HEARTBEAT",
                    }
                )

    def on_request(self, request: dict) -> bool:
        """Answer one request; False when the connection must close."""
        op, request_id = request.get("op"), request.get("id")
        emulator = self.emulator
        if op == "authentication":
            if request.get("appKey") != emulator.app_key:
                self.status(request_id, "FAILURE", "INVALID_APP_KEY", close=True)
                return False
            if request.get("session") not in emulator.sessions:
                self.status(request_id, "FAILURE", "INVALID_SESSION_INFORMATION", close=True)
                return False
            self.authenticated = True
            self.status(request_id)
            return True
        if not self.authenticated:
            self.status(request_id, "FAILURE", "NO_SESSION", close=True)
            return False
        if op == "heartbeat":
            self.status(request_id)
        elif op == "marketSubscription":
            market_ids = (request.get("marketFilter") or {}).get("marketIds")
            self.market_ids = set(market_ids) if market_ids else None
            self.market_sub = request_id
            self.heartbeat_ms = max(500, min(int(request.get("heartbeatMs") or 5000), 30_000))
            self.status(request_id)
            images = [
                emulator.exchange.image(m)
                for m in sorted(emulator.exchange.markets)
                if self.wants(m)
            ]
            clk = emulator.next_clk()
            self.send(
                {
                    "op": "mcm",
                    "id": request_id,
                    "initialClk": f"init:{clk}",
                    "clk": clk,
                    "pt": ms(time.time_ns()),
                    "ct": "SUB_IMAGE",
                    "mc": images,
                }
            )
        elif op == "orderSubscription":
            self.order_sub = request_id
            self.status(request_id)
            self.send(
                {
                    "op": "ocm",
                    "id": request_id,
                    "initialClk": f"init:{emulator.clk}",
                    "clk": emulator.next_clk(),
                    "pt": ms(time.time_ns()),
                    "ct": "SUB_IMAGE",
                    "oc": emulator.exchange.order_image(),
                }
            )
        else:
            self.status(request_id, "FAILURE", "INVALID_REQUEST", close=True)
            return False
        return True


class BetfairEmulator:
    """The emulator: ``await start()``, ``start_replay()``, ``await stop()``."""

    def __init__(
        self,
        source: MarketDataSource,
        *,
        username: str,
        password: str,
        app_key: str,
        speed: float = 1.0,
        profile: VenueProfile = DEFAULT_PROFILE,
        balance_pounds: int = 10_000,
        seed: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        check_loopback(host)
        self.source = source
        self.username, self.password, self.app_key = username, password, app_key
        self.speed = speed
        self.host = host
        self.exchange = BetfairExchange(profile, _definitions(source), balance_pounds * 10**6, seed)
        self.sessions: set[str] = set()
        self.stream_sessions: set[_StreamSession] = set()
        self.stream_paused = False
        self.replay_done = asyncio.Event()
        self.counters = {"requests": 0, "logins": 0, "auth_failures": 0, "stream_connections": 0}
        self.rest_port = 0
        self.stream_port = 0
        self._clk = itertools.count(1)
        self.clk = "0"
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._replay: asyncio.Task | None = None
        self._events = None
        self.replayed = 0

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the REST server and the stream socket (ephemeral ports)."""
        app = web.Application()
        app.router.add_post("/api/login", self._login)
        app.router.add_post("/api/keepAlive", self._keep_alive)
        app.router.add_post("/exchange/betting/json-rpc/v1", self._betting)
        app.router.add_post("/exchange/account/json-rpc/v1", self._account)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.rest_port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
        self._server = await asyncio.start_server(self._stream_client, self.host, 0)
        self.stream_port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._replay is not None:
            self._replay.cancel()
            await asyncio.gather(self._replay, return_exceptions=True)
        self.drop_stream_connections()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.rest_port}"

    @property
    def stream_url(self) -> str:
        return f"tcp://{self.host}:{self.stream_port}"

    def urls(self) -> dict[str, str]:
        """Where clients connect: ``rest`` (identity + JSON-RPC base) and ``stream``."""
        return {"rest": self.rest_url, "stream": self.stream_url}

    @property
    def trade_record(self) -> list[FillReport]:
        return self.exchange.trade_record

    def next_clk(self) -> str:
        self.clk = str(next(self._clk))
        return self.clk

    # ---- replay -------------------------------------------------------------------------------
    def start_replay(self, until: int | None = None) -> asyncio.Task:
        """Replay the dataset (``speed`` x real time; 0 without pauses) until ``until``
        events in all have been replayed (all when None). A later call, once this replay has
        finished, goes on from where it stopped."""
        if self._replay is None or self._replay.done():
            self._replay = asyncio.get_running_loop().create_task(self._run_replay(until))
        return self._replay

    async def _run_replay(self, until: int | None) -> None:
        if self._events is None:
            self._events = iter(self.source.events())
        loop = asyncio.get_running_loop()
        started = loop.time()
        first_ns: int | None = None
        while until is None or self.replayed < until:
            event = next(self._events, None)
            if event is None:
                self.replay_done.set()
                return
            self.replayed += 1
            if first_ns is None:
                first_ns = event.ts_recv_ns
            if self.speed > 0:
                due = started + (event.ts_recv_ns - first_ns) / 1e9 / self.speed
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
            elif self.replayed % 50 == 0:
                await asyncio.sleep(0)
            self.publish(self.exchange.apply(event, time.time_ns()))

    def publish(self, notices: Notices) -> None:
        if not (notices.markets or notices.orders):
            return
        clk, pt = self.next_clk(), ms(time.time_ns())
        for session in list(self.stream_sessions):
            session.publish(notices, clk, pt)

    # ---- test hooks ---------------------------------------------------------------------------
    def drop_stream_connections(self) -> None:
        """Close every stream connection (clients reconnect)."""
        for session in list(self.stream_sessions):
            session.writer.close()

    def inject_line(self, line: bytes) -> None:
        """Send a raw line to every stream connection (e.g. a malformed message)."""
        for session in list(self.stream_sessions):
            session.send_raw(line)

    # ---- stream -------------------------------------------------------------------------------
    async def _stream_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.counters["stream_connections"] += 1
        session = _StreamSession(self, writer)
        self.stream_sessions.add(session)
        heartbeats = asyncio.get_running_loop().create_task(session.heartbeats())
        self._tasks.add(heartbeats)
        session.send({"op": "connection", "connectionId": secrets.token_hex(6)})
        try:
            while True:
                line = await reader.readuntil(CRLF)
                try:
                    request = msgspec.json.decode(line)
                except msgspec.DecodeError:
                    request = None
                if not isinstance(request, dict):
                    session.status(None, "FAILURE", "INVALID_INPUT", close=True)
                    break
                if not session.on_request(request):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            heartbeats.cancel()
            self._tasks.discard(heartbeats)
            self.stream_sessions.discard(session)
            writer.close()

    # ---- identity -----------------------------------------------------------------------------
    async def _login(self, request: web.Request) -> web.Response:
        form = await request.post()
        product = request.headers.get("X-Application", "")
        self.counters["requests"] += 1
        if product != self.app_key:
            error = "INVALID_APP_KEY" if product else "APP_KEY_NOT_FOUND"
        elif form.get("username") != self.username or form.get("password") != self.password:
            error = "INVALID_USERNAME_OR_PASSWORD"
        else:
            token = secrets.token_urlsafe(24)
            self.sessions.add(token)
            self.counters["logins"] += 1
            return web.json_response(
                {"token": token, "product": product, "status": "SUCCESS", "error": ""}
            )
        self.counters["auth_failures"] += 1
        return web.json_response(
            {"token": "", "product": product, "status": "FAIL", "error": error}
        )

    async def _keep_alive(self, request: web.Request) -> web.Response:
        token = request.headers.get("X-Authentication", "")
        product = request.headers.get("X-Application", "")
        if token in self.sessions and product == self.app_key:
            return web.json_response(
                {"token": token, "product": product, "status": "SUCCESS", "error": ""}
            )
        return web.json_response(
            {"token": "", "product": product, "status": "FAIL", "error": "NO_SESSION"}
        )

    # ---- JSON-RPC -----------------------------------------------------------------------------
    async def _rpc(self, request: web.Request, handlers: dict) -> web.Response:
        self.counters["requests"] += 1
        try:
            body = msgspec.json.decode(await request.read())
        except msgspec.DecodeError:
            return _rpc_error(None, "INVALID_INPUT_DATA", -32700)
        rpc_id = body.get("id") if isinstance(body, dict) else None
        if request.headers.get("X-Application") != self.app_key:
            self.counters["auth_failures"] += 1
            return _rpc_error(rpc_id, "INVALID_APP_KEY")
        if request.headers.get("X-Authentication") not in self.sessions:
            self.counters["auth_failures"] += 1
            return _rpc_error(rpc_id, "INVALID_SESSION_INFORMATION")
        method = str(body.get("method", "")).rpartition("/")[2]
        handler = handlers.get(method)
        if handler is None:
            return _rpc_error(rpc_id, "INVALID_INPUT_DATA", -32601)
        try:
            result = handler(body.get("params") or {})
        except (msgspec.ValidationError, TypeError, KeyError, ValueError):
            return _rpc_error(rpc_id, "INVALID_INPUT_DATA")
        payload = {"jsonrpc": "2.0", "result": result, "id": rpc_id}
        return web.Response(body=ENCODER.encode(payload), content_type="application/json")

    async def _betting(self, request: web.Request) -> web.Response:
        return await self._rpc(
            request,
            {
                "listMarketCatalogue": self._catalogue,
                "listMarketBook": self._market_book,
                "placeOrders": self._place_orders,
                "cancelOrders": self._cancel_orders,
                "listCurrentOrders": self._current_orders,
            },
        )

    async def _account(self, request: web.Request) -> web.Response:
        return await self._rpc(request, {"getAccountFunds": self._funds})

    def _catalogue(self, params: dict) -> list:
        wanted = (params.get("filter") or {}).get("marketIds")
        result = []
        for market_id, market in sorted(self.exchange.markets.items()):
            if wanted and market_id not in wanted:
                continue
            runners = []
            for n, selection in enumerate(market.selections, start=1):
                token = self.exchange.tokens.get(f"betfair:{market_id}:{selection}")
                name = token.outcome if token is not None else str(selection)
                runners.append(
                    {
                        "selectionId": selection,
                        "runnerName": name,
                        "handicap": 0.0,
                        "sortPriority": n,
                    }
                )
            title = market.group.title if market.group is not None else ""
            result.append(
                {
                    "marketId": market_id,
                    "marketName": title or market_id,
                    "totalMatched": 0.0,
                    "runners": runners,
                }
            )
        return result[: int(params.get("maxResults") or 1000)]

    def _market_book(self, params: dict) -> list:
        result = []
        for market_id in params["marketIds"]:
            if market_id not in self.exchange.markets:
                continue
            definition = self.exchange.definition(market_id)
            runners = []
            for runner in definition["runners"]:
                bids, asks = self.exchange.book(f"betfair:{market_id}:{runner['id']}")
                runners.append(
                    {
                        "selectionId": runner["id"],
                        "handicap": 0.0,
                        "status": runner["status"],
                        "ex": {
                            "availableToBack": [
                                {"price": odds(p), "size": stake_text(s)} for p, s in bids
                            ],
                            "availableToLay": [
                                {"price": odds(p), "size": stake_text(s)} for p, s in asks
                            ],
                            "tradedVolume": [],
                        },
                    }
                )
            result.append(
                {
                    "marketId": market_id,
                    "isMarketDataDelayed": False,
                    "status": definition["status"],
                    "betDelay": 0,
                    "bspReconciled": False,
                    "complete": True,
                    "inplay": definition["inPlay"],
                    "numberOfWinners": definition["numberOfWinners"],
                    "numberOfRunners": len(runners),
                    "numberOfActiveRunners": sum(r["status"] == "ACTIVE" for r in runners),
                    "totalMatched": 0.0,
                    "totalAvailable": 0.0,
                    "crossMatching": True,
                    "runnersVoidable": False,
                    "version": definition["version"],
                    "runners": runners,
                }
            )
        return result

    def _place_orders(self, params: dict) -> dict:
        instructions = msgspec.convert(
            params["instructions"], list[wire.PlaceInstruction], strict=False
        )
        report, notices = self.exchange.place(
            params["marketId"], instructions, params.get("customerRef"), time.time_ns()
        )
        self.publish(notices)
        return report

    def _cancel_orders(self, params: dict) -> dict:
        bet_ids = [str(i["betId"]) for i in params.get("instructions") or []]
        report, notices = self.exchange.cancel(params["marketId"], bet_ids, time.time_ns())
        self.publish(notices)
        return report

    def _current_orders(self, params: dict) -> dict:
        orders = self.exchange.current_orders(
            params.get("betIds"),
            params.get("marketIds"),
            params.get("customerOrderRefs"),
            params.get("orderProjection"),
        )
        start = int(params.get("fromRecord") or 0)
        count = int(params.get("recordCount") or 1000) or 1000
        page = orders[start : start + count]
        return {"currentOrders": page, "moreAvailable": start + count < len(orders)}

    def _funds(self, params: dict) -> dict:
        available = Decimal(self.exchange.account.cash_micros) / 10**6
        return {
            "availableToBetBalance": available.quantize(Decimal("0.01")),
            "exposure": Decimal(0),
            "retainedCommission": Decimal(0),
            "exposureLimit": Decimal(-10000),
            "discountRate": Decimal(0),
            "pointsBalance": 0,
            "wallet": "UK",
        }


def _rpc_error(rpc_id, code: str, number: int = -32099) -> web.Response:
    error = {
        "code": number,
        "message": "ANGX-0003" if number == -32099 else code,
        "data": {
            "APINGException": {
                "errorCode": code,
                "errorDetails": code,
                "requestUUID": secrets.token_hex(8),
            },
            "exceptionname": "APINGException",
        },
    }
    return web.json_response({"jsonrpc": "2.0", "error": error, "id": rpc_id})
