"""What a strategy can see and do. The engine provides it; a strategy cannot tell whether it
runs in a backtest, on paper or live."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Protocol

from pythia.book.base import OrderBook
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.orders import OrderType, TimeInForce
from pythia.orders.manager import Order
from pythia.sim.models.base import FeeModel


class StrategyContext(Protocol):
    """Books, positions, balances, open orders, the clock, and order entry."""

    rng: random.Random
    """A generator seeded by the engine: the only randomness a strategy should use."""

    def now_ns(self) -> int: ...

    def instrument(self, instrument_id: str) -> Instrument | OutcomeGroup: ...

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        """Every instrument and outcome group defined so far."""
        ...

    def book(self, instrument_id: str) -> OrderBook: ...

    def books(self) -> Mapping[str, OrderBook]:
        """Every book by instrument id, live and read-only (a book may be empty)."""
        ...

    def fee_model(self, instrument_id: str) -> FeeModel:
        """The fee model of the instrument's venue (the formula it charges fills with)."""
        ...

    def commission_bps(self, instrument_id: str) -> int:
        """Commission on net market winnings at settlement, in basis points (Betfair)."""
        ...

    def position(self, instrument_id: str) -> int: ...

    def balance(self, currency: str) -> int: ...

    def open_orders(self, instrument_id: str | None = None) -> list[Order]: ...

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
        """Send an order; returns its client order id. The answer comes to ``on_order``."""
        ...

    def cancel(self, client_order_id: str) -> None: ...

    def replace(
        self, client_order_id: str, price: int | None = None, size: int | None = None
    ) -> str:
        """Cancel an order and place a copy with a new price and/or size; returns the new id."""
        ...

    def set_timer(self, name: str, at_ns: int) -> None:
        """Call ``on_timer(name, at_ns)`` at ``at_ns`` (engine time)."""
        ...

    def log(self, message: str, **fields: object) -> None: ...

    def announce(self, kind: str, payload: dict) -> None:
        """Tell the operators' side (API, dashboard, notifications) about ``kind`` (e.g.
        ``opportunity``), JSON-ready ``payload``; not journaled, no effect on the run."""
        ...

    def control_mode(self) -> str:
        """The engine's control mode (``normal``, ``reduce_only``, ``paused``, ``flatten``,
        ``killed``): a PAUSED engine keeps resting orders, so a maker cancels its own."""
        ...
