"""Order checks that need only the request, the instrument and the venue profile.

The checks that need state (duplicate client ids, closed markets, reduce-only against the
position, post-only against the book, the balance) run in the venue, after these.

Order of the checks, first failure wins: size (a positive int) and price (an int, present
on limit orders) -> ``INVALID``; order type, time in force, post-only (only on GTC/GTD limit
orders) and reduce-only against the profile -> ``UNSUPPORTED_ORDER_TYPE``; a GTD order
needs an expiry after now -> ``INVALID``; price bounds (``PRICE_OUT_OF_BOUNDS``, before the
tick) and tick (``OFF_TICK``); ``min_size`` and the profile's ``min_notional_micros`` ->
``BELOW_MIN_SIZE``.
"""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.model.instruments import Instrument
from pythia.model.orders import OrderRequest, OrderType, RejectReason, TimeInForce
from pythia.sim.cash import notional_micros
from pythia.sim.models.base import VenueProfile

_POST_ONLY_TIFS = frozenset({TimeInForce.GTC, TimeInForce.GTD})


def static_reject(
    request: OrderRequest, instrument: Instrument, profile: VenueProfile, ts_ns: int
) -> RejectReason | None:
    """Return why the venue refuses ``request`` on its own terms, or None."""
    size, price = request.size, request.price
    if size.__class__ is not int or size <= 0:
        return RejectReason.INVALID
    if price is not None and price.__class__ is not int:
        return RejectReason.INVALID
    if request.order_type is OrderType.LIMIT and price is None:
        return RejectReason.INVALID
    if not isinstance(request.side, Side):
        return RejectReason.INVALID
    if (
        request.order_type not in profile.order_types
        or request.time_in_force not in profile.time_in_force
    ):
        return RejectReason.UNSUPPORTED_ORDER_TYPE
    if request.post_only and (
        not profile.supports_post_only
        or request.order_type is not OrderType.LIMIT
        or request.time_in_force not in _POST_ONLY_TIFS
    ):
        return RejectReason.UNSUPPORTED_ORDER_TYPE
    if request.reduce_only and not profile.supports_reduce_only:
        return RejectReason.UNSUPPORTED_ORDER_TYPE
    if (
        request.order_type is OrderType.LIMIT
        and request.time_in_force is TimeInForce.GTD
        and request.expire_ts_ns <= ts_ns
    ):
        return RejectReason.INVALID
    if price is not None:
        if price < instrument.price_min or price > instrument.price_max:
            return RejectReason.PRICE_OUT_OF_BOUNDS
        if not instrument.ticks.is_valid(price):
            return RejectReason.OFF_TICK
    if size < instrument.min_size:
        return RejectReason.BELOW_MIN_SIZE
    if (
        profile.min_notional_micros > 0
        and price is not None
        and notional_micros(instrument, price, size) < profile.min_notional_micros
    ):
        return RejectReason.BELOW_MIN_SIZE
    return None


def increases_position(side: Side, size: int, position: int) -> bool:
    """Return True when an order would not reduce ``position``: it adds to it (or opens
    one), or it is larger than the position and would flip it."""
    signed = size if side is Side.BUY else -size
    after = position + signed
    return abs(after) > abs(position) or (after != 0 and (after > 0) != (position > 0))


def effective_time_in_force(request: OrderRequest) -> TimeInForce:
    """Market orders never rest: they are IOC unless FOK."""
    if request.order_type is OrderType.MARKET and request.time_in_force is not TimeInForce.FOK:
        return TimeInForce.IOC
    return request.time_in_force
