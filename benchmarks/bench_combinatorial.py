"""Barrier Frank-Wolfe projection vs direct convex solves; IP oracle and trade-LP times.

    python benchmarks/bench_combinatorial.py [--json FILE] [--sizes 10,30,100,300,1000]
        [--kinds bracket,election] [--gap 1e-6] [--cap-s 120] [--seed 0] [--repeat 3]

For each SYNTHETIC scenario (``pythia.data.synth_combinatorial.sized``: a bracket, an
election, a race, ... with about N securities and planted mispricings), theta = the books'
mid prices:

- ``ip ms``: median time of one oracle call min w.z over valid outcomes, random w (20
  calls): ``lp-first`` is the oracle as used (LP relaxation first, MIP when fractional),
  ``mip`` always runs the MIP;
- ``fw a.9 s``: barrier FW (InitFW included) until alpha-extraction, D - g >= 0.9 D; each
  IP call is capped at 5 s (the gap then uses the MIP's dual bound);
- ``fw gap s``: barrier FW until the FW gap is below ``--gap``; D and the gap it reached;
- ``direct``: the same projection min over mu in M of D(mu || theta) solved directly, by
  every method that applies, each in a child process killed after ``--cap-s``:

  - ``slsqp-rows`` / ``clarabel-rows`` (kind ``bracket`` only): mu space over the bracket's
    own linear rows, whose LP relaxation is exactly the marginal polytope (each
    half-bracket's winner distribution glues with the game above); scipy SLSQP with the
    gradient supplied, or cvxpy + Clarabel (an exponential-cone program,
    ``rel_entr(mu, theta) + rel_entr(1 - mu, 1 - theta)``);
  - ``slsqp-enum`` / ``clarabel-enum`` (any kind whose valid outcomes can be listed):
    convex weights w over every outcome, mu = V' w (V: outcomes x securities, 0/1; sparse
    for cvxpy). Outcomes are listed by ``outcomes_of``: the scenario's own ``outcomes``
    (a small race lists its orders), else brute force while n <= ENUMERATION_LIMIT; at
    most MAX_DIRECT_OUTCOMES, and SLSQP (dense) only up to MAX_SLSQP_OUTCOMES. Listing
    the outcomes is not counted in any direct time (JSON ``outcomes_s``).

  Clarabel runs twice: with tolerances of 1e-10 (gap and feasibility; ``CLARABEL_OPTIONS``;
  when it fails, once more with its default regularization, ``CLARABEL_FALLBACK``), and
  with its tolerances matched to FW's gap target (``@gap``, ``clarabel_at_gap``), which
  takes fewer iterations. Every method's D is recomputed by ``frank_wolfe.divergence`` at
  its mu clipped into [1e-15, 1 - 1e-15]; a method counts only at equal accuracy, its D
  within ``--gap`` of FW's ("D off": some finished, none that close). ``direct`` names the
  fastest method that counts, by the time the speedup uses (``~``: its solver
  flagged the solution inaccurate, e.g. Clarabel's AlmostSolved; its time still counts,
  which can only lower the speedup); ``direct s`` is its total wall time (model build,
  cvxpy canonicalization and solve) and ``solver s`` the solver-only time cvxpy reports
  (Clarabel's own ``solve_time``). "intractable": no method applies; "timed out": every
  method that applies hit the cap;
  For the other kinds the same Clarabel solve over their rows runs too, as a diagnostic
  only: their rows are not an exact description, so it minimizes over a larger polytope and
  its D falls short (printed under the row, JSON ``relaxation``);
- ``|dD|``: |D_fw - D_direct| of that method, the accuracy check (FW's D exceeds the
  optimum by at most its gap, so a |dD| up to the FW gap is expected);
- ``speedup``: direct time / ``fw gap s``, with the conservative choices for the direct
  side: the fastest method, timed by its solver-only time where it has one (Clarabel's
  solve time leaves out cvxpy's model building and canonicalization; FW's time includes
  everything);
- ``--repeat N`` (default 3): FW and every direct method run up to N times, each run that
  took under ``REPEAT_BUDGET_S`` once more, and the fastest run counts on both sides (this
  machine is shared: the best of a few runs is the least disturbed one). FW's runs are
  identical but for their time (deterministic); the JSON keeps every run's time (``runs_s``);
- ``trade s``: the guaranteed-profit LP by constraint generation, and whether its exactly
  recomputed profit equals the planted (known) profit.

cvxpy is optional: without it the Clarabel methods are skipped (the header says so). The
JSON output (``--json``) keeps every method's status, times, D and solver messages.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from pythia.data.synth_combinatorial import sized
from pythia.opt.dependencies import Op
from pythia.opt.frank_wolfe import divergence, project
from pythia.opt.lp import best_guaranteed_trade
from pythia.opt.outcomes import ENUMERATION_LIMIT, OutcomeSpace

try:
    import cvxpy as cp
except ImportError as error:  # cvxpy is optional: the Clarabel methods are then skipped
    cp = None
    CVXPY_MISSING = f"cvxpy not importable ({error}): Clarabel methods skipped"
else:
    CVXPY_MISSING = (
        None
        if "CLARABEL" in cp.installed_solvers()
        else f"cvxpy {cp.__version__} has no CLARABEL solver: Clarabel methods skipped"
    )

MAX_DIRECT_OUTCOMES = 500_000  # outcomes: beyond this, no enumerated method
MAX_SLSQP_OUTCOMES = 20_000  # outcomes: SLSQP's dense matrices beyond this are hopeless
REPEAT_BUDGET_S = 20.0  # a run shorter than this is repeated (--repeat), the best one counts
ORACLE_CAP_S = 5.0  # per FW oracle call; the gap then uses the MIP's dual bound
MU_CLIP = 1e-15  # the direct mu is clipped into [MU_CLIP, 1 - MU_CLIP] to evaluate D
CLARABEL_OPTIONS = {
    "tol_gap_abs": 1e-10,
    "tol_gap_rel": 1e-10,
    "tol_feas": 1e-10,
    "max_iter": 500,
    # Clarabel's default (1e-8) stalls short of these tolerances on some brackets (AlmostSolved,
    # D off by up to 2e-9); 1e-10 converges on them and is also the best on listed races.
    "static_regularization_constant": 1e-10,
}
# ... but on the 362,880 orders of a 9-runner race Clarabel fails with it: the method then
# solves again with Clarabel's default regularization (only that solve's time counts).
CLARABEL_FALLBACK = {
    k: v for k, v in CLARABEL_OPTIONS.items() if k != "static_regularization_constant"
}


def clarabel_at_gap(gap: float) -> dict:
    """Clarabel's tolerances matched to FW's gap target (gap and feasibility), its default
    regularization: the fastest Clarabel solve that can still land within ``gap`` of D."""
    return {"tol_gap_abs": gap, "tol_gap_rel": gap, "tol_feas": gap, "max_iter": 500}


def oracle_ms(space: OutcomeSpace, seed: int, calls: int = 20) -> float:
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(calls):
        weights = rng.normal(size=space.n)
        start = time.perf_counter()
        space.best_outcome(weights)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def outcomes_of(scenario) -> np.ndarray | None:
    """Return every valid outcome (outcomes x n, 0/1 floats), or None when that is intractable.

    The scenario's own ``outcomes`` when it lists them (a small race does), else brute force
    over 2**n while n <= ENUMERATION_LIMIT; None beyond MAX_DIRECT_OUTCOMES outcomes.
    """
    listed = scenario.outcomes
    if listed is not None:
        outcomes = np.asarray(listed, dtype=float)
    elif len(scenario.dependencies.securities) <= ENUMERATION_LIMIT:
        outcomes = np.array(OutcomeSpace(scenario.dependencies).enumerate_outcomes(), dtype=float)
    else:
        return None
    return outcomes if len(outcomes) <= MAX_DIRECT_OUTCOMES else None


def linear_rows(scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the scenario's rows as (a_eq, b_eq, a_in, b_in): a_eq mu == b_eq, a_in mu >= b_in."""
    deps = scenario.dependencies
    index = deps.index()
    n = len(index)
    equalities, inequalities = [], []
    for constraint in deps.constraints:
        coefficients, op, rhs = constraint.integer_row()
        row = np.zeros(n)
        for security, c in zip(constraint.securities, coefficients, strict=True):
            row[index[security]] = c
        if op is Op.EQ:
            equalities.append((row, rhs))
        elif op is Op.GE:
            inequalities.append((row, rhs))
        else:
            inequalities.append((-row, -rhs))

    def stack(pairs):
        return (
            np.array([r for r, _ in pairs]).reshape(-1, n),
            np.array([b for _, b in pairs], dtype=float),
        )

    return (*stack(equalities), *stack(inequalities))


