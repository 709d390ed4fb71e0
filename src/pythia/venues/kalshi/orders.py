"""Pure conversions between Kalshi's order and fill JSON and Pythia's order model.

An order on ``kalshi:<ticker>:yes`` is a Kalshi order with ``side`` ``yes``, one on the NO
token has ``side`` ``no``; ``Side.BUY``/``Side.SELL`` are ``action`` ``buy``/``sell``. Prices
are the token's own price in dollars (``yes_price_dollars`` or ``no_price_dollars``, 4
decimals: 1200 units = ``"0.1200"``), counts are ``count_fp`` (2 decimals), cash is micros of
USD (Kalshi's cents x 10**4). Every decimal goes through ``parse_units``/``format_units``:
nothing is rounded.

Status: ``resting`` is OPEN (PARTIALLY_FILLED once something filled), ``executed`` is FILLED,
``canceled`` is CANCELED. Error codes: :data:`REJECT_CODES` maps Pythia's reject reasons to the
codes the emulator answers with, :func:`reject_reason` maps a code back.
"""

from __future__ import annotations

from pythia.core.clock import NS_PER_MS, NS_PER_S, iso_to_ns, ns_to_iso
from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, format_units, parse_units, rescale
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.orders import OrderRequest, OrderType, RejectReason, TimeInForce
from pythia.venues.kalshi import wire
from pythia.venues.kalshi.markets import ONE, PRICE_DECIMALS, SIZE_DECIMALS, VENUE, token_ids

CENT_DECIMALS = 2
CURRENCY = "USD"

TIME_IN_FORCE = {
    TimeInForce.GTC: "good_till_canceled",
    TimeInForce.FOK: "fill_or_kill",
    TimeInForce.IOC: "immediate_or_cancel",
}
_TIF_BY_NAME = {name: tif for tif, name in TIME_IN_FORCE.items()}

REJECT_CODES: dict[RejectReason, tuple[int, str]] = {
    RejectReason.INSUFFICIENT_BALANCE: (400, "insufficient_balance"),
    RejectReason.OFF_TICK: (400, "invalid_price"),
    RejectReason.PRICE_OUT_OF_BOUNDS: (400, "invalid_price"),
    RejectReason.BELOW_MIN_SIZE: (400, "invalid_count"),
    RejectReason.POST_ONLY_WOULD_CROSS: (400, "post_only_cross"),
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: (400, "reduce_only_would_increase"),
    RejectReason.UNSUPPORTED_ORDER_TYPE: (400, "invalid_parameters"),
    RejectReason.INVALID: (400, "invalid_parameters"),
    RejectReason.MARKET_CLOSED: (400, "market_closed"),
    RejectReason.UNKNOWN_INSTRUMENT: (404, "market_not_found"),
    RejectReason.UNKNOWN_ORDER: (404, "not_found"),
    RejectReason.DUPLICATE_CLIENT_ID: (409, "order_already_exists"),
}
"""HTTP status and Kalshi error code for each reason (the emulator's choice where Kalshi's
exact code is not documented; see docs/venues/kalshi.md)."""

_REASON_BY_CODE = {
    "insufficient_balance": RejectReason.INSUFFICIENT_BALANCE,
    "invalid_count": RejectReason.BELOW_MIN_SIZE,
    "post_only_cross": RejectReason.POST_ONLY_WOULD_CROSS,
    "reduce_only_would_increase": RejectReason.REDUCE_ONLY_WOULD_INCREASE,
    "invalid_parameters": RejectReason.INVALID,
    "market_closed": RejectReason.MARKET_CLOSED,
    "market_not_found": RejectReason.UNKNOWN_INSTRUMENT,
    "not_found": RejectReason.UNKNOWN_ORDER,
    "order_already_exists": RejectReason.DUPLICATE_CLIENT_ID,
    "invalid_price": RejectReason.OFF_TICK,
}


def reject_reason(code: str) -> str:
    """The Pythia reject reason of a Kalshi error code (the code itself when unknown)."""
    reason = _REASON_BY_CODE.get(code)
    return reason.value if reason is not None else code


# ---- units ------------------------------------------------------------------------------------
def dollars(price: int) -> str:
    """Price units -> ``"0.1200"``."""
    return format_units(price, PRICE_DECIMALS)


def count(size: int) -> str:
    """Size units -> ``"10.00"``."""
    return format_units(size, SIZE_DECIMALS)


