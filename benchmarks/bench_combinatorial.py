"""Barrier Frank-Wolfe projection vs a direct convex solve; IP oracle and trade-LP times.

    python benchmarks/bench_combinatorial.py [--json FILE] [--sizes 10,30,100,300,1000]
        [--kinds bracket,election] [--gap 1e-6] [--cap-s 120] [--seed 0]

For each SYNTHETIC scenario (``pythia.data.synth_combinatorial.sized``: a bracket or an
election with about N securities and planted mispricings), theta = the books' mid prices:

- ``ip ms``: median time of one oracle call min w.z over valid outcomes, random w (20
  calls): ``lp-first`` is the oracle as used (LP relaxation first, MIP when fractional),
  ``mip`` always runs the MIP;
- ``fw a.9 s``: barrier FW (InitFW included) until alpha-extraction, D - g >= 0.9 D; each
  IP call is capped at 5 s (the gap then uses the MIP's dual bound);
- ``fw gap s``: barrier FW until the FW gap is below ``--gap``; D and the gap it reached;
- ``direct s``: a direct convex solve of the same projection (scipy SLSQP, gradient
  supplied), in a child process killed after ``--cap-s`` ("timed out"):
  bracket: in mu space over the bracket's linear rows, whose LP relaxation is exactly the
  marginal polytope (each half-bracket's winner distribution glues with the game above);
  election: over convex weights of every enumerated outcome (its big-M rows are not an
  exact description), possible only while the outcomes can be enumerated;
- ``|dD|``: |D_fw - D_direct|, the accuracy check;
- ``trade s``: the guaranteed-profit LP by constraint generation, and whether its exactly
  recomputed profit equals the planted (known) profit.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import time

import numpy as np
from scipy.optimize import minimize

from pythia.data.synth_combinatorial import sized
from pythia.opt.dependencies import Op
from pythia.opt.frank_wolfe import divergence, project
from pythia.opt.lp import best_guaranteed_trade
from pythia.opt.outcomes import ENUMERATION_LIMIT, OutcomeSpace

MAX_DIRECT_OUTCOMES = 20_000
ORACLE_CAP_S = 5.0  # per FW oracle call; the gap then uses the MIP's dual bound


def oracle_ms(space: OutcomeSpace, seed: int, calls: int = 20) -> float:
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(calls):
        weights = rng.normal(size=space.n)
        start = time.perf_counter()
        space.best_outcome(weights)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def direct_bracket(scenario, theta: np.ndarray) -> float:
    deps = scenario.dependencies
    index = deps.index()
    equalities, inequalities = [], []
    for constraint in deps.constraints:
        coefficients, op, rhs = constraint.integer_row()
        row = np.zeros(len(theta))
        for security, c in zip(constraint.securities, coefficients, strict=True):
            row[index[security]] = c
        if op is Op.EQ:
            equalities.append((row, rhs))
        else:  # the bracket has only "implies" rows: row . mu <= 0
            inequalities.append((-row if op is Op.LE else row, -rhs if op is Op.LE else rhs))
    a_eq = np.array([r for r, _ in equalities])
    b_eq = np.array([b for _, b in equalities], dtype=float)
    a_in = np.array([r for r, _ in inequalities])
    b_in = np.array([b for _, b in inequalities], dtype=float)
    logit_theta = np.log(theta / (1 - theta))
    result = minimize(
        lambda m: divergence(m, theta),
        np.full(len(theta), 0.5),
        jac=lambda m: np.log(m / (1 - m)) - logit_theta,
        method="SLSQP",
        bounds=[(1e-9, 1 - 1e-9)] * len(theta),
        constraints=[
            {"type": "eq", "fun": lambda m: a_eq @ m - b_eq, "jac": lambda m: a_eq},
            {"type": "ineq", "fun": lambda m: a_in @ m - b_in, "jac": lambda m: a_in},
        ],
        options={"ftol": 1e-13, "maxiter": 5000},
    )
    return float(result.fun)


def direct_enumerated(scenario, theta: np.ndarray) -> float:
    outcomes = np.array(OutcomeSpace(scenario.dependencies).enumerate_outcomes(), dtype=float)
    count = len(outcomes)
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
    return float(result.fun)


def _direct_child(kind: str, size: int, seed: int, queue) -> None:
    scenario = sized(kind, size, seed=seed)
    theta = np.array(scenario.mid_prices())
    start = time.perf_counter()
    solve = direct_bracket if kind == "bracket" else direct_enumerated
    value = solve(scenario, theta)
    queue.put((time.perf_counter() - start, value))


def direct(kind: str, size: int, seed: int, n: int, cap_s: float) -> tuple[str, float, float]:
    """Return (status, seconds, D) of the direct solve in a child process with a time cap."""
    if kind == "election":
        if n > ENUMERATION_LIMIT:
            return "intractable", float("nan"), float("nan")
        count = len(OutcomeSpace(sized(kind, size, seed=seed).dependencies).enumerate_outcomes())
        if count > MAX_DIRECT_OUTCOMES:
            return "intractable", float("nan"), float("nan")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_direct_child, args=(kind, size, seed, queue))
    child.start()
    child.join(cap_s)
    if child.is_alive():
        child.kill()
        child.join()
        return "timed out", cap_s, float("nan")
    seconds, value = queue.get()
    return "ok", seconds, value


def measure(kind: str, size: int, gap: float, cap_s: float, seed: int) -> dict:
    scenario = sized(kind, size, seed=seed)
    theta = np.array(scenario.mid_prices())
    space = OutcomeSpace(scenario.dependencies)
    lp_first = oracle_ms(space, seed)
    mip = oracle_ms(OutcomeSpace(scenario.dependencies, relaxation_first=False), seed)
    start = time.perf_counter()
    quick = project(
        OutcomeSpace(scenario.dependencies),
        theta,
        alpha=0.9,
        time_limit_s=cap_s,
        oracle_time_limit_s=ORACLE_CAP_S,
    )
    alpha_s = time.perf_counter() - start
    start = time.perf_counter()
    tight = project(
        OutcomeSpace(scenario.dependencies),
        theta,
        alpha=None,
        gap_tolerance=gap,
        max_iterations=100_000,
        time_limit_s=cap_s,
        oracle_time_limit_s=ORACLE_CAP_S,
    )
    gap_s = time.perf_counter() - start
    status, direct_s, direct_d = direct(kind, size, seed, space.n, cap_s)
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
        "fw_gap_stop": tight.stop.value,
        "fw_iterations": tight.iterations,
        "fw_oracle_calls": tight.oracle_calls,
        "divergence": tight.divergence,
        "gap": tight.gap,
        "direct_status": status,
        "direct_s": direct_s,
        "direct_divergence": direct_d,
        "abs_divergence_diff": abs(tight.divergence - direct_d),
        "speedup": direct_s / gap_s if status == "ok" else None,
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
    args = parser.parse_args()
    print(
        f"SYNTHETIC scenarios; FW gap target {args.gap:g}; cap {args.cap_s:g} s;"
        f" Python {sys.version.split()[0]}"
    )
    header = (
        f"{'kind':>8} {'n':>5} {'ip lp-first ms':>14} {'ip mip ms':>9} {'fw a.9 s':>8}"
        f" {'fw gap s':>8} {'calls':>5} {'D':>10} {'gap':>8} {'direct s':>11} {'|dD|':>8}"
        f" {'speedup':>7} {'trade s':>7} {'=known':>6}"
    )
    print(header)
    results = []
    for kind in args.kinds.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            r = measure(kind, size, args.gap, args.cap_s, args.seed)
            results.append(r)
            direct_text = (
                f"{r['direct_s']:.2f}" if r["direct_status"] == "ok" else r["direct_status"]
            )
            diff = f"{r['abs_divergence_diff']:.1e}" if r["direct_status"] == "ok" else "-"
            speedup = f"{r['speedup']:.1f}x" if r["speedup"] else "-"
            fw_gap = f"{r['fw_gap_s']:.2f}" + ("" if r["fw_gap_stop"] == "gap" else "*")
            print(
                f"{kind:>8} {r['securities']:>5} {r['ip_lp_first_ms']:>14.2f}"
                f" {r['ip_mip_ms']:>9.2f} {r['fw_alpha_s']:>8.2f} {fw_gap:>8}"
                f" {r['fw_oracle_calls']:>5} {r['divergence']:>10.3e} {r['gap']:>8.1e}"
                f" {direct_text:>11} {diff:>8} {speedup:>7} {r['trade_s']:>7.2f}"
                f" {str(r['trade_matches_known']):>6}",
                flush=True,
            )
    print("* the FW run hit the time cap before the gap target")
    if args.json:
        meta = {"python": sys.version, "machine": platform.platform(), "data": "synthetic"}
        with open(args.json, "w") as handle:
            json.dump({"meta": meta, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
