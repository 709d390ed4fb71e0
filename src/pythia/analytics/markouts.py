"""Market-making statistics: spread captured, markouts and an exact PnL split.

A maker's fill ``i`` (sign ``s = +1`` for a buy, ``-1`` for a sell) at price ``p`` with the
mid at ``m`` when it happened:

- *spread captured* ``s (m - p)`` per unit, in price units (positive: bought below the mid);
- *markout* at horizon ``h``: ``s (m(t + h) - m(t))``, the mid's move after the fill signed
  by its side, in price units and in basis points of ``m(t)``; negative on average means
  adverse selection (the flow that hit us knew where the price was going). Fills whose
  horizon runs past the last mid are left out and counted.

PnL split (:class:`MakerLedger`), all in integer micro-units: with ``c_i`` the fill's cash
(signed, exact), ``f_i`` its fee, ``d_i`` its position change and ``u_i`` the exact value of
one position unit at the mid then (a ``Fraction``),

- spread ``= sum_i (c_i + floor(d_i u_i))``: cash received against the value at the mid;
- inventory ``= sum_k floor(q_k u_k^end) - sum_i floor(d_i u_i)``: the mark-to-market of
  what was held (mids moving under the position, resolution included);
- fees ``= sum_i f_i``;

and ``total = sum_i c_i - fees + sum_k floor(q_k u_k^end) = spread + inventory - fees``
exactly, by construction (the same floors appear on both sides).

>>> ledger = MakerLedger()
>>> ledger.fill("x", 100, -9_900, 0, Fraction(100))  # buy 100 at 99, mid 100: spread
100
>>> split = ledger.split({"x": Fraction(98)})
>>> split["spread_micros"], split["inventory_micros"], split["total_micros"]
(100, -200, -100)
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

NS_PER_S = 1_000_000_000
DEFAULT_HORIZONS_NS = (NS_PER_S, 10 * NS_PER_S, 60 * NS_PER_S)


@dataclass(frozen=True, slots=True)
class FillMark:
    """One fill as the markout statistics need it (floats: statistics, not accounting)."""

    ts_ns: int
    sign: int
    """+1 for a buy, -1 for a sell."""
    price: float
    mid: float
    size: float


class MidSeries:
    """Mids over time (append in time order), looked up as of a time (last at or before)."""

    def __init__(self) -> None:
        self.times: list[int] = []
        self.values: list[float] = []

    def add(self, ts_ns: int, mid: float) -> None:
        """Record ``mid`` at ``ts_ns``; a repeat of the last value is not stored."""
        if self.values and self.values[-1] == mid:
            return
        if self.times and ts_ns < self.times[-1]:
            raise ValueError("mids must be added in time order")
        self.times.append(ts_ns)
        self.values.append(mid)

    def at(self, ts_ns: int) -> float | None:
        """The mid in force at ``ts_ns`` (None before the first)."""
        index = bisect.bisect_right(self.times, ts_ns) - 1
        return self.values[index] if index >= 0 else None

    @property
    def last_ns(self) -> int | None:
        return self.times[-1] if self.times else None


def spread_captured(fill: FillMark) -> float:
    """Return ``s (m - p)``: what the fill earned against the mid, per unit."""
    return fill.sign * (fill.mid - fill.price)


def markouts(
    fills: Sequence[FillMark],
    mids: MidSeries,
    end_ns: int,
    horizons_ns: Sequence[int] = DEFAULT_HORIZONS_NS,
) -> list[dict]:
    """Return one row per horizon: fills measured, mean markout (price units, bps) and the
    mean of ``s (m(t + h) - p)`` (markout including the spread). Horizons past ``end_ns``
    (the last time the mid is known) leave their fills out (``skipped``)."""
    rows = []
    for horizon in horizons_ns:
        moves: list[float] = []
        moves_bps: list[float] = []
        totals: list[float] = []
        skipped = 0
        for fill in fills:
            later_ns = fill.ts_ns + horizon
            later = mids.at(later_ns) if later_ns <= end_ns else None
            if later is None:
                skipped += 1
                continue
            move = fill.sign * (later - fill.mid)
            moves.append(move)
            moves_bps.append(move / fill.mid * 1e4 if fill.mid else 0.0)
            totals.append(fill.sign * (later - fill.price))
        rows.append(
            {
                "horizon_s": horizon / NS_PER_S,
                "fills": len(moves),
                "skipped": skipped,
                "markout": _mean(moves),
                "markout_bps": _mean(moves_bps),
                "markout_with_spread": _mean(totals),
                "adverse_share": _share(moves, lambda value: value < 0),
            }
        )
    return rows


def fills_by_side(fills: Sequence[FillMark]) -> list[dict]:
    """Return one row per side: count, volume and the mean spread captured."""
    rows = []
    for sign, name in ((1, "buy"), (-1, "sell")):
        chosen = [fill for fill in fills if fill.sign == sign]
        rows.append(
            {
                "side": name,
                "fills": len(chosen),
                "volume": sum(fill.size for fill in chosen),
                "spread_captured_mean": _mean([spread_captured(fill) for fill in chosen]),
            }
        )
    return rows


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _share(values: Sequence[float], test) -> float | None:
    return sum(1 for value in values if test(value)) / len(values) if values else None


class MakerLedger:
    """The exact PnL split of a maker's fills (see the module docstring)."""

    def __init__(self) -> None:
        self.cash_micros = 0
        self.fees_micros = 0
        self.spread_micros = 0
        self.at_mid_micros = 0
        """``sum_i floor(d_i u_i)``: the value at the mid of every position change."""
        self.positions: dict[str, int] = {}
        self.fills = 0

    def fill(
        self,
        instrument_id: str,
        position_delta: int,
        cash_micros: int,
        fee_micros: int,
        unit_value_micros: Fraction,
    ) -> int:
        """Book a fill; return its spread captured in micro-units (exact)."""
        at_mid = math.floor(position_delta * unit_value_micros)
        spread = cash_micros + at_mid
        self.cash_micros += cash_micros
        self.fees_micros += fee_micros
        self.spread_micros += spread
        self.at_mid_micros += at_mid
        self.positions[instrument_id] = self.positions.get(instrument_id, 0) + position_delta
        self.fills += 1
        return spread

    def held_value_micros(self, marks: Mapping[str, Fraction]) -> int:
        """``sum_k floor(q_k u_k)``: what the positions are worth at ``marks``."""
        value = 0
        for instrument_id, position in self.positions.items():
            if position:
                value += math.floor(position * marks.get(instrument_id, Fraction(0)))
        return value

    def split(self, marks: Mapping[str, Fraction]) -> dict[str, int]:
        """Return spread, inventory, fees and total in micro-units; exactly
        ``total == spread + inventory - fees``."""
        held = self.held_value_micros(marks)
        total = self.cash_micros - self.fees_micros + held
        inventory = held - self.at_mid_micros
        return {
            "spread_micros": self.spread_micros,
            "inventory_micros": inventory,
            "fees_micros": self.fees_micros,
            "total_micros": total,
        }