def _result(status: str, seconds: float, solver_seconds, mu, theta, **extra) -> dict:
    """Return a method's (small, picklable) result, D evaluated at its clipped mu."""
    clipped = np.clip(np.asarray(mu, dtype=float), MU_CLIP, 1 - MU_CLIP)
    return {
        "status": status,
        "seconds": seconds,
        "solver_seconds": solver_seconds,
        "divergence": divergence(clipped, theta),
        **extra,
    }


def slsqp_rows(data: dict) -> dict:
    """SLSQP in mu space over the exact linear rows (gradient supplied)."""
    theta = data["theta"]
    a_eq, b_eq, a_in, b_in = data["rows"]
    start = time.perf_counter()
    logit_theta = np.log(theta / (1 - theta))
    constraints = []
    if len(b_eq):
        constraints.append({"type": "eq", "fun": lambda m: a_eq @ m - b_eq, "jac": lambda m: a_eq})
    if len(b_in):
        constraints.append(
            {"type": "ineq", "fun": lambda m: a_in @ m - b_in, "jac": lambda m: a_in}
        )
    result = minimize(
        lambda m: divergence(m, theta),
        np.full(len(theta), 0.5),
        jac=lambda m: np.log(m / (1 - m)) - logit_theta,
        method="SLSQP",
        bounds=[(1e-9, 1 - 1e-9)] * len(theta),
        constraints=constraints,
        options={"ftol": 1e-13, "maxiter": 5000},
    )
    seconds = time.perf_counter() - start
    status = "ok" if result.success else "inaccurate"
    return _result(
        status, seconds, None, result.x, theta, message=str(result.message), iterations=result.nit
    )


