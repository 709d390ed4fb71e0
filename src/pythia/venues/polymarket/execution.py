"""Polymarket order client: Pythia order requests through ``py-clob-client-v2``.

:class:`PolymarketExecution` implements :class:`~pythia.ports.execution.ExecutionVenue` and
:class:`~pythia.ports.execution.OrderQuery`. The official client is synchronous (``httpx``),
so every method blocks on HTTP; from async code call them in a thread
(``await asyncio.to_thread(execution.submit, request, ts_ns)``), or use
:class:`AsyncOrderClient`, the ``OrderClient`` of ``pythia.engine.gateway.LiveGateway``.
Fills are not taken from order answers: they come from the user channel (``user_channel.py``)
and, after a reconnect, from :meth:`PolymarketExecution.trade_records` (REST
``/data/trades``), deduplicated by trade.

Orders are built with exact integer amounts (``encode.order_amounts``) and signed by the
client's ``ExchangeOrderBuilderV2`` (EIP-712, V2 exchange or negRisk exchange by market),
with tick, minimum size and negRisk read from the market's REST ``/book`` and updated live by
:meth:`on_tick_size_change`. The salt is derived from the client order id, and a request is
signed once: a resend is the identical order, which the venue refuses as a duplicate, so
a retry can never create a second order.

Idempotent submit: ``429`` is retried after a backoff (the venue did not take the order); a
timeout, connection error or ``5xx`` leaves the order's fate unknown, so the order is first
looked up by its id (``GET /data/order/{hash}``) and resent only when the venue has not got
it; a ``Duplicated`` refusal is answered with the venue's view of the order.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import msgspec
from py_clob_client_v2 import ClobClient, OrderPayload, TradeParams
from py_clob_client_v2.clob_types import PostOrdersV2Args
from py_clob_client_v2.constants import BYTES32_ZERO
from py_clob_client_v2.exceptions import PolyApiException, PolyException
from py_clob_client_v2.order_utils.exchange_order_builder_v2 import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import OrderDataV2, SignedOrderV2
from py_clob_client_v2.order_utils.model.side import Side as ClobSide
from py_clob_client_v2.order_utils.model.signature_type_v2 import SignatureTypeV2

from pythia.core.errors import DataError, OrderRejected, RetryableVenueError, VenueError
from pythia.model.enums import Side
from pythia.model.events import TickSizeChange
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.orders import CancelRequest, OrderRequest, RejectReason, TimeInForce
from pythia.ports.execution import VenueResponse
from pythia.sim.orders import unknown_order
from pythia.venues.backoff import Backoff
from pythia.venues.polymarket import encode, parse, signing, wire
from pythia.venues.polymarket.markets import parse_book_info

ORDER_TYPES = {
    TimeInForce.GTC: "GTC",
    TimeInForce.GTD: "GTD",
    TimeInForce.FOK: "FOK",
    TimeInForce.IOC: "FAK",
}
SIZE_STEP = 10_000
"""Polymarket sizes have 2 decimals: 0.01 share in 10**-6 units."""
_REASONS = (
    ("tick size", RejectReason.OFF_TICK.value),
    ("lower than the minimum", RejectReason.BELOW_MIN_SIZE.value),
    ("not enough balance", RejectReason.INSUFFICIENT_BALANCE.value),
    ("crosses book", RejectReason.POST_ONLY_WOULD_CROSS.value),
    ("only gtc and gtd", RejectReason.UNSUPPORTED_ORDER_TYPE.value),
    ("fok orders", RejectReason.FOK_NOT_FILLABLE.value),
    ("fak order", "ioc_remainder"),
    ("not yet ready", RejectReason.MARKET_CLOSED.value),
    ("invalid token id", RejectReason.UNKNOWN_INSTRUMENT.value),
)


def reject_reason(message: str) -> str:
    """Map a venue error message to a ``RejectReason`` value (else the message itself)."""
    lowered = message.lower()
    return next((reason for phrase, reason in _REASONS if phrase in lowered), message)


def error_message(error: PolyApiException) -> str:
    body = error.error_msg
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)


@dataclass(frozen=True, slots=True)
class TokenRules:
    """What order building needs of a token: tick and minimum size (price / size units)."""

    token_id: str
    tick: int
    min_size: int
    neg_risk: bool


@dataclass(slots=True)
class ExecutionCounters:
    sends: int = 0
    resends: int = 0
    rate_limited: int = 0
    unknown_outcomes: int = 0
    recovered_by_query: int = 0


@dataclass(frozen=True, slots=True)
class _Signed:
    request: OrderRequest
    order: SignedOrderV2
    order_id: str
    order_type: str


class PolymarketExecution:
    """Orders through a ``ClobClient`` holding L2 credentials (see the module doc)."""

    def __init__(
        self,
        client: ClobClient,
        *,
        retries: int = 3,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        wall_ms: Callable[[], int] = lambda: time.time_ns() // 10**6,
    ) -> None:
        if client.signer is None or client.creds is None:
            raise VenueError("the CLOB client needs a private key and API credentials")
        self.client = client
        self.api_key = client.creds.api_key
        self.retries = retries
        self.backoff = backoff or Backoff(base_s=0.05, max_s=2.0)
        self.rng = rng or random.Random(0)
        self.sleep = sleep
        self.wall_ms = wall_ms
        self.counters = ExecutionCounters()
        self._rules: dict[str, TokenRules] = {}
        self._signed: dict[str, _Signed] = {}
        self._by_order_id: dict[str, str] = {}

    # ---- market rules -------------------------------------------------------------------------
    def rules(self, instrument_id: str) -> TokenRules:
        """The token's rules, read once from its REST ``/book``."""
        token_id = instrument_id.partition(":")[2]
        known = self._rules.get(token_id)
        if known is None:
            raw = self._read(lambda: self.client.get_order_book(token_id))
            info = parse_book_info(msgspec.convert(raw, wire.BookMessage))
            if info.tick is None:
                raise VenueError(f"book of {instrument_id} has no tick_size")
            known = TokenRules(token_id, info.tick, info.min_size or 0, bool(info.neg_risk))
            self._rules[token_id] = known
        return known

    def _read(self, call: Callable[[], object]) -> object:
        """A read-only request, retried on 429, 5xx and lost answers (reads are safe)."""
        for attempt in range(self.retries):
            try:
                return call()
            except PolyApiException as error:
                status = error.status_code
                if status is not None and status != 429 and status < 500:
                    raise
                self.sleep(self.backoff.delay_s(attempt, self.rng))
        return call()

    def set_rules(self, rules: TokenRules) -> None:
        """Use known rules (from a catalog or the markets endpoint) instead of ``/book``."""
        self._rules[rules.token_id] = rules

    def on_tick_size_change(self, event: TickSizeChange) -> None:
        """Apply a live ``tick_size_change`` to order building."""
        token_id = event.instrument_id.partition(":")[2]
        known = self._rules.get(token_id)
        if known is not None:
            self._rules[token_id] = TokenRules(
                token_id, event.new_tick, known.min_size, known.neg_risk
            )

    # ---- ids ----------------------------------------------------------------------------------
    def order_id(self, client_order_id: str) -> str | None:
        """The venue's id (order hash) of a client order id, once signed."""
        signed = self._signed.get(client_order_id)
        return signed.order_id if signed else None

    def client_order_id(self, order_id: str) -> str | None:
        return self._by_order_id.get(order_id)

    # ---- signing ------------------------------------------------------------------------------
    def sign(self, request: OrderRequest) -> _Signed:
        """Build and sign ``request`` once (``OrderRejected`` if Polymarket cannot take it)."""
        known = self._signed.get(request.client_order_id)
        if known is not None:
            return known
        rules = self.rules(request.instrument_id)
        order_type = ORDER_TYPES.get(request.time_in_force)
        if request.price is None or order_type is None:
            raise OrderRejected(RejectReason.UNSUPPORTED_ORDER_TYPE.value, "needs a limit price")
        if request.post_only and order_type not in ("GTC", "GTD"):
            raise OrderRejected(RejectReason.UNSUPPORTED_ORDER_TYPE.value, "post-only GTC/GTD")
        price = request.price
        if price % rules.tick or not rules.tick <= price <= parse.ONE - rules.tick:
            raise OrderRejected(RejectReason.OFF_TICK.value, f"price {price} tick {rules.tick}")
        if request.size % SIZE_STEP or request.size < max(rules.min_size, SIZE_STEP):
            raise OrderRejected(RejectReason.BELOW_MIN_SIZE.value, f"size {request.size}")
        side = "BUY" if request.side is Side.BUY else "SELL"
        maker_amount, taker_amount = encode.order_amounts(side, price, request.size)
        signer = self.client.signer
        chain_id = signer.get_chain_id()
        salt = int.from_bytes(hashlib.sha256(request.client_order_id.encode()).digest()[:6])
        builder = ExchangeOrderBuilderV2(
            signing.exchange_address(chain_id, rules.neg_risk),
            chain_id,
            signer,
            generate_salt=lambda: str(salt),
        )
        expiration = request.expire_ts_ns // 10**9 if order_type == "GTD" else 0
        order = builder.build_order(
            OrderDataV2(
                maker=self.client.builder.funder,
                tokenId=rules.token_id,
                makerAmount=str(maker_amount),
                takerAmount=str(taker_amount),
                side=ClobSide.BUY if side == "BUY" else ClobSide.SELL,
                signer=signer.address(),
                signatureType=SignatureTypeV2(int(self.client.builder.signature_type)),
                timestamp=str(self.wall_ms()),
                metadata=BYTES32_ZERO,
                builder=BYTES32_ZERO,
                expiration=str(expiration),
            )
        )
        typed = builder.build_order_typed_data(order)
        signed_order = SignedOrderV2(
            **{**order.__dict__, "signature": builder.build_order_signature(typed)}
        )
        signed = _Signed(request, signed_order, builder.build_order_hash(typed), order_type)
        self._signed[request.client_order_id] = signed
        self._by_order_id[signed.order_id] = request.client_order_id
        return signed

    # ---- ExecutionVenue -----------------------------------------------------------------------
    def submit(self, request: OrderRequest, ts_ns: int) -> list[VenueResponse]:
        """Send one order; never twice (see the module doc)."""
        try:
            signed = self.sign(request)
        except OrderRejected as rejected:
            return [_update(request, "", OrderStatus.REJECTED, 0, ts_ns, rejected.reason)]
        for attempt in range(self.retries + 1):
            self.counters.sends += 1
            if attempt:
                self.counters.resends += 1
            try:
                answer = self.client.post_order(signed.order, signed.order_type, request.post_only)
            except PolyApiException as error:
                outcome = self._after_error(signed, error, ts_ns)
                if outcome is not None:
                    return outcome
                self.sleep(self.backoff.delay_s(attempt, self.rng))
                continue
            return [self._accepted(signed, answer, ts_ns)]
        raise RetryableVenueError(f"order {request.client_order_id} not confirmed by the venue")

    def submit_batch(self, requests: Sequence[OrderRequest], ts_ns: int) -> list[VenueResponse]:
        """Send orders in one ``POST /orders`` (at most 15, one post-only flag); anything
        ambiguous is settled order by order as :meth:`submit` does."""
        responses: list[VenueResponse] = []
        signed_orders: list[_Signed] = []
        for request in requests:
            try:
                signed_orders.append(self.sign(request))
            except OrderRejected as rejected:
                update = _update(request, "", OrderStatus.REJECTED, 0, ts_ns, rejected.reason)
                responses.append(update)
        post_only = {s.request.post_only for s in signed_orders}
        if not signed_orders:
            return responses
        if len(post_only) > 1 or len(signed_orders) > 15:
            for signed in signed_orders:
                responses += self.submit(signed.request, ts_ns)
            return responses
        args = [PostOrdersV2Args(order=s.order, orderType=s.order_type) for s in signed_orders]
        self.counters.sends += 1
        try:
            answers = self.client.post_orders(args, post_only=post_only.pop())
        except PolyApiException:
            for signed in signed_orders:
                responses += self.submit(signed.request, ts_ns)
            return responses
        for signed, answer in zip(signed_orders, answers, strict=False):
            if answer.get("success") is False:
                message = str(answer.get("errorMsg", ""))
                known = self._known(signed, ts_ns) if "duplicated" in message.lower() else None
                responses.append(known or self._refused(signed, message, ts_ns))
            else:
                responses.append(self._accepted(signed, answer, ts_ns))
        return responses

    def cancel(self, request: CancelRequest, ts_ns: int) -> list[VenueResponse]:
        """Cancel one order (retried on 429/5xx: a second cancel is harmless)."""
        signed = self._signed.get(request.client_order_id)
        if signed is None:
            return [_unknown(request, ts_ns)]
        for attempt in range(self.retries + 1):
            try:
                answer = self.client.cancel_order(OrderPayload(orderID=signed.order_id))
            except PolyApiException as error:
                if error.status_code not in (None, 429) and error.status_code < 500:
                    raise VenueError(f"cancel refused: {error_message(error)}") from None
                self.sleep(self.backoff.delay_s(attempt, self.rng))
                continue
            if signed.order_id in answer.get("canceled", []):
                filled = self._filled(signed)
                return [_update(signed.request, signed.order_id, OrderStatus.CANCELED, filled,
                                ts_ns, "canceled")]  # fmt: skip
            known = self._known(signed, ts_ns)
            return [known if known is not None else _unknown(request, ts_ns)]
        raise RetryableVenueError(f"cancel of {request.client_order_id} not confirmed")

    def cancel_all(self) -> dict:
        """Cancel every open order of the account (``DELETE /cancel-all``)."""
        return self.client.cancel_all()

    def query_order(self, client_order_id: str, ts_ns: int) -> OrderUpdate | None:
        """The venue's view of an order (``OrderQuery``): None if it never got it."""
        signed = self._signed.get(client_order_id)
        return None if signed is None else self._known(signed, ts_ns)

    def balance_micros(self) -> int:
        """The collateral balance in micro-USDC (retried on 429 and 5xx like every read)."""
        from py_clob_client_v2.clob_types import AssetType, BalanceAllowanceParams

        params = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
        answer = self._read(lambda: self.client.get_balance_allowance(params))
        return int(answer["balance"])

    def open_order_ids(self) -> list[str]:
        """Venue ids of the account's open orders (REST ``/data/orders``)."""
        return [str(o["id"]) for o in self._read(self.client.get_open_orders)]

    def trade_records(self, after_s: int = 0) -> list[wire.TradeRecord]:
        """Every trade of the account since ``after_s`` (REST ``/data/trades``)."""
        raw = self._read(lambda: self.client.get_trades(TradeParams(after=after_s or None)))
        return [msgspec.convert(item, wire.TradeRecord) for item in raw]

    # ---- answers ------------------------------------------------------------------------------
    def _after_error(
        self, signed: _Signed, error: PolyApiException, ts_ns: int
    ) -> list[VenueResponse] | None:
        """A final answer after a failed post, or None to send the same order again."""
        status = error.status_code
        if status == 429:
            self.counters.rate_limited += 1
            return None
        if status is None or status >= 500:
            self.counters.unknown_outcomes += 1
            known = self._known(signed, ts_ns)
            if known is not None:
                self.counters.recovered_by_query += 1
                return [known]
            return None
        message = error_message(error)
        if status == 401:
            raise VenueError("Polymarket refused the API credentials (401)")
        if "duplicated" in message.lower():
            known = self._known(signed, ts_ns)
            if known is not None:
                self.counters.recovered_by_query += 1
                return [known]
        return [self._refused(signed, message, ts_ns)]

    def _known(self, signed: _Signed, ts_ns: int) -> OrderUpdate | None:
        """Look the order up by id; None when the venue does not know it (or cannot say)."""
        try:
            raw = self.client.get_order(signed.order_id)
        except PolyApiException:
            return None
        if not isinstance(raw, dict) or not raw.get("id"):
            return None
        try:
            update = parse.parse_user_order(msgspec.convert(raw, wire.UserOrder), ts_ns)
        except (DataError, msgspec.ValidationError):
            return None
        return msgspec.structs.replace(
            update, client_order_id=signed.request.client_order_id, ts_recv_ns=ts_ns
        )

    def _filled(self, signed: _Signed) -> int:
        known = self._known(signed, 0)
        return known.filled_size if known is not None else 0

    def _accepted(self, signed: _Signed, answer: dict, ts_ns: int) -> OrderUpdate:
        request = signed.request
        filled_text = answer.get("takingAmount" if request.side is Side.BUY else "makingAmount")
        filled = parse.parse_size(filled_text) if filled_text else 0
        if filled >= request.size:
            status = OrderStatus.FILLED
        elif signed.order_type in ("FOK", "FAK"):
            status = OrderStatus.CANCELED if filled == 0 else OrderStatus.PARTIALLY_FILLED
        else:
            status = OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.OPEN
        return _update(request, str(answer.get("orderID", signed.order_id)), status, filled, ts_ns)

    def _refused(self, signed: _Signed, message: str, ts_ns: int) -> OrderUpdate:
        reason = reject_reason(message)
        status = (
            OrderStatus.CANCELED
            if reason in ("fok_not_fillable", "ioc_remainder")
            else (OrderStatus.REJECTED)
        )
        return _update(signed.request, signed.order_id, status, 0, ts_ns, reason)


