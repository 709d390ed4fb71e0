"""msgspec structs mirroring Polymarket's JSON (CLOB REST, market and user WebSocket channels,
Gamma, Data API), and :func:`classify`, which names the struct a decoded message fits.

Decimal strings stay ``str`` here and are converted exactly in ``parse.py``; JSON numbers
(Gamma, CLOB ``/markets``, Data API) decode as ``Decimal`` (exact, never ``float``). Decode raw
text with :data:`JSON_DECODER` so that numbers inside generic objects are ``Decimal`` too.
Unknown fields are ignored: the venue adds fields often.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from pythia.core.errors import DataError

JSON_DECODER = msgspec.json.Decoder(float_hook=Decimal)
"""Decode JSON with every non-integer number as an exact ``Decimal``."""

Number = Decimal
"""A JSON number (or numeric string) held exactly."""


class OrderSummary(msgspec.Struct, frozen=True):
    """One aggregated book level."""

    price: str
    size: str


class BookMessage(msgspec.Struct, frozen=True):
    """REST ``GET /book`` response or WebSocket ``book`` event (old feeds: buys/sells)."""

    asset_id: str
    market: str = ""
    bids: list[OrderSummary] | None = None
    asks: list[OrderSummary] | None = None
    buys: list[OrderSummary] | None = None
    sells: list[OrderSummary] | None = None
    timestamp: str | int = ""
    hash: str = ""
    event_type: str = ""
    min_order_size: str | None = None
    tick_size: str | None = None
    neg_risk: bool | None = None
    last_trade_price: str | None = None


class PriceChangeEntry(msgspec.Struct, frozen=True):
    """One changed level in a ``price_change`` event (current format)."""

    asset_id: str
    price: str
    size: str
    side: str
    hash: str = ""
    best_bid: str | None = None
    best_ask: str | None = None


class PriceChangeMessage(msgspec.Struct, frozen=True):
    """``price_change``: ``price_changes[]`` (current) or one level at top level (legacy)."""

    timestamp: str | int
    market: str = ""
    price_changes: list[PriceChangeEntry] | None = None
    asset_id: str | None = None
    price: str | None = None
    size: str | None = None
    side: str | None = None
    hash: str = ""
    event_type: str = "price_change"


class LastTradePrice(msgspec.Struct, frozen=True):
    asset_id: str
    price: str
    size: str
    side: str
    timestamp: str | int
    market: str = ""
    fee_rate_bps: str | None = None
    transaction_hash: str = ""
    event_type: str = "last_trade_price"


class TickSizeChangeMessage(msgspec.Struct, frozen=True):
    asset_id: str
    old_tick_size: str
    new_tick_size: str
    timestamp: str | int
    market: str = ""
    event_type: str = "tick_size_change"


class BestBidAsk(msgspec.Struct, frozen=True):
    asset_id: str
    timestamp: str | int
    best_bid: str | None = None
    best_ask: str | None = None
    spread: str | None = None
    market: str = ""
    event_type: str = "best_bid_ask"


class MarketResolved(msgspec.Struct, frozen=True):
    market: str
    assets_ids: list[str]
    winning_asset_id: str
    timestamp: str | int
    id: str = ""
    winning_outcome: str = ""
    event_type: str = "market_resolved"


class MakerOrder(msgspec.Struct, frozen=True):
    """A maker order matched in a trade (inside a trade record)."""

    order_id: str
    asset_id: str
    matched_amount: str
    price: str
    owner: str = ""
    maker_address: str = ""
    fee_rate_bps: str | None = None
    outcome: str = ""
    side: str | None = None


class TradeRecord(msgspec.Struct, frozen=True):
    """A CLOB trade: user-channel ``trade`` event or REST ``/data/trades`` item.

    ``side``, ``price``, ``size`` and ``asset_id`` are the taker order's; ``trader_side`` says
    whether the recipient was the taker or a maker (then its orders are in ``maker_orders``).
    """

    id: str
    asset_id: str
    side: str
    price: str
    size: str
    taker_order_id: str = ""
    market: str = ""
    status: str = ""
    match_time: str | int | None = None
    matchtime: str | int | None = None
    last_update: str | int | None = None
    timestamp: str | int | None = None
    fee_rate_bps: str | None = None
    outcome: str = ""
    owner: str = ""
    trade_owner: str = ""
    maker_address: str = ""
    transaction_hash: str | None = None
    maker_orders: list[MakerOrder] = []
    trader_side: str = ""
    bucket_index: int = 0
    event_type: str = ""
    type: str = ""


class UserOrder(msgspec.Struct, frozen=True):
    """User-channel ``order`` event (PLACEMENT, UPDATE, CANCELLATION) or REST order."""

    id: str
    asset_id: str
    side: str
    price: str
    original_size: str
    size_matched: str
    market: str = ""
    status: str | None = None
    type: str = ""
    timestamp: str | int | None = None
    created_at: str | int | None = None
    order_type: str | None = None
    outcome: str = ""
    owner: str = ""
    order_owner: str = ""
    maker_address: str = ""
    expiration: str | int | None = None
    associate_trades: list[str] | None = None
    event_type: str = ""


class GammaMarket(msgspec.Struct, frozen=True, rename="camel"):
    """A Gamma ``/markets`` item. ``outcomes``, ``outcome_prices`` and ``clob_token_ids`` are
    JSON-encoded strings inside the JSON (``"[\\"Yes\\", \\"No\\"]"``)."""

    condition_id: str
    clob_token_ids: str
    outcomes: str
    id: str = ""
    question: str = ""
    slug: str = ""
    outcome_prices: str | None = None
    question_id: str = msgspec.field(default="", name="questionID")
    order_price_min_tick_size: Number | None = None
    order_min_size: Number | None = None
    neg_risk: bool = False
    neg_risk_other: bool = False
    neg_risk_market_id: str = msgspec.field(default="", name="negRiskMarketID")
    group_item_title: str = ""
    active: bool | None = None
    closed: bool | None = None
    accepting_orders: bool | None = None
    enable_order_book: bool | None = None
    end_date: str | None = None
    updated_at: str | None = None
    description: str | None = None
    """The market's resolution rules."""
    resolution_source: str | None = None


