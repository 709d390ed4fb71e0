"""The Polymarket capture reader: file layouts, dispatch, instruments and rejects."""

import json
from collections import Counter
from pathlib import Path

import pytest

from pythia.book import book_for
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    Resolution,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import GroupKind, OutcomeGroup, OutcomeToken
from pythia.ports.market_data import MarketDataSource
from pythia.venues import read_capture as read_venue_capture
from pythia.venues.polymarket.capture import PolymarketCapture, read_capture

DATA = Path(__file__).resolve().parents[2] / "data" / "polymarket"
NO_TRUMP = (
    "polymarket:48331043336612883890938759509493159234755048973500640148014422747788308965732"
)
MS = 1_000_000


def compact(name: str) -> str:
    """A recorded message on one line."""
    return json.dumps(json.loads((DATA / name).read_text()))


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reader_is_a_market_data_source_through_the_venue_registry():
    source = read_venue_capture("polymarket", [DATA / "rest_book.json"])

    assert isinstance(source, PolymarketCapture)
    assert isinstance(source, MarketDataSource)


def test_every_recorded_file_together():
    source = read_capture(sorted(DATA.glob("*.json")))

    counts = Counter(type(event).__name__ for event in source.events())

    assert counts == {
        "InstrumentDefinition": 310,  # CLOB 3, page 99 x 3, Gamma event 7, Gamma market 3
        "Trade": 6,  # last_trade_price 1, ws_trades 1, Data API 4
        "BookSnapshot": 2,
        "BookDelta": 2,
        "TopOfBook": 1,
        "TickSizeChange": 1,
        "Resolution": 1,
    }
    assert source.rejects.total == 1  # the CLOB page market without token ids
    assert "missing or repeated token ids" in source.rejects.examples[0][1]
    assert source.skipped == {
        "UserOrder": 2,
        "TradeRecord": 1,
        "FeeRateResponse": 1,
        "SignedOrder": 1,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rest_book.json", [BookSnapshot]),
        ("ws_book_trump2024.json", [BookSnapshot]),
        ("ws_price_change.json", [BookDelta, TopOfBook]),
        ("ws_price_change_legacy.json", [BookDelta]),
        ("ws_last_trade_price.json", [Trade]),
        ("ws_tick_size_change.json", [TickSizeChange]),
        ("ws_market_resolved_synthetic_ids.json", [Resolution]),
        ("ws_trades.json", [Trade]),
        ("data_api_trades.json", [Trade] * 4),
        ("gamma_market.json", [InstrumentDefinition] * 3),
        ("gamma_event_negrisk.json", [InstrumentDefinition] * 7),
        ("clob_market_negrisk.json", [InstrumentDefinition] * 3),
        ("ws_user_trade.json", []),
        ("ws_user_order_placement.json", []),
        ("ws_user_order_cancel.json", []),
        ("http_signed_order.json", []),
        ("clob_fee_rate_nonzero.json", []),
    ],
)
def test_each_recorded_file_dispatches(name, expected):
    source = read_capture([DATA / name])

    events = list(source.events())

    assert [type(event) for event in events] == expected
    assert source.rejects.total == 0


def test_json_lines_with_bad_lines_are_counted_and_the_rest_comes_through(tmp_path):
    bad_size = json.loads(compact("ws_price_change.json"))
    bad_size["price_changes"][0]["size"] = "NaN"
    negative = json.loads(compact("ws_last_trade_price.json")) | {"size": "-1"}
    off_grid = json.loads(compact("ws_last_trade_price.json")) | {"price": "0.49123"}
    path = write(
        tmp_path,
        "stream.jsonl",
        [
            compact("ws_book_trump2024.json"),
            '{"event_type": "book", "asset_id": ',
            json.dumps(bad_size),
            json.dumps(negative),
            json.dumps(off_grid),
            '{"event_type": "mystery", "asset_id": "1"}',
            "",
            compact("ws_price_change_legacy.json"),
            compact("ws_last_trade_price.json"),
        ],
    )
    source = read_capture([path])

    events = list(source.events())

    assert [type(event) for event in events] == [BookSnapshot, BookDelta, Trade]
    assert source.rejects.by_reason == {"malformed": 1, "invalid": 4}
    assert source.rejects.examples[0][1].startswith("stream.jsonl:2")
    assert "unknown event_type 'mystery'" in source.rejects.examples[-1][1]


