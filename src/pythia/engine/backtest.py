"""Backtest runner: drive the kernel over a recorded stream and collect an exact record.

The runner gets its pieces already built (data source, venues, portfolios, strategies); the
service layer wires them from configuration. Same inputs and seed give the same result, byte
for byte: nothing here reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pythia.analytics.performance import (
    describe_interval,
    drawdown_series,
    max_drawdown,
    sharpe_ratio,
)
from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.engine.kernel import Kernel
from pythia.model.events import MarketEvent
from pythia.model.instruments import Instrument, PriceSpace
from pythia.portfolio.valuation import position_decimals


@dataclass
class BacktestResult:
    """Everything a backtest produced; :meth:`to_json` is the ``--json`` document."""

    summary: dict
    orders: list[dict]
    fills: list[dict]
    starting_balances: dict[str, str]
    final_balances: dict[str, str]
    positions: dict[str, str]
    ledger: list[dict]
    equity_curve: list[tuple[int, int]] = field(default_factory=list)
    drawdown_curve: list[tuple[int, int]] = field(default_factory=list)
    exposure_curve: list[tuple[int, int]] = field(default_factory=list)
    position_curve: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    strategies: dict[str, dict] = field(default_factory=dict)
    """Each strategy's own report (``Strategy.report()``), by strategy id."""
    journal: dict | None = None
    """Where the run's journal is and what a restart replayed (None: no journal)."""

    def to_json(self) -> dict:
        return {
            "summary": self.summary,
            "starting_balances": self.starting_balances,
            "final_balances": self.final_balances,
            "positions": self.positions,
            "orders": self.orders,
            "fills": self.fills,
            "ledger": self.ledger,
            "equity_curve": [[ts, money(v)] for ts, v in self.equity_curve],
            "exposure_curve": [[ts, money(v)] for ts, v in self.exposure_curve],
            "logs": self.logs,
            "strategies": self.strategies,
            **({"journal": self.journal} if self.journal is not None else {}),
        }


def money(micros: int) -> str:
    return format_units(micros, MONEY_DECIMALS)