class GammaEvent(msgspec.Struct, frozen=True, rename="camel"):
    """A Gamma ``/events`` item with its markets."""

    markets: list[GammaMarket]
    id: str = ""
    slug: str = ""
    title: str = ""
    neg_risk: bool = False
    enable_neg_risk: bool = False
    neg_risk_augmented: bool = False
    neg_risk_market_id: str = msgspec.field(default="", name="negRiskMarketID")
    updated_at: str | None = None
    description: str | None = None
    resolution_source: str | None = None
    end_date: str | None = None


class ClobToken(msgspec.Struct, frozen=True):
    token_id: str
    outcome: str
    price: Number | None = None
    winner: bool = False


class ClobMarket(msgspec.Struct, frozen=True):
    """A CLOB ``/markets`` item (``GET /markets/{condition_id}``)."""

    condition_id: str
    tokens: list[ClobToken]
    minimum_tick_size: Number | None = None
    minimum_order_size: Number | None = None
    question_id: str = ""
    question: str = ""
    market_slug: str = ""
    neg_risk: bool = False
    neg_risk_market_id: str = ""
    active: bool | None = None
    closed: bool | None = None
    accepting_orders: bool | None = None
    enable_order_book: bool | None = None
    end_date_iso: str | None = None


class ClobMarketsPage(msgspec.Struct, frozen=True):
    """A CLOB ``GET /markets`` page; pass ``next_cursor`` back for the next page."""

    data: list[ClobMarket]
    next_cursor: str = ""
    limit: int = 0
    count: int = 0


class DataApiTrade(msgspec.Struct, frozen=True, rename="camel"):
    """A Data-API ``/trades`` item (taker trades by default); ``timestamp`` in seconds."""

    asset: str
    side: str
    size: Number
    price: Number
    timestamp: int
    condition_id: str = ""
    outcome: str = ""
    outcome_index: int | None = None
    proxy_wallet: str = ""
    transaction_hash: str = ""


class FeeRateResponse(msgspec.Struct, frozen=True):
    """``GET /fee-rate``: the market's base fee in basis points."""

    base_fee: str | int


