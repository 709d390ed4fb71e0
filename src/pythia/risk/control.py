"""Control modes: how much the engine may still do, who decided it and why.

Modes by severity (each admits less than the one before):

========== ============================ ===================== ==========================
mode       new orders                   resting orders        positions
========== ============================ ===================== ==========================
NORMAL     any (subject to the rules)   kept                  kept
REDUCE     only ones that reduce        kept                  kept
_ONLY      ``|position|``
PAUSED     none                         kept                  kept
FLATTEN    only ones that reduce        cancelled             closed with marketable
                                                              orders within the limits
KILLED     none                         cancelled             kept; every strategy stops
========== ============================ ===================== ==========================

Transitions (:func:`is_transition_allowed`):

- any source may make the mode *stricter* (higher severity) unless it is KILLED;
- automatic sources (``breaker``, ``limit``) may only make it stricter: a request for a
  laxer (or the same) mode is ignored, never an error;
- operators (``cli``, ``api``, ``signal``) may set any mode while not KILLED, e.g. resume
  PAUSED / REDUCE_ONLY / FLATTEN -> NORMAL;
- KILLED is terminal: only :meth:`ControlState.reset` by an operator, or a ``restore`` on
  restart, leaves it;
- ``restore`` (rebuilding the state from the journal at start) may set any mode.

>>> state = ControlState()
>>> state.apply(ModeRequest(ControlMode.PAUSED, ControlSource.BREAKER, "stale_feed"), 5).mode
<ControlMode.PAUSED: 'paused'>
>>> state.apply(ModeRequest(ControlMode.REDUCE_ONLY, ControlSource.LIMIT, "drawdown_soft"), 6)
>>> state.mode
<ControlMode.PAUSED: 'paused'>
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pythia.core.errors import PythiaError


class ControlMode(enum.Enum):
    """How much the engine may still do; see the module table."""

    NORMAL = "normal"
    REDUCE_ONLY = "reduce_only"
    PAUSED = "paused"
    FLATTEN = "flatten"
    KILLED = "killed"

    @property
    def severity(self) -> int:
        """0 (NORMAL) to 4 (KILLED); a higher number admits less."""
        return _SEVERITY[self]

    @property
    def admits_new_orders(self) -> bool:
        """True when some new orders may still pass (NORMAL, REDUCE_ONLY, FLATTEN)."""
        return self in (ControlMode.NORMAL, ControlMode.REDUCE_ONLY, ControlMode.FLATTEN)

    @property
    def admits_increase(self) -> bool:
        """True when an order may increase ``|position|`` (NORMAL only)."""
        return self is ControlMode.NORMAL

    @property
    def cancels_resting(self) -> bool:
        """True when entering the mode cancels every resting order (FLATTEN, KILLED)."""
        return self in (ControlMode.FLATTEN, ControlMode.KILLED)


_SEVERITY = {mode: index for index, mode in enumerate(ControlMode)}


class ControlSource(enum.Enum):
    """Who or what changed the mode."""

    CLI = "cli"
    SIGNAL = "signal"  # an OS signal (SIGINT, SIGTERM, ...) handled by the runner
    API = "api"
    BREAKER = "breaker"
    LIMIT = "limit"  # drawdown and daily-loss guards
    RESTORE = "restore"  # rebuilt from the journal at start

    @property
    def is_operator(self) -> bool:
        """True for a person's decision (cli, api, signal)."""
        return self in (ControlSource.CLI, ControlSource.API, ControlSource.SIGNAL)

    @property
    def is_automatic(self) -> bool:
        """True for breakers and limit guards, which may only make the mode stricter."""
        return self in (ControlSource.BREAKER, ControlSource.LIMIT)


class ControlTransitionError(PythiaError, ValueError):
    """An operator asked for a transition the rules forbid (leaving KILLED without reset)."""


@dataclass(frozen=True, slots=True)
class ModeRequest:
    """A mode change a breaker, guard or operator asks for.

    ``reason`` is a stable machine code (``stale_feed``, ``drawdown_hard``, ...), ``detail``
    the human explanation, ``subject`` what it is about (an instrument id, a venue, a
    currency; empty when global).
    """

    mode: ControlMode
    source: ControlSource
    reason: str
    detail: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class ModeChange:
    """One applied transition, as journaled."""

    mode: ControlMode
    previous: ControlMode
    source: ControlSource
    reason: str
    detail: str
    ts_ns: int


def is_transition_allowed(current: ControlMode, target: ControlMode, source: ControlSource) -> bool:
    """Return True when ``source`` may move the mode from ``current`` to ``target``.

    Same-mode requests are not transitions (False). :meth:`ControlState.reset` is the only
    other way out of KILLED.
    """
    if target is current:
        return False
    if source is ControlSource.RESTORE:
        return True
    if current is ControlMode.KILLED:
        return False
    if source.is_automatic:
        return target.severity > current.severity
    return True


@dataclass
class ControlState:
    """The current mode, who set it and why, and every change so far (oldest first)."""

    mode: ControlMode = ControlMode.NORMAL
    source: ControlSource = ControlSource.RESTORE
    reason: str = "start"
    detail: str = ""
    ts_ns: int = 0
    history: list[ModeChange] = field(default_factory=list)

    def apply(self, request: ModeRequest, ts_ns: int) -> ModeChange | None:
        """Apply ``request`` at ``ts_ns`` and return the change, or None when ignored.

        Ignored: the same mode, or an automatic source asking for a laxer one (or anything
        while KILLED). An operator trying to leave KILLED raises
        :class:`ControlTransitionError` (use :meth:`reset`).
        """
        if is_transition_allowed(self.mode, request.mode, request.source):
            return self._set(request, ts_ns)
        if (
            request.source.is_operator
            and self.mode is ControlMode.KILLED
            and request.mode is not ControlMode.KILLED
        ):
            raise ControlTransitionError(
                f"the engine is KILLED ({self.reason}); reset it explicitly to resume"
            )
        return None

    def set_mode(
        self, mode: ControlMode, source: ControlSource, reason: str, ts_ns: int, detail: str = ""
    ) -> ModeChange | None:
        """Shorthand for :meth:`apply` with a :class:`ModeRequest` built from the arguments."""
        return self.apply(ModeRequest(mode, source, reason, detail), ts_ns)

    def reset(self, source: ControlSource, reason: str, ts_ns: int) -> ModeChange | None:
        """Leave KILLED (or any mode) for NORMAL: an operator's or a restore's explicit reset.

        Returns None when already NORMAL; raises :class:`ControlTransitionError` for an
        automatic source.
        """
        if source.is_automatic:
            raise ControlTransitionError(f"a {source.value} may not reset the control mode")
        if self.mode is ControlMode.NORMAL:
            return None
        return self._set(ModeRequest(ControlMode.NORMAL, source, reason), ts_ns)

    def _set(self, request: ModeRequest, ts_ns: int) -> ModeChange:
        change = ModeChange(
            request.mode, self.mode, request.source, request.reason, request.detail, ts_ns
        )
        self.mode = request.mode
        self.source = request.source
        self.reason = request.reason
        self.detail = request.detail
        self.ts_ns = ts_ns
        self.history.append(change)
        return change
