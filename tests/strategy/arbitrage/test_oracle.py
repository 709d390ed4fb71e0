"""The optimizer against brute force: same best size and profit, for every kind and fee model.

Books are small random ladders (a few levels, small integer sizes) so the oracle can price
every basket size; fee models are the real ones (Polymarket power fee at rate 0.072,
Kalshi's cent-rounded fee, basis points) plus zero and a flat fee the optimizer does not
know (it must then check every size).
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pythia.model.instruments import GroupKind, OutcomeGroup
from pythia.strategy.arbitrage.detect import scan_binary, scan_group, scan_pair
from pythia.strategy.arbitrage.model import OpportunityKind

FEE_NAMES = ["zero", "power", "cent", "bps", "flat"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fee_model(kit, name):
    return kit.FlatFee() if name == "flat" else kit.FEES[name]


def sizes(unit: int):
    """Whole ``unit``s, or any size up to 12 units (levels need not be whole lots)."""
    return st.integers(1, 12).map(lambda n: n * unit) | st.integers(1, 12 * unit)


@st.composite
def planted_bests(draw, count: int, payout: int, steps: int, low: int, high: int):
    """``count`` best prices (in ticks) summing to about ``payout`` x (low..high)%."""
    weights = [draw(st.integers(1, 8)) for _ in range(count)]
    factor = draw(st.integers(low, high))
    total = sum(weights)
    return [min(max(payout * steps * factor * w // (100 * total), 1), steps - 1) for w in weights]


@st.composite
def side(draw, best: int, steps: int, ascending: bool, unit: int):
    """1-3 levels from ``best`` (in ticks) away from the touch."""
    prices = [best]
    for _ in range(draw(st.integers(0, 2))):
        nxt = prices[-1] + draw(st.integers(1, 4)) * (1 if ascending else -1)
        if not 1 <= nxt <= steps - 1:
            break
        prices.append(nxt)
    return [(p, draw(sizes(unit))) for p in prices]


@st.composite
def token_ladders(draw, bests: list[int], steps: int, unit: int, planted_asks: bool):
    """Per token ``(bids, asks)`` in ticks: the planted side from its best, the other side
    (maybe empty) beyond a gap so the book is not crossed."""
    result = []
    for best in bests:
        planted = draw(side(best, steps, planted_asks, unit))
        other_best = (
            best - draw(st.integers(1, 3)) if planted_asks else best + draw(st.integers(1, 3))
        )
        other = []
        if 1 <= other_best <= steps - 1 and draw(st.booleans()):
            other = draw(side(other_best, steps, not planted_asks, unit))
        result.append((other, planted) if planted_asks else (planted, other))
    return result


def realise(kit, tokens, ladders, tick: int, bids_only: bool):
    """Books from per-token ``(bids, asks)`` in ticks. ``bids_only`` (Kalshi): each token's
    asks become its complement's bids at 1 - p and native asks are dropped."""
    by_id = {t.id: t for t in tokens}
    bids = {t.id: [] for t in tokens}
    asks = {t.id: [] for t in tokens}
    for t, (token_bids, token_asks) in zip(tokens, ladders, strict=True):
        if bids_only:
            other = t.complement_id
            bids[other] += [(t.one - p * tick, s) for p, s in token_asks]
        else:
            bids[t.id] += [(p * tick, s) for p, s in token_bids]
            asks[t.id] += [(p * tick, s) for p, s in token_asks]
    return {i: kit.book(by_id[i], dict(bids[i]).items(), asks[i]) for i in by_id}


@st.composite
def limits(draw):
    cap = draw(st.none() | st.integers(0, 3_000_000))
    min_profit = draw(st.sampled_from([0, 0, 1, 5_000, 20_000]))
    return cap, min_profit


PRECISIONS = [  # (price decimals, tick, size decimals, size unit of the generated ladders)
    (2, 1, 0, 1),  # cents, whole shares
    (2, 1, 2, 100),  # cents, 0.01 contracts (Kalshi-like fractional)
    (4, 100, 6, 10_000),  # Polymarket: 4 / 6 decimals, lot 0.01 share
]


