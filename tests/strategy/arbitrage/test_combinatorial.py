"""Combinatorial baskets over live books: the LP's trade, re-priced exactly, all buys."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest

from pythia.core.errors import ConfigError
from pythia.data.synth_combinatorial import bracket, election
from pythia.strategy.arbitrage.combinatorial import CombinatorialWatch, load_dependencies
from pythia.strategy.arbitrage.model import OpportunityKind


def market_of(kit, scenario, fee="zero"):
    """Tokens (YES + NO per security) and books: YES asks as the scenario's asks, the
    scenario's YES bids as NO asks at 1 - price (what buying NO costs)."""
    instruments, books = {}, {}
    for lp_book in scenario.books:
        yes, no = lp_book.security_id, f"{lp_book.security_id}:no"
        kwargs = {"price_decimals": lp_book.price_decimals, "size_decimals": lp_book.size_decimals}
        instruments[yes] = kit.token(yes, no, tick=10, **kwargs)
        instruments[no] = kit.token(no, yes, tick=10, **kwargs)
        one = instruments[yes].one
        books[yes] = kit.book(instruments[yes], asks=[(lv.price, lv.size) for lv in lp_book.asks])
        books[no] = kit.book(
            instruments[no], asks=[(one - lv.price, lv.size) for lv in lp_book.bids]
        )
    return instruments, books, (lambda instrument: kit.FEES[fee])


def brute_force_worst(opportunity, scenario, instruments) -> int:
    """The legs' least payout over every valid outcome, by enumerating 2**n vectors."""
    ids = scenario.dependencies.ids
    worst = None
    for vector in product((0, 1), repeat=len(ids)):
        if not scenario.dependencies.is_valid(vector):
            continue
        true = {s for s, v in zip(ids, vector, strict=True) if v}
        paid = 0
        for leg in opportunity.legs:
            pays = leg.instrument_id in true or (
                leg.instrument_id.endswith(":no") and leg.instrument_id[:-3] not in true
            )
            paid += leg.size * 10**6 // 10**leg.size_decimals if pays else 0
        worst = paid if worst is None else min(worst, paid)
    return worst


@pytest.mark.parametrize(
    "scenario",
    [election(3, buckets=2, plants=2, seed=1), bracket(2, plants=2, seed=3)],
    ids=lambda s: s.name,
)
def test_the_basket_reaches_the_planted_profit_with_buys_only(kit, scenario):
    instruments, books, fee_for = market_of(kit, scenario)
    watch = CombinatorialWatch(scenario.dependencies, fee_for, name=scenario.name)
    found = watch.evaluate(instruments, books)
    assert found is not None and found.kind is OpportunityKind.COMBINATORIAL
    assert all(leg.side.value == "buy" for leg in found.legs)
    assert Fraction(found.profit_micros, 10**6) == scenario.known_profit  # no fees: exact
    assert found.guaranteed_payout_micros == brute_force_worst(found, scenario, instruments)
    assert found.profit_micros == found.guaranteed_payout_micros - found.cost_micros
    outcomes = watch.basket_outcomes(instruments)
    assert outcomes and all(o.pays for o in outcomes)


def test_fees_are_charged_exactly_and_never_create_profit(kit):
    scenario = election(3, buckets=2, plants=2, seed=1)
    instruments, books, fee_for = market_of(kit, scenario, fee="bps")  # 25 bps taker
    found = CombinatorialWatch(scenario.dependencies, fee_for).evaluate(instruments, books)
    assert found is not None and found.fees_micros > 0
    charged = sum(leg.fee_micros for leg in found.legs)
    assert found.fees_micros == charged
    for leg in found.legs:  # at least 25 bps of what the leg costs (per level, rounded up)
        assert leg.fee_micros * 10_000 >= leg.cost_micros * 25
    assert found.profit_micros == (
        brute_force_worst(found, scenario, instruments) - found.cost_micros - found.fees_micros
    )
    assert Fraction(found.profit_micros, 10**6) < scenario.known_profit


def test_fees_that_eat_the_edge_leave_no_basket(kit):
    scenario = election(3, buckets=2, plants=2, seed=1)
    instruments, books, fee_for = market_of(kit, scenario, fee="power")  # 0.072 p(1-p)
    assert CombinatorialWatch(scenario.dependencies, fee_for).evaluate(instruments, books) is None


