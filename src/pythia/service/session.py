"""One engine session in a background thread, observed through an :class:`OpsHub`.

``pythia serve`` runs the engine here while the API server runs in the main thread:

- a config without ``[live]`` replays its dataset as a paper run at ``speed`` (1: real
  time), journaled and steerable (:func:`pythia.service.backtest.run`);
- a config with ``[live]`` runs on the venue's feed (paper: simulated fills; live: real
  orders, with the pre-flight checks of ``pythia live``), in its own event loop.

When the run ends the hub keeps its last snapshot, so the dashboard still shows it.
"""

from __future__ import annotations

import asyncio
import threading
import traceback

from pythia.service.ops import OpsHub
from pythia.service.paper import Pace


class ServeSession:
    """Run ``settings`` in a thread; ``hub`` is what the API reads and steers."""

    def __init__(
        self,
        settings,
        *,
        journal_url: str,
        speed: float = 1.0,
        mode: str = "paper",
        run_for_s: float | None = None,
        confirmed: bool = False,
        hub: OpsHub | None = None,
    ) -> None:
        if mode not in ("paper", "live"):
            raise ValueError(f"mode must be paper or live, not {mode!r}")
        self.settings = settings
        self.journal_url = journal_url
        self.speed = speed
        self.mode = mode
        self.run_for_s = run_for_s
        self.confirmed = confirmed
        self.hub = hub or OpsHub(mode=mode, journal_url=journal_url)
        self.result: dict | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live_run = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the engine thread (returns at once)."""
        if self.settings.live is not None:
            from pythia.service.live import preflight

            preflight(self.settings, self.mode, self.confirmed)  # refuse before serving
        self._thread = threading.Thread(target=self._run, name="pythia-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """End the run as SIGTERM would (pause, cancel all, journal) and wait for it."""
        self._stop.set()
        if self._live_run is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._live_run.runner.stop)
        self.join(timeout_s)

    def join(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            if self.settings.live is not None:
                self.result = asyncio.run(self._run_live())
            else:
                self.result = self._run_replay()
        except Exception as error:  # noqa: BLE001 - report any failure through the hub
            traceback.print_exc()
            self.hub.finish("failed", f"{type(error).__name__}: {error}")
            return
        self.hub.finish("stopped" if self._stop.is_set() else "finished")

    def _run_replay(self) -> dict:
        from pythia.service.backtest import run

        pace = Pace(speed=self.speed, handle_signals=False, stop=self._stop)
        result = run(self.settings, journal_url=self.journal_url, pace=pace, ops=self.hub)
        return {"summary": result.summary, "journal": result.journal}

    async def _run_live(self) -> dict:
        from pythia.service.live import run_live

        self._loop = asyncio.get_running_loop()

        def started(live_run) -> None:
            self._live_run = live_run
            if self._stop.is_set():
                live_run.runner.stop()

        return await run_live(
            self.settings,
            self.mode,
            self.journal_url,
            self.run_for_s,
            ops=self.hub,
            started=started,
        )
