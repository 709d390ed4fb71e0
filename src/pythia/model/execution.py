"""Execution reports from a venue: order state updates and fills (user channels)."""

from __future__ import annotations

import enum

import msgspec

from pythia.model.enums import Side


class OrderStatus(enum.Enum):
    PENDING = "pending"  # submitted, not yet acknowledged
    OPEN = "open"  # accepted and resting
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Liquidity(enum.Enum):
    MAKER = "maker"
    TAKER = "taker"


class OrderUpdate(msgspec.Struct, frozen=True, gc=False):
    """The venue's view of one of our orders. Prices and sizes in instrument units."""

    instrument_id: str
    venue_order_id: str
    side: Side
    price: int
    original_size: int
    filled_size: int
    status: OrderStatus
    ts_event_ns: int
    ts_recv_ns: int
    client_order_id: str = ""
    reason: str = ""
    """Why the order was rejected, cancelled or expired (a ``RejectReason`` value or text)."""


class FillReport(msgspec.Struct, frozen=True, gc=False):
    """One fill of one of our orders. ``fee_micros`` is in micro-units of ``fee_currency``."""

    instrument_id: str
    venue_order_id: str
    trade_id: str
    side: Side
    price: int
    size: int
    liquidity: Liquidity
    fee_micros: int
    fee_currency: str
    ts_event_ns: int
    ts_recv_ns: int
    status: str = ""
    """Venue settlement status where it has one (Polymarket MATCHED, MINED, CONFIRMED, ...)."""
    client_order_id: str = ""
    cash_micros: int = 0
    """Signed cash change of the fill before fees, in micro-units of the quote currency
    (negative when buying). Set by the venue (or the simulator, with the venue's rounding);
    0 when the venue does not report it."""
