"""msgspec structs mirroring Kalshi's JSON (REST trade-api v2 and the WebSocket v2 feed).

Only the fixed-point fields are mirrored: prices ``*_dollars`` (decimal strings, up to 4
decimals) and counts ``*_fp`` (decimal strings, 2 decimals). Legacy integer-cent fields are
ignored (unknown fields are skipped by msgspec).
"""

from __future__ import annotations

from typing import Any

import msgspec

RawLevel = tuple[str, str]
"""``[price_dollars, count_fp]``."""


# ---- REST ------------------------------------------------------------------------------------
class PriceRange(msgspec.Struct):
    """One band of a market's tick structure: prices ``start..end`` in steps of ``step``."""

    start: str
    end: str
    step: str


class SettlementSource(msgspec.Struct):
    """A source the venue settles a series from (``settlement_sources`` of a series)."""

    name: str | None = None
    url: str | None = None


class Market(msgspec.Struct):
    """A market object (``GET /markets/{ticker}`` and ``GET /markets``)."""

    ticker: str
    event_ticker: str = ""
    market_type: str = "binary"
    status: str = ""
    title: str = ""
    yes_sub_title: str = ""
    no_sub_title: str = ""
    result: str = ""
    price_level_structure: str = ""
    price_ranges: list[PriceRange] | None = None
    fractional_trading_enabled: bool = False
    updated_time: str = ""
    yes_bid_dollars: str = ""
    yes_ask_dollars: str = ""
    yes_bid_size_fp: str = ""
    yes_ask_size_fp: str = ""
    close_time: str | None = None
    expected_expiration_time: str | None = None
    expiration_time: str | None = None
    rules_primary: str | None = None
    rules_secondary: str | None = None
    settlement_sources: list[SettlementSource] | None = None
    """Series carry them (:class:`Series`); read here too where a market object has them."""


class MarketResponse(msgspec.Struct):
    market: Market


class MarketsResponse(msgspec.Struct):
    markets: list[Market]
    cursor: str = ""


class Event(msgspec.Struct):
    """An event (``GET /events/{event_ticker}``); ``markets`` only with nested markets."""

    event_ticker: str
    series_ticker: str = ""
    title: str = ""
    sub_title: str = ""
    mutually_exclusive: bool | None = None
    markets: list[Market] | None = None


class EventResponse(msgspec.Struct):
    event: Event
    markets: list[Market] | None = None


class Series(msgspec.Struct):
    """A series (``GET /series/{series_ticker}``): the settlement sources of its events."""

    ticker: str
    title: str = ""
    settlement_sources: list[SettlementSource] | None = None


class SeriesResponse(msgspec.Struct):
    series: Series


class OrderbookLevels(msgspec.Struct):
    """Bids only, each ladder ascending by price (best bid last); a side may be null."""

    yes_dollars: list[RawLevel] | None = None
    no_dollars: list[RawLevel] | None = None


class OrderbookResponse(msgspec.Struct):
    """``GET /markets/{ticker}/orderbook``: ``{"orderbook_fp": {...}}``."""

    orderbook_fp: OrderbookLevels


class RestTrade(msgspec.Struct):
    """A public trade (``GET /markets/trades``). ``taker_side`` is the outcome the taker bought."""

    trade_id: str
    ticker: str
    yes_price_dollars: str
    count_fp: str
    created_time: str
    taker_side: str = ""
    taker_book_side: str = ""
    no_price_dollars: str = ""


class TradesResponse(msgspec.Struct):
    trades: list[RestTrade]
    cursor: str = ""


# ---- WebSocket -------------------------------------------------------------------------------
class SnapshotBody(msgspec.Struct):
    """``orderbook_snapshot`` payload: YES and NO bids, ascending."""

    market_ticker: str
    yes_dollars_fp: list[RawLevel] | None = None
    no_dollars_fp: list[RawLevel] | None = None
    market_id: str = ""


class DeltaBody(msgspec.Struct):
    """``orderbook_delta`` payload: a signed change of one bid level of one side."""

    market_ticker: str
    price_dollars: str
    delta_fp: str
    side: str
    ts_ms: int | None = None
    ts: int | str | None = None
    market_id: str = ""
    client_order_id: str | None = None


class TradeBody(msgspec.Struct):
    """``trade`` payload; ``ts`` in Unix seconds (``ts_ms`` where sent)."""

    market_ticker: str
    trade_id: str
    yes_price_dollars: str
    count_fp: str
    taker_side: str
    ts: int | None = None
    ts_ms: int | None = None


class TickerBody(msgspec.Struct):
    """``ticker`` payload: best YES bid and ask (``""`` or 0 when a side is empty)."""

    market_ticker: str
    yes_bid_dollars: str = ""
    yes_ask_dollars: str = ""
    yes_bid_size_fp: str = ""
    yes_ask_size_fp: str = ""
    price_dollars: str = ""
    ts: int | None = None
    ts_ms: int | None = None


class ErrorBody(msgspec.Struct):
    code: int = 0
    msg: str = ""


class WsOrderbookSnapshot(msgspec.Struct, tag_field="type", tag="orderbook_snapshot"):
    sid: int
    seq: int
    msg: SnapshotBody


class WsOrderbookDelta(msgspec.Struct, tag_field="type", tag="orderbook_delta"):
    sid: int
    seq: int
    msg: DeltaBody


