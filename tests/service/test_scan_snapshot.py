"""Loading scan snapshots: every part, bad files reported by name, halted markets, venues."""

import json
import shutil
from pathlib import Path

import pytest

from pythia.core.errors import ConfigError
from pythia.data import bundled
from pythia.data.synth_groups import SynthSpec
from pythia.data.synth_snapshot import write_snapshot
from pythia.service.scan import load_snapshot, parse_amount, run_scan

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def synth(tmp_path) -> tuple[Path, dict]:
    out = tmp_path / "snap"
    return out, write_snapshot(SynthSpec(7, (2, 4), seed=1), out)


def _problems(snapshot) -> set[tuple[str, str]]:
    return {(p.file, p.reason) for p in snapshot.problems}


def test_a_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such snapshot directory"):
        load_snapshot(tmp_path / "nope")
    with pytest.raises(ConfigError, match="not a snapshot directory"):
        load_snapshot(tmp_path)


def test_bad_files_are_reported_by_name_and_the_scan_goes_on(synth):
    out, truth = synth
    (out / "events" / "broken.json").write_text("{not json")
    (out / "events" / "other.json").write_text('{"foo": 1}')
    (out / "books" / "broken.json").write_text("[1, 2")
    (out / "books" / "bad_price.json").write_text(
        json.dumps({"asset_id": "1", "bids": [{"price": "abc", "size": "1"}], "asks": []})
    )
    (out / "pairs.toml").write_text('[[pair]]\nid = "p"\nyes_a = "polymarket:1"\n')
    (out / "venues.toml").write_text('[polymarket]\nfee_rat = "0.04"\n')
    (out / "kalshi").mkdir()
    (out / "kalshi" / "list.json").write_text("[]")
    snapshot = load_snapshot(out)
    assert _problems(snapshot) == {
        ("events/broken.json", "malformed"),
        ("events/other.json", "invalid_event"),
        ("books/broken.json", "malformed"),
        ("books/bad_price.json", "invalid_book"),
        ("pairs.toml", "invalid_pair"),
        ("venues.toml", "invalid_settings"),
        ("kalshi/list.json", "malformed"),
    }
    found = {(o["group_id"], o["kind"]) for o in run_scan(snapshot)["opportunities"]}
    assert found == {(o["group_id"], o["kind"]) for o in truth["opportunities"]}


def test_an_off_grid_or_repeated_book_is_reported(synth):
    out, _ = synth
    first = sorted((out / "books").glob("*.json"))[0]
    book = json.loads(first.read_text())
    (out / "books" / "zz_again.json").write_text(json.dumps(book))
    book["bids"][0]["price"] = "0.005"  # the market's tick is 0.01
    book["tick_size"] = "0.01"
    (out / "books" / "zz_off_grid.json").write_text(json.dumps(book))
    snapshot = load_snapshot(out)
    assert _problems(snapshot) == {
        ("books/zz_again.json", "duplicate_book"),
        ("books/zz_off_grid.json", "invalid_book"),
    }


def test_closed_markets_halt_their_market_and_group(synth):
    out, truth = synth
    plans = {e["event"]: e for e in truth["events"]}
    event_id = next(e for e, plan in plans.items() if plan["plan"] == "group_yes")
    path = out / "events" / f"{event_id}.json"
    event = json.loads(path.read_text())
    event["markets"][0]["closed"] = True
    path.write_text(json.dumps(event))
    result = run_scan(load_snapshot(out))
    halted = {(r["group"], r["reason"]) for r in result["rejected"]}
    assert (event_id, "halted") in halted
    assert (event["markets"][0]["conditionId"], "halted") in halted
    assert all(o["group"] != event_id for o in result["opportunities"])


def _kalshi_market(ticker: str, event: str) -> dict:
    return {
        "ticker": ticker,
        "event_ticker": event,
        "market_type": "binary",
        "status": "active",
        "price_level_structure": "linear_cent",
        "yes_sub_title": ticker,
    }


