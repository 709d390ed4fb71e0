"""The peer side of the engine benchmark: NautilusTrader's BacktestEngine over Pythia's data.

    python benchmarks/peer_nautilus_engine.py [--synthetic] [--repeat N] [--unbuffered]

Needs ``nautilus_trader`` (not a Pythia dependency; install it in a separate environment
together with Pythia). The Pythia book events (the snapshot and every diff after it) are
converted to Nautilus ``OrderBookDelta`` objects before timing; only ``engine.run()`` is
timed, with no strategy and with NautilusTrader's bundled ``OrderBookImbalance`` example.
Each Pythia event becomes one Nautilus batch: its last delta carries ``F_LAST`` and the data
engine buffers deltas until then (``buffer_deltas``), so a strategy sees one update per
Pythia event. ``--unbuffered`` publishes every delta on its own instead.
Only L2 deltas are given to Nautilus (no trades or top-of-book messages).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from decimal import Decimal

from pythia.data import bundled
from pythia.model.events import NO_SEQUENCE, BookDelta, BookSnapshot
from pythia.model.instruments import Instrument, OutcomeToken

BINANCE_FILES = ("spot_btcusdt_20240808.gz", "spot_btcusdt_20240809.gz")
SYNTHETIC_UPDATES = 1_000_000
SYNTHETIC_SEED = 7
SYNTHETIC_LEVELS_PER_DELTA = 10
FAR_FUTURE_NS = 4_102_444_800_000_000_000  # 2100-01-01


def nautilus_instrument_id(instrument: Instrument) -> str:
    """``BTCUSDT.BINANCE`` for Pythia's ``binance:BTCUSDT``; ``YES.SYNTHETIC`` and so on."""
    return f"{instrument.symbol.upper()}.{instrument.venue.upper()}"


def book_events(events: list) -> list[BookSnapshot | BookDelta]:
    """The first snapshot's instrument: that snapshot and the book events after it, with the
    Binance rule applied (a diff whose ``sequence`` is not above the last snapshot's is
    dropped; where either has no sequence nothing is dropped). Other events are skipped."""
    start = next(i for i, e in enumerate(events) if isinstance(e, BookSnapshot))
    instrument_id = events[start].instrument_id
    kept: list[BookSnapshot | BookDelta] = []
    snapshot_sequence = NO_SEQUENCE
    for event in events[start:]:
        if event.__class__ is BookSnapshot and event.instrument_id == instrument_id:
            snapshot_sequence = event.sequence
        elif event.__class__ is not BookDelta or event.instrument_id != instrument_id:
            continue
        elif NO_SEQUENCE not in (event.sequence, snapshot_sequence) and (
            event.sequence <= snapshot_sequence
        ):
            continue
        kept.append(event)
    return kept


def nautilus_deltas(
    events: list, instrument_id_str: str, price_decimals: int, size_decimals: int
) -> list:
    """Pythia snapshot + diffs as Nautilus L2_MBP ``OrderBookDelta`` objects.

    The snapshot becomes CLEAR + ADDs, a level of size 0 a DELETE and any other level an
    UPDATE. The last delta of each Pythia event has flags exactly ``F_LAST`` (the data
    engine's buffer flushes on ``flags == F_LAST``); the snapshot's other deltas carry
    ``F_SNAPSHOT``. Timestamps are the Pythia ``ts_recv_ns``, forced nondecreasing.
    ``events`` may be the whole Pythia stream (``list(src.events())``): :func:`book_events`
    keeps the first snapshot's instrument from that snapshot on, with the Binance sync rule.
    """
    from nautilus_trader.model.data import BookOrder, OrderBookDelta
    from nautilus_trader.model.enums import BookAction, OrderSide, RecordFlag
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import FIXED_PRECISION, Price, Quantity

    instrument_id = InstrumentId.from_str(instrument_id_str)
    price_scale = 10 ** (FIXED_PRECISION - price_decimals)
    size_scale = 10 ** (FIXED_PRECISION - size_decimals)
    price_from_raw, qty_from_raw = Price.from_raw, Quantity.from_raw
    buy, sell = OrderSide.BUY, OrderSide.SELL
    add, update, delete = BookAction.ADD, BookAction.UPDATE, BookAction.DELETE
    clear = BookAction.CLEAR
    f_last, f_snapshot = int(RecordFlag.F_LAST), int(RecordFlag.F_SNAPSHOT)

    out: list = []
    append = out.append
    last_ts = 0
    for event in book_events(events):
        is_snapshot = event.__class__ is BookSnapshot
        if not is_snapshot and event.increment:  # Kalshi-style signed changes
            raise ValueError("incremental deltas are not supported")
        ts = max(event.ts_recv_ns, last_ts)
        last_ts = ts
        sequence = max(event.sequence, 0)
        first = len(out)
        flags = f_snapshot if is_snapshot else 0
        if is_snapshot:
            append(OrderBookDelta(instrument_id, clear, None, flags, sequence, ts, ts))
        for side, levels in ((buy, event.bids), (sell, event.asks)):
            for price, size in levels:
                if is_snapshot:
                    if not size:
                        continue
                    action = add
                else:
                    action = update if size else delete
                order = BookOrder(
                    side,
                    price_from_raw(price * price_scale, price_decimals),
                    qty_from_raw(size * size_scale, size_decimals),
                    0,
                )
                append(OrderBookDelta(instrument_id, action, order, flags, sequence, ts, ts))
        if len(out) == first:
            continue
        tail = out[-1]
        out[-1] = OrderBookDelta(
            tail.instrument_id, tail.action, tail.order, f_last, sequence, ts, ts
        )
    return out


