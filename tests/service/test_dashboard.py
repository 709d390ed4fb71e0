"""The browser dashboard (service/dashboard) in headless Chromium against a real paper run of
the bundled Binance capture, served by the real API; and the backtest report's charts.

Needs Debian's Chromium at /usr/bin/chromium and the playwright package: without them the
browser tests are skipped, except on CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from pythia.engine.backtest import BacktestResult
from pythia.risk.settings import RiskSettings
from pythia.service.api import DASHBOARD_DIR, build_server, create_app
from pythia.service.backtest import load_settings
from pythia.service.report import chart_script, write_report
from pythia.service.session import ServeSession

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
READ_TOKEN = "read-" + secrets.token_urlsafe(24)
CONTROL_TOKEN = "control-" + secrets.token_urlsafe(24)
RISK = {
    "gross_exposure": {"USDT": "1000"},
    "max_position": "0.02",
    "drawdown": {"currency": "USDT", "soft": "50", "hard": "100"},
    "daily_loss": {"currency": "USDT", "max_loss": "200"},
}
"""Limits the market maker stays well inside, so the usage bars have something to show."""


def browser_or_skip():
    """playwright's ``sync_playwright`` when Chromium is there; else skip (fail on CI)."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed"
    if reason is None and not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the dashboard test: {reason}")
        pytest.skip(reason)
    return sync_playwright


@contextmanager
def chromium() -> Iterator:
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def api_server(hub) -> Iterator[str]:
    """The real API app with the dashboard on uvicorn at 127.0.0.1 (a free port)."""
    app = create_app(hub, READ_TOKEN, CONTROL_TOKEN, dashboard_dir=DASHBOARD_DIR)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = build_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, ServeSession]]:
    """A paper run of the default config (market maker, Binance BTCUSDT) at 10x, served."""
    settings = load_settings(None)
    settings = settings.model_copy(update={"risk": RiskSettings.model_validate(RISK)})
    session = ServeSession(settings, journal_url=f"sqlite:///{tmp_path / 'j.db'}", speed=10)
    session.start()
    try:
        with api_server(session.hub) as base:
            yield base, session
    finally:
        session.stop()


def health(base: str) -> dict:
    headers = {"Authorization": f"Bearer {READ_TOKEN}"}
    return httpx.get(f"{base}/health", headers=headers, timeout=5).json()


FILLED = """() => {
    const rows = (id) => document.querySelectorAll(`#${id} tbody tr:not(.empty)`).length;
    const line = document.querySelector('#equity-chart svg path.pc-line');
    return rows('fills') > 0 && (rows('orders') > 0 || rows('positions') > 0)
        && line !== null && line.getAttribute('d').split('L').length > 2;
}"""


def test_dashboard_shows_the_live_session_and_a_click_pauses_it(served, tmp_path):
    base, session = served
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        page.goto(f"{base}/dashboard/#token={CONTROL_TOKEN}")
        # the token left the address bar at once, and lives in sessionStorage
        assert "token" not in page.url
        assert page.evaluate("sessionStorage.getItem('pythia.token')") == CONTROL_TOKEN

        page.wait_for_function(FILLED, timeout=40_000)
        page.wait_for_function(
            "() => document.querySelector('#conn').textContent === 'live'", timeout=10_000
        )
        assert page.text_content("#mode") == "normal"
        assert page.text_content("#run-status") == "paper · running"
        # feeds, books, risk bars and strategies are filled from the session
        feed = page.locator("#feeds tbody tr").first
        assert "binance" in feed.text_content() and "up" in feed.text_content()
        assert page.text_content("#books") == "1 / 1"
        limits = page.locator("#risk .limit")
        assert limits.count() == 5
        widths = page.eval_on_selector_all(
            "#risk .bar-fill", "bars => bars.map(bar => bar.style.width)"
        )
        assert all(re.fullmatch(r"[\d.]+%", width) for width in widths), widths
        assert any(float(width[:-1]) > 0 for width in widths), widths
        strategy = page.locator("#strategies tbody tr").first
        assert "market_maker" in strategy.text_content() and "enabled" in strategy.text_content()
        first_fill = page.locator("#fills tbody tr").first.text_content()
        assert "binance:BTCUSDT" in first_fill and "market_maker" in first_fill
        assert page.locator("#equity-chart svg .pc-axis text").count() >= 4
        assert page.locator("#pnl-chart svg path.pc-line").count() == 1

        # flatten asks first; dismissing sends nothing
        dialogs: list[str] = []

        def dismiss(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.click("#btn-flatten")
        assert dialogs and "Flatten" in dialogs[0]
        assert not page.is_visible("#notice") or "queued" not in page.text_content("#notice")

        page.click("#btn-pause")
        page.wait_for_function(
            "() => document.querySelector('#mode').dataset.mode === 'paused'", timeout=15_000
        )
        assert page.text_content("#mode") == "paused"
        assert health(base)["mode"] == "paused"
        assert page.locator("#btn-pause").get_attribute("class") == "active"
        # orders and positions are still shown once the session is paused
        page.wait_for_function(FILLED, timeout=5_000)

        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "dashboard.png", ARTIFACTS / "dashboard.png")

        # a read-only token sees everything and learns from a 403 that it may not steer
        reader = browser.new_page()
        reader.goto(f"{base}/dashboard/#token={READ_TOKEN}")
        reader.wait_for_function(FILLED, timeout=10_000)
        reader.click("#btn-resume")
        reader.wait_for_function(  # every control button, not only the one clicked
            "() => document.querySelectorAll('#controls button:enabled').length === 0",
            timeout=5_000,
        )
        assert reader.locator("#controls button:enabled").count() == 0
        assert "Read-only" in reader.text_content("#notice")
        assert health(base)["mode"] == "paused"
        # signing out forgets the token and shows the sign-in form
        reader.click("#sign-out")
        assert reader.is_visible("#login-form")
        assert reader.evaluate("sessionStorage.getItem('pythia.token')") is None
    # the 403 of the read-only page is the only error the browser reported
    assert all("403" in problem for problem in problems), problems
    assert session.running


