"""The capture reader on the two recorded Betfair files, checked against the raw JSON."""

from __future__ import annotations

import bz2
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pythia.book import LadderBook, book_for
from pythia.book.views import BackLayView
from pythia.model.enums import MarketState
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketStatus,
    Resolution,
    Trade,
)
from pythia.model.instruments import GroupKind, OutcomeGroup, OutcomeToken
from pythia.ports.market_data import MarketDataSource
from pythia.venues import read_capture as read_any_capture
from pythia.venues.betfair import BetfairCaptureSource, StreamParser, read_capture
from pythia.venues.capture import open_lines

WIN_MARKET = "1.197931750"
MATCH_ODDS = "1.166564490"


# ---- an independent oracle over the raw JSON -------------------------------------------------
def raw_messages(path: Path) -> list[dict]:
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line, parse_float=Decimal) for line in handle if line.strip()]


def pennies(value) -> int:
    return int(Decimal(value) * 100)


class RawBooks:
    """Best back / lay per selection, replayed from the raw JSON with plain dicts."""

    def __init__(self) -> None:
        self.back: dict[int, dict] = defaultdict(dict)
        self.lay: dict[int, dict] = defaultdict(dict)

    def apply(self, message: dict) -> None:
        for change in message.get("mc", []):
            if change.get("img"):
                self.back.clear()
                self.lay.clear()
            for runner in change.get("rc", []):
                for field, ladder in (("atb", self.back), ("atl", self.lay)):
                    levels = ladder[runner["id"]]
                    for price, size in runner.get(field, []):
                        if size:
                            levels[price] = size
                        else:
                            levels.pop(price, None)

    def best(self, selection_id: int):
        back, lay = self.back.get(selection_id), self.lay.get(selection_id)
        best_back = max(back) if back else None
        best_lay = min(lay) if lay else None
        return (
            None if best_back is None else (pennies(best_back), pennies(back[best_back])),
            None if best_lay is None else (pennies(best_lay), pennies(lay[best_lay])),
        )


def raw_trade_volume(messages: list[dict]) -> dict[int, int]:
    """Sum of every rise of cumulative traded volume per selection, after the first image."""
    seen: dict[int, dict] = {}
    rises: dict[int, int] = defaultdict(int)
    for message in messages:
        for change in message.get("mc", []):
            for runner in change.get("rc", []):
                if "trd" not in runner:
                    continue
                first = runner["id"] not in seen
                volumes = seen.setdefault(runner["id"], {})
                for price, volume in runner["trd"]:
                    if not first and volume > volumes.get(price, 0):
                        rises[runner["id"]] += pennies(volume) - pennies(volumes.get(price, 0))
                    volumes[price] = volume
    return dict(rises)


# ---- helpers -------------------------------------------------------------------------------
def replay(reader: BetfairCaptureSource) -> tuple[list, dict[str, LadderBook]]:
    events, books = [], {}
    for event in reader.events():
        events.append(event)
        if isinstance(event, BookSnapshot | BookDelta):
            book = books.get(event.instrument_id)
            if book is None:
                book = books[event.instrument_id] = book_for(reader.instrument(event.instrument_id))
            if isinstance(event, BookSnapshot):
                book.apply_snapshot(event)
            else:
                book.apply_delta(event)
    return events, books


def of(kind, events):
    return [event for event in events if isinstance(event, kind)]


# ---- the WIN market ------------------------------------------------------------------------
def test_win_market_parses_with_zero_rejects(win_market_path):
    reader = read_capture([win_market_path])

    events = list(reader.events())

    assert reader.rejects.total == 0
    assert len(events) > 166


def test_win_market_defines_six_named_runners_and_a_one_winner_group(win_market_path):
    reader = read_capture([win_market_path])
    list(reader.events())

    tokens = [i for i in reader.instruments() if isinstance(i, OutcomeToken)]
    groups = [i for i in reader.instruments() if isinstance(i, OutcomeGroup)]
    assert [(t.id.rsplit(":", 1)[1], t.outcome) for t in tokens] == [
        ("44331354", "1. Paradise Mission"),
        ("37947503", "2. Sandwood Jet"),
        ("36276560", "3. Kirabilly Kathy"),
        ("42930960", "4. Gurtnacrehyblake"),
        ("40095374", "5. Castlehill Jil"),
        ("39823721", "6. Coolavanny Galiv"),
    ]
    assert len(groups) == 1
    group = groups[0]
    assert (group.id, group.kind, group.number_of_winners, group.title) == (
        "betfair:1.197931750",
        GroupKind.WIN,
        1,
        "OR 280m",
    )
    assert group.instrument_ids == tuple(t.id for t in tokens)


def test_win_market_definitions_are_emitted_once_each(win_market_path):
    events = list(read_capture([win_market_path]).events())

    assert len(of(InstrumentDefinition, events)) == 7


