"""A SYNTHETIC bounded binary market for market-making backtests, as a Polymarket stream.

:func:`write_binary_market` writes Polymarket WebSocket messages as JSON lines prefixed by a
receive time in nanoseconds (``<ts_recv_ns> <json>``), which ``read_capture("polymarket",
...)`` replays like a recording:

1. the Gamma ``/events`` object of one binary (non-negRisk) market, YES and NO tokens,
   tick 0.001;
2. a ``book`` snapshot of each token (the NO book mirrors the YES book: a YES bid at ``x``
   is a NO ask at ``1 - x``);
3. every ``step_ms``: the YES mid moves as a logit random walk ``x += sigma sqrt(dt) Z``
   plus the impact of the step's order flow; the book is rebuilt around it (``levels``
   levels a side, the touch ``half_spread_ticks`` from the mid) and the changed levels go
   out as one ``price_change`` (YES and mirrored NO levels);
4. market orders arrive per side as a Poisson process of rate ``A``; each reaches a depth
   ``delta ~ Exponential(k)`` from the mid (so the rate of prints at depth ``delta`` or
   more is ``A exp(-k delta)``) and prints one ``last_trade_price`` at the deepest level it
   reached, with the taker's side, on YES or (mirrored) on NO at random; a buy pushes the
   logit mid up by ``impact`` (informed flow: makers see adverse selection);
5. at the end the price jumps to the outcome (YES wins with the final probability) and a
   ``market_resolved`` message settles it.

Every message carries ``"synthetic": true``; same arguments, same bytes.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from pythia.data.synth_gamma import gamma_binary_market

ONE = 10_000
TICK = 10
BASE_TS_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
LATENCY_NS = 250_000
CONDITION_ID = "0x" + "5b" * 32
YES_ID = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
NO_ID = "52114319501245915516055106046884209969926127482827954674443846427813813222426"


@dataclass(frozen=True, slots=True)
class BinarySpec:
    """What to generate (defaults: 30 minutes, a step a second, mid starting at 0.5)."""

    seed: int = 0
    duration_s: int = 1800
    step_ms: int = 1000
    start: float = 0.5
    sigma: float = 0.01
    """Logit volatility per sqrt(second)."""
    A: float = 0.5
    """Market orders per second per side reaching depth 0."""
    k: float = 150.0
    """Decay of the reach per probability unit."""
    impact: float = 0.004
    """Logit move per market order (signed by its side)."""
    levels: int = 6
    half_spread_ticks: int = 2
    level_size: int = 200
    trade_size: int = 50

    def __post_init__(self) -> None:
        if not 0.0 < self.start < 1.0 or self.duration_s <= 0 or self.step_ms <= 0:
            raise ValueError("need 0 < start < 1, duration_s > 0 and step_ms > 0")
        if self.levels < 1 or self.half_spread_ticks < 1 or self.level_size <= 0:
            raise ValueError("need levels >= 1, half_spread_ticks >= 1, level_size > 0")


def _decimal(units: int) -> str:
    return f"{units // ONE}.{units % ONE:04d}"


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _ladder(p: float, spec: BinarySpec, rng: random.Random) -> tuple[dict, dict]:
    """YES bids and asks (price units -> shares) around probability ``p``."""
    centre = round(p * ONE / TICK) * TICK
    best_bid = min(max(centre - spec.half_spread_ticks * TICK, TICK), ONE - 2 * TICK)
    best_ask = max(min(centre + spec.half_spread_ticks * TICK, ONE - TICK), best_bid + TICK)
    bids, asks = {}, {}
    for i in range(spec.levels):
        size = spec.level_size * (1 + i) + rng.randint(0, spec.level_size)
        if best_bid - i * TICK >= TICK:
            bids[best_bid - i * TICK] = size
        if best_ask + i * TICK <= ONE - TICK:
            asks[best_ask + i * TICK] = size
    return bids, asks


def _gamma_event(tick: str) -> dict:
    market = gamma_binary_market(
        "900001",
        "SYNTHETIC: will the synthetic event happen?",
        CONDITION_ID,
        "synthetic-binary",
        (YES_ID, NO_ID),
        ("0.5", "0.5"),
        tick,
    )
    return {
        "id": "900000",
        "slug": "synthetic-binary-event",
        "title": "SYNTHETIC binary market (pythia data synth --kind binary)",
        "active": True,
        "closed": False,
        "negRisk": False,
        "synthetic": True,
        "markets": [market],
    }


def _book(asset: str, bids: dict, asks: dict, ts_ms: int) -> dict:
    return {
        "event_type": "book",
        "market": CONDITION_ID,
        "asset_id": asset,
        "timestamp": str(ts_ms),
        "hash": "",
        "bids": [{"price": _decimal(p), "size": str(s)} for p, s in sorted(bids.items())],
        "asks": [
            {"price": _decimal(p), "size": str(s)} for p, s in sorted(asks.items(), reverse=True)
        ],
        "tick_size": _decimal(TICK),
        "synthetic": True,
    }


def _changes(old: dict, new: dict, side: str) -> list[tuple[str, int, int]]:
    return [
        (side, price, new.get(price, 0))
        for price in sorted(set(old) | set(new))
        if old.get(price, 0) != new.get(price, 0)
    ]


def _price_change(changes: list[tuple[str, int, int]], ts_ms: int) -> dict:
    entries = []
    for side, price, size in changes:
        entries.append(
            {"asset_id": YES_ID, "price": _decimal(price), "size": str(size), "side": side}
        )
        mirrored = "SELL" if side == "BUY" else "BUY"
        entries.append(
            {
                "asset_id": NO_ID,
                "price": _decimal(ONE - price),
                "size": str(size),
                "side": mirrored,
            }
        )
    return {
        "event_type": "price_change",
        "market": CONDITION_ID,
        "timestamp": str(ts_ms),
        "price_changes": entries,
        "synthetic": True,
    }


def _trade(yes_side: str, price: int, size: int, ts_ms: int, on_no: bool) -> dict:
    asset, side = YES_ID, yes_side
    if on_no:
        asset, price = NO_ID, ONE - price
        side = "SELL" if yes_side == "BUY" else "BUY"
    return {
        "event_type": "last_trade_price",
        "market": CONDITION_ID,
        "asset_id": asset,
        "price": _decimal(price),
        "size": str(size),
        "side": side,
        "timestamp": str(ts_ms),
        "synthetic": True,
    }


def generate(spec: BinarySpec) -> tuple[list[tuple[int, dict]], dict]:
    """Return ``(lines, truth)``: ``(ts_ms, message)`` pairs and what was drawn."""
    rng = random.Random(spec.seed)
    x = math.log(spec.start / (1.0 - spec.start))
    dt = spec.step_ms / 1000.0
    bids, asks = _ladder(spec.start, spec, rng)
    lines: list[tuple[int, dict]] = [(BASE_TS_MS, _gamma_event(_decimal(TICK)))]
    mirrored_bids = {ONE - p: s for p, s in asks.items()}
    mirrored_asks = {ONE - p: s for p, s in bids.items()}
    lines.append((BASE_TS_MS, _book(YES_ID, bids, asks, BASE_TS_MS)))
    lines.append((BASE_TS_MS, _book(NO_ID, mirrored_bids, mirrored_asks, BASE_TS_MS)))
    trades = 0
    steps = spec.duration_s * 1000 // spec.step_ms
    for step in range(1, steps + 1):
        ts_ms = BASE_TS_MS + step * spec.step_ms
        p = _expit(x)
        flow = 0
        for yes_side, book in (("BUY", asks), ("SELL", bids)):
            for _ in range(_poisson(rng, spec.A * dt)):
                reach = rng.expovariate(spec.k)
                if yes_side == "BUY":
                    hit = [q for q in sorted(book) if q / ONE - p <= reach]
                else:
                    hit = [q for q in sorted(book, reverse=True) if p - q / ONE <= reach]
                if not hit:
                    continue
                offset = rng.randint(0, spec.step_ms - 1)
                lines.append(
                    (ts_ms - spec.step_ms + offset, _trade(yes_side, hit[-1], spec.trade_size,
                                                           ts_ms - spec.step_ms + offset,
                                                           rng.random() < 0.5))
                )  # fmt: skip
                trades += 1
                flow += 1 if yes_side == "BUY" else -1
        x += spec.sigma * math.sqrt(dt) * rng.gauss(0.0, 1.0) + spec.impact * flow
        x = min(max(x, -6.0), 6.0)
        new_bids, new_asks = _ladder(_expit(x), spec, rng)
        changes = _changes(bids, new_bids, "BUY") + _changes(asks, new_asks, "SELL")
        bids, asks = new_bids, new_asks
        if changes:
            lines.append((ts_ms, _price_change(changes, ts_ms)))
    final = _expit(x)
    yes_wins = rng.random() < final
    end_ms = BASE_TS_MS + (steps + 1) * spec.step_ms
    lines.append(
        (
            end_ms,
            {
                "event_type": "market_resolved",
                "market": CONDITION_ID,
                "assets_ids": [YES_ID, NO_ID],
                "winning_asset_id": YES_ID if yes_wins else NO_ID,
                "winning_outcome": "Yes" if yes_wins else "No",
                "timestamp": str(end_ms),
                "synthetic": True,
            },
        )
    )
    lines.sort(key=lambda item: item[0])  # trades inside a step come before its book change
    truth = {
        "synthetic": True,
        "spec": {name: getattr(spec, name) for name in spec.__dataclass_fields__},
        "yes_id": f"polymarket:{YES_ID}",
        "no_id": f"polymarket:{NO_ID}",
        "final_probability": round(final, 6),
        "yes_wins": yes_wins,
        "trades": trades,
        "start_ns": BASE_TS_MS * 1_000_000,
        "resolution_ns": end_ms * 1_000_000,
    }
    return lines, truth


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def write_binary_market(out: Path, spec: BinarySpec) -> dict:
    """Write ``out`` (a ``.jsonl`` or ``.jsonl.gz`` file) and ``out`` + ``.truth.json``;
    return the truth."""
    lines, truth = generate(spec)
    text = "".join(
        f"{ts_ms * 1_000_000 + LATENCY_NS} {json.dumps(message, separators=(',', ':'))}\n"
        for ts_ms, message in lines
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.name.endswith(".gz"):
        with open(out, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as handle:
            handle.write(text.encode())  # no name, mtime 0: same bytes every run
    else:
        out.write_text(text)
    Path(f"{out}.truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth
