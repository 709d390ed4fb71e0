"""The venue-side books and the liquidity our orders may take from them.

The simulator keeps its own copy of every instrument's book, updated from market events,
and remembers two things per level ``(instrument, side, price)``:

- **consumed**: size our orders took (taker walks, and resting orders filled because the
  book moved through them). It is subtracted from the displayed size, so two orders in the
  same instant never fill against the same liquidity. It is cleared when a market update
  sets that level again: a delta that lists the level, or a snapshot that changes its size
  (a snapshot restates every level, so an unchanged level keeps its consumption).
- **traded**: the size of trade prints at that level since the level was last set, so the
  depth update that follows a trade (Binance sends them separately) can tell the queue
  model how much of the decrease went in trades.

Complementary matching (``VenueProfile.complementary_matching``, binary outcome tokens whose
complement's book the venue also holds): a NO bid at ``y`` is a YES ask at ``one - y`` and a
NO ask at ``y`` a YES bid at ``one - y``. Venues such as Polymarket may already display that
liquidity in both books, so native and derived sizes at one price are combined by taking
the **maximum**, not the sum: conservative, it never invents liquidity. Taking ``q`` from a
combined level consumes ``q`` (capped at each source's own available size) from *both*
sources, which keeps the combined size exactly ``max - q`` and stops the other token's
takers from filling against liquidity we already took.

The books drop stale levels to uncross (``CrossPolicy.DROP_STALE``, as the engine's books
do): a recorded update that crosses our copy means the copy missed an update (a feed gap),
and the newer level wins. Malformed updates still raise ``DataError`` and change nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from pythia.book import CrossPolicy, OrderBook, book_for
from pythia.model.enums import BookSide
from pythia.model.events import BookDelta, BookSnapshot, Level
from pythia.model.instruments import Instrument, OutcomeToken, PriceSpace
from pythia.sim.cash import opposite, within_limit

LevelKey = tuple[BookSide, int]
"""A level of one book: side and price."""
SourceKey = tuple[str, BookSide, int]
"""A level of any book: instrument id, side and the price in that book."""

_FIRST_DEPTH = 1
_DEPTH_GROWTH = 16


@dataclass(frozen=True, slots=True)
class Source:
    """Where an offer's liquidity sits and how much of it is still available there."""

    key: SourceKey
    available: int


@dataclass(frozen=True, slots=True)
class Offer:
    """A price an order may trade at, the size available there and its sources."""

    price: int
    available: int
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class LevelChange:
    """A watched level set by a market update: displayed size before and after, and how
    much of the decrease went in trades (trade prints since the level was last set, capped
    by the decrease)."""

    side: BookSide
    price: int
    before: int
    after: int
    traded: int


def _levels(book: OrderBook, side: BookSide) -> Iterator[Level]:
    """Yield a side's levels best first, reading the book a little deeper each time."""
    depth, seen = _FIRST_DEPTH, 0
    while True:
        levels = book.bids(depth) if side is BookSide.BID else book.asks(depth)
        yield from levels[seen:]
        if len(levels) < depth:
            return
        seen, depth = len(levels), depth * _DEPTH_GROWTH


