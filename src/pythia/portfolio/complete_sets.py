"""Plan complete-set operations: split, merge and Polymarket negRisk convert.

Allocation rules (all exact, in micro-units):

- **split** ``amount`` tokens: pay ``amount`` of collateral (``amount`` token units at the
  tokens' ``size_decimals``, which must be a whole number of micro-units); the pair's cost
  basis is the collateral, ``floor(collateral / 2)`` to YES and the rest to NO.
- **merge** ``amount``: burn ``amount`` of each token; each loses
  ``floor(basis * amount / held)`` of basis; collateral comes back. Realized PnL is
  ``collateral - removed bases``, attributed per token with the split's halving rule.
- **convert** (``NegRiskAdapter.convertPositions``): burn ``amount`` of each of ``k`` NO
  tokens; receive ``amount_out`` YES of each of the other ``N - k`` outcomes and
  ``(k - 1) * amount_out`` collateral, where ``amount_out = amount - floor(amount * fee_bips
  / 10_000)``: the on-chain adapter floors the *fee*, so the amount received is rounded up.
  The burned NOs' removed basis ``C`` pays for the collateral ``R`` first: if ``C >= R``
  nothing is realized and ``C - R`` becomes the YES basis (split evenly, leftover micros to
  the first outcomes in group order); if ``C < R`` the YES basis is 0 and ``R - C`` is
  realized (so a long's basis never goes negative). With no YES received (``k = N``, or a
  100 % fee) all of ``R - C`` is realized. The fee is not a cash fee: it only reduces what
  is received, so it does not appear in ``fees_paid``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pythia.core.errors import DataError
from pythia.core.fixed import Rounding, round_div
from pythia.model.instruments import GroupKind, OutcomeGroup, OutcomeToken
from pythia.portfolio.entries import Bucket, LedgerKind
from pythia.portfolio.state import LedgerState, Plan
from pythia.portfolio.valuation import BPS_DENOMINATOR, exact_micros, is_odds


def plan_split(state: LedgerState, yes_id: str, no_id: str, amount: int, ts_ns: int) -> Plan:
    """Pay collateral for ``amount`` YES and ``amount`` NO."""
    yes, no = _pair(state, yes_id, no_id, amount)
    collateral = exact_micros(amount, yes.size_decimals)
    plan = Plan(ts_ns, LedgerKind.SPLIT)
    plan.add_cash(yes.quote_currency, -collateral)
    yes_cost = collateral // 2
    plan.move(yes.id, Bucket.MAIN, amount, yes_cost)
    plan.move(no.id, Bucket.MAIN, amount, collateral - yes_cost)
    return plan


def plan_merge(state: LedgerState, yes_id: str, no_id: str, amount: int, ts_ns: int) -> Plan:
    """Burn ``amount`` YES and ``amount`` NO for collateral."""
    yes, no = _pair(state, yes_id, no_id, amount)
    collateral = exact_micros(amount, yes.size_decimals)
    plan = Plan(ts_ns, LedgerKind.MERGE)
    plan.add_cash(yes.quote_currency, collateral)
    yes_proceeds = collateral // 2
    for token, proceeds in ((yes, yes_proceeds), (no, collateral - yes_proceeds)):
        removed = _removed_basis(state, token.id, amount)
        plan.move(token.id, Bucket.MAIN, -amount, -removed)
        plan.realize(token.id, token.quote_currency, proceeds - removed)
    return plan


def plan_convert(
    state: LedgerState,
    group: OutcomeGroup,
    no_ids: Sequence[str],
    amount: int,
    fee_bips: int,
    ts_ns: int,
) -> Plan:
    """Burn ``amount`` of each NO in ``no_ids``; receive YES of the others and collateral."""
    yes_ids = _convert_yes_ids(state, group, no_ids)
    _check_amount(amount)
    if fee_bips.__class__ is not int or not 0 <= fee_bips <= BPS_DENOMINATOR:
        raise DataError(f"convert fee_bips must be an int in 0..10000, got {fee_bips!r}")
    tokens = [state.instrument(i) for i in (*group.instrument_ids, *no_ids)]
    if len({(t.quote_currency, t.size_decimals) for t in tokens}) != 1:
        raise DataError(f"group {group.id}: tokens differ in currency or size decimals")
    currency, decimals = tokens[0].quote_currency, tokens[0].size_decimals
    amount_out = amount - amount * fee_bips // BPS_DENOMINATOR
    collateral = exact_micros((len(no_ids) - 1) * amount_out, decimals)
    plan = Plan(ts_ns, LedgerKind.CONVERT)
    removed_total = 0
    for no_id in no_ids:
        removed = _removed_basis(state, no_id, amount)
        removed_total += removed
        plan.move(no_id, Bucket.MAIN, -amount, -removed)
    plan.add_cash(currency, collateral)
    received = [y for y in yes_ids if y not in _converted_yes(state, no_ids)]
    yes_basis = max(removed_total - collateral, 0) if received and amount_out else 0
    share, leftover = divmod(yes_basis, len(received)) if received else (0, 0)
    for index, yes_id in enumerate(received):
        plan.move(yes_id, Bucket.MAIN, amount_out, share + (1 if index < leftover else 0))
    realized = collateral - removed_total + yes_basis
    per_no, extra = divmod(realized, len(no_ids))
    for index, no_id in enumerate(no_ids):
        plan.realize(no_id, currency, per_no + (1 if index < extra else 0))
    return plan


def _pair(
    state: LedgerState, yes_id: str, no_id: str, amount: int
) -> tuple[OutcomeToken, OutcomeToken]:
    _check_amount(amount)
    yes, no = state.instrument(yes_id), state.instrument(no_id)
    for token in (yes, no):
        if not isinstance(token, OutcomeToken) or is_odds(token):
            raise DataError(f"{token.id}: split and merge need probability outcome tokens")
        if token.id in state.settled_instruments:
            raise DataError(f"{token.id}: the instrument is already settled")
    if state.complements.get(yes_id) != no_id:
        raise DataError(f"{yes_id} and {no_id} are not complements (set complement_id)")
    if yes.quote_currency != no.quote_currency or yes.size_decimals != no.size_decimals:
        raise DataError(f"{yes_id} and {no_id} differ in currency or size decimals")
    return yes, no


def _check_amount(amount: int) -> None:
    if amount.__class__ is not int or amount <= 0:
        raise DataError(f"amount must be a positive int of token units, got {amount!r}")


def _removed_basis(state: LedgerState, instrument_id: str, amount: int) -> int:
    held = state.holding(instrument_id)
    if held.size < amount:
        raise DataError(f"{instrument_id}: holds {held.size}, cannot burn {amount}")
    return round_div(held.cost_micros * amount, held.size, Rounding.DOWN)


def _convert_yes_ids(
    state: LedgerState, group: OutcomeGroup, no_ids: Sequence[str]
) -> tuple[str, ...]:
    if not isinstance(group, OutcomeGroup) or group.kind is not GroupKind.NEG_RISK:
        raise DataError(f"convert needs a negRisk outcome group, got {group!r}")
    if group.size < 2:
        raise DataError(f"group {group.id}: convert needs at least 2 outcomes")
    if not no_ids or len(set(no_ids)) != len(no_ids):
        raise DataError(f"group {group.id}: no_ids must be distinct and non-empty")
    complements = {state.complements.get(yes_id): yes_id for yes_id in group.instrument_ids}
    for no_id in no_ids:
        if no_id not in complements:
            raise DataError(f"{no_id} is not the NO of an outcome of group {group.id}")
    for instrument_id in (*group.instrument_ids, *no_ids):
        if instrument_id in state.settled_instruments:
            raise DataError(f"{instrument_id}: the instrument is already settled")
    return group.instrument_ids


def _converted_yes(state: LedgerState, no_ids: Sequence[str]) -> set[str]:
    return {state.complements[no_id] for no_id in no_ids}
