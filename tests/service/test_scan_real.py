"""The scanner on real recorded venue data, its findings checked by an independent brute force.

Inputs (tests/data, real): the Polymarket Trump 2024 WebSocket book, a CLOB REST ``/book``,
the Gamma negRisk event "Democratic Presidential Nominee 2028" (augmented, no books), the
Kalshi REST responses (market KXELONMARS-99 and its ``orderbook_fp``), and the bundled
Betfair WIN market 1.197931750 replayed over time.

The two Polymarket books belong to different markets and no recorded Gamma event defines
their tokens, so the test declares one binary market over them (YES = the Trump token,
NO = the REST book's token; labelled a test construction in the event file) and a
cross-venue pair with the Kalshi market. The arbitrage found there is an artefact of that
pairing; what is checked is that the scanner's size, profit and fees on real depth equal
a brute force over every 0.01-share basket size (no code shared with the scanner).
"""

import json
import math
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from pythia.data import bundled
from pythia.data.synth_truth import BasketLeg, best_basket
from pythia.service.scan import load_snapshot, run_scan

DATA = Path(__file__).parents[1] / "data"
TRUMP = json.loads((DATA / "polymarket" / "ws_book_trump2024.json").read_text())
REST = json.loads((DATA / "polymarket" / "rest_book.json").read_text())
KALSHI = json.loads((DATA / "kalshi" / "kalshi_rest_responses.json").read_text())
KALSHI_BOOK = KALSHI["get_orderbook_KXELONMARS-99"]["orderbook_fp"]
CONDITION = TRUMP["market"]
PAIR = "trump-vs-elon-test-pair"


class KalshiFee:
    """Kalshi's taker fee, re-derived here: ceil(0.07 x C x P x (1 - P)) to the cent."""

    def fee_micros(self, price: int, size: int, lot_decimals: int = 0) -> int:
        if not size:
            return 0
        p = Fraction(price, 10_000)
        dollars = Fraction(7, 100) * Fraction(size, 10**lot_decimals) * p * (1 - p)
        return math.ceil(dollars * 100) * 10_000


def _units(text: str) -> int:
    return int(Fraction(text) * 10_000)


def _polymarket_levels(book: dict, side: str) -> list:
    """Best first (the venue lists the best level last)."""
    return [(_units(level["price"]), level["size"]) for level in reversed(book[side])]


def _kalshi_derived_asks(ladder: list) -> list:
    """A bid at x on one side is an ask at 1 - x on the other; ladders ascend (best last)."""
    return [(10_000 - _units(price), size) for price, size in reversed(ladder)]


def _may_pay(legs: list[BasketLeg], payout: int) -> bool:
    """Asks whose best levels sum to the payout or more cannot pay at any size (deeper levels
    only cost more, fees are never negative)."""
    return sum(leg.levels[0][0] for leg in legs) < payout * 10_000


def _brute(kind: str, group: str, legs: list[BasketLeg]):
    if not _may_pay(legs, 1):
        return None
    basket, ties = best_basket(
        kind, group, legs, payout_per_share_micros=10**6, min_shares=5, lot_decimals=2
    )
    return basket


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real")
    for part in ("events", "books", "kalshi"):
        (root / part).mkdir()
    event = {
        "id": "test-construction",
        "title": "TEST CONSTRUCTION: two real books declared one binary market",
        "negRisk": False,
        "markets": [
            {
                "conditionId": CONDITION,
                "question": "TEST CONSTRUCTION (not a real market)",
                "clobTokenIds": json.dumps([TRUMP["asset_id"], REST["asset_id"]]),
                "outcomes": json.dumps(["Yes", "No"]),
                "orderPriceMinTickSize": 0.001,
                "orderMinSize": 5,
            }
        ],
    }
    (root / "events" / "test_construction.json").write_text(json.dumps(event))
    shutil.copy(DATA / "polymarket" / "gamma_event_negrisk.json", root / "events")
    shutil.copy(DATA / "polymarket" / "ws_book_trump2024.json", root / "books")
    shutil.copy(DATA / "polymarket" / "rest_book.json", root / "books")
    shutil.copy(DATA / "kalshi" / "kalshi_rest_responses.json", root / "kalshi")
    (root / "pairs.toml").write_text(
        f'[[pair]]\nid = "{PAIR}"\nyes_a = "polymarket:{TRUMP["asset_id"]}"\n'
        'no_b = "kalshi:KXELONMARS-99:no"\nnote = "test construction"\n'
    )
    return root


@pytest.fixture(scope="module")
def scanned(snapshot_dir):
    snapshot = load_snapshot(snapshot_dir)
    return snapshot, run_scan(snapshot)


