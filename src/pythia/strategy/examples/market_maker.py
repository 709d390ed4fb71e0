"""A market maker that quotes around the touch with an inventory limit (spot, long-only).

It keeps at most one bid and one ask, both post-only limit orders. The bid joins the best bid
(``offset_ticks`` behind it) while inventory is below ``max_inventory``; the ask joins the
best ask once it holds inventory, and is skewed toward the touch as inventory grows
(``skew_ticks`` at the limit), so it sells down toward flat. Quotes move only when the
wanted price is ``requote_ticks`` away from the resting one. Sizes are in instrument units.

Parameters: ``instrument`` (id), ``size``, ``max_inventory``, ``offset_ticks`` (0),
``skew_ticks`` (1), ``requote_ticks`` (1).
"""

from __future__ import annotations

from pythia.book.base import OrderBook
from pythia.model.enums import Side
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.orders.manager import OrderState
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register


@register
class MarketMaker(Strategy):
    name = "market_maker"

    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        params = self.params
        self.instrument_id: str = params.get("instrument", "binance:BTCUSDT")
        self.size = int(params.get("size", 100_000))
        self.max_inventory = int(params.get("max_inventory", 1_000_000))
        self.offset_ticks = int(params.get("offset_ticks", 0))
        self.skew_ticks = int(params.get("skew_ticks", 1))
        self.requote_ticks = int(params.get("requote_ticks", 1))
        self.quotes: dict[Side, str] = {}
        self.rejections = 0

    def _wanted(self, book: OrderBook, tick: int, inventory: int) -> dict[Side, int | None]:
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return {Side.BUY: None, Side.SELL: None}
        skew = (self.skew_ticks * tick * inventory) // self.max_inventory if inventory > 0 else 0
        want_bid = bid[0] - self.offset_ticks * tick - skew
        want_ask = max(ask[0] + self.offset_ticks * tick - skew, bid[0] + tick)
        return {
            Side.BUY: want_bid if inventory + self.size <= self.max_inventory else None,
            Side.SELL: want_ask if inventory >= self.size else None,
        }

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        if instrument_id != self.instrument_id:
            return
        ctx = self.ctx
        tick = ctx.instrument(instrument_id).tick
        inventory = ctx.position(instrument_id)
        for side, price in self._wanted(book, tick, inventory).items():
            client_id = self.quotes.get(side)
            order = ctx_order(ctx, client_id)
            if order is not None and order.state in (
                OrderState.SUBMITTED,
                OrderState.CANCEL_PENDING,
            ):
                continue  # wait for the venue's answer
            if price is None:
                if order is not None and order.is_open:
                    ctx.cancel(client_id)
                continue
            if order is not None and order.is_open:
                if abs(order.request.price - price) >= self.requote_ticks * tick:
                    self.quotes[side] = ctx.replace(client_id, price=price, size=self.size)
                continue
            self.quotes[side] = ctx.submit(instrument_id, side, self.size, price, post_only=True)

    def on_order(self, update: OrderUpdate) -> None:
        if update.status is OrderStatus.REJECTED:
            self.rejections += 1


def ctx_order(ctx, client_id: str | None):
    if client_id is None:
        return None
    for order in ctx.open_orders():
        if order.client_order_id == client_id:
            return order
    return None
