"""The arbitrage strategy: trade the riskless baskets the scanner finds, with a legging policy.

Registered as ``arbitrage``. It watches every outcome group of the run (and the cross-venue
``pairs`` it is given) with a :class:`~.watch.GroupWatch`, so a book update re-evaluates
only the groups and pairs reading that book, exactly as ``pythia scan`` does.

**Policy** (times are engine time; parameters in brackets):

1. *Enter.* When an opportunity of an allowed kind [``kinds``] pays at least
   [``min_profit``] within [``max_capital``] and the account holds its capital, every leg is
   sent at once as a limit order at the leg's price limit and size, IOC (Polymarket FAK;
   [``entry_tif`` = ``"fok"``] for all-or-none legs). One execution per group at a time; a
   group is not re-entered on the very opportunity it just traded (the recorded book does not
   know our fills), nor within [``cooldown_ms``] of its last execution ending.
2. *Complete.* When the entry orders are done and some legs are short, the strategy keeps
   buying each leg's missing size for [``complete_ms``]: whenever that leg's book changes, an
   IOC order for the missing size at up to [``complete_ticks``] ticks worse than the planned
   limit, if the book shows a price within it. A missing piece below the venue's minimum
   size is bought at the minimum.
3. *Unwind.* If the basket is still incomplete at the deadline, open orders are cancelled
   and each leg's excess over the matched fraction (:mod:`.execution`) is closed: tokens
   sold back, a back laid off, a lay backed, IOC at up to [``unwind_ticks``] ticks through
   the best price, retried on book changes for [``unwind_ms``]. What is left then (or is
   below the venue's minimum size) is reported as residual exposure.
4. *Report.* Each execution's expected profit (the opportunity's), its realised profit in
   the worst outcome given the actual fills (:mod:`.outcomes`), the legging cost (expected
   minus realised), and the settled profit once every market it traded resolved.

Short baskets (``binary_short``, ``group_yes_short``) need a split of collateral into
outcome tokens before selling, which the execution port does not offer yet: they are
counted under ``skipped`` and not traded.
"""

from __future__ import annotations

from pythia.book.base import OrderBook
from pythia.core.clock import NS_PER_MS
from pythia.core.errors import ConfigError, DataError
from pythia.core.fixed import MONEY_DECIMALS, format_units, parse_units
from pythia.model.enums import MarketState, Side
from pythia.model.events import MarketStatus, Resolution
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.orders import TimeInForce
from pythia.orders.multileg import ExecutionStatus, LegPlan, LegState, Phase, Role
from pythia.portfolio.valuation import commission_micros
from pythia.sim.cash import is_odds
from pythia.strategy.arbitrage.combinatorial import CombinatorialWatch, load_dependencies
from pythia.strategy.arbitrage.execution import BasketExecution
from pythia.strategy.arbitrage.levels import default_lot
from pythia.strategy.arbitrage.model import Opportunity, OpportunityKind
from pythia.strategy.arbitrage.outcomes import (
    fill_value_micros,
    group_outcomes,
    outcome_pnl_micros,
    pair_outcomes,
    worst_case_micros,
)
from pythia.strategy.arbitrage.watch import GroupWatch
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register

