"""Order requests: what a strategy asks a venue for. Frozen; state lives in ``orders/``.

Prices and sizes are integers in the instrument's units. A Betfair order's ``price`` is the
decimal odds and its ``size`` the stake (``Side.BUY`` = back, ``Side.SELL`` = lay).
"""

from __future__ import annotations

import enum

import msgspec

from pythia.model.enums import Side


class OrderType(enum.Enum):
    LIMIT = "limit"
    MARKET = "market"  # a marketable limit: walks the book up to ``price`` (or any price)


class TimeInForce(enum.Enum):
    GTC = "gtc"  # good till cancelled
    GTD = "gtd"  # good till ``expire_ts_ns``
    FOK = "fok"  # fill entirely at once or cancel
    IOC = "ioc"  # fill what is possible at once, cancel the rest (Polymarket FAK)


class OrderRequest(msgspec.Struct, frozen=True, gc=False):
    """A new order. ``client_order_id`` is unique per run and idempotent."""

    client_order_id: str
    instrument_id: str
    side: Side
    size: int
    price: int | None = None
    order_type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    expire_ts_ns: int = 0
    strategy_id: str = ""


class CancelRequest(msgspec.Struct, frozen=True, gc=False):
    client_order_id: str
    instrument_id: str
    strategy_id: str = ""


class ReplaceRequest(msgspec.Struct, frozen=True, gc=False):
    """Cancel ``client_order_id`` and place ``replacement`` (a new client id) in one step."""

    client_order_id: str
    replacement: OrderRequest


class RejectReason(enum.Enum):
    """Why a venue (real or simulated) refused an order; the venue's own reason."""

    OFF_TICK = "off_tick"
    BELOW_MIN_SIZE = "below_min_size"
    PRICE_OUT_OF_BOUNDS = "price_out_of_bounds"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    POST_ONLY_WOULD_CROSS = "post_only_would_cross"
    UNSUPPORTED_ORDER_TYPE = "unsupported_order_type"
    FOK_NOT_FILLABLE = "fok_not_fillable"
    REDUCE_ONLY_WOULD_INCREASE = "reduce_only_would_increase"
    UNKNOWN_INSTRUMENT = "unknown_instrument"
    UNKNOWN_ORDER = "unknown_order"
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    MARKET_CLOSED = "market_closed"
    INVALID = "invalid"