def test_fairly_priced_books_give_no_basket(kit):
    scenario = election(3, buckets=2, plants=0, seed=2)
    instruments, books, fee_for = market_of(kit, scenario)
    assert CombinatorialWatch(scenario.dependencies, fee_for).evaluate(instruments, books) is None


def test_a_missing_book_means_no_evaluation(kit):
    scenario = bracket(2, plants=1, seed=1)
    instruments, books, fee_for = market_of(kit, scenario)
    books.pop(scenario.books[0].security_id)
    assert CombinatorialWatch(scenario.dependencies, fee_for).evaluate(instruments, books) is None


def test_dependency_files_load_from_toml_and_json(tmp_path):
    toml = tmp_path / "deps.toml"
    toml.write_text(
        '[[security]]\nid = "a"\n[[security]]\nid = "b"\n'
        '[[constraint]]\nkind = "implies"\na = "a"\nb = "b"\n'
    )
    json_file = tmp_path / "deps.json"
    json_file.write_text(
        '{"security": [{"id": "a"}, {"id": "b"}],'
        ' "constraint": [{"kind": "excludes", "a": "a", "b": "b"}]}'
    )
    assert load_dependencies(toml).ids == ("a", "b")
    assert load_dependencies(json_file).ids == ("a", "b")
    with pytest.raises(ConfigError, match="not valid"):
        bad = tmp_path / "bad.toml"
        bad.write_text("[[security]\n")
        load_dependencies(bad)
    with pytest.raises(ConfigError, match="dependency file"):
        load_dependencies(tmp_path / "missing.toml")


def test_a_replayed_stream_finds_the_basket_and_its_lifetime(kit):
    """`pythia scan --data ... --dependencies`: the replay re-solves the basket as books move
    (at most every 250 ms of recording time) and keeps its lifetime like any other kind."""
    from pythia.model.events import BookSnapshot, InstrumentDefinition
    from pythia.service.scan_replay import ReplayScan

    scenario = election(3, buckets=2, plants=2, seed=1)
    instruments, books, _ = market_of(kit, scenario)
    replay = ReplayScan(dependencies=scenario.dependencies)
    replay.fee_for = lambda instrument: kit.FEES["zero"]
    replay.combo.fee_for = replay.fee_for
    for instrument in instruments.values():
        replay.on_event(InstrumentDefinition(instrument, 0, 0))
    second = 1_000_000_000
    for ts in (1 * second, 2 * second):  # the same books twice: one episode, two updates
        for instrument_id, book in books.items():
            snapshot = BookSnapshot(instrument_id, tuple(book.bids()), tuple(book.asks()), ts, ts)
            replay.on_event(snapshot)
    [lifetime] = [lt for key, lt in replay.lifetimes.items() if key[1] == "combinatorial"]
    assert Fraction(lifetime.best.profit_micros, 10**6) == scenario.known_profit
    assert lifetime.first_seen_ns == 1 * second and lifetime.last_seen_ns == 2 * second
    assert lifetime.episodes == 1 and lifetime.updates >= 2


@pytest.mark.parametrize("fee", ["zero", "bps"])
def test_a_capital_cap_finds_a_smaller_basket_within_it(kit, fee):
    scenario = election(3, buckets=2, plants=2, seed=1)
    instruments, books, fee_for = market_of(kit, scenario, fee=fee)
    watch = CombinatorialWatch(scenario.dependencies, fee_for)
    free = watch.evaluate(instruments, books)
    assert free is not None
    for share in (2, 5, 9):
        cap = free.capital_micros * share // 10
        capped = watch.evaluate(instruments, books, max_capital_micros=cap)
        assert capped is not None, share  # a smaller basket, not a rejection
        assert capped.capital_micros <= cap
        assert 0 < capped.profit_micros <= free.profit_micros
        worst = brute_force_worst(capped, scenario, instruments)
        assert capped.profit_micros == worst - capped.cost_micros - capped.fees_micros
    assert watch.evaluate(instruments, books, max_capital_micros=0) is None
