"""`pythia record --venue binance` against the Binance emulator: a depth snapshot line,
then the combined stream as received; the capture imports back and its books sync."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.core.errors import ConfigError
from pythia.data import bundled
from pythia.data.catalog import Catalog
from pythia.service.record import record
from pythia.venues.binance.emulator import BinanceEmulator


def test_a_recorded_binance_capture_imports_back(tmp_path):
    out = tmp_path / "capture"

    async def main():
        emulator = BinanceEmulator(
            [bundled("binance", "spot_btcusdt_20240808.gz")],
            api_key="k",
            api_secret="s",
            speed=20,
            limit=400,
        )
        await emulator.start()
        try:
            recording = asyncio.create_task(
                record(
                    "binance", emulator.ws_url, ["BTCUSDT"], out, 1.5, rest_url=emulator.rest_url
                )
            )
            await asyncio.sleep(0.3)
            emulator.start_replay()
            return await recording
        finally:
            await emulator.stop()

    stats = asyncio.run(main())
    assert stats.frames > 10
    lines = (out / stats.files[0].split("/")[-1]).read_text().splitlines()
    assert '"lastUpdateId"' in lines[0]
    assert '"stream"' in lines[1]
    catalog = tmp_path / "catalog"
    result = CliRunner().invoke(
        app, ["data", "import", "binance", *stats.files, "--out", str(catalog), "--json"]
    )
    assert result.exit_code == 0, result.output
    kinds = {type(event).__name__ for event in Catalog(catalog).events()}
    assert {"BookSnapshot", "BookDelta"} <= kinds


def test_binance_records_one_symbol_a_run(tmp_path):
    with pytest.raises(ConfigError, match="one symbol"):
        asyncio.run(record("binance", "ws://x", ["A", "B"], tmp_path, 0.1, rest_url="http://x"))


def test_emulate_binance_serves_a_bundled_capture(monkeypatch):
    monkeypatch.setenv("PYTHIA_BINANCE_API_KEY", "k")
    monkeypatch.setenv("PYTHIA_BINANCE_API_SECRET", "s")
    result = CliRunner().invoke(
        app,
        ["emulate", "binance", "--data", "binance-ethusdt", "--port", "0", "--speed", "0",
         "--run-for", "0.3", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"rest": "http://127.0.0.1:' in result.output