class WsTrade(msgspec.Struct, tag_field="type", tag="trade"):
    sid: int
    msg: TradeBody
    seq: int | None = None


class WsTicker(msgspec.Struct, tag_field="type", tag="ticker"):
    sid: int
    msg: TickerBody
    seq: int | None = None


class WsSubscribed(msgspec.Struct, tag_field="type", tag="subscribed"):
    id: int | None = None
    msg: Any = None


class WsUnsubscribed(msgspec.Struct, tag_field="type", tag="unsubscribed"):
    id: int | None = None
    sid: int | None = None
    seq: int | None = None


class WsOk(msgspec.Struct, tag_field="type", tag="ok"):
    id: int | None = None
    sid: int | None = None
    seq: int | None = None
    msg: Any = None


class WsError(msgspec.Struct, tag_field="type", tag="error"):
    msg: ErrorBody
    id: int | None = None
    sid: int | None = None


WsMessage = (
    WsOrderbookSnapshot
    | WsOrderbookDelta
    | WsTrade
    | WsTicker
    | WsSubscribed
    | WsUnsubscribed
    | WsOk
    | WsError
)

WS_CONTROL = (WsSubscribed, WsUnsubscribed, WsOk)

ws_decoder = msgspec.json.Decoder(WsMessage)


# ---- portfolio (REST, authenticated) ---------------------------------------------------------
class CreateOrder(msgspec.Struct, omit_defaults=True):
    """``POST /portfolio/orders`` body. Price: ``yes_price_dollars`` or ``no_price_dollars``
    (or the legacy cents ``yes_price``/``no_price``); count: ``count_fp`` (or ``count``)."""

    ticker: str
    side: str
    action: str
    client_order_id: str = ""
    count: int | None = None
    count_fp: str | None = None
    type: str = "limit"
    yes_price: int | None = None
    no_price: int | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    time_in_force: str | None = None
    expiration_ts: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    buy_max_cost: int | None = None


class Order(msgspec.Struct):
    """An order object (``order`` of create, get and cancel responses; ``orders`` lists)."""

    order_id: str
    ticker: str
    side: str
    action: str
    status: str
    client_order_id: str = ""
    type: str = "limit"
    yes_price_dollars: str = ""
    no_price_dollars: str = ""
    initial_count_fp: str = ""
    fill_count_fp: str = "0.00"
    remaining_count_fp: str = "0.00"
    taker_fees_dollars: str = ""
    maker_fees_dollars: str = ""
    created_time: str = ""
    last_update_time: str = ""
    expiration_time: str | None = None
    user_id: str = ""


class OrderResponse(msgspec.Struct):
    order: Order


class OrdersResponse(msgspec.Struct):
    orders: list[Order]
    cursor: str = ""


class CancelOrderResponse(msgspec.Struct):
    order: Order
    reduced_by_fp: str = ""


class Fill(msgspec.Struct):
    """A fill of one of our orders (``GET /portfolio/fills``). ``side`` is the order's outcome."""

    trade_id: str
    order_id: str
    ticker: str
    side: str
    action: str
    count_fp: str
    yes_price_dollars: str
    is_taker: bool
    no_price_dollars: str = ""
    fill_id: str = ""
    market_ticker: str = ""
    client_order_id: str = ""
    fee_cost: str = ""
    created_time: str = ""
    ts: int | None = None
    ts_ms: int | None = None


class FillsResponse(msgspec.Struct):
    fills: list[Fill]
    cursor: str = ""


class BalanceResponse(msgspec.Struct):
    """``GET /portfolio/balance``: cents."""

    balance: int
    portfolio_value: int = 0
    updated_ts: int = 0


class ErrorDetail(msgspec.Struct):
    code: str = ""
    message: str = ""
    details: str = ""


class ErrorResponse(msgspec.Struct):
    """Kalshi's REST error body: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail


# ---- WebSocket: private channels ---------------------------------------------------------------
class FillBody(msgspec.Struct):
    """``fill`` payload (channel ``fill``)."""

    trade_id: str
    order_id: str
    market_ticker: str
    is_taker: bool
    side: str
    yes_price_dollars: str
    count_fp: str
    action: str
    fee_cost: str = ""
    client_order_id: str = ""
    ts_ms: int | None = None
    ts: int | None = None
    post_position_fp: str = ""


class UserOrderBody(msgspec.Struct):
    """``user_order`` payload (channel ``user_orders``)."""

    order_id: str
    ticker: str
    status: str
    side: str
    yes_price_dollars: str
    fill_count_fp: str
    remaining_count_fp: str
    client_order_id: str = ""
    action: str = ""
    initial_count_fp: str = ""
    created_ts_ms: int | None = None
    last_update_ts_ms: int | None = None


class WsFill(msgspec.Struct, tag_field="type", tag="fill"):
    sid: int
    msg: FillBody
    seq: int | None = None


class WsUserOrder(msgspec.Struct, tag_field="type", tag="user_order"):
    sid: int
    msg: UserOrderBody
    seq: int | None = None


WsAnyMessage = WsMessage | WsFill | WsUserOrder
"""Every frame a client may receive: market data, control frames and private channels."""

ws_any_decoder = msgspec.json.Decoder(WsAnyMessage)
