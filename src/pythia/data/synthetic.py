"""Synthetic market data for scale tests and benchmarks (labelled synthetic everywhere).

:func:`prediction_market_stream` makes a seeded stream of book deltas on a bounded
probability ladder that behaves like a real one: levels appear, change and vanish around a
touch that drifts tick by tick, and the book never crosses. Same seed, same stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pythia.core.fixed import pow10
from pythia.model.events import BookDelta, BookSnapshot
from pythia.model.instruments import InstrumentKind, OutcomeToken, PriceSpace, probability_scheme

SYNTHETIC_VENUE = "synthetic"


def synthetic_token(tick: int = 10, price_decimals: int = 4, symbol: str = "yes") -> OutcomeToken:
    """A YES token on a ``tick``-unit grid (10 = 0.001 at 4 decimals), sizes at 6 decimals."""
    return OutcomeToken(
        id=f"{SYNTHETIC_VENUE}:{symbol}",
        venue=SYNTHETIC_VENUE,
        symbol=symbol,
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=price_decimals,
        size_decimals=6,
        ticks=probability_scheme(tick, price_decimals),
        min_size=1,
        quote_currency="USDC",
        price_space=PriceSpace.PROBABILITY,
        bounded=True,
        outcome="Yes",
    )


def prediction_market_stream(
    instrument: OutcomeToken,
    n_updates: int,
    seed: int,
    levels_per_delta: int = 1,
    start_ns: int = 1_700_000_000_000_000_000,
    interval_ns: int = 1_000_000,
    move_probability: float = 0.02,
    delete_probability: float = 0.3,
) -> Iterator[BookSnapshot | BookDelta]:
    """Yield one snapshot, then deltas carrying ``n_updates`` level updates in total."""
    rng = random.Random(seed)
    tick = instrument.tick
    low, high = instrument.price_min, instrument.price_max
    one = pow10(instrument.price_decimals)
    bid_top = (one // 2 // tick) * tick - tick
    ask_bottom = bid_top + 2 * tick
    max_size = 10**6 * pow10(instrument.size_decimals) // 1000
    depth_ticks = 40
    bids = {bid_top - i * tick: rng.randint(1, max_size) for i in range(depth_ticks)}
    asks = {ask_bottom + i * tick: rng.randint(1, max_size) for i in range(depth_ticks)}
    bids = {p: s for p, s in bids.items() if low <= p <= high}
    asks = {p: s for p, s in asks.items() if low <= p <= high}
    ts = start_ns
    yield BookSnapshot(instrument.id, tuple(bids.items()), tuple(asks.items()), ts, ts, 0)
    produced, sequence = 0, 0
    while produced < n_updates:
        bid_levels: list[tuple[int, int]] = []
        ask_levels: list[tuple[int, int]] = []
        while len(bid_levels) + len(ask_levels) < levels_per_delta and produced < n_updates:
            before = len(bid_levels) + len(ask_levels)
            roll = rng.random()
            if roll < move_probability:
                if rng.random() < 0.5 and ask_bottom + tick <= high:
                    if asks.pop(ask_bottom, 0):  # the touch moves up: the best ask goes
                        ask_levels.append((ask_bottom, 0))
                    ask_bottom += tick
                    bid_top += tick
                elif bid_top - tick >= low:
                    if bids.pop(bid_top, 0):  # the touch moves down: the best bid goes
                        bid_levels.append((bid_top, 0))
                    bid_top -= tick
                    ask_bottom -= tick
                else:
                    continue
            else:
                distance = min(int(rng.expovariate(0.25)), depth_ticks * 2) * tick
                is_bid = rng.random() < 0.5
                price = bid_top - distance if is_bid else ask_bottom + distance
                if not low <= price <= high:
                    continue
                book = bids if is_bid else asks
                size = 0 if rng.random() < delete_probability else rng.randint(1, max_size)
                if size:
                    book[price] = size
                else:
                    book.pop(price, None)
                (bid_levels if is_bid else ask_levels).append((price, size))
            produced += len(bid_levels) + len(ask_levels) - before
        ts += interval_ns
        sequence += 1
        yield BookDelta(
            instrument.id, tuple(bid_levels), tuple(ask_levels), ts, ts, sequence=sequence
        )
