"""State every venue emulator shares: the one emulated user's account."""

from __future__ import annotations

from pythia.model.enums import Side
from pythia.model.execution import FillReport


class EmulatedAccount:
    """Cash (micro-units) and positions (size units) of the one emulated user; the
    simulator's ``AccountView``, updated with each fill the emulator makes."""

    def __init__(self, cash_micros: int) -> None:
        self.cash_micros = cash_micros
        self.positions: dict[str, int] = {}

    def available(self, currency: str) -> int:
        return self.cash_micros

    def position(self, instrument_id: str) -> int:
        return self.positions.get(instrument_id, 0)

    def apply(self, fill: FillReport) -> None:
        self.cash_micros += fill.cash_micros - fill.fee_micros
        signed = fill.size if fill.side is Side.BUY else -fill.size
        self.positions[fill.instrument_id] = self.position(fill.instrument_id) + signed
