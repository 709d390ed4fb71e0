"""Test kit of the operations API: a running session on the bundled data, and tokens."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pythia.service.backtest import load_settings
from pythia.service.ops import OpsHub
from pythia.service.session import ServeSession

READ_TOKEN = "read-" + secrets.token_urlsafe(24)
CONTROL_TOKEN = "control-" + secrets.token_urlsafe(24)
READ = {"Authorization": f"Bearer {READ_TOKEN}"}
CONTROL = {"Authorization": f"Bearer {CONTROL_TOKEN}"}


def wait_for(predicate, timeout_s: float = 5.0, interval_s: float = 0.05):
    """Poll ``predicate`` until it returns a truthy value; return it (or the last falsy)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval_s)


@contextmanager
def running_session(
    directory: Path, speed: float = 10.0, hub: OpsHub | None = None
) -> Iterator[ServeSession]:
    """The default bundled config (a market maker on Binance BTCUSDT) replayed at ``speed``,
    journaled in ``directory``; stopped on exit."""
    session = ServeSession(
        load_settings(None),
        journal_url=f"sqlite:///{directory / 'journal.db'}",
        speed=speed,
        hub=hub,
    )
    session.start()
    try:
        assert wait_for(lambda: session.hub.health()["status"] == "running", timeout_s=20)
        yield session
    finally:
        session.stop()
