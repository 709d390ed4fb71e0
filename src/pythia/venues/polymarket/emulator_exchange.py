"""The Polymarket emulator's exchange: API keys, order checks, matching, the trade record.

Synchronous and free of I/O: the server (``emulator.py``) calls it with the venue time and
routes what it returns. Matching is Pythia's :class:`~pythia.sim.venue.SimulatedVenue` with
the Polymarket profile, against the books replayed from a catalog; every order id is the
order's EIP-712 hash, which is also the simulator's client order id.

One funded account: every wallet's orders draw on the same cash and positions (a test
venue, not a multi-user exchange); orders, trades and API keys are kept per owner.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from pythia.core.errors import DataError
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    TickSizeChange,
    Trade,
)
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeToken
from pythia.model.orders import (
    CancelRequest,
    OrderRequest,
    OrderType,
    RejectReason,
    TimeInForce,
)
from pythia.ports.execution import VenueResponse
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue
from pythia.venues.emulated import EmulatedAccount
from pythia.venues.polymarket import encode, parse, signing, wire
from pythia.venues.polymarket.emulator_records import (
    VenueOrder,
    maker_trade,
    open_order,
    order_event,
    taker_trade,
)
from pythia.venues.polymarket.markets import with_tick
from pythia.venues.polymarket.profile import DEFAULT_PROFILE

Routed = list[tuple[str, dict]]
"""Messages to send: (asset id or API key, message)."""

ERRORS = {
    RejectReason.OFF_TICK: "order is invalid. Price breaks minimum tick size rules",
    RejectReason.PRICE_OUT_OF_BOUNDS: "order is invalid. Price breaks minimum tick size rules",
    RejectReason.BELOW_MIN_SIZE: "order is invalid. Size lower than the minimum",
    RejectReason.INSUFFICIENT_BALANCE: "not enough balance / allowance",
    RejectReason.POST_ONLY_WOULD_CROSS: "invalid post-only order: order crosses book",
    RejectReason.UNSUPPORTED_ORDER_TYPE: (
        "invalid post-only order: only GTC and GTD order types are allowed"
    ),
    RejectReason.DUPLICATE_CLIENT_ID: (
        "order is invalid. Duplicated. Same order has already been placed, can't be placed again"
    ),
    RejectReason.MARKET_CLOSED: "the market is not yet ready to process new orders",
    RejectReason.FOK_NOT_FILLABLE: (
        "order couldn't be fully filled, FOK orders are fully filled/killed"
    ),
}
FAK_NOT_FILLED = (
    "no orders found to match with FAK order. FAK orders are partially filled or killed"
)
INVALID_SIGNATURE = "invalid signature"
SIGNER_NOT_KEY = "the order signer address has to be the address of the API KEY"
OWNER_NOT_KEY = "the order owner has to be the owner of the API KEY"
COULD_NOT_INSERT = "could not insert order"
ORDER_TYPES = {
    "GTC": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
    "FOK": TimeInForce.FOK,
    "FAK": TimeInForce.IOC,
}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """Credentials the emulator issued to a wallet (secret base64url, as the venue's)."""

    key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    address: str
    nonce: int

    def as_json(self) -> dict:
        return {"apiKey": self.key, "secret": self.secret, "passphrase": self.passphrase}


@dataclass(slots=True)
class Market:
    """What the venue knows of a token besides its book."""

    token: OutcomeToken
    neg_risk: bool
    last_trade_price: int | None = None

    @property
    def condition_id(self) -> str:
        return self.token.market_id

    def rules(self) -> encode.BookRules:
        return encode.BookRules(
            self.condition_id, self.token.tick, self.token.min_size, self.neg_risk
        )


Ledger = EmulatedAccount
"""The one account: cash in micro-USDC and positions in token units (``AccountView``)."""


def _neg_risk_markets(instruments: Iterable[Instrument]) -> set[str]:
    """Condition ids of negRisk markets: a token grouped outside its binary group."""
    found = set()
    for token in instruments:
        if isinstance(token, OutcomeToken) and token.group_id and token.market_id:
            if token.group_id != f"{parse.VENUE}:{token.market_id}":
                found.add(token.market_id)
    return found


class Exchange:
    """Keys, markets, orders and trades of the emulator (see the module doc)."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        chain_id: int = signing.POLYGON,
        profile: VenueProfile = DEFAULT_PROFILE,
        cash_micros: int = 1_000_000 * 10**6,
        seed: int = 0,
    ) -> None:
        self.chain_id = chain_id
        self.ledger = Ledger(cash_micros)
        self.venue = SimulatedVenue(profile, self.ledger, random.Random(seed))
        self.markets: dict[str, Market] = {}
        self.keys: dict[str, ApiKey] = {}
        self.orders: dict[str, VenueOrder] = {}
        self.trades: dict[str, list[dict]] = {}
        self.fills: list[tuple[str, FillReport]] = []
        """The emulator's own record of trades: (API key, fill), in order."""
        self._seed = seed
        self._trade_count = 0
        instruments = list(instruments)
        self._neg_risk = _neg_risk_markets(instruments)
        for instrument in instruments:
            self.add_instrument(instrument)

    # ---- keys -------------------------------------------------------------------------------
    def _issue(self, address: str, nonce: int) -> ApiKey:
        digest = hashlib.sha256(f"{self._seed}:{address.lower()}:{nonce}".encode()).digest()
        secret = base64.urlsafe_b64encode(hashlib.sha256(digest).digest()).decode()
        passphrase = hashlib.sha256(digest + b"passphrase").hexdigest()
        return ApiKey(str(uuid.UUID(bytes=digest[:16])), secret, passphrase, address, nonce)

    def create_api_key(self, address: str, nonce: int) -> ApiKey | None:
        """Issue a key for (wallet, nonce); None when one exists (derive it instead)."""
        issued = self._issue(address, nonce)
        if issued.key in self.keys:
            return None
        self.keys[issued.key] = issued
        return issued

    def derive_api_key(self, address: str, nonce: int) -> ApiKey | None:
        """The key issued for (wallet, nonce) before, or None."""
        return self.keys.get(self._issue(address, nonce).key)

    # ---- market data ------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        if not isinstance(instrument, OutcomeToken):
            return
        self.venue.add_instrument(instrument)
        token_id = instrument.id.partition(":")[2]
        known = self.markets.get(token_id)
        neg_risk = instrument.market_id in self._neg_risk or (known is not None and known.neg_risk)
        last = known.last_trade_price if known else None
        self.markets[token_id] = Market(instrument, neg_risk, last)

    def book_summary(self, token_id: str, ts_ms: int) -> dict | None:
        """The REST ``/book`` answer of a token (None if unknown)."""
        market = self.markets.get(token_id)
        if market is None:
            return None
        book = self.venue.book(market.token.id)
        return encode.book_summary(
            token_id, market.rules(), book.bids(), book.asks(), ts_ms, market.last_trade_price
        )

    def on_market_event(self, event: MarketEvent, ts_ms: int) -> tuple[Routed, Routed]:
        """Apply a replayed event; return (market-channel messages, user messages)."""
        if isinstance(event, InstrumentDefinition):
            if isinstance(event.definition, Instrument):
                self.add_instrument(event.definition)
            return [], []
        responses = self.venue.on_market_event(event)
        user = self._route(responses, taker=False, ts_ms=ts_ms)[0]
        token_id = getattr(event, "instrument_id", "").partition(":")[2]
        market = self.markets.get(token_id)
        if market is None:
            return [], user
        if isinstance(event, TickSizeChange):
            old = market.token.tick
            self.add_instrument(with_tick(market.token, event.new_tick))
            message = encode.tick_size_change_event(
                token_id, market.condition_id, old, event.new_tick, ts_ms
            )
            return [(token_id, message)], user
        if isinstance(event, Trade):
            market.last_trade_price = event.price
            side = event.aggressor.name if event.aggressor else "BUY"
            message = encode.last_trade_price_event(
                token_id, market.condition_id, event.price, event.size, side, ts_ms, ""
            )
            return [(token_id, message)], user
        if isinstance(event, BookSnapshot):
            summary = self.book_summary(token_id, ts_ms)
            return [(token_id, encode.book_event(summary))] if summary else [], user
        if isinstance(event, BookDelta):
            return [(token_id, self._price_change(market, token_id, event, ts_ms))], user
        return [], user

    def _price_change(self, market: Market, token_id: str, delta: BookDelta, ts_ms: int) -> dict:
        book = self.venue.book(market.token.id)
        best_bid, best_ask = book.best_bid_price, book.best_ask_price
        bid_text = encode.price_text(best_bid) if best_bid else "0"
        ask_text = encode.price_text(best_ask) if best_ask else "0"
        summary = self.book_summary(token_id, ts_ms) or {}
        changes = [
            (token_id, side, price, size, summary.get("hash", ""), bid_text, ask_text)
            for side, levels in (("BUY", delta.bids), ("SELL", delta.asks))
            for price, size in levels
        ]
        return encode.price_change_event(market.condition_id, ts_ms, changes)

    # ---- orders -----------------------------------------------------------------------------
    def post_order(
        self, body: wire.PostOrderBody, key: ApiKey, ts_ns: int, wall_s: int
    ) -> tuple[int, dict, Routed]:
        """Check, sign-verify and match one order: (HTTP status, answer, user messages)."""
        order = body.order
        if body.owner != key.key:
            return 400, {"error": OWNER_NOT_KEY}, []
        if order.signer.lower() != key.address.lower():
            return 400, {"error": SIGNER_NOT_KEY}, []
        market = self.markets.get(order.token_id)
        if market is None:
            return 400, {"error": "Invalid token id"}, []
        try:
            if order.signature_type == 0 and order.maker.lower() != order.signer.lower():
                raise DataError("an EOA order's maker must be its signer")
            if order.signature_type not in (0, 1, 2):
                raise DataError(f"signature type {order.signature_type} is not supported")
            recovered = signing.recover_order_signer(order, self.chain_id, market.neg_risk)
            order_id = signing.order_hash(order, self.chain_id, market.neg_risk)
        except DataError:
            return 400, {"error": INVALID_SIGNATURE}, []
        if recovered.lower() != order.signer.lower():
            return 400, {"error": INVALID_SIGNATURE}, []
        if order_id in self.orders:
            return 400, {"error": ERRORS[RejectReason.DUPLICATE_CLIENT_ID]}, []
        time_in_force = ORDER_TYPES.get(body.order_type.upper())
        if time_in_force is None:
            return 400, {"error": "Invalid order payload"}, []
        try:
            price, size = parse.parse_order_amounts(
                order.side, order.maker_amount, order.taker_amount
            )
            expiration_s = int(order.expiration or 0)
        except (DataError, ValueError):
            return 400, {"error": ERRORS[RejectReason.OFF_TICK]}, []
        expire_ns = 0
        if time_in_force is TimeInForce.GTD:
            if expiration_s <= wall_s:
                return 400, {"error": "invalid expiration"}, []
            expire_ns = ts_ns + (expiration_s - wall_s) * 10**9
        request = OrderRequest(
            client_order_id=order_id,
            instrument_id=market.token.id,
            side=parse.parse_side(order.side),
            size=size,
            price=price,
            order_type=OrderType.LIMIT,
            time_in_force=time_in_force,
            post_only=body.post_only,
            expire_ts_ns=expire_ns,
        )
        venue_order = VenueOrder(
            order_id, key.key, order.maker, order.token_id, market.condition_id,
            market.token.outcome, order.side.upper(), price, size, body.order_type.upper(),
            str(expiration_s), ts_ns // 10**9,
        )  # fmt: skip
        self.orders[order_id] = venue_order
        responses = self.venue.submit(request, ts_ns)
        return self._answer(venue_order, responses, ts_ns)

    def _answer(
        self, order: VenueOrder, responses: list[VenueResponse], ts_ns: int
    ) -> tuple[int, dict, Routed]:
        mine = [r for r in responses if _order_key(r) == order.order_id]
        reject = next((r for r in mine if r.status is OrderStatus.REJECTED), None)
        fills = [r for r in mine if isinstance(r, FillReport)]
        final = mine[-1] if mine else None
        killed = isinstance(final, OrderUpdate) and final.reason in ("fok_not_fillable",)
        if reject is not None or (killed and not fills):
            del self.orders[order.order_id]
            reason = reject.reason if reject is not None else "fok_not_fillable"
            text = ERRORS.get(_reason(reason), COULD_NOT_INSERT)
            others = self._route([r for r in responses if r not in mine], False, ts_ns // 10**6)
            return 400, {"error": text}, others[0]
        if order.order_type == "FAK" and not fills:
            del self.orders[order.order_id]
            return 400, {"error": FAK_NOT_FILLED}, []
        user, trade_ids, tx_hashes = self._route(responses, True, ts_ns // 10**6)
        collateral = sum(abs(f.cash_micros) for f in fills)
        shares = sum(f.size for f in fills)
        making, taking = (collateral, shares) if order.side == "BUY" else (shares, collateral)
        answer = {
            "success": True,
            "errorMsg": "",
            "orderID": order.order_id,
            "status": "matched" if fills else "live",
            "makingAmount": encode.venue_decimal(making, 6) if fills else "",
            "takingAmount": encode.venue_decimal(taking, 6) if fills else "",
            "transactionsHashes": tx_hashes,
            "tradeIDs": trade_ids,
        }
        return 200, answer, user

    def _route(
        self, responses: list[VenueResponse], taker: bool, ts_ms: int
    ) -> tuple[Routed, list[str], list[str]]:
        """Turn simulator responses into user-channel messages and trade records."""
        user: Routed = []
        trade_ids: list[str] = []
        tx_hashes: list[str] = []
        for response in responses:
            order = self.orders.get(_order_key(response))
            if order is None:
                continue
            if isinstance(response, FillReport):
                record = self._record_fill(order, response, ts_ms)
                trade_ids.append(record["id"])
                tx_hashes.append(record["transaction_hash"])
                user.append((order.owner, record))
                continue
            event = self._apply_update(order, response)
            if event is not None:
                user.append((order.owner, order_event(order, event, ts_ms)))
        return user, trade_ids, tx_hashes

    def _apply_update(self, order: VenueOrder, update: OrderUpdate) -> str | None:
        order.size_matched = update.filled_size
        if update.status is OrderStatus.OPEN and update.filled_size == 0:
            order.status = "LIVE"
            return "PLACEMENT"
        if update.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            order.status = "CANCELED"
            return "CANCELLATION"
        if update.status is OrderStatus.FILLED:
            order.status = "MATCHED"
        return "UPDATE"

    def _record_fill(self, order: VenueOrder, fill: FillReport, ts_ms: int) -> dict:
        self._trade_count += 1
        digest = hashlib.sha256(f"{self._seed}:trade:{self._trade_count}".encode()).digest()
        trade_id = str(uuid.UUID(bytes=digest[:16]))
        tx_hash = "0x" + hashlib.sha256(digest).hexdigest()
        if fill.liquidity is Liquidity.TAKER:
            record = taker_trade(order, fill, trade_id, tx_hash, ts_ms)
        else:
            record = maker_trade(order, fill, trade_id, tx_hash, ts_ms)
        order.associate_trades.append(trade_id)
        recorded = FillReport(
            fill.instrument_id, order.order_id, trade_id, fill.side, fill.price, fill.size,
            fill.liquidity, fill.fee_micros, fill.fee_currency, fill.ts_event_ns,
            fill.ts_recv_ns, "MATCHED", order.order_id, fill.cash_micros,
        )  # fmt: skip
        self.ledger.apply(recorded)
        self.fills.append((order.owner, recorded))
        self.trades.setdefault(order.owner, []).append(record)
        return record

    def cancel(self, order_ids: Iterable[str], key: ApiKey, ts_ns: int) -> tuple[dict, Routed]:
        """Cancel orders of ``key``: ``{"canceled": [...], "not_canceled": {id: reason}}``."""
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        user: Routed = []
        for order_id in order_ids:
            order = self.orders.get(order_id)
            if order is None or order.owner != key.key:
                not_canceled[order_id] = "order not found"
                continue
            if order.status != "LIVE":
                not_canceled[order_id] = "order can't be canceled: already matched or canceled"
                continue
            request = CancelRequest(order_id, parse.instrument_id(order.asset_id))
            responses = self.venue.cancel(request, ts_ns)
            user += self._route(responses, False, ts_ns // 10**6)[0]
            canceled.append(order_id)
        return {"canceled": canceled, "not_canceled": not_canceled}, user

    def live_orders(
        self, key: ApiKey, order_id: str = "", market: str = "", asset_id: str = ""
    ) -> list[VenueOrder]:
        """Open orders of ``key``, optionally filtered."""
        return [
            order
            for order in self.orders.values()
            if order.owner == key.key
            and order.status == "LIVE"
            and (not order_id or order.order_id == order_id)
            and (not market or order.market == market)
            and (not asset_id or order.asset_id == asset_id)
        ]

    def order_json(self, order_id: str, key: ApiKey) -> dict | None:
        order = self.orders.get(order_id)
        return open_order(order) if order is not None and order.owner == key.key else None


def _order_key(response: VenueResponse) -> str:
    return response.client_order_id


def _reason(text: str) -> RejectReason | None:
    try:
        return RejectReason(text)
    except ValueError:
        return None