def _expected() -> dict:
    """Every basket the real books allow, by brute force."""
    yes, no = f"polymarket:{TRUMP['asset_id']}", f"polymarket:{REST['asset_id']}"
    k_yes, k_no = "kalshi:KXELONMARS-99:yes", "kalshi:KXELONMARS-99:no"
    kalshi_yes_asks = _kalshi_derived_asks(KALSHI_BOOK["no_dollars"])
    kalshi_no_asks = _kalshi_derived_asks(KALSHI_BOOK["yes_dollars"])
    fee = KalshiFee()
    candidates = {
        (f"polymarket:{CONDITION}", "binary_long"): [
            BasketLeg(yes, True, _polymarket_levels(TRUMP, "asks")),
            BasketLeg(no, True, _polymarket_levels(REST, "asks")),
        ],
        ("kalshi:KXELONMARS-99", "binary_long"): [
            BasketLeg(k_yes, True, kalshi_yes_asks, fee),
            BasketLeg(k_no, True, kalshi_no_asks, fee),
        ],
    }
    directions = [
        [
            BasketLeg(yes, True, _polymarket_levels(TRUMP, "asks")),
            BasketLeg(k_no, True, kalshi_no_asks, fee),
        ],
        [
            BasketLeg(k_yes, True, kalshi_yes_asks, fee),
            BasketLeg(no, True, _polymarket_levels(REST, "asks")),
        ],
    ]
    expected = {}
    for key, legs in candidates.items():
        basket = _brute(key[1], key[0], legs)
        if basket is not None:
            expected[key] = basket
    pair = [b for b in (_brute("cross_venue", PAIR, legs) for legs in directions) if b]
    if pair:
        expected[(PAIR, "cross_venue")] = max(pair, key=lambda b: b.profit_micros)
    # binary_short: the best bids sum below 1 in both markets (checked here, exactly)
    trump_bid, rest_bid = _units(TRUMP["bids"][-1]["price"]), _units(REST["bids"][-1]["price"])
    assert trump_bid + rest_bid < 10_000
    return expected


def test_real_snapshot_loads_every_file(scanned):
    snapshot, _ = scanned
    assert snapshot.problems == []
    assert snapshot.loaded == {"events": 2, "books": 2, "kalshi": 1, "pairs": 1}
    assert len(snapshot.books) == 4  # two Polymarket tokens, Kalshi YES and NO


def test_findings_equal_the_brute_force(scanned):
    _, result = scanned
    expected = _expected()
    found = {(o["group_id"], o["kind"]): o for o in result["opportunities"]}
    assert set(found) == set(expected)
    assert {"binary_long", "cross_venue"} <= {kind for _, kind in found}
    for key, basket in expected.items():
        entry = found[key]
        assert Fraction(entry["size"]) == Fraction(basket.size, 100), key
        assert Fraction(entry["profit"]) * 10**6 == basket.profit_micros, key
        assert Fraction(entry["fees"]) * 10**6 == basket.fees_micros, key
        assert Fraction(entry["cost"]) * 10**6 == basket.cost_micros, key
        limits = {leg["instrument"]: _units(leg["price_limit"]) for leg in entry["legs"]}
        assert limits == {leg.instrument: leg.worst_price for leg in basket.legs}


def test_the_pair_pays_kalshi_fees(scanned):
    _, result = scanned
    pair = next(o for o in result["opportunities"] if o["kind"] == "cross_venue")
    kalshi_leg = next(leg for leg in pair["legs"] if leg["venue"] == "kalshi")
    assert Fraction(kalshi_leg["fee"]) > 0
    assert pair["group"] == PAIR


def test_the_augmented_event_without_books_is_rejected(scanned):
    _, result = scanned
    rejected = {(r["group"], r["reason"]) for r in result["rejected"]}
    assert ("30829", "unsynced") in rejected  # the Gamma event id, its books absent
    assert ("0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47", "unsynced") in (
        rejected
    )


def test_a_book_without_an_event_is_reported(tmp_path):
    (tmp_path / "books").mkdir()
    shutil.copy(DATA / "polymarket" / "ws_book_trump2024.json", tmp_path / "books")
    snapshot = load_snapshot(tmp_path)
    assert [(p.file, p.reason) for p in snapshot.problems] == [
        ("books/ws_book_trump2024.json", "unknown_token")
    ]
    assert run_scan(snapshot) == {"opportunities": [], "rejected": []}


