"""Pure functions from Kalshi wire structs to Pythia market events.

Units: prices at 4 decimals (``ONE`` = 10000 = $1), sizes at 2 decimals (contracts). Every
decimal string goes through :func:`~pythia.core.fixed.parse_units`; anything malformed,
negative, outside 0..1 or off the market's tick grid raises ``DataError``. Instruments and
groups are built in :mod:`pythia.venues.kalshi.markets` (re-exported here).
"""

from __future__ import annotations

import msgspec

from pythia.core.clock import NS_PER_MS, NS_PER_S, iso_to_ns
from pythia.core.errors import DataError
from pythia.core.fixed import parse_units
from pythia.model.descriptions import MarketDescription
from pythia.model.enums import MarketState, Side
from pythia.model.events import (
    NO_SEQUENCE,
    BookDelta,
    BookSnapshot,
    Level,
    MarketEvent,
    MarketStatus,
    Resolution,
    TopOfBook,
    Trade,
)
from pythia.model.ticks import TickScheme
from pythia.venues.kalshi import wire
from pythia.venues.kalshi.markets import (
    DEFAULT_TICKS,
    ONE,
    PRICE_DECIMALS,
    SIZE_DECIMALS,
    VENUE,
    binary_group,
    binary_group_id,
    default_market_definitions,
    event_definitions,
    market_definitions,
    market_tokens,
    series_group_id,
    tick_scheme,
    token_ids,
)

__all__ = [
    "DEFAULT_TICKS",
    "ONE",
    "PRICE_DECIMALS",
    "SIZE_DECIMALS",
    "VENUE",
    "binary_group",
    "binary_group_id",
    "book_snapshots",
    "decode",
    "decode_ws",
    "default_market_definitions",
    "describe_market",
    "event_definitions",
    "market_definitions",
    "market_resolution",
    "market_status",
    "market_tokens",
    "market_top_of_book",
    "parse_levels",
    "parse_orderbook",
    "parse_trade",
    "parse_ws",
    "series_group_id",
    "tick_scheme",
    "token_ids",
]

_STATES: dict[str, MarketState] = {
    "initialized": MarketState.PRE_OPEN,
    "unopened": MarketState.PRE_OPEN,
    "active": MarketState.OPEN,
    "open": MarketState.OPEN,
    "inactive": MarketState.SUSPENDED,
    "paused": MarketState.SUSPENDED,
    "closed": MarketState.CLOSED,
    "disputed": MarketState.CLOSED,
    "determined": MarketState.SETTLED,
    "amended": MarketState.SETTLED,
    "finalized": MarketState.SETTLED,
    "settled": MarketState.SETTLED,
}


def decode(raw: bytes | str, kind: type):
    """Decode a REST response into the wire struct ``kind``; ``DataError`` if it does not fit."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise DataError(f"Kalshi {kind.__name__}: {error}") from None


# ---- market state ------------------------------------------------------------------------------
def _iso_ns(text: str, what: str) -> int:
    try:
        return iso_to_ns(text)
    except (ValueError, IndexError):
        raise DataError(f"{what}: bad timestamp {text!r}") from None


def market_status(market: wire.Market, ts_recv_ns: int = 0) -> MarketStatus:
    """The market's trading state (``status``), stamped with ``updated_time``."""
    state = _STATES.get(market.status)
    if state is None:
        raise DataError(f"{market.ticker}: unknown market status {market.status!r}")
    ts = _iso_ns(market.updated_time, market.ticker) if market.updated_time else ts_recv_ns
    return MarketStatus(market.ticker, state, ts, ts_recv_ns or ts)


END_FIELDS = ("close_time", "expected_expiration_time", "expiration_time")
"""Where a market's end is read from, first found wins: trading closes at ``close_time``."""


def describe_market(market: wire.Market, series: wire.Series | None = None) -> MarketDescription:
    """What ``pythia match`` compares: title, close time, rules and settlement sources.

    The title gains ``yes_sub_title`` where it does not already say it (the markets of one
    event often share a title); the rules are ``rules_primary`` then ``rules_secondary``; the
    sources are the market's ``settlement_sources``, else its ``series``' (URLs, else names).
    """
    yes_id, no_id = token_ids(market.ticker)
    title = market.title or market.ticker
    sub = market.yes_sub_title.strip()
    if sub and sub.lower() not in title.lower():
        title = f"{title} — {sub}"
    end_field = next((name for name in END_FIELDS if getattr(market, name)), "")
    end_ns = _iso_ns(getattr(market, end_field), market.ticker) if end_field else None
    rules_fields = [f for f in ("rules_primary", "rules_secondary") if getattr(market, f)]
    sources, sources_field = market.settlement_sources, "settlement_sources"
    if not sources and series is not None:
        sources, sources_field = series.settlement_sources, "series settlement_sources"
    named = tuple(s.url or s.name for s in sources or () if s.url or s.name)
    return MarketDescription(
        venue=VENUE,
        market_id=market.ticker,
        yes_id=yes_id,
        no_id=no_id,
        title=title,
        end_ns=end_ns,
        end_field=end_field,
        rules="\n\n".join(getattr(market, f).strip() for f in rules_fields),
        rules_field=" + ".join(rules_fields),
        sources=named,
        sources_field=sources_field if named else "",
    )


