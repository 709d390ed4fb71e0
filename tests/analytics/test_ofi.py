"""Order-flow imbalance on hand-computed sequences of best quotes."""

from __future__ import annotations

import pytest

from pythia.analytics.ofi import BestQuotes, OrderFlowImbalance, ofi_contribution
from pythia.model.events import TopOfBook

# (bid price, bid size, ask price, ask size) and e_n by hand:
SEQUENCE = [
    ((100, 5, 102, 7), 0),  # first event: nothing to compare
    ((100, 8, 102, 7), 3),  # bid size +3 at the same price; ask unchanged: 8 - 5 - 7 + 7
    ((101, 2, 102, 4), 5),  # bid steps up: +2; ask shrinks 7 -> 4: -4 + 7
    ((100, 6, 101, 3), -5),  # bid steps down: -2 (old size); ask steps down: -3 (new size)
    ((100, 6, 103, 9), 3),  # bid unchanged: 6 - 6; ask steps up: +3 (old size)
]


def test_contribution_cases_by_hand():
    before = BestQuotes(100, 5, 102, 7)
    assert ofi_contribution(before, BestQuotes(100, 5, 102, 7)) == 0
    assert ofi_contribution(before, BestQuotes(101, 4, 102, 7)) == 4  # new bid level: +4
    assert ofi_contribution(before, BestQuotes(99, 4, 102, 7)) == -5  # bid gone: -5
    assert ofi_contribution(before, BestQuotes(100, 5, 101, 2)) == -2  # new ask level: -2
    assert ofi_contribution(before, BestQuotes(100, 5, 103, 2)) == 7  # ask gone: +7


def test_incremental_sum_matches_hand_computation():
    ofi = OrderFlowImbalance()
    contributions = [ofi.update(n, *quotes) for n, (quotes, _) in enumerate(SEQUENCE)]
    assert contributions == [expected for _, expected in SEQUENCE]
    assert ofi.value == 6
    # mean of (qb + qa) / 2 over the five events: (12 + 15 + 6 + 9 + 15) / 10
    assert ofi.mean_depth == pytest.approx(5.7)
    assert ofi.normalized == pytest.approx(6 / 5.7)


def test_take_returns_the_interval_sum_and_keeps_the_quotes():
    ofi = OrderFlowImbalance()
    for n, (quotes, _) in enumerate(SEQUENCE[:3]):
        ofi.update(n, *quotes)
    assert ofi.take() == 8
    assert ofi.value == 0 and ofi.mean_depth is None
    assert ofi.update(3, *SEQUENCE[3][0]) == -5  # compared with the kept quotes


def test_rolling_window_drops_old_contributions():
    ofi = OrderFlowImbalance(window_ns=10)
    for ts, (quotes, _) in zip((0, 5, 9, 15, 30), SEQUENCE, strict=True):
        ofi.update(ts, *quotes)
        if ts == 15:  # window (5, 15]: events at 9 and 15 -> 5 - 5
            assert ofi.value == 0
    assert ofi.value == 3  # only the event at 30 is left
    ofi.advance(40)
    assert ofi.value == 0 and ofi.normalized is None


def test_an_empty_side_breaks_the_sequence():
    ofi = OrderFlowImbalance()
    ofi.update(0, 100, 5, 102, 7)
    assert ofi.update(1, None, None, 102, 7) == 0
    assert ofi.update(2, 100, 9, 102, 7) == 0  # starts afresh
    assert ofi.update(3, 100, 10, 102, 7) == 1


def test_top_of_book_events():
    ofi = OrderFlowImbalance()
    for n, (quotes, _) in enumerate(SEQUENCE):
        ofi.on_top_of_book(TopOfBook("x", *quotes, ts_event_ns=n, ts_recv_ns=n))
    assert ofi.value == 6


def test_rejects_a_bad_window():
    with pytest.raises(ValueError):
        OrderFlowImbalance(window_ns=0)
