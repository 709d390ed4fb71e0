"""Profit and loss of a basket's actual fills in every outcome of its group or pair.

An opportunity promises a profit whatever happens; what the fills really lock in is the
least, over the outcomes, of what they pay. An *outcome* is the set of tokens that pay 1 in
it (for decimal-odds runners: the runners that win):

- a group with ``w`` winners: each set of ``w`` winning members, plus the complements (NO
  tokens) of every member that loses; an augmented (or not exhaustive) group adds the outcome
  where an unnamed outcome wins and every NO pays;
- a cross-venue pair (YES on A, NO on B): the proposition true (YES of A and YES of B, the
  complement of B's NO, pay) or false (NO of B and NO of A pay).

A fill's value in an outcome, in micro-units of the quote currency, with rounding against
us (gains down, losses up), so rounding never creates profit:

- outcome tokens: the fill's signed cash (as the venue charged it; the simulator's rounding
  when it did not say) minus its fee, plus the size in tokens of 1 when the token pays;
- decimal odds: a back of stake ``s`` at odds ``o`` wins ``s x (o - 1)`` or loses ``s``; a
  lay the reverse. The market's commission is then charged on the outcome's positive net
  winnings (Betfair: per market, rounded to the penny).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from math import comb

from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, rescale
from pythia.model.enums import Side
from pythia.model.execution import FillReport
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.portfolio.valuation import commission_micros
from pythia.sim.cash import fill_cash_micros, is_odds

MAX_OUTCOMES = 10_000
"""Groups with more winner combinations than this are not enumerated."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One way the world can turn out: its label and the tokens that pay in it."""

    label: str
    pays: frozenset[str]


def complement_of(instrument_id: str, instruments: Mapping[str, Instrument]) -> str | None:
    instrument = instruments.get(instrument_id)
    return getattr(instrument, "complement_id", None) if instrument is not None else None


def group_outcomes(
    group: OutcomeGroup, instruments: Mapping[str, Instrument], exhaustive: bool = True
) -> list[Outcome]:
    """Every outcome of a group: ``number_of_winners`` members win, the others' NOs pay."""
    members = list(group.instrument_ids)
    winners = group.number_of_winners
    if comb(len(members), winners) > MAX_OUTCOMES:
        raise DataError(f"{group.id}: too many outcomes to enumerate")
    complements = {m: complement_of(m, instruments) for m in members}
    outcomes = []
    for chosen in combinations(members, winners):
        pays = set(chosen)
        pays.update(c for m, c in complements.items() if c is not None and m not in chosen)
        outcomes.append(Outcome(" + ".join(chosen), frozenset(pays)))
    if group.augmented or not exhaustive:
        others = frozenset(c for c in complements.values() if c is not None)
        outcomes.append(Outcome("none of the named outcomes", others))
    return outcomes


def pair_outcomes(yes_id: str, no_id: str, instruments: Mapping[str, Instrument]) -> list[Outcome]:
    """The two outcomes of a cross-venue pair: YES of ``yes_id``'s market plus NO ``no_id``."""
    yes_b = complement_of(no_id, instruments)
    no_a = complement_of(yes_id, instruments)
    true = frozenset(i for i in (yes_id, yes_b) if i is not None)
    false = frozenset(i for i in (no_id, no_a) if i is not None)
    return [Outcome("true", true), Outcome("false", false)]


def fill_value_micros(instrument: Instrument, fill: FillReport, pays: bool) -> int:
    """What one fill adds to the profit in an outcome where the token pays (or not)."""
    size_decimals = instrument.size_decimals
    if is_odds(instrument):
        stake = fill.size
        win = (fill.price - instrument.one) * stake
        decimals = instrument.price_decimals + size_decimals
        gain_win = fill.side is Side.BUY
        if pays:
            rounding = Rounding.FLOOR if gain_win else Rounding.CEILING
            value = rescale(win, decimals, MONEY_DECIMALS, rounding)
            return value if gain_win else -value
        rounding = Rounding.CEILING if gain_win else Rounding.FLOOR
        value = rescale(stake, size_decimals, MONEY_DECIMALS, rounding)
        return -value if gain_win else value
    cash = fill.cash_micros or fill_cash_micros(instrument, fill.side, fill.price, fill.size)
    value = cash - fill.fee_micros
    if pays:
        if fill.side is Side.BUY:
            value += rescale(fill.size, size_decimals, MONEY_DECIMALS, Rounding.FLOOR)
        else:
            value -= rescale(fill.size, size_decimals, MONEY_DECIMALS, Rounding.CEILING)
    return value


def outcome_pnl_micros(
    fills: Iterable[FillReport],
    outcomes: list[Outcome],
    instruments: Mapping[str, Instrument],
    commission_bps: int = 0,
) -> dict[str, int]:
    """The profit of ``fills`` in each outcome (by label), after fees and commission."""
    fills = list(fills)
    result = {}
    for outcome in outcomes:
        total = 0
        odds_total = 0
        for fill in fills:
            instrument = instruments.get(fill.instrument_id)
            if instrument is None:
                raise DataError(f"fill of unknown instrument {fill.instrument_id!r}")
            value = fill_value_micros(instrument, fill, fill.instrument_id in outcome.pays)
            if is_odds(instrument):
                odds_total += value
            else:
                total += value
        total += odds_total - commission_micros(odds_total, commission_bps)
        result[outcome.label] = total
    return result


def worst_case_micros(pnl: Mapping[str, int]) -> int:
    """The least profit over the outcomes (0 when there are none)."""
    return min(pnl.values(), default=0)