def test_dashboard_refuses_a_bad_token(served):
    base, _ = served
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{base}/dashboard/")
        assert page.is_visible("#login-form") and not page.is_visible("#app")
        page.fill("#token-input", "not-the-token-" + "x" * 20)
        page.click("#login-submit")
        page.wait_for_selector("#login-error:not([hidden])", timeout=10_000)
        assert "refused" in page.text_content("#login-error")
        page.fill("#token-input", READ_TOKEN)
        page.click("#login-submit")
        page.wait_for_selector("#app:not([hidden])", timeout=10_000)
        page.wait_for_function(
            "() => document.querySelector('#mode').dataset.mode === 'normal'", timeout=10_000
        )


def sample_result() -> BacktestResult:
    start = 1_723_161_254_000_000_000
    equity = [(start + i * 1_000_000_000, 10_000_000_000 - i * 1_000_000) for i in range(120)]
    return BacktestResult(
        summary={"currency": "USDT", "pnl": "-119.000000"},
        orders=[],
        fills=[],
        starting_balances={"USDT": "10000"},
        final_balances={"USDT": "9881"},
        positions={},
        ledger=[],
        equity_curve=equity,
        drawdown_curve=[(ts, 10_000_000_000 - value) for ts, value in equity],
        exposure_curve=[(ts, (i % 7) * 50_000_000) for i, (ts, _) in enumerate(equity)],
        position_curve=[(ts, {"binance:BTCUSDT": i % 5}) for i, (ts, _) in enumerate(equity)],
        strategies={"mm": {"quotes": [{"side": "buy", "price": "1</script>"}]}},
    )


def test_the_report_inlines_the_dashboard_charts(tmp_path):
    path = tmp_path / "report.html"
    write_report(sample_result(), path, title="mm <test>")
    page = path.read_text()
    assert chart_script() in page  # the very same chart code as the dashboard
    assert "plotly" in page and "Equity" in page and "Drawdown" in page
    assert "mm &lt;test&gt;" in page and "1</script>" not in page
    specs = re.findall(
        r"<script type='application/json' data-chart='([\w-]+)'>(.*?)</script>", page
    )
    assert [name for name, _ in specs] == ["chart-equity", "chart-drawdown", "chart-exposure"]
    equity = json.loads(specs[0][1])
    assert equity["series"][0] == [1_723_161_254_000_000_000, "10000.000000"]
    assert json.loads(specs[1][1])["series"][-1][1] == "-119.000000"


def test_the_report_charts_draw_in_chromium(tmp_path):
    path = tmp_path / "report.html"
    write_report(sample_result(), path)
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_selector("#chart-exposure svg path.pc-line", timeout=10_000)
        assert page.locator(".chart svg path.pc-line").count() == 3
        assert page.locator("#chart-drawdown svg path.pc-area").count() == 1
        assert errors == []
