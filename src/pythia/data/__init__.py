"""Recorded data: raw captures, the normalized Parquet catalog, replay and integrity checks."""

from pathlib import Path

BUNDLED_DIR = Path(__file__).parent / "bundled"
"""Real recorded captures shipped with the package (see bundled/SOURCES.md for attribution)."""


def bundled(*parts: str) -> Path:
    """Return the path of a bundled file: ``bundled("binance", "spot_ethusdt_20240808.gz")``."""
    return BUNDLED_DIR.joinpath(*parts)
