"""Contract tests run over every book implementation, with a brute-force reference."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pythia.book import CrossPolicy, LadderBook, SortedBook, book_for
from pythia.book.depth import cost_to_buy, max_buy_within, max_sell_within, proceeds_to_sell, walk
from pythia.core.errors import DataError
from pythia.model.enums import BookSide
from pythia.model.events import BookDelta, BookSnapshot
from pythia.model.ticks import TickScheme

GRID = TickScheme.uniform(10, 10, 9990)  # 0.001 .. 0.999 at 4 decimals
BETFAIR_LIKE = TickScheme(((100, 1), (200, 2), (300, 5), (400, 10)), 101, 1000)
BOOKS = {
    "ladder": lambda ticks=GRID: LadderBook("x", ticks),
    "sorted": lambda ticks=GRID: SortedBook("x", ticks),
    # a tiny window exercises the overflow dicts and recentring on every test
    "sorted-window-8": lambda ticks=GRID: SortedBook("x", ticks, window_ticks=8),
}


@pytest.fixture(params=sorted(BOOKS))
def make_book(request):
    return BOOKS[request.param]


class Reference:
    """The obvious implementation: two dicts, sorted on demand."""

    def __init__(self):
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}

    def apply(self, bids, asks):
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, size in levels:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)

    def crossed(self):
        return self.bids and self.asks and max(self.bids) >= min(self.asks)

    def sorted_bids(self):
        return sorted(self.bids.items(), reverse=True)

    def sorted_asks(self):
        return sorted(self.asks.items())


def state(book):
    return (book.bids(), book.asks(), book.sequence)


def test_snapshot_then_best_levels(make_book):
    book = make_book()
    book.apply_snapshot(
        BookSnapshot("x", ((4800, 100), (4900, 50)), ((5100, 70), (5000, 20)), 1, 1, 7)
    )
    assert book.best_bid() == (4900, 50)
    assert book.best_ask() == (5000, 20)
    assert book.bids() == [(4900, 50), (4800, 100)]
    assert book.asks() == [(5000, 20), (5100, 70)]
    assert book.sequence == 7
    assert book.mid_price_x2() == 9900


def test_delta_removes_and_adds_levels(make_book):
    book = make_book()
    book.apply_levels([(4800, 100), (4900, 50)], [(5000, 20)])
    book.apply_delta(
        BookDelta("x", ((4900, 0), (4850, 5)), ((5000, 0), (5200, 9)), 2, 2, sequence=3)
    )
    assert book.bids() == [(4850, 5), (4800, 100)]
    assert book.asks() == [(5200, 9)]
    assert book.size_at(BookSide.BID, 4800) == 100
    assert book.size_at(BookSide.ASK, 5000) == 0


def test_increment_deltas_remove_levels_at_or_below_zero(make_book):
    book = make_book()
    book.apply_levels([(4800, 100)], [], increment=True)
    book.apply_levels([(4800, -30)], [], increment=True)
    assert book.best_bid() == (4800, 70)
    book.apply_levels([(4800, -80)], [], increment=True)
    assert book.best_bid() is None


@pytest.mark.parametrize(
    ("bids", "asks", "match"),
    [
        ([(4800, -1)], [], "negative size"),
        ([(4805, 1)], [], "off tick"),
        ([(10000, 1)], [], "outside bounds"),
        ([(0, 1)], [], "outside bounds"),
        ([(4800, 1.5)], [], "integer"),
        ([(4800, float("nan"))], [], "integer"),
        ([(4800,)], [], "malformed"),
        ([(5200, 1)], [], "cross"),
    ],
)
def test_invalid_input_raises_and_leaves_the_book_unchanged(make_book, bids, asks, match):
    book = make_book()
    book.apply_levels([(4800, 100), (4900, 50)], [(5000, 20), (5100, 5)], sequence=10)
    before = state(book)
    with pytest.raises(DataError, match=match):
        book.apply_levels([(4700, 3), *bids], [(5050, 1), *asks])
    assert state(book) == before


def test_sequence_going_backwards_is_rejected(make_book):
    book = make_book()
    book.apply_levels([(4800, 100)], [], sequence=10)
    before = state(book)
    with pytest.raises(DataError, match="backwards"):
        book.apply_levels([(4900, 1)], [], sequence=9)
    assert state(book) == before


def test_unknown_instrument_is_rejected(make_book):
    book = make_book()
    with pytest.raises(DataError, match="sent to the book"):
        book.apply_delta(BookDelta("other", ((4800, 1),), (), 0, 0))
    assert book.is_empty


def test_crossed_snapshot_is_rejected(make_book):
    book = make_book()
    book.apply_levels([(4800, 100)], [(5000, 1)])
    before = state(book)
    with pytest.raises(DataError, match="crossed"):
        book.apply_snapshot(BookSnapshot("x", ((5000, 1),), ((4900, 1),), 0, 0))
    assert state(book) == before


def test_drop_stale_policy_drops_the_older_crossing_level(make_book):
    book = make_book()
    book.cross_policy = CrossPolicy.DROP_STALE
    book.apply_levels([(4800, 100)], [(5000, 20), (5100, 5)])  # batch 1
    book.apply_levels([(4900, 3)], [])  # batch 2
    book.apply_levels([(5050, 7)], [])  # batch 3: bid crosses the (older) 5000 ask
    assert book.best_bid() == (5050, 7)
    assert book.best_ask() == (5100, 5)
    assert book.stale_levels_dropped == 1
    book.apply_levels([], [(5040, 2)])  # newer ask crosses the newer bid 5050 -> drop bid
    assert book.best_bid() == (4900, 3)
    assert book.stale_levels_dropped == 2


def test_banded_ladder_validates_each_band(make_book):
    book = make_book(BETFAIR_LIKE)
    book.apply_levels([(150, 1), (202, 2)], [(305, 3), (400, 4)])
    assert book.best_bid() == (202, 2) and book.best_ask() == (305, 3)
    for bad in (201, 301, 405, 1001, 100):
        with pytest.raises(DataError):
            book.apply_levels([], [(bad, 1)])


def test_ladder_tick_change_keeps_levels_and_validates_new_tick():
    book = LadderBook("x", TickScheme.uniform(100, 100, 9900))
    book.apply_levels([(9500, 10)], [(9600, 5)])
    book.set_ticks(TickScheme.uniform(10, 10, 9990))
    book.apply_levels([(9550, 3)], [(9590, 1)])
    assert book.bids() == [(9550, 3), (9500, 10)]
    assert book.asks() == [(9590, 1), (9600, 5)]
    book.set_ticks(TickScheme.uniform(100, 100, 9900))
    with pytest.raises(DataError):
        book.apply_levels([(9450, 1)], [])
    assert book.best_bid() == (9550, 3)


def test_depth_walks():
    book = SortedBook("x", GRID)
    book.apply_levels([(4900, 50), (4800, 100)], [(5000, 20), (5100, 70)])
    assert cost_to_buy(book, 30).notional == 20 * 5000 + 10 * 5100
    assert cost_to_buy(book, 30).vwap == Fraction(20 * 5000 + 10 * 5100, 30)
    assert cost_to_buy(book, 1000).filled == 90
    assert cost_to_buy(book, 50, limit_price=5000).filled == 20
    assert proceeds_to_sell(book, 60).notional == 50 * 4900 + 10 * 4800
    assert max_buy_within(book, 5099) == 20
    assert max_sell_within(book, 4800) == 150
    assert walk([], 5).vwap is None
    with pytest.raises(DataError):
        walk([(1, 1)], -1)


level = st.tuples(st.integers(1, 999).map(lambda i: i * 10), st.integers(0, 50))
batches = st.lists(
    st.tuples(st.lists(level, max_size=6), st.lists(level, max_size=6)), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(batches, st.sampled_from(sorted(BOOKS)))
def test_random_updates_match_the_reference(updates, kind):
    book, reference = BOOKS[kind](), Reference()
    for bids, asks in updates:
        before = state(book)
        trial = Reference()
        trial.bids, trial.asks = dict(reference.bids), dict(reference.asks)
        trial.apply(bids, asks)
        if trial.crossed():
            with pytest.raises(DataError):
                book.apply_levels(bids, asks)
            assert state(book) == before
            continue
        book.apply_levels(bids, asks)
        reference = trial
        # invariants: no empty levels, strictly sorted sides, same content as the reference
        assert book.bids() == reference.sorted_bids()
        assert book.asks() == reference.sorted_asks()
        assert all(size > 0 for _, size in book.bids() + book.asks())
        assert not book.is_crossed
        best_bid = reference.sorted_bids()[0] if reference.bids else None
        assert book.best_bid() == best_bid


def brute_force_cost(asks, size):
    units = [price for price, available in asks for _ in range(available)]
    return sum(units[:size]), min(size, len(units))


@settings(max_examples=100, deadline=None)
@given(st.lists(level, max_size=12), st.integers(0, 200), st.integers(1, 999))
def test_depth_walk_matches_brute_force(levels, size, limit):
    book = book_for_grid()
    book.apply_levels([], levels)
    notional, filled = brute_force_cost(book.asks(), size)
    result = cost_to_buy(book, size)
    assert (result.notional, result.filled) == (notional, filled)
    limit_price = limit * 10
    expected = sum(s for p, s in book.asks() if p <= limit_price)
    assert max_buy_within(book, limit_price) == expected


def book_for_grid():
    from pythia.model.instruments import InstrumentKind, OutcomeToken, probability_scheme

    token = OutcomeToken(
        id="x",
        venue="test",
        symbol="x",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=2,
        ticks=probability_scheme(10, 4),
        min_size=1,
        quote_currency="USD",
        bounded=True,
    )
    return book_for(token)
