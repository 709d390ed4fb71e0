"""Paper and live runs on a venue's live feed (or its emulator), journaled and restartable.

``[live]`` in the run's TOML names the venue, its REST and WebSocket addresses and the
markets to trade. Both modes take market data from the venue's feed client and run the
same kernel on the wall clock (:class:`pythia.engine.live.LiveRunner`):

- **paper**: fills come from Pythia's simulator matching against the live books;
- **live**: orders go to the venue through its order client (:class:`LiveGateway`), and
  fills and order updates come back from its user channel.

A journal that already holds records is not replayed (live data cannot be replayed):
balances, positions, open orders and the control mode are rebuilt from it
(:func:`pythia.engine.recovery.rebuild`), then open orders are reconciled with what the
venue reports (a paper venue starts empty, so its orders are closed on our side), and the
run goes on appending to the same chain. Live runs start PAUSED unless ``start_mode =
"normal"``: an operator resumes them with ``pythia control resume``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pythia.core.errors import ConfigError
from pythia.engine.gateway import LiveGateway
from pythia.engine.journaling import EngineJournal
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.engine.live import LiveRunner, WallClock
from pythia.engine.recovery import rebuild, reconcile, restore_orders
from pythia.model.events import BookDelta, BookSnapshot, MarketEvent, TickSizeChange
from pythia.model.execution import FillReport, OrderUpdate
from pythia.portfolio import Portfolio
from pythia.risk.control import ControlMode, ControlSource, ModeRequest
from pythia.risk.rules import RiskEngine
from pythia.risk.settings import build_breakers, build_guards, build_rules
from pythia.sim.venue import SimulatedVenue
from pythia.store import Journal
from pythia.strategy.registry import create_strategy
from pythia.venues import profile_for
from pythia.venues.feeds import FeedStatus

Mode = Literal["paper", "live"]


class LiveSettings(BaseModel):
    """The ``[live]`` section of a paper or live run."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    venue: str
    rest_url: str
    ws_url: str
    markets: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)
    """Polymarket negRisk events to trade as groups (all their markets), read from Gamma."""
    gamma_url: str | None = None
    """Polymarket's Gamma API base (default https://gamma-api.polymarket.com; the emulator
    serves it under ``<rest_url>/gamma``)."""
    start_mode: Literal["paused", "normal"] = "paused"
    """Live runs: the mode at start (paper runs always start normal)."""
    i_understand_this_trades_real_money: bool = False


@dataclass
class Connection:
    """A venue's live pieces: definitions, a feed, and (live mode) an order client."""

    definitions: list
    feed: AsyncIterator
    order_client: object | None
    close: object
    counters: object = None
    on_tick_size: object = None
    """Called with each ``TickSizeChange`` before the kernel sees it (the order client
    signs prices on the new grid from then on)."""
    read_balance: object = None
    """``async () -> int``: the account's cash in micro-units (live pre-flight)."""


async def connect_kalshi(live: LiveSettings, mode: Mode) -> Connection:
    from pythia.venues.kalshi.execution import KalshiExecution
    from pythia.venues.kalshi.feed import KalshiFeed
    from pythia.venues.kalshi.signing import load_credentials

    credentials = load_credentials()
    execution = KalshiExecution(credentials, base_url=live.rest_url)
    definitions = await execution.definitions(live.markets)
    channels = (
        ("orderbook_delta", "fill", "user_orders") if mode == "live" else ("orderbook_delta",)
    )
    feed = KalshiFeed(live.markets, credentials=credentials, url=live.ws_url, channels=channels)
    feed.start()

    async def close():
        await feed.close()
        await execution.close()

    client = KalshiOrderClient(execution) if mode == "live" else None
    # fills made while the WebSocket was down are not sent again: catch up over REST
    fills = [poll_fills(execution.fills)] if mode == "live" else []
    events = merge(feed, *fills)
    return Connection(
        definitions, events, client, close, feed.counters, read_balance=execution.balance_micros
    )


async def merge(primary: AsyncIterator, *others: AsyncIterator) -> AsyncIterator:
    """Items of every source in arrival order, until ``primary`` (the feed) ends."""
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    async def pump(source, last: bool):
        try:
            async for item in source:
                await queue.put(item)
        finally:
            if last:
                await queue.put(done)

    pumps = [asyncio.create_task(pump(primary, True))]
    pumps += [asyncio.create_task(pump(source, False)) for source in others]
    try:
        while (item := await queue.get()) is not done:
            yield item
    finally:
        for task in pumps:
            task.cancel()