class EquitySampler:
    """Marks positions and records equity, exposure and positions at a fixed interval."""

    def __init__(self, kernel: Kernel, currency: str, interval_ns: int) -> None:
        self.kernel = kernel
        self.currency = currency
        self.interval_ns = interval_ns
        self.next_ns = 0
        self.equity: list[tuple[int, int]] = []
        self.exposure: list[tuple[int, int]] = []
        self.positions: list[tuple[int, dict[str, int]]] = []
        self.mark_errors = 0

    def __call__(self, ts_ns: int) -> None:
        if ts_ns >= self.next_ns:
            self.sample(ts_ns)
            self.next_ns = (ts_ns // self.interval_ns + 1) * self.interval_ns

    def mark_all(self) -> None:
        portfolio = self.kernel.portfolio
        for instrument_id, size in portfolio.positions().items():
            if not size:
                continue
            instrument = self.kernel.instruments.get(instrument_id)
            slot = self.kernel.venues.get(getattr(instrument, "venue", ""))
            if slot is None or not isinstance(instrument, Instrument):
                continue
            try:
                book = slot.gateway.book(instrument_id)
            except (DataError, KeyError):
                continue
            price = mark_price(instrument, book)
            if price is not None:
                try:
                    portfolio.mark(instrument_id, price)
                except DataError:
                    self.mark_errors += 1  # keeps the previous mark; reported in the summary

    def sample(self, ts_ns: int) -> None:
        self.mark_all()
        portfolio = self.kernel.portfolio
        equity = portfolio.equity(self.currency)
        self.equity.append((ts_ns, equity))
        self.kernel.safety.on_equity({self.currency: equity}, ts_ns)
        self.exposure.append((ts_ns, portfolio.gross_exposure(self.currency)))
        self.positions.append((ts_ns, {k: v for k, v in portfolio.positions().items() if v}))


def ledger_entry(raw: dict, size_text) -> dict:
    """A ledger record for JSON: amounts and size deltas as exact decimal strings."""
    entry = dict(raw)
    if "amount" in entry:
        entry["amount"] = money(entry["amount"])
    if "size_delta" in entry:
        entry["size_delta"] = size_text(entry["instrument"], entry["size_delta"])
    return entry


def mark_price(instrument: Instrument, book) -> int | None:
    """A price on the instrument's grid to value a position at: the mid rounded down to the
    grid (or the one side there is)."""
    bid, ask = book.best_bid(), book.best_ask()
    if bid is None and ask is None:
        return None
    if bid is None or ask is None:
        return (bid or ask)[0]
    mid = (bid[0] + ask[0]) // 2
    if instrument.price_space is PriceSpace.DECIMAL_ODDS or not instrument.ticks.is_valid(mid):
        return instrument.ticks.round_price(mid, up=False)
    return mid


def counted(
    events: Iterable[MarketEvent], progress: Callable[[int], None] | None, every: int = 10_000
) -> Iterator[MarketEvent]:
    if progress is None:
        yield from events
        return
    count = 0
    for event in events:
        count += 1
        if count % every == 0:
            progress(count)
        yield event
    progress(count)


def run_backtest(
    kernel: Kernel,
    events: Iterable[MarketEvent],
    currency: str,
    sample_interval_ns: int = 1_000_000_000,
    progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Run ``kernel`` over ``events`` and build the result."""
    starting = dict(kernel.portfolio.balances())
    sampler = EquitySampler(kernel, currency, sample_interval_ns)
    kernel.on_sample(sampler)
    kernel.run(counted(events, progress))
    sampler.sample(kernel.clock.now_ns())
    return build_result(kernel, sampler, starting, currency)


def build_result(
    kernel: Kernel, sampler: EquitySampler, starting: dict[str, int], currency: str
) -> BacktestResult:
    portfolio = kernel.portfolio
    instruments = kernel.instruments

    def price_text(instrument_id: str, price: int | None) -> str | None:
        instrument = instruments.get(instrument_id)
        if price is None or not isinstance(instrument, Instrument):
            return None if price is None else str(price)
        return instrument.format_price(price)

    def size_text(instrument_id: str, size: int) -> str:
        instrument = instruments.get(instrument_id)
        return instrument.format_size(size) if isinstance(instrument, Instrument) else str(size)

    def position_text(instrument_id: str, size: int) -> str:
        """Positions are in the portfolio's units (Betfair: payout units, finer than stakes)."""
        instrument = instruments.get(instrument_id)
        if not isinstance(instrument, Instrument):
            return str(size)
        return format_units(size, position_decimals(instrument))

    orders = []
    for order in kernel.orders.orders():
        request = order.request
        avg = None
        if order.filled_size:
            instrument = instruments.get(request.instrument_id)
            decimals = instrument.price_decimals if isinstance(instrument, Instrument) else 0
            avg = format_units(order.filled_notional * 10**2 // order.filled_size, decimals + 2)
        orders.append(
            {
                "client_order_id": request.client_order_id,
                "strategy": request.strategy_id,
                "instrument": request.instrument_id,
                "side": request.side.value,
                "type": request.order_type.value,
                "time_in_force": request.time_in_force.value,
                "post_only": request.post_only,
                "price": price_text(request.instrument_id, request.price),
                "size": size_text(request.instrument_id, request.size),
                "state": order.state.value,
                "filled_size": size_text(request.instrument_id, order.filled_size),
                "average_price": avg,
                "fees": money(order.fees_micros),
                "reason": order.reason,
                "created_ns": order.created_ns,
                "updated_ns": order.updated_ns,
            }
        )
    fills = []
    for fill in kernel.fills:
        instrument = instruments.get(fill.instrument_id)
        fills.append(
            {
                "ts_ns": fill.ts_event_ns,
                "venue": getattr(instrument, "venue", ""),
                "instrument": fill.instrument_id,
                "client_order_id": fill.client_order_id,
                "trade_id": fill.trade_id,
                "side": fill.side.value,
                "price": price_text(fill.instrument_id, fill.price),
                "size": size_text(fill.instrument_id, fill.size),
                "cash": money(fill.cash_micros),
                "fee": money(fill.fee_micros),
                "fee_currency": fill.fee_currency,
                "liquidity": fill.liquidity.value,
            }
        )
    final = portfolio.balances()
    positions = {k: position_text(k, v) for k, v in sorted(portfolio.positions().items())}
    curve = sampler.equity
    drawdown = max_drawdown(curve)
    start_equity = curve[0][1] if curve else 0
    end_equity = curve[-1][1] if curve else 0
    sharpe = sharpe_ratio(curve, sampler.interval_ns)
    per_instrument = {
        instrument_id: {
            "realized_pnl": money(portfolio.realized_pnl_of(instrument_id)),
            "unrealized_pnl": money(portfolio.unrealized_pnl_of(instrument_id)),
        }
        for instrument_id in sorted(portfolio.traded_instruments())
    }
    fees = {c: money(v) for c, v in sorted(portfolio.fees_by_currency().items())}
    rejections = dict(sorted(kernel.stats.rejections.items()))
    pnl = end_equity - start_equity
    summary = {
        "currency": currency,
        "pnl": money(pnl),
        "return": f"{pnl / start_equity:.6f}" if start_equity else None,
        "fees": fees,
        "orders": len(orders),
        "fills": len(fills),
        "rejections": rejections,
        "rejected_orders": sum(rejections.values()),
        "max_drawdown": money(drawdown.max_drawdown_micros),
        "max_drawdown_fraction": f"{drawdown.max_drawdown_fraction:.6f}",
        "sharpe": None if sharpe is None else f"{sharpe:.4f}",
        "sharpe_sampling": f"per-{describe_interval(sampler.interval_ns)} returns, annualised",
        "start_equity": money(start_equity),
        "end_equity": money(end_equity),
        "max_gross_exposure": money(max((v for _, v in sampler.exposure), default=0)),
        "per_instrument": per_instrument,
        "market_events": kernel.stats.market_events,
        "dropped_unsynced_updates": kernel.stats.dropped_unsynced,
        "gaps": kernel.stats.gaps,
        "duplicate_fills": kernel.stats.duplicate_fills,
        "rejected_updates": kernel.stats.rejected_updates,
        "strategy_errors": kernel.stats.strategy_errors,
        "accounting_errors": kernel.stats.accounting_errors,
        "mark_errors": sampler.mark_errors,
        "risk_decisions": kernel.safety.risk.summary(),
        "control_mode": kernel.safety.control.mode.value,
        "mode_changes": [
            {
                "ts_ns": change.ts_ns,
                "mode": change.mode.value,
                "source": change.source.value,
                "reason": change.reason,
            }
            for change in kernel.safety.control.history
        ],
        "start_ns": curve[0][0] if curve else 0,
        "end_ns": curve[-1][0] if curve else 0,
    }
    logs = []
    for strategy_id, context in sorted(kernel._contexts.items()):
        logs.extend({"strategy": strategy_id, **entry} for entry in context.logs)
    reports = {}
    for strategy in kernel.strategies:
        try:
            report = strategy.report()
        except Exception as error:  # a strategy's bug must not lose the run's record
            kernel.stats.strategy_errors.append(
                {
                    "ts_ns": kernel.clock.now_ns(),
                    "strategy": strategy.id,
                    "callback": "report",
                    "error": f"{type(error).__name__}: {error}",
                }
            )
            continue
        if report is not None:
            reports[strategy.id] = report
    return BacktestResult(
        summary=summary,
        orders=orders,
        fills=fills,
        starting_balances={c: money(v) for c, v in sorted(starting.items())},
        final_balances={c: money(v) for c, v in sorted(final.items())},
        positions=positions,
        ledger=[ledger_entry(entry.as_dict(), position_text) for entry in portfolio.ledger],
        equity_curve=curve,
        drawdown_curve=drawdown_series(curve),
        exposure_curve=sampler.exposure,
        position_curve=sampler.positions,
        logs=logs,
        strategies=reports,
    )
