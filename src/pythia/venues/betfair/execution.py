"""Betfair orders through ``betfairlightweight``: login, catalogue, place, cancel, list.

``betfairlightweight`` is synchronous (``requests``); every call runs in a worker thread
(``asyncio.to_thread``). :func:`login` builds an ``APIClient`` and logs in (interactive
login, or the certificate login when a certificate folder is configured); :func:`point_at`
aims a client at another host (the emulator) by setting its ``identity_uri``,
``identity_cert_uri``, ``api_uri`` and ``navigation_uri``, the attributes every endpoint
builds its URL from.

:class:`BetfairExecution` is the live gateway's :class:`~pythia.engine.gateway.OrderClient`:

- **idempotent placing**: the order's ``client_order_id`` is both the request's
  ``customerRef`` (Betfair refuses a repeat with ``DUPLICATE_TRANSACTION`` and places
  nothing) and the bet's ``customerOrderRef``. When the outcome of a submit is unknown (the
  connection failed) or Betfair answers ``DUPLICATE_TRANSACTION``, the bet is looked up by
  ``customerOrderRef`` (``listCurrentOrders``) before anything is sent again, so an order is
  never placed twice. Refs longer than Betfair's 32 characters are hashed (:func:`order_ref`).
- **answers** are ``OrderUpdate`` values (``venue_order_id`` = bet id); a refused bet is a
  REJECTED update whose reason is Betfair's error code (``INVALID_ODDS``, ...).

:class:`OrderChangeTracker` turns the order stream (``ocm``) into ``FillReport`` and
``OrderUpdate`` values; :mod:`.feed` runs it. The stream reports cumulative matched size per
bet (``sm``) and per price (``mb``/``ml``); a rise of ``sm`` becomes fills priced by the rises
of the matched ladder on the bet's side (else at the bet's own price), with trade id
``<betId>:<size matched after the fill, in pennies>``; a fill is TAKER when matched in the
millisecond the bet was placed (``md`` == ``pd``), else MAKER.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

import msgspec

from pythia.core.errors import DataError, RetryableVenueError, VenueError
from pythia.engine.gateway import failed
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.model.orders import CancelRequest, OrderRequest, TimeInForce
from pythia.sim.cash import fill_cash_micros
from pythia.venues.backoff import Backoff
from pythia.venues.betfair import wire
from pythia.venues.betfair.auth import BetfairCredentials
from pythia.venues.betfair.ladder import format_odds, odds_to_units
from pythia.venues.betfair.parse import (
    QUOTE_CURRENCY,
    catalogue_names,
    group_id,
    runner_key,
    runner_token,
    split_token_id,
    stake_to_units,
    token_id,
)

MAX_REF = 32
RefLookup = Callable[[str], str]


def point_at(client, rest_url: str) -> None:
    """Aim a ``betfairlightweight.APIClient`` at ``rest_url`` (identity at ``/api/``, the
    JSON-RPC APIs at ``/exchange/``)."""
    base = rest_url.rstrip("/")
    client.identity_uri = f"{base}/api/"
    client.identity_cert_uri = f"{base}/api/"
    client.api_uri = f"{base}/exchange/"
    client.navigation_uri = f"{base}/exchange/betting/rest/v1/en/navigation/menu.json"


def login(credentials: BetfairCredentials, rest_url: str | None = None):
    """Return a logged-in ``APIClient`` (``VenueError`` naming Betfair's error code, never a
    secret, when the login is refused)."""
    import betfairlightweight
    from betfairlightweight.exceptions import BetfairError

    client = betfairlightweight.APIClient(
        credentials.username,
        credentials.password,
        app_key=credentials.app_key,
        certs=str(credentials.certs) if credentials.certs else None,
    )
    if rest_url and not _is_betfair_host(rest_url):
        point_at(client, rest_url)
    try:
        if credentials.uses_certificate:
            client.login()
        else:
            client.login_interactive()
    except BetfairError as error:
        raise VenueError(f"Betfair login refused: {_login_error(error)}") from None
    return client


def _is_betfair_host(url: str) -> bool:
    """A Betfair host keeps betfairlightweight's own per-API hosts (identity, api, ...)."""
    host = urlsplit(url).hostname or ""
    return host == "betfair.com" or host.endswith(".betfair.com")


def _login_error(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("error") or response.get("loginStatus") or "unknown")
    return type(error).__name__


