"""Async Kalshi order client over signed REST: place, cancel, look up, balance, fills.

Every request is signed (:mod:`pythia.venues.kalshi.signing`). Reads are retried on 429,
5xx, timeouts and dropped connections, with exponential backoff and jitter (``Retry-After``
is honoured on 429). Placing is idempotent: the order carries its ``client_order_id``; when
the outcome of a submit is unknown (timeout, dropped connection, 5xx) the client looks the
order up by client id before sending it again, and a 409 ``order_already_exists`` is
answered with the existing order, so an order is never placed twice. Prices and sizes are
converted exactly (:mod:`pythia.venues.kalshi.orders`).

>>> async with KalshiExecution(load_credentials(), base_url=url) as client:   # doctest: +SKIP
...     update = await client.place(OrderRequest("c-1", "kalshi:T:yes", Side.BUY, 100, 1200))
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import msgspec

from pythia.core.errors import DataError, OrderRejected, RetryableVenueError, VenueError
from pythia.model.execution import FillReport, OrderUpdate
from pythia.model.orders import OrderRequest
from pythia.venues.backoff import Backoff
from pythia.venues.kalshi import orders as convert
from pythia.venues.kalshi import signing, wire
from pythia.venues.kalshi.markets import market_definitions

DEFAULT_REST_URL = "https://api.elections.kalshi.com/trade-api/v2"
LOOKUP_PAGE = 200
MAX_LOOKUP_PAGES = 50
_DONE, _RETRY, _UNKNOWN = "done", "retry", "unknown"
_UNKNOWN_OUTCOME = (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


@dataclass
class ExecutionCounters:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    """Requests whose outcome was unknown: timed out or connection lost."""
    lookups: int = 0
    """Submits resolved or checked by a lookup by client id."""


class _Answer:
    def __init__(self, status: int, body: bytes, retry_after: str | None) -> None:
        self.status, self.body, self.retry_after = status, body, retry_after

    def error(self) -> wire.ErrorDetail:
        try:
            return msgspec.json.decode(self.body, type=wire.ErrorResponse).error
        except (msgspec.DecodeError, msgspec.ValidationError):
            return wire.ErrorDetail(code=f"http_{self.status}", message=self.body[:200].decode())


class KalshiExecution:
    """The order client. Use as ``async with``; ``counters`` count retries and lookups."""

    def __init__(
        self,
        credentials: signing.KalshiCredentials,
        *,
        base_url: str = DEFAULT_REST_URL,
        timeout_s: float = 10.0,
        max_attempts: int = 6,
        backoff: Backoff = Backoff(base_s=0.2, max_s=5.0),
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self._path_prefix = urlsplit(self.base_url).path
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.counters = ExecutionCounters()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> KalshiExecution:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- transport ----------------------------------------------------------------------------
    async def _send(
        self, method: str, path: str, params: dict | None = None, body: object = None
    ) -> _Answer:
        """One signed request; raises the ``_UNKNOWN_OUTCOME`` errors as they come."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = signing.auth_headers(self.credentials, method, self._path_prefix + path)
        data = None
        if body is not None:
            data = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        self.counters.requests += 1
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with self._session.request(
            method, self.base_url + path, params=params, data=data, headers=headers, timeout=timeout
        ) as response:
            return _Answer(
                response.status, await response.read(), response.headers.get("Retry-After")
            )

    async def _pause(self, attempt: int, retry_after: str | None = None) -> None:
        self.counters.retries += 1
        delay = self.backoff.delay_s(attempt, self.rng)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        await asyncio.sleep(delay)

    async def _attempt(
        self, method: str, path: str, params: dict | None = None, body: object = None
    ) -> tuple[str, _Answer | None]:
        """One try, classified: ``done`` (an answer to act on), ``retry`` (429: refused
        unprocessed) or ``unknown`` (5xx, timeout, lost connection: it may have happened)."""
        try:
            answer = await self._send(method, path, params, body)
        except _UNKNOWN_OUTCOME:
            self.counters.timeouts += 1
            return _UNKNOWN, None
        if answer.status == 429:
            self.counters.rate_limited += 1
            return _RETRY, answer
        if answer.status >= 500:
            self.counters.server_errors += 1
            return _UNKNOWN, answer
        return _DONE, answer

    async def _read(self, method: str, path: str, params: dict | None = None) -> _Answer:
        """A request that is safe to repeat: retried on 429, 5xx and unknown outcomes."""
        for attempt in range(self.max_attempts):
            outcome, answer = await self._attempt(method, path, params)
            if outcome is _DONE:
                return answer
            await self._pause(attempt, answer.retry_after if answer else None)
        raise RetryableVenueError(
            f"Kalshi {method} {path}: no answer after {self.max_attempts} tries"
        )

    @staticmethod
    def _decode(answer: _Answer, kind: type, what: str):
        if answer.status >= 400:
            error = answer.error()
            raise VenueError(f"Kalshi {what}: HTTP {answer.status} {error.code}: {error.message}")
        try:
            return msgspec.json.decode(answer.body, type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise DataError(f"Kalshi {what}: unexpected answer: {error}") from None

    # ---- markets ------------------------------------------------------------------------------
    async def definitions(self, tickers: list[str]) -> list:
        """Instrument definitions (YES, NO and their group) of ``tickers`` from the venue."""
        result = []
        for ticker in tickers:
            answer = await self._read("GET", f"/markets/{ticker}")
            market = self._decode(answer, wire.MarketResponse, f"market {ticker}").market
            result.extend(market_definitions(market))
        return result

    # ---- orders -------------------------------------------------------------------------------
    async def place(self, request: OrderRequest) -> OrderUpdate:
        """Place an order once, whatever happens on the way; ``OrderRejected`` with the
        reason when Kalshi refuses it, ``RetryableVenueError`` when it cannot be placed now."""
        if not request.client_order_id:
            raise DataError("an order needs a client_order_id to be placed idempotently")
        body = convert.create_order(request)
        ticker = body.ticker
        for attempt in range(self.max_attempts):
            outcome, answer = await self._attempt("POST", "/portfolio/orders", body=body)
            if outcome is _UNKNOWN or (outcome is _DONE and answer.status == 409):
                found = await self._lookup_after_unknown(request.client_order_id, ticker)
                if found is not None:
                    return found
            if outcome is not _DONE:
                await self._pause(attempt, answer.retry_after if answer else None)
                continue
            if answer.status in (200, 201):
                return self._order(answer, "place order")
            error = answer.error()
            raise OrderRejected(convert.reject_reason(error.code), error.message)
        raise RetryableVenueError(
            f"Kalshi order {request.client_order_id}: not placed after {self.max_attempts} tries"
        )

    async def _lookup_after_unknown(self, client_order_id: str, ticker: str) -> OrderUpdate | None:
        self.counters.lookups += 1
        return await self.order_by_client_id(client_order_id, ticker)

    def _order(self, answer: _Answer, what: str) -> OrderUpdate:
        response = self._decode(answer, wire.OrderResponse, what)
        return convert.order_update(response.order, time.time_ns())

    async def _pages(self, path: str, kind: type, what: str, **filters: str):
        """Yield the pages of a cursor-paginated list (empty filters are left out)."""
        params = {"limit": str(LOOKUP_PAGE), **{k: v for k, v in filters.items() if v}}
        for _ in range(MAX_LOOKUP_PAGES):
            answer = await self._read("GET", path, params)
            page = self._decode(answer, kind, what)
            yield page
            if not page.cursor:
                return
            params["cursor"] = page.cursor
        raise VenueError(f"Kalshi {what}: more than {MAX_LOOKUP_PAGES} pages")

    async def order_by_client_id(
        self, client_order_id: str, ticker: str = ""
    ) -> OrderUpdate | None:
        """Our order with ``client_order_id`` (None when Kalshi has none), found by listing
        the orders (of ``ticker`` where given) page by page."""
        pages = self._pages("/portfolio/orders", wire.OrdersResponse, "list orders", ticker=ticker)
        async with contextlib.aclosing(pages):
            async for page in pages:
                for order in page.orders:
                    if order.client_order_id == client_order_id:
                        return convert.order_update(order, time.time_ns())
        return None

    async def get_order(self, order_id: str) -> OrderUpdate:
        answer = await self._read("GET", f"/portfolio/orders/{order_id}")
        return self._order(answer, f"get order {order_id}")

    async def cancel(self, order_id: str) -> OrderUpdate:
        """Cancel by Kalshi order id; an order no longer open is answered with its state."""
        answer = await self._read("DELETE", f"/portfolio/orders/{order_id}")
        if answer.status == 404:
            return await self.get_order(order_id)
        response = self._decode(answer, wire.CancelOrderResponse, f"cancel {order_id}")
        return convert.order_update(response.order, time.time_ns())

    async def cancel_by_client_id(self, client_order_id: str, ticker: str = "") -> OrderUpdate:
        found = await self.order_by_client_id(client_order_id, ticker)
        if found is None:
            raise OrderRejected(
                "unknown_order", f"no Kalshi order with client id {client_order_id}"
            )
        return await self.cancel(found.venue_order_id)

    async def open_orders(self, ticker: str = "") -> list[OrderUpdate]:
        """Our resting orders (of ``ticker``)."""
        return [
            convert.order_update(order, time.time_ns())
            async for page in self._pages(
                "/portfolio/orders",
                wire.OrdersResponse,
                "list orders",
                ticker=ticker,
                status="resting",
            )
            for order in page.orders
        ]

    async def balance_micros(self) -> int:
        """Available cash in micro-dollars."""
        answer = await self._read("GET", "/portfolio/balance")
        balance = self._decode(answer, wire.BalanceResponse, "balance")
        return convert.cents_to_micros(balance.balance)

    async def fills(self, ticker: str = "") -> list[FillReport]:
        """Every fill of ours (of ``ticker``), oldest first."""
        fills = [
            convert.fill_report(fill, time.time_ns())
            async for page in self._pages(
                "/portfolio/fills", wire.FillsResponse, "fills", ticker=ticker
            )
            for fill in page.fills
        ]
        fills.reverse()  # Kalshi lists the newest first
        fills.sort(key=lambda fill: fill.ts_event_ns)
        return fills