class VenueBooks:
    """Books of every instrument the venue knows, with consumed and traded sizes per level."""

    def __init__(self, complementary_matching: bool = False) -> None:
        self.complementary_matching = complementary_matching
        self.instruments: dict[str, Instrument] = {}
        self.books: dict[str, OrderBook] = {}
        self._consumed: dict[str, dict[LevelKey, int]] = {}
        self._traded: dict[str, dict[LevelKey, int]] = {}

    # ---- instruments ------------------------------------------------------------------------
    def add(self, instrument: Instrument) -> None:
        """Add an instrument (or replace its definition, moving its book to new ticks)."""
        book = self.books.get(instrument.id)
        if book is None:
            self.books[instrument.id] = book_for(instrument, CrossPolicy.DROP_STALE)
        elif book.ticks != instrument.ticks:
            book.set_ticks(instrument.ticks)
        self.instruments[instrument.id] = instrument

    def complement(self, instrument_id: str) -> str | None:
        """The complement whose liquidity this instrument may match against, if any."""
        if not self.complementary_matching:
            return None
        instrument = self.instruments.get(instrument_id)
        if not isinstance(instrument, OutcomeToken) or not instrument.complement_id:
            return None
        other = self.instruments.get(instrument.complement_id)
        if (
            other is None
            or instrument.price_space is not PriceSpace.PROBABILITY
            or other.price_space is not PriceSpace.PROBABILITY
            or other.price_decimals != instrument.price_decimals
            or other.size_decimals != instrument.size_decimals
        ):
            return None
        return other.id

    # ---- liquidity ---------------------------------------------------------------------------
    def available(self, instrument_id: str, side: BookSide, price: int) -> int:
        """Displayed size at a level less what our orders consumed there."""
        displayed = self.books[instrument_id].size_at(side, price)
        consumed = self._consumed.get(instrument_id)
        used = consumed.get((side, price), 0) if consumed else 0
        return max(displayed - used, 0)

    def _stream(
        self, instrument_id: str, side: BookSide, resting: BookSide, limit: int | None, one: int
    ) -> Iterator[tuple[int, int, SourceKey]]:
        """Levels of one book side best first as ``(price, available, key)``; prices are
        mirrored to ``one - price`` when ``one`` is non-zero; stops past ``limit``."""
        book = self.books[instrument_id]
        for raw, size in _levels(book, side):
            price = one - raw if one else raw
            if not within_limit(resting, price, limit):
                return
            consumed = self._consumed.get(instrument_id)
            used = consumed.get((side, raw), 0) if consumed else 0
            yield price, max(size - used, 0), (instrument_id, side, raw)

    def offers(self, instrument_id: str, resting: BookSide, limit: int | None) -> Iterator[Offer]:
        """What an order resting on ``resting`` may take, best price first, up to ``limit``
        (None: any price); levels fully consumed are yielded with ``available`` 0."""
        take_side = opposite(resting)
        native = self._stream(instrument_id, take_side, resting, limit, 0)
        complement_id = self.complement(instrument_id)
        if complement_id is None:
            for price, available, key in native:
                yield Offer(price, available, (Source(key, available),))
            return
        one = self.instruments[instrument_id].one
        derived = self._stream(complement_id, resting, resting, limit, one)
        merged = heapq.merge(native, derived, key=itemgetter(0), reverse=take_side is BookSide.BID)
        for price, group in groupby(merged, key=itemgetter(0)):
            items = list(group)
            yield Offer(
                price,
                max(available for _, available, _ in items),
                tuple(Source(key, available) for _, available, key in items),
            )

    def take(self, offers: Iterable[Offer], size: int, consume: bool = True) -> list[Level]:
        """Walk ``offers`` for up to ``size``; return ``(price, size)`` fills, best first, and
        remember the consumption unless ``consume`` is False (a preview)."""
        fills: list[Level] = []
        remaining = size
        for offer in offers:
            if remaining <= 0:
                break
            quantity = min(offer.available, remaining)
            if quantity <= 0:
                continue
            if consume:
                for source in offer.sources:
                    used = min(quantity, source.available)
                    if used > 0:
                        instrument_id, side, price = source.key
                        levels = self._consumed.setdefault(instrument_id, {})
                        levels[(side, price)] = levels.get((side, price), 0) + used
            fills.append((offer.price, quantity))
            remaining -= quantity
        return fills

    def fillable(self, instrument_id: str, resting: BookSide, limit: int | None, size: int) -> int:
        """How much of ``size`` could be taken now, up to ``limit``."""
        offers = self.offers(instrument_id, resting, limit)
        return sum(quantity for _, quantity in self.take(offers, size, consume=False))

    def crosses(self, instrument_id: str, resting: BookSide, limit: int) -> bool:
        """Return True when an order at ``limit`` would take liquidity (post-only check)."""
        return any(offer.available > 0 for offer in self.offers(instrument_id, resting, limit))

    # ---- market updates ---------------------------------------------------------------------
    def record_trade(self, instrument_id: str, side: BookSide, price: int, size: int) -> None:
        """Remember a print against ``side`` at ``price`` until that level is next set."""
        levels = self._traded.setdefault(instrument_id, {})
        levels[(side, price)] = levels.get((side, price), 0) + size

    def apply(self, event: BookSnapshot | BookDelta, watched: set[LevelKey]) -> list[LevelChange]:
        """Apply a book update and return the changes of the ``watched`` levels it set.

        A level is set when a delta lists it, or when its size changes otherwise (a snapshot,
        or a stale level dropped to uncross the book). Raises ``DataError`` (from the book)
        on malformed input, with nothing changed.
        """
        instrument_id = event.instrument_id
        book = self.books[instrument_id]
        consumed = self._consumed.get(instrument_id, {})
        traded = self._traded.get(instrument_id, {})
        is_delta = event.__class__ is BookDelta
        if is_delta and not watched:
            # Fast path: no resting order of ours is affected; only forget what the levels
            # this delta sets had remembered.
            book.apply_delta(event)
            if consumed or traded:
                for side, levels in ((BookSide.BID, event.bids), (BookSide.ASK, event.asks)):
                    for price, _ in levels:
                        consumed.pop((side, price), None)
                        traded.pop((side, price), None)
            return []
        listed: dict[LevelKey, None] = {}
        if isinstance(event, BookDelta):
            listed = dict.fromkeys(
                [(BookSide.BID, price) for price, _ in event.bids]
                + [(BookSide.ASK, price) for price, _ in event.asks]
            )
            others = set(watched)
        else:
            others = set(watched) | consumed.keys() | traded.keys()
        levels = list(listed) + sorted(
            others - listed.keys(), key=lambda level: (level[0].value, level[1])
        )
        before = {level: book.size_at(*level) for level in levels if level in others}
        if isinstance(event, BookDelta):
            book.apply_delta(event)
        else:
            book.apply_snapshot(event)
        changes: list[LevelChange] = []
        for level in levels:
            if level not in others:  # listed, not watched: only forget what we remembered
                consumed.pop(level, None)
                traded.pop(level, None)
                continue
            after = book.size_at(*level)
            if level not in listed and after == before[level]:
                continue
            consumed.pop(level, None)
            traded_size = traded.pop(level, 0)
            if level in watched:
                side, price = level
                traded_size = min(traded_size, max(before[level] - after, 0))
                changes.append(LevelChange(side, price, before[level], after, traded_size))
        return changes
