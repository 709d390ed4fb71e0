"""The order client (execution.py) and the user channel end to end against the emulator:
signed orders in, fills out on the user channel, equal to the emulator's own trade record."""

from __future__ import annotations

import asyncio

import pytest

from pythia.core.errors import RetryableVenueError
from pythia.model.enums import Side
from pythia.model.events import TickSizeChange
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.orders import CancelRequest, OrderRequest, TimeInForce
from pythia.sim.cash import fill_cash_micros
from pythia.venues.backoff import Backoff
from pythia.venues.polymarket.auth import PRIVATE_KEY, load_credentials
from pythia.venues.polymarket.emulator_faults import Faults
from pythia.venues.polymarket.execution import AsyncOrderClient, connect
from pythia.venues.polymarket.user_channel import UserChannel

FAST = Backoff(base_s=0.01, max_s=0.05)
START_CASH = 1_000_000 * 10**6


@pytest.fixture
def trading(running, kit):
    credentials = load_credentials({PRIVATE_KEY: kit.WALLET.key.hex()}, keyring=None)
    execution, api = connect(running.url, credentials, backoff=FAST)
    execution.rules(f"polymarket:{kit.NO_TOKEN}")  # read before any fault is switched on
    return execution, api


def order(kit, client_id, price=5140, size=10_000_000, side=Side.BUY, tif=TimeInForce.GTC):
    return OrderRequest(client_id, f"polymarket:{kit.NO_TOKEN}", side, size, price,
                        time_in_force=tif)  # fmt: skip


def emulator_fills(running) -> list[FillReport]:
    return running.run(lambda: [fill for _, fill in running.emulator.exchange.fills])


def key(fill: FillReport) -> tuple:
    return (fill.instrument_id, fill.venue_order_id, fill.trade_id, fill.side, fill.price,
            fill.size, fill.liquidity, fill.fee_micros)  # fmt: skip


async def trade_and_listen(running, kit, trading, action, expected_fills: int):
    """Run ``action(execution)`` in a thread while the user channel listens; return
    (action result, reports, channel)."""
    execution, api = trading
    channel = UserChannel(
        running.emulator.urls()["ws_user"], api, execution=execution, backoff=FAST
    )
    reports: list = []

    async def collect():
        async for report in channel.reports():
            reports.append(report)

    tasks = [asyncio.create_task(channel.run()), asyncio.create_task(collect())]
    await kit.wait_for(channel.connection.connected.is_set)
    result = await asyncio.to_thread(action, execution)
    fills = lambda: [r for r in reports if isinstance(r, FillReport)]  # noqa: E731
    await kit.wait_for(lambda: len(fills()) >= expected_fills)
    await asyncio.sleep(0.05)  # nothing more may arrive
    await channel.stop()
    await asyncio.gather(*tasks)
    return result, reports, channel


def test_marketable_order_fills_and_the_fill_equals_the_emulator_record(running, kit, trading):
    request = order(kit, "c1", price=5150, size=30_000_000_000)  # walks 0.514 then 0.515

    responses, reports, channel = asyncio.run(
        trade_and_listen(running, kit, trading, lambda ex: ex.submit(request, 1), 2)
    )

    fills = [r for r in reports if isinstance(r, FillReport)]
    recorded = emulator_fills(running)
    assert [key(f) for f in fills] == [key(f) for f in recorded]
    assert [(f.price, f.size) for f in fills] == [(5140, 20_230_870_000), (5150, 9_769_130_000)]
    assert {f.client_order_id for f in fills} == {"c1"}
    assert responses[0].status is OrderStatus.FILLED
    assert channel.counters.parse_errors == 0
    ledger = running.emulator.exchange.ledger
    instrument = running.emulator.exchange.markets[kit.NO_TOKEN].token
    assert ledger.position(instrument.id) == sum(f.size for f in fills)
    cash = START_CASH + sum(fill_cash_micros(instrument, f.side, f.price, f.size) for f in fills)
    assert ledger.cash_micros == cash


def test_resting_order_is_placed_then_canceled(running, kit, trading):
    execution, _ = trading

    placed = execution.submit(order(kit, "rest", price=5000), 1)
    canceled = execution.cancel(CancelRequest("rest", f"polymarket:{kit.NO_TOKEN}"), 2)
    again = execution.cancel(CancelRequest("rest", f"polymarket:{kit.NO_TOKEN}"), 3)

    assert placed[0].status is OrderStatus.OPEN
    assert placed[0].venue_order_id == execution.order_id("rest")
    assert canceled[0].status is OrderStatus.CANCELED
    assert again[0].status is OrderStatus.CANCELED and again[0].reason == ""
    assert execution.query_order("rest", 4).status is OrderStatus.CANCELED
    assert execution.query_order("never", 4) is None


def test_batch_submit(running, kit, trading):
    execution, _ = trading
    requests = [order(kit, f"b{i}", price=4900 + 10 * i) for i in range(3)]

    responses = execution.submit_batch(requests, 1)

    assert [r.status for r in responses] == [OrderStatus.OPEN] * 3
    assert len(running.emulator.exchange.orders) == 3