def nautilus_instrument(instrument: Instrument):
    """A CurrencyPair for a Pythia crypto spot, a BinaryOption for an outcome token."""
    from nautilus_trader.model.enums import AssetClass
    from nautilus_trader.model.identifiers import InstrumentId, Symbol
    from nautilus_trader.model.instruments import BinaryOption, CurrencyPair
    from nautilus_trader.model.objects import Currency, Price, Quantity

    instrument_id = InstrumentId.from_str(nautilus_instrument_id(instrument))
    pd, sd = instrument.price_decimals, instrument.size_decimals
    price_increment = Price.from_str(instrument.format_price(instrument.tick))
    size_increment = Quantity.from_str(instrument.format_size(1))
    quote = Currency.from_str(instrument.quote_currency)
    if isinstance(instrument, OutcomeToken):
        return BinaryOption(
            instrument_id=instrument_id,
            raw_symbol=Symbol(instrument.symbol.upper()),
            asset_class=AssetClass.ALTERNATIVE,
            currency=quote,
            price_precision=pd,
            size_precision=sd,
            price_increment=price_increment,
            size_increment=size_increment,
            activation_ns=0,
            expiration_ns=FAR_FUTURE_NS,
            ts_event=0,
            ts_init=0,
            outcome=instrument.outcome or None,
        )
    base = getattr(instrument, "base_currency", "")
    if not base:
        raise ValueError(f"no Nautilus mapping for {instrument.id}")
    return CurrencyPair(
        instrument_id=instrument_id,
        raw_symbol=Symbol(instrument.symbol),
        base_currency=Currency.from_str(base),
        quote_currency=quote,
        price_precision=pd,
        size_precision=sd,
        price_increment=price_increment,
        size_increment=size_increment,
        ts_event=0,
        ts_init=0,
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
    )


def default_trigger_min_size(instrument: Instrument) -> float:
    """Best-level size (in instrument units) that may trigger OrderBookImbalance.

    1 BTC on BTCUSDT (best levels are mostly far smaller); the strategy's own default of
    100 on the synthetic ladder, whose level sizes are uniform up to 1,000.
    """
    return 100.0 if isinstance(instrument, OutcomeToken) else 1.0


def run_nautilus(
    deltas: list,
    instrument: Instrument,
    with_strategy: bool,
    *,
    buffer_deltas: bool = True,
    trigger_min_size: float | None = None,
    trigger_imbalance_ratio: float = 0.20,
    min_seconds_between_triggers: float = 1.0,
) -> dict:
    """Run a BacktestEngine over ``deltas``; time ``engine.run()`` alone.

    Returns ``deltas`` (all Nautilus deltas fed, snapshot CLEAR + ADDs included),
    ``seconds`` and ``deltas_per_s``; with the strategy also ``orders`` (by status) and
    ``strategy_book_updates`` (deltas applied to the book the strategy's subscription keeps
    in the cache, proof it received the stream).
    """
    from nautilus_trader.backtest.engine import BacktestEngine
    from nautilus_trader.config import BacktestEngineConfig, DataEngineConfig, LoggingConfig
    from nautilus_trader.examples.strategies.orderbook_imbalance import (
        OrderBookImbalance,
        OrderBookImbalanceConfig,
    )
    from nautilus_trader.model.currencies import BTC
    from nautilus_trader.model.enums import AccountType, BookType, OmsType
    from nautilus_trader.model.identifiers import Venue
    from nautilus_trader.model.objects import Currency, Money

    if not deltas:
        raise ValueError("no deltas")
    nt_instrument = nautilus_instrument(instrument)
    quote = Currency.from_str(instrument.quote_currency)
    balances = [Money(10_000_000, quote)]
    if not isinstance(instrument, OutcomeToken):
        base = Currency.from_str(instrument.base_currency)
        balances.append(Money(1_000 if base == BTC else 1_000_000, base))

    config = BacktestEngineConfig(
        trader_id="BENCH-001",
        logging=LoggingConfig(log_level="ERROR", bypass_logging=True),
        data_engine=DataEngineConfig(buffer_deltas=buffer_deltas),
        run_analysis=False,
    )
    engine = BacktestEngine(config=config)
    try:
        engine.add_venue(
            venue=Venue(nt_instrument.id.venue.value),
            oms_type=OmsType.NETTING,
            account_type=AccountType.CASH,
            base_currency=None,
            starting_balances=balances,
            book_type=BookType.L2_MBP,
        )
        engine.add_instrument(nt_instrument)
        engine.add_data(deltas, sort=False)
        strategy = None
        if with_strategy:
            if trigger_min_size is None:
                trigger_min_size = default_trigger_min_size(instrument)
            strategy = OrderBookImbalance(
                OrderBookImbalanceConfig(
                    instrument_id=nt_instrument.id,
                    max_trade_size=Decimal(1),
                    trigger_min_size=trigger_min_size,
                    trigger_imbalance_ratio=trigger_imbalance_ratio,
                    min_seconds_between_triggers=min_seconds_between_triggers,
                    book_type="L2_MBP",
                    use_quote_ticks=False,
                ),
            )
            engine.add_strategy(strategy)
        gc.collect()
        began = time.perf_counter()
        engine.run()
        seconds = time.perf_counter() - began
        result: dict = {
            "deltas": len(deltas),
            "seconds": seconds,
            "deltas_per_s": len(deltas) / seconds,
        }
        if strategy is not None:
            orders = engine.cache.orders(strategy_id=strategy.id)
            by_status: dict[str, int] = {}
            for order in orders:
                name = order.status_string()
                by_status[name] = by_status.get(name, 0) + 1
            book = engine.cache.order_book(nt_instrument.id)
            result["orders"] = len(orders)
            result["orders_by_status"] = by_status
            result["strategy_book_updates"] = book.update_count if book is not None else 0
    finally:
        engine.dispose()
    return result


