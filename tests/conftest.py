"""Shared test helpers: paths of recorded data (copied into the repo, never ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pythia.data import bundled

TESTS_DATA = Path(__file__).parent / "data"


@pytest.fixture
def tests_data() -> Path:
    return TESTS_DATA


@pytest.fixture
def binance_btc_files() -> list[Path]:
    return [
        bundled("binance", "spot_btcusdt_20240808.gz"),
        bundled("binance", "spot_btcusdt_20240809.gz"),
    ]


@pytest.fixture
def binance_eth_files() -> list[Path]:
    return [bundled("binance", "spot_ethusdt_20240808.gz")]
