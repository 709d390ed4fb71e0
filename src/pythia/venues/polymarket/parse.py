"""Pure functions from Polymarket wire structs to Pythia's model: market data and user channel.

Conventions: instrument id ``polymarket:<token_id>``; prices at 4 decimals (0.0001 units, so a
0.01 tick is 100), sizes at 6 (token decimals); every decimal is converted exactly and anything
malformed raises ``DataError``. ``ts_recv_ns`` defaults to the venue time (captures carry none).
Instrument definitions (Gamma, CLOB markets) live in :mod:`.markets`.
"""

from __future__ import annotations

from decimal import Decimal

from pythia.core.clock import NS_PER_S, iso_to_ns, ms_to_ns
from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, decimal_to_units, parse_units, rescale
from pythia.model.enums import Side
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    Level,
    Resolution,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.venues.polymarket import wire

VENUE = "polymarket"
PRICE_DECIMALS = 4
SIZE_DECIMALS = 6
ONE = 10**PRICE_DECIMALS
"""Price units of 1.0 (a winning token's payout)."""
QUOTE_CURRENCY = "USDC"


# ---- scalar helpers ------------------------------------------------------------------------
def instrument_id(token_id: str) -> str:
    """Return the Pythia id of a CLOB token: ``polymarket:<token_id>``."""
    if not token_id:
        raise DataError("empty token id")
    return f"{VENUE}:{token_id}"


def units(value: str | Decimal | int, decimals: int, what: str) -> int:
    """Convert a decimal string (or an exact JSON number) to units; ``DataError`` if inexact."""
    try:
        if isinstance(value, str):
            return parse_units(value, decimals)
        return decimal_to_units(value, decimals)
    except DataError as error:
        raise DataError(f"{what}: {error}") from None


def parse_price(value: str | Decimal, what: str = "price") -> int:
    """Parse a probability price (0 .. 1) into 0.0001 units."""
    price = units(value, PRICE_DECIMALS, what)
    if not 0 <= price <= ONE:
        raise DataError(f"{what} {value!r} outside 0..1")
    return price


def parse_size(value: str | Decimal, what: str = "size") -> int:
    """Parse a non-negative token size into 10**-6 units."""
    size = units(value, SIZE_DECIMALS, what)
    if size < 0:
        raise DataError(f"{what} {value!r} is negative")
    return size


def parse_tick(value: str | Decimal, what: str = "tick size") -> int:
    """Parse a tick size (0.01 -> 100, 0.001 -> 10) that leaves a non-empty price range."""
    tick = units(value, PRICE_DECIMALS, what)
    if tick <= 0 or 2 * tick >= ONE:
        raise DataError(f"{what} {value!r} is not a usable tick")
    return tick


def parse_optional_price(value: str | None, what: str) -> int | None:
    """A best bid/ask: missing, empty or zero means the side is empty (None)."""
    if value is None or value == "":
        return None
    price = parse_price(value, what)
    return price or None


def parse_side(value: str) -> Side:
    """BUY or SELL (any case)."""
    side = value.upper() if isinstance(value, str) else ""
    if side == "BUY":
        return Side.BUY
    if side == "SELL":
        return Side.SELL
    raise DataError(f"unknown side {value!r}")


