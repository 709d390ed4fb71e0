"""Peer check: hftbacktest's GLFT market maker and Pythia's ``glft`` on the same capture.

Both run on the bundled Binance BTCUSDT capture (2024-08-08 23:54 to 00:05 UTC, 650 s),
read once with Pythia's own reader and depth-sync rule, so both see exactly the same book
deltas and trades:

- hftbacktest 2.4.4 (PyPI; install it in a separate venv, never in pyproject):
  ``python3 -m venv /work/peers && /work/peers/bin/pip install hftbacktest numpy &&
  /work/peers/bin/pip install -e .`` then ``/work/peers/bin/python
  benchmarks/peer_hftbacktest_glft.py [--json]``. The events are converted to its event
  array (``DEPTH_CLEAR_EVENT`` + ``DEPTH_SNAPSHOT_EVENT`` for the REST snapshot,
  ``DEPTH_EVENT`` per changed level, ``TRADE_EVENT`` signed by the taker, every row flagged
  ``EXCH_EVENT | LOCAL_EVENT``); the exchange time is Pythia's receive time (where Pythia's
  simulated venue applies an event) and the local time adds the same constant feed
  latency. The strategy is the GLFT grid example of its tutorial reduced to one level a
  side, written here as a numba function: asymptotic ``c1``/``c2`` (same formulas as
  :func:`pythia.strategy.making.models.glft_coefficients`), depths ``c1 + sigma c2 / 2 +/-
  sigma c2 q`` with ``q`` in lots around a target inventory (spot: long only), quotes
  floored/ceiled to the tick and kept one tick inside the touch, GTX (post-only) orders,
  requote only past ``requote_ticks``, a token-bucket rate limit, woken by every feed
  event, order response or 500 ms timeout (Pythia: every book update, fill and 500 ms
  timer). Constant order latency (entry and response), risk-averse queue model, partial
  fills, trading-value fees.
- Pythia runs ``glft_binance.toml`` with the same parameters (OFI and VPIN guards off).

Printed side by side: fills, volume, fees, PnL (cash + inventory at the final mid), final
position and run time (hftbacktest also without numba's compile time).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from hftbacktest import (
    BacktestAsset,
    HashMapMarketDepthBacktest,
)
from hftbacktest.data.validation import validate_event_order
from hftbacktest.order import BUY, GTX, LIMIT, NONE, SELL
from hftbacktest.types import (
    BUY_EVENT,
    DEPTH_CLEAR_EVENT,
    DEPTH_EVENT,
    DEPTH_SNAPSHOT_EVENT,
    EXCH_EVENT,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    event_dtype,
)
from numba import njit

from pythia.model.enums import Side
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, Trade
from pythia.ports.market_data import SyncAction
from pythia.service.backtest import load_settings, open_data, run
from pythia.strategy.making.models import glft_coefficients

CONFIG = "glft_binance"
INSTRUMENT = "binance:BTCUSDT"
MS = 1_000_000
FLAGS = EXCH_EVENT | LOCAL_EVENT


def settings_without_guards():
    settings = load_settings(CONFIG)
    params = dict(settings.strategy.params)
    params.pop("ofi", None)
    params.pop("vpin", None)
    strategy = settings.strategy.model_copy(update={"params": params})
    return settings.model_copy(update={"strategy": strategy})


def latency_ms(settings, name: str) -> int:
    return int(settings.venues["binance"]["latency"][name]["ms"])


def hft_events(feed_latency_ns: int):
    """The capture as hftbacktest rows, after Pythia's depth-sync rule; and the instrument."""
    opened = open_data("binance-btcusdt")
    rows: list[tuple] = []
    instrument = None
    sync = None
    has_snapshot = False
    for event in opened.source.events():
        kind = event.__class__
        if kind is InstrumentDefinition and event.definition.id == INSTRUMENT:
            instrument = event.definition
            sync = opened.synchronizer_for(instrument)
            continue
        if getattr(event, "instrument_id", None) != INSTRUMENT:
            continue
        if instrument is None:
            instrument = opened.source.instrument(INSTRUMENT)  # Binance: defined on first use
            sync = opened.synchronizer_for(instrument)
        price_scale = 10**instrument.price_decimals
        size_scale = 10**instrument.size_decimals
        exch = event.ts_recv_ns
        local = exch + feed_latency_ns
        if kind is BookSnapshot:
            has_snapshot = True
            if sync is not None:
                sync.on_snapshot(event.sequence)
            for side, levels, flag in ((0, event.bids, BUY_EVENT), (1, event.asks, SELL_EVENT)):
                if not levels:
                    continue
                edge = min(p for p, _ in levels) if side == 0 else max(p for p, _ in levels)
                rows.append((DEPTH_CLEAR_EVENT | flag | FLAGS, exch, local, edge / price_scale, 0))
                for price, size in levels:
                    rows.append(
                        (DEPTH_SNAPSHOT_EVENT | flag | FLAGS, exch, local, price / price_scale,
                         size / size_scale)
                    )  # fmt: skip
        elif kind is BookDelta:
            if not has_snapshot:
                continue
            if sync is not None:
                action = sync.check(event.first_sequence, event.sequence, event.prev_sequence)
                if action == SyncAction.DROP:
                    continue
            for levels, flag in ((event.bids, BUY_EVENT), (event.asks, SELL_EVENT)):
                for price, size in levels:
                    rows.append(
                        (DEPTH_EVENT | flag | FLAGS, exch, local, price / price_scale,
                         size / size_scale)
                    )  # fmt: skip
        elif kind is Trade:
            flag = BUY_EVENT if event.aggressor is Side.BUY else SELL_EVENT
            rows.append(
                (TRADE_EVENT | flag | FLAGS, exch, local, event.price / price_scale,
                 event.size / size_scale)
            )  # fmt: skip
    data = np.zeros(len(rows), event_dtype)
    for index, (ev, exch, local, px, qty) in enumerate(rows):
        data[index] = (ev, exch, local, px, qty, 0, 0, 0.0)
    validate_event_order(data)
    return data, instrument


