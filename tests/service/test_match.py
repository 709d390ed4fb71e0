"""``pythia match`` core and snapshot reading: which pairs are suggested, which are not, the
warnings they carry, and a pairs.toml the scan's snapshot loader accepts."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace

import pytest

from matchkit import (
    BTC_YES,
    FED_YES,
    MARS_YES,
    SMITH_CONDITION,
    UP_DOWN_CONDITION,
    WHITMER_YES,
    build_snapshot,
)
from pythia.core.clock import iso_to_ns
from pythia.core.errors import ConfigError
from pythia.model.descriptions import MarketDescription
from pythia.service.match import (
    match_report,
    pairs_toml,
    read_markets,
    suggest_pairs,
)
from pythia.service.match_core import (
    facts_conflict,
    match_markets,
    normalise_title,
    pair_warnings,
    similarity,
    slug,
)
from pythia.service.scan import load_snapshot


@pytest.fixture
def snap(tmp_path):
    return build_snapshot(tmp_path / "snap")


def _pairs(result) -> dict[str, tuple[str, str]]:
    """yes_a -> (no_b, id) of every suggestion."""
    return {p.a.yes_id: (p.b.no_id, p.id) for p in result.pairs}


def _describe(venue: str, market_id: str, title: str, end: str | None = None, **extra):
    return MarketDescription(
        venue=venue,
        market_id=market_id,
        yes_id=f"{venue}:{market_id}:yes",
        no_id=f"{venue}:{market_id}:no",
        title=title,
        end_ns=None if end is None else iso_to_ns(end),
        end_field="endDate" if venue == "polymarket" else "close_time",
        **extra,
    )


# ---- reading the snapshot ----------------------------------------------------------------------
def test_every_market_of_both_venues_is_described_with_pythia_ids(snap):
    found = read_markets(snap)
    assert found.problems == []
    assert found.loaded == {"events": 3, "kalshi": 2}
    assert {d.market_id for d in found.polymarket} == {
        SMITH_CONDITION,
        "0xe39adea057926dc197fe30a441f57a340b2a232d5a687010f78bba9b6e02620f",
        UP_DOWN_CONDITION,
        "0xmars",
        "0xfed",
        "0xbtc",
    }
    kalshi = {d.market_id: d for d in found.kalshi}  # KXELONMARS-99 is in the file twice
    assert set(kalshi) == {
        "KXELONMARS-99",
        "KXCOLONIZEMARS-50",
        "KXPRESNOMD-28-GW",
        "KXFEDCUT-26MAR",
        "KXBTCY-26DEC31",
    }
    mars = kalshi["KXELONMARS-99"]
    assert (mars.yes_id, mars.no_id) == ("kalshi:KXELONMARS-99:yes", "kalshi:KXELONMARS-99:no")
    assert mars.end_ns == iso_to_ns("2099-08-01T04:59:00Z") and mars.end_field == "close_time"
    assert mars.rules.startswith("If Elon Musk visits Mars") and mars.rules_field == "rules_primary"
    btc = kalshi["KXBTCY-26DEC31"]  # sources from the series answer, by the event ticker's head
    assert btc.sources == ("https://www.cfbenchmarks.com/data/indices/BRTI",)
    assert btc.sources_field == "series settlement_sources"
    up_down = next(d for d in found.polymarket if d.market_id == UP_DOWN_CONDITION)
    assert up_down.sources == ("https://data.chain.link/streams/btc-usd",)
    assert up_down.yes_id.startswith("polymarket:1042398980")  # "Up", the first outcome


def test_negrisk_markets_take_what_they_lack_from_their_event(snap):
    event = json.loads((snap / "events" / "dem.json").read_text())
    for market in event[0]["markets"]:
        del market["endDate"], market["description"]
    event[0]["resolutionSource"] = "https://democrats.org"
    (snap / "events" / "dem.json").write_text(json.dumps(event))
    whitmer = next(d for d in read_markets(snap).polymarket if d.yes_id == WHITMER_YES)
    assert whitmer.end_ns == iso_to_ns("2028-11-07T00:00:00Z")
    assert whitmer.end_field == "event endDate"
    assert whitmer.rules_field == "event description"
    assert whitmer.sources == ("https://democrats.org",)


def test_a_missing_directory_or_an_empty_side_is_a_config_error(tmp_path, snap):
    with pytest.raises(ConfigError, match="no such snapshot directory"):
        read_markets(tmp_path / "nope")
    for path in (snap / "kalshi").iterdir():
        path.unlink()
    with pytest.raises(ConfigError, match="no Kalshi market"):
        read_markets(snap)


def test_bad_files_are_reported_by_name_and_the_rest_is_read(snap):
    (snap / "events" / "broken.json").write_text("{not json")
    (snap / "events" / "other.json").write_text('{"foo": 1}')
    (snap / "kalshi" / "list.json").write_text("[]")
    bad_date = {"market": {"ticker": "KXBAD-1", "title": "Bad", "close_time": "soon"}}
    (snap / "kalshi" / "bad_date.json").write_text(json.dumps(bad_date))
    found = read_markets(snap)
    assert {(p.file, p.reason) for p in found.problems} == {
        ("events/broken.json", "malformed"),
        ("events/other.json", "invalid_event"),
        ("kalshi/list.json", "malformed"),
        ("kalshi/bad_date.json", "invalid_kalshi"),
    }
    assert len(found.polymarket) == 6 and len(found.kalshi) == 5


# ---- what is paired ----------------------------------------------------------------------------
def test_same_propositions_are_paired_and_unrelated_markets_are_not(snap):
    result = suggest_pairs(read_markets(snap))
    assert _pairs(result) == {
        MARS_YES: ("kalshi:KXELONMARS-99:no", "elon-musk-visit-mars-before-aug-1-2099"),
        WHITMER_YES: (
            "kalshi:KXPRESNOMD-28-GW:no",
            "gretchen-whitmer-win-2028-democratic-presidential-nomination",
        ),
        BTC_YES: ("kalshi:KXBTCY-26DEC31:no", "bitcoin-close-above-100000-dec-31-2026"),
    }
    scores = {p.a.yes_id: p.score for p in result.pairs}
    assert scores[MARS_YES] == 100.0  # the exact pair
    assert 80 <= scores[WHITMER_YES] < 100  # the paraphrase
    assert {d.market_id for d in result.unmatched_a} == {
        SMITH_CONDITION,
        UP_DOWN_CONDITION,
        "0xfed",
    }
    assert {d.market_id for d in result.unmatched_b} == {"KXCOLONIZEMARS-50", "KXFEDCUT-26MAR"}
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs), reverse=True)


def test_end_dates_ten_days_apart_drop_the_pair_unless_kept(snap):
    found = read_markets(snap)
    dropped = suggest_pairs(found)
    assert FED_YES not in _pairs(dropped) and dropped.dropped_by_date == 1
    kept = suggest_pairs(found, keep_date_mismatch=True)
    fed = next(p for p in kept.pairs if p.a.yes_id == FED_YES)
    assert fed.b.no_id == "kalshi:KXFEDCUT-26MAR:no" and kept.dropped_by_date == 0
    assert fed.days_apart == pytest.approx(10.0)
    assert (
        "dates: end dates 10.0 days apart (polymarket endDate 2026-03-18T18:00:00Z,"
        " kalshi close_time 2026-03-28T18:00:00Z)"
    ) in fed.warnings
    widened = suggest_pairs(found, max_days=10.5)
    assert FED_YES in _pairs(widened)
    assert not any(w.startswith("dates:") for p in widened.pairs for w in p.warnings)


def test_different_resolution_sources_carry_a_warning_naming_the_fields(snap):
    result = suggest_pairs(read_markets(snap))
    warnings = {p.a.yes_id: p.warnings for p in result.pairs}
    assert warnings[BTC_YES][0] == (
        "sources: differ: polymarket resolutionSource https://www.binance.com/en/trade/BTC_USDT"
        " vs kalshi series settlement_sources https://www.cfbenchmarks.com/data/indices/BRTI"
    )
    assert warnings[MARS_YES] == ()  # neither names a source; the rules say the same


def test_rules_that_add_clauses_of_their_own_are_flagged(snap):
    result = suggest_pairs(read_markets(snap))
    whitmer = next(p for p in result.pairs if p.a.yes_id == WHITMER_YES)
    assert len(whitmer.warnings) == 1
    assert whitmer.warnings[0].startswith(
        "rules: polymarket description and kalshi rules_primary differ (similarity"
    )


@pytest.mark.parametrize(
    ("sources_a", "sources_b", "expected"),
    [
        (("https://www.bls.gov/cpi/",), ("https://bls.gov/cpi",), None),
        (("www.bls.gov/cpi",), ("https://bls.gov/cpi/",), None),
        (
            ("https://data.chain.link/streams/btc-usd",),
            ("data.chain.link/streams/eth-usd",),
            "sources: same site, other pages",
        ),
        (("https://www.bls.gov/cpi/",), ("https://fred.stlouisfed.org",), "sources: differ"),
        (("https://www.bls.gov/cpi/",), (), "sources: kalshi names no resolution source"),
        ((), ("CF Benchmarks",), "sources: polymarket names no resolution source"),
        (("CF Benchmarks",), ("cf benchmarks",), None),
        (("CF Benchmarks",), ("Coinbase",), "sources: differ"),
        ((), (), None),
    ],
)
def test_source_comparison(sources_a, sources_b, expected):
    a = _describe("polymarket", "a", "T", sources=sources_a, sources_field="resolutionSource")
    b = _describe("kalshi", "b", "T", sources=sources_b, sources_field="settlement_sources")
    found = [w for w in pair_warnings(a, b) if w.startswith("sources:")]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(expected)


def test_missing_dates_and_rules_are_warnings():
    a = _describe(
        "polymarket", "a", "T", "2026-01-01T00:00:00Z", rules="x", rules_field="description"
    )
    b = _describe("kalshi", "b", "T")
    assert pair_warnings(a, b) == [
        "dates: no end date on kalshi; check when each market ends",
        "rules: kalshi has no rules text; read polymarket description",
    ]


# ---- the core ----------------------------------------------------------------------------------
def test_titles_are_normalised_keeping_numbers_and_dates():
    assert normalise_title("Will BTC close above $100k on August 1st, 2026?") == (
        "btc close above 100000 aug 1 2026"
    )
    assert normalise_title("Bitcoin above $100,000 by Aug. 1 2026") == (
        "bitcoin above 100000 by aug 1 2026"
    )
    assert normalise_title("GDP growth above 2.5% in Q3?") == "gdp growth above 2.5 q3"


def test_conflicting_numbers_or_months_are_never_paired():
    assert facts_conflict(normalise_title("before 2050"), normalise_title("before 2030"))
    assert facts_conflict(
        normalise_title("cut in March 2026"), normalise_title("cut in April 2026")
    )
    assert not facts_conflict(normalise_title("by Aug 1, 2099"), normalise_title("in 2099"))
    a = [_describe("polymarket", "a", "Will humans colonize Mars before 2030?")]
    b = [_describe("kalshi", "b", "Will humans colonize Mars before 2050?")]
    assert similarity(normalise_title(a[0].title), normalise_title(b[0].title)) > 90
    assert match_markets(a, b).pairs == ()


def test_a_title_inside_a_longer_one_scores_below_the_default():
    a, b = normalise_title("Will Trump win?"), normalise_title("Will Trump win Pennsylvania?")
    assert similarity(a, b) < 80


def test_assignment_is_one_to_one_best_first_with_ties_broken_by_ids():
    side_a = [_describe("polymarket", m, "Will it rain in Paris on May 1, 2026?") for m in "yx"]
    side_b = [
        _describe("kalshi", "K2", "Will it rain in Paris on May 1, 2026?"),
        _describe("kalshi", "K1", "Will it rain in Paris on May 1 2026?"),
        _describe("kalshi", "K3", "Rain in Paris May 1, 2026"),
    ]
    result = match_markets(side_a, side_b)
    assert [(p.a.market_id, p.b.market_id) for p in result.pairs] == [("x", "K1"), ("y", "K2")]
    assert [p.id for p in result.pairs] == ["rain-paris-may-1-2026", "rain-paris-may-1-2026-k2"]
    assert [d.market_id for d in result.unmatched_b] == ["K3"]
    assert match_markets(list(reversed(side_a)), list(reversed(side_b))).pairs == result.pairs


def test_min_score_is_a_floor():
    a = [_describe("polymarket", "a", "Will Gretchen Whitmer win the 2028 Democratic nomination?")]
    b = [_describe("kalshi", "b", "Gretchen Whitmer 2028 Democratic presidential nominee?")]
    score = match_markets(a, b, min_score=0).pairs[0].score
    assert match_markets(a, b, min_score=score).pairs
    assert not match_markets(a, b, min_score=score + 0.1).pairs


def test_slugs_are_ascii_and_short():
    assert slug("Élection présidentielle 2027: Macron?") == "election-presidentielle-2027-macron"
    assert len(slug("word " * 40)) <= 60 and not slug("word " * 40).endswith("-")
    assert slug("???") == "pair"


# ---- output ------------------------------------------------------------------------------------
def test_the_json_report_has_the_issue_shape(snap):
    report = match_report(suggest_pairs(read_markets(snap), keep_date_mismatch=True))
    assert set(report) == {"pairs", "unmatched"}
    assert report["unmatched"] == {"polymarket": 2, "kalshi": 1, "dropped_by_date": 0}
    keys = {"id", "score", "yes_a", "no_b", "title_a", "title_b", "end_a", "end_b"}
    for entry in report["pairs"]:
        assert set(entry) == keys | {"days_apart", "warnings"}
    mars = next(e for e in report["pairs"] if e["yes_a"] == MARS_YES)
    assert mars["end_a"] == mars["end_b"] == "2099-08-01T04:59:00Z"
    assert mars["days_apart"] == 0.0
    json.dumps(report)  # JSON-ready


def test_pairs_toml_round_trips_through_the_scan_snapshot_loader(snap):
    result = suggest_pairs(read_markets(snap), keep_date_mismatch=True)
    text = pairs_toml(result, 'min score 80; a "quoted" \\ setting')
    assert text.startswith("# Cross-venue pairs SUGGESTED by `pythia match`")
    assert "NOT CONFIRMED" in text
    (snap / "pairs.toml").write_text(text)
    snapshot = load_snapshot(snap)
    assert [p for p in snapshot.problems if p.file == "pairs.toml"] == []
    loaded = {(p.id, p.yes_a, p.no_b) for p in snapshot.pairs}
    assert loaded == {(p.id, p.a.yes_id, p.b.no_id) for p in result.pairs}
    for pair in snapshot.pairs:  # the ids name instruments the scan knows
        assert pair.yes_a in snapshot.instruments and pair.no_b in snapshot.instruments
    notes = {p.id: p.note for p in snapshot.pairs}
    fed = next(p for p in result.pairs if p.a.yes_id == FED_YES)
    assert notes[fed.id].startswith("suggested by pythia match, score 100.0, unconfirmed")
    assert "dates: end dates 10.0 days apart" in notes[fed.id]


def test_pairs_toml_escapes_what_toml_needs():
    weird = 'He said "yes" \\ no\x7f\tand\nmore'
    a = replace(_describe("polymarket", "a", weird), yes_id=weird)
    b = _describe("kalshi", "b", weird)
    result = match_markets([a], [b])
    parsed = tomllib.loads(pairs_toml(result, "x"))
    assert parsed["pair"][0]["yes_a"] == weird


# ---- candidate dependencies ---------------------------------------------------------------------
def test_dependency_candidates_are_similar_titles_ending_close_together():
    from pythia.service.match_dependencies import dependencies_toml, dependency_candidates
    from pythia.strategy.arbitrage.combinatorial import load_dependencies

    markets = [
        _describe(
            "polymarket",
            "nom",
            "Will Gavin Newsom win the 2028 Democratic nomination?",
            "2028-08-20T00:00:00Z",
        ),
        _describe(
            "kalshi",
            "PRES",
            "Will Gavin Newsom win the 2028 presidential election?",
            "2028-11-07T00:00:00Z",
        ),
        _describe(
            "kalshi", "CA", "Will Gavin Newsom win California in 2028?", "2028-11-07T00:00:00Z"
        ),
        _describe("polymarket", "btc", "Will Bitcoin reach $200k in 2028?", "2028-12-31T00:00:00Z"),
        _describe(
            "polymarket", "btc2", "Will Bitcoin reach $300k in 2028?", "2028-12-31T00:00:00Z"
        ),
    ]
    found = dependency_candidates(markets, min_score=55, max_days=100)
    pairs = {frozenset((c.a.market_id, c.b.market_id)) for c in found}
    assert frozenset(("nom", "PRES")) in pairs  # similar, 79 days apart
    assert frozenset(("PRES", "CA")) in pairs
    assert frozenset(("btc", "btc2")) not in pairs  # numbers conflict: different questions
    assert not any("btc" in p and "nom" in p for p in pairs)
    close = dependency_candidates(markets, min_score=55, max_days=10)
    assert frozenset(("nom", "PRES")) not in {
        frozenset((c.a.market_id, c.b.market_id)) for c in close
    }
    text = dependencies_toml(found, "--snapshot x")
    assert "UNCONFIRMED" in text and '# kind = "implies"' in text
    doc = load_dependencies_text(text, load_dependencies)
    assert {s for s in doc.ids} >= {"kalshi:PRES:yes", "polymarket:nom:yes"}
    assert doc.constraints == ()  # nothing is asserted until a person uncomments it


def load_dependencies_text(text: str, loader):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deps.toml"
        path.write_text(text)
        return loader(path)


def test_match_dependencies_cli_writes_a_file_to_review(snap, tmp_path):
    from typer.testing import CliRunner

    from pythia.cli.main import app

    out = tmp_path / "deps.toml"
    result = CliRunner().invoke(
        app,
        [
            "match",
            "--snapshot",
            str(snap),
            "--dependencies",
            "--min-score",
            "50",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Candidate dependencies")
