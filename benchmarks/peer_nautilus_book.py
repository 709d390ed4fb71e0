"""The same Binance level updates applied to NautilusTrader's L2 order book (the peer).

Deltas are converted to Nautilus objects before timing, as Pythia's are decoded before its
timing: both sides measure the book alone.
"""

from __future__ import annotations

import time

from pythia.core.fixed import format_units


def nautilus_book_rate(instrument, snapshot, deltas, repeat: int) -> float:
    from nautilus_trader.model.book import OrderBook
    from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas
    from nautilus_trader.model.enums import BookAction, BookType, OrderSide
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import Price, Quantity

    instrument_id = InstrumentId.from_str("BTCUSDT.BINANCE")
    pd, sd = instrument.price_decimals, instrument.size_decimals

    def convert(levels_by_side, sequence, ts):
        items = []
        for side, levels in levels_by_side:
            for price, size in levels:
                order = BookOrder(
                    side,
                    Price.from_str(format_units(price, pd)),
                    Quantity.from_str(format_units(size, sd)),
                    0,
                )
                action = BookAction.UPDATE if size else BookAction.DELETE
                items.append(OrderBookDelta(instrument_id, action, order, 0, sequence, ts, ts))
        return OrderBookDeltas(instrument_id, items) if items else None

    initial = convert(
        ((OrderSide.BUY, snapshot.bids), (OrderSide.SELL, snapshot.asks)), snapshot.sequence, 0
    )
    batches = [
        convert(((OrderSide.BUY, d.bids), (OrderSide.SELL, d.asks)), d.sequence, d.ts_event_ns)
        for d in deltas
    ]
    batches = [b for b in batches if b is not None]
    count = sum(len(d.bids) + len(d.asks) for d in deltas)
    best = 0.0
    for _ in range(repeat):
        book = OrderBook(instrument_id, BookType.L2_MBP)
        book.apply_deltas(initial)
        apply = book.apply_deltas
        began = time.perf_counter()
        for batch in batches:
            apply(batch)
        best = max(best, count / (time.perf_counter() - began))
    return best
