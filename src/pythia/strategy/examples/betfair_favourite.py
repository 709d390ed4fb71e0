"""Back the favourite of a Betfair WIN market (and optionally lay the second favourite)
once, then hold to settlement.

``delay_s`` after the first book, while the market is open and not in play, it backs the
runner with the shortest available-to-back odds for ``back_stake`` at those odds, and lays
the runner with the second-shortest available-to-lay odds for ``lay_stake`` (0: no lay). Stakes are
in the market currency's size units (pence at 2 decimals). Orders are limit orders at the
touch, so they take what is shown and rest the remainder until the market suspends.
Side.BUY is a back, Side.SELL a lay.
"""

from __future__ import annotations

from pythia.book.base import OrderBook
from pythia.core.clock import NS_PER_S
from pythia.model.enums import MarketState, Side
from pythia.model.events import MarketStatus
from pythia.model.instruments import OutcomeToken, PriceSpace
from pythia.strategy.base import Strategy
from pythia.strategy.registry import register


@register
class BetfairFavourite(Strategy):
    name = "betfair_favourite"

    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        self.delay_ns = int(float(self.params.get("delay_s", 120)) * NS_PER_S)
        self.back_stake = int(self.params.get("back_stake", 1000))
        self.lay_stake = int(self.params.get("lay_stake", 200))
        self.open = False
        self.first_book_ns: int | None = None
        self.done = False
        self.runners: set[str] = set()

    def on_status(self, status: MarketStatus) -> None:
        if not status.instrument_id:
            self.open = status.state is MarketState.OPEN and not status.in_play

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        instrument = self.ctx.instrument(instrument_id)
        if not isinstance(instrument, OutcomeToken):
            return
        if instrument.price_space is not PriceSpace.DECIMAL_ODDS:
            return
        self.runners.add(instrument_id)
        if self.first_book_ns is None:
            self.first_book_ns = self.ctx.now_ns()
            self.ctx.set_timer("enter", self.first_book_ns + self.delay_ns)

    def on_timer(self, name: str, ts_ns: int) -> None:
        if name != "enter" or self.done or not self.open:
            return
        self.done = True
        backs = []
        lays = []
        for runner in sorted(self.runners):
            book = self.ctx.book(runner)
            if book.best_bid() is not None:
                backs.append((book.best_bid()[0], runner))
            if book.best_ask() is not None:
                lays.append((book.best_ask()[0], runner))
        if backs:
            odds, favourite = min(backs)
            self.ctx.submit(favourite, Side.BUY, self.back_stake, odds)
            self.ctx.log("back favourite", instrument=favourite, odds=odds)
        lays.sort()
        if len(lays) >= 2 and self.lay_stake:
            odds, second = lays[1]
            self.ctx.submit(second, Side.SELL, self.lay_stake, odds)
            self.ctx.log("lay second favourite", instrument=second, odds=odds)