async def poll_fills(read_fills, interval_s: float = 1.0) -> AsyncIterator[FillReport]:
    """Our fills read over REST every ``interval_s`` (new trade ids only): the catch-up for
    fills a user channel missed while disconnected (the kernel books a trade id once)."""
    seen: set[str] = set()
    while True:
        await asyncio.sleep(interval_s)
        try:
            fills = await read_fills()
        except Exception:  # noqa: BLE001 - the next poll tries again; the feed goes on
            continue
        for fill in fills:
            if fill.trade_id not in seen:
                seen.add(fill.trade_id)
                yield fill


class KalshiOrderClient:
    """The Kalshi execution client as the live gateway's :class:`OrderClient`."""

    def __init__(self, execution) -> None:
        self.execution = execution

    async def place(self, request):
        from pythia.core.errors import OrderRejected
        from pythia.engine.gateway import failed

        try:
            return [await self.execution.place(request)]
        except OrderRejected as error:
            return [failed(request, None, str(error))]

    async def cancel(self, request):
        return [await self.execution.cancel_by_client_id(request.client_order_id)]

    async def open_orders(self) -> list[str]:
        return [update.client_order_id for update in await self.execution.open_orders()]


async def connect_polymarket(live: LiveSettings, mode: Mode) -> Connection:
    """Polymarket: ``markets`` are condition ids; ``rest_url`` the CLOB host; ``ws_url`` the
    WebSocket base (``.../ws``: the market and user channels are ``/market`` and ``/user``)."""
    import aiohttp
    import msgspec

    from pythia.venues.polymarket import wire
    from pythia.venues.polymarket.auth import load_credentials
    from pythia.venues.polymarket.execution import AsyncOrderClient, connect
    from pythia.venues.polymarket.feed import MarketFeed
    from pythia.venues.polymarket.markets import parse_clob_market
    from pythia.venues.polymarket.user_channel import UserChannel

    credentials = load_credentials()
    definitions: list = await gamma_definitions(live) if live.events else []
    async with aiohttp.ClientSession() as session:
        for condition_id in live.markets:
            async with session.get(f"{live.rest_url.rstrip('/')}/markets/{condition_id}") as answer:
                if answer.status != 200:
                    raise ConfigError(f"Polymarket market {condition_id}: HTTP {answer.status}")
                market = parse_clob_market(
                    msgspec.json.decode(await answer.read(), type=wire.ClobMarket)
                )
            definitions.extend([*market.tokens, market.group])
    token_ids = [d.id.partition(":")[2] for d in definitions if hasattr(d, "complement_id")]
    base = live.ws_url.rstrip("/")
    statuses: asyncio.Queue = asyncio.Queue()

    def on_sync(instrument_id: str, synced: bool) -> None:
        reason = "snapshot" if synced else "unsynced"
        statuses.put_nowait(FeedStatus(instrument_id, synced, reason, time.time_ns()))

    async def sync_changes():
        while True:
            yield await statuses.get()

    feed = MarketFeed(f"{base}/market", token_ids, on_sync=on_sync)
    tasks = [asyncio.create_task(feed.run())]
    client = channel = None
    if mode == "live":
        try:
            execution, api = await asyncio.to_thread(connect, live.rest_url, credentials)
        except BaseException:
            await feed.stop()  # never leave the feed reconnecting behind a failed start
            tasks[0].cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        client = AsyncOrderClient(execution)
        channel = UserChannel(f"{base}/user", api, execution=execution, markets=live.markets)
        tasks.append(asyncio.create_task(channel.run()))

    async def close():
        await feed.stop()
        if channel is not None:
            await channel.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    reports = [channel.reports()] if channel is not None else []
    on_tick = client.execution.on_tick_size_change if client is not None else None
    events = merge(feed.events(), sync_changes(), *reports)

    async def read_balance() -> int:
        return await asyncio.to_thread(client.execution.balance_micros)

    balance = read_balance if client is not None else None
    return Connection(definitions, events, client, close, feed.counters, on_tick, balance)


async def gamma_definitions(live: LiveSettings) -> list:
    """Tokens and NEG_RISK groups of the ``events`` (Gamma ``/events/{id}``)."""
    import aiohttp
    import msgspec

    from pythia.venues.polymarket import wire
    from pythia.venues.polymarket.markets import parse_gamma_event

    base = (live.gamma_url or "https://gamma-api.polymarket.com").rstrip("/")
    definitions: list = []
    async with aiohttp.ClientSession() as session:
        for event_id in live.events:
            async with session.get(f"{base}/events/{event_id}") as answer:
                if answer.status != 200:
                    raise ConfigError(f"Polymarket event {event_id}: HTTP {answer.status}")
                event = msgspec.json.decode(await answer.read(), type=wire.GammaEvent)
            markets, group = parse_gamma_event(event)
            for market in markets:
                definitions.extend([*market.tokens, market.group])
            if group is not None:
                definitions.append(group)
    return definitions


