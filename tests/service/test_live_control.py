"""Control requests reach a live engine between market events (service.live.LiveControl)."""

from __future__ import annotations

from enginekit import sim_kernel
from pythia.engine.journaling import EngineJournal
from pythia.service.live import LiveControl
from pythia.store import Journal
from pythia.strategy.base import Strategy


def test_a_live_engine_applies_control_requests_while_idle(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    journal = Journal.open(url)
    journal.append("run_start", {"run": "test"}, 0)
    kernel = sim_kernel(Strategy(strategy_id="quiet"), journal=EngineJournal(journal))
    control = LiveControl(kernel, journal, poll_s=0)
    control.poll()  # nothing asked: nothing happens
    assert kernel.safety.control.mode.value == "normal"
    with Journal.open(url, readonly=True) as other:  # what `pythia control` and the API do
        other.request_control("reduce", "operator")
        other.request_control("disable:quiet", "")
    control.poll()
    assert kernel.safety.control.mode.value == "reduce_only"
    assert "quiet" in kernel.disabled
    assert journal.pending_control() == []  # consumed once
    control.poll()  # and not applied twice
    kinds = [r.kind for r in journal.records()]
    assert kinds.count("control") == 2 and kinds.count("mode_change") == 1
    assert kinds.count("strategy_switch") == 1
    journal.close()
