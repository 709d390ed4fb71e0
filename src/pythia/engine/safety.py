"""The kernel's gate and record: risk checks, control modes and the journal.

Every new order (and every replacement) passes :class:`pythia.risk.rules.RiskEngine` at
strategy time, before the order-entry latency; a rejection goes back to the strategy as a
REJECTED order update with reason ``risk:<code>``. Control modes come from operators
(``pythia control``, signals, later the API), from breakers and from limit guards; entering
FLATTEN cancels every open order and closes positions with marketable orders, KILLED
cancels every open order and stops every strategy.

What the journal gets (``kind``: payload), each written before it takes effect:

- ``run_start``: the run's identity (configuration hash, seed, data, starting balances);
- ``risk_decision``: every order's verdict (accepted or rejected, rule, reason);
- ``order_submitted`` / ``cancel_requested`` / ``replace_requested``: what left;
- ``order_update`` and ``fill``: the venue's answers, at venue time, before booking;
- ``settlement``: a market's resolution; ``strategy_error``: a callback that raised;
- ``control``: an outside input with the market event index it was applied before;
- ``mode_change``: every control-mode transition, who asked and why;
- ``run_end``: final balances and positions.
"""

from __future__ import annotations

from collections.abc import Iterable

from pythia.engine.journaling import CONTROL, EngineJournal
from pythia.engine.riskview import KernelRiskView
from pythia.model.enums import Side
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.orders import CancelRequest, OrderRequest, OrderType, ReplaceRequest, TimeInForce
from pythia.orders.manager import OrderState
from pythia.risk.control import (
    ControlMode,
    ControlSource,
    ControlState,
    ModeChange,
    ModeRequest,
)
from pythia.risk.rules import ControlModeRule, RiskDecision, RiskEngine
from pythia.sim.cash import is_odds

COMMANDS = {
    "pause": ControlMode.PAUSED,
    "resume": ControlMode.NORMAL,
    "reduce": ControlMode.REDUCE_ONLY,
    "flatten": ControlMode.FLATTEN,
    "kill": ControlMode.KILLED,
    "stop": ControlMode.PAUSED,
}
"""``pythia control`` commands and the mode each asks for. ``stop`` (a signal's graceful
shutdown) pauses and cancels every open order; the runner then ends the run."""
CONTROL_STRATEGY = "control"
"""Strategy id of the orders the engine itself sends to flatten positions."""
FLATTEN_TICKS = 5
"""A flattening order's limit: this many ticks through the best opposite price."""


def strategy_switch(command: str) -> tuple[str, bool] | None:
    """``("arb", False)`` for ``disable:arb``, ``("arb", True)`` for ``enable:arb``, else None."""
    verb, sep, strategy_id = command.partition(":")
    if not sep or not strategy_id or verb not in ("enable", "disable"):
        return None
    return strategy_id, verb == "enable"


def request_payload(request: OrderRequest) -> dict:
    return {
        "client_order_id": request.client_order_id,
        "instrument": request.instrument_id,
        "side": request.side.value,
        "size": request.size,
        "price": request.price,
        "type": request.order_type.value,
        "time_in_force": request.time_in_force.value,
        "post_only": request.post_only,
        "reduce_only": request.reduce_only,
        "expire_ts_ns": request.expire_ts_ns,
    }


def fill_payload(fill: FillReport) -> dict:
    return {
        "client_order_id": fill.client_order_id,
        "trade_id": fill.trade_id,
        "venue_order_id": fill.venue_order_id,
        "side": fill.side.value,
        "price": fill.price,
        "size": fill.size,
        "liquidity": fill.liquidity.value,
        "fee": fill.fee_micros,
        "fee_currency": fill.fee_currency,
        "cash": fill.cash_micros,
        "ts_event_ns": fill.ts_event_ns,
    }


def update_payload(update: OrderUpdate) -> dict:
    return {
        "client_order_id": update.client_order_id,
        "venue_order_id": update.venue_order_id,
        "status": update.status.value,
        "filled_size": update.filled_size,
        "reason": update.reason,
    }


def change_payload(change: ModeChange, event_index: int) -> dict:
    return {
        "mode": change.mode.value,
        "previous": change.previous.value,
        "source": change.source.value,
        "reason": change.reason,
        "detail": change.detail,
        "event_index": event_index,
    }