@njit
def glft_loop(hbt, p, out):
    """One-level GLFT maker (hftbacktest tutorial logic); ``p`` holds the parameters."""
    tick, lot, min_qty = p[0], p[1], p[2]
    half, skew = p[3], p[4]
    target, max_inv = p[5], p[6]
    rate, burst, requote = p[7], p[8], p[9]
    timeout = np.int64(p[10])
    tokens = burst
    last_ns = np.int64(-1)
    next_id = 1
    placed = 0
    replaced = 0
    last_mid = np.nan
    while True:
        code = hbt.wait_next_feed(True, timeout)
        if code == 1:
            break
        if code != 0 and code != 2 and code != 3:
            break
        hbt.clear_inactive_orders(0)
        now = hbt.current_timestamp
        if last_ns >= 0:
            tokens = min(burst, tokens + (now - last_ns) / 1e9 * rate)
        last_ns = now
        depth = hbt.depth(0)
        best_bid = depth.best_bid
        best_ask = depth.best_ask
        if not (np.isfinite(best_bid) and np.isfinite(best_ask)) or best_bid >= best_ask:
            continue
        mid = (best_bid + best_ask) / 2.0
        last_mid = mid
        position = hbt.position(0)
        q = (position - target) / lot
        bid = math.floor((mid - (half + skew * q)) / tick + 1e-9) * tick
        ask = math.ceil((mid + (half - skew * q)) / tick - 1e-9) * tick
        bid = min(bid, best_ask - tick)
        ask = max(ask, best_bid + tick)
        buy_room = target + max_inv - position
        sell_room = min(position - (target - max_inv), position)
        bid_qty = min(lot, math.floor(buy_room / min_qty + 1e-9) * min_qty)
        ask_qty = min(lot, math.floor(sell_room / min_qty + 1e-9) * min_qty)
        if bid >= ask:
            if q < 0:
                ask_qty = 0.0
            else:
                bid_qty = 0.0
        for side in (BUY, SELL):
            want_px = bid if side == BUY else ask
            want_qty = bid_qty if side == BUY else ask_qty
            resting_id = 0
            resting_px = 0.0
            resting_qty = 0.0
            pending = False
            values = hbt.orders(0).values()
            while values.has_next():
                order = values.get()
                if order.side == side and order.cancellable:
                    resting_id = order.order_id
                    resting_px = order.price
                    resting_qty = order.leaves_qty
                elif order.side == side and order.req != NONE:
                    pending = True
            if pending:
                continue
            if resting_id != 0:
                if want_qty < min_qty:
                    tokens = max(tokens - 1.0, 0.0)
                    hbt.cancel(0, resting_id, False)
                    continue
                moved = abs(want_px - resting_px) > requote * tick + 1e-9
                resized = abs(want_qty - resting_qty) > 0.5 * resting_qty + 1e-12
                if not (moved or resized) or tokens < 1.0:
                    continue
                tokens -= 1.0
                hbt.cancel(0, resting_id, False)
                replaced += 1
            elif want_qty < min_qty or tokens < 1.0:
                continue
            else:
                tokens -= 1.0
                placed += 1
            if side == BUY:
                hbt.submit_buy_order(0, next_id, want_px, want_qty, GTX, LIMIT, False)
            else:
                hbt.submit_sell_order(0, next_id, want_px, want_qty, GTX, LIMIT, False)
            next_id += 1
    out[0] = placed
    out[1] = replaced
    out[2] = last_mid
    return True


