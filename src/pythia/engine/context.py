"""The StrategyContext the kernel gives each strategy."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pythia.book.base import OrderBook
from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.orders import (
    CancelRequest,
    OrderRequest,
    OrderType,
    ReplaceRequest,
    TimeInForce,
)
from pythia.orders.manager import Order, OrderState
from pythia.sim.models.base import FeeModel
from pythia.strategy.base import Strategy


class EngineContext:
    """Implements ``pythia.strategy.StrategyContext`` on top of a :class:`Kernel`."""

    def __init__(self, kernel, strategy: Strategy) -> None:
        self._kernel = kernel
        self._strategy = strategy
        self.rng = kernel.rng
        self.logs: list[dict] = []

    def now_ns(self) -> int:
        return self._kernel.clock.now_ns()

    def instrument(self, instrument_id: str) -> Instrument | OutcomeGroup:
        found = self._kernel.instruments.get(instrument_id)
        if found is None:
            raise DataError(f"unknown instrument {instrument_id!r}")
        return found

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        return list(self._kernel.instruments.values())

    def book(self, instrument_id: str) -> OrderBook:
        book = self._kernel.books.get(instrument_id)
        if book is None:
            raise DataError(f"no book for {instrument_id!r}")
        return book

    def books(self) -> Mapping[str, OrderBook]:
        return MappingProxyType(self._kernel.books)

    def fee_model(self, instrument_id: str) -> FeeModel:
        model = self._kernel.slot_for(instrument_id).fee_model
        if model is None:
            raise DataError(f"the venue of {instrument_id!r} has no fee model")
        return model

    def commission_bps(self, instrument_id: str) -> int:
        return self._kernel.slot_for(instrument_id).commission_bps

    def position(self, instrument_id: str) -> int:
        return self._kernel.view.position(instrument_id)

    def balance(self, currency: str) -> int:
        return self._kernel.view.cash(currency)

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        return [
            o
            for o in self._kernel.orders.open_orders(instrument_id)
            if o.request.strategy_id == self._strategy.id
        ]

    def submit(
        self,
        instrument_id: str,
        side: Side,
        size: int,
        price: int | None = None,
        order_type: OrderType = OrderType.LIMIT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        expire_ts_ns: int = 0,
    ) -> str:
        kernel = self._kernel
        request = OrderRequest(
            client_order_id=kernel.orders.next_client_id(self._strategy.id),
            instrument_id=instrument_id,
            side=side,
            size=size,
            price=price,
            order_type=order_type,
            time_in_force=time_in_force,
            post_only=post_only,
            reduce_only=reduce_only,
            expire_ts_ns=expire_ts_ns,
            strategy_id=self._strategy.id,
        )
        order = kernel.orders.create(request, self.now_ns())
        kernel.orders.transition(order, OrderState.SUBMITTED, self.now_ns())
        kernel.send(request, self._strategy)
        return request.client_order_id

    def cancel(self, client_order_id: str) -> None:
        kernel = self._kernel
        order = kernel.orders.get(client_order_id)
        if order is None or not order.is_open or order.state is OrderState.CANCEL_PENDING:
            return
        kernel.orders.transition(order, OrderState.CANCEL_PENDING, self.now_ns())
        kernel.send(
            CancelRequest(client_order_id, order.instrument_id, self._strategy.id), self._strategy
        )

    def replace(
        self, client_order_id: str, price: int | None = None, size: int | None = None
    ) -> str:
        kernel = self._kernel
        order = kernel.orders.get(client_order_id)
        if order is None or not order.is_open:
            raise DataError(f"cannot replace {client_order_id!r}: not an open order")
        old = order.request
        replacement = OrderRequest(
            client_order_id=kernel.orders.next_client_id(self._strategy.id),
            instrument_id=old.instrument_id,
            side=old.side,
            size=old.size - order.filled_size if size is None else size,
            price=old.price if price is None else price,
            order_type=old.order_type,
            time_in_force=old.time_in_force,
            post_only=old.post_only,
            reduce_only=old.reduce_only,
            expire_ts_ns=old.expire_ts_ns,
            strategy_id=self._strategy.id,
        )
        new_order = kernel.orders.create(replacement, self.now_ns())
        kernel.orders.transition(new_order, OrderState.SUBMITTED, self.now_ns())
        kernel.orders.transition(order, OrderState.CANCEL_PENDING, self.now_ns())
        kernel.send(ReplaceRequest(client_order_id, replacement), self._strategy)
        return replacement.client_order_id

    def set_timer(self, name: str, at_ns: int) -> None:
        self._kernel.timer(self._strategy, name, at_ns)

    def log(self, message: str, **fields: object) -> None:
        self.logs.append({"ts_ns": self.now_ns(), "message": message, **fields})

    def announce(self, kind: str, payload: dict) -> None:
        self._kernel.safety.announce(kind, payload, self._strategy.id)

    def control_mode(self) -> str:
        return self._kernel.safety.control.mode.value