def best_of(deltas: list, instrument: Instrument, with_strategy: bool, repeat: int, **kw) -> dict:
    """The fastest of ``repeat`` runs (each on a fresh engine)."""
    runs = [run_nautilus(deltas, instrument, with_strategy, **kw) for _ in range(repeat)]
    best = max(runs, key=lambda r: r["deltas_per_s"])
    best["runs_deltas_per_s"] = [round(r["deltas_per_s"]) for r in runs]
    return best


def binance_data() -> tuple[Instrument, list]:
    from pythia.venues import read_capture

    source = read_capture("binance", [bundled("binance", name) for name in BINANCE_FILES])
    events = list(source.events())
    return source.instruments()[0], book_events(events)


def synthetic_data() -> tuple[Instrument, list]:
    from pythia.data.synthetic import prediction_market_stream, synthetic_token

    token = synthetic_token(tick=10)
    stream = list(
        prediction_market_stream(
            token,
            SYNTHETIC_UPDATES,
            seed=SYNTHETIC_SEED,
            levels_per_delta=SYNTHETIC_LEVELS_PER_DELTA,
        )
    )
    return token, book_events(stream)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="synthetic ladder stream")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--unbuffered", action="store_true", help="publish each delta alone (no F_LAST batching)"
    )
    args = parser.parse_args(argv)
    try:
        import nautilus_trader
    except ImportError:
        sys.exit("nautilus_trader is not installed (use a separate environment)")

    instrument, events = synthetic_data() if args.synthetic else binance_data()
    levels = sum(len(e.bids) + len(e.asks) for e in events if isinstance(e, BookDelta))
    deltas = nautilus_deltas(
        events,
        nautilus_instrument_id(instrument),
        instrument.price_decimals,
        instrument.size_decimals,
    )
    kw = {"buffer_deltas": not args.unbuffered}
    results = {
        "dataset": "synthetic (seeded)" if args.synthetic else "binance spot BTCUSDT capture",
        "nautilus_trader": nautilus_trader.__version__,
        "python": sys.version.split()[0],
        "pythia_events": len(events),
        "level_updates": levels,
        "buffer_deltas": kw["buffer_deltas"],
        "repeat": args.repeat,
        "no_strategy": best_of(deltas, instrument, False, args.repeat, **kw),
        "order_book_imbalance": best_of(deltas, instrument, True, args.repeat, **kw),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()


def measure_all(repeat: int = 3) -> dict:
    """Both streams, both settings, batched and unbatched: for bench_engine.py --peers."""
    results: dict = {}
    for name, loader in (("binance", binance_data), ("synthetic", synthetic_data)):
        instrument, events = loader()
        deltas = nautilus_deltas(
            events,
            nautilus_instrument_id(instrument),
            instrument.price_decimals,
            instrument.size_decimals,
        )
        for buffered in (True, False):
            label = f"{name}_{'batched' if buffered else 'unbatched'}"
            for with_strategy in (False, True):
                run = best_of(deltas, instrument, with_strategy, repeat, buffer_deltas=buffered)
                key = f"{label}_{'book_imbalance' if with_strategy else 'no_strategy'}"
                results[key] = {
                    "deltas": run["deltas"],
                    "deltas_per_s": round(run["deltas_per_s"]),
                    "orders": run.get("orders"),
                }
    return results
