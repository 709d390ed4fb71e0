"""What the risk rules see of the engine (:class:`pythia.risk.rules.RiskView`).

Read at strategy time, before an order leaves: positions and cash are the strategy-side
view (fills count once they reached the strategy), open orders are the order manager's,
books are the strategy's books. Everything is computed on demand from that state, so the
view can never drift from it.
"""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.portfolio.valuation import odds_payout_units
from pythia.sim.cash import cash_to_lock, fill_cash_micros, is_odds


class KernelRiskView:
    """A :class:`RiskView` over a running kernel."""

    def __init__(self, kernel) -> None:
        self._kernel = kernel
        self.checking = ""
        """The client id of the order being checked: not one of "our open orders" yet."""

    def _open_orders(self, instrument_id: str | None = None):
        checking = self.checking
        return [
            o
            for o in self._kernel.orders.open_orders(instrument_id)
            if o.client_order_id != checking
        ]

    def now_ns(self) -> int:
        return self._kernel.clock.now_ns()

    def instrument(self, instrument_id: str) -> Instrument | None:
        return self._kernel._instrument(instrument_id)

    def group_of(self, instrument_id: str) -> OutcomeGroup | None:
        instrument = self.instrument(instrument_id)
        group_id = getattr(instrument, "group_id", None)
        group = self._kernel.instruments.get(group_id) if group_id else None
        return group if isinstance(group, OutcomeGroup) else None

    def position(self, instrument_id: str) -> int:
        return self._kernel.view.position(instrument_id)

    def open_size(self, instrument_id: str, side: Side) -> int:
        total = 0
        for order in self._open_orders(instrument_id):
            request = order.request
            if request.side is not side:
                continue
            remaining = order.remaining
            instrument = self.instrument(instrument_id)
            if instrument is not None and is_odds(instrument) and request.price is not None:
                remaining = odds_payout_units(remaining, request.price)
            total += remaining
        return total

    def _order_lock(self, order) -> tuple[str, int]:
        request = order.request
        instrument = self.instrument(request.instrument_id)
        if instrument is None or request.price is None:
            return "", 0
        slot = self._kernel.venues.get(instrument.venue)
        fee_model = getattr(slot, "fee_model", None)
        if fee_model is None:
            cost = -fill_cash_micros(instrument, request.side, request.price, order.remaining)
            return instrument.quote_currency, max(cost, 0)
        lock = cash_to_lock(fee_model, instrument, request.side, request.price, order.remaining)
        return instrument.quote_currency, lock

    def available_cash(self, currency: str) -> int:
        locked = 0
        for order in self._open_orders():
            order_currency, amount = self._order_lock(order)
            if order_currency == currency:
                locked += amount
        return self._kernel.view.available(currency) - locked

    def mid_price(self, instrument_id: str) -> int | None:
        book = self._kernel.books.get(instrument_id)
        if book is None:
            return None
        bid, ask = book.best_bid_price, book.best_ask_price
        if bid is None or ask is None:
            return None
        return (bid + ask) // 2

    def book_state(self, instrument_id: str) -> tuple[bool, int | None]:
        kernel = self._kernel
        synced = instrument_id in kernel.books and instrument_id not in kernel.unsynced
        return synced, kernel.book_updated_ns.get(instrument_id)

    def _exposures(self, currency: str, venue: str | None):
        """``(value, venue)`` of every holding (at its mark, else cost) and open order."""
        kernel = self._kernel
        view = kernel.view
        for instrument_id, size in view.positions().items():
            instrument = self.instrument(instrument_id)
            if instrument is None or instrument.quote_currency != currency:
                continue
            if venue is not None and instrument.venue != venue:
                continue
            value = view.market_value(instrument_id)
            if value is None:
                value = view.cost_basis(instrument_id)
            yield value if size >= 0 else -abs(value)
        for order in self._open_orders():
            instrument = self.instrument(order.instrument_id)
            if instrument is None or instrument.quote_currency != currency:
                continue
            if venue is not None and instrument.venue != venue:
                continue
            _, amount = self._order_lock(order)
            if amount == 0 and order.request.price is not None:
                amount = abs(
                    fill_cash_micros(
                        instrument, order.request.side, order.request.price, order.remaining
                    )
                )
            buys = order.request.side is Side.BUY
            yield amount if buys else -amount

    def gross_exposure(self, currency: str, venue: str | None = None) -> int:
        return sum(abs(value) for value in self._exposures(currency, venue))

    def net_exposure(self, currency: str) -> int:
        return sum(self._exposures(currency, None))