def run_hftbacktest(settings, data, instrument) -> dict:
    params = settings.strategy.params
    venue = settings.venues["binance"]
    entry, response = latency_ms(settings, "order_entry"), latency_ms(settings, "response")
    size_scale = 10**instrument.size_decimals
    lot = params["size"] / size_scale
    coefficients = glft_coefficients(params["A"], params["k"], params["gamma"])
    sigma = params["sigma"]
    tick = instrument.tick / 10**instrument.price_decimals
    p = np.array(
        [
            tick,
            lot,
            max(instrument.min_size, 1) / size_scale,
            coefficients.c1 + sigma * coefficients.c2 / 2.0,
            sigma * coefficients.c2,
            params.get("target_inventory", 0) / size_scale,
            params["max_inventory"] / size_scale,
            float(params["rate_limit"]),
            float(params.get("rate_burst") or params["rate_limit"]),
            float(params.get("requote_ticks", 1)),
            float(params.get("timer_ms", 500)) * MS,
        ]
    )

    def build():
        asset = (
            BacktestAsset()
            .data([data])
            .linear_asset(1.0)
            .constant_order_latency(entry * MS, response * MS)
            .risk_adverse_queue_model()
            .partial_fill_exchange()
            .trading_value_fee_model(
                float(venue["maker_bps"]) / 10_000, float(venue["taker_bps"]) / 10_000
            )
            .tick_size(tick)
            .lot_size(1 / size_scale)
            .last_trades_capacity(0)
        )
        return HashMapMarketDepthBacktest([asset])

    timings = []
    for _ in range(2):  # the first run includes numba's compile time
        hbt = build()
        out = np.zeros(3)
        start = time.perf_counter()
        glft_loop(hbt, p, out)
        timings.append(time.perf_counter() - start)
        state = hbt.state_values(0)
        position, balance, fee = state.position, state.balance, state.fee
        fills, volume = state.num_trades, state.trading_volume
        hbt.close()
    mid = out[2]
    return {
        "engine": "hftbacktest 2.4.4",
        "fills": int(fills),
        "volume_btc": round(volume, 8),
        "fees": round(fee, 6),
        "pnl": round(balance + position * mid - fee, 6),
        "position_btc": round(position, 8),
        "orders_placed": int(out[0]),
        "orders_replaced": int(out[1]),
        "run_time_s": round(timings[1], 3),
        "run_time_with_jit_s": round(timings[0], 3),
    }


def run_pythia(settings) -> dict:
    start = time.perf_counter()
    result = run(settings)
    elapsed = time.perf_counter() - start
    report = result.strategies["glft"]
    split = {row["component"]: row["amount"] for row in report["pnl_split"]}
    volume = sum(float(row["volume"]) for row in report["fills_by_side"]) / 1e8
    quotes = report["quotes"]
    return {
        "engine": "pythia",
        "fills": result.summary["fills"],
        "volume_btc": round(volume, 8),
        "fees": float(result.summary["fees"].get("USDT", "0")),
        "pnl": float(result.summary["pnl"]),
        "position_btc": float(result.positions.get(INSTRUMENT, "0")),
        "orders_placed": quotes.get("placed", 0),
        "orders_replaced": quotes.get("replaced", 0),
        "run_time_s": round(elapsed, 3),
        "pnl_split": split,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    settings = settings_without_guards()
    start = time.perf_counter()
    data, instrument = hft_events(latency_ms(settings, "feed") * MS)
    convert_s = time.perf_counter() - start
    peer = run_hftbacktest(settings, data, instrument)
    ours = run_pythia(settings)
    params = settings.strategy.params
    document = {
        "dataset": "binance-btcusdt",
        "events_converted": int(len(data)),
        "conversion_s": round(convert_s, 3),
        "parameters": {
            key: params[key]
            for key in (
                "gamma",
                "sigma",
                "A",
                "k",
                "size",
                "max_inventory",
                "target_inventory",
                "requote_ticks",
                "rate_limit",
            )
        },  # fmt: skip
        "latency_ms": {
            name: latency_ms(settings, name) for name in ("feed", "order_entry", "response")
        },
        "queue": "risk-averse (hftbacktest RiskAdverseQueueModel; Pythia risk_averse)",
        "results": [peer, ours],
    }
    if args.json:
        print(json.dumps(document, indent=1))
        return
    keys = ("fills", "volume_btc", "fees", "pnl", "position_btc", "orders_placed",
            "orders_replaced", "run_time_s")  # fmt: skip
    print(f"{'':16}{'hftbacktest':>16}{'pythia':>16}")
    for key in keys:
        print(f"{key:16}{peer[key]!s:>16}{ours[key]!s:>16}")
    print(f"{'jit run_time_s':16}{peer['run_time_with_jit_s']!s:>16}")
    print(
        f"events converted: {len(data)} in {convert_s:.1f} s; Pythia PnL split {ours['pnl_split']}"
    )


if __name__ == "__main__":
    main()
