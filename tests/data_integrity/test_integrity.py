"""The book integrity check on the bundled real Binance captures (expected figures from the
issue: ETHUSDT all consistent; BTCUSDT has one gap after the snapshot)."""

import json

from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.integrity import IntegrityChecker
from pythia.model.events import BookDelta, BookSnapshot, TopOfBook
from pythia.model.instruments import InstrumentKind, OutcomeToken, PriceSpace, probability_scheme
from pythia.venues import read_capture
from pythia.venues.binance.sync import SpotDepthSync


def check(files):
    source = read_capture("binance", files)
    checker = IntegrityChecker(
        source.instruments(), lambda _: SpotDepthSync(), lookup=source.instrument
    )
    return checker.run(source.events())


def test_ethusdt_rebuilds_exactly(binance_eth_files):
    report = check(binance_eth_files)
    assert report.synced
    assert report.checked >= 2500
    assert report.mismatched == 0
    assert report.gaps == 0


def test_btcusdt_two_days_reports_the_gap_and_recovers(binance_btc_files):
    report = check(binance_btc_files)
    assert report.synced
    assert report.gaps == 1
    gap = report.gap_details[0]
    assert gap["after_update_id"] == 50093239218
    assert gap["first_update_id"] > 50093239218 + 1
    assert report.checked >= 5000
    assert report.mismatched <= 5
    assert len(report.mismatches) == report.mismatched
    assert all("last_update_id" in m and "reference_update_id" in m for m in report.mismatches)
    assert report.stale_levels_dropped >= 1


def test_capture_without_snapshot_never_syncs(binance_btc_files):
    report = check(binance_btc_files[1:])  # the second day has no snapshot
    assert not report.synced
    assert report.checked == 0
    assert report.unsynced_deltas > 0


def token():
    return OutcomeToken(
        id="pm:yes",
        venue="test",
        symbol="yes",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=6,
        ticks=probability_scheme(100, 4),
        min_size=1,
        quote_currency="USDC",
        bounded=True,
    )


def test_unsequenced_references_compare_prices_at_once():
    events = [
        BookSnapshot("pm:yes", ((4800, 10),), ((5200, 10),), 1, 1),
        BookDelta("pm:yes", ((4900, 5),), (), 2, 2),
        TopOfBook("pm:yes", 4900, None, 5200, None, 2, 2),
        BookDelta("pm:yes", (), ((5100, 5),), 3, 3),
        TopOfBook("pm:yes", 4900, None, 5200, None, 3, 3),  # stale reference: mismatch
    ]
    report = IntegrityChecker([token()]).run(events)
    assert report.checked == 2
    assert report.mismatched == 1
    assert report.mismatches[0]["actual"] == [4900, 5, 5100, 5]


def test_cli_check_json(binance_eth_files):
    result = CliRunner().invoke(
        app, ["data", "check", "binance", *map(str, binance_eth_files), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["mismatched"] == 0 and payload["synced"] is True
    assert {"checked", "mismatched", "gaps", "synced", "mismatches"} <= set(payload)


def test_cli_check_unknown_venue_fails_cleanly(binance_eth_files):
    result = CliRunner().invoke(app, ["data", "check", "nasdaq", str(binance_eth_files[0])])
    assert result.exit_code == 1
    assert "unknown venue" in result.output


def test_cli_check_defaults_to_the_bundled_btcusdt_stream():
    result = CliRunner().invoke(app, ["data", "check", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["gaps"] == 1 and payload["checked"] >= 5000 and payload["mismatched"] <= 5


def test_bids_only_books_compare_against_the_complement_derived_ask():
    yes = OutcomeToken(
        id="k:yes",
        venue="test",
        symbol="yes",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=2,
        ticks=probability_scheme(100, 4),
        min_size=1,
        quote_currency="USD",
        bounded=True,
        complement_id="k:no",
        price_space=PriceSpace.PROBABILITY,
    )
    no = OutcomeToken(
        id="k:no",
        venue="test",
        symbol="no",
        kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4,
        size_decimals=2,
        ticks=probability_scheme(100, 4),
        min_size=1,
        quote_currency="USD",
        bounded=True,
        complement_id="k:yes",
        price_space=PriceSpace.PROBABILITY,
    )
    events = [
        BookSnapshot("k:yes", ((4200, 1300),), (), 1, 1),
        BookSnapshot("k:no", ((5600, 700),), (), 1, 1),
        TopOfBook("k:yes", 4200, 1300, 4400, 700, 2, 2),  # ask = 1 - best NO bid
        TopOfBook("k:yes", 4200, 1300, 4500, 700, 3, 3),  # wrong: a mismatch
    ]
    report = IntegrityChecker([yes, no]).run(events)
    assert report.checked == 2
    assert report.mismatched == 1
