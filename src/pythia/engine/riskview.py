"""What the risk rules see of the engine (:class:`pythia.risk.rules.RiskView`).

Read at strategy time, before an order leaves: positions and cash are the strategy-side
view (fills count once they reached the strategy), open orders are the order manager's,
books are the strategy's books. Totals are computed from that state at each check (once
per check), so the view can never drift from it.
"""

from __future__ import annotations

from typing import NamedTuple

from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.portfolio.valuation import odds_payout_units
from pythia.sim.cash import cash_to_lock, fill_cash_micros, is_odds


class KernelRiskView:
    """A :class:`RiskView` over a running kernel.

    One check reads the same totals several times (three exposure rules, a group rule
    asking every member): :meth:`begin` starts a check, and the totals over open orders and
    holdings are computed once per check, on first use, in one pass over the portfolio's
    holdings and one over the open orders. What an open order adds to the totals is
    remembered per order while it is the same order with the same remaining size and
    instrument definition (the fee model is not asked again).
    """

    def __init__(self, kernel) -> None:
        self._kernel = kernel
        self.checking = ""
        """The client id of the order being checked: not one of "our open orders" yet."""
        self._totals: _Totals | None = None
        self._orders: dict[str, _OrderEntry] = {}

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
        totals = self._totals
        if totals is None:
            return self._kernel.view.position(instrument_id)
        return totals.positions.get(instrument_id, 0)

    def open_size(self, instrument_id: str, side: Side) -> int:
        totals = self.totals()
        sizes = totals.open_buy if side is Side.BUY else totals.open_sell
        return sizes.get(instrument_id, 0)

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

    def _order_entry(self, order, instrument: Instrument, remaining: int) -> _OrderEntry:
        """What an open order with ``remaining`` size adds to the totals."""
        request = order.request
        side = request.side
        size = remaining
        if is_odds(instrument) and request.price is not None:
            size = odds_payout_units(remaining, request.price)
        if request.price is None:
            return _OrderEntry(order, remaining, instrument, side is Side.BUY, size, "", 0, None, 0)
        cash = abs(fill_cash_micros(instrument, side, request.price, remaining))
        slot = self._kernel.venues.get(instrument.venue)
        fee_model = getattr(slot, "fee_model", None)
        if fee_model is None:
            lock = cash if side is Side.BUY or is_odds(instrument) else 0
        else:
            lock = cash_to_lock(fee_model, instrument, side, request.price, remaining)
        exposure = lock or cash
        currency = instrument.quote_currency
        return _OrderEntry(
            order,
            remaining,
            instrument,
            side is Side.BUY,
            size,
            currency,
            lock,
            (currency, instrument.venue),
            exposure if side is Side.BUY else -exposure,
        )

    def _compute(self) -> _Totals:
        kernel = self._kernel
        totals = _Totals()
        positions, gross, gross_all, net = (
            totals.positions,
            totals.gross,
            totals.gross_all,
            totals.net,
        )
        for instrument_id, (size, value) in kernel.view.position_values().items():
            positions[instrument_id] = size
            instrument = self.instrument(instrument_id)
            if instrument is None:
                continue
            signed = value if size >= 0 else -abs(value)
            currency = instrument.quote_currency
            key = (currency, instrument.venue)
            gross[key] = gross.get(key, 0) + abs(signed)
            gross_all[currency] = gross_all.get(currency, 0) + abs(signed)
            net[currency] = net.get(currency, 0) + signed
        checking = self.checking
        known = self._orders
        definitions = kernel.instruments
        open_buy, open_sell, locked = totals.open_buy, totals.open_sell, totals.locked
        orders = kernel.orders.open_orders()
        for order in orders:
            request = order.request
            client_id = request.client_order_id
            if client_id == checking:
                continue
            remaining = order.remaining
            entry = known.get(client_id)
            if (
                entry is None
                or entry.order is not order
                or entry.remaining != remaining
                or definitions.get(request.instrument_id) is not entry.instrument
            ):
                instrument = self.instrument(request.instrument_id)
                if instrument is None:
                    continue
                entry = known[client_id] = self._order_entry(order, instrument, remaining)
            sizes = open_buy if entry.is_buy else open_sell
            instrument_id = request.instrument_id
            sizes[instrument_id] = sizes.get(instrument_id, 0) + entry.size
            currency = entry.currency
            if currency:
                signed = entry.exposure
                locked[currency] = locked.get(currency, 0) + entry.lock
                key = entry.key
                gross[key] = gross.get(key, 0) + abs(signed)
                gross_all[currency] = gross_all.get(currency, 0) + abs(signed)
                net[currency] = net.get(currency, 0) + signed
        if len(known) > 2 * len(orders) + 64:  # forget finished orders now and then
            live = {order.request.client_order_id for order in orders}
            self._orders = {k: v for k, v in known.items() if k in live}
        return totals


class _OrderEntry(NamedTuple):
    """An open order's part of the totals, valid while ``order`` keeps ``remaining`` and its
    instrument keeps the definition ``instrument``."""

    order: object
    remaining: int
    instrument: Instrument
    is_buy: bool
    size: int  # open size in position units (payout units on decimal odds)
    currency: str  # "" when the order has no price: no lock and no exposure
    lock: int  # cash the order locks, micro-units
    key: tuple[str, str] | None  # (currency, venue)
    exposure: int  # signed: + for a buy or back


class _Totals:
    """Sums over holdings and open orders for one check (micro-units; sizes for the open
    sizes and positions)."""

    __slots__ = ("positions", "open_buy", "open_sell", "locked", "gross", "gross_all", "net")

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self.open_buy: dict[str, int] = {}
        self.open_sell: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        self.gross: dict[tuple[str, str], int] = {}
        self.gross_all: dict[str, int] = {}
        self.net: dict[str, int] = {}
