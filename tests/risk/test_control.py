"""Control modes: severity, who may change them, KILLED is terminal, the history."""

from __future__ import annotations

import pytest

from pythia.risk import (
    ControlMode,
    ControlSource,
    ControlState,
    ControlTransitionError,
    ModeChange,
    ModeRequest,
    is_transition_allowed,
)

NORMAL, REDUCE, PAUSED, FLATTEN, KILLED = (
    ControlMode.NORMAL,
    ControlMode.REDUCE_ONLY,
    ControlMode.PAUSED,
    ControlMode.FLATTEN,
    ControlMode.KILLED,
)


def test_severity_order_and_what_each_mode_admits():
    assert [mode.severity for mode in (NORMAL, REDUCE, PAUSED, FLATTEN, KILLED)] == [0, 1, 2, 3, 4]
    assert [m for m in ControlMode if m.admits_new_orders] == [NORMAL, REDUCE, FLATTEN]
    assert [m for m in ControlMode if m.admits_increase] == [NORMAL]
    assert [m for m in ControlMode if m.cancels_resting] == [FLATTEN, KILLED]


@pytest.mark.parametrize("source", [ControlSource.BREAKER, ControlSource.LIMIT])
def test_automatic_sources_only_make_the_mode_stricter(source):
    state = ControlState()

    assert state.apply(ModeRequest(PAUSED, source, "a"), 1) is not None
    assert state.apply(ModeRequest(REDUCE, source, "b"), 2) is None  # laxer: ignored
    assert state.apply(ModeRequest(NORMAL, source, "c"), 3) is None
    assert state.apply(ModeRequest(PAUSED, source, "d"), 4) is None  # same: ignored
    assert state.apply(ModeRequest(FLATTEN, source, "e"), 5) is not None
    assert (state.mode, state.reason, state.ts_ns) == (FLATTEN, "e", 5)
    assert [change.reason for change in state.history] == ["a", "e"]


@pytest.mark.parametrize("start", [REDUCE, PAUSED, FLATTEN])
@pytest.mark.parametrize("source", [ControlSource.CLI, ControlSource.API, ControlSource.SIGNAL])
def test_operators_resume_to_normal(start, source):
    state = ControlState()
    state.set_mode(start, ControlSource.BREAKER, "trip", 1)

    change = state.set_mode(NORMAL, source, "resume", 2, detail="checked the feed")

    assert change == ModeChange(NORMAL, start, source, "resume", "checked the feed", 2)
    assert state.mode is NORMAL


def test_killed_is_terminal_until_reset():
    state = ControlState()
    state.set_mode(KILLED, ControlSource.SIGNAL, "sigterm", 1)

    assert state.set_mode(FLATTEN, ControlSource.BREAKER, "x", 2) is None
    assert state.set_mode(KILLED, ControlSource.CLI, "again", 3) is None
    with pytest.raises(ControlTransitionError):
        state.set_mode(NORMAL, ControlSource.CLI, "resume", 4)
    with pytest.raises(ControlTransitionError):
        state.reset(ControlSource.BREAKER, "auto", 5)
    assert state.mode is KILLED

    change = state.reset(ControlSource.CLI, "operator reset", 6)

    assert (change.previous, change.mode, state.mode) == (KILLED, NORMAL, NORMAL)
    assert state.reset(ControlSource.CLI, "again", 7) is None


def test_restore_sets_any_mode():
    state = ControlState()
    state.set_mode(KILLED, ControlSource.CLI, "kill", 1)

    assert state.set_mode(REDUCE, ControlSource.RESTORE, "journal", 2) is not None
    assert state.mode is REDUCE


def test_history_keeps_every_change_in_order():
    state = ControlState()
    state.set_mode(REDUCE, ControlSource.LIMIT, "drawdown_soft", 10, "dd 5%")
    state.set_mode(PAUSED, ControlSource.BREAKER, "stale_feed", 20)
    state.set_mode(NORMAL, ControlSource.API, "resume", 30)

    assert [(c.previous, c.mode, c.source, c.ts_ns) for c in state.history] == [
        (NORMAL, REDUCE, ControlSource.LIMIT, 10),
        (REDUCE, PAUSED, ControlSource.BREAKER, 20),
        (PAUSED, NORMAL, ControlSource.API, 30),
    ]
    assert state.history[0].detail == "dd 5%"


@pytest.mark.parametrize("current", list(ControlMode))
@pytest.mark.parametrize("target", list(ControlMode))
@pytest.mark.parametrize("source", list(ControlSource))
def test_transition_table(current, target, source):
    allowed = is_transition_allowed(current, target, source)

    if target is current:
        assert not allowed
    elif source is ControlSource.RESTORE:
        assert allowed
    elif current is KILLED:
        assert not allowed
    elif source in (ControlSource.BREAKER, ControlSource.LIMIT):
        assert allowed == (target.severity > current.severity)
    else:
        assert allowed
