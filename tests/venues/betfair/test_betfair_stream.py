"""StreamParser on small hand-written messages (synthetic, shaped like the recorded ones)."""

import json

import pytest

from pythia.core.errors import DataError
from pythia.model.enums import MarketState
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketStatus,
    Resolution,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.venues.betfair.stream import BookSource, LastTraded, StreamParser

MARKET = "1.500"
A, B, C = "betfair:1.500:11", "betfair:1.500:22", "betfair:1.500:33"


def definition(status="OPEN", runners=None, in_play=False, **extra):
    runners = runners or {11: "ACTIVE", 22: "ACTIVE", 33: "ACTIVE"}
    return {
        "status": status,
        "inPlay": in_play,
        "marketType": "WIN",
        "numberOfWinners": 1,
        "runners": [
            {"id": sid, "status": st, "sortPriority": i + 1}
            for i, (sid, st) in enumerate(runners.items())
        ],
        **extra,
    }


def message(pt, *, rc=None, md=None, img=False, market=MARKET):
    change = {"id": market}
    if md is not None:
        change["marketDefinition"] = md
    if rc is not None:
        change["rc"] = rc
    if img:
        change["img"] = True
    return json.dumps({"op": "mcm", "clk": "AA", "pt": pt, "mc": [change]})


def of(kind, events):
    return [event for event in events if isinstance(event, kind)]


@pytest.fixture
def parser():
    parser = StreamParser()
    parser.parse(
        message(
            1000,
            md=definition(),
            img=True,
            rc=[
                {"id": 11, "atb": [[2.5, 10]], "atl": [[2.6, 4]], "trd": [[2.5, 100]]},
                {"id": 22, "atb": [[4, 3]], "atl": [[4.2, 0]]},
            ],
        )
    )
    return parser


def test_image_defines_instruments_and_snapshots_every_runner():
    events = StreamParser().parse(
        message(
            1000, md=definition(), img=True, rc=[{"id": 11, "atb": [[2.5, 10]], "atl": [[2.6, 4]]}]
        )
    )

    tokens = [e.definition for e in of(InstrumentDefinition, events)]
    assert [t.id for t in tokens] == [A, B, C, "betfair:1.500"]
    group = tokens[-1]
    assert isinstance(group, OutcomeGroup) and group.kind is GroupKind.WIN
    assert group.instrument_ids == (A, B, C) and group.number_of_winners == 1
    assert of(MarketStatus, events) == [MarketStatus(MARKET, MarketState.OPEN, 10**9, 10**9)]
    assert of(BookSnapshot, events) == [
        BookSnapshot(A, ((250, 1000),), ((260, 400),), 10**9, 10**9),
        BookSnapshot(B, (), (), 10**9, 10**9),
        BookSnapshot(C, (), (), 10**9, 10**9),
    ]


def test_image_drops_zero_sizes_and_sets_trade_baseline(parser):
    assert parser.markets[MARKET].source is BookSource.FULL
    events = parser.parse(message(2000, rc=[{"id": 11, "trd": [[2.5, 100]]}]))

    assert events == []


def test_delta_maps_atb_to_bids_and_atl_to_asks(parser):
    events = parser.parse(
        message(2000, rc=[{"id": 22, "atb": [[4, 0], [3.95, 7.5]], "atl": [[4.3, 2]]}])
    )

    assert events == [BookDelta(B, ((400, 0), (395, 750)), ((430, 200),), 2 * 10**9, 2 * 10**9)]


def test_traded_volume_rise_becomes_a_trade_before_the_book_delta(parser):
    events = parser.parse(
        message(
            2500,
            rc=[
                {
                    "id": 11,
                    "atl": [[2.6, 1.5]],
                    "trd": [[2.5, 100], [2.6, 2.5]],
                    "ltp": 2.6,
                    "tv": 102.5,
                }
            ],
        )
    )

    ts = 2500 * 10**6
    assert events == [
        Trade(A, 260, 250, None, "1.500:11:2500:2.6", ts, ts),
        BookDelta(A, (), ((260, 150),), ts, ts),
    ]
    assert parser.last_traded[A] == LastTraded(260, 10250, ts)


def test_trade_volume_decrease_lowers_the_baseline_without_a_trade(parser):
    corrected = parser.parse(message(3000, rc=[{"id": 11, "trd": [[2.5, 99.9]]}]))
    events = parser.parse(message(4000, rc=[{"id": 11, "trd": [[2.5, 101]]}]))

    assert corrected == []
    assert [(e.price, e.size) for e in of(Trade, events)] == [(250, 110)]


def test_reimage_reports_volume_traded_since_the_last_known(parser):
    events = parser.parse(
        message(5000, img=True, rc=[{"id": 11, "trd": [[2.5, 120]], "atb": [[2.4, 1]]}])
    )

    assert [(e.instrument_id, e.size) for e in of(Trade, events)] == [(A, 2000)]
    assert [(e.instrument_id, e.bids) for e in of(BookSnapshot, events)] == [
        (A, ((240, 100),)),
        (B, ()),
        (C, ()),
    ]


def test_first_trd_of_a_runner_missing_from_the_image_is_new_volume(parser):
    events = parser.parse(message(6000, rc=[{"id": 33, "trd": [[6.2, 3]]}]))

    assert [(e.instrument_id, e.price, e.size) for e in of(Trade, events)] == [(C, 620, 300)]


