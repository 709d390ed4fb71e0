"""The risk engine: an ordered list of small rules run on every new order before it leaves.

Each rule reads what it needs through a :class:`RiskView` and returns None (pass) or a
rejecting :class:`RiskDecision` with a stable reason code; the first rejection wins. Cancels
are never checked (getting out must always be possible). Everything is an exact integer:
prices and sizes in the instrument's units, cash in micro-units (see ``risk/amounts.py`` for
position units, notional and locked cash).

This module holds the view, the decision, the engine and the order-level rules
(control mode, book freshness, order size and notional, price collar); position, exposure
and balance rules live in ``risk/exposure_rules.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.model.instruments import Instrument, OutcomeGroup, PriceSpace
from pythia.model.orders import OrderRequest
from pythia.risk.amounts import BPS_DENOMINATOR, notional_micros, position_delta
from pythia.risk.control import ControlMode
from pythia.risk.units import Amount, InstrumentLimit, money_decimals


class RiskView(Protocol):
    """What a rule may read. All amounts are exact integers.

    - ``now_ns()``: engine time (simulated in backtests), never the wall clock.
    - ``instrument(id)``: the definition, or None when unknown.
    - ``group_of(id)``: the :class:`OutcomeGroup` the instrument belongs to, or None.
    - ``position(id)``: signed position in position units (size units; net payout units
      ``back - lay`` on decimal odds), 0 when flat or unknown.
    - ``open_size(id, side)``: remaining size of our open orders on ``side`` in position
      units (stake x odds on decimal odds), >= 0.
    - ``available_cash(currency)``: micro-units free to spend, after what resting orders lock.
    - ``mid_price(id)``: ``(best bid + best ask) // 2`` in price units, or None when a side is
      missing.
    - ``book_state(id)``: ``(synced, last_update_ns)``; ``last_update_ns`` is when the book
      was last confirmed current (any update, snapshot or heartbeat), None before the first.
    - ``gross_exposure(currency, venue=None)``: micro-units, the sum of ``|value|`` of every
      open holding quoted in ``currency`` (at its mark, at cost when unmarked) plus the
      notional of every open order (as if it filled), on one venue or all of them.
    - ``net_exposure(currency)``: the same with signs: long holdings, buys and backs count
      positive; shorts (perpetuals), sells and lays (their liability) negative.
    """

    def now_ns(self) -> int: ...

    def instrument(self, instrument_id: str) -> Instrument | None: ...

    def group_of(self, instrument_id: str) -> OutcomeGroup | None: ...

    def position(self, instrument_id: str) -> int: ...

    def open_size(self, instrument_id: str, side: Side) -> int: ...

    def available_cash(self, currency: str) -> int: ...

    def mid_price(self, instrument_id: str) -> int | None: ...

    def book_state(self, instrument_id: str) -> tuple[bool, int | None]: ...

    def gross_exposure(self, currency: str, venue: str | None = None) -> int: ...

    def net_exposure(self, currency: str) -> int: ...


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The verdict on one order: ``rule`` that decided, ``reason`` a stable machine code
    (``max_order_size``, ``book_stale``, ...), ``detail`` the human explanation."""

    accepted: bool
    rule: str
    reason: str
    detail: str = ""


ACCEPTED = RiskDecision(True, "", "accepted")


class RiskRule(Protocol):
    """One check. ``check`` returns None to pass, or a rejecting :class:`RiskDecision`.

    The engine calls rules only for known instruments and positive integer sizes, so a rule
    may rely on ``view.instrument(request.instrument_id)`` not being None.
    """

    name: str

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None: ...


ENGINE_RULE = "risk_engine"


class RiskEngine:
    """Runs ``rules`` in order on each order; the first rejection wins.

    ``counts`` holds the number of decisions per ``(rule, reason)``; accepted orders count
    under ``("", "accepted")``. A rule that raises rejects the order (``rule_error``, the
    exception in the detail): a bug in a rule or the view never lets an order through.
    """

    __slots__ = ("rules", "counts")

    def __init__(self, rules: Iterable[RiskRule]) -> None:
        self.rules: tuple[RiskRule, ...] = tuple(rules)
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ConfigError(f"risk rule names must be unique: {names}")
        self.counts: dict[tuple[str, str], int] = {}

    def check(self, request: OrderRequest, view: RiskView, mode: ControlMode) -> RiskDecision:
        """Return the decision on ``request`` (a new order) given ``view`` and ``mode``."""
        decision = _invalid(request, view)
        if decision is None:
            decision = ACCEPTED
            rule = None
            try:
                for rule in self.rules:
                    verdict = rule.check(request, view, mode)
                    if verdict is not None and not verdict.accepted:
                        decision = verdict
                        break
            except Exception as error:  # a broken rule or view rejects, never lets through
                decision = RiskDecision(
                    False, rule.name, "rule_error", f"{type(error).__name__}: {error}"
                )
        key = (decision.rule, decision.reason)
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1
        return decision

    def summary(self) -> dict[str, dict[str, int]]:
        """Decision counts as ``{rule: {reason: count}}`` (sorted; for reports and metrics)."""
        result: dict[str, dict[str, int]] = {}
        for (rule, reason), count in sorted(self.counts.items()):
            result.setdefault(rule or "accepted", {})[reason] = count
        return result


