"""Plan a market's settlement: pay winners, zero losers, refund removed runners, charge
commission once per market.

Who pays what:

- A token listed as a winner pays 1 per unit (``units`` rescaled to micro-units, rounded
  down below a micro); a loser pays 0. The complement of a listed token (``complement_id``)
  gets the opposite result, so ``winners=(yes,)`` alone also settles the NO token; a
  resolution that lists both sides must agree with itself.
- A decimal-odds runner pays its ``MAIN`` (back) bucket ``q`` payout units if it wins and
  its ``LAY`` bucket ``q`` if it loses (the layer gets back stake + liability).
- A removed (void) instrument refunds each bucket's cost basis: the stake of a back, the
  liability of a lay, the price paid for a token (Betfair non-runner; Kalshi void). Betfair's
  reduction factors on the other runners are not modelled.
- With ``commission_bps > 0`` (Betfair) the market's net winnings, the sum over its settled
  holdings of proceeds minus cost basis, pay ``commission_bps / 10_000`` of themselves when
  positive, rounded HALF_UP to the penny, once per market and currency. Commission counts
  in ``fees_paid``.

Settlement realizes ``proceeds - basis`` per holding and zeroes it; a settled market or
instrument accepts no further settlement, fill, split, merge or convert.
"""

from __future__ import annotations

from collections import defaultdict

from pythia.core.errors import DataError
from pythia.model.enums import OutcomeResult
from pythia.model.events import Resolution
from pythia.model.instruments import OutcomeToken
from pythia.portfolio.entries import Bucket, Holding, LedgerKind
from pythia.portfolio.state import LedgerState, Plan
from pythia.portfolio.valuation import (
    BPS_DENOMINATOR,
    commission_micros,
    is_odds,
    position_decimals,
    units_to_micros,
)

_OPPOSITE = {
    OutcomeResult.WIN: OutcomeResult.LOSE,
    OutcomeResult.LOSE: OutcomeResult.WIN,
    OutcomeResult.REMOVED: OutcomeResult.REMOVED,
}


def plan_settlement(
    state: LedgerState, resolution: Resolution, ts_ns: int, commission_bps: int
) -> Plan:
    """Return the movements that settle every holding the resolution decides."""
    if commission_bps.__class__ is not int or not 0 <= commission_bps <= BPS_DENOMINATOR:
        raise DataError(f"commission_bps must be an int in 0..10000, got {commission_bps!r}")
    if resolution.market_id in state.settled_markets:
        raise DataError(f"market {resolution.market_id} is already settled")
    results = resolution_results(state, resolution)
    plan = Plan(ts_ns, LedgerKind.SETTLEMENT, settled_market=resolution.market_id)
    net_winnings: dict[str, int] = defaultdict(int)
    settled = []
    for instrument_id, result in results.items():
        instrument = state.instruments.get(instrument_id)
        if instrument is None:
            continue  # never registered, so never held
        if not isinstance(instrument, OutcomeToken):
            raise DataError(f"{instrument_id}: only outcome tokens settle on a resolution")
        settled.append(instrument_id)
        buckets = (Bucket.MAIN, Bucket.LAY) if is_odds(instrument) else (Bucket.MAIN,)
        for bucket in buckets:
            held = state.holding(instrument_id, bucket)
            if held.size == 0 and held.cost_micros == 0:
                continue
            proceeds = _proceeds(held, result, bucket, position_decimals(instrument))
            currency = instrument.quote_currency
            plan.add_cash(currency, proceeds)
            plan.move(instrument_id, bucket, -held.size, -held.cost_micros)
            plan.realize(instrument_id, currency, proceeds - held.cost_micros)
            net_winnings[currency] += proceeds - held.cost_micros
    for currency, net in net_winnings.items():
        plan.fee(currency, commission_micros(net, commission_bps), LedgerKind.COMMISSION)
    plan.settled_instruments = tuple(settled)
    return plan


def resolution_results(state: LedgerState, resolution: Resolution) -> dict[str, OutcomeResult]:
    """Each decided instrument's result, complements included; ``DataError`` on conflict."""
    results: dict[str, OutcomeResult] = {}

    def put(instrument_id: str, result: OutcomeResult) -> None:
        known = results.setdefault(instrument_id, result)
        if known is not result:
            raise DataError(
                f"market {resolution.market_id}: conflicting results, {instrument_id} is "
                f"both {known.value} and {result.value}"
            )

    for ids, result in (
        (resolution.winners, OutcomeResult.WIN),
        (resolution.losers, OutcomeResult.LOSE),
        (resolution.removed, OutcomeResult.REMOVED),
    ):
        for instrument_id in ids:
            put(instrument_id, result)
            complement = state.complements.get(instrument_id)
            if complement is not None:
                put(complement, _OPPOSITE[result])
    return results


def _proceeds(held: Holding, result: OutcomeResult, bucket: Bucket, decimals: int) -> int:
    if result is OutcomeResult.REMOVED:
        return held.cost_micros
    pays = (result is OutcomeResult.WIN) == (bucket is Bucket.MAIN)
    return units_to_micros(held.size, decimals) if pays else 0
