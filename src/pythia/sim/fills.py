"""Order state changes of the simulated venue: fills, closes, reservations, and the fills
market events cause for resting orders.

:class:`Matcher` owns the venue-side books (:class:`VenueBooks`) and the order bookkeeping
(:class:`OrderBookkeeping`); the venue facade calls it. Every fill is a :class:`FillReport`
(fee from the profile's fee model in the instrument's quote currency, signed cash from
``cash.py``) followed by an :class:`OrderUpdate` with the new filled size.
"""

from __future__ import annotations

import random

from pythia.model.enums import BookSide
from pythia.model.events import BookDelta, BookSnapshot, Trade
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument
from pythia.ports.execution import VenueResponse
from pythia.sim.cash import (
    cash_to_lock,
    fill_cash_micros,
    needs_position,
    opposite,
    rest_side,
    within_limit,
)
from pythia.sim.matching import LevelKey, VenueBooks
from pythia.sim.models.base import VenueProfile
from pythia.sim.orders import OrderBookkeeping, SimOrder, update_of
from pythia.sim.resting import RISK_AVERSE_FALLBACK, advance_queue, allocate_trade

EXPIRED = "expired"


_NOTHING_WATCHED: frozenset = frozenset()


class Matcher:
    """Books, orders and the rules that turn market events into fills."""

    def __init__(self, profile: VenueProfile, rng: random.Random) -> None:
        self.profile = profile
        self.rng = rng
        self.queue_model = profile.queue_model or RISK_AVERSE_FALLBACK
        self.books = VenueBooks(profile.complementary_matching)
        self.orders = OrderBookkeeping()

    # ---- order state ------------------------------------------------------------------------
    def fill(
        self,
        order: SimOrder,
        instrument: Instrument,
        price: int,
        size: int,
        liquidity: Liquidity,
        ts_ns: int,
    ) -> list[VenueResponse]:
        """Fill ``size`` of ``order`` at ``price``; close it when nothing remains."""
        order.filled += size
        fill = FillReport(
            instrument_id=instrument.id,
            venue_order_id=order.venue_order_id,
            trade_id=self.orders.next_trade_id(),
            side=order.side,
            price=price,
            size=size,
            liquidity=liquidity,
            fee_micros=self.profile.fee_model.fee_micros(instrument, price, size, liquidity),
            fee_currency=instrument.quote_currency,
            ts_event_ns=ts_ns,
            ts_recv_ns=ts_ns,
            client_order_id=order.client_order_id,
            cash_micros=fill_cash_micros(instrument, order.side, price, size),
        )
        if order.remaining == 0:
            update = update_of(order, OrderStatus.FILLED, ts_ns)
            self.orders.close(order, update)
            return [fill, update]
        order.status = OrderStatus.PARTIALLY_FILLED
        if order.client_order_id in self.orders.open:
            self.reserve(order, instrument)
        return [fill, update_of(order, OrderStatus.PARTIALLY_FILLED, ts_ns)]

    def reserve(self, order: SimOrder, instrument: Instrument) -> None:
        """Hold back the worst-case cash (or the size) the rest of ``order`` may need."""
        side, remaining = order.side, order.remaining
        cash = cash_to_lock(self.profile.fee_model, instrument, side, order.price, remaining)
        size = remaining if needs_position(instrument, side) else 0
        self.orders.reserve(order, cash, size)

    def close(self, order: SimOrder, status: OrderStatus, ts_ns: int, reason: str) -> OrderUpdate:
        """End ``order`` with ``status`` and release its reservations."""
        update = update_of(order, status, ts_ns, reason)
        self.orders.close(order, update)
        return update

    def expire(self, ts_ns: int) -> list[VenueResponse]:
        """EXPIRED updates of GTD orders due at ``ts_ns``."""
        return [
            self.close(order, OrderStatus.EXPIRED, ts_ns, EXPIRED)
            for order in self.orders.due(ts_ns)
        ]

    def take(
        self, order: SimOrder, instrument: Instrument, limit: int | None, ts_ns: int
    ) -> list[VenueResponse]:
        """Walk the book for ``order`` as taker, best price first, up to ``limit``."""
        responses: list[VenueResponse] = []
        offers = self.books.offers(instrument.id, order.rest_side, limit)
        for price, size in self.books.take(offers, order.remaining):
            responses.extend(self.fill(order, instrument, price, size, Liquidity.TAKER, ts_ns))
        return responses

    # ---- market events ----------------------------------------------------------------------
    def on_book(self, event: BookSnapshot | BookDelta) -> list[VenueResponse]:
        """Apply a book update (``DataError`` on bad input, nothing changed), expire due
        orders, advance queues at the levels it set, then fill orders it moved through."""
        ts_ns = event.ts_recv_ns
        instrument_id = event.instrument_id
        if instrument_id not in self.books.books:
            return self.expire(ts_ns)
        orders = self.orders
        if not orders.by_instrument.get(instrument_id) and not orders.is_due(ts_ns):
            complement_id = self.books.complement(instrument_id)
            if complement_id is None or not orders.by_instrument.get(complement_id):
                # Fast path: no resting order can be touched by this update.
                self.books.apply(event, _NOTHING_WATCHED)
                return []
        by_level: dict[LevelKey, list[SimOrder]] = {}
        for order in self.orders.on_instrument(instrument_id):
            by_level.setdefault((order.rest_side, order.price), []).append(order)
        changes = self.books.apply(event, set(by_level))
        responses = self.expire(ts_ns)
        for change in changes:
            orders = [
                order
                for order in by_level[(change.side, change.price)]
                if order.client_order_id in self.orders.open
            ]
            advance_queue(self.queue_model, orders, change, self.rng)
        responses.extend(self.cross_fills(instrument_id, ts_ns))
        complement_id = self.books.complement(instrument_id)
        if complement_id is not None and self.books.complement(complement_id) == instrument_id:
            responses.extend(self.cross_fills(complement_id, ts_ns))
        return responses

    def cross_fills(self, instrument_id: str, ts_ns: int) -> list[VenueResponse]:
        """Fill resting orders that the other side of the book moved through, as maker at
        their own price, against the size displayed at crossing prices (consumed)."""
        responses: list[VenueResponse] = []
        instrument = self.books.instruments[instrument_id]
        for order in sorted(self.orders.on_instrument(instrument_id), key=SimOrder.priority):
            offers = self.books.offers(instrument_id, order.rest_side, order.price)
            quantity = sum(size for _, size in self.books.take(offers, order.remaining))
            if quantity > 0:
                responses.extend(
                    self.fill(order, instrument, order.price, quantity, Liquidity.MAKER, ts_ns)
                )
        return responses

    def on_trade(self, trade: Trade) -> list[VenueResponse]:
        """Fill resting orders a print reached (see ``resting.py``), as maker at their price."""
        instrument = self.books.instruments.get(trade.instrument_id)
        if instrument is None or trade.size <= 0:
            return []
        hit = self.hit_side(trade, instrument)
        if hit is None:
            return []
        self.books.record_trade(instrument.id, hit, trade.price, trade.size)
        reached = sorted(
            (
                order
                for order in self.orders.on_instrument(instrument.id)
                if order.rest_side is hit and within_limit(hit, trade.price, order.price)
            ),
            key=SimOrder.priority,
        )
        responses: list[VenueResponse] = []
        for order, quantity in allocate_trade(reached, trade.price, trade.size):
            responses.extend(
                self.fill(
                    order, instrument, order.price, quantity, Liquidity.MAKER, trade.ts_recv_ns
                )
            )
        return responses

    def hit_side(self, trade: Trade, instrument: Instrument) -> BookSide | None:
        """The book side a print took from: the aggressor's opposite; without an aggressor,
        the side the price touches (None inside the spread: no fill, conservatively)."""
        if trade.aggressor is not None:
            return opposite(rest_side(instrument, trade.aggressor))
        book = self.books.books[instrument.id]
        bid, ask = book.best_bid_price, book.best_ask_price
        if ask is not None and trade.price >= ask:
            return BookSide.ASK
        if bid is not None and trade.price <= bid:
            return BookSide.BID
        return None