def slsqp_enumerated(data: dict) -> dict:
    """SLSQP over convex weights of every listed outcome (dense; gradient supplied)."""
    theta, outcomes = data["theta"], data["outcomes"]
    count = len(outcomes)
    start = time.perf_counter()
    logit_theta = np.log(theta / (1 - theta))

    def objective(weights):
        mu = np.clip(weights @ outcomes, 1e-12, 1 - 1e-12)
        return divergence(mu, theta), outcomes @ (np.log(mu / (1 - mu)) - logit_theta)

    result = minimize(
        objective,
        np.full(count, 1 / count),
        jac=True,
        method="SLSQP",
        bounds=[(0, 1)] * count,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(count)}],
        options={"ftol": 1e-13, "maxiter": 5000},
    )
    seconds = time.perf_counter() - start
    status = "ok" if result.success else "inaccurate"
    mu = result.x @ outcomes
    return _result(
        status, seconds, None, mu, theta, message=str(result.message), iterations=result.nit
    )


def _clarabel(mu, constraints, data: dict, start: float, recover: Callable) -> dict:
    """Solve min D(mu || theta) s.t. constraints with cvxpy + Clarabel; ``start``: build start.

    ``data["clarabel"]``: the option sets to try in turn (default: the 1e-10 tolerances, then
    the fallback)."""
    theta = data["theta"]
    objective = cp.Minimize(cp.sum(cp.rel_entr(mu, theta) + cp.rel_entr(1 - mu, 1 - theta)))
    failures = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for options in data.get("clarabel", (CLARABEL_OPTIONS, CLARABEL_FALLBACK)):
            problem = cp.Problem(objective, constraints)  # fresh: no state from a failure
            try:
                problem.solve(solver="CLARABEL", **options)
            except cp.error.SolverError as error:
                failures.append(str(error)[:200])
                continue
            if problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                break
            failures.append(f"status {problem.status}")
    seconds = time.perf_counter() - start
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        return {"status": "failed", "seconds": seconds, "error": "; ".join(failures)}
    stats = problem.solver_stats
    extra = {
        "failed_attempts": failures,
        "solver_status": problem.status,
        "iterations": stats.num_iters,
        "compile_seconds": problem.compilation_time,
        "warnings": [str(w.message)[:200] for w in caught],
    }
    status = "ok" if problem.status == cp.OPTIMAL else "inaccurate"
    return _result(status, seconds, stats.solve_time, recover(), theta, **extra)


def clarabel_rows(data: dict) -> dict:
    """cvxpy + Clarabel in mu space over the exact linear rows."""
    theta = data["theta"]
    a_eq, b_eq, a_in, b_in = data["rows"]
    start = time.perf_counter()
    mu = cp.Variable(len(theta))
    constraints = []
    if len(b_eq):
        constraints.append(sp.csr_matrix(a_eq) @ mu == b_eq)
    if len(b_in):
        constraints.append(sp.csr_matrix(a_in) @ mu >= b_in)
    return _clarabel(mu, constraints, data, start, lambda: mu.value)