def test_status_changes_are_reported_once(parser):
    same = parser.parse(message(2000, md=definition()))
    suspended = parser.parse(message(3000, md=definition("SUSPENDED")))
    in_play = parser.parse(message(4000, md=definition("OPEN", in_play=True)))

    assert same == []
    assert [(e.state, e.in_play) for e in suspended] == [(MarketState.SUSPENDED, False)]
    assert [(e.state, e.in_play) for e in in_play] == [(MarketState.OPEN, True)]


def test_removed_runner_is_closed_emptied_and_reported_as_removed(parser):
    removal = parser.parse(
        message(2000, md=definition(runners={11: "ACTIVE", 22: "REMOVED", 33: "ACTIVE"}))
    )
    closed = parser.parse(
        message(9000, md=definition("CLOSED", runners={11: "WINNER", 22: "REMOVED", 33: "LOSER"}))
    )
    again = parser.parse(
        message(
            9500,
            md=definition(
                "CLOSED",
                runners={11: "WINNER", 22: "REMOVED", 33: "LOSER"},
                settledTime="2022-04-19T18:29:41.000Z",
            ),
        )
    )

    ts = 2000 * 10**6
    assert removal == [
        MarketStatus(MARKET, MarketState.CLOSED, ts, ts, instrument_id=B),
        BookSnapshot(B, (), (), ts, ts),
    ]
    assert of(Resolution, closed) == [Resolution(MARKET, (A,), (C,), 9 * 10**9, 9 * 10**9, (B,))]
    assert of(Resolution, again) == []


def test_closed_without_results_waits_for_the_settled_definition(parser):
    closed = parser.parse(message(8000, md=definition("CLOSED")))
    settled = parser.parse(
        message(9000, md=definition("CLOSED", runners={11: "LOSER", 22: "WINNER", 33: "LOSER"}))
    )

    assert of(Resolution, closed) == []
    assert [(r.winners, r.losers) for r in of(Resolution, settled)] == [((B,), (A, C))]


def test_adjustment_factor_and_removal_date_are_kept_for_settlement(parser):
    md = definition(runners={11: "ACTIVE", 22: "REMOVED", 33: "ACTIVE"})
    md["runners"][1].update(adjustmentFactor=23.5, removalDate="2022-04-19T18:00:00.000Z")

    parser.parse(message(2000, md=md))

    info = parser.runners[B]
    assert (str(info.adjustment_factor), info.removal_date) == ("23.5", "2022-04-19T18:00:00.000Z")


def test_handicap_runners_get_their_own_instruments():
    md = definition(runners={1: "ACTIVE"})
    md["runners"] = [
        {"id": 1, "hc": -1.5, "status": "ACTIVE"},
        {"id": 1, "hc": 1.5, "status": "ACTIVE"},
    ]

    events = StreamParser().parse(
        message(1, md=md, img=True, rc=[{"id": 1, "hc": -1.5, "atb": [[1.9, 5]]}])
    )

    assert [e.instrument_id for e in of(BookSnapshot, events)] == [
        "betfair:1.500:1:-1.5",
        "betfair:1.500:1:1.5",
    ]


def test_display_ladder_is_reported_as_top_of_book_when_it_changes(parser):
    first = parser.parse(
        message(
            2000, rc=[{"id": 11, "bdatb": [[0, 2.5, 12], [1, 2.48, 3]], "bdatl": [[0, 2.6, 4]]}]
        )
    )
    deeper_only = parser.parse(message(3000, rc=[{"id": 11, "bdatb": [[1, 2.46, 3]]}]))

    ts = 2000 * 10**6
    assert first == [TopOfBook(A, 250, 1200, 260, 400, ts, ts)]
    assert deeper_only == []


def test_best_offer_stream_builds_the_book_from_positions():
    parser = StreamParser()
    image = parser.parse(
        message(
            1,
            md=definition(),
            img=True,
            rc=[{"id": 11, "batb": [[0, 2.5, 10], [1, 2.48, 5]], "batl": [[0, 2.6, 4]]}],
        )
    )
    shift = parser.parse(
        message(2, rc=[{"id": 11, "batb": [[0, 2.52, 1], [1, 2.5, 10], [2, 2.48, 5]]}])
    )
    emptied = parser.parse(message(3, rc=[{"id": 11, "batl": [[0, 0, 0]]}]))

    assert parser.markets[MARKET].source is BookSource.BEST
    assert of(BookSnapshot, image)[0].bids == ((248, 500), (250, 1000))
    assert [(e.bids, e.asks) for e in shift] == [(((252, 100),), ())]
    assert [(e.bids, e.asks) for e in emptied] == [((), ((260, 0),))]


def test_bad_message_leaves_the_cache_unchanged(parser):
    bad = message(
        2000, md=definition("SUSPENDED"), rc=[{"id": 11, "trd": [[2.5, 150]], "atb": [[2.01, 1]]}]
    )

    with pytest.raises(DataError):
        parser.parse(bad)
    events = parser.parse(
        message(3000, md=definition("SUSPENDED"), rc=[{"id": 11, "trd": [[2.5, 150]]}])
    )

    assert [type(e).__name__ for e in events] == ["MarketStatus", "Trade"]
    assert of(Trade, events)[0].size == 5000


def test_runner_unknown_to_the_definition_is_defined_on_first_sight(parser):
    events = parser.parse(message(2000, rc=[{"id": 44, "atb": [[3, 1]]}]))

    assert [e.definition.id for e in of(InstrumentDefinition, events)] == ["betfair:1.500:44"]
    assert of(BookDelta, events)[0].instrument_id == "betfair:1.500:44"
