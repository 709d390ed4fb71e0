"""Order-book imbalance: take liquidity when the top of book leans hard to one side.

When the best bid size is ``ratio`` times the best ask size (or more), buy ``trade_size`` at
the best ask with an immediate-or-cancel order (and sell the position back when the ask
side dominates). At most ``max_position`` is held. The equivalent of NautilusTrader's
OrderBookImbalance example, used in the engine benchmark.
"""

from __future__ import annotations

from pythia.book.base import OrderBook
from pythia.model.enums import Side
from pythia.model.orders import TimeInForce
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register


@register
class BookImbalance(Strategy):
    name = "book_imbalance"

    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        self.instrument_id = self.params.get("instrument", "")
        self.ratio = int(self.params.get("ratio", 10))
        self.trade_size = int(self.params.get("trade_size", 100_000))
        self.max_position = int(self.params.get("max_position", 1_000_000))
        self.signals = 0

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        if self.instrument_id and instrument_id != self.instrument_id:
            return
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        ctx = self.ctx
        if ctx.open_orders(instrument_id):
            return
        position = ctx.position(instrument_id)
        if bid[1] >= self.ratio * ask[1] and position + self.trade_size <= self.max_position:
            self.signals += 1
            size = min(self.trade_size, ask[1])
            ctx.submit(instrument_id, Side.BUY, size, ask[0], time_in_force=TimeInForce.IOC)
        elif ask[1] >= self.ratio * bid[1] and position > 0:
            self.signals += 1
            size = min(position, bid[1])
            ctx.submit(instrument_id, Side.SELL, size, bid[0], time_in_force=TimeInForce.IOC)
