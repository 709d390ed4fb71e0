"""A :class:`RiskView` backed by plain dicts: for tests, benchmarks and offline checks.

The engine's own view reads its portfolio, order manager and books; this one holds the
same figures in dicts the caller fills in (units as documented on :class:`RiskView`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup


@dataclass
class MemoryRiskView:
    """Every figure a rule may read, in dicts keyed by instrument id, currency or venue.

    ``gross`` is keyed by ``(currency, venue)`` with ``venue=None`` for the total; ``open``
    by ``(instrument_id, side)``; ``books`` holds ``(synced, last_update_ns)``.
    """

    now: int = 0
    instruments: dict[str, Instrument] = field(default_factory=dict)
    groups: dict[str, OutcomeGroup] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    open: dict[tuple[str, Side], int] = field(default_factory=dict)
    cash: dict[str, int] = field(default_factory=dict)
    mids: dict[str, int] = field(default_factory=dict)
    books: dict[str, tuple[bool, int | None]] = field(default_factory=dict)
    gross: dict[tuple[str, str | None], int] = field(default_factory=dict)
    net: dict[str, int] = field(default_factory=dict)
    _group_of: dict[str, OutcomeGroup] = field(default_factory=dict, repr=False)

    def add(self, *definitions: Instrument | OutcomeGroup) -> None:
        """Register instruments and groups (a group indexes its members)."""
        for definition in definitions:
            if isinstance(definition, OutcomeGroup):
                self.groups[definition.id] = definition
                for instrument_id in definition.instrument_ids:
                    self._group_of[instrument_id] = definition
            else:
                self.instruments[definition.id] = definition

    def now_ns(self) -> int:
        return self.now

    def instrument(self, instrument_id: str) -> Instrument | None:
        return self.instruments.get(instrument_id)

    def group_of(self, instrument_id: str) -> OutcomeGroup | None:
        return self._group_of.get(instrument_id)

    def position(self, instrument_id: str) -> int:
        return self.positions.get(instrument_id, 0)

    def open_size(self, instrument_id: str, side: Side) -> int:
        return self.open.get((instrument_id, side), 0)

    def available_cash(self, currency: str) -> int:
        return self.cash.get(currency, 0)

    def mid_price(self, instrument_id: str) -> int | None:
        return self.mids.get(instrument_id)

    def book_state(self, instrument_id: str) -> tuple[bool, int | None]:
        return self.books.get(instrument_id, (False, None))

    def gross_exposure(self, currency: str, venue: str | None = None) -> int:
        return self.gross.get((currency, venue), 0)

    def net_exposure(self, currency: str) -> int:
        return self.net.get(currency, 0)
