"""Orders as the strategy side knows them: a state machine fed by venue responses.

States: created -> submitted -> accepted -> partially filled -> filled, with cancel pending,
cancelled, rejected and expired. Illegal transitions raise ``DataError`` (and are counted);
fills are applied once even when reported twice (dedupe by venue trade id), and a fill that
arrives after a cancel is still applied to the order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pythia.core.errors import DataError
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.orders import OrderRequest


class OrderState(enum.Enum):
    CREATED = "created"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCEL_PENDING = "cancel_pending"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self._is_open  # set below; avoids hashing the enum on a hot path


_OPEN = {
    OrderState.SUBMITTED,
    OrderState.ACCEPTED,
    OrderState.PARTIALLY_FILLED,
    OrderState.CANCEL_PENDING,
}
for _state in OrderState:
    _state._is_open = _state in _OPEN
_TERMINAL = {OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED, OrderState.EXPIRED}
_ALLOWED: dict[OrderState, set[OrderState]] = {
    OrderState.CREATED: {OrderState.SUBMITTED, OrderState.REJECTED},
    OrderState.SUBMITTED: {
        OrderState.ACCEPTED,
        OrderState.REJECTED,
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
        OrderState.CANCEL_PENDING,
        OrderState.CANCELLED,
        OrderState.EXPIRED,
    },
    OrderState.ACCEPTED: {
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
        OrderState.CANCEL_PENDING,
        OrderState.CANCELLED,
        OrderState.EXPIRED,
    },
    OrderState.PARTIALLY_FILLED: {
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
        OrderState.CANCEL_PENDING,
        OrderState.CANCELLED,
        OrderState.EXPIRED,
    },
    OrderState.CANCEL_PENDING: {
        OrderState.CANCELLED,
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
        OrderState.EXPIRED,
        OrderState.ACCEPTED,  # the cancel was refused (order unknown to the venue as cancelled)
    },
}
_FROM_VENUE = {
    OrderStatus.PENDING: OrderState.SUBMITTED,
    OrderStatus.OPEN: OrderState.ACCEPTED,
    OrderStatus.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    OrderStatus.FILLED: OrderState.FILLED,
    OrderStatus.CANCELED: OrderState.CANCELLED,
    OrderStatus.REJECTED: OrderState.REJECTED,
    OrderStatus.EXPIRED: OrderState.EXPIRED,
}


@dataclass
class Order:
    """One order: the request plus what the venue has said about it."""

    request: OrderRequest
    state: OrderState = OrderState.CREATED
    venue_order_id: str = ""
    filled_size: int = 0
    filled_notional: int = 0
    """Sum of price x size of the fills, in price units x size units (exact)."""
    fees_micros: int = 0
    reason: str = ""
    created_ns: int = 0
    updated_ns: int = 0
    trade_ids: set[str] = field(default_factory=set)

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def instrument_id(self) -> str:
        return self.request.instrument_id

    @property
    def remaining(self) -> int:
        return self.request.size - self.filled_size

    @property
    def is_open(self) -> bool:
        return self.state.is_open


class OrderManager:
    """Tracks orders by client id; applies venue updates and fills exactly once."""

    def __init__(self, prefix: str = "O") -> None:
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}  # the open ones, in creation order
        self._prefix = prefix
        self._next_id = 0
        self.illegal_transitions = 0
        self.duplicate_fills = 0

    def next_client_id(self, strategy_id: str = "") -> str:
        """A new unique client order id: deterministic within a run."""
        self._next_id += 1
        stem = f"{strategy_id}-" if strategy_id else ""
        return f"{self._prefix}-{stem}{self._next_id}"

    def create(self, request: OrderRequest, ts_ns: int) -> Order:
        if request.client_order_id in self._orders:
            raise DataError(f"duplicate client order id {request.client_order_id!r}")
        order = Order(request, created_ns=ts_ns, updated_ns=ts_ns)
        self._orders[request.client_order_id] = order
        return order

    def get(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        if instrument_id is None:
            return list(self._open.values())
        return [o for o in self._open.values() if o.instrument_id == instrument_id]

    def _set_state(self, order: Order, state: OrderState) -> None:
        order.state = state
        if state.is_open:
            self._open.setdefault(order.client_order_id, order)
        else:
            self._open.pop(order.client_order_id, None)

    def transition(self, order: Order, new_state: OrderState, ts_ns: int) -> None:
        if new_state is order.state and new_state is not OrderState.PARTIALLY_FILLED:
            return
        if new_state not in _ALLOWED.get(order.state, set()):
            self.illegal_transitions += 1
            raise DataError(
                f"order {order.client_order_id}: illegal transition"
                f" {order.state.value} -> {new_state.value}"
            )
        self._set_state(order, new_state)
        order.updated_ns = ts_ns

    def on_update(self, update: OrderUpdate) -> Order:
        order = self._require(update.client_order_id)
        if update.venue_order_id:
            order.venue_order_id = update.venue_order_id
        new_state = _FROM_VENUE[update.status]
        if order.state in _TERMINAL:
            if new_state is order.state:
                return order  # a repeated terminal report
            if order.state is OrderState.FILLED and new_state is OrderState.CANCELLED:
                return order  # cancel raced a fill: the fill wins
        if new_state in (OrderState.PARTIALLY_FILLED, OrderState.FILLED):
            # Fill progress comes from fills; a status ahead of them is taken as it comes.
            if update.filled_size < order.filled_size:
                return order
        if update.reason:
            order.reason = update.reason
        self.transition(order, new_state, update.ts_event_ns)
        return order

    def on_fill(self, fill: FillReport) -> Order | None:
        """Apply a fill once; return the order, or None if this trade id was seen before."""
        order = self._require(fill.client_order_id)
        if fill.trade_id in order.trade_ids:
            self.duplicate_fills += 1
            return None
        order.trade_ids.add(fill.trade_id)
        order.filled_size += fill.size
        order.filled_notional += fill.price * fill.size
        order.fees_micros += fill.fee_micros
        order.updated_ns = fill.ts_event_ns
        if order.filled_size > order.request.size:
            raise DataError(f"order {order.client_order_id}: filled more than its size")
        target = (
            OrderState.FILLED
            if order.filled_size == order.request.size
            else OrderState.PARTIALLY_FILLED
        )
        if order.state in _TERMINAL:
            # A late fill after a cancel or expiry: the fill stands, the state does not revive.
            if target is OrderState.FILLED:
                self._set_state(order, OrderState.FILLED)
            return order
        self.transition(order, target, fill.ts_event_ns)
        return order

    def _require(self, client_order_id: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise DataError(f"unknown client order id {client_order_id!r}")
        return order
