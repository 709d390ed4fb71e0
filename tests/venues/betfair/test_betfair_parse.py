from decimal import Decimal

import msgspec
import pytest

from pythia.core.errors import DataError
from pythia.model.enums import MarketState
from pythia.model.instruments import GroupKind, InstrumentKind, PriceSpace
from pythia.venues.betfair.ladder import BETFAIR_LADDER
from pythia.venues.betfair.parse import (
    MalformedMessage,
    convert_message,
    decode_message,
    definition_update,
    group_kind,
    market_state,
    ms_to_ns,
    position_levels,
    price_levels,
    runner_key,
    runner_token,
    stake_to_units,
)
from pythia.venues.betfair.wire import MarketDefinition


def d(text: str) -> Decimal:
    return Decimal(text)


def test_runner_key_appends_only_a_non_zero_handicap():
    assert runner_key(47972, None) == "47972"
    assert runner_key(47972, d("0.0")) == "47972"
    assert runner_key(47972, d("-1.50")) == "47972:-1.5"
    assert runner_key(47972, d("2.0")) == "47972:2"


def test_runner_token_is_a_bounded_decimal_odds_outcome_token():
    token = runner_token("1.197931750", "37947503", "2. Sandwood Jet")

    assert token.id == "betfair:1.197931750:37947503"
    assert token.kind is InstrumentKind.OUTCOME_TOKEN
    assert token.price_space is PriceSpace.DECIMAL_ODDS and token.bounded
    assert (token.price_decimals, token.size_decimals, token.quote_currency) == (2, 2, "GBP")
    assert token.ticks == BETFAIR_LADDER
    assert (token.market_id, token.outcome, token.group_id) == (
        "1.197931750",
        "2. Sandwood Jet",
        "betfair:1.197931750",
    )


def test_runner_token_without_a_name_uses_the_selection_id():
    assert runner_token("1.1", "60424").outcome == "60424"


def test_price_levels_convert_odds_and_stakes_to_units():
    levels = price_levels(
        [(d("8.8"), d("18.62")), (d("1000"), d("13")), (d("1.01"), d("0"))], "atb"
    )

    assert levels == ((880, 1862), (100000, 1300), (101, 0))


@pytest.mark.parametrize(
    "level",
    [
        (d("2.01"), d("5")),  # off the ladder
        (d("3.01"), d("5")),
        (d("2"), d("-1")),  # negative size
        (d("NaN"), d("5")),
        (d("2"), d("NaN")),
        (d("2"), d("1.001")),  # finer than a penny
        (d("1001"), d("5")),  # above the ladder
    ],
)
def test_price_levels_reject_bad_levels(level):
    with pytest.raises(DataError):
        price_levels([level], "atl")


def test_position_levels_keep_emptied_slots():
    levels = position_levels([(0, d("8.8"), d("18.62")), (3, d("0"), d("0"))], "bdatb")

    assert levels == ((0, 880, 1862), (3, 0, 0))


def test_position_levels_reject_negative_positions_and_off_ladder_prices():
    with pytest.raises(DataError):
        position_levels([(-1, d("2"), d("1"))], "batb")
    with pytest.raises(DataError):
        position_levels([(0, d("2.01"), d("1"))], "batb")


def test_stake_and_time_conversions():
    assert stake_to_units(d("13002")) == 1300200
    assert ms_to_ns(1650392673420) == 1650392673420000000
    with pytest.raises(DataError):
        ms_to_ns(None)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("INACTIVE", MarketState.PRE_OPEN),
        ("OPEN", MarketState.OPEN),
        ("SUSPENDED", MarketState.SUSPENDED),
        ("CLOSED", MarketState.CLOSED),
    ],
)
def test_market_state_maps_betfair_statuses(status, state):
    assert market_state(status) is state


def test_market_state_rejects_unknown_status():
    with pytest.raises(DataError):
        market_state("SETTLING")


@pytest.mark.parametrize(
    ("market_type", "winners", "kind"),
    [
        ("WIN", 1, GroupKind.WIN),
        ("MATCH_ODDS", 1, GroupKind.WIN),
        ("OTHER", 1, GroupKind.WIN),
        ("PLACE", 3, GroupKind.PLACE),
        ("WIN", 2, GroupKind.WIN),
    ],
)
def test_group_kind(market_type, winners, kind):
    definition = MarketDefinition(status="OPEN", marketType=market_type, numberOfWinners=winners)

    assert group_kind(definition) is kind


def test_definition_update_rejects_other_ladders_and_unknown_runner_statuses():
    line_market = msgspec.json.decode(
        b'{"status":"OPEN","priceLadderDefinition":{"type":"LINE_RANGE"}}', type=MarketDefinition
    )
    odd_runner = msgspec.json.decode(
        b'{"status":"OPEN","runners":[{"id":1,"status":"RUNNING"}]}', type=MarketDefinition
    )

    with pytest.raises(DataError, match="LINE_RANGE"):
        definition_update(line_market)
    with pytest.raises(DataError, match="RUNNING"):
        definition_update(odd_runner)


@pytest.mark.parametrize(
    "line",
    [
        '{"op":"mcm","pt":1,"mc":[',
        "not json",
        '{"pt": 1}',
        '{"op":"mcm","pt":"soon"}',
        '{"op":"mcm","pt":1,"mc":[{"id":"1.1","rc":[{"id":1,"atb":[[2, NaN]]}]}]}',
    ],
)
def test_decode_message_raises_malformed_message(line):
    with pytest.raises(MalformedMessage):
        decode_message(line)


@pytest.mark.parametrize(
    "line",
    [
        '{"op":"mcm","id":2,"clk":"AAAAAAAA","pt":1650392673420,"ct":"HEARTBEAT"}',
        '{"op":"connection","connectionId":"002-051134157842-432409"}',
        '{"op":"status","id":1,"statusCode":"SUCCESS","connectionClosed":false}',
        '{"op":"ocm","id":3,"clk":"AA","pt":1650392673420,"oc":[]}',
    ],
)
def test_convert_message_ignores_messages_without_market_data(line):
    assert convert_message(decode_message(line)) is None


def test_convert_message_rejects_unknown_ops():
    with pytest.raises(DataError, match="unknown stream op"):
        convert_message(decode_message('{"op":"bogus","pt":1}'))


def test_convert_message_names_the_market_of_a_bad_level():
    line = '{"op":"mcm","pt":5,"mc":[{"id":"1.42","rc":[{"id":7,"atl":[[2.01,3]]}]}]}'

    with pytest.raises(DataError, match=r"market 1\.42: atl: odds 2\.01"):
        convert_message(decode_message(line))
