"""The authenticated user channel: our order updates and fills, none lost, none twice.

Interface for a live runner::

    channel = UserChannel(f"{ws_base}/user", api_credentials, execution=execution)
    task = asyncio.create_task(channel.run())
    async for report in channel.reports():   # OrderUpdate and FillReport, client ids set
        order_manager.on_report(report)

On every (re)connect the channel subscribes with ``{"auth": {apiKey, secret, passphrase},
"markets": [...], "type": "user"}`` and then reconciles: it reads the account's trades over
REST (``execution.trade_records``, in a thread) and emits the fills it has not seen, so fills
that happened while it was disconnected are not lost. Fills are keyed by (trade id, order id)
and emitted once, whatever their settlement status (MATCHED, MINED, CONFIRMED). Malformed
messages are counted and skipped.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence

import msgspec

from pythia.core.errors import DataError
from pythia.model.execution import FillReport, OrderUpdate
from pythia.venues.backoff import Backoff
from pythia.venues.polymarket import parse, wire
from pythia.venues.polymarket.auth import ApiCredentials
from pythia.venues.polymarket.ws import Connection, FeedCounters

Report = OrderUpdate | FillReport


class UserChannel:
    """Our orders and fills from ``url`` (see the module doc). ``execution`` (a
    :class:`~pythia.venues.polymarket.execution.PolymarketExecution`) maps order hashes to
    client order ids and reads trades for reconciliation; without it neither happens."""

    def __init__(
        self,
        url: str,
        api: ApiCredentials,
        *,
        execution=None,
        markets: Sequence[str] = (),
        heartbeat_s: float = 10.0,
        stale_after_s: float = 30.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.api = api
        self.execution = execution
        self.markets = list(markets)
        self.counters = FeedCounters()
        self.reconciled_fills = 0
        self._clock_ns = clock_ns
        self._queue: asyncio.Queue[Report | None] = asyncio.Queue()
        self._seen: set[tuple[str, str]] = set()
        self._reconciling: asyncio.Task | None = None
        self.connection = Connection(
            url,
            on_open=self._subscribe,
            on_text=self._on_text,
            on_down=lambda reason: None,
            counters=self.counters,
            backoff=backoff or Backoff(),
            rng=rng or random.Random(0),
            heartbeat_s=heartbeat_s,
            stale_after_s=stale_after_s,
        )

    async def run(self) -> None:
        await self.connection.run()

    async def stop(self) -> None:
        await self.connection.stop()
        if self._reconciling is not None:
            await asyncio.gather(self._reconciling, return_exceptions=True)
        self._queue.put_nowait(None)

    async def reports(self) -> AsyncIterator[Report]:
        while True:
            report = await self._queue.get()
            if report is None:
                return
            yield report

    # ---- connection ---------------------------------------------------------------------------
    async def _subscribe(self, send) -> None:
        auth = {
            "apiKey": self.api.api_key,
            "secret": self.api.api_secret,
            "passphrase": self.api.api_passphrase,
        }
        await send(json.dumps({"auth": auth, "markets": self.markets, "type": "user"}))
        if self.execution is not None:
            self._reconciling = asyncio.get_running_loop().create_task(self._reconcile())

    async def _reconcile(self) -> None:
        """Emit the fills the REST trade list has and the channel did not deliver."""
        try:
            records = await asyncio.to_thread(self.execution.trade_records)
        except Exception:  # the next reconnect tries again; the stream keeps running
            self.counters.parse_errors += 1
            return
        ts_recv_ns = self._clock_ns()
        for record in records:
            self.reconciled_fills += self._emit_trade(record, ts_recv_ns)

    def _on_text(self, text: str) -> None:
        try:
            document = wire.decode(text)
        except DataError:
            self.counters.parse_errors += 1
            return
        ts_recv_ns = self._clock_ns()
        for message in document if isinstance(document, list) else [document]:
            try:
                item = wire.to_wire(message)
                if isinstance(item, wire.TradeRecord):
                    self._emit_trade(item, ts_recv_ns)
                elif isinstance(item, wire.UserOrder):
                    update = parse.parse_user_order(item, ts_recv_ns)
                    self._queue.put_nowait(self._with_client_id(update))
            except (DataError, ValueError, msgspec.ValidationError):
                self.counters.parse_errors += 1

    def _emit_trade(self, record: wire.TradeRecord, ts_recv_ns: int) -> int:
        """Queue the unseen fills of one trade record; return how many."""
        emitted = 0
        for fill in parse.parse_user_trade(record, self.api.api_key, ts_recv_ns):
            key = (fill.trade_id, fill.venue_order_id)
            if key in self._seen:
                continue
            self._seen.add(key)
            self._queue.put_nowait(self._with_client_id(fill))
            emitted += 1
        return emitted

    def _with_client_id(self, report: Report) -> Report:
        if self.execution is None:
            return report
        client_id = self.execution.client_order_id(report.venue_order_id)
        return msgspec.structs.replace(report, client_order_id=client_id) if client_id else report