@SETTINGS
@given(
    data=st.data(),
    precision=st.sampled_from(PRECISIONS),
    fee=st.sampled_from(FEE_NAMES),
    bids_only=st.booleans(),
    merge=st.booleans(),
)
def test_binary_matches_brute_force(kit, data, precision, fee, bids_only, merge):
    price_decimals, tick, size_decimals, unit = precision
    yes, no = kit.pair_tokens(price_decimals=price_decimals, size_decimals=size_decimals, tick=tick)
    steps = yes.one // tick
    planted_asks = bids_only or data.draw(st.booleans())
    low, high = (80, 104) if planted_asks else (96, 120)
    bests = data.draw(planted_bests(2, 1, steps, low, high))
    ladders = data.draw(token_ladders(bests, steps, unit, planted_asks))
    books = realise(kit, [yes, no], ladders, tick, bids_only)
    cap, min_profit = data.draw(limits())
    model = fee_model(kit, fee)
    fee_for = lambda _: model  # noqa: E731

    found = scan_binary(
        yes,
        no,
        books,
        fee_for,
        max_capital_micros=cap,
        min_profit_micros=min_profit,
        merge_native=merge,
    )

    by_kind = {o.kind: o for o in found}
    for kind, short in ((OpportunityKind.BINARY_LONG, False), (OpportunityKind.BINARY_SHORT, True)):
        expected = kit.oracle_basket(
            [yes, no], books, fee_for, short=short, merge=merge, min_profit=min_profit, cap=cap
        )
        got = by_kind.get(kind)
        event(f"{kind.value}: {'found' if expected else 'none'}")
        assert (None if got is None else (got.size, got.profit_micros)) == expected, kind
        if got is not None:
            assert (
                got.profit_micros
                == got.guaranteed_payout_micros - got.cost_micros - got.fees_micros
            )
            assert got.fees_micros == sum(leg.fee_micros for leg in got.legs)
            assert cap is None or got.capital_micros <= cap


@SETTINGS
@given(
    data=st.data(),
    outcomes=st.integers(2, 4),
    winners=st.integers(1, 2),
    fee=st.sampled_from(FEE_NAMES),
    bids_only=st.booleans(),
    augmented=st.booleans(),
)
def test_group_matches_brute_force(kit, data, outcomes, winners, fee, bids_only, augmented):
    winners = min(winners, outcomes - 1)
    group, instruments = kit.neg_risk("g", outcomes, augmented=augmented, winners=winners)
    yes = [instruments[i] for i in group.instrument_ids]
    no = [instruments[t.complement_id] for t in yes]
    yes_bests = data.draw(planted_bests(outcomes, winners, 100, 80, 104))
    no_bests = data.draw(planted_bests(outcomes, outcomes - winners, 100, 85, 103))
    ladders = data.draw(token_ladders(yes_bests + no_bests, 100, 1, True))
    books = realise(kit, yes + no, ladders, 1, bids_only)
    cap, min_profit = data.draw(limits())
    model = fee_model(kit, fee)
    fee_for = lambda _: model  # noqa: E731

    found, rejected = scan_group(
        group, instruments, books, fee_for, max_capital_micros=cap, min_profit_micros=min_profit
    )

    by_kind = {o.kind: o for o in found}
    expected_no = kit.oracle_basket(
        no, books, fee_for, payout=outcomes - winners, min_profit=min_profit, cap=cap
    )
    got = by_kind.get(OpportunityKind.GROUP_NO)
    event(f"group_no: {'found' if expected_no else 'none'}")
    assert (None if got is None else (got.size, got.profit_micros)) == expected_no
    got = by_kind.get(OpportunityKind.GROUP_YES)
    if augmented:
        assert got is None
        assert [r.kind for r in rejected] == [OpportunityKind.GROUP_YES]
    else:
        expected_yes = kit.oracle_basket(
            yes, books, fee_for, payout=winners, min_profit=min_profit, cap=cap
        )
        event(f"group_yes: {'found' if expected_yes else 'none'}")
        assert (None if got is None else (got.size, got.profit_micros)) == expected_yes
        assert rejected == []