def clarabel_enumerated(data: dict) -> dict:
    """cvxpy + Clarabel over convex weights w of every listed outcome, mu = V' w (V' sparse).

    mu is its own variable tied by the rows V' w == mu: the cones then see n coordinates, not
    dense combinations of every outcome's weight (3x faster per iteration on a listed race).
    D is evaluated at V' w.
    """
    theta, outcomes = data["theta"], data["outcomes"]
    start = time.perf_counter()
    vertices = sp.csr_matrix(outcomes.T)
    weights = cp.Variable(len(outcomes), nonneg=True)
    mu = cp.Variable(len(theta))
    constraints = [cp.sum(weights) == 1, vertices @ weights == mu]
    return _clarabel(mu, constraints, data, start, lambda: vertices @ weights.value)


def _child(solve: Callable, data: dict, connection) -> None:
    try:
        result = solve(data)
    except Exception as error:  # reported as the method's status, not raised
        result = {"status": "failed", "error": repr(error)[:300]}
    connection.send(result)
    connection.close()


def run_capped(solve: Callable, data: dict, cap_s: float) -> dict:
    """Run ``solve(data)`` in a forked child; "timed out" when it has not answered in cap_s."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(solve, data, sender))
    child.start()
    sender.close()
    try:
        if receiver.poll(cap_s):
            result = receiver.recv()
        else:
            result = {"status": "timed out", "seconds": cap_s}
    except EOFError:
        result = {"status": "failed", "error": "the child died"}
    if child.is_alive():
        child.join(5.0)
    if child.is_alive():
        child.kill()
        child.join()
    if result["status"] == "failed" and child.exitcode not in (0, None):
        result.setdefault("exit_code", child.exitcode)
    return result


def best_of(run: Callable[[], dict], repeat: int, budget_s: float, time_of: Callable) -> dict:
    """Run ``run()`` up to ``repeat`` times; return the fastest result by ``time_of``.

    Only a first run shorter than ``budget_s`` is repeated (this machine is shared and noisy:
    the best of a few runs is the least disturbed one). ``runs_s``: every run's time.
    """
    results = [run()]
    while len(results) < repeat and _finished(results[0]) and time_of(results[0]) < budget_s:
        results.append(run())
    done = [r for r in results if _finished(r)] or results
    best = min(done, key=time_of) if _finished(done[0]) else done[0]
    return {**best, "runs_s": [time_of(r) if _finished(r) else None for r in results]}


def _finished(result: dict) -> bool:
    return result.get("status", "ok") in ("ok", "inaccurate")


def _time_of(result: dict) -> float:
    """A method's time for the speedup: solver-only where it has one (conservative)."""
    solver = result.get("solver_seconds")
    return solver if solver is not None else result["seconds"]


