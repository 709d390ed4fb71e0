"""A snapshot directory for the ``pythia match`` tests: the bundled real Gamma and Kalshi
answers plus hand-written markets in the venues' shapes (labelled as such).

Expected outcome, by design:

- exact: hand-written Gamma "Will Elon Musk visit Mars before Aug 1, 2099?" and the real
  Kalshi KXELONMARS-99 (same title, same close time);
- paraphrase: the real Gamma Whitmer market ("win the 2028 Democratic presidential
  nomination") and a hand-written Kalshi one ("be the 2028 Democratic presidential nominee");
- different sources: Bitcoin above $100,000 on Dec 31, 2026 (Binance on Polymarket, CF
  Benchmarks through the Kalshi series);
- dates 10 days apart: the Fed March 2026 cut (Polymarket ends 2026-03-18, Kalshi closes
  2026-03-28): dropped unless kept;
- unrelated, never paired: the real Gamma Stephen A. Smith and Bitcoin Up-or-Down markets,
  the real Kalshi KXCOLONIZEMARS-50.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"

WHITMER_YES = (
    "polymarket:57761428076807364758801249497410455358987881775226117256631754592198558850468"
)
SMITH_CONDITION = "0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47"
UP_DOWN_CONDITION = "0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b"
MARS_YES, FED_YES, BTC_YES = "polymarket:901", "polymarket:911", "polymarket:921"


def gamma_market(condition: str, tokens: tuple[str, str], question: str, **extra) -> dict:
    """A bare Gamma market as Gamma sends it (JSON-in-JSON token ids and outcomes)."""
    return {
        "id": condition,
        "conditionId": condition,
        "question": question,
        "clobTokenIds": json.dumps(list(tokens)),
        "outcomes": json.dumps(["Yes", "No"]),
        "outcomePrices": json.dumps(["0.5", "0.5"]),
        "active": True,
        "closed": False,
        **extra,
    }


def kalshi_market(ticker: str, title: str, close_time: str | None, **extra) -> dict:
    market = {
        "ticker": ticker,
        "event_ticker": ticker.rsplit("-", 1)[0],
        "market_type": "binary",
        "status": "active",
        "title": title,
        "price_level_structure": "linear_cent",
        **extra,
    }
    if close_time is not None:
        market["close_time"] = close_time
    return market


HANDWRITTEN_GAMMA = [
    gamma_market(
        "0xmars",
        ("901", "902"),
        "Will Elon Musk visit Mars before Aug 1, 2099?",
        endDate="2099-08-01T04:59:00Z",
        description="Resolves Yes if Elon Musk visits Mars before Aug 1, 2099.",
    ),
    gamma_market(
        "0xfed",
        ("911", "912"),
        "Will the Fed cut rates in March 2026?",
        endDate="2026-03-18T18:00:00Z",
        description="Resolves Yes if the FOMC lowers the target range at its March 2026 meeting.",
        resolutionSource="https://www.federalreserve.gov/monetarypolicy/openmarket.htm",
    ),
    gamma_market(
        "0xbtc",
        ("921", "922"),
        "Will Bitcoin close above $100,000 on Dec 31, 2026?",
        endDate="2026-12-31T23:59:59Z",
        description="Resolves Yes if the Binance BTC/USDT 1-minute candle closing at 23:59 UTC"
        " on Dec 31, 2026 closes above 100,000.",
        resolutionSource="https://www.binance.com/en/trade/BTC_USDT",
    ),
]

HANDWRITTEN_KALSHI = {
    "_source": "hand-written in the shape of Kalshi REST answers, for the pythia match tests",
    "get_event_KXPRESNOMD-28": {
        "event": {
            "event_ticker": "KXPRESNOMD-28",
            "series_ticker": "KXPRESNOMD",
            "mutually_exclusive": True,
            "title": "Democratic presidential nominee 2028",
        },
        "markets": [
            kalshi_market(
                "KXPRESNOMD-28-GW",
                "Will Gretchen Whitmer be the 2028 Democratic presidential nominee?",
                "2028-11-07T15:00:00Z",
                yes_sub_title="Gretchen Whitmer",
                rules_primary="If Gretchen Whitmer is the Democratic nominee for President"
                " in 2028, then the market resolves to Yes.",
            )
        ],
    },
    "get_markets_fed": {
        "markets": [
            kalshi_market(
                "KXFEDCUT-26MAR",
                "Will the Fed cut rates in March 2026?",
                "2026-03-28T18:00:00Z",
                rules_primary="If the FOMC lowers the target range at its March 2026 meeting,"
                " then the market resolves to Yes.",
            )
        ]
    },
    "get_market_KXBTCY-26DEC31": {
        "market": kalshi_market(
            "KXBTCY-26DEC31",
            "Will Bitcoin be above $100k on December 31, 2026?",
            "2026-12-31T23:59:00Z",
            rules_primary="If the CF Benchmarks Bitcoin Real-Time Index averaged over the"
            " minute before 11:59 PM UTC on Dec 31, 2026 is above 100000, the market resolves"
            " to Yes.",
        )
    },
    "get_series_KXBTCY": {
        "series": {
            "ticker": "KXBTCY",
            "title": "Bitcoin yearly",
            "settlement_sources": [
                {"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}
            ],
        }
    },
}


def build_snapshot(root: Path) -> Path:
    """Write the snapshot directory described in the module docstring under ``root``."""
    (root / "events").mkdir(parents=True)
    (root / "kalshi").mkdir()
    shutil.copy(DATA / "polymarket" / "gamma_event_negrisk.json", root / "events" / "dem.json")
    shutil.copy(DATA / "polymarket" / "gamma_market.json", root / "events" / "up_down.json")
    (root / "events" / "handwritten.json").write_text(json.dumps(HANDWRITTEN_GAMMA))
    shutil.copy(DATA / "kalshi" / "kalshi_rest_responses.json", root / "kalshi" / "real.json")
    (root / "kalshi" / "handwritten.json").write_text(json.dumps(HANDWRITTEN_KALSHI))
    return root