async def connect_binance(live: LiveSettings, mode: Mode) -> Connection:
    """Binance spot: ``markets`` are symbols (``"BTCUSDT"``); ``rest_url`` the REST host
    (without ``/api/v3``); ``ws_url`` the WebSocket base (``.../stream`` is added). Live mode
    places orders through ccxt and polls ``myTrades`` for fills."""
    from pythia.venues.binance.auth import load_credentials
    from pythia.venues.binance.execution import BinanceExecution, BinanceOrderClient, poll_fills
    from pythia.venues.binance.feed import BinanceFeed

    credentials = load_credentials() if mode == "live" else None
    feed = BinanceFeed(live.markets, live.rest_url, live.ws_url)
    definitions = list(feed.instruments.values())
    execution = client = None
    if credentials is not None:
        execution = BinanceExecution(credentials, live.rest_url)
        definitions = await execution.load(live.markets)
        client = BinanceOrderClient(execution)
    feed.start()

    async def close():
        await feed.close()
        if execution is not None:
            await execution.close()

    fills = [poll_fills(execution)] if execution is not None else []
    return Connection(definitions, merge(feed, *fills), client, close, feed.counters)


async def connect_betfair(live: LiveSettings, mode: Mode) -> Connection:
    """Betfair: ``markets`` are market ids; ``rest_url`` the base of the identity (``/api/``)
    and JSON-RPC (``/exchange/``) endpoints; ``ws_url`` the Exchange Stream address,
    ``tcp://host:port`` (plain socket: the emulator) or ``tls://host:port``."""
    from pythia.venues.betfair.auth import load_credentials
    from pythia.venues.betfair.execution import BetfairExecution, login
    from pythia.venues.betfair.feed import BetfairFeed

    credentials = load_credentials()
    session = await asyncio.to_thread(login, credentials, live.rest_url)
    client = session
    execution = BetfairExecution(client)
    definitions = await execution.definitions(live.markets)
    catalogues = {c.marketId: c for c in await execution.catalogue(live.markets)}
    feed = BetfairFeed(
        client,
        live.markets,
        url=live.ws_url,
        orders=mode == "live",
        catalogues=catalogues,
        ref_lookup=execution.client_id_of,
    )
    feed.start()
    keeper = asyncio.create_task(keep_session_alive(session))

    async def close():
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        await feed.close()

    client = execution if mode == "live" else None
    return Connection(
        definitions, feed, client, close, feed.counters, read_balance=execution.funds_micros
    )


BETFAIR_KEEP_ALIVE_S = 4 * 3600
"""Betfair sessions expire after hours without use; renew well before that."""


