"""Rebuild a run's state from its journal, and reconcile it with what a venue reports.

:func:`rebuild` folds the records (see :mod:`pythia.engine.safety` for the kinds) into a
fresh :class:`~pythia.portfolio.Portfolio` with the same accounting code the engine uses:
positions and balances come out exact, to the micro-unit. Open orders are those submitted
(or placed by a replace) and not yet finished by an ``order_update`` or fully filled; the
control mode is the last ``mode_change``. A fill journaled twice (same trade id) is booked
once.

:func:`reconcile` compares our open orders with the venue's, by client order id:

- an order the venue has and we do not (``unknown_at_venue``) is cancelled at the venue:
  we never leave an order working that no strategy owns;
- an order we have and the venue does not (``missing_at_venue``) is taken as finished
  (cancelled) on our side: a venue's "no such order" is final, its fills (if any) arrive
  through the fill feed.

Both lists are journaled (``reconcile``) before the rule is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pythia.model.enums import Side
from pythia.model.events import Resolution
from pythia.model.execution import FillReport, Liquidity
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.orders import OrderRequest, OrderType, TimeInForce
from pythia.orders.manager import OrderManager, OrderState
from pythia.portfolio import Portfolio
from pythia.ports.journal import JournalRecord

_FINISHED = frozenset({"filled", "canceled", "rejected", "expired"})


@dataclass
class Rebuilt:
    """What the journal says the run holds."""

    balances: dict[str, int]
    positions: dict[str, int]
    open_orders: dict[str, dict] = field(default_factory=dict)
    mode: str = "normal"
    fills: int = 0
    duplicate_fills: int = 0
    portfolio: Portfolio | None = None
    """The rebuilt ledger itself (a live restart continues from it)."""

    def as_dict(self) -> dict:
        return {
            "balances": dict(sorted(self.balances.items())),
            "positions": dict(sorted(self.positions.items())),
            "open_orders": sorted(self.open_orders),
            "mode": self.mode,
            "fills": self.fills,
        }


def fill_from(record: JournalRecord) -> FillReport:
    p = record.payload
    return FillReport(
        instrument_id=record.instrument,
        venue_order_id=p["venue_order_id"],
        trade_id=p["trade_id"],
        side=Side(p["side"]),
        price=p["price"],
        size=p["size"],
        liquidity=Liquidity(p["liquidity"]),
        fee_micros=p["fee"],
        fee_currency=p["fee_currency"],
        ts_event_ns=p["ts_event_ns"],
        ts_recv_ns=record.ts_ns,
        client_order_id=p["client_order_id"],
        cash_micros=p["cash"],
    )


def rebuild(
    records: Iterable[JournalRecord],
    definitions: Iterable[Instrument | OutcomeGroup],
    starting_balances: Mapping[str, int],
) -> Rebuilt:
    """Fold journal records into balances, positions, open orders and the control mode."""
    portfolio = Portfolio(dict(starting_balances))
    for definition in definitions:
        portfolio.register(definition)
    open_orders: dict[str, dict] = {}
    filled: dict[str, int] = {}
    seen_trades: set[str] = set()
    result = Rebuilt({}, {})
    for record in records:
        kind, payload = record.kind, record.payload
        if kind == "order_submitted":
            open_orders[payload["client_order_id"]] = {**payload, "strategy": record.strategy}
        elif kind == "replace_requested":
            replacement = payload["replacement"]
            open_orders[replacement["client_order_id"]] = {
                **replacement,
                "strategy": record.strategy,
            }
        elif kind == "order_update":
            if payload["status"] in _FINISHED:
                open_orders.pop(payload["client_order_id"], None)
        elif kind == "fill":
            if payload["trade_id"] in seen_trades:
                result.duplicate_fills += 1
                continue
            seen_trades.add(payload["trade_id"])
            portfolio.apply_fill(fill_from(record))
            result.fills += 1
            client_id = payload["client_order_id"]
            filled[client_id] = filled.get(client_id, 0) + payload["size"]
            order = open_orders.get(client_id)
            if order is not None and filled[client_id] >= order["size"]:
                del open_orders[client_id]
        elif kind == "settlement":
            resolution = Resolution(
                payload["market_id"],
                tuple(payload["winners"]),
                tuple(payload["losers"]),
                record.ts_ns,
                record.ts_ns,
                tuple(payload["removed"]),
            )
            portfolio.settle(resolution, record.ts_ns, commission_bps=payload["commission_bps"])
        elif kind == "mode_change":
            result.mode = payload["mode"]
    result.balances = portfolio.balances()
    result.positions = {k: v for k, v in portfolio.positions().items() if v}
    for client_id, order in open_orders.items():
        order["filled"] = filled.get(client_id, 0)
    result.open_orders = open_orders
    result.portfolio = portfolio
    return result


def restore_orders(orders: OrderManager, open_orders: Mapping[str, dict], ts_ns: int) -> None:
    """Put the journal's open orders back into a fresh order manager (as accepted)."""
    for client_id, payload in open_orders.items():
        request = OrderRequest(
            client_order_id=client_id,
            instrument_id=payload["instrument"],
            side=Side(payload["side"]),
            size=payload["size"],
            price=payload["price"],
            order_type=OrderType(payload["type"]),
            time_in_force=TimeInForce(payload["time_in_force"]),
            post_only=payload["post_only"],
            reduce_only=payload["reduce_only"],
            expire_ts_ns=payload["expire_ts_ns"],
            strategy_id=payload.get("strategy", ""),
        )
        order = orders.create(request, ts_ns)
        orders.transition(order, OrderState.SUBMITTED, ts_ns)
        orders.transition(order, OrderState.ACCEPTED, ts_ns)
        if payload.get("filled"):
            order.filled_size = payload["filled"]
            orders.transition(order, OrderState.PARTIALLY_FILLED, ts_ns)


@dataclass(frozen=True)
class Reconciliation:
    unknown_at_venue: tuple[str, ...]
    """Open at the venue, not in our books: to cancel at the venue."""
    missing_at_venue: tuple[str, ...]
    """Open in our books, unknown to the venue: to close on our side."""

    @property
    def clean(self) -> bool:
        return not self.unknown_at_venue and not self.missing_at_venue

    def as_dict(self) -> dict:
        return {
            "unknown_at_venue": list(self.unknown_at_venue),
            "missing_at_venue": list(self.missing_at_venue),
        }


def reconcile(ours: Iterable[str], venue: Iterable[str]) -> Reconciliation:
    """Compare open client order ids (ours from :func:`rebuild`, the venue's as reported)."""
    ours, venue = set(ours), set(venue)
    return Reconciliation(tuple(sorted(venue - ours)), tuple(sorted(ours - venue)))
