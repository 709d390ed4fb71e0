"""A real venue behind the kernel's synchronous gateway interface (live runs).

The kernel hands a gateway an order and expects its answers. A live venue answers later,
over the network: :class:`LiveGateway` starts the request on the running event loop and
returns nothing at once; the client's answers (acknowledgement, rejection, fills) and
everything the venue sends on its user channel reach the kernel through ``deliver``
(:meth:`pythia.engine.live.LiveRunner.venue_responses`), in the order they arrive. A request
that fails (network error, venue error after the client's own retries) comes back as a
REJECTED update whose reason says why, so the order never stays pending forever.

The venue's market data comes from its feed, so a live gateway keeps no books of its own
(``has_books = False``): the kernel keeps them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from pythia.model.enums import Side
from pythia.model.execution import OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument
from pythia.model.orders import CancelRequest, OrderRequest, ReplaceRequest
from pythia.ports.execution import VenueResponse


class OrderClient(Protocol):
    """What a venue's async order client offers the live gateway."""

    async def place(self, request: OrderRequest) -> list[VenueResponse]: ...

    async def cancel(self, request: CancelRequest) -> list[VenueResponse]: ...

    async def open_orders(self) -> list[str]:
        """Client order ids of our open orders at the venue (for reconciliation)."""
        ...


class LiveGateway:
    has_books = False

    def __init__(
        self,
        venue: str,
        client: OrderClient,
        profile,
        deliver: Callable[[str, list], None],
    ) -> None:
        self.venue = venue
        self.client = client
        self.profile = profile
        self.deliver = deliver
        self.instruments: dict[str, Instrument] = {}
        self.errors = 0
        self._tasks: set[asyncio.Task] = set()
        self._placed: dict[str, OrderRequest] = {}

    def add_instrument(self, instrument: Instrument) -> None:
        self.instruments[instrument.id] = instrument

    def on_market_event(self, event) -> list:
        return []

    def expire(self, ts_ns: int) -> list:
        return []

    def submit(self, request: OrderRequest, ts_ns: int) -> list:
        self._placed[request.client_order_id] = request
        self._start(self.client.place(request), request)
        return []

    def cancel(self, request: CancelRequest, ts_ns: int) -> list:
        self._start(self.client.cancel(request), request)
        return []

    def replace(self, request: ReplaceRequest, ts_ns: int) -> list:
        """Cancel, then place the replacement (venues here have no atomic replace)."""
        original = request.replacement
        self._placed[original.client_order_id] = original
        cancel = CancelRequest(
            request.client_order_id, original.instrument_id, original.strategy_id
        )

        async def both():
            answers = await self.client.cancel(cancel)
            return answers + await self.client.place(original)

        self._start(both(), original)
        return []

    def _start(self, coroutine, request) -> None:
        task = asyncio.get_running_loop().create_task(self._answer(coroutine, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, coroutine, request) -> None:
        try:
            responses = await coroutine
        except Exception as error:  # noqa: BLE001 - any failure becomes a visible rejection
            self.errors += 1
            reason = f"venue_error: {type(error).__name__}: {error}"
            placed = self._placed.get(request.client_order_id)
            responses = [failed(request, placed, reason)]
        self.deliver(self.venue, responses)

    async def drain(self) -> None:
        """Wait for the requests under way (at the end of a run)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def failed(request, placed: OrderRequest | None, reason: str) -> OrderUpdate:
    """The answer to a request that failed: a new order is REJECTED; a cancel leaves the
    order OPEN (the venue still has it)."""
    order = request if isinstance(request, OrderRequest) else placed
    status = OrderStatus.REJECTED if isinstance(request, OrderRequest) else OrderStatus.OPEN
    return OrderUpdate(
        request.instrument_id,
        "",
        order.side if order is not None else Side.BUY,
        (order.price or 0) if order is not None else 0,
        order.size if order is not None else 0,
        0,
        status,
        0,
        0,
        client_order_id=request.client_order_id,
        reason=reason,
    )
