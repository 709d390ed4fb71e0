"""Risk gate, control modes, breakers, guards and the journal, through the real kernel and
simulated venue (Polymarket-like token, 5 ms order entry and response latency)."""

from __future__ import annotations

from dataclasses import dataclass

from enginekit import SHARE, TOKEN, USDC, sim_kernel
from pythia.engine.journaling import EngineJournal
from pythia.engine.recovery import reconcile
from pythia.model.enums import Side
from pythia.model.events import BookSnapshot
from pythia.model.orders import TimeInForce
from pythia.risk.breakers import RejectionBurst
from pythia.risk.control import ControlMode, ControlSource
from pythia.risk.limits import DrawdownGuard
from pythia.risk.rules import ControlModeRule, MaxOrderSize, RiskEngine
from pythia.sim.venue import SimulatedVenue
from pythia.strategy.base import Strategy

MS = 1_000_000


@dataclass
class Record:
    seq: int
    ts_ns: int
    kind: str
    strategy: str
    instrument: str
    payload: dict


class MemoryJournal:
    """A journal writer in memory (the store is tested on its own)."""

    def __init__(self) -> None:
        self.rows: list[Record] = []

    def append(self, kind, payload, ts_ns, *, strategy="", instrument=""):
        row = Record(len(self.rows) + 1, ts_ns, kind, strategy, instrument, payload)
        self.rows.append(row)
        return row

    def records(self, since_seq=0):
        return iter(self.rows[since_seq:])

    def kinds(self, kind):
        return [r.payload for r in self.rows if r.kind == kind]


class Scripted(Strategy):
    """Sends the orders of ``plan`` (event index -> list of (side, size, price, tif)) as the
    book updates arrive; remembers every answer."""

    name = "scripted"

    def __init__(self, plan) -> None:
        super().__init__()
        self.plan = plan
        self.updates = []
        self.fills = []
        self.books = 0
        self.sent: list[str] = []

    def on_book(self, instrument_id, book) -> None:
        for side, size, price, tif in self.plan.get(self.books, ()):
            self.sent.append(self.ctx.submit(TOKEN.id, side, size, price, time_in_force=tif))
        self.books += 1

    def on_order(self, update) -> None:
        self.updates.append(update)

    def on_fill(self, fill) -> None:
        self.fills.append(fill)


def book(ts_ms: int, bid=4000, ask=4200):
    ts = ts_ms * MS
    return BookSnapshot(TOKEN.id, ((bid, 100 * SHARE),), ((ask, 100 * SHARE),), ts, ts)


def kernel_for(strategy, risk=None, journal=None, breakers=(), guards=()):
    wrapped = EngineJournal(journal) if journal is not None else None
    return sim_kernel(
        strategy, seed=1, risk=risk, journal=wrapped, breakers=breakers, guards=guards
    )


GTC, IOC = TimeInForce.GTC, TimeInForce.IOC


def test_an_order_the_risk_engine_refuses_comes_back_rejected_and_is_journaled():
    journal = MemoryJournal()
    strategy = Scripted({0: [(Side.BUY, 10 * SHARE, 4000, GTC), (Side.BUY, 2 * SHARE, 4000, GTC)]})
    risk = RiskEngine([ControlModeRule(), MaxOrderSize("5")])
    kernel = kernel_for(strategy, risk, journal)
    kernel.run([book(1), book(50)])
    rejected = [u for u in strategy.updates if u.status.value == "rejected"]
    assert [u.reason for u in rejected] == ["risk:max_order_size"]
    assert kernel.stats.rejections["risk:max_order_size"] == 1
    decisions = journal.kinds("risk_decision")
    assert [(d["accepted"], d["reason"]) for d in decisions] == [
        (False, "max_order_size"),
        (True, "accepted"),
    ]
    submitted = journal.kinds("order_submitted")
    assert [s["client_order_id"] for s in submitted] == [strategy.sent[1]]  # only what left
    assert kernel.orders.get(strategy.sent[1]).is_open


def test_pause_keeps_resting_orders_and_refuses_new_ones_until_resume():
    strategy = Scripted({0: [(Side.BUY, 2 * SHARE, 4000, GTC)], 2: [(Side.BUY, SHARE, 4000, GTC)]})
    kernel = kernel_for(strategy)
    kernel.safety.request("pause", ControlSource.CLI, "lunch")
    events = [book(1), book(20), book(40), book(60)]
    kernel.run(events)
    # paused before the first event: even the first order was refused
    assert [u.reason for u in strategy.updates] == ["risk:mode_paused", "risk:mode_paused"]
    strategy = Scripted({0: [(Side.BUY, 2 * SHARE, 4000, GTC)], 2: [(Side.BUY, SHARE, 4000, GTC)]})
    kernel = kernel_for(strategy)
    kernel.run(_with_control(kernel, events, {2: "pause"}))
    resting = kernel.orders.get(strategy.sent[0])
    assert resting.is_open  # the resting order stays
    assert strategy.updates[-1].reason == "risk:mode_paused"
    assert kernel.safety.control.mode is ControlMode.PAUSED
    assert kernel.safety.control.reason == "pause"


