"""The operations API's WebSocket: ``/ws`` pushes the hub's events to a browser.

Browsers cannot set headers on a WebSocket and a token in the URL would end up in logs, so
the client sends ``{"token": "..."}`` as its first message (within
:data:`WS_AUTH_TIMEOUT_S`); a bad or late token closes the socket with code 4401. Then the
server sends ``{"kind": "hello", "state": ...}`` and every hub event as JSON.

The hub calls subscribers on the engine thread: each client gets a bounded queue filled with
``loop.call_soon_threadsafe``, so the engine never waits for a client. A client that falls
behind loses its oldest events and is told how many with ``{"kind": "lagged", ...}``.
"""

from __future__ import annotations

import asyncio
import json

import anyio
import anyio.abc
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from pythia.service.api_security import TokenCheck
from pythia.service.ops import OpsHub

WS_AUTH_TIMEOUT_S = 5.0
WS_QUEUE_EVENTS = 1000
WS_MAX_CLIENTS = 32
WS_MAX_MESSAGE_BYTES = 64 * 1024
WS_CLOSE_UNAUTHORIZED = 4401
WS_CLOSE_BUSY = 1013
_GONE = (
    WebSocketDisconnect,
    RuntimeError,
    OSError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
)


class ClientQueue:
    """The events waiting for one client, at most ``maxsize``: when full, the oldest goes
    (``dropped`` counts them until the client is told)."""

    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def put(self, event: dict) -> bool:
        """Queue ``event`` (on the event loop); return whether an older event was dropped."""
        lost = self._queue.full()
        if lost:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)
        return lost

    async def get(self) -> dict:
        return await self._queue.get()


def add_websocket(app: FastAPI, hub: OpsHub, check: TokenCheck) -> None:
    """Add ``/ws`` to ``app``: authenticate, then stream the hub's events."""
    app.state.ws_clients = 0
    app.state.ws_dropped = 0

    @app.websocket("/ws")
    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        if not await _authenticated(websocket, check):
            await _close(websocket, WS_CLOSE_UNAUTHORIZED, "unauthorized")
            return
        if app.state.ws_clients >= WS_MAX_CLIENTS:
            await _close(websocket, WS_CLOSE_BUSY, "too many clients")
            return
        app.state.ws_clients += 1
        try:
            await _stream(app, websocket, hub)
        finally:
            app.state.ws_clients -= 1


async def _authenticated(websocket: WebSocket, check: TokenCheck) -> bool:
    """Wait for ``{"token": "..."}`` as the first message (browsers cannot send headers)."""
    message = {"type": "timeout"}
    with anyio.move_on_after(WS_AUTH_TIMEOUT_S):
        message = await websocket.receive()
    if message["type"] != "websocket.receive":
        return False
    text = message.get("text")
    if text is None and message.get("bytes") is not None:
        text = message["bytes"].decode("utf-8", "replace")
    if not text or len(text) > WS_MAX_MESSAGE_BYTES:
        return False
    try:
        hello = json.loads(text)
    except ValueError:
        return False
    token = hello.get("token") if isinstance(hello, dict) else None
    return isinstance(token, str) and check.role(token) is not None


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.client_state == WebSocketState.CONNECTED:
        try:
            await websocket.close(code=code, reason=reason)
        except (RuntimeError, WebSocketDisconnect):
            pass


async def _stream(app: FastAPI, websocket: WebSocket, hub: OpsHub) -> None:
    """Send the state, then every hub event, until the client leaves."""
    loop = asyncio.get_running_loop()
    queue = ClientQueue(WS_QUEUE_EVENTS)

    def deliver(event: dict) -> None:  # on the event loop
        if queue.put(event):
            app.state.ws_dropped += 1

    def on_event(event: dict) -> None:  # on the engine thread: never block
        loop.call_soon_threadsafe(deliver, event)

    async def pump(group: anyio.abc.TaskGroup) -> None:
        try:
            while True:
                event = await queue.get()
                if queue.dropped:
                    await websocket.send_text(_json({"kind": "lagged", "dropped": queue.dropped}))
                    queue.dropped = 0
                await websocket.send_text(_json(event))
        except _GONE:
            group.cancel_scope.cancel()  # the client went away mid-send

    async def drain(group: anyio.abc.TaskGroup) -> None:
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass  # the client has nothing more to say; ignore it
        except _GONE:
            pass
        group.cancel_scope.cancel()

    unsubscribe = hub.subscribe(on_event)
    try:
        state = await run_in_threadpool(hub.state)
        await websocket.send_text(_json({"kind": "hello", "state": state}))
        async with anyio.create_task_group() as group:
            group.start_soon(pump, group)
            group.start_soon(drain, group)
    except _GONE:
        pass
    finally:
        unsubscribe()
        with anyio.move_on_after(1, shield=True):
            await _close(websocket, 1000, "bye")


def _json(value) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))