def market_resolution(market: wire.Market, ts_recv_ns: int = 0) -> Resolution | None:
    """A Resolution when ``result`` is known (yes, no or void), else None."""
    if not market.result:
        return None
    yes_id, no_id = token_ids(market.ticker)
    ts = _iso_ns(market.updated_time, market.ticker) if market.updated_time else ts_recv_ns
    if market.result == "yes":
        return Resolution(market.ticker, (yes_id,), (no_id,), ts, ts_recv_ns or ts)
    if market.result == "no":
        return Resolution(market.ticker, (no_id,), (yes_id,), ts, ts_recv_ns or ts)
    if market.result == "void":
        return Resolution(market.ticker, (), (), ts, ts_recv_ns or ts, removed=(yes_id, no_id))
    raise DataError(f"{market.ticker}: unknown result {market.result!r}")


def _optional_price(text: str, what: str) -> int | None:
    if not text:
        return None
    price = parse_units(text, PRICE_DECIMALS)
    if price < 0 or price > ONE:
        raise DataError(f"{what}: price {text!r} outside 0..1")
    return price if 0 < price < ONE else None


def _optional_size(text: str, what: str) -> int | None:
    if not text:
        return None
    size = parse_units(text, SIZE_DECIMALS)
    if size < 0:
        raise DataError(f"{what}: negative size {text!r}")
    return size


def market_top_of_book(market: wire.Market, ts_recv_ns: int = 0) -> TopOfBook:
    """The venue's own best YES bid and ask from a market object (sizes where given)."""
    bid = _optional_price(market.yes_bid_dollars, market.ticker)
    ask = _optional_price(market.yes_ask_dollars, market.ticker)
    ts = _iso_ns(market.updated_time, market.ticker) if market.updated_time else ts_recv_ns
    return TopOfBook(
        token_ids(market.ticker)[0],
        bid,
        None if bid is None else _optional_size(market.yes_bid_size_fp, market.ticker),
        ask,
        None if ask is None else _optional_size(market.yes_ask_size_fp, market.ticker),
        ts,
        ts_recv_ns or ts,
    )


# ---- books and trades --------------------------------------------------------------------------
def _price(text: str, ticks: TickScheme | None, what: str) -> int:
    price = parse_units(text, PRICE_DECIMALS)
    if ticks is None:
        if not 0 < price < ONE:
            raise DataError(f"{what}: price {text!r} outside (0, 1)")
    elif not ticks.is_valid(price):
        raise DataError(f"{what}: price {text!r} off the market's tick grid")
    return price


def parse_levels(
    raw: list[wire.RawLevel] | None, ticks: TickScheme | None, what: str
) -> tuple[Level, ...]:
    """Parse ``[[price_dollars, count_fp], ...]`` bids; sizes must not be negative."""
    if not raw:
        return ()
    levels = []
    for price_text, size_text in raw:
        size = parse_units(size_text, SIZE_DECIMALS)
        if size < 0:
            raise DataError(f"{what}: negative size {size_text!r} at {price_text}")
        levels.append((_price(price_text, ticks, what), size))
    return tuple(levels)


def book_snapshots(
    ticker: str,
    yes_levels: list[wire.RawLevel] | None,
    no_levels: list[wire.RawLevel] | None,
    ts_event_ns: int,
    ts_recv_ns: int,
    ticks: TickScheme | None = None,
    sequence: int = NO_SEQUENCE,
) -> tuple[BookSnapshot, BookSnapshot]:
    """YES and NO book snapshots (bids only) from the two bid ladders of a market."""
    yes_id, no_id = token_ids(ticker)
    yes_bids = parse_levels(yes_levels, ticks, f"{ticker} yes")
    no_bids = parse_levels(no_levels, ticks, f"{ticker} no")
    return (
        BookSnapshot(yes_id, yes_bids, (), ts_event_ns, ts_recv_ns, sequence),
        BookSnapshot(no_id, no_bids, (), ts_event_ns, ts_recv_ns, sequence),
    )


def parse_orderbook(
    response: wire.OrderbookResponse,
    ticker: str,
    ts_event_ns: int = 0,
    ts_recv_ns: int = 0,
    ticks: TickScheme | None = None,
) -> tuple[BookSnapshot, BookSnapshot]:
    """REST ``orderbook_fp`` (which names no market: pass ``ticker``) -> YES and NO snapshots."""
    book = response.orderbook_fp
    return book_snapshots(
        ticker, book.yes_dollars, book.no_dollars, ts_event_ns, ts_recv_ns or ts_event_ns, ticks
    )


