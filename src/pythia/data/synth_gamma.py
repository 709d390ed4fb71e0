"""A SYNTHETIC Gamma market (Polymarket's market metadata) of one YES/NO binary market."""

from __future__ import annotations

import json


def gamma_binary_market(
    market_id: str,
    question: str,
    condition_id: str,
    slug: str,
    token_ids: tuple[str, str],
    prices: tuple[str, str],
    tick: str,
) -> dict:
    """The market as Gamma returns it (JSON-in-JSON list fields), open, not negRisk."""
    return {
        "id": market_id,
        "question": question,
        "conditionId": condition_id,
        "slug": slug,
        "outcomes": json.dumps(["Yes", "No"]),
        "outcomePrices": json.dumps(list(prices)),
        "clobTokenIds": json.dumps(list(token_ids)),
        "orderPriceMinTickSize": float(tick),
        "orderMinSize": 1,
        "active": True,
        "closed": False,
        "acceptingOrders": True,
        "enableOrderBook": True,
        "negRisk": False,
        "synthetic": True,
    }
