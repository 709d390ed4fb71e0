"""The snapshot scanner against SYNTHETIC ground truth (``pythia data synth``).

Every planted opportunity must be found with exactly the size, profit and fees the brute
force of :mod:`pythia.data.synth_truth` computed; nothing else may be found; the augmented
group's all-YES basket must be rejected.
"""

from decimal import Decimal

import pytest

from pythia.data.synth_groups import SynthSpec, evaluate, generate
from pythia.data.synth_snapshot import write_snapshot
from pythia.service.scan import load_snapshot, run_scan

MONEY = ("cost", "fees", "guaranteed_payout", "profit")
SPECS = [
    SynthSpec(14, (2, 7), seed=11),
    SynthSpec(21, (2, 12), seed=3),
    SynthSpec(7, (5, 5), seed=8),
    SynthSpec(14, (20, 30), seed=12),
    SynthSpec(14, (2, 6), seed=5, fee_rate=Decimal("0.04")),
    SynthSpec(7, (2, 4), seed=6, fee_rate=Decimal("0.072")),
]


def _key(entry: dict) -> tuple[str, str]:
    return entry["group_id"], entry["kind"]


def _numbers(entry: dict) -> tuple[Decimal, ...]:
    return tuple(Decimal(entry[k]) for k in ("size", "profit", "fees"))


@pytest.fixture(scope="module", params=SPECS, ids=lambda s: f"seed{s.seed}-fee{s.fee_rate}")
def scanned(request, tmp_path_factory):
    spec = request.param
    out = tmp_path_factory.mktemp("snapshot")
    truth = write_snapshot(spec, out)
    snapshot = load_snapshot(out)
    return spec, truth, snapshot, run_scan(snapshot)


def test_the_snapshot_loads_without_problems(scanned):
    spec, truth, snapshot, _ = scanned
    assert snapshot.problems == []
    assert snapshot.loaded["events"] == spec.groups
    assert len(snapshot.books) == len(snapshot.instruments)


def test_every_planted_opportunity_is_found_exactly(scanned):
    _, truth, _, result = scanned
    expected = {_key(o): o for o in truth["opportunities"]}
    found = {_key(o): o for o in result["opportunities"]}
    assert set(found) == set(expected)
    for key, entry in expected.items():
        assert _numbers(found[key]) == _numbers(entry), key
        assert found[key]["group"] == entry["group"]  # the venue's own id
        assert Decimal(found[key]["profit"]) > 0


def test_groups_without_a_plant_produce_nothing(scanned):
    _, truth, _, result = scanned
    quiet = [e for e in truth["events"] if e["plan"] in ("none_group", "none_binary")]
    assert quiet
    ids = {o["group"] for o in result["opportunities"]}
    for event in quiet:
        assert event["event"] not in ids
        assert not ids & set(event["markets"])


def test_the_augmented_all_yes_basket_is_rejected(scanned):
    _, truth, _, result = scanned
    augmented = {r["group_id"] for r in truth["rejected"]}
    assert augmented
    refused = {
        r["group_id"]
        for r in result["rejected"]
        if r["reason"] == "not_exhaustive" and r["kind"] == "group_yes"
    }
    assert augmented <= refused
    assert not any(
        o["group_id"] in augmented and o["kind"] == "group_yes" for o in result["opportunities"]
    )


def test_json_entries_are_decimal_strings(scanned):
    _, _, _, result = scanned
    assert set(result) == {"opportunities", "rejected"}
    for entry in result["opportunities"]:
        for key in ("size", *MONEY):
            assert isinstance(entry[key], str)
            Decimal(entry[key])
        assert {"venue", "instrument", "side", "price_limit", "size"} <= set(entry["legs"][0])
        assert entry["legs"][0]["venue"] == "polymarket"
    profits = [Decimal(o["profit"]) for o in result["opportunities"]]
    assert profits == sorted(profits, reverse=True)


def _capped_truth(spec: SynthSpec, cap_micros: int) -> dict:
    """Brute force again, at 0.01-share steps (a binding cap cuts a level anywhere)."""
    truth = {}
    for event in generate(spec):
        found, _, _ = evaluate(event, spec.fees, max_capital_micros=cap_micros, lot_decimals=2)
        for basket in found:
            truth[(basket.group, basket.kind)] = basket
    return truth


@pytest.mark.parametrize("cap", ["5", "12.34"])
def test_a_capital_cap_matches_the_brute_force(tmp_path, cap):
    spec = SynthSpec(7, (2, 4), seed=4)
    write_snapshot(spec, tmp_path)
    cap_micros = int(Decimal(cap) * 10**6)
    result = run_scan(load_snapshot(tmp_path), max_capital_micros=cap_micros)
    expected = _capped_truth(spec, cap_micros)
    found = {_key(o): o for o in result["opportunities"]}
    assert set(found) == set(expected)
    for key, basket in expected.items():
        entry = found[key]
        assert Decimal(entry["size"]) == Decimal(basket.size) / 100
        assert int(Decimal(entry["profit"]) * 10**6) == basket.profit_micros
        capital = Decimal(entry["cost"]) + Decimal(entry["fees"])
        assert capital <= Decimal(cap)


def test_a_minimum_profit_keeps_only_larger_opportunities(tmp_path):
    truth = write_snapshot(SynthSpec(14, (2, 6), seed=9), tmp_path)
    profits = sorted(Decimal(o["profit"]) for o in truth["opportunities"])
    floor = profits[len(profits) // 2]
    result = run_scan(load_snapshot(tmp_path), min_profit_micros=int(floor * 10**6))
    expected = {_key(o) for o in truth["opportunities"] if Decimal(o["profit"]) >= floor}
    assert {_key(o) for o in result["opportunities"]} == expected