def test_win_market_status_goes_open_suspended_closed(win_market_path):
    events = list(read_capture([win_market_path]).events())

    statuses = [(e.state, e.in_play, e.ts_event_ns) for e in of(MarketStatus, events)]
    assert statuses == [
        (MarketState.OPEN, False, 1650392673420 * 10**6),
        (MarketState.SUSPENDED, False, 1650392838735 * 10**6),
        (MarketState.CLOSED, False, 1650392996470 * 10**6),
    ]


def test_win_market_resolves_once_with_the_winner_in_the_data(win_market_path):
    closing = [
        change["marketDefinition"]
        for message in raw_messages(win_market_path)
        for change in message["mc"]
        if change.get("marketDefinition", {}).get("status") == "CLOSED"
    ][-1]
    winner_ids = [r["id"] for r in closing["runners"] if r["status"] == "WINNER"]
    loser_ids = [r["id"] for r in closing["runners"] if r["status"] == "LOSER"]

    events = list(read_capture([win_market_path]).events())

    assert winner_ids == [37947503]
    assert of(Resolution, events) == [
        Resolution(
            WIN_MARKET,
            winners=("betfair:1.197931750:37947503",),
            losers=tuple(f"betfair:1.197931750:{sid}" for sid in loser_ids),
            ts_event_ns=1650392996470 * 10**6,
            ts_recv_ns=1650392996470 * 10**6,
        )
    ]
    assert isinstance(events[-1], Resolution)


def test_win_market_trades_add_up_to_the_rises_of_traded_volume(win_market_path):
    expected = {
        f"betfair:{WIN_MARKET}:{sid}": volume
        for sid, volume in raw_trade_volume(raw_messages(win_market_path)).items()
    }

    trades = of(Trade, read_capture([win_market_path]).events())

    totals: dict[str, int] = defaultdict(int)
    for trade in trades:
        totals[trade.instrument_id] += trade.size
    assert totals == expected
    # the favourite (39823721) traded from 2,115.65 to 18,581.20 after the image
    assert totals["betfair:1.197931750:39823721"] == 1858120 - 211565
    assert len({t.trade_id for t in trades}) == len(trades)


def test_win_market_keeps_last_traded_price_and_volume(win_market_path):
    reader = read_capture([win_market_path])
    list(reader.events())

    last = reader.last_traded["betfair:1.197931750:37947503"]
    # the raw file's last ltp and tv of selection 37947503
    raw = [
        (runner.get("ltp"), runner.get("tv"))
        for message in raw_messages(win_market_path)
        for change in message["mc"]
        for runner in change.get("rc", [])
        if runner["id"] == 37947503
    ]
    last_ltp = [ltp for ltp, _ in raw if ltp is not None][-1]
    last_tv = [tv for _, tv in raw if tv is not None][-1]
    assert (last.price, last.volume) == (pennies(last_ltp), pennies(last_tv))
    assert last.volume == 54740


# ---- both files against the raw oracle ------------------------------------------------------
@pytest.mark.parametrize("fixture", ["win_market_path", "match_odds_path"])
def test_books_match_the_raw_json_after_every_line(fixture, request):
    path = request.getfixturevalue(fixture)
    parser, oracle, books = StreamParser(), RawBooks(), {}
    instruments = {}
    for line, message in zip(open_lines(path), raw_messages(path), strict=True):
        for event in parser.parse(line):
            if isinstance(event, InstrumentDefinition):
                instruments[event.definition.id] = event.definition
            elif isinstance(event, BookSnapshot):
                books.setdefault(event.instrument_id, book_for(instruments[event.instrument_id]))
                books[event.instrument_id].apply_snapshot(event)
            elif isinstance(event, BookDelta):
                books[event.instrument_id].apply_delta(event)
        oracle.apply(message)

        for instrument_id, book in books.items():
            view = BackLayView(book)
            selection_id = int(instrument_id.rsplit(":", 1)[1])
            assert (view.best_back(), view.best_lay()) == oracle.best(selection_id)
            assert not book.is_crossed


@pytest.mark.parametrize("fixture", ["win_market_path", "match_odds_path"])
def test_replaying_every_event_into_ladder_books_never_crosses(fixture, request):
    reader = read_capture([request.getfixturevalue(fixture)])

    _, books = replay(reader)

    assert books and all(isinstance(book, LadderBook) for book in books.values())
    assert not any(book.is_crossed for book in books.values())
    assert sum(book.stale_levels_dropped for book in books.values()) == 0


def test_win_market_books_are_empty_after_the_close(win_market_path):
    _, books = replay(read_capture([win_market_path]))

    assert len(books) == 6
    assert all(book.is_empty for book in books.values())


# ---- the historical .bz2 MATCH_ODDS file --------------------------------------------------
def test_bz2_file_is_read_directly_with_zero_rejects(match_odds_path):
    reader = read_capture([match_odds_path])

    events, books = replay(reader)

    assert reader.rejects.total == 0
    assert {i.id for i in reader.instruments()} == {
        "betfair:1.166564490",
        "betfair:1.166564490:237491",
        "betfair:1.166564490:60424",
    }
    group = reader.instrument("betfair:1.166564490")
    assert (group.kind, group.number_of_winners, group.names) == (
        GroupKind.WIN,
        1,
        ("237491", "60424"),
    )
    assert of(Resolution, events) == []
    assert [e.state for e in of(MarketStatus, events)] == [MarketState.OPEN]