# ---- Betfair over time ---------------------------------------------------------------------
def _lay_all_best(ladders: list[list[tuple[int, int]]], commission_bps: int):
    """The best lay-all basket, by brute force over every target payout.

    Laying runner j with stake s pays s x odds if j wins; the layer keeps every stake. For a
    largest payout M, each runner's stake is the most pennies (>= the 1.00 minimum) whose
    payout stays within M (more stake only adds to what the layer keeps), so the optimum is
    at an M that some runner's payout reaches exactly: every such M is tried, until the
    exact-stake bound shows no larger M can do better. Commission: ``commission_bps`` of
    the positive net winnings, rounded half up to the penny. Returns (profit micros, M).
    """
    payouts = []
    for ladder in ladders:
        values, paid = [0], 0
        for odds, stake in ladder:
            for _ in range(stake):
                paid += odds
                values.append(paid)
        payouts.append(values)

    def stake_for(values: list[int], target: int) -> int:
        low, high = 0, len(values) - 1
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if values[middle] <= target else (low, middle - 1)
        return low

    best = None
    targets = sorted({v for values in payouts for v in values[100:]})
    for target in targets:
        stakes = [stake_for(values, target) for values in payouts]
        if min(stakes) < 100:
            continue
        net = sum(stakes) * 10_000 - target * 100  # micros: pennies x 10**4, payout x 100
        commission = 0
        if net > 0:
            commission = ((net * commission_bps * 2 + 10**4 * 10**4) // (2 * 10**4 * 10**4)) * 10**4
        profit = net - commission
        if best is None or profit > best[0]:
            best = (profit, target)
        exact = sum(_exact_stake(ladder, target) for ladder in ladders)
        marginal = sum(Fraction(100, _odds_at(ladder, target)) for ladder in ladders)
        if marginal <= 1 and exact * 10_000 - target * 100 < max(best[0], 1):
            break
    return best if best is not None and best[0] >= 1 else None


def _exact_stake(ladder, target: int) -> Fraction:
    stake, paid = Fraction(0), 0
    for odds, size in ladder:
        if paid + odds * size >= target:
            return stake + Fraction(target - paid, odds)
        stake += size
        paid += odds * size
    return stake


def _odds_at(ladder, target: int) -> int:
    paid = 0
    for odds, size in ladder:
        paid += odds * size
        if paid > target:
            return odds
    return 10**9


def test_betfair_win_market_over_time_matches_the_brute_force():
    from pythia.model.enums import MarketState
    from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, MarketStatus
    from pythia.model.instruments import OutcomeGroup
    from pythia.service.scan_replay import scan_dataset
    from pythia.venues import read_capture

    report = scan_dataset("betfair-win")
    assert report["rejected_updates"] == 0 and report["problems"] == []
    # independent replay: plain dict books, the market's base rate 5% as commission
    books: dict[str, dict[int, int]] = {}
    runners: list[str] = []
    state = None
    moments = []
    flags, episodes = [False], 0
    for event in read_capture("betfair", [bundled("betfair", "1.197931750")]).events():
        if isinstance(event, InstrumentDefinition) and isinstance(event.definition, OutcomeGroup):
            runners = list(event.definition.instrument_ids)
        elif isinstance(event, MarketStatus) and not event.instrument_id:
            state = event.state
        elif isinstance(event, BookSnapshot | BookDelta):
            lay = books.setdefault(event.instrument_id, {})
            if isinstance(event, BookSnapshot):
                lay.clear()
            for odds, size in event.asks:
                lay[odds] = size
                if not size:
                    del lay[odds]
            if state is not MarketState.OPEN:
                continue
            found = None
            ready = all(books.get(r) for r in runners)
            # best lay odds at or under a 100% book: no lay-all at any depth
            if ready and sum(Fraction(100, min(books[r])) for r in runners) > 1:
                found = _lay_all_best([sorted(books[r].items()) for r in runners], 500)
            if found is not None:
                moments.append((event.ts_recv_ns, *found))
            if found is not None and not flags[-1]:
                episodes += 1
            flags.append(found is not None)
    lay = [o for o in report["opportunities"] if o["kind"] == "lay_all"]
    assert [o["kind"] for o in report["opportunities"]] == ["lay_all"] * len(lay)  # no back_all
    if not moments:
        assert lay == []
        return
    (entry,) = lay
    best = max(moments, key=lambda m: (m[1], -m[0]))
    assert entry["group"] == "1.197931750"
    assert entry["updates"] == len(moments)
    assert entry["episodes"] == episodes
    assert entry["first_seen_ns"] == moments[0][0] and entry["last_seen_ns"] == moments[-1][0]
    assert Fraction(entry["profit"]) * 10**6 == best[1]
    assert Fraction(entry["size"]) * 10**4 == best[2]  # the largest payout, 4 decimals