def _invalid(request: OrderRequest, view: RiskView) -> RiskDecision | None:
    instrument = view.instrument(request.instrument_id)
    if instrument is None:
        return RiskDecision(
            False, ENGINE_RULE, "unknown_instrument", f"no instrument {request.instrument_id!r}"
        )
    if request.size.__class__ is not int or request.size <= 0:
        return RiskDecision(
            False, ENGINE_RULE, "invalid_size", f"size must be a positive int: {request.size!r}"
        )
    price = request.price
    if price is not None and (
        price.__class__ is not int
        or price <= 0
        or (instrument.price_space is PriceSpace.DECIMAL_ODDS and price <= instrument.one)
    ):
        return RiskDecision(False, ENGINE_RULE, "invalid_price", f"invalid price {price!r}")
    return None


def reference_price(request: OrderRequest, view: RiskView) -> int | None:
    """The order's limit price, or the mid for an order without one (None if neither)."""
    price = request.price
    return view.mid_price(request.instrument_id) if price is None else price


def order_delta(request: OrderRequest, view: RiskView, instrument: Instrument) -> int | None:
    """The order's signed position change; None on decimal odds without a reference price."""
    if instrument.price_space is not PriceSpace.DECIMAL_ODDS:
        return request.size if request.side is Side.BUY else -request.size
    price = reference_price(request, view)
    if price is None:
        return None
    return position_delta(instrument, request.side, price, request.size)


def order_notional(request: OrderRequest, view: RiskView, instrument: Instrument) -> int | None:
    """The order's notional in micro-units at its reference price (None without one)."""
    price = reference_price(request, view)
    if price is None:
        return None
    return notional_micros(instrument, request.side, price, request.size)


def no_reference_price(rule: str, request: OrderRequest) -> RiskDecision:
    """The rejection of a rule that needs a price when the order has none and no mid."""
    return RiskDecision(
        False,
        rule,
        "no_reference_price",
        f"{request.instrument_id}: no limit price and no mid to value the order",
    )


class ControlModeRule:
    """PAUSED and KILLED reject every new order; REDUCE_ONLY and FLATTEN reject any order
    that is not strictly reducing: opposite to the position and, together with our resting
    orders on the same side, no larger than it (no flip through zero).

    Reasons: ``mode_paused``, ``mode_killed``, ``mode_reduce_only``, ``mode_flatten``.
    """

    __slots__ = ("name",)

    def __init__(self, name: str = "control_mode") -> None:
        self.name = name

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        if mode is ControlMode.NORMAL:
            return None
        reason = "mode_" + mode.value
        if mode is ControlMode.PAUSED or mode is ControlMode.KILLED:
            return RiskDecision(False, self.name, reason, f"{mode.value}: no new orders")
        instrument_id = request.instrument_id
        delta = order_delta(request, view, view.instrument(instrument_id))
        position = view.position(instrument_id)
        if (
            delta is not None
            and position != 0
            and (delta > 0) != (position > 0)
            and abs(delta) + view.open_size(instrument_id, request.side) <= abs(position)
        ):
            return None
        return RiskDecision(
            False,
            self.name,
            reason,
            f"{mode.value}: {instrument_id} order of {delta} (with resting orders) does not "
            f"reduce the position {position}",
        )


class BookFresh:
    """Reject an order on a book that is not synced (``book_unsynced``) or was last confirmed
    current more than ``max_age_ns`` ago, or never (``book_stale``). ``per_venue`` overrides
    the age by venue; an age of None checks only the sync state."""

    __slots__ = ("name", "max_age_ns", "per_venue")

    def __init__(
        self,
        max_age_ns: int | None,
        per_venue: Mapping[str, int] | None = None,
        name: str = "book_fresh",
    ) -> None:
        self.name = name
        self.max_age_ns = max_age_ns
        self.per_venue = dict(per_venue or {})

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        synced, last_update_ns = view.book_state(request.instrument_id)
        if not synced:
            return RiskDecision(
                False, self.name, "book_unsynced", f"{request.instrument_id}: book not synced"
            )
        max_age_ns = self.max_age_ns
        if self.per_venue:
            venue = view.instrument(request.instrument_id).venue
            max_age_ns = self.per_venue.get(venue, max_age_ns)
        if max_age_ns is None:
            return None
        if last_update_ns is None:
            return RiskDecision(
                False, self.name, "book_stale", f"{request.instrument_id}: no update yet"
            )
        age_ns = view.now_ns() - last_update_ns
        if age_ns > max_age_ns:
            return RiskDecision(
                False,
                self.name,
                "book_stale",
                f"{request.instrument_id}: book is {age_ns} ns old (max {max_age_ns})",
            )
        return None


