"""Market definitions: Gamma markets and events, CLOB markets and pages, /book extras."""

from pathlib import Path

import pytest

from pythia.core.errors import DataError
from pythia.model.instruments import GroupKind, InstrumentKind, PriceSpace
from pythia.venues.polymarket import markets, wire

DATA = Path(__file__).resolve().parents[2] / "data" / "polymarket"
UP = "104239898038807136052399800151408521467737075933964991162589336683346093173875"
DOWN = "71183960810705820955071415844881728181970340514894896943812046065452395013351"
SMITH_YES = "60590045489347122735554346200880179420435533609307820342798544098823516727807"
SMITH_NO = "76005700027045000587004110133818166617024719626220722682005164003117993034812"
WHITMER_YES = "57761428076807364758801249497410455358987881775226117256631754592198558850468"
WHITMER_NO = "64300336035644500626313522990854070672468621241744347587785777226296613235598"
NEG_RISK_ID = "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700"


def raw(name: str):
    return wire.decode((DATA / name).read_bytes())


def message(name: str):
    return wire.to_wire(raw(name))


def gamma_event():
    return wire.to_wire(raw("gamma_event_negrisk.json")[0])


# ---- Gamma market ------------------------------------------------------------------------
def test_gamma_market_decodes_json_in_json_token_ids_and_outcomes():
    market = markets.parse_gamma_market(message("gamma_market.json"))

    up, down = market.tokens
    assert (up.id, down.id) == (f"polymarket:{UP}", f"polymarket:{DOWN}")
    assert (up.outcome, down.outcome) == ("Up", "Down")
    assert (up.complement_id, down.complement_id) == (down.id, up.id)


def test_gamma_market_token_rules():
    up = markets.parse_gamma_market(message("gamma_market.json")).tokens[0]

    condition_id = "0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b"
    assert up.market_id == condition_id
    assert up.group_id == f"polymarket:{condition_id}"
    assert (up.venue, up.kind, up.quote_currency) == (
        "polymarket",
        InstrumentKind.OUTCOME_TOKEN,
        "USDC",
    )
    assert (up.price_decimals, up.size_decimals) == (4, 6)
    assert (up.tick, up.price_min, up.price_max) == (100, 100, 9900)
    assert up.min_size == 5_000_000
    assert (up.bounded, up.price_space) == (True, PriceSpace.PROBABILITY)
    assert up.symbol == "btc-updown-5m-1773307200:Up"


def test_gamma_market_binary_group():
    group = markets.parse_gamma_market(message("gamma_market.json")).group

    assert group.kind is GroupKind.BINARY
    assert (
        group.id == "polymarket:0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b"
    )
    assert group.instrument_ids == (f"polymarket:{UP}", f"polymarket:{DOWN}")
    assert group.names == ("Up", "Down")
    assert group.title == "Bitcoin Up or Down - March 12, 5:20AM-5:25AM ET"


def test_gamma_outcome_prices_are_decoded_too():
    prices = markets.parse_gamma_prices(message("gamma_market.json"))

    assert prices == {f"polymarket:{UP}": 5050, f"polymarket:{DOWN}": 4950}


def test_gamma_market_without_tick_or_minimum_uses_defaults():
    market_json = raw("gamma_market.json")
    del market_json["orderPriceMinTickSize"], market_json["orderMinSize"]

    up = markets.parse_gamma_market(wire.to_wire(market_json)).tokens[0]

    assert (up.tick, up.min_size) == (100, 10_000)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("clobTokenIds", '["1", "2"', "not a JSON list"),
        ("clobTokenIds", '["1", "2", "3"]', "expected 2 tokens"),
        ("clobTokenIds", '["1", "1"]', "repeated token ids"),
        ("outcomes", "[1, 2]", "not a JSON list of strings"),
        ("orderPriceMinTickSize", 0.00001, "more than 4 decimals"),
        ("orderMinSize", -5, "negative"),
    ],
)
def test_bad_gamma_market_is_a_data_error(field, value, error):
    market_json = raw("gamma_market.json") | {field: value}

    with pytest.raises(DataError, match=error):
        markets.parse_gamma_market(wire.to_wire(market_json))


# ---- Gamma negRisk event -----------------------------------------------------------------
def test_gamma_event_neg_risk_group_over_yes_tokens():
    _, group = markets.parse_gamma_event(gamma_event())

    assert group.kind is GroupKind.NEG_RISK
    assert group.id == f"polymarket:{NEG_RISK_ID}"
    assert group.instrument_ids == (f"polymarket:{SMITH_YES}", f"polymarket:{WHITMER_YES}")
    assert group.names == ("Stephen A. Smith", "Gretchen Whitmer")
    assert group.augmented is True
    assert group.number_of_winners == 1
    assert group.title == "Democratic Presidential Nominee 2028"


