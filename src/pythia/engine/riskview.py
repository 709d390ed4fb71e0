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
    asking every member): :meth:`begin` starts a check, and the totals are computed once per
    check, on first use: the holdings' part again when the portfolio's version changed (a
    fill, a mark, a registration) or a held instrument was redefined, the open orders as
    sums kept between checks. Each check walks the open orders and changes the sums only by
    the orders that came, went, or changed (another order object, remaining size or
    instrument definition under the same client id), so the fee model is asked once per
    order and size.
    """

    def __init__(self, kernel) -> None:
        self._kernel = kernel
        self.checking = ""
        """The client id of the order being checked: not one of "our open orders" yet."""
        self._totals: _Totals | None = None
        self._sums = _OrderSums()
        self._held: _Holdings | None = None

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
        currency, lock, key, exposure = "", 0, None, 0  # no price: no lock, no exposure
        if request.price is not None:
            cash = abs(fill_cash_micros(instrument, side, request.price, remaining))
            slot = self._kernel.venues.get(instrument.venue)
            fee_model = getattr(slot, "fee_model", None)
            if fee_model is None:
                lock = cash if side is Side.BUY or is_odds(instrument) else 0
            else:
                lock = cash_to_lock(fee_model, instrument, side, request.price, remaining)
            exposure = lock or cash
            if side is not Side.BUY:
                exposure = -exposure
            currency = instrument.quote_currency
            key = (currency, instrument.venue)
        return _OrderEntry(
            order,
            remaining,
            request.instrument_id,
            instrument,
            side is Side.BUY,
            size,
            currency,
            lock,
            key,
            exposure,
        )

    def _compute(self) -> _Totals:
        sums = self._sums
        self._update_orders(sums)
        return _Totals(self._holdings(), sums)

    def _holdings(self) -> _Holdings:
        """The holdings' part of the totals, computed again when the portfolio's version or
        the definition of a held instrument changed."""
        portfolio = self._kernel.view
        definitions = self._kernel.instruments
        held = self._held
        if held is not None and held.portfolio is portfolio and held.version == portfolio.version:
            for instrument_id, instrument in held.definitions:
                if definitions.get(instrument_id) is not instrument:
                    break
            else:
                return held
        held = _Holdings(portfolio, portfolio.version)
        positions, gross, gross_all, net = held.positions, held.gross, held.gross_all, held.net
        used = []
        for instrument_id, (size, value) in portfolio.position_values().items():
            positions[instrument_id] = size
            instrument = self.instrument(instrument_id)
            if instrument is None:
                continue
            used.append((instrument_id, instrument))
            signed = value if size >= 0 else -abs(value)
            currency = instrument.quote_currency
            key = (currency, instrument.venue)
            gross[key] = gross.get(key, 0) + abs(signed)
            gross_all[currency] = gross_all.get(currency, 0) + abs(signed)
            net[currency] = net.get(currency, 0) + signed
        held.definitions = tuple(used)
        self._held = held
        return held

    def _update_orders(self, sums: _OrderSums) -> None:
        """Bring ``sums`` to the open orders now, the order being checked left out."""
        checking = self.checking
        entries = sums.entries
        definitions = self._kernel.instruments
        orders = self._kernel.orders.open_orders()
        kept = 0
        for order in orders:
            request = order.request
            client_id = request.client_order_id
            if client_id == checking:
                continue
            remaining = order.remaining
            entry = entries.get(client_id)
            if (
                entry is not None
                and entry.order is order
                and entry.remaining == remaining
                and definitions.get(request.instrument_id) is entry.instrument
            ):
                kept += 1
                continue
            if entry is not None:
                sums.add(entries.pop(client_id), -1)
            instrument = self.instrument(request.instrument_id)
            if instrument is None:
                continue
            entry = self._order_entry(order, instrument, remaining)
            sums.add(entry, 1)
            entries[client_id] = entry
            kept += 1
        if kept != len(entries):  # some orders are no longer open, or are being checked
            live = {order.request.client_order_id for order in orders}
            live.discard(checking)
            for client_id in [c for c in entries if c not in live]:
                sums.add(entries.pop(client_id), -1)


class _OrderEntry(NamedTuple):
    """An open order's part of the totals, valid while ``order`` keeps ``remaining`` and its
    instrument keeps the definition ``instrument``."""

    order: object
    remaining: int
    instrument_id: str
    instrument: Instrument
    is_buy: bool
    size: int  # open size in position units (payout units on decimal odds)
    currency: str  # "" when the order has no price: no lock and no exposure
    lock: int  # cash the order locks, micro-units
    key: tuple[str, str] | None  # (currency, venue)
    exposure: int  # signed: + for a buy or back


class _OrderSums:
    """The open orders' part of the totals, kept between checks: ``entries`` are the orders
    counted, by client id; the sums change by an order's part as it comes, changes or goes."""

    __slots__ = ("entries", "open_buy", "open_sell", "locked", "gross", "gross_all", "net")

    def __init__(self) -> None:
        self.entries: dict[str, _OrderEntry] = {}
        self.open_buy: dict[str, int] = {}
        self.open_sell: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        self.gross: dict[tuple[str, str], int] = {}
        self.gross_all: dict[str, int] = {}
        self.net: dict[str, int] = {}

    def add(self, entry: _OrderEntry, sign: int) -> None:
        """Add (``sign`` 1) or take out (-1) one order's part."""
        sizes = self.open_buy if entry.is_buy else self.open_sell
        instrument_id = entry.instrument_id
        sizes[instrument_id] = sizes.get(instrument_id, 0) + sign * entry.size
        currency = entry.currency
        if not currency:
            return
        exposure = sign * entry.exposure
        self.locked[currency] = self.locked.get(currency, 0) + sign * entry.lock
        self.gross[entry.key] = self.gross.get(entry.key, 0) + sign * abs(entry.exposure)
        self.gross_all[currency] = self.gross_all.get(currency, 0) + sign * abs(entry.exposure)
        self.net[currency] = self.net.get(currency, 0) + exposure


class _Holdings:
    """Positions and the holdings' exposure sums at one ``version`` of ``portfolio``, with
    the instrument definitions they were valued with."""

    __slots__ = ("portfolio", "version", "definitions", "positions", "gross", "gross_all", "net")

    def __init__(self, portfolio, version: int) -> None:
        self.portfolio = portfolio
        self.version = version
        self.definitions: tuple[tuple[str, Instrument], ...] = ()
        self.positions: dict[str, int] = {}
        self.gross: dict[tuple[str, str], int] = {}
        self.gross_all: dict[str, int] = {}
        self.net: dict[str, int] = {}


class _Totals:
    """The figures of one check: the holdings' part plus the open orders' sums (micro-units;
    sizes for the open sizes and positions). Positions, open sizes and locked cash are the
    parts' own dicts (read only)."""

    __slots__ = ("positions", "open_buy", "open_sell", "locked", "gross", "gross_all", "net")

    def __init__(self, held: _Holdings, orders: _OrderSums) -> None:
        self.positions = held.positions
        self.open_buy = orders.open_buy
        self.open_sell = orders.open_sell
        self.locked = orders.locked
        self.gross = _merged(held.gross, orders.gross)
        self.gross_all = _merged(held.gross_all, orders.gross_all)
        self.net = _merged(held.net, orders.net)


def _merged(one: dict, other: dict) -> dict:
    total = dict(one)
    for key, value in other.items():
        total[key] = total.get(key, 0) + value
    return total