def direct(
    kind: str,
    scenario,
    theta: np.ndarray,
    cap_s: float,
    gap: float,
    fw_divergence: float,
    repeat: int = 1,
) -> dict:
    """Run every applicable direct method in a capped child; pick the fastest that finished
    at equal accuracy: its D within ``gap`` of FW's.

    Return the chosen method's status ("ok", or "inaccurate" when its solver flagged the
    solution), name, times and D; "intractable" when no method applies; "timed out" when
    every one hit the cap ("failed" otherwise); ``methods``: every method's own result.
    """
    start = time.perf_counter()
    outcomes = outcomes_of(scenario)
    outcomes_s = time.perf_counter() - start
    data = {"theta": theta, "rows": linear_rows(scenario), "outcomes": outcomes}
    at_gap = {**data, "clarabel": (clarabel_at_gap(gap),)}
    applicable: list[tuple[str, Callable, dict]] = []
    if kind == "bracket":  # only the bracket's rows describe M exactly
        applicable.append(("slsqp-rows", slsqp_rows, data))
        if CVXPY_MISSING is None:
            applicable.append(("clarabel-rows", clarabel_rows, data))
            applicable.append(("clarabel-rows@gap", clarabel_rows, at_gap))
    if outcomes is not None:
        if len(outcomes) <= MAX_SLSQP_OUTCOMES:
            applicable.append(("slsqp-enum", slsqp_enumerated, data))
        if CVXPY_MISSING is None:
            applicable.append(("clarabel-enum", clarabel_enumerated, data))
            applicable.append(("clarabel-enum@gap", clarabel_enumerated, at_gap))
    methods = {
        name: best_of(
            lambda solve=solve, given=given: run_capped(solve, given, cap_s),
            repeat,
            REPEAT_BUDGET_S,
            _time_of,
        )
        for name, solve, given in applicable
    }
    for result in methods.values():
        if "divergence" in result:
            result["equal_accuracy"] = abs(result["divergence"] - fw_divergence) <= gap
    relaxation = None
    if kind != "bracket" and CVXPY_MISSING is None:
        # not a candidate: over rows that are not an exact description the same convex solve
        # minimizes over a larger polytope, so its D falls short of the true projection's
        relaxation = run_capped(clarabel_rows, data, cap_s)
    summary = {
        "status": "intractable",
        "method": None,
        "seconds": None,
        "solver_seconds": None,
        "time_s": None,
        "divergence": None,
        "outcomes": None if outcomes is None else len(outcomes),
        "outcomes_s": outcomes_s if outcomes is not None else None,
        "methods": methods,
        "relaxation": relaxation,
    }
    if not methods:
        return summary
    # An inaccurate finish counts too: its time is at most a converged solve's (conservative).
    finished = {
        k: r
        for k, r in methods.items()
        if r["status"] in ("ok", "inaccurate") and r.get("equal_accuracy")
    }
    if finished:
        name = min(finished, key=lambda k: _time_of(finished[k]))
        best = finished[name]
        summary.update(
            status=best["status"],
            method=name,
            seconds=best["seconds"],
            solver_seconds=best.get("solver_seconds"),
            time_s=_time_of(best),
            divergence=best["divergence"],
        )
        return summary
    if any(r["status"] in ("ok", "inaccurate") for r in methods.values()):
        summary["status"] = "D off"  # finished, but none within the gap of FW's D
        return summary
    timed_out = all(r["status"] == "timed out" for r in methods.values())
    summary["status"] = "timed out" if timed_out else "failed"
    return summary


