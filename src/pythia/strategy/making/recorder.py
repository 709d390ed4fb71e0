"""What a quoting strategy records for its report: fills with the mid at the time, mids,
inventory samples, quote traffic and cancel-alls; :meth:`MakerRecorder.report` turns them
into the backtest report's ``strategies.<id>`` section (lists of flat dicts are tables).

The statistics are :mod:`pythia.analytics.markouts`; money is exact integer micro-units,
shown as decimal strings beside them.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from pythia.analytics.markouts import FillMark, MakerLedger, MidSeries, fills_by_side, markouts
from pythia.core.fixed import MONEY_DECIMALS, format_units

MAX_INVENTORY_ROWS = 2000


def money(micros: int) -> str:
    return format_units(micros, MONEY_DECIMALS)


class MakerRecorder:
    """Fills, mids and inventory of every quoted instrument of one strategy."""

    def __init__(self) -> None:
        self.ledger = MakerLedger()
        self.mids: dict[str, MidSeries] = {}
        self.fills: dict[str, list[FillMark]] = {}
        self.inventory: list[dict] = []
        self.settlements: dict[str, Fraction] = {}
        self.traffic: Counter = Counter()
        self.rejections: Counter = Counter()
        self.cancel_alls: Counter = Counter()
        self.start_ns: int | None = None
        self.last_ns = 0

    def on_mid(self, instrument_id: str, ts_ns: int, mid: float) -> None:
        if self.start_ns is None:
            self.start_ns = ts_ns
        self.last_ns = max(self.last_ns, ts_ns)
        self.mids.setdefault(instrument_id, MidSeries()).add(ts_ns, mid)

    def on_fill(
        self,
        quoted_id: str,
        mark: FillMark,
        instrument_id: str,
        position_delta: int,
        cash_micros: int,
        fee_micros: int,
        unit_value: Fraction,
    ) -> int:
        """Book one fill (``mark`` in the quoted instrument's model space); return the
        spread it captured in micro-units."""
        self.fills.setdefault(quoted_id, []).append(mark)
        return self.ledger.fill(instrument_id, position_delta, cash_micros, fee_micros, unit_value)

    def sample_inventory(self, row: dict) -> None:
        if len(self.inventory) < MAX_INVENTORY_ROWS:
            self.inventory.append(row)

    def report(self, marks: dict[str, Fraction], parameters: dict, guards: dict) -> dict:
        """The strategy report: PnL split, fills by side, markouts, inventory, traffic."""
        split = self.ledger.split({**marks, **self.settlements})
        pnl_rows = [
            {"component": name, "micros": split[f"{name}_micros"], "amount": money(value)}
            for name in ("spread", "inventory", "fees", "total")
            for value in (split[f"{name}_micros"],)
        ]
        side_rows: list[dict] = []
        markout_rows: list[dict] = []
        end_ns = self.last_ns
        for quoted_id in sorted(self.fills):
            fills = self.fills[quoted_id]
            mids = self.mids.get(quoted_id, MidSeries())
            side_rows += [{"instrument": quoted_id, **row} for row in fills_by_side(fills)]
            markout_rows += [
                {"instrument": quoted_id, **row} for row in markouts(fills, mids, end_ns)
            ]
        return {
            "parameters": parameters,
            "pnl_split": pnl_rows,
            "pnl_check": {
                "spread_plus_inventory_minus_fees_micros": split["spread_micros"]
                + split["inventory_micros"]
                - split["fees_micros"],
                "total_micros": split["total_micros"],
                "settled": sorted(self.settlements),
                "note": "settlement commission (Betfair) is charged on net market winnings "
                "by the portfolio and is not part of this split",
            },
            "fills_by_side": side_rows,
            "markouts": markout_rows,
            "quotes": {
                **dict(sorted(self.traffic.items())),
                "rejections": dict(sorted(self.rejections.items())),
                "cancel_all": dict(sorted(self.cancel_alls.items())),
                "guards": guards,
            },
            "inventory": self.inventory,
        }
