"""Binance spot orders through ccxt (``ccxt.async_support.binance``), exact and idempotent.

:class:`BinanceExecution` places LIMIT (GTC/IOC/FOK, post-only as LIMIT_MAKER) and MARKET
orders under our ``client_order_id`` (Binance ``newClientOrderId``), cancels and looks orders
up by it (``origClientOrderId``), lists open orders and polls ``myTrades`` for fills.
Quantities go to ccxt as exact decimal strings and come back from the raw Binance answer
(``info``), never through ccxt's floats: ``"61837.64000000"`` becomes 6183764 price units.

**Idempotent place**: when an attempt ends without an answer (timeout, 5xx, 429: ccxt's
``OperationFailed`` family) the order may have been accepted, so the client looks it up by
its client id before sending it again; a ``Duplicate order sent.`` answer is looked up too.
An order is therefore never placed twice by a retry. (Binance can reuse the client id of a
*closed* order; a request that reaches Binance only after the lookup came back empty could in
principle fill twice, the residual risk of every REST venue without idempotency keys.)

``rest_url`` is the host, without ``/api/v3`` (tests: the emulator's ``rest_url``): every
ccxt API URL is pointed at it, so nothing else is ever contacted.

>>> execution = BinanceExecution(load_credentials(), "https://api.binance.com")  # doctest: +SKIP
>>> await execution.load(["BTCUSDT"])                                             # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import ccxt.async_support as ccxt

from pythia.core.errors import ConfigError, OrderRejected, RetryableVenueError, VenueError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, decimal_to_units, format_units
from pythia.engine.gateway import failed
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument
from pythia.model.orders import CancelRequest, OrderRequest, OrderType, TimeInForce
from pythia.venues.backoff import Backoff
from pythia.venues.binance.auth import BinanceCredentials
from pythia.venues.binance.profile import make_instrument

_STATUS = {
    "NEW": OrderStatus.OPEN,
    "PENDING_NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.OPEN,
    "EXPIRED": OrderStatus.CANCELED,
    "EXPIRED_IN_MATCH": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
}
DUPLICATE = "Duplicate order sent."


@dataclass
class ExecutionCounters:
    requests: int = 0
    retries: int = 0
    lookups: int = 0
    found_after_unknown: int = 0
    rejected: int = 0


def make_exchange(credentials: BinanceCredentials, rest_url: str, timeout_s: float):
    """A ccxt binance client whose every API URL points at ``rest_url`` (spot only, no
    currency or margin calls, no clock sync)."""
    exchange = ccxt.binance(
        {
            "apiKey": credentials.api_key,
            "secret": credentials.api_secret,
            "timeout": int(timeout_s * 1000),
            "enableRateLimit": False,
            "options": {
                "fetchMarkets": {"types": ["spot"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
                "adjustForTimeDifference": False,
                "fetchOpenOrders": {"warnWithoutSymbol": False},
                "warnOnFetchOpenOrdersWithoutSymbol": False,
            },
        }
    )
    base = rest_url.rstrip("/")
    exchange.urls["api"] = {
        name: base + urlsplit(url).path for name, url in exchange.urls["api"].items()
    }
    return exchange


def _units(text: str | None, decimals: int) -> int:
    return decimal_to_units(text or "0", decimals, Rounding.HALF_EVEN)


class BinanceExecution:
    """The order client; ``await load(symbols)`` before trading, ``await close()`` after."""

    def __init__(
        self,
        credentials: BinanceCredentials,
        rest_url: str,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff: Backoff = Backoff(base_s=0.2, max_s=5.0),
        rng: random.Random | None = None,
        exchange=None,
    ) -> None:
        self.exchange = exchange or make_exchange(credentials, rest_url, timeout_s)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.counters = ExecutionCounters()
        self.instruments: dict[str, Instrument] = {}
        self._symbols: dict[str, str] = {}  # instrument id -> ccxt symbol
        self._by_market_id: dict[str, Instrument] = {}
        self._last_trade_id: dict[str, int] = {}
        self._client_ids: dict[str, str] = {}
        """Binance order id -> our client id, so fills can name it (``myTrades`` does not)."""

    async def close(self) -> None:
        await self.exchange.close()

    async def load(self, symbols: Iterable[str]) -> list[Instrument]:
        """Load the markets and return the instruments of ``symbols`` (``"BTCUSDT"``);
        ``ConfigError`` naming the unknown ones."""
        markets = await self._call(self.exchange.load_markets)
        by_id = {m["id"]: m for m in markets.values()}
        unknown = [s for s in symbols if s.upper() not in by_id]
        if unknown:
            raise ConfigError(f"Binance symbols not listed: {', '.join(unknown)}")
        loaded = []
        for symbol in symbols:
            instrument = make_instrument(symbol)
            self.instruments[instrument.id] = instrument
            self._symbols[instrument.id] = by_id[symbol.upper()]["symbol"]
            self._by_market_id[instrument.symbol] = instrument
            loaded.append(instrument)
        return loaded

    def _symbol(self, instrument_id: str) -> str:
        symbol = self._symbols.get(instrument_id)
        if symbol is None:
            raise OrderRejected("unknown_instrument", instrument_id)
        return symbol

    async def _call(self, method, *args, **kwargs):
        """One read, retried with backoff on the ccxt ``OperationFailed`` family."""
        for attempt in range(self.max_attempts):
            self.counters.requests += 1
            try:
                return await method(*args, **kwargs)
            except ccxt.OperationFailed as error:
                if attempt + 1 == self.max_attempts:
                    raise RetryableVenueError(f"Binance: {type(error).__name__}") from None
                self.counters.retries += 1
                await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
            except ccxt.AuthenticationError as error:
                raise VenueError(f"Binance refused the credentials: {error}") from None
        raise AssertionError("unreachable")

    # ---- orders -----------------------------------------------------------------------------
    async def place(self, request: OrderRequest) -> OrderUpdate:
        """Place an order once, whatever happens on the way; ``OrderRejected`` when Binance
        refuses it, ``RetryableVenueError`` when it cannot be placed now."""
        if not request.client_order_id:
            raise OrderRejected("invalid", "an order needs a client_order_id")
        instrument = self.instruments.get(request.instrument_id)
        symbol = self._symbol(request.instrument_id)
        kind, price, params = _order_arguments(request, instrument)
        amount = format_units(request.size, instrument.size_decimals)
        side = "buy" if request.side is Side.BUY else "sell"
        for attempt in range(self.max_attempts):
            self.counters.requests += 1
            try:
                order = await self.exchange.create_order(symbol, kind, side, amount, price, params)
                return self.order_update(order["info"])
            except (ccxt.InvalidOrder, ccxt.InsufficientFunds) as error:
                if DUPLICATE in str(error):
                    found = await self._lookup(request)
                    if found is not None:
                        return found
                self.counters.rejected += 1
                raise OrderRejected(_reject_reason(str(error)), str(error)) from None
            except ccxt.AuthenticationError as error:
                raise VenueError(f"Binance refused the credentials: {error}") from None
            except ccxt.OperationFailed:
                found = await self._lookup(request)
                if found is not None:
                    return found
            self.counters.retries += 1
            await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
        raise RetryableVenueError(
            f"Binance order {request.client_order_id}: not placed after {self.max_attempts} tries"
        )

    async def _lookup(self, request: OrderRequest) -> OrderUpdate | None:
        self.counters.lookups += 1
        found = await self.order_by_client_id(request.instrument_id, request.client_order_id)
        if found is not None:
            self.counters.found_after_unknown += 1
        return found

    async def order_by_client_id(self, instrument_id: str, client_order_id: str):
        """Our order with ``client_order_id`` (None when Binance has none)."""
        symbol = self._symbol(instrument_id)
        params = {"origClientOrderId": client_order_id}
        try:
            order = await self._call(self.exchange.fetch_order, None, symbol, params)
        except ccxt.OrderNotFound:
            return None
        return self.order_update(order["info"])

    async def cancel(self, request: CancelRequest) -> OrderUpdate:
        """Cancel by client id; an order Binance no longer has open comes back as it is."""
        symbol = self._symbol(request.instrument_id)
        params = {"origClientOrderId": request.client_order_id}
        try:
            order = await self._call(self.exchange.cancel_order, None, symbol, params)
        except ccxt.OrderNotFound:
            found = await self.order_by_client_id(request.instrument_id, request.client_order_id)
            if found is None:
                raise OrderRejected("unknown_order", request.client_order_id) from None
            return found
        return self.order_update(order["info"])

    async def open_orders(self) -> list[OrderUpdate]:
        """Our open orders on the loaded symbols."""
        updates = []
        for symbol in self._symbols.values():
            for order in await self._call(self.exchange.fetch_open_orders, symbol):
                updates.append(self.order_update(order["info"]))
        return updates

    async def poll_fills(self) -> list[FillReport]:
        """Fills since the last poll, oldest first (``myTrades`` from the last trade id)."""
        reports = []
        for instrument_id, symbol in self._symbols.items():
            last = self._last_trade_id.get(instrument_id)
            params = {} if last is None else {"fromId": last + 1}
            trades = await self._call(self.exchange.fetch_my_trades, symbol, None, 1000, params)
            for trade in sorted(trades, key=lambda t: int(t["info"]["id"])):
                info = trade["info"]
                reports.append(self.fill_report(info))
                self._last_trade_id[instrument_id] = max(last or 0, int(info["id"]))
                last = self._last_trade_id[instrument_id]
        return reports

    # ---- conversions ------------------------------------------------------------------------
    def order_update(self, info: dict) -> OrderUpdate:
        """A raw Binance order (``info``) as an ``OrderUpdate`` in exact units."""
        instrument = self._by_market_id[info["symbol"]]
        now = time.time_ns()
        status_text = info.get("status", "NEW")
        status = _STATUS.get(status_text, OrderStatus.OPEN)
        ts_ms = info.get("updateTime") or info.get("transactTime") or info.get("time")
        client_id = info.get("clientOrderId", "")
        self._client_ids[str(info["orderId"])] = client_id
        return OrderUpdate(
            instrument.id,
            str(info["orderId"]),
            Side.BUY if info.get("side") == "BUY" else Side.SELL,
            _units(info.get("price"), instrument.price_decimals),
            _units(info.get("origQty"), instrument.size_decimals),
            _units(info.get("executedQty"), instrument.size_decimals),
            status,
            int(ts_ms) * 1_000_000 if ts_ms else now,
            now,
            client_order_id=client_id,
            reason="expired" if status_text.startswith("EXPIRED") else "",
        )

    def fill_report(self, info: dict) -> FillReport:
        """A raw ``myTrades`` row as a ``FillReport``: exact price, size and quote cash; the
        commission in micro-units of its asset (rounded up when it has more decimals)."""
        instrument = self._by_market_id[info["symbol"]]
        side = Side.BUY if info["isBuyer"] else Side.SELL
        quote_micros = decimal_to_units(info["quoteQty"], MONEY_DECIMALS, Rounding.HALF_EVEN)
        return FillReport(
            instrument.id,
            str(info["orderId"]),
            str(info["id"]),
            side,
            _units(info["price"], instrument.price_decimals),
            _units(info["qty"], instrument.size_decimals),
            Liquidity.MAKER if info["isMaker"] else Liquidity.TAKER,
            decimal_to_units(info["commission"], MONEY_DECIMALS, Rounding.CEILING),
            info["commissionAsset"],
            int(info["time"]) * 1_000_000,
            time.time_ns(),
            client_order_id=self._client_ids.get(str(info["orderId"]), ""),
            cash_micros=-quote_micros if side is Side.BUY else quote_micros,
        )


def _order_arguments(request: OrderRequest, instrument: Instrument):
    """ccxt ``type``, ``price`` and ``params`` of an order request."""
    params: dict = {"newClientOrderId": request.client_order_id}
    if request.order_type is OrderType.MARKET:
        return "market", None, params
    if request.price is None:
        raise OrderRejected("invalid", "a limit order needs a price")
    price = format_units(request.price, instrument.price_decimals)
    if request.post_only:
        return "LIMIT_MAKER", price, params
    if request.time_in_force is TimeInForce.GTD:
        raise OrderRejected("unsupported_order_type", "Binance spot has no GTD orders")
    params["timeInForce"] = request.time_in_force.name
    return "limit", price, params


def _reject_reason(text: str) -> str:
    if "insufficient balance" in text:
        return "insufficient_balance"
    if "immediately match" in text:
        return "post_only_would_cross"
    if "PRICE_FILTER" in text or "LOT_SIZE" in text or "Filter failure" in text:
        return "invalid"
    if DUPLICATE in text:
        return "duplicate_client_id"
    return "rejected"


class BinanceOrderClient:
    """:class:`BinanceExecution` as the live gateway's :class:`OrderClient`."""

    def __init__(self, execution: BinanceExecution) -> None:
        self.execution = execution

    async def place(self, request: OrderRequest) -> list:
        try:
            return [await self.execution.place(request)]
        except OrderRejected as error:
            return [failed(request, None, str(error))]

    async def cancel(self, request: CancelRequest) -> list:
        return [await self.execution.cancel(request)]

    async def open_orders(self) -> list[str]:
        return [update.client_order_id for update in await self.execution.open_orders()]


async def poll_fills(
    execution: BinanceExecution, interval_s: float = 1.0
) -> AsyncIterator[FillReport]:
    """Fills as they appear in ``myTrades``, polled every ``interval_s`` (errors are retried
    on the next poll). The first poll only sets the starting point: older fills are skipped."""
    try:
        await execution.poll_fills()
    except (VenueError, ccxt.BaseError):
        pass
    while True:
        await asyncio.sleep(interval_s)
        try:
            reports = await execution.poll_fills()
        except (VenueError, ccxt.BaseError):
            continue
        for report in reports:
            yield report
