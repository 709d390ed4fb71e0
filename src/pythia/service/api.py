"""The operations API: REST, a WebSocket of events and Prometheus metrics over an OpsHub.

Routes (every one but the dashboard's static files needs ``Authorization: Bearer <token>``;
``POST`` needs the control token):

- ``GET /health``, ``GET /metrics``, ``GET /openapi.json``;
- ``GET /api/{positions,balances,orders,fills,pnl,risk,opportunities,strategies,journal,state}``;
- ``POST /control/{pause,resume,reduce,flatten,kill}`` and
  ``POST /control/strategies/{id}/{enable,disable}``: queued for the engine (202);
- ``WS /ws``: send ``{"token": "..."}`` first; then a ``hello`` with the whole state and
  every hub event (fill, mode_change, opportunity, breaker, feed, status) as JSON.

Example::

    app = create_app(session.hub, read_token, control_token, dashboard_dir=DASHBOARD_DIR)
    serve_app(app, "127.0.0.1", 8321)
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from pythia.core.errors import ConfigError, DataError
from pythia.service import api_models as m
from pythia.service.api_security import (
    ApiSettings,
    BearerAuth,
    SecurityHeaders,
    TokenCheck,
    check_bind,
    ensure_tokens,
    resolve_tokens,
)
from pythia.service.api_ws import WS_MAX_MESSAGE_BYTES, add_websocket
from pythia.service.metrics import CONTENT_TYPE
from pythia.service.ops import OpsHub
from pythia.service.opsview import SESSION_COMMANDS

__all__ = [
    "ApiSettings",
    "DASHBOARD_DIR",
    "check_bind",
    "create_app",
    "ensure_tokens",
    "resolve_tokens",
    "serve_app",
]

log = logging.getLogger(__name__)

DASHBOARD_DIR = Path(__file__).parent / "dashboard"

_read_bearer = HTTPBearer(
    scheme_name="ReadToken", auto_error=False, description="The read (or control) token"
)
_control_bearer = HTTPBearer(
    scheme_name="ControlToken", auto_error=False, description="The control token"
)
_AUTH_ERRORS = {
    401: {"model": m.ErrorBody, "description": "Missing or invalid bearer token"},
    403: {"model": m.ErrorBody, "description": "The read token on a control endpoint"},
}
_VALIDATION = {422: {"model": m.ValidationErrorBody, "description": "Invalid request"}}
_CONTROL_ERRORS = {
    **_VALIDATION,
    400: {"model": m.ErrorBody, "description": "The body could not be parsed"},
    409: {"model": m.ErrorBody, "description": "The session cannot take commands"},
}


def create_app(
    hub: OpsHub,
    read_token: str,
    control_token: str,
    cors_origins=(),
    dashboard_dir: Path | None = None,
) -> FastAPI:
    """Build the API over ``hub``; ``dashboard_dir`` (e.g. :data:`DASHBOARD_DIR`) is served
    at ``/dashboard/`` without a token when given and present."""
    check = TokenCheck(read_token, control_token)
    app = FastAPI(
        title="Pythia operations API",
        version="1",
        description="Read and steer one running Pythia engine session.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,
    )
    reader = APIRouter(
        dependencies=[Security(_read_bearer), Security(_control_bearer)],
        responses={401: _AUTH_ERRORS[401]},
    )
    controller = APIRouter(
        prefix="/control",
        tags=["control"],
        dependencies=[Security(_control_bearer)],
        responses={**_AUTH_ERRORS, **_CONTROL_ERRORS},
    )
    _read_routes(reader, hub, app)
    _control_routes(controller, hub)
    app.include_router(reader)
    app.include_router(controller)
    add_websocket(app, hub, check)
    _error_handlers(app, check)
    if dashboard_dir is not None and Path(dashboard_dir).is_dir():
        app.mount("/dashboard", StaticFiles(directory=dashboard_dir, html=True), "dashboard")

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/dashboard/", status_code=307)

    app.add_middleware(BearerAuth, check=check)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
    return app


def _read_routes(router: APIRouter, hub: OpsHub, app: FastAPI) -> None:
    @router.get("/health", response_model=m.Health, tags=["health"])
    def health() -> dict:
        """Session status, control mode, feeds, books in sync and the journal."""
        return hub.health()

    @router.get(
        "/metrics",
        response_class=Response,
        tags=["health"],
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics() -> Response:
        """Prometheus metrics (text exposition format)."""
        return Response(hub.metrics.render(), media_type=CONTENT_TYPE)

    @router.get("/openapi.json", response_model=dict, tags=["health"])
    def openapi() -> dict:
        """This document."""
        return app.openapi()

    @router.get("/api/positions", response_model=list[m.Position], tags=["read"])
    def positions() -> list[dict]:
        """Open positions with their mark and value."""
        return hub.positions()

    @router.get("/api/balances", response_model=list[m.Balance], tags=["read"])
    def balances() -> list[dict]:
        """Cash and available cash per currency."""
        return hub.balances()

    @router.get("/api/orders", response_model=list[m.OpenOrder], tags=["read"])
    def orders() -> list[dict]:
        """Open orders."""
        return hub.open_orders()

    @router.get("/api/fills", response_model=list[m.Fill], tags=["read"], responses=_VALIDATION)
    def fills(limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """The latest fills, newest first."""
        return hub.fills(limit)

    @router.get("/api/pnl", response_model=m.Pnl, tags=["read"])
    def pnl() -> dict:
        """Profit and loss now and over time (``curve``)."""
        return hub.pnl()

    @router.get("/api/risk", response_model=m.Risk, tags=["read"])
    def risk() -> dict:
        """Control mode, limits with their usage, risk decisions and rejections."""
        return hub.risk()

    @router.get("/api/opportunities", response_model=list[m.Opportunity], tags=["read"])
    def opportunities() -> list[dict]:
        """Opportunities the strategies see now."""
        return hub.opportunities()

    @router.get("/api/strategies", response_model=list[m.StrategyStatus], tags=["read"])
    def strategies() -> list[dict]:
        """Strategies, enabled or not, with their open orders."""
        return hub.strategies()

    @router.get(
        "/api/journal", response_model=list[m.JournalRecord], tags=["read"], responses=_VALIDATION
    )
    def journal(
        limit: int = Query(50, ge=1, le=1000),
        kind: str | None = Query(None, max_length=64, description="Only records of this kind"),
    ) -> list[dict]:
        """Recent journal records, newest first."""
        return hub.journal(limit, kind)

    @router.get("/api/state", response_model=m.State, tags=["read"])
    def state() -> dict:
        """Everything at once (the dashboard's first paint)."""
        return hub.state()


def _control_routes(router: APIRouter, hub: OpsHub) -> None:
    def command_route(command: str) -> None:
        def handler(body: m.ControlBody | None = None) -> dict:
            return _control(hub, command, body)

        handler.__name__ = f"control_{command}"
        handler.__doc__ = f"Queue ``{command}`` for the engine (applied before its next event)."
        router.add_api_route(
            f"/{command}",
            handler,
            methods=["POST"],
            status_code=202,
            response_model=m.ControlAccepted,
        )

    for command in SESSION_COMMANDS:
        command_route(command)

    strategy_param = PathParam(min_length=1, max_length=200, description="A strategy id")
    unknown = {404: {"model": m.ErrorBody, "description": "No such strategy"}}

    @router.post(
        "/strategies/{strategy_id}/enable",
        status_code=202,
        response_model=m.ControlAccepted,
        responses=unknown,
    )
    def enable(strategy_id: str = strategy_param, body: m.ControlBody | None = None) -> dict:
        """Queue enabling a strategy."""
        return _control(hub, "enable", body, strategy_id)

    @router.post(
        "/strategies/{strategy_id}/disable",
        status_code=202,
        response_model=m.ControlAccepted,
        responses=unknown,
    )
    def disable(strategy_id: str = strategy_param, body: m.ControlBody | None = None) -> dict:
        """Queue disabling a strategy (its orders stay until cancelled or filled)."""
        return _control(hub, "disable", body, strategy_id)


def _control(
    hub: OpsHub, command: str, body: m.ControlBody | None, strategy: str | None = None
) -> dict | JSONResponse:
    reason = body.reason if body is not None else ""
    if strategy is not None and strategy not in {row["id"] for row in hub.strategies()}:
        return JSONResponse({"detail": "no such strategy (see GET /api/strategies)"}, 404)
    try:
        return hub.control(command, reason, strategy)
    except ConfigError:
        if strategy is not None:
            return JSONResponse({"detail": "no such strategy (see GET /api/strategies)"}, 404)
        return JSONResponse({"detail": "unknown control command"}, 400)
    except DataError:
        return JSONResponse({"detail": "this session has no journal to take commands"}, 409)


def _error_handlers(app: FastAPI, check: TokenCheck) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "loc": [str(part) if not isinstance(part, int) else part for part in e["loc"]],
                "msg": str(e.get("msg", "invalid")),
                "type": str(e.get("type", "invalid")),
            }
            for e in error.errors()
        ]
        return JSONResponse({"detail": check.scrub(detail)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = check.scrub(str(error.detail))
        return JSONResponse({"detail": detail}, error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        log.error(
            "internal error on %s %s: %s", request.method, request.url.path, type(error).__name__
        )
        return JSONResponse({"detail": "internal error"}, status_code=500)


def build_server(app: FastAPI, host: str, port: int):
    """A uvicorn server for ``app`` (no access log, no server header, small WS frames)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        ws_max_size=WS_MAX_MESSAGE_BYTES,
        lifespan="off",
    )
    return uvicorn.Server(config)


def serve_app(app: FastAPI, host: str, port: int) -> None:
    """Serve ``app`` until SIGINT / SIGTERM (call from the main thread).

    After a graceful shutdown uvicorn re-raises the signal it caught (``KeyboardInterrupt``
    for SIGINT; SIGTERM goes to the handler installed before this call), so stop the engine
    in a ``finally``::

        try:
            serve_app(app, host, port)
        finally:
            session.stop()
    """
    build_server(app, host, port).run()
