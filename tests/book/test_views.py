from fractions import Fraction

from pythia.book import LadderBook
from pythia.book.views import BackLayView, BinaryView, complement_levels, merge_levels
from pythia.model.ticks import TickScheme

GRID = TickScheme.uniform(100, 100, 9900)


def kalshi_like_books():
    # bids only, as Kalshi publishes them
    yes, no = LadderBook("yes", GRID), LadderBook("no", GRID)
    yes.apply_levels([(4200, 1300), (4100, 200)], [])
    no.apply_levels([(5600, 700), (5500, 900)], [])
    return yes, no


def test_yes_asks_are_the_complement_of_no_bids():
    yes, no = kalshi_like_books()
    view = BinaryView(yes, no, one=10000)
    assert view.yes_asks() == [(4400, 700), (4500, 900)]
    assert view.no_asks() == [(5800, 1300), (5900, 200)]
    assert view.best_yes_ask() == (4400, 700)
    assert view.yes_bids() == [(4200, 1300), (4100, 200)]


def test_native_asks_merge_with_derived_ones():
    yes, no = kalshi_like_books()
    yes.apply_levels([], [(4400, 5), (4600, 1)])
    view = BinaryView(yes, no, one=10000)
    assert view.yes_asks() == [(4400, 705), (4500, 900), (4600, 1)]
    assert view.yes_asks(depth=1) == [(4400, 705)]
    mirrored = BinaryView(yes, no, one=10000, merge_native=False)
    assert mirrored.yes_asks() == [(4400, 5), (4600, 1)]


def test_complement_and_merge_helpers():
    assert complement_levels([(4200, 1), (4100, 2)], 10000) == [(5800, 1), (5900, 2)]
    assert merge_levels([(1, 1)], [(1, 2), (0, 3)], ascending=True) == [(0, 3), (1, 3)]


def test_back_lay_view_in_decimal_odds():
    odds = TickScheme(((100, 1), (200, 2), (300, 5)), 101, 1000)
    book = LadderBook("runner", odds)
    book.apply_levels([(250, 1000), (240, 500)], [(260, 300), (270, 10)])  # atb, atl
    view = BackLayView(book)
    assert view.best_back() == (250, 1000)
    assert view.best_lay() == (260, 300)
    assert view.available_to_back() == [(250, 1000), (240, 500)]
    assert view.implied_probability(250) == Fraction(2, 5)
