"""Shared fixtures for the Betfair tests: paths of the recorded files in tests/data/betfair."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "betfair"


@pytest.fixture
def win_market_path() -> Path:
    """Greyhound WIN market 1.197931750, 6 runners, plain JSON lines (166)."""
    return DATA / "1.197931750"


@pytest.fixture
def catalogue_path() -> Path:
    return DATA / "1.197931750.catalogue.json"


@pytest.fixture
def match_odds_path() -> Path:
    """Basketball MATCH_ODDS market 1.166564490, 2 runners, historical .bz2 (1,608 lines)."""
    return DATA / "1-166564490.bz2"
