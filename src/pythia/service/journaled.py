"""Runs that write a journal, and restart from one.

A run's journal starts with ``run_start``: the run's identity (a SHA-256 of its validated
configuration, the seed, the dataset, the strategy and the starting balances). Opening a
journal that already has records restarts that run: the identity must match (else
:class:`ConfigError`: the journal belongs to another run), and the engine re-executes from
the start, checking every record against the stored one (:mod:`pythia.engine.journaling`).
When it reaches the end of the stored journal, the state rebuilt from the journal alone
(:func:`pythia.engine.recovery.rebuild`) must equal the engine's: balances and positions
exactly, and the open orders reconciled with the venue's (the venue's open orders plus
those still travelling to it). The outcome is journaled as ``recovery``; a mismatch stops
the run. ``run_end`` closes a finished run with its final balances and positions.

Control commands from ``pythia control`` wait in the journal's ``control_requests`` table;
:meth:`RunJournal.poll_control` hands them to the engine, which journals each with the
market event it applies before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pythia.core.errors import ConfigError, DataError
from pythia.engine.journaling import CONTROL, EngineJournal
from pythia.engine.kernel import VENUE_ORDER, Kernel
from pythia.engine.recovery import rebuild, reconcile
from pythia.model.orders import CancelRequest, OrderRequest, ReplaceRequest
from pythia.orders.manager import OrderState
from pythia.risk.control import ControlSource
from pythia.store import Journal

RUN_START = "run_start"
RUN_END = "run_end"


def run_identity(settings, dataset: str) -> dict:
    """What makes two runs the same run: configuration hash, seed, data, strategy."""
    # where the API listens and who gets notified are not part of the run (and hold secrets)
    config = settings.model_dump(mode="json", exclude={"serve", "notify"})
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return {
        "config_sha256": digest,
        "seed": settings.seed,
        "dataset": dataset,
        "strategy": settings.strategy.name,
        "balances": dict(settings.account.balances),
    }


@dataclass
class RunJournal:
    journal: Journal
    engine: EngineJournal
    identity: dict
    restarted: bool
    recovery: dict = field(default_factory=dict)
    kernel: Kernel | None = None
    starting_balances: dict[str, int] = field(default_factory=dict)
    applied_requests: set[int] = field(default_factory=set)
    handed: set[int] = field(default_factory=set)
    """Requests handed to the engine and not yet applied (marked consumed once applied)."""

    @classmethod
    def open(
        cls,
        url: str,
        identity: dict,
        starting_balances: dict[str, int],
        fault_kill_after: int | None = None,
    ) -> RunJournal:
        journal = Journal.open(url)
        existing = list(journal.records())
        if existing:
            first = existing[0]
            if first.kind != RUN_START or dict(first.payload) != identity:
                journal.close()
                raise ConfigError(
                    f"journal {journal.url} belongs to another run (its run_start differs:"
                    " configuration, seed or data); use a new journal"
                )
        else:
            journal.append(RUN_START, identity, 0)
        applied = {
            int(r.payload["request_id"])
            for r in existing
            if r.kind == CONTROL and r.payload.get("request_id") is not None
        }
        run = cls(
            journal,
            EngineJournal(journal, existing[1:], fault_kill_after),
            identity,
            restarted=bool(existing),
            starting_balances=dict(starting_balances),
            applied_requests=applied,
        )
        run.engine.on_caught_up = run._check_recovery
        return run

    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel

    # ---- recovery ------------------------------------------------------------------------
    def _check_recovery(self) -> None:
        kernel = self.kernel
        if kernel is None:
            return
        records = list(self.journal.records())
        rebuilt = rebuild(records, kernel.instruments.values(), self.starting_balances)
        positions = {k: v for k, v in kernel.portfolio.positions().items() if v}
        balances = kernel.portfolio.balances()
        venue_open = set()
        for slot in kernel.venues.values():
            open_orders = getattr(slot.gateway, "open_orders", None)
            if open_orders is not None:
                venue_open.update(o.client_order_id for o in open_orders())
        venue_open |= in_flight_orders(kernel)
        check = reconcile(rebuilt.open_orders, venue_open)
        problems = []
        if rebuilt.positions != positions:
            problems.append("positions differ")
        if rebuilt.balances != balances:
            problems.append("balances differ")
        if rebuilt.mode != kernel.safety.control.mode.value:
            problems.append("control mode differs")
        self.recovery = {
            "ok": not problems and check.clean,
            "records": len(records),
            "rebuilt": rebuilt.as_dict(),
            "reconcile": check.as_dict(),
            "problems": problems,
        }
        if problems:
            raise DataError(f"journal recovery failed: {', '.join(problems)}")
        self.engine.record("recovery", self.recovery, kernel.clock.now_ns())
        apply_reconciliation(kernel, check)

    # ---- control -------------------------------------------------------------------------
    def poll_control(self, kernel: Kernel) -> None:
        """Hand new ``pythia control`` requests to the engine (once each)."""
        if self.engine.replaying:
            return
        for request in self.journal.pending_control():
            if request.id in self.handed:
                continue  # handed to the engine, not applied yet: after_event marks it
            if request.id in self.applied_requests:  # applied before a crash, not marked
                self.journal.mark_control_consumed(request.id, self.journal.last_seq)
                continue
            self.applied_requests.add(request.id)
            self.handed.add(request.id)
            kernel.safety.request(
                request.command,
                ControlSource(request.source),
                request.reason,
                request_id=request.id,
            )

    def after_event(self) -> None:
        """Mark the control requests the engine applied as consumed."""
        for request_id in self.kernel.safety.applied_request_ids():
            self.handed.discard(request_id)
            self.journal.mark_control_consumed(request_id, self.journal.last_seq)

    # ---- end -----------------------------------------------------------------------------
    def finish(self) -> dict:
        kernel = self.kernel
        self.engine.caught_up()
        payload = {
            "balances": dict(sorted(kernel.portfolio.balances().items())),
            "positions": {k: v for k, v in sorted(kernel.portfolio.positions().items()) if v},
            "mode": kernel.safety.control.mode.value,
        }
        self.engine.record(RUN_END, payload, kernel.clock.now_ns())
        summary = {
            "restarted": self.restarted,
            "replayed_records": self.engine.replayed,
            "new_records": self.engine.appended,
            "last_seq": self.journal.last_seq,
        }
        if self.recovery:
            summary["recovery"] = {k: v for k, v in self.recovery.items() if k != "rebuilt"}
        return summary

    def close(self) -> None:
        self.journal.close()


def in_flight_orders(kernel: Kernel) -> set[str]:
    """Client ids of new orders (and replacements) sent but not yet at the venue."""
    result = set()
    for _, rank, _, _, payload in kernel._queue:
        if rank != VENUE_ORDER:
            continue
        request = payload[0]
        if isinstance(request, OrderRequest):
            result.add(request.client_order_id)
        elif isinstance(request, ReplaceRequest):
            result.add(request.replacement.client_order_id)
    return result


def apply_reconciliation(kernel: Kernel, check) -> None:
    """The documented rule (:mod:`pythia.engine.recovery`): cancel at the venue what only
    the venue has; close on our side what only we have."""
    now = kernel.clock.now_ns()
    for slot in kernel.venues.values():
        open_orders = getattr(slot.gateway, "open_orders", None)
        for order in open_orders() if open_orders is not None else ():
            if order.client_order_id in check.unknown_at_venue:
                cancel = CancelRequest(order.client_order_id, order.instrument_id, "reconcile")
                kernel._route(slot.gateway.cancel(cancel, now), slot)
    for client_id in check.missing_at_venue:
        order = kernel.orders.get(client_id)
        if order is not None and order.is_open:
            order.reason = "reconcile: unknown to the venue"
            kernel.orders.transition(order, OrderState.CANCELLED, now)