class InstrumentLimitRule:
    """Base of the rules with one :class:`InstrumentLimit`: ``limit`` (natural units) applies
    to every instrument, ``per_instrument`` overrides it by id; None is no limit.
    Subclasses set ``default_name`` and ``decimals_of`` (the integer units of the limit)."""

    __slots__ = ("name", "limit")
    default_name = ""

    @staticmethod
    def decimals_of(instrument: Instrument) -> int:
        return instrument.size_decimals

    def __init__(
        self,
        limit: Amount | None = None,
        per_instrument: Mapping[str, Amount] | None = None,
        name: str | None = None,
    ) -> None:
        self.name = name or self.default_name
        self.limit = InstrumentLimit(limit, per_instrument, self.decimals_of, self.name)


class MaxOrderSize(InstrumentLimitRule):
    """Reject an order larger than the limit (``max_order_size``), given in contracts (the
    stake on decimal odds) with per-instrument overrides."""

    __slots__ = ()
    default_name = "max_order_size"

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        instrument = view.instrument(request.instrument_id)
        limit = self.limit.units(instrument)
        if limit is None or request.size <= limit:
            return None
        return RiskDecision(
            False,
            self.name,
            "max_order_size",
            f"{instrument.id}: size {instrument.format_size(request.size)} above "
            f"{instrument.format_size(limit)}",
        )


class MaxOrderNotional(InstrumentLimitRule):
    """Reject an order whose notional exceeds the limit (``max_order_notional``), in units of
    the instrument's quote currency with per-instrument overrides. Notional: ``price x size``
    at the limit (the mid for an order without one); the stake of a back, the liability of a
    lay. No price and no mid: ``no_reference_price``."""

    __slots__ = ()
    default_name = "max_order_notional"
    decimals_of = staticmethod(money_decimals)

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        instrument = view.instrument(request.instrument_id)
        limit = self.limit.units(instrument)
        if limit is None:
            return None
        notional = order_notional(request, view, instrument)
        if notional is None:
            return no_reference_price(self.name, request)
        if notional <= limit:
            return None
        return RiskDecision(
            False,
            self.name,
            "max_order_notional",
            f"{instrument.id}: notional {notional} above {limit} micro-units "
            f"{instrument.quote_currency}",
        )


@dataclass(frozen=True, slots=True)
class Collar:
    """How far from the mid a limit price may be: ``max_bps`` of the mid and/or ``max_ticks``
    ticks (the tick at the mid); None is no bound."""

    max_bps: int | None = None
    max_ticks: int | None = None


class PriceCollar:
    """Reject a limit price further from the mid than the collar allows (``price_collar``),
    on either side. Orders pass when the book has no mid; an order without a limit price
    passes too unless ``reject_unpriced`` (then ``unpriced_order``)."""

    __slots__ = ("name", "collar", "per_instrument", "reject_unpriced")

    def __init__(
        self,
        max_bps: int | None = None,
        max_ticks: int | None = None,
        per_instrument: Mapping[str, Collar] | None = None,
        reject_unpriced: bool = False,
        name: str = "price_collar",
    ) -> None:
        self.name = name
        self.collar = Collar(max_bps, max_ticks)
        self.per_instrument = dict(per_instrument or {})
        self.reject_unpriced = reject_unpriced

    def check(
        self, request: OrderRequest, view: RiskView, mode: ControlMode
    ) -> RiskDecision | None:
        price = request.price
        if price is None:
            if not self.reject_unpriced:
                return None
            return RiskDecision(
                False, self.name, "unpriced_order", f"{request.instrument_id}: no limit price"
            )
        mid = view.mid_price(request.instrument_id)
        if mid is None:
            return None
        collar = self.per_instrument.get(request.instrument_id, self.collar)
        distance = abs(price - mid)
        if collar.max_bps is not None and distance * BPS_DENOMINATOR > collar.max_bps * mid:
            bound = f"{collar.max_bps} bps"
        elif collar.max_ticks is not None and distance > collar.max_ticks * view.instrument(
            request.instrument_id
        ).ticks.tick_at(mid):
            bound = f"{collar.max_ticks} ticks"
        else:
            return None
        return RiskDecision(
            False,
            self.name,
            "price_collar",
            f"{request.instrument_id}: price {price} is {distance} from the mid {mid} "
            f"(more than {bound})",
        )