class AsyncOrderClient:
    """The async ``OrderClient`` of ``pythia.engine.gateway.LiveGateway`` over a
    :class:`PolymarketExecution`: each call runs the blocking client in a worker thread.
    ``clock_ns`` stamps the answers (venue time of a live run: the wall clock)."""

    def __init__(
        self, execution: PolymarketExecution, clock_ns: Callable[[], int] = time.time_ns
    ) -> None:
        self.execution = execution
        self.clock_ns = clock_ns

    async def place(self, request: OrderRequest) -> list[VenueResponse]:
        return await asyncio.to_thread(self.execution.submit, request, self.clock_ns())

    async def cancel(self, request: CancelRequest) -> list[VenueResponse]:
        return await asyncio.to_thread(self.execution.cancel, request, self.clock_ns())

    async def open_orders(self) -> list[str]:
        """Client order ids of our open orders (orders this client did not sign: order ids)."""
        raw = await asyncio.to_thread(self.execution.open_order_ids)
        return [self.execution.client_order_id(order_id) or order_id for order_id in raw]


def _update(
    request: OrderRequest, venue_order_id: str, status: OrderStatus, filled: int, ts_ns: int,
    reason: str = "",
) -> OrderUpdate:  # fmt: skip
    return OrderUpdate(
        instrument_id=request.instrument_id,
        venue_order_id=venue_order_id,
        side=request.side,
        price=request.price or 0,
        original_size=request.size,
        filled_size=filled,
        status=status,
        ts_event_ns=ts_ns,
        ts_recv_ns=ts_ns,
        client_order_id=request.client_order_id,
        reason=reason,
    )