def _aggressor(taker_side: str, taker_book_side: str, what: str) -> Side:
    """Trades print on the YES token: a taker buying YES buys, a taker buying NO sells YES."""
    if taker_side == "yes" or (not taker_side and taker_book_side == "bid"):
        return Side.BUY
    if taker_side == "no" or (not taker_side and taker_book_side == "ask"):
        return Side.SELL
    raise DataError(f"{what}: unknown taker side {taker_side or taker_book_side!r}")


def _trade(
    ticker: str,
    trade_id: str,
    price_text: str,
    count_text: str,
    aggressor: Side,
    ts: int,
    recv: int,
) -> Trade:
    price = _price(price_text, None, ticker)
    size = parse_units(count_text, SIZE_DECIMALS)
    if size <= 0:
        raise DataError(f"{ticker}: trade {trade_id} with non-positive count {count_text!r}")
    return Trade(token_ids(ticker)[0], price, size, aggressor, trade_id, ts, recv)


def parse_trade(trade: wire.RestTrade, ts_recv_ns: int = 0) -> Trade:
    """A REST trade -> a Trade on the YES token at ``yes_price_dollars``."""
    aggressor = _aggressor(trade.taker_side, trade.taker_book_side, trade.ticker)
    ts = _iso_ns(trade.created_time, trade.ticker)
    return _trade(
        trade.ticker,
        trade.trade_id,
        trade.yes_price_dollars,
        trade.count_fp,
        aggressor,
        ts,
        ts_recv_ns or ts,
    )


# ---- WebSocket ---------------------------------------------------------------------------------
def decode_ws(raw: bytes | str) -> wire.WsMessage:
    """Decode one WebSocket frame; ``DataError`` for bad JSON or an unknown message type."""
    try:
        return wire.ws_decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise DataError(f"Kalshi WS: unknown or invalid message: {error}") from None
    except msgspec.DecodeError as error:
        raise DataError(f"Kalshi WS: not JSON: {error}") from None


def _ws_time(ts_ms: int | None, ts: int | str | None, what: str) -> int | None:
    if ts_ms is not None:
        return ts_ms * NS_PER_MS
    if isinstance(ts, str):
        return _iso_ns(ts, what)
    if ts is not None:
        return ts * NS_PER_S
    return None


def parse_ws(
    message: wire.WsMessage,
    ts_recv_ns: int | None = None,
    ticks: TickScheme | None = None,
    fallback_ts_ns: int = 0,
) -> list[MarketEvent]:
    """Events of one decoded frame (control frames give none; ``error`` raises DataError).

    ``ts_event_ns`` is the message's own time where it has one, else ``ts_recv_ns``, else
    ``fallback_ts_ns``; ``ts_recv_ns`` defaults to the event time. ``ticks`` is the market's
    grid (prices off it are rejected). Book events carry the frame's ``seq`` as ``sequence``;
    a ticker's TopOfBook carries none (its ``seq`` numbers a different subscription).
    """
    kind = message.__class__
    if kind in wire.WS_CONTROL:
        return []
    if kind is wire.WsError:
        raise DataError(f"Kalshi WS error {message.msg.code}: {message.msg.msg}")
    body = message.msg
    ticker = body.market_ticker
    own = None if kind is wire.WsOrderbookSnapshot else _ws_time(body.ts_ms, body.ts, ticker)
    ts_event = (
        own if own is not None else (ts_recv_ns if ts_recv_ns is not None else fallback_ts_ns)
    )
    recv = ts_recv_ns if ts_recv_ns is not None else ts_event
    if kind is wire.WsOrderbookSnapshot:
        return list(
            book_snapshots(
                ticker, body.yes_dollars_fp, body.no_dollars_fp, ts_event, recv, ticks, message.seq
            )
        )
    if kind is wire.WsOrderbookDelta:
        if body.side not in ("yes", "no"):
            raise DataError(f"{ticker}: delta on unknown side {body.side!r}")
        level = (
            _price(body.price_dollars, ticks, ticker),
            parse_units(body.delta_fp, SIZE_DECIMALS),
        )
        token = token_ids(ticker)[0 if body.side == "yes" else 1]
        return [BookDelta(token, (level,), (), ts_event, recv, message.seq, increment=True)]
    if kind is wire.WsTrade:
        aggressor = _aggressor(body.taker_side, "", ticker)
        return [
            _trade(
                ticker,
                body.trade_id,
                body.yes_price_dollars,
                body.count_fp,
                aggressor,
                ts_event,
                recv,
            )
        ]
    bid = _optional_price(body.yes_bid_dollars, ticker)
    ask = _optional_price(body.yes_ask_dollars, ticker)
    return [
        TopOfBook(
            token_ids(ticker)[0],
            bid,
            None if bid is None else _optional_size(body.yes_bid_size_fp, ticker),
            ask,
            None if ask is None else _optional_size(body.yes_ask_size_fp, ticker),
            ts_event,
            recv,
        )
    ]
