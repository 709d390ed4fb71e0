"""Queue models: worked examples, and property tests of bounds and monotonicity."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pythia.core.errors import ConfigError
from pythia.sim.models.base import QueueModel
from pythia.sim.models.queue import ProbabilisticQueue, RiskAverseQueue

RNG = random.Random(0)
MODELS = [
    RiskAverseQueue(),
    ProbabilisticQueue(power=1),
    ProbabilisticQueue(power=2),
    ProbabilisticQueue(power=3),
    ProbabilisticQueue(function="log"),
]


@st.composite
def level_updates(draw):
    """(ahead, level_before, level_after, traded) with ahead and traded within the level."""
    level_before = draw(st.integers(0, 10**6))
    ahead = draw(st.integers(0, level_before))
    traded = draw(st.integers(0, level_before))
    level_after = draw(st.integers(0, 2 * 10**6))
    return ahead, level_before, level_after, traded


# --- Risk-averse -----------------------------------------------------------------------------


def test_risk_averse_advances_only_by_trades():
    queue = RiskAverseQueue()
    assert queue.advance(100, 150, 130, 20, RNG) == 80  # 20 traded ahead of us
    assert queue.advance(100, 150, 100, 0, RNG) == 100  # 50 cancelled: assumed behind us
    assert queue.advance(100, 150, 200, 0, RNG) == 100  # orders joined behind us


def test_risk_averse_never_has_more_ahead_than_the_level_holds():
    assert RiskAverseQueue().advance(100, 150, 60, 0, RNG) == 60
    assert RiskAverseQueue().advance(100, 150, 0, 0, RNG) == 0


def test_risk_averse_trades_through_our_place_leave_nothing_ahead():
    assert RiskAverseQueue().advance(10, 150, 120, 30, RNG) == 0


# --- Probabilistic ---------------------------------------------------------------------------


def test_probabilistic_pro_rata_split_with_power_one():
    # front 80 after 20 traded, back 50, 10 cancelled: floor(10 x 80 / 130) = 6 ahead
    assert ProbabilisticQueue(power=1).advance(100, 150, 120, 20, RNG) == 74


def test_probabilistic_power_two_weighs_the_longer_side():
    # front 80, back 50, 10 cancelled: floor(10 x 6400 / (6400 + 2500)) = 7 ahead
    assert ProbabilisticQueue(power=2).advance(100, 150, 120, 20, RNG) == 73
    # front 20, back 110: floor(10 x 400 / (400 + 12100)) = 0 ahead
    assert ProbabilisticQueue(power=2).advance(20, 130, 120, 0, RNG) == 20


def test_probabilistic_log_function():
    # floor(10 x ln 81 / (ln 81 + ln 51)) = floor(5.277) = 5
    assert ProbabilisticQueue(function="log").advance(100, 150, 120, 20, RNG) == 75


def test_probabilistic_cancels_beyond_the_size_behind_us_come_from_ahead():
    # front 100, back 10, 60 cancelled: at least 50 were ahead (power 1 share is 54)
    assert ProbabilisticQueue(power=1).advance(100, 110, 50, 0, RNG) == 46
    # with power 3 the back's share is tiny but the bound is what matters at the front
    assert ProbabilisticQueue(power=3).advance(10, 110, 0, 0, RNG) == 0


def test_probabilistic_growth_or_pure_trades_move_like_risk_averse():
    queue = ProbabilisticQueue()
    assert queue.advance(100, 150, 170, 0, RNG) == 100
    assert queue.advance(100, 150, 130, 20, RNG) == 80


def test_probabilistic_nothing_behind_us_means_every_cancel_was_ahead():
    assert ProbabilisticQueue().advance(100, 100, 70, 0, RNG) == 70


def test_probabilistic_front_of_queue_stays_at_zero():
    assert ProbabilisticQueue().advance(0, 100, 10, 0, RNG) == 0


@pytest.mark.parametrize(
    "kwargs", [{"power": 0}, {"power": 1.5}, {"power": True}, {"function": "linear"}]
)
def test_probabilistic_rejects_bad_parameters(kwargs):
    with pytest.raises(ConfigError):
        ProbabilisticQueue(**kwargs)


# --- Properties of every model ---------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_contract_is_a_queue_model(model):
    assert isinstance(model, QueueModel)


@pytest.mark.parametrize("model", MODELS, ids=repr)
@given(update=level_updates(), seed=st.integers(0, 1000))
def test_contract_result_within_bounds_and_independent_of_rng(model, update, seed):
    ahead, level_before, level_after, traded = update
    result = model.advance(ahead, level_before, level_after, traded, random.Random(seed))
    assert 0 <= result <= min(ahead, level_after)
    assert result == model.advance(ahead, level_before, level_after, traded, RNG)


@pytest.mark.parametrize("model", MODELS, ids=repr)
@given(update=level_updates())
def test_contract_more_cancels_never_put_us_further_back(model, update):
    ahead, level_before, level_after, traded = update
    assume(level_after > 0)
    before = model.advance(ahead, level_before, level_after, traded, RNG)
    assert model.advance(ahead, level_before, level_after - 1, traded, RNG) <= before


@pytest.mark.parametrize("model", MODELS[1:], ids=repr)
@given(update=level_updates())
def test_probabilistic_advances_at_least_as_far_as_risk_averse(model, update):
    ahead, level_before, level_after, traded = update
    conservative = RiskAverseQueue().advance(ahead, level_before, level_after, traded, RNG)
    assert model.advance(ahead, level_before, level_after, traded, RNG) <= conservative


@given(update=level_updates())
def test_risk_averse_is_monotone_in_trades_and_in_place(update):
    ahead, level_before, level_after, traded = update
    queue = RiskAverseQueue()
    result = queue.advance(ahead, level_before, level_after, traded, RNG)
    assert queue.advance(ahead, level_before, level_after, traded + 1, RNG) <= result
    assert queue.advance(ahead + 1, level_before + 1, level_after, traded, RNG) >= result


@given(update=level_updates())
def test_pro_rata_a_cancel_turned_into_a_trade_never_puts_us_further_back(update):
    """Same cancels, one more unit traded: no further back (proven for power 1 only)."""
    ahead, level_before, level_after, traded = update
    assume(level_after > 0 and traded < level_before)
    queue = ProbabilisticQueue(power=1)
    before = queue.advance(ahead, level_before, level_after, traded, RNG)
    assert queue.advance(ahead, level_before, level_after - 1, traded + 1, RNG) <= before


def test_higher_powers_are_not_monotone_in_trades():
    """Documented quirk of the power form: with power 3 one more traded unit (same cancels)
    shrinks the front's share of the cancels by more than the unit."""
    queue = ProbabilisticQueue(power=3)
    assert queue.advance(29, 55, 10, 0, RNG) == 3
    assert queue.advance(29, 55, 9, 1, RNG) == 4