def measure(kind: str, size: int, gap: float, cap_s: float, seed: int, repeat: int = 1) -> dict:
    scenario = sized(kind, size, seed=seed)
    theta = np.array(scenario.mid_prices())
    space = OutcomeSpace(scenario.dependencies)
    lp_first = oracle_ms(space, seed)
    mip = oracle_ms(OutcomeSpace(scenario.dependencies, relaxation_first=False), seed)

    def timed(**options) -> dict:
        start = time.perf_counter()
        result = project(
            OutcomeSpace(scenario.dependencies),
            theta,
            time_limit_s=cap_s,
            oracle_time_limit_s=ORACLE_CAP_S,
            **options,
        )
        return {"seconds": time.perf_counter() - start, "result": result}

    def seconds(run: dict) -> float:
        return run["seconds"]

    quick_run = best_of(lambda: timed(alpha=0.9), repeat, REPEAT_BUDGET_S, seconds)
    tight_run = best_of(
        lambda: timed(alpha=None, gap_tolerance=gap, max_iterations=100_000),
        repeat,
        REPEAT_BUDGET_S,
        seconds,
    )
    quick, alpha_s = quick_run["result"], quick_run["seconds"]
    tight, gap_s = tight_run["result"], tight_run["seconds"]
    solved = direct(kind, scenario, theta, cap_s, gap, tight.divergence, repeat)
    finished = solved["status"] in ("ok", "inaccurate")
    start = time.perf_counter()
    trade = best_guaranteed_trade(OutcomeSpace(scenario.dependencies), scenario.books)
    trade_s = time.perf_counter() - start
    return {
        "kind": kind,
        "securities": space.n,
        "ip_lp_first_ms": lp_first,
        "ip_mip_ms": mip,
        "fw_alpha_s": alpha_s,
        "fw_alpha_stop": quick.stop.value,
        "fw_gap_s": gap_s,
        "fw_alpha_runs_s": quick_run["runs_s"],
        "fw_gap_runs_s": tight_run["runs_s"],
        "fw_gap_stop": tight.stop.value,
        "fw_iterations": tight.iterations,
        "fw_oracle_calls": tight.oracle_calls,
        "divergence": tight.divergence,
        "gap": tight.gap,
        "direct_status": solved["status"],
        "direct_method": solved["method"],
        "direct_s": solved["seconds"],
        "direct_solver_s": solved["solver_seconds"],
        "direct_divergence": solved["divergence"],
        "abs_divergence_diff": abs(tight.divergence - solved["divergence"]) if finished else None,
        "speedup": solved["time_s"] / gap_s if finished else None,
        "direct_outcomes": solved["outcomes"],
        "direct_outcomes_s": solved["outcomes_s"],
        "direct_methods": {
            name: {**r, "abs_divergence_diff": abs(tight.divergence - r["divergence"])}
            if "divergence" in r
            else r
            for name, r in solved["methods"].items()
        },
        "relaxation": solved["relaxation"],
        "trade_s": trade_s,
        "trade_profit": str(trade.profit),
        "known_profit": str(scenario.known_profit),
        "trade_matches_known": trade.profit == scenario.known_profit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write results to this file")
    parser.add_argument("--sizes", default="10,30,100,300,1000")
    parser.add_argument("--kinds", default="bracket,election")
    parser.add_argument("--gap", type=float, default=1e-6)
    parser.add_argument("--cap-s", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=f"best of N runs for FW and each direct method (runs under {REPEAT_BUDGET_S:g} s)",
    )
    args = parser.parse_args()
    print(
        f"SYNTHETIC scenarios; FW gap target {args.gap:g}; cap {args.cap_s:g} s per method;"
        f" Python {sys.version.split()[0]}"
    )
    if CVXPY_MISSING is None:
        print(
            f"direct: scipy SLSQP and cvxpy {cp.__version__} + Clarabel (tolerances 1e-10,"
            f" and matched to the gap)"
        )
    else:
        print(f"direct: scipy SLSQP only; {CVXPY_MISSING}")
    header = (
        f"{'kind':>8} {'n':>5} {'ip lp-first ms':>14} {'ip mip ms':>9} {'fw a.9 s':>8}"
        f" {'fw gap s':>8} {'calls':>5} {'D':>10} {'gap':>8} {'direct':>17} {'direct s':>8}"
        f" {'solver s':>8} {'|dD|':>8} {'speedup':>7} {'trade s':>7} {'=known':>6}"
    )
    print(header)
    results = []
    for kind in args.kinds.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            r = measure(kind, size, args.gap, args.cap_s, args.seed, args.repeat)
            results.append(r)
            finished = r["direct_status"] in ("ok", "inaccurate")
            if finished:
                mark = "" if r["direct_status"] == "ok" else "~"
                method = r["direct_method"] + mark
                direct_s = f"{r['direct_s']:.3g}"
                solver = r["direct_solver_s"]
                solver_s = "-" if solver is None else f"{solver:.3g}"
                diff = f"{r['abs_divergence_diff']:.1e}"
                speedup = f"{r['speedup']:.3g}x"
            else:
                method, direct_s, solver_s, diff, speedup = r["direct_status"], "-", "-", "-", "-"
            fw_gap = f"{r['fw_gap_s']:.2f}" + ("" if r["fw_gap_stop"] == "gap" else "*")
            print(
                f"{kind:>8} {r['securities']:>5} {r['ip_lp_first_ms']:>14.2f}"
                f" {r['ip_mip_ms']:>9.2f} {r['fw_alpha_s']:>8.2f} {fw_gap:>8}"
                f" {r['fw_oracle_calls']:>5} {r['divergence']:>10.3e} {r['gap']:>8.1e}"
                f" {method:>17} {direct_s:>8} {solver_s:>8} {diff:>8} {speedup:>7}"
                f" {r['trade_s']:>7.2f} {str(r['trade_matches_known']):>6}",
                flush=True,
            )
            relaxed = r["relaxation"]
            if relaxed and relaxed.get("divergence") is not None:
                print(
                    f"{'':>14} (over its rows, not an exact description:"
                    f" D {relaxed['divergence']:.3e},"
                    f" {r['divergence'] - relaxed['divergence']:.1e} short, in"
                    f" {_time_of(relaxed):.3g} s)",
                    flush=True,
                )
    print("* the FW run hit the time cap before the gap target")
    print("~ the solver flagged it inaccurate (Clarabel AlmostSolved, SLSQP not converged)")
    if args.json:
        meta = {
            "python": sys.version,
            "machine": platform.platform(),
            "data": "synthetic",
            "cvxpy": None if cp is None else cp.__version__,
            "clarabel_options": CLARABEL_OPTIONS if CVXPY_MISSING is None else None,
            "clarabel_at_gap": clarabel_at_gap(args.gap) if CVXPY_MISSING is None else None,
            "cap_s": args.cap_s,
            "gap": args.gap,
            "repeat": args.repeat,
            "repeat_budget_s": REPEAT_BUDGET_S,
        }
        with open(args.json, "w") as handle:
            json.dump({"meta": meta, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
