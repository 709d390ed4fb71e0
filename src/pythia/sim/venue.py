"""The simulated venue: order checks and matching against the replayed book.

Pure and synchronous: time comes in as ``ts_ns`` (or an event's ``ts_recv_ns``), the only
randomness is the ``random.Random`` given at construction (used by the queue model), and
the same inputs with the same seed give the same responses, byte for byte.

Responses of one call, in order: EXPIRED updates of GTD orders that came due (checked at
the start of every call), then what the call itself caused. An accepted order gets an OPEN
update, then for every fill a :class:`FillReport` followed by an update with the new
``filled_size`` (PARTIALLY_FILLED or FILLED), and a final CANCELED update if it does not
rest (FOK ``fok_not_fillable``, IOC and market orders ``ioc_remainder``). A refused order
gets one REJECTED update whose ``reason`` is a :class:`RejectReason` value
(``admission.py`` and ``rules.py`` list the checks).

Matching (``matching.py``: consumption and complementary liquidity; ``resting.py``: queue
position; ``fills.py``: fills caused by market events):

- A crossing order walks the venue-side book up to its limit, best price first, as taker.
- GTC and GTD limit orders rest their remainder behind the size displayed at their price.
- Resting orders fill as maker at their own price when trades reach them, when a trade
  prints through their price, or when the other side of the book moves through it (up to
  the size displayed at crossing prices, which is then consumed).
- A market closed by ``MarketStatus`` (CLOSED or SETTLED) or a ``Resolution`` cancels its
  resting orders (reason ``market_closed``) and refuses new ones; ``MarketStatus`` OPEN
  reopens a closed market that has not resolved.

The account is expected to reflect every response before the next call: the simulator
reserves cash and size only for its own open orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from operator import attrgetter

from msgspec.structs import replace as replace_struct

from pythia.book import OrderBook
from pythia.model.enums import MarketState
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    MarketStatus,
    Resolution,
    TickSizeChange,
    Trade,
)
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, PriceSpace, probability_scheme
from pythia.model.orders import (
    CancelRequest,
    OrderRequest,
    RejectReason,
    ReplaceRequest,
    TimeInForce,
)
from pythia.ports.execution import VenueResponse
from pythia.sim.admission import AccountView, check_order
from pythia.sim.cash import rest_side
from pythia.sim.fills import Matcher
from pythia.sim.models.base import VenueProfile
from pythia.sim.orders import OpenOrder, SimOrder, rejection, unknown_order, update_of, view_of
from pythia.sim.rules import effective_time_in_force

__all__ = ["AccountView", "OpenOrder", "SimulatedVenue"]

CANCELED_BY_USER = "canceled"
REPLACED = "replaced"
IOC_REMAINDER = "ioc_remainder"
_CLOSING_STATES = frozenset({MarketState.CLOSED, MarketState.SETTLED})
_TAKE_AND_CANCEL = frozenset({TimeInForce.IOC, TimeInForce.FOK})


class SimulatedVenue:
    """A venue that matches orders against its own copy of the replayed books.

    Implements :class:`pythia.ports.execution.ExecutionVenue`.

    >>> import random
    >>> from pythia.model.enums import Side
    >>> from pythia.model.instruments import crypto_instrument
    >>> class NoFees:
    ...     def fee_micros(self, instrument, price, size, liquidity): return 0
    >>> class Account:
    ...     def available(self, currency): return 10**12
    ...     def position(self, instrument_id): return 0
    >>> btc = crypto_instrument("BTCUSDT", "sim", "BTCUSDT", 2, 8, "BTC", "USDT")
    >>> venue = SimulatedVenue(VenueProfile("sim", NoFees()), Account(), random.Random(7), [btc])
    >>> _ = venue.on_market_event(BookSnapshot("BTCUSDT", ((6000000, 10**8),),
    ...                                        ((6000100, 10**8),), 1, 2))
    >>> [r.status for r in venue.submit(OrderRequest("c1", "BTCUSDT", Side.BUY, 5 * 10**7,
    ...                                              6000100), ts_ns=3)][::2]
    [<OrderStatus.OPEN: 'open'>, <OrderStatus.FILLED: 'filled'>]
    """

    def __init__(
        self,
        profile: VenueProfile,
        account: AccountView,
        rng: random.Random,
        instruments: Iterable[Instrument] = (),
    ) -> None:
        self.profile = profile
        self._account = account
        self._matcher = Matcher(profile, rng)
        self._books = self._matcher.books
        self._orders = self._matcher.orders
        self._closed: set[str] = set()
        self._resolved: set[str] = set()
        for instrument in instruments:
            self.add_instrument(instrument)

    # ---- reading ----------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument tradable (or update its definition)."""
        self._books.add(instrument)

    def book(self, instrument_id: str) -> OrderBook:
        """The venue-side book of an instrument (read it, do not modify it)."""
        try:
            return self._books.books[instrument_id]
        except KeyError:
            raise KeyError(f"unknown instrument {instrument_id!r}") from None

    def open_orders(self, instrument_id: str | None = None) -> list[OpenOrder]:
        """Frozen views of the open orders (of one instrument), in arrival order."""
        if instrument_id is None:
            orders = sorted(self._orders.open.values(), key=attrgetter("sequence"))
        else:
            orders = self._orders.on_instrument(instrument_id)
        return [view_of(order) for order in orders]

    def query_order(self, client_order_id: str, ts_ns: int) -> OrderUpdate | None:
        """The venue's view of an order by client id at ``ts_ns`` (``OrderQuery``); None
        when the venue never saw that id.

        An open order: OPEN or PARTIALLY_FILLED with its filled size. A finished order: its
        last update (FILLED, CANCELED or EXPIRED, with its reason). A refused order: the
        simulator keeps only its client id, so the answer is a bare REJECTED update (no
        venue id, instrument, price, size or reason; side BUY). Every answer is stamped
        ``ts_ns``. Nothing changes: due GTD orders are not expired here (``expire`` is).
        """
        order = self._orders.open.get(client_order_id)
        if order is not None:
            return update_of(order, order.status, ts_ns)
        last = self._orders.closed.get(client_order_id)
        if last is not None:
            return replace_struct(last, ts_event_ns=ts_ns, ts_recv_ns=ts_ns)
        if client_order_id not in self._orders.seen_client_ids:
            return None
        return replace_struct(unknown_order(client_order_id, "", None, ts_ns), reason="")

    # ---- order entry ------------------------------------------------------------------------
    def submit(self, request: OrderRequest, ts_ns: int) -> list[VenueResponse]:
        """Check and match a new order at venue time ``ts_ns``."""
        responses = self.expire(ts_ns)
        responses.extend(self._submit(request, ts_ns))
        return responses

    def cancel(self, request: CancelRequest, ts_ns: int) -> list[VenueResponse]:
        """Cancel an open order; an unknown or closed one is answered with ``unknown_order``."""
        responses = self.expire(ts_ns)
        order = self._orders.open.get(request.client_order_id)
        if order is None or order.instrument_id != request.instrument_id:
            responses.append(self._unknown(request.client_order_id, request.instrument_id, ts_ns))
            return responses
        responses.append(self._matcher.close(order, OrderStatus.CANCELED, ts_ns, CANCELED_BY_USER))
        return responses

    def replace(self, request: ReplaceRequest, ts_ns: int) -> list[VenueResponse]:
        """Cancel an open order (reason ``replaced``) and submit its replacement as a new
        order with its own checks. Nothing happens to the old order when it is not open
        (``unknown_order``) or the replacement is for another instrument (``invalid``)."""
        responses = self.expire(ts_ns)
        new = request.replacement
        old = self._orders.open.get(request.client_order_id)
        if old is None:
            responses.append(self._unknown(request.client_order_id, new.instrument_id, ts_ns))
            responses.append(self._reject(new, RejectReason.UNKNOWN_ORDER, ts_ns))
            return responses
        if new.instrument_id != old.instrument_id:
            responses.append(self._reject(new, RejectReason.INVALID, ts_ns))
            return responses
        responses.append(self._matcher.close(old, OrderStatus.CANCELED, ts_ns, REPLACED))
        responses.extend(self._submit(new, ts_ns))
        return responses

    def expire(self, ts_ns: int) -> list[VenueResponse]:
        """Expire GTD orders whose ``expire_ts_ns`` is at or before ``ts_ns``."""
        return self._matcher.expire(ts_ns)

    # ---- market data ------------------------------------------------------------------------
    def on_market_event(self, event: MarketEvent) -> list[VenueResponse]:
        """Apply a market event at its ``ts_recv_ns``; return the fills and updates it caused.

        A malformed or crossed book update raises ``DataError`` with nothing changed.
        """
        if isinstance(event, BookSnapshot | BookDelta):
            return self._matcher.on_book(event)
        ts_ns = event.ts_recv_ns
        responses = self.expire(ts_ns)
        if isinstance(event, Trade):
            responses.extend(self._matcher.on_trade(event))
        elif isinstance(event, MarketStatus):
            ids = (
                {event.instrument_id}
                if event.instrument_id
                else self._market_instruments(event.market_id)
            )
            if event.state in _CLOSING_STATES:
                responses.extend(self._close_market(ids, ts_ns))
            elif event.state is MarketState.OPEN:
                self._closed -= ids - self._resolved
        elif isinstance(event, Resolution):
            named = event.winners + event.losers + event.removed
            ids = self._market_instruments(event.market_id) | set(named)
            self._resolved |= ids
            responses.extend(self._close_market(ids, ts_ns))
        elif isinstance(event, TickSizeChange):
            self._on_tick_change(event)
        elif isinstance(event, InstrumentDefinition) and isinstance(event.definition, Instrument):
            self.add_instrument(event.definition)
        return responses

    def _on_tick_change(self, event: TickSizeChange) -> None:
        instrument = self._books.instruments.get(event.instrument_id)
        if instrument is None:
            return
        if instrument.price_space is PriceSpace.PROBABILITY:
            ticks = probability_scheme(event.new_tick, instrument.price_decimals)
        else:
            ticks = instrument.ticks.with_tick(event.new_tick)
        self.add_instrument(instrument.with_ticks(ticks))

    def _market_instruments(self, market_id: str) -> set[str]:
        """The instruments of a market (an outcome token's ``market_id``, or the id itself)."""
        return {
            instrument_id
            for instrument_id, instrument in self._books.instruments.items()
            if instrument_id == market_id or getattr(instrument, "market_id", None) == market_id
        }

    def _close_market(self, instrument_ids: set[str], ts_ns: int) -> list[VenueResponse]:
        self._closed |= instrument_ids
        open_orders = self._orders.open.values()
        doomed = sorted(
            (order for order in open_orders if order.instrument_id in instrument_ids),
            key=attrgetter("sequence"),
        )
        reason = RejectReason.MARKET_CLOSED.value
        return [self._matcher.close(order, OrderStatus.CANCELED, ts_ns, reason) for order in doomed]

    # ---- submission -------------------------------------------------------------------------
    def _submit(self, request: OrderRequest, ts_ns: int) -> list[VenueResponse]:
        reason = check_order(
            request, ts_ns, self._books, self._orders, self._account, self.profile, self._closed
        )
        if reason is not None:
            return [self._reject(request, reason, ts_ns)]
        instrument = self._books.instruments[request.instrument_id]
        self._orders.seen_client_ids.add(request.client_order_id)
        sequence, venue_order_id = self._orders.next_venue_order_id()
        order = SimOrder(
            sequence=sequence,
            venue_order_id=venue_order_id,
            request=request,
            rest_side=rest_side(instrument, request.side),
            price=request.price if request.price is not None else 0,
            currency=instrument.quote_currency,
            ts_accepted_ns=ts_ns,
        )
        responses: list[VenueResponse] = [update_of(order, OrderStatus.OPEN, ts_ns)]
        time_in_force = effective_time_in_force(request)
        limit = request.price
        if time_in_force is TimeInForce.FOK and (
            self._books.fillable(instrument.id, order.rest_side, limit, order.size) < order.size
        ):
            reason_text = RejectReason.FOK_NOT_FILLABLE.value
            responses.append(self._matcher.close(order, OrderStatus.CANCELED, ts_ns, reason_text))
            return responses
        if not request.post_only:
            responses.extend(self._matcher.take(order, instrument, limit, ts_ns))
        if order.remaining == 0:
            return responses
        if time_in_force in _TAKE_AND_CANCEL:
            responses.append(self._matcher.close(order, OrderStatus.CANCELED, ts_ns, IOC_REMAINDER))
            return responses
        order.ahead = self._books.books[instrument.id].size_at(order.rest_side, order.price)
        self._orders.rest(order)
        self._matcher.reserve(order, instrument)
        return responses

    def _reject(self, request: OrderRequest, reason: RejectReason, ts_ns: int) -> OrderUpdate:
        if reason is not RejectReason.DUPLICATE_CLIENT_ID:
            self._orders.seen_client_ids.add(request.client_order_id)
        return rejection(request, reason.value, ts_ns)

    def _unknown(self, client_order_id: str, instrument_id: str, ts_ns: int) -> OrderUpdate:
        last = self._orders.closed.get(client_order_id)
        return unknown_order(client_order_id, instrument_id, last, ts_ns)
