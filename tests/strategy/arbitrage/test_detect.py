"""Worked examples by hand, venue conventions and rejections of the arbitrage scanner."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.sim.models.fees import BpsFee, ProbabilityPowerFee
from pythia.strategy.arbitrage.detect import scan_binary, scan_group, scan_pair
from pythia.strategy.arbitrage.model import OpportunityKind, RejectReason

CENT = 10_000  # micros
SHARE = 1_000_000  # size units of a 6-decimal token


def zero(_):
    from pythia.sim.models.fees import SettlementOnlyFee

    return SettlementOnlyFee()


def by_kind(found):
    return {o.kind: o for o in found}


# ---- binary --------------------------------------------------------------------------------
def test_binary_long_by_hand_takes_the_smallest_best_size(kit):
    # cents and whole shares; YES 40c x5... the pair costs 90c up to 5, 95c up to 10, then 1.00
    yes, no = kit.pair_tokens()
    books = {
        "Y": kit.book(yes, asks=[(40, 10), (45, 10)]),
        "N": kit.book(no, asks=[(50, 5), (55, 20)]),
    }

    (long,) = scan_binary(yes, no, books, zero, allow_short=False)

    # 5 x 10c + 5 x 5c = 75c; sizes 11..20 earn 0 more, so the smallest best size is 10
    assert (long.kind, long.size, long.profit_micros) == (
        OpportunityKind.BINARY_LONG,
        10,
        75 * CENT,
    )
    assert long.cost_micros == 5 * 90 * CENT + 5 * 95 * CENT
    assert long.guaranteed_payout_micros == 10 * 100 * CENT
    assert [(leg.side, leg.price_limit, leg.size) for leg in long.legs] == [
        (Side.BUY, 40, 10),
        (Side.BUY, 55, 10),
    ]
    assert long.as_dict()["profit"] == "0.750000"


def test_binary_capital_cap_and_min_profit(kit):
    yes, no = kit.pair_tokens()
    books = {
        "Y": kit.book(yes, asks=[(40, 10), (45, 10)]),
        "N": kit.book(no, asks=[(50, 5), (55, 20)]),
    }

    (capped,) = scan_binary(yes, no, books, zero, max_capital_micros=400 * CENT, allow_short=False)
    assert (capped.size, capped.profit_micros, capped.capital_micros) == (4, 40 * CENT, 360 * CENT)
    assert scan_binary(yes, no, books, zero, min_profit_micros=76 * CENT, allow_short=False) == []
    assert len(scan_binary(yes, no, books, zero, min_profit_micros=75 * CENT)) == 2


def test_binary_long_with_polymarket_fee_by_hand(kit):
    # 4 price / 6 size decimals; 0.40 + 0.55 = 0.95; fee 0.072 p(1-p) a share:
    # 0.01728 + 0.01782 = 0.0351, so each share earns 0.0149 and 10 shares 0.149
    yes, no = kit.pair_tokens(price_decimals=4, size_decimals=6, tick=100)
    books = {
        "Y": kit.book(yes, asks=[(4000, 10 * SHARE)]),
        "N": kit.book(no, asks=[(5500, 10 * SHARE)]),
    }
    fee = ProbabilityPowerFee(Decimal("0.072"))

    found = by_kind(scan_binary(yes, no, books, lambda _: fee))

    long = found[OpportunityKind.BINARY_LONG]
    assert (long.size, long.fees_micros, long.profit_micros) == (10 * SHARE, 351_000, 149_000)
    assert [leg.fee_micros for leg in long.legs] == [172_800, 178_200]


def test_kalshi_bids_only_cent_fees_pick_a_size_below_a_rounding_step(kit):
    # Kalshi books hold bids only: YES bid 0.50 is a NO ask at 0.50, NO bid 0.55 a YES ask at
    # 0.45. Fees ceil(0.07 C P(1-P)) to the cent per fill: at 9.71 contracts both fees are
    # still 0.17 (at 9.72 the NO fee is 0.18), so 0.05 x 9.71 - 0.34 = 0.1455 beats 10
    # contracts (0.50 - 0.36 = 0.14).
    kalshi = dict(price_decimals=4, size_decimals=2, tick=100, currency="USD")
    yes, no = kit.pair_tokens(**kalshi)
    books = {"Y": kit.book(yes, bids=[(5000, 1000)]), "N": kit.book(no, bids=[(5500, 1000)])}

    found = scan_binary(yes, no, books, lambda _: kit.FEES["cent"], allow_short=False)

    (long,) = found
    assert (long.size, long.profit_micros, long.fees_micros) == (971, 145_500, 34 * CENT)
    assert [(leg.instrument_id, leg.price_limit) for leg in long.legs] == [("Y", 4500), ("N", 5000)]


def test_binary_short_splits_collateral_and_sells_both(kit):
    # bids 0.55 + 0.50 = 1.05: split 10, sell both; cost = collateral, payout = proceeds
    yes, no = kit.pair_tokens()
    books = {
        "Y": kit.book(yes, bids=[(55, 10)], asks=[(60, 5)]),
        "N": kit.book(no, bids=[(50, 10)]),
    }

    found = by_kind(scan_binary(yes, no, books, zero))

    short = found[OpportunityKind.BINARY_SHORT]
    assert (short.size, short.cost_micros, short.guaranteed_payout_micros) == (
        10,
        1000 * CENT,
        1050 * CENT,
    )
    assert short.profit_micros == 50 * CENT
    assert [leg.cost_micros for leg in short.legs] == [-550 * CENT, -500 * CENT]
    assert all(leg.side is Side.SELL for leg in short.legs)


def test_rounding_never_creates_profit(kit):
    # asks summing to exactly 1: nothing, even where a fill's cash or fee rounds down
    yes, no = kit.pair_tokens(price_decimals=4, size_decimals=6, tick=1)
    books = {
        "Y": kit.book(yes, asks=[(3333, 7 * SHARE + 1)]),
        "N": kit.book(no, asks=[(6667, 7 * SHARE + 1)]),
    }
    fee = ProbabilityPowerFee(Decimal("0.072"))
    for lot in (1, 10_000):
        assert scan_binary(yes, no, books, lambda _: fee, lot_for=lambda _, n=lot: n) == []
        assert scan_binary(yes, no, books, zero, lot_for=lambda _, n=lot: n) == []


def test_an_unknown_fee_model_is_searched_size_by_size_and_capped_with_a_note(kit):
    yes, no = kit.pair_tokens(price_decimals=4, size_decimals=6, tick=100)
    books = {
        "Y": kit.book(yes, asks=[(4000, 30 * SHARE)]),
        "N": kit.book(no, asks=[(5000, 30 * SHARE)]),
    }
    flat = kit.FlatFee()
    exact = scan_binary(yes, no, books, lambda _: flat, lot_for=lambda _: SHARE // 100)
    capped = scan_binary(
        yes, no, books, lambda _: flat, lot_for=lambda _: SHARE // 100, max_evaluations=10
    )

    assert exact[0].notes == () and exact[0].size == 30 * SHARE
    assert exact[0].profit_micros == 3 * SHARE - 10_000
    assert "capped" in capped[0].notes[0]
    assert capped[0].profit_micros == exact[0].profit_micros


def test_large_windows_of_fine_sizes_still_match_brute_force(kit):
    # 10**-6 share lots with FLOOR-rounded fees: many sizes per segment need exact checks
    yes, no = kit.pair_tokens(price_decimals=4, size_decimals=6, tick=100)
    books = {
        "Y": kit.book(yes, asks=[(4900, 3_000), (5000, 9_000)]),
        "N": kit.book(no, asks=[(4900, 5_000), (5000, 20_000)]),
    }
    fee = ProbabilityPowerFee(Decimal("0.072"))
    fee_for = lambda _: fee  # noqa: E731

    (long,) = [
        o
        for o in scan_binary(yes, no, books, fee_for, lot_for=lambda _: 1)
        if o.kind is OpportunityKind.BINARY_LONG
    ]

    expected = kit.oracle_basket([yes, no], books, fee_for, lot_for=lambda _: 1)
    assert (long.size, long.profit_micros) == expected


# ---- groups --------------------------------------------------------------------------------
def test_group_yes_and_no_by_hand(kit):
    group, instruments = kit.neg_risk("g", 3)
    books = {i: kit.book(t) for i, t in instruments.items()}
    # YES asks 0.30 / 0.30 / 0.35 (0.95 < 1); NO asks 0.60 x 3 = 1.80 < 2
    for i, price in enumerate((30, 30, 35)):
        books[f"gY{i}"] = kit.book(instruments[f"gY{i}"], asks=[(price, 4), (price + 10, 10)])
        books[f"gN{i}"] = kit.book(instruments[f"gN{i}"], asks=[(60, 3)])

    found, rejected = scan_group(group, instruments, books, zero)

    found = by_kind(found)
    assert rejected == []
    assert (
        found[OpportunityKind.GROUP_YES].size,
        found[OpportunityKind.GROUP_YES].profit_micros,
    ) == (
        4,
        20 * CENT,
    )
    group_no = found[OpportunityKind.GROUP_NO]
    assert (group_no.size, group_no.guaranteed_payout_micros, group_no.profit_micros) == (
        3,
        600 * CENT,
        60 * CENT,
    )


def test_native_and_derived_levels_merge_with_max_not_sum(kit):
    # Polymarket mirrors: the YES 0.30 ask also shows as a NO 0.70 bid. Counting both would
    # double the size; the maximum keeps it at 10.
    group, instruments = kit.neg_risk("g", 3, price_decimals=4, size_decimals=6, tick=100)
    books = {}
    for i in range(3):
        yes, no = instruments[f"gY{i}"], instruments[f"gN{i}"]
        books[yes.id] = kit.book(yes, bids=[(2500, 10 * SHARE)], asks=[(3000, 10 * SHARE)])
        books[no.id] = kit.book(no, bids=[(7000, 10 * SHARE)], asks=[(7500, 10 * SHARE)])

    found, _ = scan_group(group, instruments, books, zero)

    (group_yes,) = found
    assert group_yes.kind is OpportunityKind.GROUP_YES
    assert (group_yes.size, group_yes.profit_micros) == (10 * SHARE, 1 * SHARE)


def test_augmented_group_refuses_yes_but_keeps_no(kit):
    group, instruments = kit.neg_risk("g", 3, augmented=True)
    books = {i: kit.book(t, asks=[(30 if "Y" in i else 60, 5)]) for i, t in instruments.items()}

    found, rejected = scan_group(group, instruments, books, zero)

    assert [o.kind for o in found] == [OpportunityKind.GROUP_NO]
    assert "unnamed" in found[0].notes[0]
    assert [(r.reason, r.kind) for r in rejected] == [
        (RejectReason.NOT_EXHAUSTIVE, OpportunityKind.GROUP_YES)
    ]
    assert "augmented" in rejected[0].detail
    _, rejected = scan_group(kit.neg_risk("h", 3)[0], *_books_for(kit, "h"), exhaustive=False)
    assert rejected[0].reason is RejectReason.NOT_EXHAUSTIVE


def _books_for(kit, prefix):
    _, instruments = kit.neg_risk(prefix, 3)
    return instruments, {i: kit.book(t) for i, t in instruments.items()}, zero


def test_halted_unsynced_and_unsupported_groups(kit):
    group, instruments = kit.neg_risk("g", 3)
    books = {i: kit.book(t) for i, t in instruments.items()}

    _, rejected = scan_group(group, instruments, books, zero, halted=True)
    assert [r.reason for r in rejected] == [RejectReason.HALTED]

    partial = {i: b for i, b in books.items() if i != "gN1"}
    _, rejected = scan_group(group, instruments, partial, zero)
    assert [r.reason for r in rejected] == [RejectReason.UNSYNCED]
    assert "gN1" in rejected[0].detail

    unknown = {i: t for i, t in instruments.items() if i != "gY2"}
    _, rejected = scan_group(group, unknown, books, zero)
    assert [r.reason for r in rejected] == [RejectReason.UNSYNCED]

    lonely = {**instruments, "gY0": kit.token("gY0", None)}
    _, rejected = scan_group(group, lonely, books, zero)
    assert [(r.reason, r.kind) for r in rejected] == [
        (RejectReason.UNSUPPORTED, OpportunityKind.GROUP_NO)
    ]

    everyone_wins = OutcomeGroup("g", "pm", GroupKind.NEG_RISK, group.instrument_ids, 3)
    _, rejected = scan_group(everyone_wins, instruments, books, zero)
    assert [r.reason for r in rejected] == [RejectReason.UNSUPPORTED]


def test_binary_group_is_scanned_as_a_market(kit):
    yes, no = kit.pair_tokens()
    group = OutcomeGroup("b", "pm", GroupKind.BINARY, ("Y", "N"))
    books = {"Y": kit.book(yes, asks=[(40, 3)]), "N": kit.book(no, asks=[(50, 3)])}

    found, rejected = scan_group(group, {"Y": yes, "N": no}, books, zero)

    assert [(o.kind, o.group, o.profit_micros) for o in found] == [
        (OpportunityKind.BINARY_LONG, "b", 30 * CENT),
        (OpportunityKind.BINARY_SHORT, "b", 30 * CENT),
    ]
    assert rejected == []


# ---- Betfair -------------------------------------------------------------------------------
def win_market(kit, ladders, **kwargs):
    runners = [kit.runner(f"r{i}", **kwargs) for i in range(len(ladders))]
    books = {
        r.id: kit.book(r, bids, asks) for r, (bids, asks) in zip(runners, ladders, strict=True)
    }
    group = OutcomeGroup("1.1", "bf", GroupKind.WIN, tuple(r.id for r in runners))
    return group, {r.id: r for r in runners}, books


def test_back_all_by_hand_with_commission(kit):
    # two runners at 2.10 (a 95.2% book), 10.00 of stake available on each: back 10 + 10,
    # either wins 21.00; net winnings 1.00, commission 5% = 0.05
    group, instruments, books = win_market(kit, [([(210, 1000)], []), ([(210, 1000)], [])])

    (plain,), _ = scan_group(group, instruments, books, zero)
    (taxed,), _ = scan_group(group, instruments, books, zero, commission_bps=500)

    assert (plain.kind, plain.size, plain.cost_micros, plain.profit_micros) == (
        OpportunityKind.BACK_ALL,
        210_000,
        20 * SHARE,
        SHARE,
    )
    assert (taxed.guaranteed_payout_micros, taxed.fees_micros, taxed.profit_micros) == (
        21 * SHARE,
        50_000,
        950_000,
    )
    assert [(leg.side, leg.price_limit, leg.size) for leg in taxed.legs] == [
        (Side.BUY, 210, 1000),
        (Side.BUY, 210, 1000),
    ]


def test_lay_all_by_hand(kit):
    # lay two runners at 1.90 (a 105.3% book), 10.00 each: liabilities 9.00 + 9.00; whichever
    # wins, the layer keeps the other 10.00 and pays 9.00
    group, instruments, books = win_market(kit, [([], [(190, 1000)]), ([], [(190, 1000)])])

    (lay,), rejected = scan_group(group, instruments, books, zero)

    assert rejected == []
    assert (lay.kind, lay.size, lay.cost_micros, lay.guaranteed_payout_micros) == (
        OpportunityKind.LAY_ALL,
        190_000,
        18 * SHARE,
        19 * SHARE,
    )
    assert lay.profit_micros == SHARE
    assert [leg.cost_micros for leg in lay.legs] == [9 * SHARE, 9 * SHARE]


def test_betfair_rejections(kit):
    ladders = [([(210, 1000)], [(300, 10)]), ([(210, 1000)], [(300, 10)])]
    group, instruments, books = win_market(kit, ladders)

    place = OutcomeGroup("1.2", "bf", GroupKind.PLACE, group.instrument_ids, 2)
    assert scan_group(place, instruments, books, zero)[1][0].reason is RejectReason.UNSUPPORTED
    taxed = BpsFee(Decimal(0), Decimal(10))
    assert (
        scan_group(group, instruments, books, lambda _: taxed)[1][0].reason
        is RejectReason.UNSUPPORTED
    )
    found, rejected = scan_group(group, instruments, books, zero, exhaustive=False)
    assert found == [] and rejected[0].kind is OpportunityKind.BACK_ALL


# ---- cross-venue ---------------------------------------------------------------------------
def test_cross_venue_sizes_are_whole_lots_of_both_legs(kit):
    # Polymarket YES (6 size decimals) at 0.40 + Kalshi NO (2 decimals, whole contracts) at
    # 0.55 derived from a YES bid at 0.45: 7.5 shares are there but only 7 whole contracts
    poly = kit.token("AY", "AN", price_decimals=4, size_decimals=6, tick=100, venue="pm")
    kalshi = dict(price_decimals=4, size_decimals=2, tick=100, venue="k", currency="USD")
    k_yes, k_no = kit.token("KY", "KN", **kalshi), kit.token("KN", "KY", **kalshi)
    books = {
        "AY": kit.book(poly, asks=[(4000, 7_500_000)]),
        "KY": kit.book(k_yes, bids=[(4500, 900)]),
        "KN": kit.book(k_no),
    }
    lots = lambda t: 100 if t.venue == "k" else 10_000  # noqa: E731

    (found,) = scan_pair("p", poly, k_no, books, zero, lot_for=lots)

    assert (found.kind, found.group, found.size, found.size_decimals) == (
        OpportunityKind.CROSS_VENUE,
        "p",
        7 * SHARE,
        6,
    )
    assert [(leg.venue, leg.size) for leg in found.legs] == [("pm", 7 * SHARE), ("k", 700)]
    assert found.profit_micros == 35 * CENT
    with pytest.raises(ConfigError):
        scan_pair("p", kit.runner("r"), k_no, books, zero)


def test_deep_books_are_read_lazily_and_still_match_brute_force(kit):
    # 40 levels a side, the pair profitable for 20 of them: the optimizer reads 8, 16, then
    # 32 levels as it needs more
    yes, no = kit.pair_tokens()
    books = {
        "Y": kit.book(yes, asks=[(20 + i, 3) for i in range(40)]),
        "N": kit.book(no, asks=[(30 + i, 3) for i in range(40)]),
    }
    fee_for = lambda _: kit.FEES["power"]  # noqa: E731

    found = by_kind(scan_binary(yes, no, books, fee_for))

    long = found[OpportunityKind.BINARY_LONG]
    assert (long.size, long.profit_micros) == kit.oracle_basket([yes, no], books, fee_for)
    assert long.legs[0].price_limit > 20 + 16  # deeper than the first two reads
