"""The ledger's mutable state and the plan/commit step that keeps it consistent.

Every operation first builds a :class:`Plan` (cash moves, holding moves, realized PnL,
fees) from read-only state, and only :meth:`LedgerState.commit` mutates. ``commit``
checks the whole plan first (no cash balance may go negative, no non-perpetual position
may go short), so a rejected operation leaves the state exactly as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pythia.core.errors import DataError
from pythia.model.instruments import (
    CryptoPerpetual,
    Instrument,
    OutcomeGroup,
    OutcomeToken,
)
from pythia.portfolio.entries import Bucket, Holding, LedgerEntry, LedgerKind
from pythia.portfolio.valuation import is_odds

HoldingKey = tuple[str, Bucket]


@dataclass(slots=True)
class Plan:
    """The movements of one operation, applied all at once or not at all."""

    ts_ns: int
    kind: LedgerKind
    cash: list[tuple[LedgerKind, str, int]] = field(default_factory=list)
    moves: list[tuple[LedgerKind, str, Bucket, int, int]] = field(default_factory=list)
    realized: list[tuple[str, str, int]] = field(default_factory=list)
    fees: list[tuple[str, int]] = field(default_factory=list)
    settled_market: str | None = None
    settled_instruments: tuple[str, ...] = ()

    def add_cash(self, currency: str, amount: int, kind: LedgerKind | None = None) -> None:
        """Move ``amount`` micro-units of ``currency`` (zero moves are not recorded)."""
        if amount:
            self.cash.append((kind or self.kind, currency, amount))

    def move(
        self,
        instrument_id: str,
        bucket: Bucket,
        size_delta: int,
        cost_delta: int,
        kind: LedgerKind | None = None,
    ) -> None:
        """Change a holding's size and cost basis."""
        if size_delta or cost_delta:
            self.moves.append((kind or self.kind, instrument_id, bucket, size_delta, cost_delta))

    def realize(self, instrument_id: str, currency: str, amount: int) -> None:
        if amount:
            self.realized.append((instrument_id, currency, amount))

    def fee(self, currency: str, amount: int, kind: LedgerKind = LedgerKind.FEE) -> None:
        """Pay ``amount`` of fee (or commission): a cash move and a fee total."""
        if amount:
            self.add_cash(currency, -amount, kind)
            self.fees.append((currency, amount))


