"""The valid outcome set Z = {z in {0,1}^n : A z within bounds} as an integer program (HiGHS).

``OutcomeSpace`` answers the questions the solvers ask about Z:

- ``best_outcome(weights)``: the linear minimization oracle min (or max) of w.z over Z;
- ``enumerate_outcomes()``: every valid outcome by brute force (small n: tests, fallback);
- ``settle()``: coordinates equal in every valid outcome, and vertices covering the others
  (InitFW of Kroer et al. 2016);
- ``contradiction()``: a minimal set of constraints with no common outcome, or None.

Every outcome HiGHS returns is rounded to 0/1 and checked against the rows in exact integer
arithmetic before it is used.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from pythia.core.errors import ConfigError
from pythia.opt.dependencies import Constraint, Dependencies, Op

Outcome = tuple[int, ...]

_RELAXATION_PATIENCE = 10  # fractional LP optima in a row before the LP is paused
_RELAXATION_PAUSE = 20  # oracle calls that go straight to the MIP in the first pause
_INTEGRALITY = 1e-9  # LP relaxation: further from 0/1 is a fractional vertex
_MIP_ABS_GAP = 1e-9  # the MIP's optimality gap unless a caller accepts a larger one
_MIP_INTEGRALITY = 1e-5  # MIP: HiGHS keeps integers within its feasibility tolerance (1e-6)
_CUT_POOL_SOFT_LIMIT = 1  # HiGHS default 10,000: see _new_highs
_FEASIBLE_POINT = 2  # HiGHS solution status: a feasible primal point exists
_IMPROVING = highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
_FAILED = (-1,)  # placeholder outcome: the relaxation's optimum was fractional

ENUMERATION_LIMIT = 22
"""The largest number of securities ``enumerate_outcomes`` accepts (2**22 candidate vectors)."""


@dataclass(frozen=True, slots=True)
class Settlement:
    """Result of ``OutcomeSpace.settle``: settled coordinates and covering vertices."""

    fixed: Mapping[int, int]
    vertices: tuple[Outcome, ...]

    @property
    def free(self) -> tuple[int, ...]:
        """Return the coordinates not settled, in order."""
        n = len(self.vertices[0])
        return tuple(i for i in range(n) if i not in self.fixed)


def _rows(constraints: Iterable[Constraint], index: Mapping[str, int]):
    """Yield (columns, integer coefficients, lower, upper) per constraint."""
    for constraint in constraints:
        coefficients, op, rhs = constraint.integer_row()
        columns = [index[s] for s in constraint.securities]
        lower = rhs if op in (Op.GE, Op.EQ) else -np.inf
        upper = rhs if op in (Op.LE, Op.EQ) else np.inf
        yield columns, list(coefficients), lower, upper


def _new_highs() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", _MIP_ABS_GAP)
    highs.setOptionValue("threads", 1)
    # Each MIP run pays for its cut pool in proportion to the pool's soft limit, and most
    # oracle calls end at the root node. A soft limit of 1 halved every race MIP call
    # (11 ms to 5.5 ms at 100 securities; exact calls at 155 securities 66 s to 27 s) and
    # left the election's MIPs unchanged (benchmarks/bench_combinatorial.py).
    highs.setOptionValue("mip_pool_soft_limit", _CUT_POOL_SOFT_LIMIT)
    return highs


def _build(
    n: int, constraints: Iterable[Constraint], index: Mapping[str, int], integer: bool = True
) -> highspy.Highs:
    highs = _new_highs()
    inf = highspy.kHighsInf
    highs.addVars(n, np.zeros(n), np.ones(n))
    if integer:
        highs.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
        )
    for columns, coefficients, lower, upper in _rows(constraints, index):
        highs.addRow(
            -inf if lower == -np.inf else float(lower),
            inf if upper == np.inf else float(upper),
            len(columns),
            np.asarray(columns, dtype=np.int32),
            np.asarray(coefficients, dtype=np.float64),
        )
    return highs


class OutcomeSpace:
    """The valid outcomes of ``Dependencies`` with an IP oracle over them.

    >>> from pythia.opt.dependencies import Dependencies, Security, exactly_one
    >>> space = OutcomeSpace(Dependencies((Security("a"), Security("b")),
    ...                                   (exactly_one(["a", "b"]),)))
    >>> space.best_outcome([0.3, -0.2])
    ((0, 1), -0.2)

    The oracle first solves the LP relaxation (warm-started): an integral LP optimum is an IP
    optimum. When the relaxation keeps returning fractional optima it is paused (doubling
    pauses) and the MIP runs directly; ``relaxation_first=False`` always runs the MIP.
    """

    def __init__(self, dependencies: Dependencies, *, relaxation_first: bool = True) -> None:
        self.dependencies = dependencies
        self.n = len(dependencies.securities)
        self._index = dependencies.index()
        self._highs = _build(self.n, dependencies.constraints, self._index)
        self._relaxation = _build(self.n, dependencies.constraints, self._index, integer=False)
        self._relaxation_misses = 0
        self._relaxation_skips = 0 if relaxation_first else -1
        self._relaxation_pause = _RELAXATION_PAUSE
        rows = list(_rows(dependencies.constraints, self._index))
        self._lower = np.array([r[2] for r in rows], dtype=np.float64)
        self._upper = np.array([r[3] for r in rows], dtype=np.float64)
        # sparse rows, integer entries: exact products, in time proportional to the nonzeros
        self._matrix = sparse.csr_array(
            (
                np.array([c for r in rows for c in r[1]], dtype=np.int64),
                np.array([c for r in rows for c in r[0]], dtype=np.int64),
                np.cumsum([0, *(len(r[0]) for r in rows)]),
            ),
            shape=(len(rows), self.n),
            dtype=np.int64,
        )
        self._all_columns = np.arange(self.n, dtype=np.int32)
        self._enumerated: tuple[Outcome, ...] | None = None
        self.oracle_calls = 0
        self.relaxation_hits = 0
        self.mip_iterations = 0
        """Simplex iterations of the last oracle call's MIP (0 when the LP relaxation answered)."""
        self._time_limited = False
        self._early_stop = False  # bounded_outcome accepted a MIP gap above _MIP_ABS_GAP
        self._enough: Callable[[float, float], bool] | None = None
        self._found: list[Outcome] | None = None
        self._highs.setCallback(self._on_callback, None)
        self._last_bound = -np.inf

    def _on_callback(self, kind, _message, out, into, _data) -> None:
        """HiGHS's MIP callbacks: keep improving solutions (``best_outcome(found=...)``); at
        an interrupt check, stop once ``enough(incumbent, dual bound)`` holds."""
        if kind == _IMPROVING:
            if self._found is not None:
                self._found.append(tuple(np.rint(out.mip_solution).astype(np.int64).tolist()))
            return
        primal = out.mip_primal_bound
        into.user_interrupt = bool(  # always set: HiGHS keeps the flag between runs
            self._enough is not None
            and np.isfinite(primal)
            and self._enough(primal, out.mip_dual_bound)
        )

    def contains(self, outcome: Sequence[int]) -> bool:
        """Return whether a 0/1 vector satisfies every row (exact integer arithmetic)."""
        vector = np.asarray(outcome, dtype=np.int64)
        if vector.shape != (self.n,) or np.any((vector != 0) & (vector != 1)):
            return False
        totals = self._matrix @ vector
        return bool(np.all(totals >= self._lower) and np.all(totals <= self._upper))

    def best_outcome(
        self,
        weights: Sequence[float],
        *,
        maximize: bool = False,
        fixed: Mapping[int, int] | None = None,
        found: list[Outcome] | None = None,
    ) -> tuple[Outcome, float]:
        """Return the valid outcome minimizing (or maximizing) ``weights . z`` and that value.

        ``fixed`` pins coordinates to 0 or 1. Raise ``ConfigError`` when no outcome exists.
        ``found``: when the MIP runs, the valid outcomes it held as incumbents on the way are
        appended (the LP relaxation, when it answers, adds none).
        """
        with self._incumbents(found):
            result = self._solve(np.asarray(weights, dtype=np.float64), maximize, fixed)
        if result is None:
            raise ConfigError("no valid outcome satisfies the constraints (and fixed values)")
        return result, float(np.dot(weights, result))

    def bounded_outcome(
        self,
        weights: Sequence[float],
        *,
        time_limit_s: float | None = None,
        gap: float = 0.0,
        enough: Callable[[float, float], bool] | None = None,
        found: list[Outcome] | None = None,
    ) -> tuple[Outcome, float, float]:
        """Return (outcome, value, bound) minimizing ``weights . z``, possibly inexactly.

        The MIP may stop at ``time_limit_s``, once its incumbent is within ``gap`` of its
        dual bound, or once ``enough(incumbent value, dual bound)`` is true at one of HiGHS's
        interrupt checks (only with an incumbent). A search that may stop early skips
        presolve, which would cost more than the short search. ``bound`` is at most the true
        minimum: HiGHS's MIP dual bound when the MIP may have stopped early, else the value
        itself (the LP relaxation answered, or HiGHS declared the MIP optimal). The outcome
        is valid either way. ``found``: as for :meth:`best_outcome`.
        """
        vector = np.asarray(weights, dtype=np.float64)
        if time_limit_s is not None:
            self._highs.setOptionValue("time_limit", float(time_limit_s))
            self._time_limited = True
        self._highs.setOptionValue("mip_abs_gap", max(float(gap), _MIP_ABS_GAP))
        self._early_stop = gap > _MIP_ABS_GAP  # HiGHS's "optimal" is then within the gap
        if self._early_stop or enough is not None:  # presolve would dominate a short search
            self._highs.setOptionValue("presolve", "off")
        if enough is not None:
            self._enough = enough
            self._highs.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
        try:
            with self._incumbents(found):
                outcome = self._solve(vector, False, None)
        finally:
            if enough is not None:
                self._highs.stopCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
                self._enough = None
            self._highs.setOptionValue("time_limit", highspy.kHighsInf)
            self._highs.setOptionValue("mip_abs_gap", _MIP_ABS_GAP)
            self._highs.setOptionValue("presolve", "choose")
            self._time_limited = self._early_stop = False
        if outcome is None:
            raise ConfigError("no valid outcome satisfies the constraints")
        value = float(np.dot(vector, outcome))
        return outcome, value, min(value, self._last_bound)

    @contextmanager
    def _incumbents(self, found: list[Outcome] | None) -> Iterator[None]:
        """Append the MIP's improving solutions to ``found`` (the valid ones, once each)."""
        if found is None:
            yield
            return
        self._found = []
        self._highs.startCallback(_IMPROVING)
        try:
            yield
        finally:
            self._highs.stopCallback(_IMPROVING)
            found.extend(o for o in dict.fromkeys(self._found) if self.contains(o))
            self._found = None

    def find_outcome(self, fixed: Mapping[int, int] | None = None) -> Outcome | None:
        """Return some valid outcome agreeing with ``fixed``, or None if there is none."""
        return self._solve(np.zeros(self.n), False, fixed)

    def _solve(
        self, weights: np.ndarray, maximize: bool, fixed: Mapping[int, int] | None
    ) -> Outcome | None:
        if weights.shape != (self.n,):
            raise ValueError(f"expected {self.n} weights, got shape {weights.shape}")
        self.oracle_calls += 1
        self.mip_iterations = 0
        if self._relaxation_skips < 0:
            pass  # relaxation_first=False: always the MIP
        elif self._relaxation_skips > 0:
            self._relaxation_skips -= 1
        else:
            found = self._run(self._relaxation, weights, maximize, fixed)
            if found is None:
                return None  # the relaxation is infeasible, so is the IP
            if self.contains(found[0]):  # an integral LP optimum is an IP optimum
                self._relaxation_misses, self._relaxation_pause = 0, _RELAXATION_PAUSE
                self.relaxation_hits += 1
                return found[0]
            self._relaxation_misses += 1
            if self._relaxation_misses >= _RELAXATION_PATIENCE:  # back off, doubling pauses
                self._relaxation_skips = self._relaxation_pause
                self._relaxation_pause *= 2
        found = self._run(self._highs, weights, maximize, fixed, _MIP_INTEGRALITY)
        self.mip_iterations = self._highs.getInfo().simplex_iteration_count
        if found is None:
            return None
        if not self.contains(found[0]):
            raise RuntimeError("HiGHS returned a non-0/1 outcome or one violating the rows")
        return found[0]

    def _run(self, highs, weights, maximize, fixed, integrality=_INTEGRALITY):
        """Solve one model; return (outcome,) rounded to 0/1 or (_FAILED,), None if infeasible."""
        highs.changeColsCost(self.n, self._all_columns, weights)
        highs.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        )
        if fixed:
            columns = np.fromiter(fixed.keys(), dtype=np.int32, count=len(fixed))
            values = np.fromiter(fixed.values(), dtype=np.float64, count=len(fixed))
            highs.changeColsBounds(len(fixed), columns, values, values)
        try:
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                return None
            stopped = status == highspy.HighsModelStatus.kInterrupt or (
                self._time_limited and status == highspy.HighsModelStatus.kTimeLimit
            )
            cut_short = stopped and highs.getInfo().primal_solution_status == _FEASIBLE_POINT
            if status != highspy.HighsModelStatus.kOptimal and not cut_short:
                raise RuntimeError(f"HiGHS failed on the outcome program: {status}")
            values = np.asarray(highs.getSolution().col_value)
            value = float(np.dot(weights, np.rint(values)))
            self._last_bound = value  # HiGHS's optimum (its own tolerances) is taken as exact
            if highs is self._highs and (cut_short or self._early_stop):
                self._last_bound = min(value, highs.getInfo().mip_dual_bound)
        finally:
            if fixed:
                highs.changeColsBounds(
                    len(fixed), columns, np.zeros(len(fixed)), np.ones(len(fixed))
                )
        rounded = np.rint(values)
        if np.max(np.abs(values - rounded), initial=0.0) > integrality:
            return (_FAILED,)
        return (tuple(rounded.astype(np.int64).tolist()),)

    def enumerate_outcomes(self) -> tuple[Outcome, ...]:
        """Return every valid outcome, in lexicographic order (brute force over 2**n)."""
        if self._enumerated is not None:
            return self._enumerated
        if self.n > ENUMERATION_LIMIT:
            raise ValueError(f"cannot enumerate {self.n} securities (limit {ENUMERATION_LIMIT})")
        valid: list[Outcome] = []
        chunk_bits = min(self.n, 16)
        low = np.array(list(itertools.product((0, 1), repeat=chunk_bits)), dtype=np.int64)
        for high in itertools.product((0, 1), repeat=self.n - chunk_bits):
            block = np.hstack([np.tile(np.array(high, dtype=np.int64), (len(low), 1)), low])
            totals = (self._matrix @ block.T).T
            keep = np.all(totals >= self._lower, axis=1) & np.all(totals <= self._upper, axis=1)
            valid.extend(map(tuple, block[keep].tolist()))
        self._enumerated = tuple(valid)
        return self._enumerated

    def settle(self) -> Settlement:
        """Find the settled coordinates and vertices showing both values of every other one.

        Ask the IP for outcomes with as many not-yet-seen values as possible; a coordinate
        whose other value the IP cannot reach is settled (equal in every valid outcome).
        """
        first = self.find_outcome()
        if first is None:
            raise ConfigError("no valid outcome satisfies the constraints")
        vertices = [first]
        seen = [np.array(first, dtype=bool), ~np.array(first, dtype=bool)]  # seen 1, seen 0
        fixed: dict[int, int] = {}
        for value in (1, 0):
            while True:
                missing = ~seen[0] if value == 1 else ~seen[1]
                missing[list(fixed)] = False
                if not missing.any():
                    break
                weights = missing.astype(np.float64) * (1.0 if value == 1 else -1.0)
                outcome, gain = self.best_outcome(weights, maximize=True, fixed=fixed)
                vector = np.array(outcome, dtype=bool)
                new = missing & (vector if value == 1 else ~vector)
                if not new.any():
                    fixed.update({int(i): 1 - value for i in np.flatnonzero(missing)})
                    break
                vertices.append(outcome)
                seen[0] |= vector
                seen[1] |= ~vector
        return Settlement(dict(sorted(fixed.items())), tuple(dict.fromkeys(vertices)))

    def contradiction(self) -> tuple[Constraint, ...] | None:
        """Return None if some outcome is valid, else a minimal contradictory constraint set.

        Use a deletion filter: drop each constraint in turn and keep it out while the rest
        stay infeasible; what remains is irreducible.
        """
        if self.find_outcome() is not None:
            return None
        kept = list(self.dependencies.constraints)
        for constraint in list(kept):
            trial = [c for c in kept if c is not constraint]
            if not self._feasible(trial):
                kept = trial
        return tuple(kept)

    def _feasible(self, constraints: Sequence[Constraint]) -> bool:
        highs = _build(self.n, constraints, self._index)
        highs.run()
        return highs.getModelStatus() != highspy.HighsModelStatus.kInfeasible
