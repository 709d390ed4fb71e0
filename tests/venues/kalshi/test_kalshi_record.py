"""`pythia record` against the Kalshi emulator: raw frames with receive times, importable."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.data.catalog import Catalog
from pythia.service.record import record
from pythia.venues.kalshi import signing
from pythia.venues.kalshi.emulator import KalshiEmulator

TICKER = "KXELONMARS-99"


def test_recorded_frames_are_kept_as_received_and_import_back(
    kalshi_catalog, rsa_key, monkeypatch, tmp_path
):
    monkeypatch.setenv("PYTHIA_KALSHI_KEY_ID", "test-key")
    monkeypatch.setenv("PYTHIA_KALSHI_PRIVATE_KEY", signing.private_key_pem(rsa_key).decode())
    out = tmp_path / "capture"

    async def main():
        emulator = KalshiEmulator(
            Catalog(kalshi_catalog), public_key=rsa_key.public_key(), key_id="test-key", speed=50
        )
        await emulator.start()
        try:
            recording = asyncio.create_task(record("kalshi", emulator.ws_url, [TICKER], out, 1.5))
            await asyncio.sleep(0.3)
            emulator.start_replay()
            return await recording
        finally:
            await emulator.stop()

    stats = asyncio.run(main())
    assert stats.frames > 10 and len(stats.files) == 1
    lines = (out / stats.files[0].split("/")[-1]).read_text().splitlines()
    stamps = [int(line.split(" ", 1)[0]) for line in lines]
    assert stamps == sorted(stamps)
    assert '"orderbook_snapshot"' in lines[1] or '"orderbook_snapshot"' in lines[0]
    catalog = tmp_path / "catalog"
    result = CliRunner().invoke(
        app, ["data", "import", "kalshi", *stats.files, "--out", str(catalog), "--json"]
    )
    assert result.exit_code == 0, result.output
    events = list(Catalog(catalog).events())
    kinds = {type(e).__name__ for e in events}
    assert {"BookSnapshot", "BookDelta"} <= kinds
