"""Position, exposure and balance rules.

An order that does not increase ``|position|`` of its instrument is never rejected by the
position and gross-exposure rules (getting out must stay possible); the net-exposure rule
passes an order that moves the net exposure toward zero. Limits count our resting orders as
if they filled (worst case), through :meth:`RiskView.open_size` and the exposure figures.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal

from pythia.core.fixed import Rounding, decimal_to_units
from pythia.model.enums import Side
from pythia.model.instruments import Instrument
from pythia.model.orders import OrderRequest
from pythia.risk.amounts import (
    FeeModel,
    increases,
    locks_cash,
    notional_micros,
    position_decimals,
    worst_fee_micros,
)
from pythia.risk.control import ControlMode
from pythia.risk.rules import (
    InstrumentLimitRule,
    RiskDecision,
    RiskView,
    no_reference_price,
    order_delta,
    order_notional,
    reference_price,
)
from pythia.risk.units import Amount, money_limits, to_decimal


class _IncreaseRule(ABC):
    """Rules that judge only orders increasing ``|position|`` of their instrument: find the
    limit (None for none), the order's position change (``no_reference_price`` on odds
    without a price), and hand increasing orders to :meth:`_judge`."""

    __slots__ = ()
    name: str

    @abstractmethod
    def _limit(self, request: OrderRequest, view: RiskView, instrument: Instrument) -> int | None:
        """The limit that applies to the order in position units, or None."""

    @abstractmethod
    def _judge(
        self, request: OrderRequest, view: RiskView, position: int, delta: int, limit: int
    ) -> RiskDecision | None:
        """The verdict on an increasing order: None to pass, or the rejection."""

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        instrument = view.instrument(request.instrument_id)
        limit = self._limit(request, view, instrument)
        if limit is None:
            return None
        delta = order_delta(request, view, instrument)
        if delta is None:
            return no_reference_price(self.name, request)
        position = view.position(request.instrument_id)
        if not increases(position, delta):
            return None
        return self._judge(request, view, position, delta, limit)


class PositionLimit(_IncreaseRule, InstrumentLimitRule):
    """Reject an order that increases ``|position|`` beyond the limit once our resting orders
    on the same side fill too (``position_limit``). The limit is in contracts (payout units
    on decimal odds: ``stake x odds``) with per-instrument overrides."""

    __slots__ = ()
    default_name = "position_limit"
    decimals_of = staticmethod(position_decimals)

    def _limit(self, request: OrderRequest, view: RiskView, instrument: Instrument) -> int | None:
        return self.limit.units(instrument)

    def _judge(
        self, request: OrderRequest, view: RiskView, position: int, delta: int, limit: int
    ) -> RiskDecision | None:
        pending = view.open_size(request.instrument_id, request.side)
        projected = position + delta + (pending if delta > 0 else -pending)
        if abs(projected) <= limit:
            return None
        return RiskDecision(
            False,
            self.name,
            "position_limit",
            f"{request.instrument_id}: position {position} + order {delta} + resting "
            f"{pending} exceeds {limit}",
        )


class GroupPositionLimit(_IncreaseRule):
    """Reject an order that increases ``|position|`` when the group's usage would exceed the
    limit (``group_position_limit``).

    A group's usage is the sum over its member instruments of ``|position|`` plus the
    resting orders that would increase it (buys when long or flat, sells when short), in
    position units: contracts held across outcomes, not the net risk (a YES and a NO of a
    binary pair both count). Members of a group share their size precision. The limit is in
    contracts, with overrides per group id; instruments outside any group pass.
    """

    __slots__ = ("name", "default", "per_group", "_units")

    def __init__(
        self,
        limit: Amount | None = None,
        per_group: Mapping[str, Amount] | None = None,
        name: str = "group_position_limit",
    ) -> None:
        self.name = name
        self.default = None if limit is None else to_decimal(limit, name)
        self.per_group: dict[str, Decimal] = {
            key: to_decimal(value, f"{name}[{key}]") for key, value in (per_group or {}).items()
        }
        self._units: dict[tuple[str, int], int | None] = {}

    def _limit(self, request: OrderRequest, view: RiskView, instrument: Instrument) -> int | None:
        group = view.group_of(instrument.id)
        if group is None:
            return None
        key = (group.id, position_decimals(instrument))
        units = self._units
        if key not in units:
            value = self.per_group.get(group.id, self.default)
            units[key] = None if value is None else decimal_to_units(value, key[1], Rounding.FLOOR)
        return units[key]

    def _judge(
        self, request: OrderRequest, view: RiskView, position: int, delta: int, limit: int
    ) -> RiskDecision | None:
        group = view.group_of(request.instrument_id)
        usage = 0
        for member_id in group.instrument_ids:
            held = view.position(member_id)
            usage += abs(held) + view.open_size(member_id, Side.BUY if held >= 0 else Side.SELL)
        after = usage + abs(position + delta) - abs(position)
        if after <= limit:
            return None
        return RiskDecision(
            False,
            self.name,
            "group_position_limit",
            f"{request.instrument_id}: group {group.id} usage {usage} -> {after} exceeds {limit}",
        )


class _ExposureRule:
    """Shared shape: a money limit per key (currency or venue); the order's notional at its
    reference price changes the view's exposure figure from ``before`` to ``after``; reject
    when ``|after|`` is above the limit and further from zero than ``|before|``."""

    __slots__ = ("name", "limits")
    reason = ""

    def __init__(self, limits: Mapping[str, Amount], name: str | None = None) -> None:
        self.name = name or self.reason
        self.limits = money_limits(limits, self.name)

    def _key(self, instrument: Instrument) -> str:
        return instrument.quote_currency

    def _current(self, view: RiskView, instrument: Instrument) -> int:
        return view.gross_exposure(instrument.quote_currency)

    def _change(
        self, request: OrderRequest, view: RiskView, instrument: Instrument, notional: int
    ) -> int:
        """Gross: the notional when the order increases ``|position|``, else 0."""
        delta = order_delta(request, view, instrument)
        return notional if increases(view.position(instrument.id), delta) else 0

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        instrument = view.instrument(request.instrument_id)
        limit = self.limits.get(self._key(instrument))
        if limit is None:
            return None
        notional = order_notional(request, view, instrument)
        if notional is None:
            return no_reference_price(self.name, request)
        change = self._change(request, view, instrument, notional)
        if not change:
            return None
        before = self._current(view, instrument)
        after = before + change
        if abs(after) <= limit or abs(after) <= abs(before):
            return None
        return RiskDecision(
            False,
            self.name,
            self.reason,
            f"{instrument.id}: {self.reason} {before} -> {after} exceeds {limit} "
            f"micro-units {instrument.quote_currency}",
        )


class GrossExposureLimit(_ExposureRule):
    """Reject an order that increases ``|position|`` when the gross exposure in its quote
    currency plus its notional would exceed the limit (``gross_exposure``). Limits are per
    currency (``{"USDC": "5000"}``); currencies without one pass."""

    __slots__ = ()
    reason = "gross_exposure"


class VenueExposureLimit(_ExposureRule):
    """Like :class:`GrossExposureLimit`, counting only the order's venue
    (``venue_exposure``): limits per venue, applied in each instrument's quote currency."""

    __slots__ = ()
    reason = "venue_exposure"

    def _key(self, instrument: Instrument) -> str:
        return instrument.venue

    def _current(self, view: RiskView, instrument: Instrument) -> int:
        return view.gross_exposure(instrument.quote_currency, instrument.venue)