SHORT_KINDS = frozenset({OpportunityKind.BINARY_SHORT, OpportunityKind.GROUP_YES_SHORT})
LONG_KINDS = tuple(kind for kind in OpportunityKind if kind not in SHORT_KINDS)
COMBO_TIMER = "arbitrage:combinatorial"
_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)
_TIFS = {"ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}
TIMER_PREFIX = "arb:"
TAKER = Liquidity.TAKER


def step_ticks(instrument: Instrument, price: int, ticks: int, up: bool) -> int:
    """``price`` moved ``ticks`` valid prices up or down, within the instrument's bounds."""
    scheme = instrument.ticks
    for _ in range(ticks):
        price = scheme.round_price(price + 1, True) if up else scheme.round_price(price - 1, False)
    return price


def worse_is_up(instrument: Instrument, side: Side) -> bool:
    """True when a higher price is worse for ``side`` (a buyer; in odds, a layer)."""
    return (side is Side.BUY) != is_odds(instrument)


def best_for(instrument: Instrument, book: OrderBook, side: Side) -> int | None:
    """The best price an order of ``side`` can take now (None if that side is empty)."""
    takes_asks = worse_is_up(instrument, side)
    return book.best_ask_price if takes_asks else book.best_bid_price


@register
class ArbitrageStrategy(Strategy):
    name = "arbitrage"

    # ---- setup ---------------------------------------------------------------------------
    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        params = self.params
        self.min_profit = self._money("min_profit", "0.01")
        max_capital = params.get("max_capital")
        self.max_capital = None if max_capital is None else self._money("max_capital", "0")
        tif = str(params.get("entry_tif", "ioc")).lower()
        if tif not in _TIFS:
            raise ConfigError(f"arbitrage.entry_tif: use 'ioc' or 'fok', not {tif!r}")
        self.entry_tif = _TIFS[tif]
        self.complete_ns = int(params.get("complete_ms", 500)) * NS_PER_MS
        self.unwind_ns = int(params.get("unwind_ms", 2000)) * NS_PER_MS
        self.cooldown_ns = int(params.get("cooldown_ms", 1000)) * NS_PER_MS
        self.complete_ticks = int(params.get("complete_ticks", 1))
        self.unwind_ticks = int(params.get("unwind_ticks", 3))
        self.max_executions = int(params.get("max_executions", 0))
        self.trade_in_play = bool(params.get("trade_in_play", False))
        kinds = params.get("kinds", [kind.value for kind in LONG_KINDS])
        try:
            self.kinds = {OpportunityKind(kind) for kind in kinds}
        except ValueError as error:
            raise ConfigError(f"arbitrage.kinds: {error}") from None
        pairs = [tuple(pair) for pair in params.get("pairs", [])]
        if any(len(pair) != 3 for pair in pairs):
            raise ConfigError("arbitrage.pairs: each pair is [id, yes_instrument, no_instrument]")
        self.watch = GroupWatch(
            lambda instrument: ctx.fee_model(instrument.id),
            ctx.books(),
            lambda group: ctx.commission_bps(group.instrument_ids[0]),
            pairs=pairs,
            max_capital_micros=self.max_capital,
            min_profit_micros=self.min_profit,
        )
        for definition in ctx.instruments():
            self.watch.define(definition)
        self.combo = self._combinatorial(params)
        self.combo_every_ns = int(params.get("combinatorial_every_ms", 250)) * NS_PER_MS
        self.combo_next_ns = 0
        self.combo_dirty = False
        self.executions: list[BasketExecution] = []
        self.active: dict[str, BasketExecution] = {}
        self.by_order: dict[str, BasketExecution] = {}
        self.last_traded: dict[str, tuple] = {}
        self.cooldown_until: dict[str, int] = {}
        self.skipped: dict[str, int] = {}
        self.seen = 0
        self.current: dict[str, tuple[int, Opportunity]] = {}
        """The opportunity each group shows now (with when it was found)."""
        self.book_changed_ns: dict[str, int] = {}
        self.winners: set[str] = set()
        self.resolved: set[str] = set()
        self.void: set[str] = set()

    def _money(self, key: str, default: str) -> int:
        text = str(self.params.get(key, default))
        try:
            value = parse_units(text, MONEY_DECIMALS)
        except DataError as error:
            raise ConfigError(f"arbitrage.{key}: {error}") from None
        if value < 0:
            raise ConfigError(f"arbitrage.{key}: must not be negative, got {text}")
        return value

    def on_instrument(self, definition: Instrument | OutcomeGroup) -> None:
        self.watch.define(definition)
        if self.combo is not None:
            self.combo_reads = self.combo.reads(self.watch.instruments)

    def _combinatorial(self, params) -> CombinatorialWatch | None:
        """The dependency basket of ``params["dependencies"]`` (a TOML/JSON file, or the
        document inline), traded as kind ``combinatorial``; None when not configured."""
        source = params.get("dependencies")
        if source is None:
            return None
        combo = CombinatorialWatch(
            load_dependencies(source),
            lambda instrument: self.ctx.fee_model(instrument.id),
            name=str(params.get("dependencies_name", "combinatorial")),
            min_profit_micros=self.min_profit,
        )
        self.combo_reads = combo.reads(self.watch.instruments)
        return combo

    def _evaluate_combinatorial(self) -> None:
        now = self.ctx.now_ns()
        if not self.combo.ready(self.watch.instruments, self.ctx.books()):
            return
        if now < self.combo_next_ns:
            self.ctx.set_timer(COMBO_TIMER, self.combo_next_ns)
            return
        self.combo_dirty = False
        self.combo_next_ns = now + self.combo_every_ns
        opportunity = self.combo.evaluate(
            self.watch.instruments, self.ctx.books(), self._combo_budget()
        )
        self.current.pop(self.combo.group, None)
        if opportunity is not None:
            self.seen += 1
            self.current[opportunity.group] = (now, opportunity)
            self.ctx.announce("opportunity", self._row(opportunity.group))
            self._consider(opportunity)

    def _combo_budget(self) -> int | None:
        """Capital for a combinatorial basket: ``max_capital`` and what the account holds."""
        token = self.watch.instruments.get(self.combo.ids[0])
        if not isinstance(token, Instrument):
            return self.max_capital
        balance = self.ctx.balance(token.quote_currency)
        return balance if self.max_capital is None else min(balance, self.max_capital)

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    # ---- market data ---------------------------------------------------------------------
    def on_status(self, status: MarketStatus) -> None:
        if status.instrument_id:
            return
        halted = status.state is not MarketState.OPEN or (status.in_play and not self.trade_in_play)
        groups = self.watch.market_groups(status.market_id)
        after = self.watch.set_halted(groups, halted)
        now = self.ctx.now_ns()
        for group in groups:
            self.current.pop(group, None)
        for found in after.values():
            for opportunity in found:
                self.current[opportunity.group] = (now, opportunity)

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        self.book_changed_ns[instrument_id] = self.ctx.now_ns()
        for execution in list(self.active.values()):
            if execution.phase in (Phase.COMPLETING, Phase.UNWINDING):
                changed = False
                for leg in execution.legs:
                    if leg.leg.instrument_id == instrument_id:
                        leg.waiting = False
                        changed = True
                if changed and not execution.busy:
                    self._work(execution)
        for group in self.watch.readers(instrument_id):
            self.current.pop(group, None)
        for opportunity in self.watch.on_book(instrument_id):
            self.seen += 1
            self.current[opportunity.group] = (self.ctx.now_ns(), opportunity)
            self.ctx.announce("opportunity", self._row(opportunity.group))
            self._consider(opportunity)
        if self.combo is not None and instrument_id in self.combo_reads:
            self.combo_dirty = True
            self._evaluate_combinatorial()

    def opportunities(self) -> list[dict]:
        return [self._row(group) for group in sorted(getattr(self, "current", {}))]

    def _row(self, group: str) -> dict:
        seen_ns, opportunity = self.current[group]
        return {
            "group": group,
            "kind": opportunity.kind.value,
            "profit": format_units(opportunity.profit_micros, MONEY_DECIMALS),
            "currency": opportunity.currency,
            "legs": len(opportunity.legs),
            "size": format_units(opportunity.size, opportunity.size_decimals),
            "cost": format_units(opportunity.cost_micros, MONEY_DECIMALS),
            "seen_ns": seen_ns,
            "trading": group in self.active,
        }

    def _consider(self, opportunity: Opportunity) -> None:
        key = opportunity.group
        if opportunity.kind in SHORT_KINDS:
            return self._skip("needs_split")
        if opportunity.kind not in self.kinds:
            return self._skip("kind_not_traded")
        if key in self.active:
            return self._skip("group_busy")
        now = self.ctx.now_ns()
        if now < self.cooldown_until.get(key, 0):
            return self._skip("cooldown")
        signature = tuple(
            (leg.instrument_id, leg.price_limit, leg.size) for leg in opportunity.legs
        )
        if self.last_traded.get(key) == signature:
            return self._skip("already_traded")
        if self.max_executions and len(self.executions) >= self.max_executions:
            return self._skip("max_executions")
        if self.ctx.balance(opportunity.currency) < opportunity.capital_micros:
            return self._skip("insufficient_balance")
        if opportunity.kind is OpportunityKind.COMBINATORIAL and (
            self.combo.basket_outcomes(self.watch.instruments) is None
        ):
            return self._skip("too_many_outcomes")
        self._enter(opportunity, signature)

    # ---- entering ------------------------------------------------------------------------
    def _enter(self, opportunity: Opportunity, signature: tuple) -> None:
        ctx = self.ctx
        instruments = self.watch.instruments
        legs = []
        for leg in opportunity.legs:
            instrument = instruments[leg.instrument_id]
            plan = LegPlan(leg.instrument_id, leg.side, leg.price_limit, leg.size)
            legs.append(LegState(plan, instrument, default_lot(instrument)))
        group = self.watch.groups.get(opportunity.group)
        if opportunity.kind is OpportunityKind.COMBINATORIAL:
            outcomes = self.combo.basket_outcomes(instruments)
            commission = 0
        elif group is not None:
            outcomes = group_outcomes(group, instruments)
            commission = ctx.commission_bps(group.instrument_ids[0])
        else:
            first, second = opportunity.legs[0].instrument_id, opportunity.legs[1].instrument_id
            outcomes = pair_outcomes(first, second, instruments)
            commission = 0
        execution = BasketExecution(
            id=f"{len(self.executions) + 1}",
            opportunity=opportunity,
            legs=legs,
            outcomes=outcomes,
            commission_bps=commission,
            started_ns=ctx.now_ns(),
        )
        self.executions.append(execution)
        self.active[opportunity.group] = execution
        self.last_traded[opportunity.group] = signature
        for index, leg in enumerate(legs):
            self._send(execution, index, leg.leg.side, leg.target, leg.leg.price_limit, Role.ENTRY)
        ctx.log(
            "arbitrage entry",
            execution=execution.id,
            kind=opportunity.kind.value,
            group=opportunity.group,
            expected_profit=format_units(opportunity.profit_micros, MONEY_DECIMALS),
        )

    def _send(
        self, execution: BasketExecution, index: int, side: Side, size: int, price: int, role
    ) -> None:
        leg = execution.legs[index]
        tif = self.entry_tif if role is Role.ENTRY else TimeInForce.IOC
        client_id = self.ctx.submit(leg.leg.instrument_id, side, size, price, time_in_force=tif)
        execution.add_order(client_id, index, role)
        leg.sent_ns = self.ctx.now_ns()
        self.by_order[client_id] = execution

    # ---- answers -------------------------------------------------------------------------
    def on_fill(self, fill: FillReport) -> None:
        execution = self.by_order.get(fill.client_order_id)
        if execution is not None:
            execution.on_fill(fill)
            self._advance(execution)

    def on_order(self, update: OrderUpdate) -> None:
        execution = self.by_order.get(update.client_order_id)
        if execution is None or update.status not in _TERMINAL:
            return
        reason = update.reason if update.status is OrderStatus.REJECTED else ""
        execution.on_finished(update.client_order_id, update.filled_size, reason)
        record = execution.orders[update.client_order_id]
        if record.role is not Role.ENTRY:
            leg = execution.legs[record.leg]
            # the book showed more than the venue had: send again after the book changes
            changed = self.book_changed_ns.get(leg.leg.instrument_id, 0)
            leg.waiting = changed <= leg.sent_ns
            leg.stuck = leg.stuck or bool(reason)
        self._advance(execution)

    def on_timer(self, name: str, ts_ns: int) -> None:
        if name == COMBO_TIMER:
            if self.combo_dirty:
                self._evaluate_combinatorial()
            return
        if not name.startswith(TIMER_PREFIX):
            return
        execution_id = name[len(TIMER_PREFIX) :]
        for execution in self.active.values():
            if execution.id == execution_id and ts_ns >= execution.deadline_ns:
                self._deadline(execution)
                return

    # ---- the policy ----------------------------------------------------------------------
    def _advance(self, execution: BasketExecution) -> None:
        """Move on once every order of the current step has finished."""
        if execution.phase is Phase.DONE or execution.busy:
            return
        if execution.phase is Phase.ENTRY:
            if execution.complete:
                return self._finish(execution, ExecutionStatus.FILLED)
            if not execution.anything_filled:
                return self._finish(execution, ExecutionStatus.MISSED)
            self._set_phase(execution, Phase.COMPLETING, self.complete_ns)
        self._work(execution)

    def _set_phase(self, execution: BasketExecution, phase: Phase, budget_ns: int) -> None:
        execution.phase = phase
        execution.deadline_ns = self.ctx.now_ns() + budget_ns
        self.ctx.set_timer(f"{TIMER_PREFIX}{execution.id}", execution.deadline_ns)

    def _work(self, execution: BasketExecution) -> None:
        """Send what the current phase needs on every leg that has no order open."""
        if execution.phase is Phase.COMPLETING:
            if execution.complete:
                return self._finish(execution, ExecutionStatus.COMPLETED)
            busy = execution.open_legs()
            for index, leg in enumerate(execution.legs):
                if leg.missing and index not in busy and not (leg.stuck or leg.waiting):
                    self._complete_leg(execution, index)
        elif execution.phase is Phase.UNWINDING:
            excess = [execution.excess(i) for i in range(len(execution.legs))]
            tradable = [
                i
                for i, size in enumerate(excess)
                if size >= execution.legs[i].instrument.min_size and not execution.legs[i].stuck
            ]
            if not tradable:
                status = ExecutionStatus.UNWOUND if not any(excess) else ExecutionStatus.RESIDUAL
                return self._finish(execution, status)
            busy = execution.open_legs()
            for index in tradable:
                if index not in busy and not execution.legs[index].waiting:
                    self._unwind_leg(execution, index, excess[index])

    def _complete_leg(self, execution: BasketExecution, index: int) -> None:
        leg = execution.legs[index]
        instrument, side = leg.instrument, leg.leg.side
        limit = step_ticks(
            instrument, leg.leg.price_limit, self.complete_ticks, worse_is_up(instrument, side)
        )
        best = best_for(instrument, self.ctx.book(instrument.id), side)
        if best is None or (best > limit if worse_is_up(instrument, side) else best < limit):
            return  # nothing within the limit now: wait for the book to change
        size = -(-leg.missing // leg.lot) * leg.lot
        size = max(size, instrument.min_size)
        self._send(execution, index, side, size, limit, Role.COMPLETE)

    def _unwind_leg(self, execution: BasketExecution, index: int, size: int) -> None:
        """Close a leg's excess, if that (filled at its limit) does not lower the worst case:
        closing one leg of a basket can leave a worse gap than holding it (a lay that cannot
        be cut below the minimum stake while the others are)."""
        leg = execution.legs[index]
        instrument, side = leg.instrument, leg.unwind_side
        best = best_for(instrument, self.ctx.book(instrument.id), side)
        if best is None:
            return
        limit = step_ticks(instrument, best, self.unwind_ticks, worse_is_up(instrument, side))
        fee = self.ctx.fee_model(instrument.id).fee_micros(instrument, limit, size, TAKER)
        planned = FillReport(
            instrument.id, "", "", side, limit, size, TAKER, fee, instrument.quote_currency, 0, 0
        )
        if self._worst(execution, [planned]) < self._worst(execution):
            return
        self._send(execution, index, side, size, limit, Role.UNWIND)

    def _deadline(self, execution: BasketExecution) -> None:
        if execution.phase is Phase.COMPLETING:
            for client_id, record in execution.orders.items():
                if not record.done:
                    self.ctx.cancel(client_id)
            self._set_phase(execution, Phase.UNWINDING, self.unwind_ns)
            for leg in execution.legs:
                leg.waiting = False
            if not execution.busy:
                self._work(execution)
        elif execution.phase is Phase.UNWINDING:
            for client_id, record in execution.orders.items():
                if not record.done:
                    self.ctx.cancel(client_id)
            excess = any(execution.excess(i) for i in range(len(execution.legs)))
            status = ExecutionStatus.RESIDUAL if excess else ExecutionStatus.UNWOUND
            self._finish(execution, status)

    def _finish(self, execution: BasketExecution, status: ExecutionStatus) -> None:
        execution.phase = Phase.DONE
        execution.status = status
        execution.finished_ns = self.ctx.now_ns()
        key = execution.opportunity.group
        if self.active.get(key) is execution:
            del self.active[key]
        self.cooldown_until[key] = execution.finished_ns + self.cooldown_ns
        self.ctx.log(
            "arbitrage done",
            execution=execution.id,
            status=status.value,
            realized_worst=format_units(self._worst(execution), MONEY_DECIMALS),
        )

    # ---- results -------------------------------------------------------------------------
    def _worst(self, execution: BasketExecution, planned: list[FillReport] = ()) -> int:
        """The least profit over the outcomes of the fills so far (plus ``planned``)."""
        pnl = outcome_pnl_micros(
            [*execution.fills, *planned],
            execution.outcomes,
            self.watch.instruments,
            execution.commission_bps,
        )
        return worst_case_micros(pnl)

    def on_resolution(self, resolution: Resolution) -> None:
        self.winners.update(resolution.winners)
        self.void.update(resolution.removed)
        self.resolved.update(resolution.winners, resolution.losers, resolution.removed)

    def _settled(self, execution: BasketExecution) -> int | None:
        """The execution's profit at resolution, once every market it traded resolved."""
        if not execution.fills or any(
            f.instrument_id not in self.resolved for f in execution.fills
        ):
            return None
        total = odds = 0
        for fill in execution.fills:
            if fill.instrument_id in self.void:
                continue  # a removed runner's bets are void
            instrument = self.watch.instruments[fill.instrument_id]
            value = fill_value_micros(instrument, fill, fill.instrument_id in self.winners)
            if is_odds(instrument):
                odds += value
            else:
                total += value
        return total + odds - commission_micros(odds, execution.commission_bps)

    def report(self) -> dict:
        money = lambda v: None if v is None else format_units(v, MONEY_DECIMALS)  # noqa: E731
        rows = []
        totals: dict[str, dict[str, int]] = {}
        by_status: dict[str, int] = {}
        for execution in self.executions:
            opportunity = execution.opportunity
            worst = self._worst(execution)
            expected = opportunity.profit_micros
            cost = expected - worst if execution.anything_filled else 0
            total = totals.setdefault(
                opportunity.currency, {"expected": 0, "realized_worst": 0, "legging_cost": 0}
            )
            if execution.anything_filled:
                total["expected"] += expected
            total["realized_worst"] += worst
            total["legging_cost"] += cost
            by_status[execution.status.value] = by_status.get(execution.status.value, 0) + 1
            rows.append(
                {
                    "execution": execution.id,
                    "kind": opportunity.kind.value,
                    "group": opportunity.group,
                    "status": execution.status.value,
                    "started_ns": execution.started_ns,
                    "finished_ns": execution.finished_ns,
                    "legs": len(execution.legs),
                    "legs_filled": sum(leg.missing == 0 for leg in execution.legs),
                    "orders": len(execution.orders),
                    "expected_profit": money(expected),
                    "realized_worst_case": money(worst),
                    "legging_cost": money(cost),
                    "settled_profit": money(self._settled(execution)),
                    "currency": opportunity.currency,
                    "rejections": ";".join(sorted(set(execution.rejections))),
                    "client_order_ids": " ".join(execution.orders),
                }
            )
        return {
            "executions": rows,
            "summary": {
                "opportunities_seen": self.seen,
                "executions": len(self.executions),
                "by_status": dict(sorted(by_status.items())),
                "by_currency": {
                    currency: {
                        "expected_profit_of_filled": money(total["expected"]),
                        "realized_worst_case": money(total["realized_worst"]),
                        "legging_cost": money(total["legging_cost"]),
                    }
                    for currency, total in sorted(totals.items())
                },
                "skipped": dict(sorted(self.skipped.items())),
            },
        }
