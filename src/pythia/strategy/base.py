"""The base class of every strategy.

A strategy gets its context in ``on_start`` (``self.ctx``) and reacts to callbacks. The
defaults do nothing, so a strategy overrides only what it needs. An exception raised in a
callback is caught by the engine, journaled, and disables that strategy only.

>>> class Quiet(Strategy):
...     name = "quiet"
>>> Quiet({"x": 1}).params["x"]
1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pythia.book.base import OrderBook
from pythia.model.events import MarketStatus, Resolution, Trade
from pythia.model.execution import FillReport, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.strategy.context import StrategyContext


class Strategy:
    """Subclass it, set ``name``, override callbacks. ``params`` come from the TOML config."""

    name: str = "strategy"

    def __init__(self, params: Mapping[str, Any] | None = None, strategy_id: str = "") -> None:
        self.params: dict[str, Any] = dict(params or {})
        self.id = strategy_id or self.name
        self.ctx: StrategyContext | None = None

    def on_start(self, ctx: StrategyContext) -> None:
        """Called once before any event; the default keeps the context in ``self.ctx``."""
        self.ctx = ctx

    def on_instrument(self, definition: Instrument | OutcomeGroup) -> None:
        """An instrument or group was defined or changed after the start (a tick change)."""

    def report(self) -> dict | None:
        """What the strategy wants in the backtest report: JSON-ready values; a list of
        flat dicts is rendered as a table in the HTML report. Default: nothing."""
        return None

    def opportunities(self) -> list[dict]:
        """The opportunities the strategy sees now, for the API and the dashboard: flat
        JSON-ready dicts with at least ``group``, ``kind``, ``profit`` and ``currency``.
        Default: none."""
        return []

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        """A book changed (after the feed latency)."""

    def on_trade(self, trade: Trade) -> None:
        """A public trade printed."""

    def on_status(self, status: MarketStatus) -> None:
        """A market changed trading state."""

    def on_order(self, update: OrderUpdate) -> None:
        """One of this strategy's orders changed state (accepted, rejected, cancelled...)."""

    def on_fill(self, fill: FillReport) -> None:
        """One of this strategy's orders filled (partly)."""

    def on_timer(self, name: str, ts_ns: int) -> None:
        """A timer set with ``ctx.set_timer`` fired."""

    def on_resolution(self, resolution: Resolution) -> None:
        """A market resolved; positions are settled by the portfolio."""

    def on_stop(self) -> None:
        """Called once after the last event."""