class NetExposureLimit(_ExposureRule):
    """Reject an order that would take ``|net exposure|`` in its quote currency above the
    limit (``net_exposure``); an order moving the net toward zero passes. A buy or back adds
    its notional, a sell or lay subtracts it. Limits per currency."""

    __slots__ = ()
    reason = "net_exposure"

    def _current(self, view: RiskView, instrument: Instrument) -> int:
        return view.net_exposure(instrument.quote_currency)

    def _change(
        self, request: OrderRequest, view: RiskView, instrument: Instrument, notional: int
    ) -> int:
        return notional if request.side is Side.BUY else -notional


class AvailableBalance:
    """Reject an order that locks more cash than is available (``insufficient_balance``):
    the notional of a buy, back or lay at its limit (the mid without one), plus the worst
    fee it may pay when a ``fee_model`` is given. Sells and perpetuals (margin) pass."""

    __slots__ = ("name", "fee_model")

    def __init__(self, fee_model: FeeModel | None = None, name: str = "available_balance") -> None:
        self.name = name
        self.fee_model = fee_model

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        instrument = view.instrument(request.instrument_id)
        side = request.side
        if not locks_cash(instrument, side):
            return None
        price = reference_price(request, view)
        if price is None:
            return no_reference_price(self.name, request)
        cost = notional_micros(instrument, side, price, request.size)
        if self.fee_model is not None:
            cost += worst_fee_micros(self.fee_model, instrument, side, price, request.size)
        available = view.available_cash(instrument.quote_currency)
        if cost <= available:
            return None
        return RiskDecision(
            False,
            self.name,
            "insufficient_balance",
            f"{instrument.id}: needs {cost} micro-units {instrument.quote_currency}, "
            f"{available} available",
        )