async def keep_session_alive(client, interval_s: float = BETFAIR_KEEP_ALIVE_S) -> None:
    """Renew a betfairlightweight session every ``interval_s`` (a failure is retried at the
    next interval; the stream reports an expired session itself)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(client.keep_alive)
        except Exception:  # noqa: BLE001 - the next renewal tries again
            continue


CONNECTORS = {
    "kalshi": connect_kalshi,
    "polymarket": connect_polymarket,
    "binance": connect_binance,
    "betfair": connect_betfair,
}
"""Venue name -> ``async connect(live_settings, mode) -> Connection``."""


@dataclass
class LiveRun:
    kernel: Kernel
    runner: LiveRunner
    journal: Journal
    connection: Connection
    restarted: bool
    reconciliation: dict = field(default_factory=dict)


def preflight(settings, mode: Mode, confirmed: bool) -> None:
    """What must hold before a live run sends a real order."""
    live = settings.live
    if live is None:
        raise ConfigError("a paper or live run on a venue feed needs a [live] section")
    if live.venue not in CONNECTORS:
        raise ConfigError(f"[live] venue {live.venue!r}: use one of {', '.join(CONNECTORS)}")
    if not live.markets and not live.events:
        raise ConfigError("[live] names nothing to trade: give markets (or Polymarket events)")
    if mode == "live":
        if not (confirmed or live.i_understand_this_trades_real_money):
            raise ConfigError(
                "pythia live trades real money: pass --i-understand-this-trades-real-money"
                " (or set [live] i_understand_this_trades_real_money = true)"
            )
        if len(build_rules(settings.risk)) <= 2:
            raise ConfigError(
                "pythia live needs risk limits: set at least one limit in [risk]"
                " (max_order_size, max_position, gross_exposure, ...)"
            )


def open_live_journal(url: str, identity: dict) -> tuple[Journal, list]:
    journal = Journal.open(url)
    existing = list(journal.records())
    if existing and (existing[0].kind != "run_start" or dict(existing[0].payload) != identity):
        journal.close()
        raise ConfigError(f"journal {journal.url} belongs to another run; use a new journal")
    if not existing:
        journal.append("run_start", identity, 0)
    return journal, existing


async def start_live(settings, mode: Mode, journal_url: str, ops=None) -> LiveRun:
    """Connect, restore from the journal, reconcile, and build the runner (not yet run)."""
    from pythia.service.journaled import run_identity

    live = settings.live
    # where the venue is reached is not part of the run (an emulator restarts elsewhere)
    anonymous = settings.model_copy(
        update={"live": live.model_copy(update={"rest_url": "", "ws_url": ""})}
    )
    identity = {**run_identity(anonymous, f"{live.venue}:live"), "mode": mode}
    journal, existing = open_live_journal(url=journal_url, identity=identity)
    connection = await CONNECTORS[live.venue](live, mode)
    balance = None
    if mode == "live" and connection.read_balance is not None:
        try:
            balance = await connection.read_balance()
        except Exception as error:  # noqa: BLE001 - any failure stops a live start
            await connection.close()
            journal.close()
            message = f"live pre-flight: the {live.venue} balance is unreadable: {error}"
            raise ConfigError(message) from None
    balances = settings.balances_micros()
    rebuilt = rebuild(existing, connection.definitions, balances) if existing else None
    portfolio = rebuilt.portfolio if rebuilt else Portfolio(balances)
    view = rebuild(existing, connection.definitions, balances).portfolio if rebuilt else None
    view = view or Portfolio(balances)
    profile = profile_for(live.venue, **settings.venues.get(live.venue, {}))
    holder: dict = {}

    def deliver(venue: str, responses: list) -> None:
        holder["runner"].venue_responses(venue, responses)

    if mode == "live":
        gateway = LiveGateway(live.venue, connection.order_client, profile, deliver)
    else:
        gateway = SimulatedVenue(profile, portfolio, random.Random(settings.seed))
    slot = VenueSlot(gateway, profile.latency, profile.settlement_commission_bps)
    strategy = create_strategy(settings.strategy.name, settings.strategy.params)
    kernel = Kernel(
        {live.venue: slot},
        portfolio,
        view,
        [strategy],
        seed=settings.seed,
        clock=WallClock(),
        risk=RiskEngine(build_rules(settings.risk, slot.fee_model)),
        journal=EngineJournal(journal),
        breakers=build_breakers(settings.risk),
        guards=build_guards(settings.risk),
    )
    if existing:
        kernel.orders = type(kernel.orders)(prefix=f"R{len(existing)}")
    for definition in connection.definitions:
        kernel.add_definition(definition)
    run = LiveRun(kernel, None, journal, connection, restarted=bool(existing))
    now = kernel.clock.now_ns()
    if rebuilt is not None:
        restore_orders(kernel.orders, rebuilt.open_orders, now)
        mode_now = ControlMode(rebuilt.mode)
        if mode_now is not ControlMode.NORMAL:
            kernel.safety.control.apply(
                ModeRequest(mode_now, ControlSource.RESTORE, "restart"), now
            )
        venue_open = await connection.order_client.open_orders() if mode == "live" else []
        check = reconcile(rebuilt.open_orders, venue_open)
        run.reconciliation = check.as_dict()
        kernel.safety.record(
            "restart", {"rebuilt": rebuilt.as_dict(), "reconcile": run.reconciliation}
        )
        from pythia.service.journaled import apply_reconciliation

        apply_reconciliation(kernel, check)
    if balance is not None:
        kernel.safety.record("preflight", {"venue": live.venue, "balance": balance})
    if (
        mode == "live"
        and live.start_mode == "paused"
        and kernel.safety.control.mode is ControlMode.NORMAL
    ):
        kernel.safety.set_mode(ModeRequest(ControlMode.PAUSED, ControlSource.CLI, "live start"))
    events = market_events(connection.feed, kernel, deliver, mode, live.venue, connection, ops)
    control = LiveControl(kernel, journal)
    run.runner = LiveRunner(kernel, [events], on_idle=control.poll)
    if ops is not None:
        ops.attach(kernel, settings.report_currency, settings.risk)
        run.runner.before_event = ops.before_event
        run.runner.after_event = ops.after_event

        def idle() -> None:  # a quiet market still takes controls and shows their effect
            control.poll()
            ops.after_event()

        run.runner.on_idle = idle
    holder["runner"] = run.runner
    return run


class LiveControl:
    """Hands ``pythia control`` requests (and the API's) to a live engine, at most every
    ``poll_s``, and applies them at once: a live market may be quiet for a long time."""

    def __init__(self, kernel: Kernel, journal: Journal, poll_s: float = 0.2) -> None:
        self.kernel = kernel
        self.journal = journal
        self.poll_s = poll_s
        self.seen: set[int] = set()
        self._next = 0.0

    def poll(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.poll_s
        safety = self.kernel.safety
        for request in self.journal.pending_control():
            if request.id in self.seen:
                continue
            self.seen.add(request.id)
            safety.request(
                request.command,
                ControlSource(request.source),
                request.reason,
                request_id=request.id,
            )
        if self.seen:
            safety.before_event(self.kernel.event_index)
            for request_id in safety.applied_request_ids():
                self.journal.mark_control_consumed(request_id, self.journal.last_seq)


async def market_events(
    feed,
    kernel: Kernel,
    deliver,
    mode: Mode,
    venue: str,
    connection: Connection | None = None,
    ops=None,
) -> AsyncIterator[MarketEvent]:
    """The feed's market events; user-channel answers go to the kernel (live mode), and
    sync status changes mark books unsynced (which blocks orders through the risk rules).
    Tick-size changes reach the order client first, then the kernel (new grid live)."""
    on_tick = getattr(connection, "on_tick_size", None)
    async for item in feed:
        if isinstance(item, (FillReport, OrderUpdate)):
            if mode == "live":
                deliver(venue, [item])
            continue
        if on_tick is not None and isinstance(item, TickSizeChange):
            on_tick(item)
        if isinstance(item, (BookSnapshot, BookDelta)) or hasattr(item, "ts_recv_ns"):
            yield item
            continue
        synced = getattr(item, "synced", None)
        if synced is not None and ops is not None:
            ops.feed_status(venue, "up" if synced else "down", getattr(item, "reason", ""))
        if synced is not None:
            for instrument_id in instrument_ids_of(kernel, getattr(item, "market_ticker", "")):
                (kernel.unsynced.discard if synced else kernel.unsynced.add)(instrument_id)


def instrument_ids_of(kernel: Kernel, market: str) -> list[str]:
    """The instruments a feed status is about: ``market`` is an instrument id, a market id,
    or the venue id inside an instrument id (``kalshi:<ticker>:yes``, ``binance:<symbol>``)."""
    if not market:
        return []
    return [
        instrument_id
        for instrument_id, definition in kernel.instruments.items()
        if instrument_id == market
        or getattr(definition, "market_id", None) == market
        or instrument_id.split(":")[1:2] == [market]
    ]


async def run_live(
    settings,
    mode: Mode,
    journal_url: str,
    run_for_s: float | None = None,
    ops=None,
    started: Callable[[LiveRun], None] | None = None,
) -> dict:
    """Run until the feed ends, ``run_for_s`` passes, or SIGINT/SIGTERM; return a summary.

    ``ops`` observes the run (API, dashboard); ``started(run)`` is called once it runs
    (``pythia serve`` keeps it to stop the run from another thread)."""
    import signal

    run = await start_live(settings, mode, journal_url, ops)
    if started is not None:
        started(run)
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(number, run.runner.stop)
        except (NotImplementedError, RuntimeError):
            pass
    if run_for_s is not None:
        loop.call_later(run_for_s, run.runner.stop)
    try:
        await run.runner.run()
    finally:
        await run.connection.close()
        kernel = run.kernel
        kernel.safety.record(
            "run_end",
            {
                "balances": dict(sorted(kernel.portfolio.balances().items())),
                "positions": {k: v for k, v in sorted(kernel.portfolio.positions().items()) if v},
                "mode": kernel.safety.control.mode.value,
            },
        )
        run.journal.close()
    return {
        "mode": mode,
        "restarted": run.restarted,
        "events": run.runner.events,
        "orders": len(run.kernel.orders.orders()),
        "fills": len(run.kernel.fills),
        "positions": {k: v for k, v in run.kernel.portfolio.positions().items() if v},
        "control_mode": run.kernel.safety.control.mode.value,
        "reconciliation": run.reconciliation,
    }