def _with_control(kernel, events, commands):
    """Yield ``events``, asking for ``commands[index]`` before event ``index``."""
    for index, event in enumerate(events):
        if index in commands:
            kernel.safety.request(commands[index], ControlSource.CLI)
        yield event


def test_flatten_cancels_resting_orders_and_closes_the_position():
    journal = MemoryJournal()
    plan = {0: [(Side.BUY, 5 * SHARE, 4200, IOC), (Side.BUY, 3 * SHARE, 3900, GTC)]}
    strategy = Scripted(plan)
    kernel = kernel_for(strategy, journal=journal)
    events = [book(1), book(30), book(60), book(90)]
    kernel.run(_with_control(kernel, events, {2: "flatten"}))
    assert kernel.portfolio.position(TOKEN.id) == 0
    assert not kernel.orders.open_orders()
    assert kernel.orders.get(strategy.sent[1]).state.value == "cancelled"
    control_orders = [o for o in kernel.orders.orders() if o.request.strategy_id == "control"]
    assert [(o.request.side, o.filled_size) for o in control_orders] == [(Side.SELL, 5 * SHARE)]
    changes = journal.kinds("mode_change")
    assert [(c["mode"], c["source"], c["event_index"]) for c in changes] == [("flatten", "cli", 2)]


def test_kill_cancels_everything_and_stops_the_strategy():
    strategy = Scripted({0: [(Side.BUY, 3 * SHARE, 3900, GTC)], 3: [(Side.BUY, SHARE, 3900, GTC)]})
    kernel = kernel_for(strategy)
    events = [book(1), book(30), book(60), book(90), book(120)]
    kernel.run(_with_control(kernel, events, {2: "kill", 3: "resume"}))
    assert strategy.id in kernel.disabled
    assert not kernel.orders.open_orders()
    assert len(strategy.sent) == 1  # stopped: never saw the later books
    assert kernel.safety.control.mode is ControlMode.KILLED  # resume cannot undo a kill


def test_a_burst_of_venue_rejections_trips_the_breaker_and_says_why():
    # post-only orders that would cross are rejected by the venue, three in a row
    class Crossing(Scripted):
        def on_book(self, instrument_id, book) -> None:
            if self.books < 3:
                self.sent.append(self.ctx.submit(TOKEN.id, Side.BUY, SHARE, 4200, post_only=True))
            self.books += 1

    journal = MemoryJournal()
    strategy = Crossing({})
    kernel = kernel_for(
        strategy, journal=journal, breakers=[RejectionBurst(3, 1000 * MS, ControlMode.PAUSED)]
    )
    kernel.run([book(1), book(2), book(3), book(200)])
    assert kernel.safety.control.mode is ControlMode.PAUSED
    change = journal.kinds("mode_change")[0]
    assert change["source"] == "breaker" and change["reason"]


def test_a_hard_drawdown_flattens():
    guard = DrawdownGuard("USDC", soft="0.5", hard="1")
    strategy = Scripted({0: [(Side.BUY, 10 * SHARE, 4200, IOC)]})
    kernel = kernel_for(strategy, guards=[guard])
    kernel.run([book(1), book(30)])
    kernel.safety.on_equity({"USDC": 1000 * USDC}, 40 * MS)
    assert kernel.safety.control.mode is ControlMode.NORMAL
    kernel.safety.on_equity({"USDC": 999_400_000}, 50 * MS)  # 0.6 down: soft 0.5 breached
    assert kernel.safety.control.mode is ControlMode.REDUCE_ONLY
    kernel.safety.on_equity({"USDC": 998 * USDC}, 60 * MS)  # 2 down: hard 1 breached
    assert kernel.safety.control.mode is ControlMode.FLATTEN


def test_reconcile_names_both_kinds_of_difference():
    check = reconcile(["a", "b", "c"], ["b", "c", "d"])
    assert check.unknown_at_venue == ("d",)
    assert check.missing_at_venue == ("a",)
    assert not check.clean
    assert reconcile(["x"], ["x"]).clean


def test_a_fill_the_venue_reports_twice_is_booked_once():
    class Repeating(SimulatedVenue):
        def submit(self, request, ts_ns):
            responses = super().submit(request, ts_ns)
            return responses + [r for r in responses if r.__class__.__name__ == "FillReport"]

    strategy = Scripted({0: [(Side.BUY, 5 * SHARE, 4200, IOC)]})
    kernel = kernel_for(strategy)
    slot = kernel.venues["polymarket"]
    slot.gateway.__class__ = Repeating
    kernel.run([book(1), book(30)])
    assert kernel.stats.duplicate_fills == 1
    assert kernel.portfolio.position(TOKEN.id) == 5 * SHARE
    assert kernel.view.position(TOKEN.id) == 5 * SHARE
    assert len(strategy.fills) == 1