def _integer(value: str | int, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise DataError(f"{what} {value!r} is not a non-negative integer")


def ms_timestamp_ns(value: str | int, what: str = "timestamp") -> int:
    """A millisecond epoch (string or integer) in nanoseconds."""
    return ms_to_ns(_integer(value, what))


def epoch_ns(value: str | int, what: str = "time") -> int:
    """An epoch in seconds or milliseconds (told apart by magnitude), or ISO-8601, in ns.

    The user channel and trade records are not consistent (``match_time`` in seconds,
    ``timestamp`` in ms, some REST answers ISO); values below 10**11 are seconds (until 5138).
    """
    if isinstance(value, str) and value and not (value.isascii() and value.isdigit()):
        try:
            return iso_to_ns(value)
        except ValueError:
            raise DataError(f"{what} {value!r} is neither an epoch nor ISO-8601") from None
    number = _integer(value, what)
    return number * NS_PER_S if number < 10**11 else ms_to_ns(number)


def _recv(ts_event_ns: int, ts_recv_ns: int | None) -> int:
    return ts_event_ns if ts_recv_ns is None else ts_recv_ns


def _levels(summaries: list[wire.OrderSummary], what: str) -> tuple[Level, ...]:
    """Convert venue levels (worst first, best last) to (price, size) pairs, best first."""
    return tuple(
        (parse_price(level.price, f"{what} price"), parse_size(level.size, f"{what} size"))
        for level in reversed(summaries)
    )


# ---- market channel and REST book ----------------------------------------------------------
def parse_book(message: wire.BookMessage, ts_recv_ns: int | None = None) -> BookSnapshot:
    """Convert a REST ``/book`` answer or a WS ``book`` event to a snapshot, levels best first.

    The venue lists bids ascending and asks descending (best levels last); the snapshot
    reverses them so ``bids[0]`` and ``asks[0]`` are the best.
    """
    bids = message.bids if message.bids is not None else message.buys
    asks = message.asks if message.asks is not None else message.sells
    if bids is None and asks is None:
        raise DataError("book without bids or asks")
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    return BookSnapshot(
        instrument_id=instrument_id(message.asset_id),
        bids=_levels(bids or [], "bid"),
        asks=_levels(asks or [], "ask"),
        ts_event_ns=ts_event_ns,
        ts_recv_ns=_recv(ts_event_ns, ts_recv_ns),
    )


def parse_price_change(
    message: wire.PriceChangeMessage, ts_recv_ns: int | None = None
) -> list[BookDelta | TopOfBook]:
    """Convert a ``price_change`` event to one delta per asset, each followed by its top.

    Sizes are the new absolute level sizes (0 removes). BUY levels are bids, SELL asks. The
    top of book (venue ``best_bid``/``best_ask``, as after the last change of that asset) is
    emitted only when the venue sent one; the legacy single-level format has none.
    """
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    recv = _recv(ts_event_ns, ts_recv_ns)
    if message.price_changes is not None:
        entries = message.price_changes
    elif message.asset_id and None not in (message.price, message.size, message.side):
        entries = [
            wire.PriceChangeEntry(
                message.asset_id, message.price, message.size, message.side, message.hash
            )
        ]
    else:
        raise DataError("price_change without price_changes or a top-level level")
    by_asset: dict[str, tuple[list[Level], list[Level], wire.PriceChangeEntry]] = {}
    for entry in entries:
        level = (parse_price(entry.price), parse_size(entry.size))
        side = parse_side(entry.side)
        bids, asks, _ = by_asset.get(entry.asset_id, ([], [], entry))
        (bids if side is Side.BUY else asks).append(level)
        by_asset[entry.asset_id] = (bids, asks, entry)
    events: list[BookDelta | TopOfBook] = []
    for asset_id, (bids, asks, last) in by_asset.items():
        iid = instrument_id(asset_id)
        events.append(BookDelta(iid, tuple(bids), tuple(asks), ts_event_ns, recv))
        if last.best_bid is not None or last.best_ask is not None:
            bid = parse_optional_price(last.best_bid, "best_bid")
            ask = parse_optional_price(last.best_ask, "best_ask")
            events.append(TopOfBook(iid, bid, None, ask, None, ts_event_ns, recv))
    return events


def parse_best_bid_ask(message: wire.BestBidAsk, ts_recv_ns: int | None = None) -> TopOfBook:
    """Convert a ``best_bid_ask`` event (prices only) to a top of book."""
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    return TopOfBook(
        instrument_id(message.asset_id),
        parse_optional_price(message.best_bid, "best_bid"),
        None,
        parse_optional_price(message.best_ask, "best_ask"),
        None,
        ts_event_ns,
        _recv(ts_event_ns, ts_recv_ns),
    )


def _trade(iid: str, price: int, size: int, side: Side, trade_id: str, ts: int, recv: int):
    if size <= 0 or not 0 < price < ONE:
        raise DataError(f"{iid}: impossible trade of {size} at {price}")
    return Trade(iid, price, size, side, trade_id, ts, recv)


def parse_last_trade_price(message: wire.LastTradePrice, ts_recv_ns: int | None = None) -> Trade:
    """Convert ``last_trade_price`` to a trade; ``side`` is the taker's. The id is the
    transaction hash when sent, else empty."""
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    return _trade(
        instrument_id(message.asset_id),
        parse_price(message.price),
        parse_size(message.size),
        parse_side(message.side),
        message.transaction_hash,
        ts_event_ns,
        _recv(ts_event_ns, ts_recv_ns),
    )


def parse_tick_size_change(
    message: wire.TickSizeChangeMessage, ts_recv_ns: int | None = None
) -> TickSizeChange:
    """Convert ``tick_size_change`` (ticks in price units: 0.01 -> 100, 0.001 -> 10)."""
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    return TickSizeChange(
        instrument_id(message.asset_id),
        parse_tick(message.old_tick_size, "old_tick_size"),
        parse_tick(message.new_tick_size, "new_tick_size"),
        ts_event_ns,
        _recv(ts_event_ns, ts_recv_ns),
    )


def parse_market_resolved(
    message: wire.MarketResolved, ts_recv_ns: int | None = None
) -> Resolution:
    """Convert ``market_resolved``: the winning asset wins, every other listed asset loses.
    ``market_id`` is the condition id."""
    if message.winning_asset_id not in message.assets_ids:
        raise DataError(f"winning asset {message.winning_asset_id!r} not among assets_ids")
    ts_event_ns = ms_timestamp_ns(message.timestamp)
    losers = [a for a in message.assets_ids if a != message.winning_asset_id]
    return Resolution(
        market_id=message.market,
        winners=(instrument_id(message.winning_asset_id),),
        losers=tuple(instrument_id(a) for a in losers),
        ts_event_ns=ts_event_ns,
        ts_recv_ns=_recv(ts_event_ns, ts_recv_ns),
    )


# ---- trades (CLOB trade records, Data API) ---------------------------------------------------
def _match_time_ns(record: wire.TradeRecord) -> int:
    for name in ("match_time", "matchtime", "timestamp", "last_update"):
        value = getattr(record, name)
        if value not in (None, ""):
            return epoch_ns(value, name)
    raise DataError(f"trade {record.id!r} has no time")


def parse_trade_record(record: wire.TradeRecord, ts_recv_ns: int | None = None) -> Trade:
    """Convert a CLOB trade record to the public print: the taker's asset, side, price and
    total size, at the match time."""
    ts_event_ns = _match_time_ns(record)
    return _trade(
        instrument_id(record.asset_id),
        parse_price(record.price),
        parse_size(record.size),
        parse_side(record.side),
        record.id,
        ts_event_ns,
        _recv(ts_event_ns, ts_recv_ns),
    )


def parse_data_api_trade(trade: wire.DataApiTrade, ts_recv_ns: int | None = None) -> Trade:
    """Convert a Data-API trade. Its ``side`` is the taker's (the endpoint lists taker trades
    by default); the id is the transaction hash (one transaction can settle several trades)."""
    ts_event_ns = trade.timestamp * NS_PER_S
    return _trade(
        instrument_id(trade.asset),
        parse_price(trade.price),
        parse_size(trade.size),
        parse_side(trade.side),
        trade.transaction_hash,
        ts_event_ns,
        _recv(ts_event_ns, ts_recv_ns),
    )


# ---- user channel ----------------------------------------------------------------------------
def v1_fee_micros(price: int, size: int, fee_rate_bps: int) -> int:
    """The V1 CTF-exchange fee in collateral micro-units, truncated.

    fee = bps / 10_000 * min(p, 1 - p) * size. A V1 BUY pays it in tokens worth this much at
    p, a SELL in collateral. V2 markets charge ``C * rate * (p(1-p))**e`` with per-market
    rate and exponent that trade messages do not carry.
    """
    scaled = fee_rate_bps * min(price, ONE - price) * size
    decimals = PRICE_DECIMALS + SIZE_DECIMALS + 4  # 10_000 = 10**4 bps denominator
    return rescale(scaled, decimals, MONEY_DECIMALS, Rounding.DOWN)


def _fee_bps(value: str | None) -> int:
    return 0 if value in (None, "") else _integer(value, "fee_rate_bps")


_Leg = tuple[str, str, Side, str, str, str | None]
"""asset id, order id, side, price, size, fee_rate_bps of one of our orders in a trade."""


def _fill(record: wire.TradeRecord, leg: _Leg, liquidity: Liquidity, times: tuple[int, int]):
    asset_id, order_id, side, price_text, size_text, fee_bps = leg
    price, size = parse_price(price_text), parse_size(size_text)
    fee_micros = v1_fee_micros(price, size, _fee_bps(fee_bps))
    iid = instrument_id(asset_id)
    ts_event_ns, ts_recv_ns = times
    return FillReport(
        iid,
        order_id,
        record.id,
        side,
        price,
        size,
        liquidity,
        fee_micros,
        QUOTE_CURRENCY,
        ts_event_ns,
        ts_recv_ns,
        record.status,
    )


def parse_user_trade(
    record: wire.TradeRecord, api_key: str | None = None, ts_recv_ns: int | None = None
) -> list[FillReport]:
    """Convert a user-channel ``trade`` (or REST trade record) to our fills.

    ``trader_side`` TAKER: one fill of ``taker_order_id`` with the message's side, price and
    size. MAKER: one fill per entry of ``maker_orders`` owned by ``api_key`` (default: the
    message's ``owner``) at that order's price and matched amount; its side is given, or else
    opposite to the taker on the same token, the same as the taker on the complement token
    (a mint or merge match). Fees follow :func:`v1_fee_micros` from ``fee_rate_bps`` (0 in
    every recording so far). ``status`` is the settlement state (MATCHED, MINED, ...).
    """
    ts_event_ns = _match_time_ns(record)
    times = (ts_event_ns, _recv(ts_event_ns, ts_recv_ns))
    taker_side = parse_side(record.side)
    role = record.trader_side.upper()
    legs: list[_Leg]
    if role == "TAKER":
        liquidity = Liquidity.TAKER
        leg = (record.asset_id, record.taker_order_id, taker_side, record.price, record.size)
        legs = [(*leg, record.fee_rate_bps)]
    elif role == "MAKER":
        liquidity = Liquidity.MAKER
        owner = api_key if api_key is not None else record.owner
        legs = []
        for maker in record.maker_orders:
            if maker.owner != owner:
                continue
            if maker.side:
                side = parse_side(maker.side)
            else:
                side = taker_side.opposite if maker.asset_id == record.asset_id else taker_side
            leg = (maker.asset_id, maker.order_id, side, maker.price, maker.matched_amount)
            legs.append((*leg, maker.fee_rate_bps))
    else:
        raise DataError(f"unknown trader_side {record.trader_side!r}")
    return [_fill(record, leg, liquidity, times) for leg in legs]


_ORDER_STATUS = {
    "LIVE": OrderStatus.OPEN,
    "UNMATCHED": OrderStatus.OPEN,  # marketable, matching delayed then failed: resting
    "DELAYED": OrderStatus.PENDING,
    "MATCHED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "CANCELLED": OrderStatus.CANCELED,
}
_ORDER_TYPE_STATUS = {"PLACEMENT": OrderStatus.OPEN, "UPDATE": OrderStatus.OPEN}


def parse_user_order(message: wire.UserOrder, ts_recv_ns: int | None = None) -> OrderUpdate:
    """Convert a user-channel ``order`` event (or REST order) to an order update.

    LIVE is open (partially filled once ``size_matched`` > 0), MATCHED filled (partially
    when less than the original size), CANCELED canceled; without a status the event type
    decides (PLACEMENT, UPDATE: open; CANCELLATION: canceled).
    """
    original, filled = parse_size(message.original_size), parse_size(message.size_matched)
    if filled > original:
        raise DataError(f"order {message.id}: matched {filled} > original size {original}")
    raw_status = (message.status or "").upper().removeprefix("ORDER_STATUS_")
    if raw_status:
        status = _ORDER_STATUS.get(raw_status)
    elif message.type.upper() == "CANCELLATION":
        status = OrderStatus.CANCELED
    else:
        status = _ORDER_TYPE_STATUS.get(message.type.upper())
    if status is None:
        raise DataError(f"order {message.id}: unknown status {message.status!r}/{message.type!r}")
    if status in (OrderStatus.OPEN, OrderStatus.FILLED) and 0 < filled < original:
        status = OrderStatus.PARTIALLY_FILLED
    time = message.timestamp if message.timestamp not in (None, "") else message.created_at
    if time in (None, ""):
        raise DataError(f"order {message.id} has no time")
    ts_event_ns = epoch_ns(time)
    return OrderUpdate(
        instrument_id=instrument_id(message.asset_id),
        venue_order_id=message.id,
        side=parse_side(message.side),
        price=parse_price(message.price),
        original_size=original,
        filled_size=filled,
        status=status,
        ts_event_ns=ts_event_ns,
        ts_recv_ns=_recv(ts_event_ns, ts_recv_ns),
    )


# ---- signed orders and the market channel ----------------------------------------------------
def parse_order_amounts(side: str, maker_amount: str, taker_amount: str) -> tuple[int, int]:
    """Return ``(price, size)`` of a signed order from its 6-decimal token amounts.

    BUY: makerAmount is collateral, takerAmount shares; SELL the reverse. The price is
    collateral / shares in 0.0001 units and must be exact (``DataError`` otherwise, as for
    a zero or non-integer amount).
    """
    maker = _integer(maker_amount, "makerAmount")
    taker = _integer(taker_amount, "takerAmount")
    shares, collateral = (taker, maker) if parse_side(side) is Side.BUY else (maker, taker)
    if shares <= 0 or collateral <= 0:
        raise DataError(f"order amounts {maker_amount!r}/{taker_amount!r} must be positive")
    price, remainder = divmod(collateral * ONE, shares)
    if remainder:
        raise DataError(f"order price {collateral}/{shares} is not a multiple of 0.0001")
    return price, shares


MarketChannelEvent = BookSnapshot | BookDelta | TopOfBook | Trade | TickSizeChange | Resolution


def parse_market_message(
    message: object, ts_recv_ns: int | None = None
) -> list[MarketChannelEvent]:
    """Map one decoded market-channel message to market events (``[]`` for ignored events).

    ``book``, ``price_change`` (deltas, each followed by the venue's top of book),
    ``last_trade_price``, ``tick_size_change``, ``best_bid_ask`` and ``market_resolved``;
    anything else, or a malformed message, raises ``DataError``.
    """
    item = wire.to_wire(message)
    if item is None:
        return []
    if isinstance(item, wire.BookMessage):
        return [parse_book(item, ts_recv_ns)]
    if isinstance(item, wire.PriceChangeMessage):
        return list(parse_price_change(item, ts_recv_ns))
    if isinstance(item, wire.LastTradePrice):
        return [parse_last_trade_price(item, ts_recv_ns)]
    if isinstance(item, wire.TickSizeChangeMessage):
        return [parse_tick_size_change(item, ts_recv_ns)]
    if isinstance(item, wire.BestBidAsk):
        return [parse_best_bid_ask(item, ts_recv_ns)]
    if isinstance(item, wire.MarketResolved):
        return [parse_market_resolved(item, ts_recv_ns)]
    raise DataError(f"{type(item).__name__} is not a market-channel message")