def _unknown(request: CancelRequest, ts_ns: int) -> OrderUpdate:
    return unknown_order(request.client_order_id, request.instrument_id, None, ts_ns)


API_KEY_ATTEMPTS = 5
"""Tries at creating or deriving the L2 API key before giving up."""


def connect(host: str, credentials, *, chain_id: int = signing.POLYGON, **options):
    """Build a :class:`PolymarketExecution` for ``host`` from ``auth.PolymarketCredentials``;
    derives the L2 credentials with the wallet key when they are not given."""
    from py_clob_client_v2 import ApiCreds

    from pythia.venues.polymarket.auth import ApiCredentials

    client = ClobClient(
        host,
        chain_id=chain_id,
        key=credentials.private_key,
        signature_type=credentials.signature_type,
        funder=credentials.funder,
    )
    api = credentials.api
    if api is None:
        for attempt in range(API_KEY_ATTEMPTS):  # a 429 or 5xx on the way is retried
            try:
                derived = client.create_or_derive_api_key()
                break
            except PolyException as error:
                if attempt + 1 == API_KEY_ATTEMPTS:
                    raise VenueError(
                        f"could not create or derive API credentials: {error}"
                    ) from None
                time.sleep(0.1 * 2**attempt)
        api = ApiCredentials(derived.api_key, derived.api_secret, derived.api_passphrase)
    client.set_api_creds(ApiCreds(api.api_key, api.api_secret, api.api_passphrase))
    return PolymarketExecution(client, **options), api
