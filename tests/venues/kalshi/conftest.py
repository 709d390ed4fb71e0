"""Fixtures of the Kalshi emulator tests: a catalog imported with ``pythia data import`` and
an emulator started on 127.0.0.1 (ephemeral port) for one scenario at a time.

The dataset starts from the real recorded book of KXELONMARS-99
(tests/data/kalshi/kalshi_rest_responses.json) as an ``orderbook_snapshot`` frame.
SYNTHETIC DATA: the ``orderbook_delta`` frames that follow it are made up (sizes added to and
taken from the recorded levels, one every millisecond), because no public recording of
Kalshi's WebSocket feed exists (tests/data/SOURCES.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.catalog import Catalog
from pythia.venues.kalshi import signing
from pythia.venues.kalshi.emulator import KalshiEmulator

DATA = Path(__file__).parents[2] / "data" / "kalshi" / "kalshi_rest_responses.json"
TICKER = "KXELONMARS-99"
T0_NS = 1_781_000_000_000_000_000
DELTAS = 200
STEP_NS = 1_000_000


def capture_lines(deltas: int = DELTAS) -> list[str]:
    """``<receive ns> <frame>`` lines: the recorded book, then synthetic deltas."""
    recorded = json.loads(DATA.read_text())
    book = recorded[f"get_orderbook_{TICKER}"]["orderbook_fp"]
    snapshot = {
        "type": "orderbook_snapshot",
        "sid": 1,
        "seq": 1,
        "msg": {
            "market_ticker": TICKER,
            "market_id": TICKER,
            "yes_dollars_fp": book["yes_dollars"],
            "no_dollars_fp": book["no_dollars"],
        },
    }
    lines = [f"{T0_NS} {msgspec.json.encode(snapshot).decode()}"]
    levels = [("yes", p) for p, _ in book["yes_dollars"]] + [
        ("no", p) for p, _ in book["no_dollars"]
    ]
    for k in range(deltas):
        side, price = levels[(k * 7) % len(levels)]
        ts_ns = T0_NS + (k + 1) * STEP_NS
        delta = {
            "type": "orderbook_delta",
            "sid": 1,
            "seq": 2 + k,
            "msg": {
                "market_ticker": TICKER,
                "price_dollars": price,
                "delta_fp": "-1.00" if k % 3 == 0 else "5.00",
                "side": side,
                "ts_ms": ts_ns // 1_000_000,
            },
        }
        lines.append(f"{ts_ns} {msgspec.json.encode(delta).decode()}")
    return lines


@pytest.fixture(scope="session")
def kalshi_catalog(tmp_path_factory) -> Path:
    """The dataset, imported by ``pythia data import kalshi`` into a catalog directory."""
    root = tmp_path_factory.mktemp("kalshi")
    capture = root / "kalshi_ws.jsonl"
    capture.write_text("\n".join(capture_lines()) + "\n")
    out = root / "catalog"
    result = CliRunner().invoke(app, ["data", "import", "kalshi", str(capture), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def rsa_key():
    return signing.generate_private_key()


@pytest.fixture
def credentials(rsa_key) -> signing.KalshiCredentials:
    return signing.KalshiCredentials("test-key", rsa_key)


Scenario = Callable[[KalshiEmulator], Awaitable[object]]


@pytest.fixture
def loopback(kalshi_catalog, rsa_key) -> Callable[..., object]:
    """``loopback(scenario, **emulator_options)`` runs ``await scenario(emulator)`` against
    an emulator serving the catalog on 127.0.0.1, then stops it."""

    def run(scenario: Scenario, timeout_s: float = 20.0, **options):
        async def main():
            emulator = KalshiEmulator(
                Catalog(kalshi_catalog), public_key=rsa_key.public_key(), **options
            )
            await emulator.start()
            try:
                return await asyncio.wait_for(scenario(emulator), timeout_s)
            finally:
                await emulator.stop()

        return asyncio.run(main())

    return run
