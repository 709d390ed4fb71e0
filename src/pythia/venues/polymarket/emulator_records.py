"""The emulator's order and trade records in the venue's JSON (REST and user channel).

Formats follow the recorded user-channel messages in ``tests/data/polymarket``
(``ws_user_order_placement.json``, ``ws_user_trade.json``): an ``order`` event carries
``type`` PLACEMENT, UPDATE or CANCELLATION; a ``trade`` is written from the recipient's
side (``trader_side`` TAKER: its order took liquidity, MAKER: its resting order was hit, and
then its order is in ``maker_orders``). Liquidity from the replayed book has no owner: its
maker order id is ``"book"``, a taker from replayed market data ``"market"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pythia.model.execution import FillReport
from pythia.venues.polymarket.encode import price_text, size_text

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(slots=True)
class VenueOrder:
    """An order the emulator accepted (its id is the order's EIP-712 hash)."""

    order_id: str
    owner: str
    maker_address: str
    asset_id: str
    market: str
    outcome: str
    side: str
    price: int
    original_size: int
    order_type: str
    expiration: str
    created_at_s: int
    size_matched: int = 0
    status: str = "LIVE"
    associate_trades: list[str] = field(default_factory=list)


def open_order(order: VenueOrder) -> dict:
    """A REST order (``GET /data/order/{id}``, ``/data/orders``)."""
    return {
        "id": order.order_id,
        "status": order.status,
        "owner": order.owner,
        "maker_address": order.maker_address,
        "market": order.market,
        "asset_id": order.asset_id,
        "side": order.side,
        "original_size": size_text(order.original_size),
        "size_matched": size_text(order.size_matched),
        "price": price_text(order.price),
        "outcome": order.outcome,
        "expiration": order.expiration,
        "order_type": order.order_type,
        "created_at": order.created_at_s,
        "associate_trades": list(order.associate_trades),
    }


def order_event(order: VenueOrder, event_type: str, ts_ms: int) -> dict:
    """A user-channel ``order`` event of type PLACEMENT, UPDATE or CANCELLATION."""
    record = open_order(order)
    record.update(
        event_type="order",
        type=event_type,
        order_owner=order.owner,
        created_at=str(order.created_at_s),
        timestamp=str(ts_ms),
    )
    return record


def _trade(order: VenueOrder, fill: FillReport, trade_id: str, tx_hash: str, ts_ms: int) -> dict:
    seconds = str(ts_ms // 1000)
    return {
        "event_type": "trade",
        "type": "TRADE",
        "id": trade_id,
        "market": order.market,
        "asset_id": order.asset_id,
        "outcome": order.outcome,
        "price": price_text(fill.price),
        "size": size_text(fill.size),
        "fee_rate_bps": "0",
        "status": "MATCHED",
        "match_time": seconds,
        "last_update": seconds,
        "timestamp": str(ts_ms),
        "owner": order.owner,
        "trade_owner": order.owner,
        "transaction_hash": tx_hash,
        "bucket_index": 0,
    }


def taker_trade(
    order: VenueOrder, fill: FillReport, trade_id: str, tx_hash: str, ts_ms: int
) -> dict:
    """Our order took liquidity from the replayed book: one trade per fill (price level)."""
    record = _trade(order, fill, trade_id, tx_hash, ts_ms)
    record.update(
        side=order.side,
        taker_order_id=order.order_id,
        maker_address=order.maker_address,
        trader_side="TAKER",
        maker_orders=[
            {
                "order_id": "book",
                "owner": "",
                "maker_address": ZERO_ADDRESS,
                "asset_id": order.asset_id,
                "matched_amount": size_text(fill.size),
                "price": price_text(fill.price),
                "outcome": order.outcome,
                "fee_rate_bps": "0",
            }
        ],
    )
    return record


def maker_trade(
    order: VenueOrder, fill: FillReport, trade_id: str, tx_hash: str, ts_ms: int
) -> dict:
    """Our resting order was filled by replayed market activity."""
    record = _trade(order, fill, trade_id, tx_hash, ts_ms)
    record.update(
        side="SELL" if order.side == "BUY" else "BUY",
        taker_order_id="market",
        maker_address=ZERO_ADDRESS,
        trader_side="MAKER",
        maker_orders=[
            {
                "order_id": order.order_id,
                "owner": order.owner,
                "maker_address": order.maker_address,
                "asset_id": order.asset_id,
                "matched_amount": size_text(fill.size),
                "price": price_text(fill.price),
                "outcome": order.outcome,
                "side": order.side,
                "fee_rate_bps": "0",
            }
        ],
    )
    return record
