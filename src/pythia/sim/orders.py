"""The simulated venue's orders: live state, read-only views, reservations and reports.

Every accepted order becomes a :class:`SimOrder` (mutable, private to the simulator) with a
deterministic venue id ``sim-<n>``; :class:`OpenOrder` is the frozen view callers get.
:class:`OrderBookkeeping` holds the open orders (by client id and by instrument, in arrival
order), the client ids already seen, the last update of every closed order, the GTD expiry
heap and the reservations of open orders: cash per currency for buys (and Betfair backs and
lays), size per instrument for sells that must be covered by a position.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from msgspec.structs import replace as replace_struct

from pythia.model.enums import BookSide, Side
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.orders import OrderRequest, RejectReason, TimeInForce


@dataclass(slots=True, eq=False)
class SimOrder:
    """An accepted order as the simulator tracks it."""

    sequence: int
    venue_order_id: str
    request: OrderRequest
    rest_side: BookSide
    price: int
    """The limit price (0 for a market order without one)."""
    currency: str
    ts_accepted_ns: int
    filled: int = 0
    ahead: int = 0
    """Displayed size in front of us at our price (resting orders)."""
    cut_by_trades: int = 0
    """How much trades reduced ``ahead`` since our level was last set by a market update."""
    reserved_cash: int = 0
    reserved_size: int = 0
    status: OrderStatus = OrderStatus.OPEN

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def instrument_id(self) -> str:
        return self.request.instrument_id

    @property
    def side(self) -> Side:
        return self.request.side

    @property
    def size(self) -> int:
        return self.request.size

    @property
    def remaining(self) -> int:
        return self.request.size - self.filled

    def priority(self) -> tuple[int, int]:
        """Sort key: better price first, then arrival."""
        return (-self.price if self.rest_side is BookSide.BID else self.price, self.sequence)


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """A read-only view of one open order on the simulated venue."""

    client_order_id: str
    venue_order_id: str
    instrument_id: str
    side: Side
    price: int
    original_size: int
    filled_size: int
    status: OrderStatus
    time_in_force: TimeInForce
    expire_ts_ns: int
    queue_ahead: int
    ts_accepted_ns: int
    post_only: bool = False
    reduce_only: bool = False
    strategy_id: str = ""

    @property
    def remaining_size(self) -> int:
        return self.original_size - self.filled_size


def view_of(order: SimOrder) -> OpenOrder:
    request = order.request
    return OpenOrder(
        client_order_id=request.client_order_id,
        venue_order_id=order.venue_order_id,
        instrument_id=request.instrument_id,
        side=request.side,
        price=order.price,
        original_size=request.size,
        filled_size=order.filled,
        status=order.status,
        time_in_force=request.time_in_force,
        expire_ts_ns=request.expire_ts_ns,
        queue_ahead=order.ahead,
        ts_accepted_ns=order.ts_accepted_ns,
        post_only=request.post_only,
        reduce_only=request.reduce_only,
        strategy_id=request.strategy_id,
    )


def update_of(order: SimOrder, status: OrderStatus, ts_ns: int, reason: str = "") -> OrderUpdate:
    """The venue's update of ``order`` at ``ts_ns``."""
    return OrderUpdate(
        instrument_id=order.instrument_id,
        venue_order_id=order.venue_order_id,
        side=order.side,
        price=order.price,
        original_size=order.size,
        filled_size=order.filled,
        status=status,
        ts_event_ns=ts_ns,
        ts_recv_ns=ts_ns,
        client_order_id=order.client_order_id,
        reason=reason,
    )


def rejection(request: OrderRequest, reason: str, ts_ns: int) -> OrderUpdate:
    """A REJECTED update for a request that never became an order (no venue id)."""
    size = request.size if request.size.__class__ is int else 0
    price = request.price if request.price.__class__ is int else 0
    return OrderUpdate(
        instrument_id=request.instrument_id,
        venue_order_id="",
        side=request.side,
        price=price,
        original_size=size,
        filled_size=0,
        status=OrderStatus.REJECTED,
        ts_event_ns=ts_ns,
        ts_recv_ns=ts_ns,
        client_order_id=request.client_order_id,
        reason=reason,
    )


