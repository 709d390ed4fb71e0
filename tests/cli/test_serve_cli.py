"""`pythia serve` end to end: a subprocess serving the bundled paper run, steered over HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

READ = "read-token-for-the-serve-cli-test"
CONTROL = "control-token-for-the-serve-cli-test"


def call(port: int, path: str, token: str | None, method: str = "GET") -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if method == "POST":
        request.add_header("Content-Type", "application/json")
        request.data = b"{}"
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_serve_runs_the_default_paper_session_and_stops_cleanly(tmp_path):
    env = {**os.environ, "PYTHIA_READ_TOKEN": READ, "PYTHIA_CONTROL_TOKEN": CONTROL}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pythia.cli.main",
            "serve",
            "--port",
            "0",
            "--speed",
            "20",
            "--journal",
            f"sqlite:///{tmp_path / 'serve.db'}",
            "--token-file",
            str(tmp_path / "tokens"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "dashboard:" not in line:
            line = process.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/dashboard/", line).group(1))
        assert call(port, "/health", None)[0] == 401
        assert call(port, "/health", "wrong-token-of-enough-length")[0] == 401
        status, health = call(port, "/health", READ)
        assert status == 200 and health["mode"] == "normal" and health["run_mode"] == "paper"
        assert call(port, "/control/pause", READ, "POST")[0] == 403
        assert call(port, "/control/pause", CONTROL, "POST")[0] == 202
        deadline = time.monotonic() + 20
        while call(port, "/health", READ)[1]["mode"] != "paused":
            assert time.monotonic() < deadline, "pause never applied"
            time.sleep(0.2)
        assert not (tmp_path / "tokens").exists()  # given tokens are never written down
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped: stopped" in out
    for secret in (READ, CONTROL):
        assert secret not in out and secret not in err
