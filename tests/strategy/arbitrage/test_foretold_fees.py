"""The optimizer rules sizes out with fees foretold from a model's fee at SCALE: for every
known fee model, a foretold fee is the model's own fee (or nothing is foretold)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from pythia.core.fixed import Rounding
from pythia.model.execution import Liquidity
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)
from pythia.strategy.arbitrage.levels import SCALE, CachedFee, fee_rounding, foretold_fee

ROUNDINGS = list(Rounding)
MODELS = [
    *(
        ProbabilityPowerFee(Decimal(rate), exponent, fee_decimals=decimals, rounding=rounding)
        for rate in ("0.072", "0.04", "0.25", "1", "0.0001")
        for exponent in (0, 1, 2)
        for decimals in (2, 5, 6)
        for rounding in ROUNDINGS
    ),
    *(
        CentRoundedProbabilityFee(Decimal(coefficient), fee_decimals=decimals)
        for coefficient in ("0.07", "0.0175", "0.035")
        for decimals in (2, 4)
    ),
    *(
        BpsFee(Decimal(0), Decimal(bps), rounding)
        for bps in ("25", "0.5", "3")
        for rounding in ROUNDINGS
    ),
]


def fills(kit, seed: int, count: int = 300):
    """Random ``(token, price, take)`` fills at cent, Kalshi and Polymarket precisions."""
    rng = random.Random(seed)
    for _ in range(count):
        price_decimals, tick, size_decimals = rng.choice(
            [(2, 1, 0), (4, 100, 2), (4, 100, 6), (4, 1, 6)]
        )
        token = kit.token(
            "t", None, price_decimals=price_decimals, tick=tick, size_decimals=size_decimals
        )
        take = rng.choice([1, rng.randint(1, 10**4), rng.randint(1, 10**9), rng.randint(1, 10**13)])
        yield token, rng.randint(1, token.one - 1), take


@pytest.mark.parametrize("model", MODELS, ids=lambda m: repr(m)[:70])
def test_a_foretold_fee_is_the_models_fee(kit, model):
    unit, rounding = fee_rounding(model)
    for token, price, take in fills(kit, len(repr(model))):
        at_scale = model.fee_micros(token, price, SCALE, Liquidity.TAKER)

        fee = foretold_fee(take, at_scale, unit, rounding)

        assert fee is None or fee == model.fee_micros(token, price, take, Liquidity.TAKER)


@pytest.mark.parametrize(
    "model", [ProbabilityPowerFee(Decimal("0.072")), CentRoundedProbabilityFee(fee_decimals=4)]
)
def test_venue_fees_are_mostly_foretold(kit, model):
    unit, rounding = fee_rounding(model)
    foretold = [
        foretold_fee(take, model.fee_micros(token, price, SCALE, Liquidity.TAKER), unit, rounding)
        for token, price, take in fills(kit, 7, 500)
    ]
    assert sum(fee is not None for fee in foretold) > 400


def test_only_models_with_one_linear_rounding_are_foretold():
    assert fee_rounding(SettlementOnlyFee()) is None
    assert fee_rounding(CachedFee(ProbabilityPowerFee(Decimal("0.04")))) == (10, Rounding.FLOOR)
    assert fee_rounding(CentRoundedProbabilityFee()) == (10_000, Rounding.CEILING)

    class Flat:
        def fee_micros(self, instrument, price, size, liquidity):
            return 5_000

    assert fee_rounding(Flat()) is None