def test_bz2_final_back_and_lay_match_the_raw_json(match_odds_path):
    oracle = RawBooks()
    for message in raw_messages(match_odds_path):
        oracle.apply(message)

    _, books = replay(read_capture([match_odds_path]))

    home = BackLayView(books["betfair:1.166564490:60424"])
    away = BackLayView(books["betfair:1.166564490:237491"])
    assert (home.best_back(), home.best_lay()) == oracle.best(60424) == ((224, 8304), (228, 86094))
    assert (
        (away.best_back(), away.best_lay()) == oracle.best(237491) == ((178, 114646), (181, 62393))
    )


def test_bz2_trades_add_up_to_the_rises_of_traded_volume(match_odds_path):
    expected = {
        f"betfair:{MATCH_ODDS}:{sid}": volume
        for sid, volume in raw_trade_volume(raw_messages(match_odds_path)).items()
    }

    trades = of(Trade, read_capture([match_odds_path]).events())

    totals: dict[str, int] = defaultdict(int)
    for trade in trades:
        totals[trade.instrument_id] += trade.size
    assert totals == expected


# ---- catalogues, registry, repeatability ----------------------------------------------------
def test_without_a_catalogue_runners_are_named_by_selection_id(win_market_path, tmp_path):
    copy = tmp_path / WIN_MARKET
    shutil.copy(win_market_path, copy)
    reader = read_capture([copy])

    list(reader.events())

    assert reader.instrument("betfair:1.197931750:37947503").outcome == "37947503"
    assert reader.instrument("betfair:1.197931750").title == ""


def test_explicit_catalogue_path_names_the_runners(win_market_path, catalogue_path, tmp_path):
    copy = tmp_path / "stream.json"
    shutil.copy(win_market_path, copy)
    reader = BetfairCaptureSource([copy], catalogues=[catalogue_path])

    list(reader.events())

    assert reader.instrument("betfair:1.197931750:37947503").outcome == "2. Sandwood Jet"


def test_unreadable_catalogue_is_counted_and_names_fall_back(win_market_path, tmp_path):
    copy = tmp_path / WIN_MARKET
    shutil.copy(win_market_path, copy)
    (tmp_path / f"{WIN_MARKET}.catalogue.json").write_text("{not json")
    reader = read_capture([copy])

    events = list(reader.events())

    assert reader.rejects.by_reason == {"catalogue": 1}
    assert len(of(Resolution, events)) == 1
    assert reader.instrument("betfair:1.197931750:37947503").outcome == "37947503"


def test_venue_registry_returns_the_betfair_reader(win_market_path):
    reader = read_any_capture("betfair", [win_market_path])

    assert isinstance(reader, BetfairCaptureSource)
    assert isinstance(reader, MarketDataSource)


def test_each_replay_starts_from_scratch(win_market_path):
    reader = read_capture([win_market_path])

    first = list(reader.events())
    second = list(reader.events())

    assert first == second
    assert reader.rejects.total == 0


# ---- bad input ----------------------------------------------------------------------------
BAD_LINES = [
    '{"op":"mcm","pt":1650392673999,"mc":[{"id":"1.197931750"',  # truncated JSON
    '{"op":"mcm","pt":1650392674000,"mc":[{"id":"1.197931750","rc":[{"id":42930960,"atb":[[8.8,-5]]}]}]}',
    '{"op":"mcm","pt":1650392674000,"mc":[{"id":"1.197931750","rc":[{"id":42930960,"atl":[[2.01,3]]}]}]}',
    '{"op":"mcm","pt":1650392674000,"mc":[{"id":"1.197931750","rc":[{"id":42930960,"atb":[[NaN,3]]}]}]}',
    '{"op":"mcm","pt":1650392674000,"mc":[{"id":"1.197931750","rc":[{"id":42930960,"trd":[["NaN",3]]}]}]}',
]
IGNORED_LINES = [
    '{"op":"connection","connectionId":"002-051134157842-432409"}',
    '{"op":"status","id":1,"statusCode":"SUCCESS","connectionClosed":false}',
    '{"op":"mcm","id":1,"clk":"AAAAAAAA","pt":1650392674001,"ct":"HEARTBEAT"}',
]


def test_bad_lines_are_counted_and_the_rest_still_parses(win_market_path, catalogue_path, tmp_path):
    good = win_market_path.read_text().splitlines()
    mixed = tmp_path / WIN_MARKET
    mixed.write_text(
        "\n".join(IGNORED_LINES[:2] + good[:2] + BAD_LINES + IGNORED_LINES[2:] + good[2:]) + "\n"
    )
    shutil.copy(catalogue_path, tmp_path / catalogue_path.name)
    clean = list(read_capture([win_market_path]).events())
    reader = read_capture([mixed])

    events = list(reader.events())

    assert reader.rejects.total == 5
    assert reader.rejects.by_reason == {"malformed": 2, "invalid": 3}
    assert events == clean
