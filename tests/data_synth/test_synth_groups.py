"""The SYNTHETIC group snapshot generator: real venue formats, planted kinds, exact truth."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.synth_groups import PLANS, SynthSpec, generate
from pythia.data.synth_snapshot import write_snapshot
from pythia.data.synth_truth import BasketLeg, FeeRule, best_basket, walk
from pythia.model.execution import Liquidity
from pythia.sim.models.fees import ProbabilityPowerFee
from pythia.venues.polymarket import markets, parse, wire

runner = CliRunner()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    truth = write_snapshot(SynthSpec(14, (2, 7), seed=11), out)
    return out, truth


def test_same_seed_same_files(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        write_snapshot(SynthSpec(7, (2, 5), seed=3), out)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        if name.name != "README.txt":  # names its own directory
            assert (first / name).read_bytes() == (second / name).read_bytes()


def test_every_plan_is_drawn_in_order():
    events = generate(SynthSpec(len(PLANS) * 2, (2, 4), seed=5))
    assert [e.plan for e in events] == list(PLANS) * 2
    augmented = [e for e in events if e.plan == "augmented"]
    assert all(len(e.markets) >= 3 and e.markets[-1].other for e in augmented)


@pytest.mark.parametrize("seed", range(4))
def test_large_groups_are_drawn(seed):
    events = generate(SynthSpec(7, (25, 30), seed=seed))
    sizes = [len(e.markets) for e in events if e.neg_risk]
    assert sizes and all(25 <= n <= 30 for n in sizes)


def test_events_are_gamma_events_with_json_in_json_fields(snapshot):
    out, _ = snapshot
    documents = [json.loads(p.read_text()) for p in sorted((out / "events").glob("*.json"))]
    assert len(documents) == 14
    for document in documents:
        assert document["synthetic"] is True
        for market in document["markets"]:
            assert isinstance(market["clobTokenIds"], str)  # a JSON list inside a string
            assert json.loads(market["outcomes"]) == ["Yes", "No"]
            assert len(json.loads(market["outcomePrices"])) == 2
        event = wire.to_wire(wire.decode(json.dumps(document)))
        parsed, group = markets.parse_gamma_event(event)
        assert len(parsed) == len(document["markets"])
        assert (group is not None) == document["negRisk"]
        if group is not None:
            assert group.augmented == document["negRiskAugmented"]


def test_books_are_clob_book_answers_best_last(snapshot):
    out, _ = snapshot
    paths = sorted((out / "books").glob("*.json"))
    assert paths
    for path in paths:
        document = json.loads(path.read_text())
        assert document["synthetic"] is True
        assert document["tick_size"] == "0.01" and document["min_order_size"] == "5"
        bids = [Decimal(level["price"]) for level in document["bids"]]
        asks = [Decimal(level["price"]) for level in document["asks"]]
        assert bids == sorted(bids) and asks == sorted(asks, reverse=True)
        assert 3 <= len(document["asks"]) and all(
            isinstance(level["size"], str) for level in document["bids"]
        )
        book = parse.parse_book(wire.to_wire(wire.decode(path.read_text())))
        assert book.bids[0][0] < book.asks[0][0]  # best first, uncrossed
    assert (out / "README.txt").read_text().startswith("SYNTHETIC")


def test_truth_lists_every_planted_kind_and_the_augmented_rejection(snapshot):
    _, truth = snapshot
    assert truth["synthetic"] is True and truth["fee"]["rate"] == "0"
    kinds = {o["kind"] for o in truth["opportunities"]}
    assert {"binary_long", "binary_short", "group_yes", "group_no"} <= kinds
    assert {r["kind"] for r in truth["rejected"]} == {"group_yes"}
    plans = {e["event"]: e["plan"] for e in truth["events"]}
    with_opportunity = {o["event"] for o in truth["opportunities"]}
    assert all(plans[e] not in ("none_group", "none_binary", "augmented") for e in with_opportunity)
    for entry in truth["opportunities"]:
        money = {k: Decimal(entry[k]) for k in ("cost", "fees", "guaranteed_payout", "profit")}
        assert money["profit"] == money["guaranteed_payout"] - money["cost"] - money["fees"]
        assert money["profit"] > 0 and int(entry["size"]) >= 5


@pytest.mark.parametrize(("rate", "exponent"), [("0.04", 1), ("0.072", 1), ("0.25", 2)])
def test_brute_force_fee_matches_the_fee_model(rate, exponent):
    token = markets.outcome_token("1")
    model = ProbabilityPowerFee(Decimal(rate), exponent)
    rule = FeeRule(Fraction(Decimal(rate)), exponent)
    for price in range(100, 10_000, 100):
        for shares in (1, 3, 7, 50, 333):
            expected = model.fee_micros(token, price, shares * 10**6, Liquidity.TAKER)
            assert rule.fee_micros(price, shares) == expected
            hundredths = model.fee_micros(token, price, shares * 10**4, Liquidity.TAKER)
            assert rule.fee_micros(price, shares, lot_decimals=2) == hundredths


def test_brute_force_on_a_hand_example():
    yes = [(4000, 10), (4500, 10)]
    no = [(5000, 10), (5200, 10), (6000, 10)]
    legs = [BasketLeg("yes", True, yes), BasketLeg("no", True, no)]
    basket, ties = best_basket("binary_long", "m", legs, payout_per_share_micros=10**6)
    # 10 at 0.40 + 0.50 (margin 0.10), then 10 at 0.45 + 0.52 (margin 0.03): 1.00 + 0.30
    assert (basket.size, basket.profit_micros, ties) == (20, 1_300_000, 1)
    capped, _ = best_basket(
        "binary_long", "m", legs, payout_per_share_micros=10**6, max_capital_micros=14_000_000
    )
    assert (capped.size, capped.profit_micros) == (15, 1_150_000)  # 15 cost 13.85
    fine, _ = best_basket(
        "binary_long",
        "m",
        legs,
        payout_per_share_micros=10**6,
        max_capital_micros=14_000_000,
        lot_decimals=2,
    )
    assert (fine.size, fine.profit_micros) == (1515, 1_154_500)  # 15.15 shares cost 13.9955
    assert walk(yes, 21, FeeRule()) is None
    assert walk(yes, 1550, FeeRule(), lot_decimals=2) == (6_475_000, 0, 4500)


def test_a_fee_rate_goes_into_truth_and_venues_toml(tmp_path):
    truth = write_snapshot(SynthSpec(4, (2, 3), seed=2, fee_rate=Decimal("0.04")), tmp_path)
    assert truth["fee"]["rate"] == "0.04"
    assert 'fee_rate = "0.04"' in (tmp_path / "venues.toml").read_text()
    assert any(Decimal(o["fees"]) > 0 for o in truth["opportunities"])


def test_cli_writes_the_snapshot(tmp_path):
    out = tmp_path / "snap"
    args = ["data", "synth", "--kind", "groups", "--groups", "7", "--outcomes", "2..4"]
    result = runner.invoke(app, [*args, "--seed", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    truth = json.loads(result.stdout)
    assert truth == json.loads((out / "truth.json").read_text())
    human = runner.invoke(app, [*args, "--seed", "1", "--out", str(tmp_path / "again")])
    assert human.exit_code == 0 and "SYNTHETIC" in human.stdout


@pytest.mark.parametrize(
    "args",
    [["--outcomes", "5..2"], ["--outcomes", "x"], ["--kind", "nope"], ["--fee-rate", "-1"]],
)
def test_cli_rejects_bad_options(tmp_path, args):
    result = runner.invoke(app, ["data", "synth", "--out", str(tmp_path / "s"), *args])
    assert result.exit_code == 1
    assert "error:" in result.stderr
