"""The operations API (service.api) over a real paper session of bundled data."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from apikit import CONTROL, CONTROL_TOKEN, READ, READ_TOKEN, running_session, wait_for
from pythia.core.errors import ConfigError
from pythia.service.api import (
    ApiSettings,
    build_server,
    check_bind,
    create_app,
    ensure_tokens,
    resolve_tokens,
)
from pythia.service.api_ws import ClientQueue
from pythia.service.ops import OpsHub

READ_PATHS = [
    "/health",
    "/metrics",
    "/openapi.json",
    "/api/positions",
    "/api/balances",
    "/api/orders",
    "/api/fills",
    "/api/pnl",
    "/api/risk",
    "/api/opportunities",
    "/api/strategies",
    "/api/journal",
    "/api/state",
]
COMMANDS = ["pause", "resume", "reduce", "flatten", "kill"]
CONTROL_PATHS = [f"/control/{c}" for c in COMMANDS] + [
    "/control/strategies/market_maker/enable",
    "/control/strategies/market_maker/disable",
]
SAFE_CONTROL_PATHS = ["/control/resume", "/control/strategies/market_maker/enable"]


def no_secret_in(response: httpx.Response) -> None:
    response.read()
    for token in (READ_TOKEN, CONTROL_TOKEN):
        assert token not in response.text
        assert all(token not in value for value in response.headers.values())


def checked_client(app, **kwargs) -> TestClient:
    """A test client that asserts no response ever carries a token."""
    client = TestClient(app, **kwargs)
    client.event_hooks = {"response": [no_secret_in]}
    return client


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with running_session(tmp_path_factory.mktemp("api"), speed=10) as running:
        yield running


@pytest.fixture(scope="module")
def client(session):
    with checked_client(create_app(session.hub, READ_TOKEN, CONTROL_TOKEN)) as test_client:
        yield test_client


def mode(client) -> str:
    return client.get("/health", headers=READ).json()["mode"]


@pytest.mark.parametrize("path", READ_PATHS + CONTROL_PATHS + ["/nowhere"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": READ_TOKEN}],
    ids=["none", "wrong", "no-scheme"],
)
def test_every_endpoint_needs_a_valid_bearer_token(client, path, headers):
    method = client.post if path.startswith("/control") else client.get
    response = method(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {"detail": "missing or invalid bearer token"}


@pytest.mark.parametrize("path", SAFE_CONTROL_PATHS + ["/control/kill"])
def test_the_read_token_cannot_control(client, path):
    response = client.post(path, headers=READ, json={"reason": "try"})
    assert response.status_code == 403
    assert mode(client) == "normal"


def test_either_token_reads_every_endpoint(client):
    for headers in (READ, CONTROL):
        for path in READ_PATHS:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text)
    health = client.get("/health", headers=READ).json()
    assert health["status"] == "running" and health["mode"] == "normal"
    assert health["feeds"][0]["venue"] == "binance" and health["books"]["synced"] == 1
    assert health["journal"]["enabled"] is True
    state = client.get("/api/state", headers=READ).json()
    assert set(state) >= {"health", "positions", "balances", "open_orders", "pnl", "strategies"}
    assert state["strategies"][0]["id"] == "market_maker"
    assert wait_for(lambda: client.get("/api/fills?limit=5", headers=READ).json())
    fills = client.get("/api/fills?limit=5", headers=READ).json()
    assert 1 <= len(fills) <= 5 and {"price", "size", "side", "fee"} <= set(fills[0])
    assert client.get("/api/pnl", headers=READ).json()["curve"]
    orders = client.get("/api/journal?limit=3&kind=order_submitted", headers=READ).json()
    assert len(orders) <= 3 and all(row["kind"] == "order_submitted" for row in orders)


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x"])
def test_query_limits_are_validated(client, query):
    assert client.get(f"/api/fills?{query}", headers=READ).status_code == 422
    assert client.get(f"/api/journal?{query}", headers=READ).status_code == 422


def test_pause_and_resume_reach_the_engine(client):
    response = client.post("/control/pause", headers=CONTROL, json={"reason": "api test"})
    assert response.status_code == 202
    assert response.json()["command"] == "pause" and response.json()["status"] == "queued"
    assert wait_for(lambda: mode(client) == "paused", timeout_s=3)
    assert client.get("/health", headers=READ).json()["mode_reason"] == "api test"
    assert client.post("/control/resume", headers=CONTROL).status_code == 202  # no body
    assert wait_for(lambda: mode(client) == "normal", timeout_s=3)


def test_a_strategy_is_disabled_and_enabled(client):
    def enabled() -> bool:
        return client.get("/api/strategies", headers=READ).json()[0]["enabled"]

    path = "/control/strategies/market_maker"
    assert client.post(f"{path}/disable", headers=CONTROL).status_code == 202
    assert wait_for(lambda: not enabled(), timeout_s=3)
    assert client.post(f"{path}/enable", headers=CONTROL, json={}).status_code == 202
    assert wait_for(enabled, timeout_s=3)


def test_an_unknown_strategy_is_404(client):
    response = client.post("/control/strategies/nobody/disable", headers=CONTROL)
    assert response.status_code == 404
    assert "nobody" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "x" * 501},
        {"reason": "ok", "extra": 1},
        {"reason": 5},
        [1, 2],
        f'{{"{CONTROL_TOKEN}": 1}}',  # an extra field named like a secret is not echoed
        "{not json",
    ],
)
def test_control_bodies_are_validated(client, body):
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post("/control/pause", headers=CONTROL, **kwargs)
    assert response.status_code == 422
    assert all({"loc", "msg", "type"} == set(error) for error in response.json()["detail"])
    assert mode(client) == "normal"


def test_the_openapi_document_is_served_behind_auth(client):
    document = client.get("/openapi.json", headers=READ).json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in ["/health", "/metrics", "/openapi.json", *CONTROL_PATHS[:5]]:
        assert path in paths
    assert "/control/strategies/{strategy_id}/disable" in paths
    assert paths["/control/pause"]["post"]["security"] == [{"ControlToken": []}]
    assert {"ReadToken": []} in paths["/api/state"]["get"]["security"]
    assert set(document["components"]["securitySchemes"]) == {"ReadToken", "ControlToken"}
    for public in ("/docs", "/redoc"):
        assert client.get(public, headers=READ).status_code == 404


def test_metrics_are_prometheus_text(client):
    response = client.get("/metrics", headers=READ)
    assert response.headers["content-type"].startswith("text/plain")
    for name in (
        "pythia_events_processed_total",
        "pythia_decision_latency_seconds",
        "pythia_control_mode",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in response.text


def test_responses_carry_security_headers_and_no_cors_by_default(client):
    response = client.get("/health", headers={**READ, "Origin": "https://evil.example"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/control/pause",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_opens_only_to_configured_origins(session):
    origin = "https://ops.example.com"
    app = create_app(session.hub, READ_TOKEN, CONTROL_TOKEN, cors_origins=[origin])
    with checked_client(app) as client:
        allowed = client.get("/health", headers={**READ, "Origin": origin})
        assert allowed.headers["access-control-allow-origin"] == origin
        other = client.get("/health", headers={**READ, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/control/pause",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin


def test_the_websocket_needs_a_token_in_its_first_message(client):
    for first in ({"token": "wrong-token-wrong-token"}, {"nothing": 1}, "not json"):
        with client.websocket_connect("/ws") as ws:
            ws.send_text(json.dumps(first) if isinstance(first, dict) else first)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4401


def test_the_websocket_pushes_state_then_events(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"token": READ_TOKEN})
        hello = ws.receive_json()
        assert hello["kind"] == "hello" and hello["state"]["health"]["status"] == "running"
        assert client.post("/control/pause", headers=CONTROL).status_code == 202
        kinds = set()
        while "mode_change" not in kinds:
            event = ws.receive_json()
            kinds.add(event["kind"])
            assert event["kind"] in {"fill", "mode_change", "opportunity", "feed", "lagged"}
        assert client.post("/control/resume", headers=CONTROL).status_code == 202
        assert wait_for(lambda: mode(client) == "normal", timeout_s=3)


def test_a_slow_websocket_client_loses_the_oldest_events_and_is_told():
    async def scenario() -> tuple[list, int, list]:
        queue = ClientQueue(3)
        lost = [queue.put({"n": n}) for n in range(5)]
        return lost, queue.dropped, [(await queue.get())["n"] for _ in range(3)]

    lost, dropped, kept = asyncio.run(scenario())
    assert lost == [False, False, False, True, True] and dropped == 2 and kept == [2, 3, 4]


def test_uvicorn_serves_the_api_and_the_websocket_on_loopback(session):
    server = build_server(create_app(session.hub, READ_TOKEN, CONTROL_TOKEN), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: server.started, timeout_s=10)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health").status_code == 401
        health = httpx.get(f"{base}/health", headers=READ)
        assert health.status_code == 200 and "server" not in health.headers
        with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            ws.send(json.dumps({"token": CONTROL_TOKEN}))
            assert json.loads(ws.recv(timeout=5))["kind"] == "hello"
        with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            ws.send(json.dumps({"token": "nope-nope-nope-nope"}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd.code == 4401
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_dashboard_is_public_static_and_the_root_redirects_to_it(session, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>Pythia</title>")
    app = create_app(session.hub, READ_TOKEN, CONTROL_TOKEN, dashboard_dir=tmp_path)
    with checked_client(app, follow_redirects=False) as client:
        assert client.get("/").headers["location"] == "/dashboard/"
        page = client.get("/dashboard/")
        assert page.status_code == 200 and "Pythia" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for sneaky in ("/dashboard/../api/state", "/dashboard/%2e%2e/api/state"):
            assert client.get(sneaky).status_code in (401, 404)
        assert client.get("/api/state").status_code == 401


def test_errors_are_mapped_and_never_leak_internals(tmp_path):
    hub = OpsHub(journal_url=None)  # not attached to an engine, and no journal

    def broken() -> list:
        raise RuntimeError(f"boom with {CONTROL_TOKEN}")

    app = create_app(hub, READ_TOKEN, CONTROL_TOKEN)
    with checked_client(app, raise_server_exceptions=False) as client:
        assert client.get("/health", headers=READ).json()["status"] == "starting"
        assert client.get("/api/state", headers=READ).status_code == 200
        hub.positions = broken
        failed = client.get("/api/positions", headers=READ)
        assert failed.status_code == 500 and failed.json() == {"detail": "internal error"}
        refused = client.post("/control/pause", headers=CONTROL)
        assert refused.status_code == 409 and "journal" in refused.json()["detail"]


def test_tokens_come_from_the_environment_first_and_must_differ():
    config = ApiSettings(read_token="r" * 20, control_token="c" * 20)
    resolved = resolve_tokens(config, {"PYTHIA_CONTROL_TOKEN": CONTROL_TOKEN})
    assert resolved.read_token.get_secret_value() == "r" * 20
    assert resolved.control_token.get_secret_value() == CONTROL_TOKEN
    assert CONTROL_TOKEN not in repr(resolved) and CONTROL_TOKEN not in str(resolved.model_dump())
    assert CONTROL_TOKEN not in resolved.model_dump_json()
    for environ in ({"PYTHIA_READ_TOKEN": CONTROL_TOKEN, "PYTHIA_CONTROL_TOKEN": CONTROL_TOKEN},):
        with pytest.raises(ConfigError) as error:
            resolve_tokens(ApiSettings(), environ)
        assert CONTROL_TOKEN not in str(error.value)
    with pytest.raises(ConfigError, match="at least 16"):
        resolve_tokens(ApiSettings(), {"PYTHIA_READ_TOKEN": "short"})
    assert resolve_tokens(ApiSettings(), {"PYTHIA_READ_TOKEN": ""}).read_token is None
    with pytest.raises(ValueError, match="not an origin"):
        ApiSettings(cors_origins=["*"])


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])
def test_a_remote_bind_needs_allow_remote_and_both_tokens(host):
    tokens = {"read_token": READ_TOKEN, "control_token": CONTROL_TOKEN}
    for refused in (
        ApiSettings(host=host, **tokens),
        ApiSettings(host=host, allow_remote=True, read_token=READ_TOKEN),
        ApiSettings(host=host, allow_remote=True, control_token=CONTROL_TOKEN),
    ):
        with pytest.raises(ConfigError, match="not a loopback address") as error:
            check_bind(refused)
        assert READ_TOKEN not in str(error.value) and CONTROL_TOKEN not in str(error.value)
    check_bind(ApiSettings(host=host, allow_remote=True, **tokens))
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(ApiSettings(host=loopback))


def test_missing_tokens_are_generated_into_a_private_file(tmp_path):
    token_file = tmp_path / "run" / "api-tokens"
    read, control = ensure_tokens(ApiSettings(), token_file)
    assert read != control and len(read) >= 40 and len(control) >= 40
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    text = token_file.read_text()
    assert f"PYTHIA_READ_TOKEN={read}" in text and f"PYTHIA_CONTROL_TOKEN={control}" in text
    assert ensure_tokens(ApiSettings(), token_file) == (read, control)  # a restart keeps them
    given = ApiSettings(control_token=CONTROL_TOKEN)
    assert ensure_tokens(given, token_file) == (read, CONTROL_TOKEN)
    assert CONTROL_TOKEN not in token_file.read_text()  # given tokens are never written
    os.chmod(token_file, 0o644)  # others could have read it: not reused
    assert ensure_tokens(ApiSettings(), token_file)[0] != read
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
