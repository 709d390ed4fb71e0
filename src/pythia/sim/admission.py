"""Whether the simulated venue accepts an order: the checks that need its state.

After the static checks of ``rules.py``: duplicate client id first, unknown instrument,
then the static checks, a closed market (``MARKET_CLOSED``), reduce-only against the
account's position, post-only against the book (after our own consumption) and the balance.

Balance (``INSUFFICIENT_BALANCE``): a sell of an outcome token or spot instrument needs the
position not already promised to this venue's open sells (no short selling; perpetuals may
go short and skip the check). A buy, and on Betfair a back (stake) or a lay (liability),
needs available cash for its worst case at its limit price, or for a market order without a
price the cost of walking the book for its size, plus the worst-case fee, on top of the cash
this venue's open orders already reserve in that currency.
"""

from __future__ import annotations

from typing import Protocol

from pythia.model.enums import BookSide
from pythia.model.instruments import Instrument
from pythia.model.orders import OrderRequest, RejectReason
from pythia.sim.cash import cash_to_lock, needs_position, pays_cash, rest_side, walk_cost_micros
from pythia.sim.matching import VenueBooks
from pythia.sim.models.base import VenueProfile
from pythia.sim.orders import OrderBookkeeping
from pythia.sim.rules import increases_position, static_reject


class AccountView(Protocol):
    """The portfolio as the simulator sees it."""

    def available(self, currency: str) -> int:
        """Cash available, in micro-units of ``currency``."""
        ...

    def position(self, instrument_id: str) -> int:
        """Position in the instrument's size units (negative when short)."""
        ...


def check_order(
    request: OrderRequest,
    ts_ns: int,
    books: VenueBooks,
    orders: OrderBookkeeping,
    account: AccountView,
    profile: VenueProfile,
    closed: set[str],
) -> RejectReason | None:
    """Return why the venue refuses ``request`` at ``ts_ns``, or None to accept it."""
    if request.client_order_id in orders.seen_client_ids:
        return RejectReason.DUPLICATE_CLIENT_ID
    instrument = books.instruments.get(request.instrument_id)
    if instrument is None:
        return RejectReason.UNKNOWN_INSTRUMENT
    reason = static_reject(request, instrument, profile, ts_ns)
    if reason is not None:
        return reason
    if instrument.id in closed:
        return RejectReason.MARKET_CLOSED
    if request.reduce_only and increases_position(
        request.side, request.size, account.position(instrument.id)
    ):
        return RejectReason.REDUCE_ONLY_WOULD_INCREASE
    resting = rest_side(instrument, request.side)
    if request.post_only and books.crosses(instrument.id, resting, request.price):
        return RejectReason.POST_ONLY_WOULD_CROSS
    if not has_funds(request, instrument, resting, books, orders, account, profile):
        return RejectReason.INSUFFICIENT_BALANCE
    return None


def has_funds(
    request: OrderRequest,
    instrument: Instrument,
    resting: BookSide,
    books: VenueBooks,
    orders: OrderBookkeeping,
    account: AccountView,
    profile: VenueProfile,
) -> bool:
    """Return True when the account covers ``request`` on top of the open orders."""
    side = request.side
    if needs_position(instrument, side):
        reserved = orders.reserved_size.get(instrument.id, 0)
        return account.position(instrument.id) - reserved >= request.size
    if not pays_cash(instrument, side):
        return True
    fee_model = profile.fee_model
    if request.price is None:
        walk = books.take(books.offers(instrument.id, resting, None), request.size, consume=False)
        needed = walk_cost_micros(fee_model, instrument, side, walk)
    else:
        needed = cash_to_lock(fee_model, instrument, side, request.price, request.size)
    currency = instrument.quote_currency
    return account.available(currency) >= needed + orders.reserved_cash.get(currency, 0)
