"""The exact portfolio ledger: cash per currency, positions per instrument, PnL and fees.

Units: cash in integer micro-units (``10**-6``) of its currency; positions in the
instrument's size units, except decimal-odds runners (Betfair), whose position is the net
payout units ``back - lay`` at ``size_decimals + price_decimals`` places (see
:mod:`pythia.portfolio.valuation`). Positions belong to the instrument's quote currency.

Every operation is validated and planned before anything changes, so a rejected one
(``DataError``) leaves the portfolio exactly as it was. Per currency, at every moment::

    starting cash + starting cost basis + deposits + realized PnL - fees
        == cash + cost basis of open positions

and replaying :attr:`Portfolio.ledger` over the starting balances and positions gives the
current ones exactly.

>>> from pythia.model.instruments import crypto_instrument
>>> btc = crypto_instrument("BTCUSDT", "binance", "BTCUSDT", 2, 5, "BTC", "USDT")
>>> portfolio = Portfolio({"USDT": 100_000_000_000}, instruments=[btc])
>>> portfolio.cash("USDT"), portfolio.position("BTCUSDT")
(100000000000, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pythia.core.errors import DataError
from pythia.model.events import Resolution
from pythia.model.execution import FillReport
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.portfolio.complete_sets import plan_convert, plan_merge, plan_split
from pythia.portfolio.entries import Bucket, Holding, LedgerEntry, LedgerKind
from pythia.portfolio.fills import plan_fill
from pythia.portfolio.settlement import plan_settlement
from pythia.portfolio.state import LedgerState, Plan, can_short
from pythia.portfolio.valuation import check_mark_price, is_odds, mark_value_micros

StartingPosition = int | tuple[int, int]
"""A starting position: ``size`` (cost basis 0) or ``(size, cost_micros)``."""


class Portfolio:
    """Cash, positions, cost basis, realized PnL, fees and an append-only ledger.

    ``starting_positions`` maps an instrument id (registered through ``instruments``) to a
    size, which gets a cost basis of 0, or to ``(size, cost_micros)``. Sizes are signed:
    negative only for perpetuals, and for decimal-odds runners a negative size is a lay
    (``LAY`` bucket) and a positive one a back, in payout units.
    """

    def __init__(
        self,
        starting_balances: Mapping[str, int],
        starting_positions: Mapping[str, StartingPosition] | None = None,
        instruments: Iterable[Instrument | OutcomeGroup] = (),
    ) -> None:
        self._state = LedgerState()
        for definition in instruments:
            self._state.register(definition)
        for currency, micros in starting_balances.items():
            if not isinstance(currency, str) or not currency:
                raise DataError(f"currency must be a non-empty string, got {currency!r}")
            if micros.__class__ is not int or micros < 0:
                raise DataError(f"starting balance of {currency} must be an int >= 0")
        self._starting_balances = dict(starting_balances)
        self._state.cash = dict(starting_balances)
        self._starting_positions: dict[str, int] = {}
        self._starting_cost: dict[str, int] = {}
        for instrument_id, spec in (starting_positions or {}).items():
            self._add_starting_position(instrument_id, spec)

    def _add_starting_position(self, instrument_id: str, spec: StartingPosition) -> None:
        instrument = self._state.instrument(instrument_id)
        size, cost = spec if isinstance(spec, tuple) else (spec, 0)
        if size.__class__ is not int or cost.__class__ is not int or size == 0:
            raise DataError(f"{instrument_id}: starting position needs an int size != 0")
        bucket = Bucket.LAY if is_odds(instrument) and size < 0 else Bucket.MAIN
        if size < 0 and bucket is Bucket.MAIN and not can_short(instrument):
            raise DataError(f"{instrument_id}: only perpetuals may start short")
        self._state.holdings[(instrument_id, bucket)] = Holding(
            -size if bucket is Bucket.LAY else size, cost
        )
        self._starting_positions[instrument_id] = size
        self._state.traded[instrument_id] = None
        currency = instrument.quote_currency
        self._starting_cost[currency] = self._starting_cost.get(currency, 0) + cost

    # ---- definitions -------------------------------------------------------------------
    def register(self, definition: Instrument | OutcomeGroup) -> None:
        """Add (or update, e.g. a tick change) an instrument or an outcome group."""
        self._state.register(definition)

    def instrument(self, instrument_id: str) -> Instrument:
        """Return a registered instrument; ``DataError`` when unknown."""
        return self._state.instrument(instrument_id)

    # ---- operations --------------------------------------------------------------------
    def apply_fill(self, fill: FillReport, ts_ns: int | None = None) -> None:
        """Book a fill: cash, fee and position (``ts_ns`` defaults to ``fill.ts_event_ns``)."""
        ts = fill.ts_event_ns if ts_ns is None else ts_ns
        self._state.commit(plan_fill(self._state, fill, ts))

    def split(self, yes_id: str, no_id: str, amount: int, ts_ns: int) -> None:
        """Pay ``amount`` (token units) of collateral for ``amount`` YES and ``amount`` NO."""
        self._state.commit(plan_split(self._state, yes_id, no_id, amount, ts_ns))

    def merge(self, yes_id: str, no_id: str, amount: int, ts_ns: int) -> None:
        """Burn ``amount`` YES and ``amount`` NO for ``amount`` of collateral."""
        self._state.commit(plan_merge(self._state, yes_id, no_id, amount, ts_ns))

    def convert(
        self,
        group: OutcomeGroup | str,
        no_ids: Sequence[str],
        amount: int,
        fee_bips: int,
        ts_ns: int,
    ) -> None:
        """Convert ``amount`` of each NO in ``no_ids`` (Polymarket negRisk) into YES of the
        group's other outcomes plus ``(k - 1) * amount_out`` collateral."""
        if isinstance(group, str):
            if group not in self._state.groups:
                raise DataError(f"unknown outcome group {group!r}: register it first")
            group = self._state.groups[group]
        plan = plan_convert(self._state, group, tuple(no_ids), amount, fee_bips, ts_ns)
        self._state.commit(plan)

    def settle(
        self, resolution: Resolution, ts_ns: int | None = None, commission_bps: int = 0
    ) -> None:
        """Settle every holding the resolution decides (``ts_ns`` defaults to its event
        time); ``commission_bps`` charges commission on the market's net winnings."""
        ts = resolution.ts_event_ns if ts_ns is None else ts_ns
        self._state.commit(plan_settlement(self._state, resolution, ts, commission_bps))

    def deposit(self, currency: str, amount_micros: int, ts_ns: int) -> None:
        """Add cash from outside (a negative amount withdraws, never below zero)."""
        if not isinstance(currency, str) or not currency:
            raise DataError(f"currency must be a non-empty string, got {currency!r}")
        if amount_micros.__class__ is not int or amount_micros == 0:
            raise DataError(f"deposit amount must be a non-zero int, got {amount_micros!r}")
        plan = Plan(ts_ns, LedgerKind.DEPOSIT)
        plan.add_cash(currency, amount_micros)
        self._state.commit(plan)

    def mark(self, instrument_id: str, price: int) -> None:
        """Store a mark price (instrument price units; odds for decimal-odds runners)."""
        check_mark_price(self._state.instrument(instrument_id), price)
        self._state.marks[instrument_id] = price
        self._state.version += 1

    @property
    def version(self) -> int:
        """A counter that changes whenever cash, holdings, marks or definitions may have
        changed (a commit, a registration, a mark): figures derived from them while it
        stays the same are still right."""
        return self._state.version

    # ---- cash --------------------------------------------------------------------------
    def cash(self, currency: str) -> int:
        return self._state.cash.get(currency, 0)

    def available(self, currency: str) -> int:
        """Cash free to use; equal to :meth:`cash` (order reservations live in the sim)."""
        return self.cash(currency)

    def balances(self) -> dict[str, int]:
        return dict(self._state.cash)

    def fees_paid(self, currency: str) -> int:
        """Fees and commissions paid in ``currency`` (rebates count negative)."""
        return self._state.fees_by_currency.get(currency, 0)

    def fees_by_currency(self) -> dict[str, int]:
        """:meth:`fees_paid` of every currency that paid any."""
        return {c: v for c, v in self._state.fees_by_currency.items() if v}

    def deposits(self, currency: str) -> int:
        """Net cash deposited with :meth:`deposit` (starting balances excluded)."""
        return self._state.deposits_by_currency.get(currency, 0)

    def starting_balances(self) -> dict[str, int]:
        return dict(self._starting_balances)

    def starting_positions(self) -> dict[str, int]:
        return dict(self._starting_positions)

    def starting_cost_basis(self, currency: str) -> int:
        return self._starting_cost.get(currency, 0)

    # ---- positions ---------------------------------------------------------------------
    def position(self, instrument_id: str) -> int:
        """Signed size; for decimal-odds runners, net payout units ``back - lay``.

        Queries never raise: an instrument never registered (so never held) reads 0."""
        main = self._state.holding(instrument_id).size
        return main - self._state.holding(instrument_id, Bucket.LAY).size

    def positions(self) -> dict[str, int]:
        """Every instrument with an open holding and its :meth:`position`."""
        return {instrument_id: self.position(instrument_id) for instrument_id in self._open_ids()}

    def cost_basis(self, instrument_id: str) -> int:
        """Signed cash invested in the open position (both buckets of an odds runner)."""
        return sum(self._state.holding(instrument_id, bucket).cost_micros for bucket in Bucket)

    def holding(self, instrument_id: str, bucket: Bucket = Bucket.MAIN) -> Holding:
        """One bucket's size and cost (``Bucket.LAY`` only on decimal-odds runners)."""
        return self._state.holding(instrument_id, bucket)

    def traded_instruments(self) -> list[str]:
        """Instruments that ever held or moved a position, in first-seen order."""
        return list(self._state.traded)

    def _open_ids(self) -> list[str]:
        return list(dict.fromkeys(instrument_id for instrument_id, _ in self._state.holdings))

    # ---- PnL ---------------------------------------------------------------------------
    def realized_pnl(self, currency: str) -> int:
        """Realized PnL in ``currency``, before fees and commissions."""
        return self._state.realized_by_currency.get(currency, 0)

    def realized_pnl_of(self, instrument_id: str) -> int:
        """Realized PnL of one instrument (convert and merge PnL split as documented)."""
        return self._state.realized_by_instrument.get(instrument_id, 0)

    def realized_pnl_by_instrument(self) -> dict[str, int]:
        return {k: v for k, v in self._state.realized_by_instrument.items() if v}

    def mark_price(self, instrument_id: str) -> int | None:
        return self._state.marks.get(instrument_id)

    def unrealized_pnl(self) -> dict[str, int]:
        """Mark value (FLOOR) minus cost basis of each open, marked instrument."""
        result = {}
        for instrument_id in self._open_ids():
            value = self._mark_value(instrument_id)
            if value is not None:
                result[instrument_id] = value - self.cost_basis(instrument_id)
        return result

    def unrealized_pnl_of(self, instrument_id: str) -> int:
        """Unrealized PnL of one instrument; 0 when flat or not marked."""
        value = self._mark_value(instrument_id)
        return 0 if value is None else value - self.cost_basis(instrument_id)

    def total_unrealized_pnl(self, currency: str) -> int:
        """Sum of :meth:`unrealized_pnl` over instruments quoted in ``currency``."""
        return sum(
            pnl
            for instrument_id, pnl in self.unrealized_pnl().items()
            if self._state.instrument(instrument_id).quote_currency == currency
        )

    def equity(self, currency: str) -> int:
        """Cash plus open positions in ``currency`` at their marks (at cost when unmarked)."""
        total = self.cash(currency)
        for instrument_id in self._open_ids():
            if self._state.instrument(instrument_id).quote_currency != currency:
                continue
            value = self._mark_value(instrument_id)
            total += self.cost_basis(instrument_id) if value is None else value
        return total

    def gross_exposure(self, currency: str) -> int:
        """Sum of the absolute values of open holdings in ``currency`` (each bucket at its
        mark, or at its cost basis when unmarked)."""
        total = 0
        for (instrument_id, bucket), holding in self._state.holdings.items():
            instrument = self._state.instrument(instrument_id)
            if instrument.quote_currency != currency:
                continue
            price = self._state.marks.get(instrument_id)
            value = (
                holding.cost_micros
                if price is None
                else mark_value_micros(instrument, bucket, holding.size, price)
            )
            total += abs(value)
        return total

    def position_values(self) -> dict[str, tuple[int, int]]:
        """``{instrument_id: (position, value)}`` for every open holding, in one pass.

        ``position`` is :meth:`position`; ``value`` is :meth:`market_value`, or
        :meth:`cost_basis` when the instrument is unmarked (micro-units, as those give).
        """
        state = self._state
        marks = state.marks
        sizes: dict[str, int] = {}
        values: dict[str, int] = {}
        costs: dict[str, int] = {}
        for (instrument_id, bucket), holding in state.holdings.items():
            size = holding.size if bucket is Bucket.MAIN else -holding.size
            sizes[instrument_id] = sizes.get(instrument_id, 0) + size
            costs[instrument_id] = costs.get(instrument_id, 0) + holding.cost_micros
            price = marks.get(instrument_id)
            if price is not None:
                value = mark_value_micros(
                    state.instrument(instrument_id), bucket, holding.size, price
                )
                values[instrument_id] = values.get(instrument_id, 0) + value
        return {
            instrument_id: (size, values.get(instrument_id, costs[instrument_id]))
            for instrument_id, size in sizes.items()
        }

    def market_value(self, instrument_id: str) -> int | None:
        """The open position's value at its mark in micro-units (None when unmarked or flat)."""
        return self._mark_value(instrument_id)

    def _mark_value(self, instrument_id: str) -> int | None:
        price = self._state.marks.get(instrument_id)
        if price is None or not self._state.is_held(instrument_id):
            return None
        instrument = self._state.instrument(instrument_id)
        return sum(
            mark_value_micros(
                instrument, bucket, self._state.holding(instrument_id, bucket).size, price
            )
            for bucket in Bucket
            if (instrument_id, bucket) in self._state.holdings
        )

    # ---- ledger ------------------------------------------------------------------------
    @property
    def ledger(self) -> tuple[LedgerEntry, ...]:
        """Every movement so far, oldest first."""
        return tuple(self._state.ledger)

    def is_settled(self, market_id: str) -> bool:
        return market_id in self._state.settled_markets