def test_json_lines_with_a_malformed_first_line(tmp_path):
    path = write(tmp_path, "stream.jsonl", ["{oops", compact("ws_last_trade_price.json")])
    source = read_capture([path])

    events = list(source.events())

    assert [type(event) for event in events] == [Trade]
    assert source.rejects.by_reason == {"malformed": 1}


def test_array_of_messages_in_one_line(tmp_path):
    frame = f"[{compact('ws_book_trump2024.json')}, {compact('ws_price_change_legacy.json')}]"
    source = read_capture([write(tmp_path, "frames.jsonl", [frame])])

    events = list(source.events())

    assert [type(event) for event in events] == [BookSnapshot, BookDelta]


def test_receive_time_prefix(tmp_path):
    line = f"1723967931500000123 {compact('ws_price_change_legacy.json')}"
    source = read_capture([write(tmp_path, "stamped.jsonl", [line])])

    (delta,) = list(source.events())

    assert delta.ts_event_ns == 1723967931411 * MS
    assert delta.ts_recv_ns == 1723967931500000123


def test_truncated_json_document_is_one_reject(tmp_path):
    text = (DATA / "rest_book.json").read_text()
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) // 2])
    source = read_capture([path])

    events = list(source.events())

    assert events == []
    assert source.rejects.by_reason == {"malformed": 1}


def test_new_market_is_skipped_not_rejected(tmp_path):
    line = json.dumps({"event_type": "new_market", "id": "1", "assets_ids": ["1", "2"]})
    source = read_capture([write(tmp_path, "new.jsonl", [line])])

    assert list(source.events()) == []
    assert source.rejects.total == 0
    assert source.skipped == {"new_market": 1}


def test_definitions_are_registered_and_emitted_at_the_last_event_time():
    source = read_capture([DATA / "ws_price_change_legacy.json", DATA / "clob_market_negrisk.json"])

    events = list(source.events())

    definitions = [e for e in events if isinstance(e, InstrumentDefinition)]
    assert [type(d.definition) for d in definitions] == [OutcomeToken, OutcomeToken, OutcomeGroup]
    assert all(d.ts_event_ns == d.ts_recv_ns == 1723967931411 * MS for d in definitions)
    no_token = source.instrument(NO_TRUMP)
    assert (no_token.outcome, no_token.tick) == ("No", 10)
    group = source.instrument(definitions[2].definition.id)
    assert group.kind is GroupKind.BINARY


def test_gamma_event_registers_the_neg_risk_group():
    source = read_capture([DATA / "gamma_event_negrisk.json"])

    list(source.events())

    groups = [i for i in source.instruments() if isinstance(i, OutcomeGroup)]
    assert sorted(g.kind.value for g in groups) == ["binary", "binary", "neg_risk"]


def test_token_seen_only_in_market_data_is_provisional_with_the_finest_tick():
    source = read_capture([DATA / "ws_book_trump2024.json"])
    (snapshot,) = list(source.events())
    token = source.instrument(NO_TRUMP)
    book = book_for(token)

    book.apply_snapshot(snapshot)

    assert (token.tick, token.min_size, token.market_id) == (
        1,
        10_000,
        "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917",
    )
    assert book.best_bid() == (5110, 1_304_720_000)
    assert book.best_ask() == (5140, 20_230_870_000)


def test_definition_read_first_is_kept_by_later_market_data():
    source = read_capture([DATA / "clob_market_negrisk.json", DATA / "ws_book_trump2024.json"])

    list(source.events())

    assert source.instrument(NO_TRUMP).tick == 10


def test_rest_book_with_tick_size_registers_its_token(tmp_path):
    book_json = json.loads(compact("rest_book.json")) | {"tick_size": "0.01", "min_order_size": "5"}
    source = read_capture([write(tmp_path, "book.json", [json.dumps(book_json)])])

    list(source.events())

    token = source.instrument(f"polymarket:{book_json['asset_id']}")
    assert (token.tick, token.min_size) == (100, 5_000_000)


def test_tick_size_change_updates_the_registered_token(tmp_path):
    change = json.loads(compact("ws_tick_size_change.json"))
    book = json.loads(compact("rest_book.json")) | {"tick_size": "0.01"}
    book["asset_id"] = change["asset_id"]
    lines = [json.dumps(book), json.dumps(change)]
    source = read_capture([write(tmp_path, "ticks.jsonl", lines)])

    list(source.events())

    assert source.instrument(f"polymarket:{change['asset_id']}").tick == 10
