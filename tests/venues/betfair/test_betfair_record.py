"""`pythia record --venue betfair` against the Betfair emulator: stream messages as received,
with receive times; the capture imports back into a catalog with the market's events."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.catalog import Catalog
from pythia.service.record import record_betfair
from pythia.venues.betfair import read_capture
from pythia.venues.betfair.emulator import BetfairEmulator

DATA_PATH = Path(__file__).resolve().parents[2] / "data" / "betfair" / "1.197931750"
MARKET = "1.197931750"
USER, PASSWORD, APP_KEY = "pythia-user", "s3cret-pass", "app-key-1"


def test_recorded_betfair_stream_imports_back(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHIA_BETFAIR_USERNAME", USER)
    monkeypatch.setenv("PYTHIA_BETFAIR_PASSWORD", PASSWORD)
    monkeypatch.setenv("PYTHIA_BETFAIR_APP_KEY", APP_KEY)
    out = tmp_path / "capture"

    async def main():
        emulator = BetfairEmulator(
            read_capture([DATA_PATH]), username=USER, password=PASSWORD, app_key=APP_KEY, speed=0
        )
        await emulator.start()
        try:
            recording = asyncio.create_task(
                record_betfair(emulator.rest_url, emulator.stream_url, [MARKET], out, 2.0)
            )
            await asyncio.sleep(0.5)
            await emulator.start_replay(1500)
            return await recording
        finally:
            await emulator.stop()

    stats = asyncio.run(main())
    assert stats.frames > 3
    lines = Path(stats.files[0]).read_text().splitlines()
    assert all(line.split(" ", 1)[0].isdigit() for line in lines)
    assert any('"op":"mcm"' in line.replace(" ", "") for line in lines)
    catalog = tmp_path / "catalog"
    result = CliRunner().invoke(
        app, ["data", "import", "betfair", *stats.files, "--out", str(catalog), "--json"]
    )
    assert result.exit_code == 0, result.output
    kinds = {type(event).__name__ for event in Catalog(catalog).events()}
    assert "BookSnapshot" in kinds or "BookDelta" in kinds