def micros_to_dollars(micros: int) -> str:
    """Cash micros -> dollars, 4 decimals when exact, else 6."""
    if micros % 100 == 0:
        return format_units(micros // 100, 4)
    return format_units(micros, MONEY_DECIMALS)


def dollars_to_micros(text: str) -> int:
    return parse_units(text, MONEY_DECIMALS) if text else 0


def cents_to_micros(cents: int) -> int:
    return rescale(cents, CENT_DECIMALS, MONEY_DECIMALS)


def split_instrument(instrument_id: str) -> tuple[str, str]:
    """``kalshi:<ticker>:yes`` -> (ticker, "yes"); ``DataError`` for anything else."""
    venue, _, rest = instrument_id.partition(":")
    ticker, _, outcome = rest.rpartition(":")
    if venue != VENUE or not ticker or outcome not in ("yes", "no"):
        raise DataError(f"not a Kalshi outcome token id: {instrument_id!r}")
    return ticker, outcome


def instrument_of(ticker: str, outcome: str) -> str:
    if outcome not in ("yes", "no"):
        raise DataError(f"{ticker}: unknown side {outcome!r}")
    return token_ids(ticker)[0 if outcome == "yes" else 1]


def _side(action: str) -> Side:
    if action == "buy":
        return Side.BUY
    if action == "sell":
        return Side.SELL
    raise DataError(f"unknown action {action!r}")


def _own_price(outcome: str, yes_dollars: str, no_dollars: str, what: str) -> int:
    """The token's own price from whichever of the two prices is given."""
    own, other = (yes_dollars, no_dollars) if outcome == "yes" else (no_dollars, yes_dollars)
    if own:
        return parse_units(own, PRICE_DECIMALS)
    if other:
        return ONE - parse_units(other, PRICE_DECIMALS)
    raise DataError(f"{what}: no price")


# ---- requests ---------------------------------------------------------------------------------
def create_order(request: OrderRequest) -> wire.CreateOrder:
    """The ``POST /portfolio/orders`` body of a Pythia order request."""
    ticker, outcome = split_instrument(request.instrument_id)
    price = None if request.price is None else dollars(request.price)
    expiration = None
    tif = None
    if request.time_in_force is TimeInForce.GTD:
        expiration = -(-request.expire_ts_ns // NS_PER_S)
    else:
        tif = TIME_IN_FORCE[request.time_in_force]
    return wire.CreateOrder(
        ticker=ticker,
        side=outcome,
        action="buy" if request.side is Side.BUY else "sell",
        client_order_id=request.client_order_id,
        count_fp=count(request.size),
        type=request.order_type.value,
        yes_price_dollars=price if outcome == "yes" else None,
        no_price_dollars=price if outcome == "no" else None,
        time_in_force=tif,
        expiration_ts=expiration,
        post_only=request.post_only,
        reduce_only=request.reduce_only,
    )


def order_request(body: wire.CreateOrder) -> OrderRequest:
    """A Pythia order request from a create-order body (``DataError`` names the bad field)."""
    instrument_id = instrument_of(body.ticker, body.side)
    if body.count_fp is not None:
        size = parse_units(body.count_fp, SIZE_DECIMALS)
        if body.count is not None and body.count * 10**SIZE_DECIMALS != size:
            raise DataError("count and count_fp differ")
    elif body.count is not None:
        size = body.count * 10**SIZE_DECIMALS
    else:
        raise DataError("count or count_fp is required")
    yes = body.yes_price_dollars or (
        format_units(body.yes_price, CENT_DECIMALS) if body.yes_price is not None else ""
    )
    no = body.no_price_dollars or (
        format_units(body.no_price, CENT_DECIMALS) if body.no_price is not None else ""
    )
    if yes and no:
        raise DataError("give one of the yes and no prices, not both")
    order_type = OrderType.MARKET if body.type == "market" else OrderType.LIMIT
    if body.type not in ("limit", "market"):
        raise DataError(f"unknown order type {body.type!r}")
    price = _own_price(body.side, yes, no, body.ticker) if (yes or no) else None
    if body.expiration_ts is not None and body.time_in_force is None:
        tif, expire_ns = TimeInForce.GTD, body.expiration_ts * NS_PER_S
    else:
        tif = _TIF_BY_NAME.get(body.time_in_force or "good_till_canceled")
        if tif is None:
            raise DataError(f"unknown time_in_force {body.time_in_force!r}")
        expire_ns = 0
    return OrderRequest(
        client_order_id=body.client_order_id,
        instrument_id=instrument_id,
        side=_side(body.action),
        size=size,
        price=price,
        order_type=order_type,
        time_in_force=tif,
        post_only=body.post_only,
        reduce_only=body.reduce_only,
        expire_ts_ns=expire_ns,
    )


# ---- responses --------------------------------------------------------------------------------
def _time_ns(text: str, fallback_ns: int) -> int:
    if not text:
        return fallback_ns
    try:
        return iso_to_ns(text)
    except (ValueError, IndexError):
        raise DataError(f"bad timestamp {text!r}") from None


def order_status(status: str, filled: int) -> OrderStatus:
    if status == "resting":
        return OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.OPEN
    if status == "executed":
        return OrderStatus.FILLED
    if status == "canceled":
        return OrderStatus.CANCELED
    if status == "pending":
        return OrderStatus.PENDING
    raise DataError(f"unknown order status {status!r}")


def order_update(order: wire.Order, ts_recv_ns: int) -> OrderUpdate:
    """A Kalshi order object -> Pythia's view of the order."""
    filled = parse_units(order.fill_count_fp or "0", SIZE_DECIMALS)
    if order.initial_count_fp:
        original = parse_units(order.initial_count_fp, SIZE_DECIMALS)
    else:
        original = filled + parse_units(order.remaining_count_fp or "0", SIZE_DECIMALS)
    price = _own_price(order.side, order.yes_price_dollars, order.no_price_dollars, order.ticker)
    ts = _time_ns(order.last_update_time or order.created_time, ts_recv_ns)
    return OrderUpdate(
        instrument_id=instrument_of(order.ticker, order.side),
        venue_order_id=order.order_id,
        side=_side(order.action),
        price=price,
        original_size=original,
        filled_size=filled,
        status=order_status(order.status, filled),
        ts_event_ns=ts,
        ts_recv_ns=ts_recv_ns or ts,
        client_order_id=order.client_order_id,
    )


def fill_report(fill: wire.Fill | wire.FillBody, ts_recv_ns: int) -> FillReport:
    """A Kalshi fill (REST ``fills`` or the WebSocket ``fill`` channel) -> a FillReport."""
    ticker = fill.market_ticker if isinstance(fill, wire.FillBody) else fill.ticker
    yes_price = parse_units(fill.yes_price_dollars, PRICE_DECIMALS)
    price = yes_price if fill.side == "yes" else ONE - yes_price
    if fill.ts_ms is not None:
        ts = fill.ts_ms * NS_PER_MS
    elif isinstance(fill, wire.Fill) and fill.created_time:
        ts = _time_ns(fill.created_time, ts_recv_ns)
    elif fill.ts is not None:
        ts = fill.ts * NS_PER_S
    else:
        ts = ts_recv_ns
    return FillReport(
        instrument_id=instrument_of(ticker, fill.side),
        venue_order_id=fill.order_id,
        trade_id=fill.trade_id,
        side=_side(fill.action),
        price=price,
        size=parse_units(fill.count_fp, SIZE_DECIMALS),
        liquidity=Liquidity.TAKER if fill.is_taker else Liquidity.MAKER,
        fee_micros=dollars_to_micros(fill.fee_cost),
        fee_currency=CURRENCY,
        ts_event_ns=ts,
        ts_recv_ns=ts_recv_ns or ts,
        client_order_id=fill.client_order_id,
    )


def user_order_update(body: wire.UserOrderBody, ts_recv_ns: int) -> OrderUpdate:
    """A ``user_order`` WebSocket payload -> Pythia's view of the order."""
    filled = parse_units(body.fill_count_fp, SIZE_DECIMALS)
    remaining = parse_units(body.remaining_count_fp, SIZE_DECIMALS)
    yes_price = parse_units(body.yes_price_dollars, PRICE_DECIMALS)
    if body.last_update_ts_ms is not None:
        ts = body.last_update_ts_ms * NS_PER_MS
    elif body.created_ts_ms is not None:
        ts = body.created_ts_ms * NS_PER_MS
    else:
        ts = ts_recv_ns
    original = parse_units(body.initial_count_fp, SIZE_DECIMALS) if body.initial_count_fp else 0
    return OrderUpdate(
        instrument_id=instrument_of(body.ticker, body.side),
        venue_order_id=body.order_id,
        side=_side(body.action) if body.action else Side.BUY,
        price=yes_price if body.side == "yes" else ONE - yes_price,
        original_size=original or filled + remaining,
        filled_size=filled,
        status=order_status(body.status, filled),
        ts_event_ns=ts,
        ts_recv_ns=ts_recv_ns or ts,
        client_order_id=body.client_order_id,
    )


def iso(ts_ns: int) -> str:
    """Kalshi-style timestamps: ISO-8601 UTC with microseconds."""
    text = ns_to_iso(ts_ns)
    return text[:26] + "Z"