@SETTINGS
@given(
    data=st.data(),
    fees=st.tuples(st.sampled_from(FEE_NAMES), st.sampled_from(FEE_NAMES)),
    whole_contracts=st.booleans(),
    min_size=st.sampled_from([1, 100, 250]),
)
def test_cross_venue_matches_brute_force(kit, data, fees, whole_contracts, min_size):
    # venue A: Polymarket-like (4 / 6 decimals), venue B: Kalshi-like (4 / 2, bids only)
    yes_a = kit.token("AY", "AN", price_decimals=4, size_decimals=6, tick=100, venue="a")
    no_a = kit.token("AN", "AY", price_decimals=4, size_decimals=6, tick=100, venue="a")
    b = dict(
        price_decimals=4, size_decimals=2, tick=100, venue="b", min_size=min_size, currency="USD"
    )
    yes_b, no_b = kit.token("BY", "BN", **b), kit.token("BN", "BY", **b)
    bests = data.draw(planted_bests(2, 1, 100, 85, 104))
    books = realise(
        kit, [yes_a, no_a], data.draw(token_ladders([bests[0], 50], 100, 10**6, True)), 100, False
    )
    books |= realise(
        kit, [no_b, yes_b], data.draw(token_ladders([bests[1], 50], 100, 100, True)), 100, True
    )
    cap, min_profit = data.draw(limits())
    models = {"a": fee_model(kit, fees[0]), "b": fee_model(kit, fees[1])}
    fee_for = lambda t: models[t.venue]  # noqa: E731
    lot_for = (lambda t: 100 if t.venue == "b" else 10_000) if whole_contracts else None

    found = scan_pair(
        "p",
        yes_a,
        no_b,
        books,
        fee_for,
        max_capital_micros=cap,
        min_profit_micros=min_profit,
        lot_for=lot_for,
    )

    expected = kit.oracle_basket(
        [yes_a, no_b], books, fee_for, min_profit=min_profit, cap=cap, lot_for=lot_for
    )
    got = found[0] if found else None
    event(f"cross: {'found' if expected else 'none'}")
    assert (None if got is None else (got.size, got.profit_micros)) == expected
    if got is not None:
        assert got.kind is OpportunityKind.CROSS_VENUE
        leg_a, leg_b = got.legs
        assert leg_a.size == got.size and leg_b.size * 10**4 == got.size
        assert leg_b.size >= min_size
        assert "taken at par" in got.notes[0]


@st.composite
def odds_ladders(draw, runners: int, back: bool):
    """Per runner, up to 3 levels from a best price near a fair ``runners`` (a 100% book)."""
    result = []
    for _ in range(runners):
        low, high = (100, 135) if back else (75, 100)
        best = draw(st.integers(low * runners, high * runners))
        count = draw(st.integers(0, 2))
        offsets = [0] + sorted(draw(st.sets(st.integers(1, 40), min_size=count, max_size=count)))
        prices = [best - o for o in offsets] if back else [best + o for o in offsets]
        levels = [(p, draw(st.integers(1, 40))) for p in prices if p > 101]
        # the other side, away from the first, so the book is not crossed
        other_price = prices[0] + 50 if back else prices[0] - 30
        other = [(other_price, 5)] if other_price > 101 else []
        result.append((levels, other) if back else (other, levels))
    return result


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    runners=st.integers(2, 4),
    back=st.booleans(),
    commission=st.sampled_from([0, 200, 500]),
    min_stake=st.sampled_from([1, 1, 3]),
)
def test_back_and_lay_all_match_brute_force(kit, data, runners, back, commission, min_stake):
    tokens = [kit.runner(f"r{i}", min_size=min_stake) for i in range(runners)]
    ladders = data.draw(odds_ladders(runners, back))
    books = {t.id: kit.book(t, bids, asks) for t, (bids, asks) in zip(tokens, ladders, strict=True)}
    cap, min_profit = data.draw(limits())
    group = OutcomeGroup("w", "bf", GroupKind.WIN, tuple(t.id for t in tokens))
    instruments = {t.id: t for t in tokens}
    fee_for = lambda _: kit.FEES["zero"]  # noqa: E731

    found, rejected = scan_group(
        group,
        instruments,
        books,
        fee_for,
        commission_bps=commission,
        max_capital_micros=cap,
        min_profit_micros=min_profit,
    )

    kind = OpportunityKind.BACK_ALL if back else OpportunityKind.LAY_ALL
    expected = kit.oracle_odds(
        tokens, books, back=back, commission=commission, min_profit=min_profit, cap=cap
    )
    got = next((o for o in found if o.kind is kind), None)
    event(f"{kind.value}: {'found' if expected else 'none'}")
    assert (None if got is None else (got.size, got.profit_micros)) == expected
    assert rejected == []
    if got is not None:
        assert got.profit_micros == got.guaranteed_payout_micros - got.cost_micros - got.fees_micros
        assert cap is None or got.cost_micros <= cap
