import random
from fractions import Fraction

from pythia.analytics.markouts import (
    FillMark,
    MakerLedger,
    MidSeries,
    fills_by_side,
    markouts,
    spread_captured,
)

S = 1_000_000_000


def test_split_sums_exactly_to_the_total_for_random_fills():
    rng = random.Random(11)
    for _ in range(50):
        ledger = MakerLedger()
        for _ in range(rng.randint(1, 40)):
            side = rng.choice((1, -1))
            size = rng.randint(1, 10**8)
            mid2 = rng.randint(2, 10**6)  # twice the mid, in price units
            price = mid2 // 2 + rng.randint(-5, 5)
            cash = -side * price * size // 7  # any integer cash: the identity must hold
            unit = Fraction(mid2, 14)
            ledger.fill(rng.choice("xy"), side * size, cash, rng.randint(0, 999), unit)
        marks = {"x": Fraction(rng.randint(1, 10**6), 13), "y": Fraction(rng.randint(1, 10**6), 3)}
        split = ledger.split(marks)
        total = split["spread_micros"] + split["inventory_micros"] - split["fees_micros"]
        assert total == split["total_micros"]
        assert all(isinstance(value, int) for value in split.values())


def test_split_of_a_round_trip_is_the_spread_when_the_mid_does_not_move():
    ledger = MakerLedger()
    ledger.fill("x", 10, -990, 3, Fraction(100))  # buy 10 at 99, mid 100
    ledger.fill("x", -10, 1010, 3, Fraction(100))  # sell 10 at 101, mid 100
    split = ledger.split({"x": Fraction(100)})
    assert split == {
        "spread_micros": 20,
        "inventory_micros": 0,
        "fees_micros": 6,
        "total_micros": 14,
    }


def test_markouts_are_negative_when_the_mid_runs_against_the_fills():
    mids = MidSeries()
    for t, mid in ((0, 100.0), (5 * S, 99.0), (30 * S, 97.0), (80 * S, 95.0)):
        mids.add(t, mid)
    buy = FillMark(0, 1, 99.5, 100.0, 1.0)  # bought, then the price fell: adverse
    sell = FillMark(30 * S, -1, 97.5, 97.0, 1.0)  # sold at 97.5 above a 97 mid...
    rows = markouts([buy], mids, 100 * S)
    assert [row["markout"] for row in rows] == [0.0, -1.0, -3.0]
    assert rows[2]["markout_bps"] == -300.0
    assert spread_captured(buy) == 0.5
    rows = markouts([buy, sell], mids, 100 * S)
    assert rows[2]["skipped"] == 0 and rows[2]["fills"] == 2
    assert rows[2]["markout"] == (-3.0 + 2.0) / 2  # ...and the price fell further: favourable
    assert fills_by_side([buy, sell])[1]["spread_captured_mean"] == 0.5


def test_markouts_skip_fills_whose_horizon_passes_the_end():
    mids = MidSeries()
    mids.add(0, 1.0)
    rows = markouts([FillMark(0, 1, 1.0, 1.0, 1.0)], mids, 5 * S)
    assert [row["skipped"] for row in rows] == [0, 1, 1]
