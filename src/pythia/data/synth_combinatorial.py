"""SYNTHETIC combinatorial markets with planted mispricings and their exact guaranteed profit.

Two families, seeded and deterministic:

- ``bracket(k, rounds)``: a single-elimination tournament of 2**k teams (Kroer et al. 2016);
  security ``bracket:t<i>:r<r>`` is "team i wins its round-r game" for r = 1..rounds.
  Constraints: exactly one team of each round-r block of 2**r teams wins round r, and
  winning round r implies winning round r - 1. 2**games valid outcomes.
- ``election(states, buckets)``: per state ``election:s<i>:win`` and ``election:s<i>:land``
  (landslide, implies win), a national market ``election:national`` decided by a weighted
  majority of states (two linear rows), and ``election:ev<j>`` buckets of the weighted
  vote total (exactly one; linear rows tie the bucket to the total; boundaries at the
  majority threshold).
- ``race(runners, top)``: the finishing order of a race (Betfair's win, place and match-bet
  markets on one event): ``race:r<i>:p<p>`` "runner i finishes p-th" for every runner and
  position, ``race:r<i>:top<K>`` "runner i finishes in the top K" and ``race:r<i>:ahead:r<j>``
  "runner i finishes ahead of runner j" (i < j). Constraints: exactly one position per
  runner and one runner per position; top K is the sum of the first K positions; ahead is
  tied to the positions by prefix rows (i placed by position p and j not: i is ahead, and
  the converse). runners! valid outcomes; no compact exact description of M is known (the
  ahead coordinates span the linear ordering polytope).

Fair prices mu0 are exact marginals of a probability model (team strengths; independent
states), so mu0 is in the marginal polytope M. Books quote around mu0 (every bid at most,
every ask at least mu0), which alone admits no guaranteed profit. Plants add a top level on
the wrong side of mu0 on the legs of a valid row ``sum c_i z_i >= d`` that is tight at mu0:

- ``group_buy`` / ``group_sell``: an exactly-one block bought below (sold above) 1 in total;
- ``implies``: in a state whose model makes every win a landslide, win bought below and
  landslide sold above their common mu0;
- ``national``: national bought below the sum of the winning buckets, which are sold;
- ``top``: a runner's top-K bought below, its first K positions sold above.

The best guaranteed profit is then exactly ``sum over plants q * (d - sum c_i p_i)``: the
trade reaches it, and every m in M (mu0 in particular) shows no trade can beat it (LP
duality: the guaranteed profit is min over m in M of the book's value at m). Plants use
disjoint securities, so their profits add. Prices are all-in (no fee); tick 0.001.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pythia.opt.dependencies import (
    Constraint,
    Dependencies,
    Security,
    exactly_one,
    implies,
    linear,
)
from pythia.opt.lp import Level, SecurityBook

PRICE_DECIMALS = 4
SIZE_DECIMALS = 2
ONE = 10**PRICE_DECIMALS
TICK = 10
SPREAD = 2 * TICK
SHARE = 10**SIZE_DECIMALS
RACE_EXACT_LIMIT = 16  # runners: exact Plackett-Luce marginals (a DP over 2**runners sets)
RACE_LIST_LIMIT = 9  # runners: ``CombinatorialScenario.outcomes`` lists the runners! orders
RACE_SAMPLES = 4000  # orders sampled for the fair model of a larger race


@dataclass(frozen=True, slots=True)
class Plant:
    """A planted mispricing: ``size`` (size units) of each leg; exact ``profit``."""

    kind: str
    buys: tuple[str, ...]
    sells: tuple[str, ...]
    size: int
    profit: Fraction


@dataclass(frozen=True, slots=True)
class CombinatorialScenario:
    """Dependencies, books and the known guaranteed profit of a SYNTHETIC scenario."""

    name: str
    dependencies: Dependencies
    books: tuple[SecurityBook, ...]
    fair: tuple[float, ...]
    plants: tuple[Plant, ...]
    known_profit: Fraction
    race_shape: tuple[int, int] | None = None  # a race's (runners, top)

    @property
    def outcomes(self) -> np.ndarray | None:
        """Return every valid outcome (rows of 0/1) of a race of at most 9 runners, else None.

        Races have runners! outcomes over runners**2 + ... securities, too many securities for
        ``OutcomeSpace.enumerate_outcomes`` (2**n candidates) but few enough outcomes to list.
        """
        if self.race_shape is None or self.race_shape[0] > RACE_LIST_LIMIT:
            return None
        return _race_outcomes(*self.race_shape, self.dependencies.index())

    def mid_prices(self) -> tuple[float, ...]:
        """Return a price in (0, 1) per security from the top of its book (the FW theta)."""
        mids = []
        for book in self.books:
            ask = book.asks[0].price if book.asks else ONE
            bid = book.bids[0].price if book.bids else 0
            mids.append(min(max((ask + bid) / 2 / ONE, 1e-4), 1 - 1e-4))
        return tuple(mids)


def _ladder(fair: float, rng: random.Random, is_ask: bool) -> list[Level]:
    start = (
        math.ceil((fair * ONE + SPREAD) / TICK) * TICK
        if is_ask
        else math.floor((fair * ONE - SPREAD) / TICK) * TICK
    )
    levels, price = [], start
    for _ in range(3):
        if not 0 < price < ONE:
            break
        levels.append(Level(price, rng.randint(10, 500) * SHARE))
        price += (1 if is_ask else -1) * TICK * rng.randint(1, 3)
    return levels


class _Books:
    """Fair ladders per security, then planted top levels (removing what would cross)."""

    def __init__(self, ids: Sequence[str], fair: Sequence[float], rng: random.Random) -> None:
        self.fair = dict(zip(ids, fair, strict=True))
        self.asks = {i: _ladder(f, rng, True) for i, f in self.fair.items()}
        self.bids = {i: _ladder(f, rng, False) for i, f in self.fair.items()}
        self.used: set[str] = set()
        self.rng = rng

    def plant(self, kind: str, buys: Sequence[str], sells: Sequence[str], payoff: int):
        """Plant one row; return the Plant, or None if its prices would leave (0, 1)."""
        if self.used & {*buys, *sells}:
            return None
        edge = {i: self.rng.randint(1, 3) * TICK for i in (*buys, *sells)}
        buy_prices = {i: math.floor((self.fair[i] * ONE - edge[i]) / TICK) * TICK for i in buys}
        sell_prices = {i: math.ceil((self.fair[i] * ONE + edge[i]) / TICK) * TICK for i in sells}
        if any(p < TICK for p in buy_prices.values()):
            return None
        if any(p > ONE - TICK for p in sell_prices.values()):
            return None
        size = self.rng.randint(5, 50) * SHARE
        for i, price in buy_prices.items():
            self.asks[i].insert(0, Level(price, size))
            self.bids[i] = [lv for lv in self.bids[i] if lv.price < price]
        for i, price in sell_prices.items():
            self.bids[i].insert(0, Level(price, size))
            self.asks[i] = [lv for lv in self.asks[i] if lv.price > price]
        self.used |= {*buys, *sells}
        edge_units = payoff * ONE + sum(sell_prices.values()) - sum(buy_prices.values())
        profit = Fraction(size * edge_units, SHARE * ONE)
        return Plant(kind, tuple(buys), tuple(sells), size, profit)

    def build(self, ids: Sequence[str]) -> tuple[SecurityBook, ...]:
        return tuple(
            SecurityBook(i, tuple(self.asks[i]), tuple(self.bids[i]), PRICE_DECIMALS, SIZE_DECIMALS)
            for i in ids
        )


def _scenario(name, securities, constraints, fair, books: _Books, plants) -> CombinatorialScenario:
    ids = [s.id for s in securities]
    return CombinatorialScenario(
        name=name,
        dependencies=Dependencies(tuple(securities), tuple(constraints)),
        books=books.build(ids),
        fair=tuple(fair),
        plants=tuple(plants),
        known_profit=sum((p.profit for p in plants), Fraction(0)),
    )


def bracket(k: int, rounds: int | None = None, *, plants: int = 2, seed: int = 0):
    """Return a SYNTHETIC 2**k-team bracket scenario with ``plants`` planted group rows.

    Securities cover rounds 1..``rounds`` (default k): 2**k * rounds of them.
    """
    rounds = k if rounds is None else rounds
    if not 1 <= rounds <= k:
        raise ValueError(f"rounds must be in 1..{k}, got {rounds}")
    rng = random.Random(seed)
    teams = 2**k
    strength = [rng.uniform(0.5, 2.0) for _ in range(teams)]
    win = [[1.0] * teams]  # win[r][i]: P(team i wins its round-r game); win[0] = 1
    for r in range(1, rounds + 1):
        row = []
        for i in range(teams):
            block = (i >> r) << r
            half = 1 << (r - 1)
            opponents = (
                range(block + half, block + 2 * half)
                if i < block + half
                else range(block, block + half)
            )
            beat = sum(win[r - 1][j] * strength[i] / (strength[i] + strength[j]) for j in opponents)
            row.append(win[r - 1][i] * beat)
        win.append(row)
    ids = [[f"bracket:t{i}:r{r}" for i in range(teams)] for r in range(rounds + 1)]
    securities = [
        Security(ids[r][i], f"Team {i} wins its round-{r} game")
        for r in range(1, rounds + 1)
        for i in range(teams)
    ]
    constraints: list[Constraint] = []
    blocks = []
    for r in range(1, rounds + 1):
        for start in range(0, teams, 2**r):
            members = ids[r][start : start + 2**r]
            constraints.append(exactly_one(members, f"round {r} block {start // 2**r}"))
            blocks.append(members)
        if r > 1:
            constraints.extend(implies(ids[r][i], ids[r - 1][i]) for i in range(teams))
    fair = [win[r][i] for r in range(1, rounds + 1) for i in range(teams)]
    books = _Books([s.id for s in securities], fair, rng)
    planted = []
    candidates = blocks[:]
    rng.shuffle(candidates)
    candidates.sort(key=len, reverse=True)  # prefer cross-market blocks of later rounds
    for members in candidates:
        if len(planted) >= plants:
            break
        if len(planted) % 2 == 0:
            plant = books.plant("group_buy", members, (), 1)
        else:
            plant = books.plant("group_sell", (), members, -1)
        if plant is not None:
            planted.append(plant)
    name = f"bracket k={k} rounds={rounds} seed={seed}"
    return _scenario(name, securities, constraints, fair, books, planted)


def election(states: int, *, buckets: int = 4, plants: int = 2, seed: int = 0):
    """Return a SYNTHETIC election scenario: 2 * states + 1 + buckets securities.

    Plant 0 is the national-versus-buckets row, the others landslide-implies-win rows.
    """
    if states < 1 or buckets < 2 or buckets % 2:
        raise ValueError("need states >= 1 and an even number of buckets >= 2")
    rng = random.Random(seed)
    weight = [rng.randint(3, 20) for _ in range(states)]
    total = sum(weight)
    threshold = total // 2 + 1
    win = [rng.uniform(0.25, 0.75) for _ in range(states)]
    sure_landslide = set(rng.sample(range(states), min(states, max(0, plants - 1))))
    landslide = [1.0 if s in sure_landslide else rng.uniform(0.2, 0.6) for s in range(states)]
    distribution = [1.0] + [0.0] * total  # weighted vote total, independent states
    for w, p in zip(weight, win, strict=True):
        distribution = [
            (distribution[v] * (1 - p)) + (distribution[v - w] * p if v >= w else 0.0)
            for v in range(total + 1)
        ]
    half = buckets // 2
    low_edges = [round(i * threshold / half) for i in range(half)]
    high_edges = [threshold + round(i * (total + 1 - threshold) / half) for i in range(half)]
    edges = [*low_edges, *high_edges, total + 1]
    ranges = [(edges[j], edges[j + 1] - 1) for j in range(buckets)]
    win_ids = [f"election:s{s}:win" for s in range(states)]
    land_ids = [f"election:s{s}:land" for s in range(states)]
    bucket_ids = [f"election:ev{j}" for j in range(buckets)]
    national = "election:national"
    securities = [
        *(Security(i, f"Party A wins state {s}") for s, i in enumerate(win_ids)),
        *(Security(i, f"Party A wins state {s} by a landslide") for s, i in enumerate(land_ids)),
        Security(national, "Party A wins the national vote (weighted majority)"),
        *(
            Security(i, f"Party A's vote total in {lo}..{hi}")
            for i, (lo, hi) in zip(bucket_ids, ranges, strict=True)
        ),
    ]
    votes = dict(zip(win_ids, weight, strict=True))
    constraints: list[Constraint] = [
        *(implies(a, b) for a, b in zip(land_ids, win_ids, strict=True)),
        linear({**votes, national: -threshold}, ">=", 0, "national needs a majority"),
        linear({**votes, national: threshold - 1 - total}, "<=", threshold - 1, "majority wins"),
        exactly_one(bucket_ids, "one vote-total bucket"),
        linear(
            {**votes, **{b: -lo for b, (lo, _) in zip(bucket_ids, ranges, strict=True)}},
            ">=",
            0,
            "total at least the bucket's low end",
        ),
        linear(
            {**votes, **{b: -hi for b, (_, hi) in zip(bucket_ids, ranges, strict=True)}},
            "<=",
            0,
            "total at most the bucket's high end",
        ),
    ]
    bucket_fair = [sum(distribution[lo : hi + 1]) for lo, hi in ranges]
    fair = [
        *win,
        *(p * r for p, r in zip(win, landslide, strict=True)),
        sum(distribution[threshold:]),
        *bucket_fair,
    ]
    books = _Books([s.id for s in securities], fair, rng)
    planted = []
    if plants >= 1:
        plant = books.plant("national", (national,), tuple(bucket_ids[half:]), 0)
        if plant is not None:
            planted.append(plant)
    for s in sorted(sure_landslide):
        plant = books.plant("implies", (win_ids[s],), (land_ids[s],), 0)
        if plant is not None:
            planted.append(plant)
    name = f"election states={states} buckets={buckets} seed={seed}"
    return _scenario(name, securities, constraints, fair, books, planted)


def _race_ids(runners: int, top: int):
    positions = [[f"race:r{i}:p{p + 1}" for p in range(runners)] for i in range(runners)]
    tops = [f"race:r{i}:top{top}" for i in range(runners)]
    ahead = {(i, j): f"race:r{i}:ahead:r{j}" for i in range(runners) for j in range(i + 1, runners)}
    return positions, tops, ahead


def _race_outcomes(runners: int, top: int, index) -> np.ndarray:
    positions, tops, ahead = _race_ids(runners, top)
    orders = np.array(list(itertools.permutations(range(runners))), dtype=np.int8)
    place = np.argsort(orders, axis=1)  # place[k, i]: where runner i finishes in order k
    rows = np.zeros((len(orders), len(index)), dtype=np.int8)
    for i in range(runners):
        for p in range(runners):
            rows[:, index[positions[i][p]]] = place[:, i] == p
        rows[:, index[tops[i]]] = place[:, i] < top
    for (i, j), security in ahead.items():
        rows[:, index[security]] = place[:, i] < place[:, j]
    return rows


def _plackett_luce(strength: Sequence[float], rng: random.Random):
    """Return P(i finishes p-th) and P(i ahead of j) under Plackett-Luce.

    Exact up to ``RACE_EXACT_LIMIT`` runners (a DP over the sets of runners placed first;
    P(i ahead of j) = s_i / (s_i + s_j)), beyond that the frequencies in sampled orders.
    """
    runners = len(strength)
    place = [[0.0] * runners for _ in range(runners)]
    pairs = [(i, j) for i in range(runners) for j in range(i + 1, runners)]
    if runners <= RACE_EXACT_LIMIT:
        layer = {0: 1.0}  # set of runners in the first p places -> probability
        total = sum(strength)
        for p in range(runners):
            following: dict[int, float] = {}
            for placed, probability in layer.items():
                rest = total - sum(strength[i] for i in range(runners) if placed >> i & 1)
                for i in range(runners):
                    if placed >> i & 1:
                        continue
                    share = probability * strength[i] / rest
                    place[i][p] += share
                    key = placed | 1 << i
                    following[key] = following.get(key, 0.0) + share
            layer = following
        return place, {(i, j): strength[i] / (strength[i] + strength[j]) for i, j in pairs}
    ahead = dict.fromkeys(pairs, 0.0)
    for _ in range(RACE_SAMPLES):
        left, rank = list(range(runners)), [0] * runners
        for p in range(runners):
            i = rng.choices(left, weights=[strength[j] for j in left])[0]
            left.remove(i)
            place[i][p] += 1 / RACE_SAMPLES
            rank[i] = p
        for i, j in pairs:
            ahead[i, j] += (rank[i] < rank[j]) / RACE_SAMPLES
    return place, ahead


def race(runners: int, *, top: int = 3, plants: int = 2, seed: int = 0):
    """Return a SYNTHETIC race scenario: runners**2 + runners + runners*(runners-1)/2 securities.

    Fair prices are Plackett-Luce marginals of random strengths (exact up to
    ``RACE_EXACT_LIMIT`` runners; beyond, the empirical marginals of ``RACE_SAMPLES`` sampled
    orders, still a distribution over valid outcomes). Plants alternate a runner's ``top``
    row with ``group_buy`` / ``group_sell`` on a position's runners.
    """
    if runners < 2 or not 1 <= top < runners:
        raise ValueError("need runners >= 2 and 1 <= top < runners")
    rng = random.Random(seed)
    strength = [rng.uniform(0.5, 3.0) for _ in range(runners)]
    place, beats = _plackett_luce(strength, rng)
    positions, tops, ahead = _race_ids(runners, top)
    securities = [
        *(
            Security(positions[i][p], f"Runner {i} finishes in position {p + 1}")
            for i in range(runners)
            for p in range(runners)
        ),
        *(Security(tops[i], f"Runner {i} finishes in the top {top}") for i in range(runners)),
        *(Security(a, f"Runner {i} finishes ahead of runner {j}") for (i, j), a in ahead.items()),
    ]
    constraints: list[Constraint] = [
        *(exactly_one(positions[i], f"runner {i} finishes once") for i in range(runners)),
        *(
            exactly_one([positions[i][p] for i in range(runners)], f"one runner in place {p + 1}")
            for p in range(runners)
        ),
        *(
            linear({tops[i]: 1, **{positions[i][p]: -1 for p in range(top)}}, "==", 0)
            for i in range(runners)
        ),
    ]
    for i in range(runners):  # place of i = 1 + the number of runners ahead of i
        row = {positions[i][p]: p + 1 for p in range(runners)}
        row.update({ahead[j, i]: -1 for j in range(i)})
        row.update({ahead[i, j]: 1 for j in range(i + 1, runners)})
        constraints.append(linear(row, "==", runners - i, f"runner {i}'s place"))
    for i, j, k in itertools.combinations(range(runners), 3):  # ahead is transitive
        constraints.append(linear({ahead[i, j]: 1, ahead[j, k]: 1, ahead[i, k]: -1}, "<=", 1))
        constraints.append(linear({ahead[i, j]: 1, ahead[j, k]: 1, ahead[i, k]: -1}, ">=", 0))
    fair = [
        *(place[i][p] for i in range(runners) for p in range(runners)),
        *(sum(place[i][:top]) for i in range(runners)),
        *(beats[pair] for pair in ahead),
    ]
    books = _Books([s.id for s in securities], fair, rng)
    strongest = sorted(range(runners), key=lambda i: -strength[i])
    blocks = [[positions[i][p] for i in range(runners)] for p in range(runners)]
    rng.shuffle(blocks)
    makers = {
        "top": [
            lambda i=i: books.plant("top", (tops[i],), positions[i][:top], 0) for i in strongest
        ],
        "group_buy": [lambda b=b: books.plant("group_buy", b, (), 1) for b in blocks],
        "group_sell": [lambda b=b: books.plant("group_sell", (), b, -1) for b in blocks],
    }
    planted = []
    for kind in itertools.islice(itertools.cycle(makers), plants):
        plant = next((p for p in (make() for make in makers[kind]) if p is not None), None)
        if plant is not None:
            planted.append(plant)
    name = f"race runners={runners} top={top} seed={seed}"
    scenario = _scenario(name, securities, constraints, fair, books, planted)
    return dataclasses.replace(scenario, race_shape=(runners, top))


def sized(kind: str, securities: int, *, plants: int = 2, seed: int = 0) -> CombinatorialScenario:
    """Return a ``bracket``, ``election`` or ``race`` scenario of about N ``securities``."""
    if kind == "bracket":
        shapes = [(k, r) for k in range(2, 11) for r in range(2, k + 1)]
        k, r = min(shapes, key=lambda kr: (abs(2 ** kr[0] * kr[1] - securities), -kr[1]))
        return bracket(k, r, plants=plants, seed=seed)
    if kind == "election":
        return election(max(1, (securities - 5) // 2), plants=plants, seed=seed)
    if kind == "race":
        runners = min(range(4, 60), key=lambda m: abs(race_securities(m) - securities))
        return race(runners, plants=plants, seed=seed)
    raise ValueError(f"unknown kind {kind!r}: bracket, election or race")


def race_securities(runners: int) -> int:
    """Return the number of securities of a race: positions, top-K and ahead markets."""
    return runners * runners + runners + runners * (runners - 1) // 2