def test_kalshi_answers_in_both_shapes(tmp_path):
    kalshi = tmp_path / "kalshi"
    kalshi.mkdir()
    book = {
        "orderbook_fp": {"yes_dollars": [["0.4000", "10.00"]], "no_dollars": [["0.5500", "7.00"]]}
    }
    # one market with its book (SYNTHETIC values)
    (kalshi / "one.json").write_text(
        json.dumps({"market": _kalshi_market("SYN-ONE", "SYN-E1"), **book})
    )
    # a mutually exclusive event, books under request names (SYNTHETIC values)
    event = {
        "event": {"event_ticker": "SYN-E2", "mutually_exclusive": True},
        "markets": [_kalshi_market("SYN-A", "SYN-E2"), _kalshi_market("SYN-B", "SYN-E2")],
    }
    keyed = {
        "_note": "SYNTHETIC",
        "get_event_SYN-E2": event,
        "get_orderbook_SYN-A": {
            "orderbook_fp": {
                "yes_dollars": [["0.3000", "5.00"]],
                "no_dollars": [["0.6000", "5.00"]],
            }
        },
        "get_orderbook_SYN-B": {
            "orderbook_fp": {
                "yes_dollars": [["0.5000", "5.00"]],
                "no_dollars": [["0.4000", "5.00"]],
            }
        },
        "get_trades_SYN-A": {"trades": [], "cursor": ""},
    }
    (kalshi / "keyed.json").write_text(json.dumps(keyed))
    snapshot = load_snapshot(tmp_path)
    assert snapshot.problems == []
    assert set(snapshot.binaries) == {"kalshi:SYN-ONE", "kalshi:SYN-A", "kalshi:SYN-B"}
    assert len(snapshot.books) == 6
    result = run_scan(snapshot)
    assert ("SYN-E2", "not_exhaustive", "group_yes") in {
        (r["group"], r["reason"], r["kind"]) for r in result["rejected"]
    }
    # SYN-ONE: YES ask 1 - 0.55 = 0.45, NO ask 1 - 0.40 = 0.60: nothing to buy below 1
    assert result["opportunities"] == []


def test_the_real_kalshi_file_defines_its_markets(tmp_path):
    (tmp_path / "kalshi").mkdir()
    shutil.copy(DATA / "kalshi" / "kalshi_rest_responses.json", tmp_path / "kalshi")
    snapshot = load_snapshot(tmp_path)
    assert snapshot.problems == []
    assert {"kalshi:KXELONMARS-99", "kalshi:KXCOLONIZEMARS-50"} <= set(snapshot.binaries)
    assert set(snapshot.books) == {"kalshi:KXELONMARS-99:yes", "kalshi:KXELONMARS-99:no"}
    rejected = {(r["group"], r["reason"]) for r in run_scan(snapshot)["rejected"]}
    assert ("KXCOLONIZEMARS-50", "unsynced") in rejected  # listed, but no book recorded


def test_betfair_streams_replay_to_the_end(tmp_path):
    folder = tmp_path / "betfair"
    folder.mkdir()
    shutil.copy(bundled("betfair", "1.197931750"), folder)
    shutil.copy(bundled("betfair", "1.197931750.catalogue.json"), folder)
    snapshot = load_snapshot(tmp_path)
    assert snapshot.problems == []
    assert snapshot.loaded == {"betfair": 1}
    assert snapshot.commission_bps == {"betfair:1.197931750": 500}  # marketBaseRate 5
    result = run_scan(snapshot)
    assert result["rejected"] == [
        {
            "group": "1.197931750",
            "reason": "halted",
            "detail": "market closed",
            "kind": None,
            "group_id": "betfair:1.197931750",
        }
    ]


def test_an_open_betfair_market_is_scanned(tmp_path):
    folder = tmp_path / "betfair"
    folder.mkdir()
    lines = bundled("betfair", "1.197931750").read_text().splitlines()[:40]
    (folder / "1.197931750").write_text("\n".join(lines) + "\n")
    result = run_scan(load_snapshot(tmp_path))
    assert all(r["reason"] != "halted" for r in result["rejected"])
    assert {o["kind"] for o in result["opportunities"]} <= {"lay_all", "back_all"}


@pytest.mark.parametrize(
    ("text", "micros"), [("0", 0), ("12.5", 12_500_000), (" 0.000001 ", 1), (None, None)]
)
def test_amounts_are_parsed_exactly(text, micros):
    assert parse_amount(text, "--max-capital") == micros


@pytest.mark.parametrize("text", ["abc", "-1", "0.0000001", "1e3x"])
def test_bad_amounts_are_config_errors(text):
    with pytest.raises(ConfigError, match="--min-profit"):
        parse_amount(text, "--min-profit")
