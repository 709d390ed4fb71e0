"""`pythia emulate betfair` serves the bundled WIN market on loopback."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pythia.cli.main import app


def test_emulate_betfair_prints_rest_and_stream_addresses(monkeypatch):
    for name, value in (("USERNAME", "u"), ("PASSWORD", "p"), ("APP_KEY", "k")):
        monkeypatch.setenv(f"PYTHIA_BETFAIR_{name}", value)
    result = CliRunner().invoke(
        app,
        [
            "emulate",
            "betfair",
            "--data",
            "betfair-win",
            "--speed",
            "0",
            "--run-for",
            "0.3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    urls = json.loads(result.output[result.output.index("{") :])
    assert urls["rest"].startswith("http://127.0.0.1:")
    assert urls["stream"].startswith("tcp://127.0.0.1:")


def test_emulate_betfair_without_credentials_names_them(monkeypatch):
    for name in ("USERNAME", "PASSWORD", "APP_KEY"):
        monkeypatch.delenv(f"PYTHIA_BETFAIR_{name}", raising=False)
    result = CliRunner().invoke(app, ["emulate", "betfair", "--data", "betfair-win"])
    assert result.exit_code == 1
    assert "PYTHIA_BETFAIR_USERNAME" in result.output