class OrderBookkeeping:
    """Open orders, seen client ids, closed orders' last updates, expiries, reservations."""

    def __init__(self) -> None:
        self.open: dict[str, SimOrder] = {}
        self.by_instrument: dict[str, dict[str, SimOrder]] = {}
        self.seen_client_ids: set[str] = set()
        self.closed: dict[str, OrderUpdate] = {}
        self.reserved_cash: dict[str, int] = {}
        self.reserved_size: dict[str, int] = {}
        self._expiries: list[tuple[int, int, str]] = []
        self._orders = 0
        self._trades = 0

    def next_venue_order_id(self) -> tuple[int, str]:
        self._orders += 1
        return self._orders, f"sim-{self._orders}"

    def next_trade_id(self) -> str:
        self._trades += 1
        return f"sim-t{self._trades}"

    def rest(self, order: SimOrder) -> None:
        """Register an order that stays on the book."""
        self.open[order.client_order_id] = order
        self.by_instrument.setdefault(order.instrument_id, {})[order.client_order_id] = order
        if order.request.time_in_force is TimeInForce.GTD:
            expiry = (order.request.expire_ts_ns, order.sequence, order.client_order_id)
            heapq.heappush(self._expiries, expiry)

    def close(self, order: SimOrder, update: OrderUpdate) -> None:
        """Forget an open order (filled, cancelled or expired), releasing its reservations."""
        order.status = update.status
        self.reserve(order, 0, 0)
        if self.open.pop(order.client_order_id, None) is not None:
            orders = self.by_instrument[order.instrument_id]
            del orders[order.client_order_id]
            if not orders:
                del self.by_instrument[order.instrument_id]
        self.closed[order.client_order_id] = update

    def reserve(self, order: SimOrder, cash: int, size: int) -> None:
        """Set what ``order`` holds back: ``cash`` micros of its currency, ``size`` units of
        its instrument."""
        if cash != order.reserved_cash:
            total = self.reserved_cash.get(order.currency, 0) + cash - order.reserved_cash
            self.reserved_cash[order.currency] = total
            order.reserved_cash = cash
        if size != order.reserved_size:
            total = self.reserved_size.get(order.instrument_id, 0) + size - order.reserved_size
            self.reserved_size[order.instrument_id] = total
            order.reserved_size = size

    def due(self, ts_ns: int) -> list[SimOrder]:
        """Open GTD orders whose expiry is at or before ``ts_ns``, in expiry order."""
        result: list[SimOrder] = []
        while self._expiries and self._expiries[0][0] <= ts_ns:
            _, _, client_order_id = heapq.heappop(self._expiries)
            order = self.open.get(client_order_id)
            if order is not None:
                result.append(order)
        return result

    def is_due(self, ts_ns: int) -> bool:
        """True when a GTD order expires at or before ``ts_ns``."""
        return bool(self._expiries) and self._expiries[0][0] <= ts_ns

    def on_instrument(self, instrument_id: str) -> list[SimOrder]:
        """Open orders of one instrument, in arrival order."""
        return list(self.by_instrument.get(instrument_id, {}).values())


def unknown_order(
    client_order_id: str, instrument_id: str, last: OrderUpdate | None, ts_ns: int
) -> OrderUpdate:
    """Answer a cancel of an order that is not open: its last state if it existed, else a
    REJECTED update with no venue id; reason ``unknown_order`` either way."""
    reason = RejectReason.UNKNOWN_ORDER.value
    if last is not None:
        return replace_struct(last, ts_event_ns=ts_ns, ts_recv_ns=ts_ns, reason=reason)
    return OrderUpdate(
        instrument_id=instrument_id,
        venue_order_id="",
        side=Side.BUY,
        price=0,
        original_size=0,
        filled_size=0,
        status=OrderStatus.REJECTED,
        ts_event_ns=ts_ns,
        ts_recv_ns=ts_ns,
        client_order_id=client_order_id,
        reason=reason,
    )