class _ControlOwner:
    """Stands in for a strategy as the owner of the engine's own flattening orders."""

    id = CONTROL_STRATEGY

    def on_order(self, update) -> None:
        pass

    def on_fill(self, fill) -> None:
        pass


class Safety:
    """Risk gate, control state and journal of one kernel."""

    def __init__(
        self,
        kernel,
        risk: RiskEngine | None = None,
        journal: EngineJournal | None = None,
        breakers: Iterable = (),
        guards: Iterable = (),
    ) -> None:
        self.kernel = kernel
        self.risk = risk or RiskEngine([ControlModeRule()])
        self.journal = journal
        self.control = ControlState()
        self.view = KernelRiskView(kernel)
        self._inbox: list[dict] = []
        self.owner = _ControlOwner()
        self.guards = list(guards)
        breakers = list(breakers)
        self._stale = [b for b in breakers if hasattr(b, "on_tick")]
        self._spread = [b for b in breakers if hasattr(b, "on_spread")]
        self._slippage = [b for b in breakers if hasattr(b, "on_fill")]
        self._rejections = [b for b in breakers if hasattr(b, "on_rejection")]
        self._rate_limits = [b for b in breakers if hasattr(b, "on_rate_limit")]
        self._expected: dict[str, tuple[int, int]] = {}
        self._applied: list[int] = []
        self._next_tick_ns = 0
        self.observers: list = []
        """Called as ``observer(kind, payload, ts_ns, strategy, instrument)`` for every
        record, journaled or not (the operations facade, :mod:`pythia.service.ops`)."""

    # ---- journal ---------------------------------------------------------------------------
    def record(self, kind: str, payload: dict, strategy: str = "", instrument: str = "") -> None:
        if self.journal is not None:
            self.journal.record(kind, payload, self.kernel.clock.now_ns(), strategy, instrument)
        for observer in self.observers:
            observer(kind, payload, self.kernel.clock.now_ns(), strategy, instrument)

    def announce(self, kind: str, payload: dict, strategy: str = "") -> None:
        """Hand ``payload`` to the observers only (not journaled): a strategy's news for the
        operators, such as an opportunity it found."""
        for observer in self.observers:
            observer(kind, payload, self.kernel.clock.now_ns(), strategy, "")

    # ---- orders ----------------------------------------------------------------------------
    def check(self, request: OrderRequest, strategy_id: str) -> RiskDecision:
        """The risk verdict on a new order, journaled."""
        self.view.begin(request.client_order_id)
        try:
            decision = self.risk.check(request, self.view, self.control.mode)
        finally:
            self.view.checking = ""
        if decision.accepted and self._slippage:
            self._remember_expected(request)
        self.record(
            "risk_decision",
            {
                "client_order_id": request.client_order_id,
                "accepted": decision.accepted,
                "rule": decision.rule,
                "reason": decision.reason,
                "detail": decision.detail,
                "mode": self.control.mode.value,
            },
            strategy_id,
            request.instrument_id,
        )
        return decision

    def sent(self, request, strategy_id: str) -> None:
        if isinstance(request, OrderRequest):
            self.record(
                "order_submitted", request_payload(request), strategy_id, request.instrument_id
            )
        elif isinstance(request, CancelRequest):
            payload = {"client_order_id": request.client_order_id}
            self.record("cancel_requested", payload, strategy_id, request.instrument_id)
        elif isinstance(request, ReplaceRequest):
            payload = {
                "client_order_id": request.client_order_id,
                "replacement": request_payload(request.replacement),
            }
            self.record(
                "replace_requested", payload, strategy_id, request.replacement.instrument_id
            )

    def venue_response(self, response) -> None:
        if response.__class__ is FillReport:
            self.record("fill", fill_payload(response), "", response.instrument_id)
        else:
            self.record("order_update", update_payload(response), "", response.instrument_id)

    # ---- breakers and guards ---------------------------------------------------------------
    def _trip(self, request: ModeRequest | None) -> None:
        if request is not None:
            self.set_mode(request)

    def on_book(self, instrument_id: str, book, ts_ns: int) -> None:
        """A strategy-side book changed: feed the stale-feed and spread breakers."""
        for breaker in self._stale:
            breaker.on_update(instrument_id, ts_ns)
        if self._spread:
            bid, ask = book.best_bid_price, book.best_ask_price
            instrument = self.kernel._instrument(instrument_id)
            if bid is not None and ask is not None and instrument is not None:
                for breaker in self._spread:
                    self._trip(breaker.on_spread(instrument, ask - bid, ts_ns))

    def on_time(self, now_ns: int) -> None:
        """Check the stale-feed breakers, at most once a second of engine time."""
        if self._stale and now_ns >= self._next_tick_ns:
            self._next_tick_ns = now_ns + 1_000_000_000
            for breaker in self._stale:
                self._trip(breaker.on_tick(now_ns))

    def on_rejection(self, reason: str) -> None:
        now = self.kernel.clock.now_ns()
        for breaker in self._rejections:
            self._trip(breaker.on_rejection(now, reason))
        if "rate_limit" in reason:
            for breaker in self._rate_limits:
                self._trip(breaker.on_rate_limit("", now))

    def on_error(self, reason: str) -> None:
        now = self.kernel.clock.now_ns()
        for breaker in self._rejections:
            self._trip(breaker.on_error(now, reason))

    def _remember_expected(self, request: OrderRequest) -> None:
        """The mid and half spread when the order left: what its fills are measured against."""
        book = self.kernel.books.get(request.instrument_id)
        if book is None or book.best_bid_price is None or book.best_ask_price is None:
            return
        bid, ask = book.best_bid_price, book.best_ask_price
        self._expected[request.client_order_id] = ((bid + ask) // 2, (ask - bid) // 2)

    def on_fill(self, fill: FillReport) -> None:
        expected = self._expected.get(fill.client_order_id)
        instrument = self.kernel._instrument(fill.instrument_id)
        if expected is None or instrument is None:
            return
        price, slippage = expected
        for breaker in self._slippage:
            self._trip(
                breaker.on_fill(instrument, fill.side, price, fill.price, slippage, fill.ts_recv_ns)
            )

    def on_equity(self, equity_micros: dict[str, int], ts_ns: int) -> None:
        """Feed the drawdown and daily-loss guards (equity by currency)."""
        flat = not self.kernel.view.positions()
        for guard in self.guards:
            equity = equity_micros.get(guard.currency)
            if equity is None:
                continue
            if hasattr(guard, "is_hard_tripped"):
                self._trip(guard.on_equity(equity, ts_ns, flat))
            else:
                self._trip(guard.on_equity(equity, ts_ns))

    # ---- control ---------------------------------------------------------------------------
    def request(
        self, command: str, source: ControlSource, reason: str = "", request_id: int | None = None
    ) -> None:
        """Ask for a control command (``pause``, ``resume``, ``reduce``, ``flatten``,
        ``kill``, ``stop``); applied before the next market event, journaled with its index
        (and the ``control_requests`` id it came from, if any)."""
        if command not in COMMANDS and strategy_switch(command) is None:
            raise ValueError(f"unknown control command {command!r}: use {', '.join(COMMANDS)}")
        self._inbox.append(
            {"command": command, "source": source.value, "reason": reason, "request_id": request_id}
        )

    def applied_request_ids(self) -> list[int]:
        """Ids of ``control_requests`` applied since the last call."""
        applied, self._applied = self._applied, []
        return applied

    def before_event(self, event_index: int) -> None:
        """Apply the control inputs due before market event ``event_index``: those a
        replayed journal applied there, then new ones."""
        if self.journal is None and not self._inbox:
            return  # nothing can be due (the usual case: checked once per market event)
        due = []
        if self.journal is not None:
            self.journal.caught_up()
        if self.journal is not None and self.journal.replaying:
            due = self.journal.controls_at(event_index)
        replayed = len(due)
        if not (self.journal is not None and self.journal.replaying):
            due += [{**item, "event_index": event_index} for item in self._inbox]
            self._inbox.clear()
        for position, item in enumerate(due):
            self.record(CONTROL, item)
            if item.get("request_id") is not None and position >= replayed:
                self._applied.append(item["request_id"])  # a replayed one was marked before
            source = ControlSource(item["source"])
            command = item["command"]
            switch = strategy_switch(command)
            if switch is not None:
                self.switch_strategy(*switch)
                continue
            mode = COMMANDS[command]
            reason = item["reason"] or command
            if self.control.mode is ControlMode.KILLED and mode is not ControlMode.KILLED:
                # a kill is final for this run: restart the process to trade again
                detail = f"{command} refused: the engine was killed ({self.control.reason})"
                self.record("control_refused", {"command": command, "detail": detail})
            else:
                self.set_mode(ModeRequest(mode, source, reason), event_index)
            if command == "stop":
                self.cancel_all()

    def switch_strategy(self, strategy_id: str, enabled: bool) -> None:
        """Enable or disable one strategy (an operator's ``enable:<id>`` / ``disable:<id>``).

        A disabled strategy gets no callbacks and its open orders are cancelled; a killed
        engine enables nothing."""
        kernel = self.kernel
        known = {strategy.id for strategy in kernel.strategies}
        command = f"{'enable' if enabled else 'disable'}:{strategy_id}"
        if strategy_id not in known:
            detail = f"{command} refused: no strategy {strategy_id!r}"
            self.record("control_refused", {"command": command, "detail": detail})
            return
        if enabled and self.control.mode is ControlMode.KILLED:
            detail = f"{command} refused: the engine was killed ({self.control.reason})"
            self.record("control_refused", {"command": command, "detail": detail})
            return
        if enabled == (strategy_id not in kernel.disabled):
            return
        self.record("strategy_switch", {"strategy": strategy_id, "enabled": enabled}, strategy_id)
        if enabled:
            kernel.disabled.discard(strategy_id)
            return
        kernel.disabled.add(strategy_id)
        self.cancel_all(strategy_id)

    def set_mode(self, request: ModeRequest, event_index: int | None = None) -> ModeChange | None:
        """Apply a mode request (an operator's, a breaker's, a guard's); act on the change."""
        kernel = self.kernel
        change = self.control.apply(request, kernel.clock.now_ns())
        if change is None:
            return None
        index = kernel.event_index if event_index is None else event_index
        self.record("mode_change", change_payload(change, index))
        if change.mode.cancels_resting:
            self.cancel_all()
        if change.mode is ControlMode.FLATTEN:
            self.flatten()
        if change.mode is ControlMode.KILLED:
            kernel.disabled.update(strategy.id for strategy in kernel.strategies)
        return change

    def cancel_all(self, strategy_id: str | None = None) -> None:
        """Cancel every open order (only ``strategy_id``'s when given)."""
        kernel = self.kernel
        for order in kernel.orders.open_orders():
            if order.state is OrderState.CANCEL_PENDING:
                continue
            if strategy_id is not None and order.request.strategy_id != strategy_id:
                continue
            owner = kernel._owner.get(order.client_order_id, self.owner)
            kernel.orders.transition(order, OrderState.CANCEL_PENDING, kernel.clock.now_ns())
            kernel.send(CancelRequest(order.client_order_id, order.instrument_id, owner.id), owner)

    def flatten(self) -> None:
        """Close every position with a marketable IOC order within the risk rules."""
        kernel = self.kernel
        for instrument_id, position in sorted(kernel.view.positions().items()):
            instrument = kernel._instrument(instrument_id)
            book = kernel.books.get(instrument_id)
            if instrument is None or book is None or position == 0:
                continue
            side = Side.SELL if position > 0 else Side.BUY
            odds = is_odds(instrument)
            takes_asks = (side is Side.BUY) != odds
            best = book.best_ask_price if takes_asks else book.best_bid_price
            if best is None:
                continue
            price = best
            for _ in range(FLATTEN_TICKS):
                up = takes_asks
                price = instrument.ticks.round_price(price + (1 if up else -1), up)
            size = abs(position)
            if odds:  # positions are payout units: the stake that closes them at ``price``
                size = size // price
            if size < instrument.min_size:
                continue
            request = OrderRequest(
                client_order_id=kernel.orders.next_client_id(CONTROL_STRATEGY),
                instrument_id=instrument_id,
                side=side,
                size=size,
                price=price,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.IOC,
                strategy_id=CONTROL_STRATEGY,
            )
            order = kernel.orders.create(request, kernel.clock.now_ns())
            kernel.orders.transition(order, OrderState.SUBMITTED, kernel.clock.now_ns())
            kernel.send(request, self.owner)

    def rejection(self, request: OrderRequest, decision: RiskDecision) -> OrderUpdate:
        """The REJECTED update a strategy gets for an order the risk engine refused."""
        now = self.kernel.clock.now_ns()
        return OrderUpdate(
            request.instrument_id,
            "",
            request.side,
            request.price or 0,
            request.size,
            0,
            OrderStatus.REJECTED,
            now,
            now,
            client_order_id=request.client_order_id,
            reason=f"risk:{decision.reason}",
        )
