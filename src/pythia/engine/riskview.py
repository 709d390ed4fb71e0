"""What the risk rules see of the engine (:class:`pythia.risk.rules.RiskView`).

Read at strategy time, before an order leaves: positions and cash are the strategy-side
view (fills count once they reached the strategy), open orders are the order manager's,
books are the strategy's books. Totals are computed from that state at each check (once
per check), so the view can never drift from it.
"""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.portfolio.valuation import odds_payout_units
from pythia.sim.cash import cash_to_lock, fill_cash_micros, is_odds


class KernelRiskView:
    """A :class:`RiskView` over a running kernel.

    One check reads the same totals several times (three exposure rules, a group rule
    asking every member): :meth:`begin` starts a check, and the totals over open orders and
    holdings are computed once per check, on first use. What an open order locks is
    remembered per order while its remaining size stays the same (the fee model is not
    asked again).
    """

    def __init__(self, kernel) -> None:
        self._kernel = kernel
        self.checking = ""
        """The client id of the order being checked: not one of "our open orders" yet."""
        self._totals: _Totals | None = None
        self._locks: dict[str, tuple[int, str, int, int]] = {}

    def begin(self, client_order_id: str) -> None:
        """Start checking ``client_order_id``: forget the previous check's totals."""
        self.checking = client_order_id
        self._totals = None

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
        return self.totals().open_size.get((instrument_id, side), 0)

    def available_cash(self, currency: str) -> int:
        return self._kernel.view.available(currency) - self.totals().locked.get(currency, 0)

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

    def gross_exposure(self, currency: str, venue: str | None = None) -> int:
        totals = self.totals()
        if venue is None:
            return totals.gross_all.get(currency, 0)
        return totals.gross.get((currency, venue), 0)

    def net_exposure(self, currency: str) -> int:
        return self.totals().net.get(currency, 0)

    # ---- totals ------------------------------------------------------------------------------
    def totals(self) -> _Totals:
        if self._totals is None:
            self._totals = self._compute()
        return self._totals

    def _order_amounts(self, order) -> tuple[str, int, int]:
        """``(currency, locked cash, exposure)`` of an open order's remaining size."""
        remaining = order.remaining
        known = self._locks.get(order.client_order_id)
        if known is not None and known[0] == remaining:
            return known[1], known[2], known[3]
        request = order.request
        instrument = self.instrument(request.instrument_id)
        if instrument is None or request.price is None:
            return "", 0, 0
        cash = abs(fill_cash_micros(instrument, request.side, request.price, remaining))
        slot = self._kernel.venues.get(instrument.venue)
        fee_model = getattr(slot, "fee_model", None)
        if fee_model is None:
            lock = cash if request.side is Side.BUY or is_odds(instrument) else 0
        else:
            lock = cash_to_lock(fee_model, instrument, request.side, request.price, remaining)
        exposure = lock or cash
        self._locks[order.client_order_id] = (remaining, instrument.quote_currency, lock, exposure)
        return instrument.quote_currency, lock, exposure

    def _compute(self) -> _Totals:
        kernel = self._kernel
        view = kernel.view
        totals = _Totals()
        for instrument_id, size in view.positions().items():
            instrument = self.instrument(instrument_id)
            if instrument is None:
                continue
            value = view.market_value(instrument_id)
            if value is None:
                value = view.cost_basis(instrument_id)
            totals.add(instrument, value if size >= 0 else -abs(value))
        checking = self.checking
        live = set()
        for order in kernel.orders.open_orders():
            client_id = order.client_order_id
            if client_id == checking:
                continue
            live.add(client_id)
            request = order.request
            instrument = self.instrument(request.instrument_id)
            if instrument is None:
                continue
            remaining = order.remaining
            if is_odds(instrument) and request.price is not None:
                remaining = odds_payout_units(remaining, request.price)
            key = (request.instrument_id, request.side)
            totals.open_size[key] = totals.open_size.get(key, 0) + remaining
            currency, lock, exposure = self._order_amounts(order)
            if currency:
                totals.locked[currency] = totals.locked.get(currency, 0) + lock
                totals.add(instrument, exposure if request.side is Side.BUY else -exposure)
        if len(self._locks) > 2 * len(live) + 64:  # forget finished orders now and then
            self._locks = {k: v for k, v in self._locks.items() if k in live}
        return totals


class _Totals:
    """Sums over holdings and open orders for one check (micro-units; sizes for open_size)."""

    __slots__ = ("open_size", "locked", "gross", "gross_all", "net")

    def __init__(self) -> None:
        self.open_size: dict[tuple[str, Side], int] = {}
        self.locked: dict[str, int] = {}
        self.gross: dict[tuple[str, str], int] = {}
        self.gross_all: dict[str, int] = {}
        self.net: dict[str, int] = {}

    def add(self, instrument: Instrument, value: int) -> None:
        currency = instrument.quote_currency
        key = (currency, instrument.venue)
        self.gross[key] = self.gross.get(key, 0) + abs(value)
        self.gross_all[currency] = self.gross_all.get(currency, 0) + abs(value)
        self.net[currency] = self.net.get(currency, 0) + value
