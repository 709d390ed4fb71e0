"""The operations facade: one running engine session, seen and steered from outside.

The REST/WebSocket API, the dashboard, ``GET /metrics`` and notifications all go through
:class:`OpsHub`; none of them touches the kernel. Two threads meet here:

- the **engine thread** runs the kernel. It calls :meth:`OpsHub.attach` once, then
  :meth:`before_event` / :meth:`after_event` around every market event, and every journal
  record reaches :meth:`on_record` (an observer of :class:`pythia.engine.safety.Safety`).
  It builds an immutable snapshot of the session at most every ``snapshot_s`` of wall time
  (and at once after a fill or a mode change), updates the Prometheus metrics and hands
  events (fills, mode changes, opportunities, breaker trips, feed status) to subscribers;
- **readers** (the API's threads) only read the latest snapshot, under a lock.

Control commands do not touch the engine either: :meth:`OpsHub.control` leaves them in the
run journal's ``control_requests`` table, exactly like ``pythia control``; the engine applies
them before its next market event and journals them, so a control click is as replayable as
a CLI command.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from pythia.core.errors import ConfigError, DataError
from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.engine.riskview import KernelRiskView
from pythia.model.instruments import Instrument
from pythia.portfolio.valuation import position_decimals
from pythia.risk.control import ControlMode
from pythia.service.metrics import EngineMetrics
from pythia.service.opsview import (
    SESSION_COMMANDS,
    balances_rows,
    fill_row,
    journal_row,
    open_order_rows,
    position_rows,
    risk_limits,
    strategy_rows,
)

Event = dict
"""An event for subscribers: ``{"kind": ..., "ts_ns": ..., ...}`` with JSON-ready values.
Kinds: ``fill``, ``mode_change``, ``opportunity`` (its own kind in ``opportunity_kind``),
``breaker``, ``feed``, ``status``."""

MAX_FILLS = 500
MAX_RECORDS = 500
MAX_CURVE = 2000


def money(micros: int) -> str:
    return format_units(micros, MONEY_DECIMALS)


class OpsHub:
    """The state of one session for readers, its metrics, its events and its controls."""

    def __init__(
        self,
        *,
        mode: str = "paper",
        journal_url: str | None = None,
        snapshot_s: float = 0.25,
        metrics: EngineMetrics | None = None,
    ) -> None:
        self.mode = mode
        self.journal_url = journal_url
        self.snapshot_s = snapshot_s
        self.metrics = metrics or EngineMetrics()
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[Event], None]] = []
        self._snapshot: dict = {
            "status": "starting",
            "mode": ControlMode.NORMAL.value,
            "events": 0,
        }
        self._fills: deque[dict] = deque(maxlen=MAX_FILLS)
        self._records: deque[dict] = deque(maxlen=MAX_RECORDS)
        self._curve: deque[list] = deque(maxlen=MAX_CURVE)
        self._feeds: dict[str, dict] = {}
        self._opportunities: dict[tuple[str, str], dict] = {}
        self._kernel = None
        self._view: KernelRiskView | None = None
        self._risk_settings = None
        self._currency = ""
        self._start_equity = 0
        self._peak_equity = 0
        self._day = -1
        self._day_start_equity = 0
        self._next_snapshot = 0.0
        self._dirty = False
        self._event_started = 0
        self._events = 0
        self._curve_next_ns = 0
        self.curve_interval_ns = 1_000_000_000
        self.error: str | None = None
        self.errors = 0
        self.metrics_fills = 0
        self.metrics_orders = 0
        """Strategy callbacks of the facade (opportunities, report) that raised."""

    # ---- engine side -----------------------------------------------------------------------
    def attach(self, kernel, currency: str, risk_settings=None) -> None:
        """Start observing ``kernel`` (engine thread, before the first event)."""
        self._kernel = kernel
        self._view = KernelRiskView(kernel)
        self._currency = currency
        self._risk_settings = risk_settings
        self._start_equity = kernel.portfolio.equity(currency)
        self._peak_equity = self._start_equity
        kernel.safety.observers.append(self.on_record)
        for venue in kernel.venues:
            self._feeds[venue] = {"venue": venue, "status": "up", "lag_ms": None, "gaps": 0}
            self.metrics.feed_up.labels(venue).set(1)
        self.metrics.set_mode(kernel.safety.control.mode.value)
        self._snap(status="running")

    def before_event(self, event) -> None:
        """A market event is about to be taken (engine thread)."""
        self._event_started = time.perf_counter_ns()
        venue = _event_venue(event)
        self.metrics.events.labels(venue).inc()
        self._events += 1
        feed = self._feeds.setdefault(
            venue, {"venue": venue, "status": "up", "lag_ms": None, "gaps": 0}
        )
        lag_ns = event.ts_recv_ns - event.ts_event_ns
        feed["lag_ms"] = lag_ns / 1e6
        feed["last_event_ns"] = event.ts_recv_ns
        self.metrics.feed_lag.labels(venue).set(lag_ns / 1e9)

    def after_event(self) -> None:
        """The event was handled (engine thread): refresh the snapshot when due."""
        self._event_started = 0
        now = time.monotonic()
        if self._dirty or now >= self._next_snapshot:
            self._snap()

    def feed_status(self, venue: str, status: str, detail: str = "") -> None:
        """A venue's feed went ``down``, ``stale`` or came back ``up`` (engine thread)."""
        feed = self._feeds.setdefault(
            venue, {"venue": venue, "status": "up", "lag_ms": None, "gaps": 0}
        )
        if feed["status"] == status:
            return
        feed["status"] = status
        feed["detail"] = detail
        self.metrics.feed_up.labels(venue).set(1 if status == "up" else 0)
        self._publish(
            {
                "kind": "feed",
                "ts_ns": time.time_ns(),
                "venue": venue,
                "status": status,
                "detail": detail,
            }
        )
        self._dirty = True

    def finish(self, status: str = "finished", error: str | None = None) -> None:
        """The run ended (engine thread): a last snapshot; readers keep seeing it."""
        self.error = error
        if self._kernel is not None:
            self._snap(status=status)
        else:
            with self._lock:
                self._snapshot = {**self._snapshot, "status": status, "error": error}
        self._publish({"kind": "status", "ts_ns": time.time_ns(), "status": status, "error": error})

    def on_record(
        self, kind: str, payload: dict, ts_ns: int, strategy: str, instrument: str
    ) -> None:
        """Every journal-worthy record of the engine (engine thread)."""
        self._records.append(journal_row(kind, payload, ts_ns, strategy, instrument))
        metrics = self.metrics
        if kind == "risk_decision":
            if self._event_started:
                elapsed = time.perf_counter_ns() - self._event_started
                metrics.decision_latency.observe(elapsed / 1e9)
            if not payload.get("accepted"):
                metrics.rejections.labels(f"risk:{payload.get('reason', '')}").inc()
        elif kind == "order_submitted":
            metrics.orders.labels(_venue_of(instrument)).inc()
            self.metrics_orders += 1
        elif kind == "order_update":
            if payload.get("status") == "rejected":
                metrics.rejections.labels(payload.get("reason") or "venue").inc()
        elif kind == "fill":
            row = fill_row(self._kernel, payload, ts_ns, instrument)
            self._fills.append(row)
            metrics.fills.labels(row["venue"]).inc()
            self.metrics_fills += 1
            self._publish({"kind": "fill", **row})
            self._dirty = True
        elif kind == "mode_change":
            metrics.set_mode(payload["mode"])
            event = {"kind": "mode_change", "ts_ns": ts_ns, **payload}
            self._publish(event)
            if payload.get("source") in ("breaker", "limit"):
                self._publish(
                    {
                        "kind": "breaker",
                        "ts_ns": ts_ns,
                        "name": payload.get("reason"),
                        "reason": payload.get("detail") or payload.get("reason"),
                        "mode": payload["mode"],
                    }
                )
            self._dirty = True
        elif kind == "strategy_switch":
            self._dirty = True
        elif kind == "opportunity":
            event = {k: v for k, v in payload.items() if k != "kind"}
            event.update(kind="opportunity", ts_ns=ts_ns, strategy=strategy)
            event["opportunity_kind"] = payload.get("kind", "")
            self._publish(event)

    # ---- snapshot (engine thread) ------------------------------------------------------------
    def _snap(self, status: str | None = None) -> None:
        kernel = self._kernel
        self._dirty = False
        self._next_snapshot = time.monotonic() + self.snapshot_s
        currency = self._currency
        portfolio = kernel.portfolio
        now_ns = kernel.clock.now_ns()
        equity = portfolio.equity(currency)
        pnl = equity - self._start_equity
        exposure = portfolio.gross_exposure(currency)
        self._peak_equity = max(self._peak_equity, equity)
        day = now_ns // 86_400_000_000_000
        if day != self._day:
            self._day, self._day_start_equity = day, equity
        if now_ns > 0 and now_ns >= self._curve_next_ns:
            self._curve.append([now_ns, money(equity), money(pnl)])
            self._curve_next_ns = (now_ns // self.curve_interval_ns + 1) * self.curve_interval_ns
        self.metrics.pnl.labels(currency).set(float(Decimal(pnl) / 10**MONEY_DECIMALS))
        self.metrics.equity.labels(currency).set(float(Decimal(equity) / 10**MONEY_DECIMALS))
        self.metrics.exposure.labels(currency).set(float(Decimal(exposure) / 10**MONEY_DECIMALS))
        gaps = kernel.stats.gaps_by_venue
        for venue, feed in self._feeds.items():
            feed["gaps"] = gaps.get(venue, 0)
            self.metrics.feed_gaps.labels(venue).set(feed["gaps"])
        opportunities = self._collect_opportunities(now_ns)
        self._view.begin("")
        books = [i for i, d in kernel.instruments.items() if isinstance(d, Instrument)]
        synced = [i for i in books if i in kernel.books and i not in kernel.unsynced]
        snapshot = {
            "status": status or self._snapshot.get("status", "running"),
            "run_mode": self.mode,
            "mode": kernel.safety.control.mode.value,
            "mode_reason": kernel.safety.control.reason,
            "ts_ns": now_ns,
            "wall_ns": time.time_ns(),
            "events": self._events,
            "currency": currency,
            "equity": money(equity),
            "pnl": money(pnl),
            "gross_exposure": money(exposure),
            "feeds": [dict(feed) for feed in self._feeds.values()],
            "books": {
                "total": len(books),
                "synced": len(synced),
                "unsynced": sorted(set(books) - set(synced))[:50],
            },
            "positions": position_rows(kernel),
            "balances": balances_rows(kernel),
            "open_orders": open_order_rows(kernel),
            "risk": {
                "mode": kernel.safety.control.mode.value,
                "reason": kernel.safety.control.reason,
                "limits": risk_limits(
                    self._risk_settings,
                    kernel,
                    self._view,
                    self._peak_equity - equity,
                    max(0, self._day_start_equity - equity),
                ),
                "decisions": kernel.safety.risk.summary(),
                "rejections": dict(kernel.stats.rejections),
            },
            "opportunities": opportunities,
            "strategies": strategy_rows(kernel),
            "stats": {
                "market_events": kernel.stats.market_events,
                "gaps": kernel.stats.gaps,
                "rejected_updates": kernel.stats.rejected_updates,
                "duplicate_fills": kernel.stats.duplicate_fills,
                "strategy_errors": len(kernel.stats.strategy_errors),
            },
            "error": self.error,
            "journal_seq": _journal_seq(kernel),
        }
        with self._lock:
            self._snapshot = snapshot
            self._fills_copy = list(self._fills)
            self._records_copy = list(self._records)
            self._curve_copy = list(self._curve)

    def _collect_opportunities(self, now_ns: int) -> list[dict]:
        current: dict[tuple[str, str], dict] = {}
        for strategy in self._kernel.strategies:
            try:
                rows = strategy.opportunities()
            except Exception:  # noqa: BLE001 - a strategy's bug must not stop the engine
                self.errors += 1
                continue
            for row in rows:
                current[(strategy.id, row.get("group", ""))] = {**row, "strategy": strategy.id}
        self._opportunities = current
        return list(current.values())

    def _publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # noqa: BLE001 - a broken subscriber never stops the engine
                self._subscribers.remove(subscriber)

    # ---- readers (any thread) ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` (from the engine thread; never block in it) for every
        event; returns the function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _read(self, key: str, default=None):
        with self._lock:
            return copy.deepcopy(self._snapshot.get(key, default))

    def health(self) -> dict:
        with self._lock:
            snap = self._snapshot
            return copy.deepcopy(
                {
                    "status": snap.get("status"),
                    "run_mode": self.mode,
                    "mode": snap.get("mode"),
                    "mode_reason": snap.get("mode_reason", ""),
                    "events": snap.get("events", 0),
                    "market_events": snap.get("stats", {}).get("market_events", 0),
                    "ts_ns": snap.get("ts_ns"),
                    "feeds": snap.get("feeds", []),
                    "books": snap.get("books", {"total": 0, "synced": 0, "unsynced": []}),
                    "journal": {
                        "enabled": self.journal_url is not None,
                        "url": _redact(self.journal_url),
                        "records": snap.get("journal_seq", 0),
                    },
                    "error": snap.get("error"),
                }
            )

    def positions(self) -> list[dict]:
        return self._read("positions", [])

    def balances(self) -> list[dict]:
        return self._read("balances", [])

    def open_orders(self) -> list[dict]:
        return self._read("open_orders", [])

    def fills(self, limit: int = 100) -> list[dict]:
        with self._lock:
            rows = list(getattr(self, "_fills_copy", []))
        return rows[-limit:][::-1] if limit > 0 else []

    def pnl(self) -> dict:
        with self._lock:
            snap = self._snapshot
            return {
                "currency": snap.get("currency", ""),
                "pnl": snap.get("pnl", "0"),
                "equity": snap.get("equity", "0"),
                "gross_exposure": snap.get("gross_exposure", "0"),
                "curve": [list(p) for p in getattr(self, "_curve_copy", [])],
            }

    def risk(self) -> dict:
        return self._read("risk", {"mode": "normal", "limits": []})

    def opportunities(self) -> list[dict]:
        return self._read("opportunities", [])

    def strategies(self) -> list[dict]:
        return self._read("strategies", [])

    def journal(self, limit: int = 50, kind: str | None = None) -> list[dict]:
        with self._lock:
            rows = list(getattr(self, "_records_copy", []))
        if kind:
            rows = [r for r in rows if r["kind"] == kind]
        return rows[-limit:][::-1] if limit > 0 else []

    def summary(self) -> dict:
        """The short status the daily notification carries."""
        with self._lock:
            snap = self._snapshot
            return {
                "status": snap.get("status"),
                "mode": snap.get("mode"),
                "currency": snap.get("currency", ""),
                "pnl": snap.get("pnl", "0"),
                "equity": snap.get("equity", "0"),
                "fills": self.metrics_fills,
                "orders": self.metrics_orders,
                "open_orders": len(snap.get("open_orders", [])),
                "positions": len(snap.get("positions", [])),
            }

    def state(self) -> dict:
        """Everything at once (the dashboard's first paint)."""
        return {
            "health": self.health(),
            "positions": self.positions(),
            "balances": self.balances(),
            "open_orders": self.open_orders(),
            "fills": self.fills(),
            "pnl": self.pnl(),
            "risk": self.risk(),
            "opportunities": self.opportunities(),
            "strategies": self.strategies(),
        }

    # ---- control (any thread) -------------------------------------------------------------------
    def control(self, command: str, reason: str = "", strategy: str | None = None) -> dict:
        """Leave a control command for the engine (applied before its next market event).

        ``command``: pause, resume, reduce, flatten, kill, or enable / disable with a
        ``strategy`` id. Raises :class:`ConfigError` for an unknown command or strategy."""
        if command in ("enable", "disable"):
            ids = {row["id"] for row in self.strategies()}
            if not strategy or strategy not in ids:
                raise ConfigError(f"unknown strategy {strategy!r}: use one of {sorted(ids)}")
            command = f"{command}:{strategy}"
        elif command not in SESSION_COMMANDS:
            raise ConfigError(
                f"unknown control command {command!r}: use {', '.join(SESSION_COMMANDS)}"
            )
        if self.journal_url is None:
            raise DataError("this session has no journal to take control commands")
        from pythia.store import Journal

        with Journal.open(self.journal_url, readonly=True) as handle:
            request = handle.request_control(command, reason, source="api")
        return {"request_id": request.id, "command": command, "reason": reason, "status": "queued"}


def observed_events(events: Iterable, ops: OpsHub) -> Iterator:
    """``events``, with ``ops`` told before and after the engine takes each one."""
    for event in events:
        ops.before_event(event)
        yield event
        ops.after_event()


def _journal_seq(kernel) -> int:
    """The last sequence number the run's journal holds (0 without a journal)."""
    journal = kernel.safety.journal
    writer = getattr(journal, "writer", None)
    return int(getattr(writer, "last_seq", 0) or 0)


def _event_venue(event) -> str:
    """The venue a market event came from (its instrument's, its definition's)."""
    definition = getattr(event, "definition", None)
    if definition is not None:
        return getattr(definition, "venue", "") or _venue_of(getattr(definition, "id", ""))
    for attribute in ("instrument_id", "market_id", "group_id"):
        value = getattr(event, attribute, None)
        if value:
            return _venue_of(value)
    return "unknown"


def _venue_of(instrument_id: str) -> str:
    return instrument_id.split(":", 1)[0] if instrument_id else ""


def _redact(url: str | None) -> str | None:
    """A journal URL without its password (``postgresql://user:***@host/db``)."""
    if url is None or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def position_text(instrument, size: int) -> str:
    if not isinstance(instrument, Instrument):
        return str(size)
    return format_units(size, position_decimals(instrument))
