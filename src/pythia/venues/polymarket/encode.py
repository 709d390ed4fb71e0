"""Pure functions from Pythia's model to Polymarket's JSON: the inverse of ``parse.py``.

Used by the emulator to speak the venue's formats and by the order client for exact order
amounts. Decimals are written as the venue writes them: no trailing zeros (``"0.514"``,
``"12848.17"``, ``"600"``). Book levels are written worst first, best last (bids ascending,
asks descending), as the venue does; ``hash`` follows the venue's book-summary hash.

>>> venue_decimal(5140, 4), venue_decimal(20_230_870_000, 6)
('0.514', '20230.87')
>>> order_amounts("BUY", 5140, 10_000_000)
(5140000, 10000000)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from pythia.core.errors import DataError
from pythia.core.fixed import pow10
from pythia.model.events import Level
from pythia.venues.polymarket.parse import PRICE_DECIMALS, SIZE_DECIMALS

TOKEN_DECIMALS = 6
"""Collateral and outcome tokens both have 6 decimals on chain."""


def venue_decimal(units: int, decimals: int) -> str:
    """Format units as the venue does: a plain decimal without trailing zeros."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), pow10(decimals))
    text = f"{frac:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{sign}{whole}.{text}" if text else f"{sign}{whole}"


def price_text(price: int) -> str:
    return venue_decimal(price, PRICE_DECIMALS)


def size_text(size: int) -> str:
    return venue_decimal(size, SIZE_DECIMALS)


def order_amounts(side: str, price: int, size: int) -> tuple[int, int]:
    """Exact ``(makerAmount, takerAmount)`` in 6-decimal token units of a limit order.

    BUY pays collateral (maker) for shares (taker); SELL the reverse. ``price`` in 0.0001
    units, ``size`` in 10**-6 shares. ``DataError`` when the notional is not a whole token
    unit (size not a multiple of 0.01 share at a 0.0001 price).
    """
    shares = size * pow10(TOKEN_DECIMALS - SIZE_DECIMALS)
    notional, remainder = divmod(shares * price, pow10(PRICE_DECIMALS))
    if remainder:
        raise DataError(f"size {size} at price {price} has no exact notional in token units")
    if side == "BUY":
        return notional, shares
    if side == "SELL":
        return shares, notional
    raise DataError(f"unknown side {side!r}")


# ---- market channel and REST book ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BookRules:
    """The market rules a REST book carries."""

    market: str
    tick: int
    min_size: int
    neg_risk: bool


def _levels(levels: Sequence[Level]) -> list[dict[str, str]]:
    """Best-first levels as venue summaries, worst first."""
    return [{"price": price_text(p), "size": size_text(s)} for p, s in reversed(levels)]


def book_hash(summary: dict) -> str:
    """The venue's book hash: SHA1 of the compact JSON summary in the venue's key order,
    with ``hash`` empty."""
    payload = {
        "market": summary.get("market"),
        "asset_id": summary.get("asset_id"),
        "timestamp": summary.get("timestamp"),
        "hash": "",
        "bids": summary.get("bids") or [],
        "asks": summary.get("asks") or [],
        "min_order_size": summary.get("min_order_size"),
        "tick_size": summary.get("tick_size"),
        "neg_risk": summary.get("neg_risk"),
        "last_trade_price": summary.get("last_trade_price"),
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()


def book_summary(
    asset_id: str,
    rules: BookRules,
    bids: Sequence[Level],
    asks: Sequence[Level],
    timestamp_ms: int,
    last_trade_price: int | None,
) -> dict:
    """A REST ``GET /book`` answer (levels best first in, worst first out), with its hash."""
    summary = {
        "market": rules.market,
        "asset_id": asset_id,
        "timestamp": str(timestamp_ms),
        "hash": "",
        "bids": _levels(bids),
        "asks": _levels(asks),
        "min_order_size": size_text(rules.min_size),
        "tick_size": price_text(rules.tick),
        "neg_risk": rules.neg_risk,
        "last_trade_price": price_text(last_trade_price) if last_trade_price else "",
    }
    summary["hash"] = book_hash(summary)
    return summary


def book_event(summary: dict) -> dict:
    """The market-channel ``book`` event of a REST summary."""
    keys = ("market", "asset_id", "timestamp", "hash", "bids", "asks")
    return {"event_type": "book", **{key: summary[key] for key in keys}}


def price_change_event(
    market: str, timestamp_ms: int, changes: Sequence[tuple[str, str, int, int, str, str, str]]
) -> dict:
    """A ``price_change`` event; each change is ``(asset_id, side, price, size, hash,
    best_bid, best_ask)`` with side BUY (bids) or SELL (asks) and size 0 removing the level."""
    return {
        "event_type": "price_change",
        "market": market,
        "timestamp": str(timestamp_ms),
        "price_changes": [
            {
                "asset_id": asset_id,
                "price": price_text(price),
                "size": size_text(size),
                "side": side,
                "hash": level_hash,
                "best_bid": best_bid,
                "best_ask": best_ask,
            }
            for asset_id, side, price, size, level_hash, best_bid, best_ask in changes
        ],
    }


def tick_size_change_event(
    asset_id: str, market: str, old_tick: int, new_tick: int, timestamp_ms: int
) -> dict:
    return {
        "event_type": "tick_size_change",
        "asset_id": asset_id,
        "market": market,
        "old_tick_size": price_text(old_tick),
        "new_tick_size": price_text(new_tick),
        "timestamp": str(timestamp_ms),
    }


def last_trade_price_event(
    asset_id: str, market: str, price: int, size: int, side: str, timestamp_ms: int, tx: str
) -> dict:
    return {
        "event_type": "last_trade_price",
        "asset_id": asset_id,
        "market": market,
        "price": price_text(price),
        "size": size_text(size),
        "side": side,
        "fee_rate_bps": "0",
        "timestamp": str(timestamp_ms),
        "transaction_hash": tx,
    }