class SignedOrder(msgspec.Struct, frozen=True, rename="camel"):
    """The ``order`` object of ``POST /order`` (V2 fields; V1 adds taker, nonce, feeRateBps).

    Amounts are 6-decimal integers as strings: BUY makerAmount = collateral paid, takerAmount =
    tokens received; SELL the reverse.
    """

    salt: int
    maker: str
    signer: str
    token_id: str
    maker_amount: str
    taker_amount: str
    side: str
    signature_type: int
    expiration: str = "0"
    timestamp: str = ""
    metadata: str = ""
    builder: str = ""
    signature: str = ""
    taker: str | None = None
    nonce: str | None = None
    fee_rate_bps: str | None = None


class PostOrderBody(msgspec.Struct, frozen=True, rename="camel"):
    """The body of ``POST /order``."""

    order: SignedOrder
    owner: str
    order_type: str = "GTC"
    defer_exec: bool = False
    post_only: bool = False


WireMessage = (
    BookMessage
    | PriceChangeMessage
    | LastTradePrice
    | TickSizeChangeMessage
    | BestBidAsk
    | MarketResolved
    | TradeRecord
    | UserOrder
    | GammaMarket
    | GammaEvent
    | ClobMarket
    | ClobMarketsPage
    | DataApiTrade
    | FeeRateResponse
    | SignedOrder
    | PostOrderBody
)

EVENT_TYPES: dict[str, type] = {
    "book": BookMessage,
    "price_change": PriceChangeMessage,
    "last_trade_price": LastTradePrice,
    "tick_size_change": TickSizeChangeMessage,
    "best_bid_ask": BestBidAsk,
    "market_resolved": MarketResolved,
    "trade": TradeRecord,
    "order": UserOrder,
}

IGNORED_EVENT_TYPES = frozenset({"new_market"})
"""Known events that carry nothing this layer maps (``new_market`` has no tick or size)."""


def classify(message: object) -> type | None:
    """Return the wire struct a decoded JSON object fits, or None for a known-ignored event.

    Dispatch is on ``event_type`` when present, else on shape: a REST book has ``asset_id``
    with bids/asks, Gamma markets have ``clobTokenIds``, CLOB markets ``condition_id`` and
    ``tokens``, and so on. Raises ``DataError`` for anything unrecognised.
    """
    if not isinstance(message, dict):
        raise DataError(f"expected a JSON object, got {type(message).__name__}")
    event_type = message.get("event_type")
    if event_type is not None:
        if event_type in IGNORED_EVENT_TYPES:
            return None
        struct = EVENT_TYPES.get(event_type)
        if struct is None:
            raise DataError(f"unknown event_type {event_type!r}")
        return struct
    keys = message.keys()
    if "asset_id" in keys and ({"bids", "asks"} & keys or {"buys", "sells"} & keys):
        return BookMessage
    if "clobTokenIds" in keys:
        return GammaMarket
    if isinstance(message.get("markets"), list):
        return GammaEvent
    if "condition_id" in keys and "tokens" in keys:
        return ClobMarket
    if "data" in keys and "next_cursor" in keys:
        return ClobMarketsPage
    if "taker_order_id" in keys and "maker_orders" in keys:
        return TradeRecord
    if "asset" in keys and "proxyWallet" in keys:
        return DataApiTrade
    if "base_fee" in keys:
        return FeeRateResponse
    if "makerAmount" in keys and "takerAmount" in keys:
        return SignedOrder
    if isinstance(message.get("order"), dict) and "owner" in keys:
        return PostOrderBody
    raise DataError(f"unrecognised message shape with keys {sorted(keys)[:8]}")


def to_wire(message: object) -> WireMessage | None:
    """Convert a decoded JSON object to its wire struct (None for a known-ignored event).

    Raises ``DataError`` when the shape is unknown or a field has the wrong type.
    """
    struct = classify(message)
    if struct is None:
        return None
    try:
        return msgspec.convert(message, struct)
    except msgspec.ValidationError as error:
        raise DataError(f"{struct.__name__}: {error}") from None


def decode(data: bytes | str) -> object:
    """Decode JSON text exactly (numbers as ``Decimal``); ``DataError`` if malformed."""
    try:
        return JSON_DECODER.decode(data)
    except msgspec.DecodeError as error:
        raise DataError(f"malformed JSON: {error}") from None
