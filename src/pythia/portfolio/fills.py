"""Plan a fill: cash, fee and position moves with an exact, integral average cost.

The cost basis is the signed cash invested in the open position (positive for a long,
negative for a short), never an average price, so it stays an exact integer:

- opening or adding (the fill goes the position's way, or the position is flat): the basis
  grows by the cash paid, ``-cash_micros`` (for a short sale, the basis goes more negative
  by the proceeds);
- reducing: the closed part removes ``basis * closed / held`` rounded toward zero (FLOOR
  for a long, its mirror for a short; the remainder stays with the open part), and
  realizes ``closing cash - removed basis``;
- flipping a perpetual through zero: the fill's cash is split pro rata between the closing
  and the opening part (toward zero for the closing part, the rest opens the new side).

Decimal-odds runners never net: a back (BUY) adds ``stake * odds`` payout units to the
``MAIN`` bucket at a cost of the stake, a lay (SELL) adds ``stake * odds`` to the ``LAY``
bucket at a cost of the liability ``stake * (odds - 1)``; both must match ``cash_micros``.
"""

from __future__ import annotations

from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, rescale, round_div
from pythia.model.enums import Side
from pythia.model.execution import FillReport
from pythia.model.instruments import Instrument
from pythia.portfolio.entries import Bucket, LedgerKind
from pythia.portfolio.state import LedgerState, Plan, can_short
from pythia.portfolio.valuation import is_odds, odds_payout_units


def plan_fill(state: LedgerState, fill: FillReport, ts_ns: int) -> Plan:
    """Return the movements of ``fill``; ``DataError`` when it is invalid."""
    instrument = state.instrument(fill.instrument_id)
    _check_fill(state, instrument, fill)
    plan = Plan(ts_ns, LedgerKind.FILL)
    if is_odds(instrument):
        _plan_odds(plan, instrument, fill)
    else:
        _plan_signed(plan, state, instrument, fill)
    plan.add_cash(instrument.quote_currency, fill.cash_micros)
    if fill.fee_micros:
        plan.fee(fill.fee_currency, fill.fee_micros)
    return plan


def _check_fill(state: LedgerState, instrument: Instrument, fill: FillReport) -> None:
    name = f"fill {fill.trade_id or fill.venue_order_id} on {instrument.id}"
    for label, value in (("size", fill.size), ("price", fill.price)):
        if value.__class__ is not int or value <= 0:
            raise DataError(f"{name}: {label} must be a positive int, got {value!r}")
    for label, value in (("cash_micros", fill.cash_micros), ("fee_micros", fill.fee_micros)):
        if value.__class__ is not int:
            raise DataError(f"{name}: {label} must be an int, got {value!r}")
    if not isinstance(fill.side, Side):
        raise DataError(f"{name}: side must be a Side, got {fill.side!r}")
    if fill.fee_micros and not fill.fee_currency:
        raise DataError(f"{name}: a fee of {fill.fee_micros} needs a fee_currency")
    if instrument.id in state.settled_instruments:
        raise DataError(f"{name}: the instrument is already settled")
    paying = fill.side is Side.BUY or is_odds(instrument)
    if paying and fill.cash_micros > 0:
        raise DataError(f"{name}: a buy, back or lay pays cash (cash_micros must be <= 0)")
    if not paying and fill.cash_micros < 0:
        raise DataError(f"{name}: a sell receives cash (cash_micros must be >= 0)")


def _plan_odds(plan: Plan, instrument: Instrument, fill: FillReport) -> None:
    if fill.price <= instrument.one:
        raise DataError(f"{instrument.id}: odds {fill.price} must be above {instrument.one}")
    payout = odds_payout_units(fill.size, fill.price)
    if fill.side is Side.BUY:
        bucket, expected = Bucket.MAIN, rescale(fill.size, instrument.size_decimals, MONEY_DECIMALS)
    else:
        liability = fill.size * (fill.price - instrument.one)
        decimals = instrument.size_decimals + instrument.price_decimals
        bucket, expected = Bucket.LAY, rescale(liability, decimals, MONEY_DECIMALS)
    if fill.cash_micros != -expected:
        what = "stake" if bucket is Bucket.MAIN else "liability"
        raise DataError(
            f"{instrument.id}: cash_micros {fill.cash_micros} is not minus the {what} "
            f"({expected} micro-units)"
        )
    plan.move(instrument.id, bucket, payout, expected)


def _plan_signed(plan: Plan, state: LedgerState, instrument: Instrument, fill: FillReport) -> None:
    held = state.holding(instrument.id)
    delta = fill.size if fill.side is Side.BUY else -fill.size
    if held.size == 0 or (held.size > 0) == (delta > 0):
        _check_not_short(instrument, held.size + delta)
        plan.move(instrument.id, Bucket.MAIN, delta, -fill.cash_micros)
        return
    closed = min(fill.size, abs(held.size))
    removed = round_div(held.cost_micros * closed, abs(held.size), Rounding.DOWN)
    closing_cash = round_div(fill.cash_micros * closed, fill.size, Rounding.DOWN)
    opening_cash = fill.cash_micros - closing_cash
    _check_not_short(instrument, held.size + delta)
    plan.move(instrument.id, Bucket.MAIN, delta, -removed - opening_cash)
    plan.realize(instrument.id, instrument.quote_currency, closing_cash - removed)


def _check_not_short(instrument: Instrument, size_after: int) -> None:
    if size_after < 0 and not can_short(instrument):
        raise DataError(
            f"{instrument.id}: fill would make the position negative ({size_after}); "
            "only perpetuals may go short"
        )