def test_gamma_event_markets_and_token_groups():
    event_markets, _ = markets.parse_gamma_event(gamma_event())

    tokens = [token for market in event_markets for token in market.tokens]
    assert [t.id for t in tokens] == [
        f"polymarket:{i}" for i in (SMITH_YES, SMITH_NO, WHITMER_YES, WHITMER_NO)
    ]
    smith_condition = "0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47"
    assert tokens[0].group_id == f"polymarket:{NEG_RISK_ID}"
    assert tokens[1].group_id == f"polymarket:{smith_condition}"
    assert tokens[1].complement_id == f"polymarket:{SMITH_YES}"
    assert all(t.tick == 10 and t.min_size == 5_000_000 for t in tokens)
    assert [m.group.kind for m in event_markets] == [GroupKind.BINARY, GroupKind.BINARY]
    assert event_markets[0].group.id == f"polymarket:{smith_condition}"


def test_gamma_event_without_neg_risk_has_no_group():
    event_json = raw("gamma_event_negrisk.json")[0]
    event_json.update(negRisk=False, enableNegRisk=False)
    for market_json in event_json["markets"]:
        market_json["negRisk"] = False

    event_markets, group = markets.parse_gamma_event(wire.to_wire(event_json))

    assert group is None
    assert all(t.group_id == m.group.id for m in event_markets for t in m.tokens)


def test_neg_risk_gamma_market_alone_points_yes_at_the_event_group():
    market = markets.parse_gamma_market(gamma_event().markets[1])

    assert market.tokens[0].group_id == f"polymarket:{NEG_RISK_ID}"
    assert market.tokens[1].group_id == market.group.id


# ---- CLOB --------------------------------------------------------------------------------
def test_clob_market_neg_risk():
    market = markets.parse_clob_market(message("clob_market_negrisk.json"))

    yes, no = market.tokens
    assert yes.id == (
        "polymarket:21742633143463906290569050155826241533067272736897614950488156847949938836455"
    )
    assert (yes.outcome, no.outcome) == ("Yes", "No")
    assert (yes.tick, yes.min_size) == (10, 5_000_000)
    assert yes.group_id == (
        "polymarket:0xe3b1bc389210504ebcb9cffe4b0ed06ccac50561e0f24abb6379984cec030f00"
    )
    assert (
        no.group_id
        == market.group.id
        == ("polymarket:0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917")
    )
    assert yes.symbol == "will-donald-trump-win-the-2024-us-presidential-election:Yes"


def test_clob_markets_page():
    page = markets.parse_clob_markets_page(message("clob_markets_page.json"))

    assert page.next_cursor == "MTAw"
    assert len(page.markets) == 99
    assert page.skipped[0][0] == (
        "0x5374183ab5a2925fda4e7ac2db4848499458224ce2d73c16d3f248951c80746e"
    )
    assert len(page.skipped) == 1
    first = page.markets[0]
    assert first.tokens[0].id == (
        "polymarket:10715043962341292242163832255523703116280692082153281340642602592290195499485"
    )
    assert (first.tokens[0].tick, first.tokens[0].min_size) == (10, 5_000_000)
    assert first.group.title.startswith("[Single Market] Will Ron DeSantis")


def test_clob_markets_page_ticks_and_sizes():
    page = markets.parse_clob_markets_page(message("clob_markets_page.json"))

    ticks = sorted({m.tokens[0].tick for m in page.markets})
    sizes = {m.tokens[0].min_size for m in page.markets}
    assert ticks == [10, 100]
    assert {14_960_000, 14_970_000, 15_000_000, 5_000_000} <= sizes
    # 83 of the 100 recorded markets have tick 0.01; the skipped one is among them.
    assert sum(m.tokens[0].tick == 100 for m in page.markets) == 82


# ---- REST extras -------------------------------------------------------------------------
def test_book_info_absent_in_the_recorded_rest_book():
    info = markets.parse_book_info(message("rest_book.json"))

    assert (info.tick, info.min_size, info.neg_risk, info.last_trade_price) == (
        None,
        None,
        None,
        None,
    )
    assert markets.token_from_book(info) is None


def test_book_info_builds_and_updates_a_token():
    book_json = raw("rest_book.json") | {"tick_size": "0.001", "min_order_size": "5"}
    book_json |= {"neg_risk": True, "last_trade_price": "0.12"}
    info = markets.parse_book_info(wire.to_wire(book_json))

    token = markets.token_from_book(info)
    updated = markets.token_from_book(info, markets.with_tick(token, 100))

    assert (info.tick, info.min_size, info.neg_risk, info.last_trade_price) == (
        10,
        5_000_000,
        True,
        1200,
    )
    assert token.id == f"polymarket:{book_json['asset_id']}"
    assert (token.tick, token.min_size, token.market_id) == (10, 5_000_000, book_json["market"])
    assert (updated.tick, updated.id) == (10, token.id)


def test_tick_change_keeps_the_token_otherwise():
    token = markets.parse_clob_market(message("clob_market_negrisk.json")).tokens[0]

    changed = markets.with_tick(token, 100)

    assert (changed.tick, changed.price_min, changed.price_max) == (100, 100, 9900)
    assert (changed.id, changed.min_size, changed.group_id) == (
        token.id,
        token.min_size,
        token.group_id,
    )


def test_fee_rate():
    assert markets.parse_fee_rate(message("clob_fee_rate_nonzero.json")).base_fee_bps == 150


@pytest.mark.parametrize("value", ["1.5", "-3", "x"])
def test_bad_fee_rate_is_a_data_error(value):
    with pytest.raises(DataError):
        markets.parse_fee_rate(wire.FeeRateResponse(base_fee=value))