@dataclass(slots=True)
class LedgerState:
    """Balances, holdings, totals and definitions; mutated only by :meth:`commit`."""

    cash: dict[str, int] = field(default_factory=dict)
    holdings: dict[HoldingKey, Holding] = field(default_factory=dict)
    realized_by_currency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    realized_by_instrument: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fees_by_currency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    deposits_by_currency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    instruments: dict[str, Instrument] = field(default_factory=dict)
    groups: dict[str, OutcomeGroup] = field(default_factory=dict)
    complements: dict[str, str] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    settled_markets: set[str] = field(default_factory=set)
    settled_instruments: set[str] = field(default_factory=set)
    traded: dict[str, None] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    version: int = 0
    """Changes with every commit, registration and mark (see ``Portfolio.version``)."""

    # ---- definitions -------------------------------------------------------------------
    def register(self, definition: Instrument | OutcomeGroup) -> None:
        """Add or replace an instrument or an outcome group (validated first)."""
        self.version += 1
        if isinstance(definition, OutcomeGroup):
            self.groups[definition.id] = definition
            return
        if not isinstance(definition, Instrument):
            raise DataError(f"cannot register {type(definition).__name__}: not an instrument")
        if not definition.id or not definition.quote_currency:
            raise DataError(f"instrument {definition.id!r} needs an id and a quote currency")
        old = self.instruments.get(definition.id)
        if (
            old is not None
            and self.is_held(definition.id)
            and _accounting(old) != _accounting(definition)
        ):
            raise DataError(
                f"{definition.id}: cannot change precision, currency or kind while held"
            )
        complement = definition.complement_id if isinstance(definition, OutcomeToken) else None
        if complement is not None:
            for one, other in ((definition.id, complement), (complement, definition.id)):
                known = self.complements.get(one)
                if known is not None and known != other:
                    raise DataError(f"{one}: complement {other} conflicts with {known}")
            self.complements[definition.id] = complement
            self.complements[complement] = definition.id
        self.instruments[definition.id] = definition

    def instrument(self, instrument_id: str) -> Instrument:
        """Return a registered instrument; ``DataError`` when unknown."""
        instrument = self.instruments.get(instrument_id)
        if instrument is None:
            raise DataError(f"unknown instrument {instrument_id!r}: register it first")
        return instrument

    def holding(self, instrument_id: str, bucket: Bucket = Bucket.MAIN) -> Holding:
        return self.holdings.get((instrument_id, bucket)) or Holding(0, 0)

    def is_held(self, instrument_id: str) -> bool:
        return any((instrument_id, bucket) in self.holdings for bucket in Bucket)

    # ---- commit ------------------------------------------------------------------------
    def commit(self, plan: Plan) -> None:
        """Check the whole plan, then apply it and append its ledger entries."""
        cash = self._planned_cash(plan)
        holdings = self._planned_holdings(plan)
        self.version += 1
        self.cash.update(cash)
        for key, holding in holdings.items():
            if holding.size == 0 and holding.cost_micros == 0:
                self.holdings.pop(key, None)
            else:
                self.holdings[key] = holding
        for instrument_id, currency, amount in plan.realized:
            self.realized_by_currency[currency] += amount
            self.realized_by_instrument[instrument_id] += amount
        for currency, amount in plan.fees:
            self.fees_by_currency[currency] += amount
        for kind, currency, amount in plan.cash:
            if kind is LedgerKind.DEPOSIT:
                self.deposits_by_currency[currency] += amount
            self.ledger.append(LedgerEntry(plan.ts_ns, kind, currency=currency, amount=amount))
        for kind, instrument_id, bucket, size_delta, _ in plan.moves:
            self.traded[instrument_id] = None
            if size_delta:
                exposed = -size_delta if bucket is Bucket.LAY else size_delta
                entry = LedgerEntry(plan.ts_ns, kind, instrument=instrument_id, size_delta=exposed)
                self.ledger.append(entry)
        if plan.settled_market is not None:
            self.settled_markets.add(plan.settled_market)
        self.settled_instruments.update(plan.settled_instruments)

    def _planned_cash(self, plan: Plan) -> dict[str, int]:
        deltas: dict[str, int] = defaultdict(int)
        for _, currency, amount in plan.cash:
            deltas[currency] += amount
        planned = {}
        for currency, delta in deltas.items():
            before = self.cash.get(currency, 0)
            after = before + delta
            if after < 0 and delta < 0:
                raise DataError(
                    f"insufficient balance: {plan.kind.value} needs {-delta} micro-units of "
                    f"{currency}, {before} available"
                )
            planned[currency] = after
        return planned

    def _planned_holdings(self, plan: Plan) -> dict[HoldingKey, Holding]:
        planned: dict[HoldingKey, Holding] = {}
        for _, instrument_id, bucket, size_delta, cost_delta in plan.moves:
            key = (instrument_id, bucket)
            before = planned.get(key) or self.holding(instrument_id, bucket)
            planned[key] = Holding(before.size + size_delta, before.cost_micros + cost_delta)
        for (instrument_id, bucket), holding in planned.items():
            instrument = self.instrument(instrument_id)
            if holding.size < 0 and (bucket is Bucket.LAY or not can_short(instrument)):
                raise DataError(
                    f"{instrument_id}: {plan.kind.value} would make the position negative "
                    f"({holding.size}); only perpetuals may go short"
                )
            if holding.size == 0 and holding.cost_micros != 0:
                raise DataError(f"{instrument_id}: closed position would keep a cost basis")
        return planned


def can_short(instrument: Instrument) -> bool:
    """Return True when the instrument may hold a negative position (perpetuals only)."""
    return isinstance(instrument, CryptoPerpetual)


def _accounting(instrument: Instrument) -> tuple:
    """The fields a held position's arithmetic depends on."""
    return (
        type(instrument),
        instrument.size_decimals,
        instrument.price_decimals,
        instrument.quote_currency,
        instrument.price_space,
        is_odds(instrument),
        getattr(instrument, "contract_size", "1"),
    )