def order_ref(client_order_id: str) -> str:
    """The ``customerRef`` / ``customerOrderRef`` of an order (at most 32 characters)."""
    if len(client_order_id) <= MAX_REF:
        return client_order_id
    return "h" + hashlib.sha256(client_order_id.encode()).hexdigest()[: MAX_REF - 1]


def bet_status(complete: bool, size: int, matched: int, cancelled: int, lapsed: int) -> OrderStatus:
    """Map a bet's state to :class:`OrderStatus`."""
    if not complete:
        return OrderStatus.PARTIALLY_FILLED if matched else OrderStatus.OPEN
    if matched >= size:
        return OrderStatus.FILLED
    if lapsed:
        return OrderStatus.EXPIRED
    return OrderStatus.CANCELED


def _units(value: Decimal | None) -> int:
    return 0 if value is None else stake_to_units(value)


class BetfairExecution:
    """The order client (an ``OrderClient``); ``client`` is a logged-in ``APIClient``."""

    def __init__(
        self,
        client,
        *,
        max_attempts: int = 4,
        backoff: Backoff = Backoff(base_s=0.2, max_s=5.0),
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.refs: dict[str, str] = {}
        """customerOrderRef -> client order id (for refs that were hashed)."""
        self.counters = {"requests": 0, "retries": 0, "lookups": 0, "duplicates": 0}

    def client_id_of(self, ref: str) -> str:
        return self.refs.get(ref, ref)

    async def _call(self, function, *args, **kwargs):
        self.counters["requests"] += 1
        return await asyncio.to_thread(function, *args, lightweight=True, **kwargs)

    # ---- markets --------------------------------------------------------------------------
    async def catalogue(self, market_ids: list[str]) -> list[wire.MarketCatalogue]:
        """listMarketCatalogue of ``market_ids`` (runner names)."""
        result = await self._call(
            self.client.betting.list_market_catalogue,
            filter={"marketIds": list(market_ids)},
            market_projection=["RUNNER_DESCRIPTION", "MARKET_DESCRIPTION"],
            max_results=max(len(market_ids), 1),
        )
        return msgspec.convert(result, list[wire.MarketCatalogue], strict=False)

    async def definitions(self, market_ids: list[str]) -> list:
        """Runner tokens and outcome groups of ``market_ids`` (names from the catalogue,
        number of winners from listMarketBook), as the stream parser will define them."""
        catalogues = {c.marketId: c for c in await self.catalogue(market_ids)}
        result = await self._call(self.client.betting.list_market_book, market_ids=market_ids)
        books = msgspec.convert(result, list[wire.MarketBookSummary], strict=False)
        definitions: list = []
        for book in books:
            catalogue = catalogues.get(book.marketId)
            if catalogue is None:
                continue
            names = catalogue_names(catalogue)
            keys = [runner_key(r.selectionId, r.handicap) for r in catalogue.runners]
            tokens = [runner_token(book.marketId, key, names.get(key)) for key in keys]
            definitions.extend(tokens)
            definitions.append(
                OutcomeGroup(
                    id=group_id(book.marketId),
                    venue="betfair",
                    kind=GroupKind.WIN if book.numberOfWinners == 1 else GroupKind.PLACE,
                    instrument_ids=tuple(token.id for token in tokens),
                    number_of_winners=book.numberOfWinners,
                    title=catalogue.marketName,
                    names=tuple(token.outcome for token in tokens),
                )
            )
        missing = sorted(set(market_ids) - {book.marketId for book in books})
        if missing:
            raise VenueError(f"Betfair markets not found: {', '.join(missing)}")
        return definitions

    async def funds_micros(self) -> int:
        """Available-to-bet balance in micro-pounds."""
        result = await self._call(self.client.account.get_account_funds)
        funds = msgspec.convert(result, wire.AccountFunds, strict=False)
        return int(funds.availableToBetBalance * 10**6)

    # ---- orders ---------------------------------------------------------------------------
    async def place(self, request: OrderRequest) -> list:
        """Place once, whatever happens on the way; returns ``[OrderUpdate]`` (REJECTED with
        Betfair's error code when refused)."""
        from betfairlightweight.exceptions import APIError

        if not request.client_order_id:
            raise DataError("an order needs a client_order_id to be placed idempotently")
        if request.price is None:
            raise DataError("Betfair orders need a price (decimal odds)")
        ref = order_ref(request.client_order_id)
        self.refs[ref] = request.client_order_id
        market_id, selection, handicap = split_token_id(request.instrument_id)
        limit = {
            "size": float(Decimal(request.size) / 100),
            "price": float(format_odds(request.price)),
        }
        if request.time_in_force in (TimeInForce.FOK, TimeInForce.IOC):
            limit["timeInForce"] = "FILL_OR_KILL"
            fok = request.time_in_force is TimeInForce.FOK
            limit["minFillSize"] = limit["size"] if fok else 0.0
        else:
            limit["persistenceType"] = "LAPSE"
        instruction = {
            "orderType": "LIMIT",
            "selectionId": selection,
            "handicap": float(handicap),
            "side": "BACK" if request.side is Side.BUY else "LAY",
            "limitOrder": limit,
            "customerOrderRef": ref,
        }
        for attempt in range(self.max_attempts):
            try:
                result = await self._call(
                    self.client.betting.place_orders,
                    market_id=market_id,
                    instructions=[instruction],
                    customer_ref=ref,
                )
            except APIError:  # no answer: it may have been placed
                found = await self.find(ref)
                if found is not None:
                    return [found]
                self.counters["retries"] += 1
                await asyncio.sleep(self.backoff.delay_s(attempt, self.rng))
                continue
            report = msgspec.convert(result, wire.PlaceExecutionReport, strict=False)
            if report.errorCode == "DUPLICATE_TRANSACTION":
                self.counters["duplicates"] += 1
                found = await self.find(ref)
                if found is not None:
                    return [found]
                return [failed(request, None, "DUPLICATE_TRANSACTION")]
            return [self._placed(request, report)]
        raise RetryableVenueError(
            f"Betfair order {request.client_order_id}: not placed after {self.max_attempts} tries"
        )

    def _placed(self, request: OrderRequest, report: wire.PlaceExecutionReport) -> OrderUpdate:
        instruction = report.instructionReports[0] if report.instructionReports else None
        if instruction is None or instruction.status != "SUCCESS" or not instruction.betId:
            code = (instruction.errorCode if instruction else None) or report.errorCode
            return failed(request, None, code or "ERROR_IN_ORDER")
        matched = _units(instruction.sizeMatched)
        complete = instruction.orderStatus == "EXECUTION_COMPLETE"
        now = time.time_ns()
        return OrderUpdate(
            request.instrument_id,
            instruction.betId,
            request.side,
            request.price or 0,
            request.size,
            matched,
            bet_status(complete, request.size, matched, request.size - matched, 0),
            now,
            now,
            client_order_id=request.client_order_id,
        )

    async def current_orders(
        self, customer_order_refs: list[str] | None = None, executable_only: bool = False
    ) -> list[wire.CurrentOrder]:
        """listCurrentOrders, every page."""
        orders: list[wire.CurrentOrder] = []
        while True:
            result = await self._call(
                self.client.betting.list_current_orders,
                customer_order_refs=customer_order_refs,
                order_projection="EXECUTABLE" if executable_only else None,
                from_record=len(orders),
                record_count=1000,
            )
            page = msgspec.convert(result, wire.CurrentOrders, strict=False)
            orders.extend(page.currentOrders)
            if not page.moreAvailable or not page.currentOrders:
                return orders

    async def find(self, ref: str) -> OrderUpdate | None:
        """Our bet with ``customerOrderRef`` ``ref``, or None."""
        self.counters["lookups"] += 1
        found = await self.current_orders([ref])
        return self.update_of(found[0]) if found else None

    def update_of(self, order: wire.CurrentOrder) -> OrderUpdate:
        size = stake_to_units(order.priceSize.size)
        matched = _units(order.sizeMatched)
        now = time.time_ns()
        key = runner_key(order.selectionId, order.handicap)
        return OrderUpdate(
            token_id(order.marketId, key),
            order.betId,
            Side.BUY if order.side == "BACK" else Side.SELL,
            odds_to_units(order.priceSize.price),
            size,
            matched,
            bet_status(
                order.status == "EXECUTION_COMPLETE",
                size,
                matched,
                _units(order.sizeCancelled),
                _units(order.sizeLapsed),
            ),
            now,
            now,
            client_order_id=self.client_id_of(order.customerOrderRef or ""),
        )

    async def cancel(self, request: CancelRequest) -> list:
        """Cancel by client order id; answers the bet's state after the cancel."""
        ref = order_ref(request.client_order_id)
        found = await self.current_orders([ref])
        if not found:
            return [failed(request, None, "unknown_order")]
        order = found[0]
        if order.status == "EXECUTABLE":
            await self._call(
                self.client.betting.cancel_orders,
                market_id=order.marketId,
                instructions=[{"betId": order.betId}],
            )
            found = await self.current_orders([ref]) or found
        return [self.update_of(found[0])]

    async def open_orders(self) -> list[str]:
        """Client order ids of our executable bets."""
        orders = await self.current_orders(executable_only=True)
        return [self.client_id_of(o.customerOrderRef or "") for o in orders if o.customerOrderRef]


class OrderChangeTracker:
    """The order stream's bets and matched ladders; :meth:`apply` one ``ocm`` message."""

    def __init__(self, ref_lookup: RefLookup | None = None) -> None:
        self.ref_lookup = ref_lookup or (lambda ref: ref)
        self.bets: dict[str, tuple] = {}
        """Bet id -> the last reported (matched, status) state."""
        self.ladders: dict[tuple[str, int, str], dict[int, int]] = {}

    def apply(self, message: wire.OrderStreamMessage, now_ns: int) -> list:
        """Fills and order updates of one message (``DataError`` on bad values)."""
        ts = (message.pt or 0) * 1_000_000 or now_ns
        items: list = []
        for market in message.oc:
            for runner in market.orc:
                rises = self._ladder_rises(market.id, runner)
                for bet in runner.uo:
                    items.extend(self._bet(market.id, runner, bet, rises, ts, now_ns))
        return items

    def _ladder_rises(self, market_id: str, runner: wire.OrderRunnerChange) -> dict:
        rises: dict[str, list[list[int]]] = {"B": [], "L": []}
        for side, levels in (("B", runner.mb), ("L", runner.ml)):
            if levels is None:
                continue
            ladder = self.ladders.setdefault((market_id, runner.id, side), {})
            for price_text, size_text in levels:
                price, size = odds_to_units(price_text), stake_to_units(size_text)
                rise = size - ladder.get(price, 0)
                if rise > 0:
                    rises[side].append([price, rise])
                ladder[price] = size
        return rises

    def _bet(self, market_id, runner, bet: wire.UnmatchedOrder, rises, ts, now_ns) -> list:
        instrument_id = token_id(market_id, runner_key(runner.id, runner.hc))
        side = Side.BUY if bet.side == "B" else Side.SELL
        price, size, matched = odds_to_units(bet.p), stake_to_units(bet.s), _units(bet.sm)
        client_id = self.ref_lookup(bet.rfo or "")
        known_matched, known_status = self.bets.get(bet.id, (0, None))
        items: list = []
        running = known_matched
        if matched > known_matched:
            token = runner_token(market_id, runner_key(runner.id, runner.hc))
            taker = bet.md is not None and bet.md == bet.pd
            for fill_price, fill_size in self._allocate(rises[bet.side], matched - running, price):
                running += fill_size
                items.append(
                    FillReport(
                        instrument_id,
                        bet.id,
                        f"{bet.id}:{running}",
                        side,
                        fill_price,
                        fill_size,
                        Liquidity.TAKER if taker else Liquidity.MAKER,
                        0,
                        QUOTE_CURRENCY,
                        ts,
                        now_ns,
                        client_order_id=client_id,
                        cash_micros=fill_cash_micros(token, side, fill_price, fill_size),
                    )
                )
        status = bet_status(
            bet.status == "EC", size, matched, _units(bet.sc) + _units(bet.sv), _units(bet.sl)
        )
        if (matched, status) != (known_matched, known_status):
            reason = {OrderStatus.CANCELED: "canceled", OrderStatus.EXPIRED: "lapsed"}
            items.append(
                OrderUpdate(
                    instrument_id,
                    bet.id,
                    side,
                    price,
                    size,
                    matched,
                    status,
                    ts,
                    now_ns,
                    client_order_id=client_id,
                    reason=reason.get(status, ""),
                )
            )
        self.bets[bet.id] = (max(matched, known_matched), status)
        return items

    @staticmethod
    def _allocate(rises: list[list[int]], amount: int, limit: int) -> list[tuple[int, int]]:
        """Split ``amount`` over the ladder rises (consumed in place); the rest at ``limit``."""
        pieces = []
        for rise in rises:
            if amount <= 0:
                break
            take = min(rise[1], amount)
            if take:
                pieces.append((rise[0], take))
                rise[1] -= take
                amount -= take
        if amount > 0:
            pieces.append((limit, amount))
        return pieces
