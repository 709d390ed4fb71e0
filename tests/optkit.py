"""Random dependency structures and independent brute-force oracles for the opt tests."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog, minimize

from pythia.opt.dependencies import (
    Dependencies,
    Security,
    at_least,
    at_most,
    exactly_one,
    excludes,
    implies,
    linear,
)
from pythia.opt.frank_wolfe import divergence
from pythia.opt.lp import Level, SecurityBook
from pythia.opt.outcomes import OutcomeSpace


def random_dependencies(rng: random.Random, n: int, rows: int) -> Dependencies:
    """Return n securities with ``rows`` random constraints (possibly contradictory)."""
    ids = [f"venue:s{i}" for i in range(n)]
    constraints = []
    for _ in range(rows):
        kind = rng.choice(["implies", "excludes", "exactly_one", "at_most", "at_least", "linear"])
        members = rng.sample(ids, rng.randint(2, min(n, 4)))
        if kind == "implies":
            constraints.append(implies(members[0], members[1]))
        elif kind == "excludes":
            constraints.append(excludes(members[0], members[1]))
        elif kind == "exactly_one":
            constraints.append(exactly_one(members))
        elif kind == "at_most":
            constraints.append(at_most(rng.randint(1, len(members) - 1), members))
        elif kind == "at_least":
            constraints.append(at_least(1, members))
        else:
            coefficients = {m: rng.choice([-3, -2, -1, 1, 2, 3]) for m in members}
            constraints.append(linear(coefficients, rng.choice(["<=", ">="]), rng.randint(-2, 3)))
    return Dependencies(tuple(Security(i) for i in ids), tuple(constraints))


def random_feasible_space(rng: random.Random, n: int, rows: int) -> OutcomeSpace:
    """Return an OutcomeSpace with at least one valid outcome (drop rows until feasible)."""
    deps = random_dependencies(rng, n, rows)
    while True:
        space = OutcomeSpace(deps)
        if space.find_outcome() is not None:
            return space
        deps = Dependencies(deps.securities, deps.constraints[:-1])


def random_books(rng: random.Random, ids, levels: int = 3, size_decimals: int = 2):
    """Return books with random ascending asks and descending bids (price decimals 3)."""
    books = []
    for security_id in ids:
        mid = rng.randint(50, 950)
        asks = [
            Level(mid + 2 + 5 * k, rng.randint(1, 40) * 10**size_decimals // 4)
            for k in range(levels)
        ]
        bids = [
            Level(mid - 2 - 5 * k, rng.randint(1, 40) * 10**size_decimals // 4)
            for k in range(levels)
        ]
        books.append(
            SecurityBook(
                security_id,
                tuple(a for a in asks if a.price < 1000),
                tuple(b for b in bids if b.price > 0),
                3,
                size_decimals,
            )
        )
    return books


def brute_force_profit(space: OutcomeSpace, books, outcomes=None, max_outlay=None) -> float:
    """Return the best guaranteed profit by one LP over every valid outcome (scipy).

    ``outcomes`` lists the valid outcomes; default: ``space.enumerate_outcomes()``.
    ``max_outlay`` caps sum(ask * x) + sum((1 - bid) * y).
    """
    outcomes = np.array(space.enumerate_outcomes() if outcomes is None else outcomes, dtype=float)
    index = space.dependencies.index()
    columns = []  # (security index, +1 buy / -1 sell, price, size)
    for book in books:
        for sign, ladder in ((1, book.asks), (-1, book.bids)):
            for level in ladder:
                columns.append(
                    (
                        index[book.security_id],
                        sign,
                        level.price / 10**book.price_decimals,
                        level.size / 10**book.size_decimals,
                    )
                )
    count = len(columns)
    rows = np.zeros((len(outcomes), count + 1))
    for j, (i, sign, price, _) in enumerate(columns):
        rows[:, j] = -(sign * outcomes[:, i] - sign * price)
    rows[:, -1] = 1.0
    objective = np.zeros(count + 1)
    objective[-1] = -1.0
    bounds = [(0, size) for *_, size in columns] + [(None, None)]
    limits = np.zeros(len(outcomes))
    if max_outlay is not None:
        outlay = [price if sign > 0 else 1 - price for _, sign, price, _ in columns]
        rows = np.vstack([rows, [*outlay, 0.0]])
        limits = np.append(limits, float(max_outlay))
    result = linprog(objective, A_ub=rows, b_ub=limits, bounds=bounds, method="highs")
    assert result.status == 0
    return -result.fun


def exact_guaranteed_profit(space: OutcomeSpace, net, cash: Fraction) -> Fraction:
    """Return min over enumerated outcomes of net.z + cash, exactly."""
    return (
        min(
            sum((q for q, z in zip(net, o, strict=True) if z), Fraction(0))
            for o in space.enumerate_outcomes()
        )
        + cash
    )


def direct_projection(space: OutcomeSpace, theta, outcomes=None) -> tuple[float, np.ndarray]:
    """Return (D, mu) minimizing D(mu||theta) over convex weights of every valid outcome.

    ``outcomes`` lists them (default: ``space.enumerate_outcomes()``). Two L-BFGS-B runs:
    weights as a softmax (smooth, never exactly 0) and as non-negative bounded variables
    (reach 0); both give points of conv(outcomes), the lower one is kept.
    """
    outcomes = np.array(space.enumerate_outcomes() if outcomes is None else outcomes, dtype=float)
    theta = np.asarray(theta)
    logit_theta = np.log(theta) - np.log1p(-theta)
    options = {"ftol": 1e-16, "gtol": 1e-13, "maxiter": 20000, "maxcor": 30}

    def value_and_grad_mu(weights):
        mu = np.clip(weights @ outcomes, 1e-300, 1 - 1e-16)
        return divergence(mu, theta), np.log(mu) - np.log1p(-mu) - logit_theta, mu

    def softmax(eta):
        weights = np.exp(eta - eta.max())
        return weights / weights.sum()

    def by_softmax(eta):
        weights = softmax(eta)
        value, grad_mu, _ = value_and_grad_mu(weights)
        scores = outcomes @ grad_mu
        return value, weights * (scores - weights @ scores)

    def by_bounds(raw):
        total = max(raw.sum(), 1e-300)
        value, grad_mu, mu = value_and_grad_mu(raw / total)
        return value, (outcomes @ grad_mu - mu @ grad_mu) / total

    count = len(outcomes)
    smooth = minimize(by_softmax, np.zeros(count), jac=True, method="L-BFGS-B", options=options)
    bounded = minimize(
        by_bounds,
        np.ones(count),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0, None)] * count,
        options=options,
    )
    candidates = [softmax(smooth.x)]
    if bounded.x.sum() > 0:
        candidates.append(bounded.x / bounded.x.sum())
    best = min(candidates, key=lambda w: value_and_grad_mu(w)[0])
    return value_and_grad_mu(best)[0], best @ outcomes