def test_orders_off_tick_or_size_are_refused_before_sending(running, kit, trading):
    execution, _ = trading

    off_tick = execution.submit(order(kit, "t", price=5145), 1)[0]
    small = execution.submit(order(kit, "s", size=4_000_000), 1)[0]

    assert (off_tick.status, off_tick.reason) == (OrderStatus.REJECTED, "off_tick")
    assert (small.status, small.reason) == (OrderStatus.REJECTED, "below_min_size")
    assert execution.counters.sends == 0


def test_tick_size_change_applies_to_order_building(running, kit, trading):
    execution, _ = trading
    execution.rules(f"polymarket:{kit.NO_TOKEN}")

    execution.on_tick_size_change(TickSizeChange(f"polymarket:{kit.NO_TOKEN}", 10, 100, 0, 0))

    refused = execution.submit(order(kit, "coarse", price=5140), 1)[0]
    assert refused.reason == "off_tick"


def test_venue_refusal_maps_to_a_reject_reason(running, kit, trading):
    execution, _ = trading

    killed = execution.submit(order(kit, "fok", size=50_000_000_000, tif=TimeInForce.FOK), 1)

    assert (killed[0].status, killed[0].reason) == (OrderStatus.CANCELED, "fok_not_fillable")


# ---- faults: recovery, no duplicate order, no lost fill ----------------------------------------
def test_429_is_retried_and_the_order_is_placed_once(running, kit, trading):
    execution, _ = trading
    running.emulator.set_faults(Faults(http_429_every=2))
    execution.client.get_ok()  # request 1; the order is request 2

    responses = execution.submit(order(kit, "r429", price=5000), 1)

    assert responses[0].status is OrderStatus.OPEN
    assert execution.counters.rate_limited == 1
    assert running.emulator.log.fired["http_429"] == 1
    assert len(running.emulator.exchange.orders) == 1


def test_5xx_after_processing_is_settled_by_a_query_not_a_resend(running, kit, trading):
    execution, _ = trading
    running.emulator.set_faults(Faults(http_5xx_every=2))
    execution.client.get_ok()

    responses = execution.submit(order(kit, "r5xx", price=5000), 1)

    assert responses[0].status is OrderStatus.OPEN
    assert execution.counters.recovered_by_query == 1
    assert execution.counters.sends == 1
    assert len(running.emulator.exchange.orders) == 1


def test_every_request_failing_never_duplicates_the_order(running, kit, trading):
    execution, _ = trading
    running.emulator.set_faults(Faults(http_5xx_every=1))

    with pytest.raises(RetryableVenueError):
        execution.submit(order(kit, "doomed", price=5000), 1)

    assert execution.counters.sends == execution.retries + 1
    assert len(running.emulator.exchange.orders) == 1  # the first send landed, no other


def test_rejected_orders_are_not_resent(running, kit, trading):
    execution, _ = trading
    running.emulator.set_faults(Faults(reject_orders=1))

    responses = execution.submit(order(kit, "rej"), 1)

    assert (responses[0].status, responses[0].reason) == (
        OrderStatus.REJECTED,
        "could not insert order",
    )
    assert execution.counters.sends == 1
    assert running.emulator.exchange.orders == {}


def test_user_channel_dropped_after_every_message_loses_no_fill(running, kit, trading):
    running.emulator.set_faults(Faults(drop_connection_every=1))
    request = order(kit, "drop", price=5150, size=30_000_000_000)

    _, reports, channel = asyncio.run(
        trade_and_listen(running, kit, trading, lambda ex: ex.submit(request, 1), 2)
    )

    fills = [r for r in reports if isinstance(r, FillReport)]
    assert sorted(map(key, fills)) == sorted(map(key, emulator_fills(running)))
    assert channel.counters.reconnects >= 1
    assert channel.reconciled_fills >= 1  # recovered from REST trades after the reconnect
    assert running.emulator.log.fired["drop_connection"] >= 1


def test_delayed_and_reordered_user_messages_keep_every_fill_once(running, kit, trading):
    running.emulator.set_faults(Faults(delay_ms=5, reorder=1))
    request = order(kit, "slow", price=5150, size=30_000_000_000)

    _, reports, _ = asyncio.run(
        trade_and_listen(running, kit, trading, lambda ex: ex.submit(request, 1), 2)
    )

    fills = [r for r in reports if isinstance(r, FillReport)]
    assert sorted(map(key, fills)) == sorted(map(key, emulator_fills(running)))
    updates = [r for r in reports if isinstance(r, OrderUpdate)]
    assert {u.client_order_id for u in updates} == {"slow"}


def test_async_order_client_for_the_live_gateway(running, kit, trading):
    client = AsyncOrderClient(trading[0], clock_ns=lambda: 5)

    async def scenario():
        placed = await client.place(order(kit, "live", price=5000))
        open_ids = await client.open_orders()
        canceled = await client.cancel(CancelRequest("live", f"polymarket:{kit.NO_TOKEN}"))
        return placed, open_ids, canceled, await client.open_orders()

    placed, open_ids, canceled, after = asyncio.run(scenario())

    assert placed[0].status is OrderStatus.OPEN and placed[0].ts_event_ns == 5
    assert open_ids == ["live"]
    assert canceled[0].status is OrderStatus.CANCELED
    assert after == []
