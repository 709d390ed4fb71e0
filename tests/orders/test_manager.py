import pytest

from pythia.core.errors import DataError
from pythia.model.enums import Side
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.orders import OrderRequest
from pythia.orders import OrderManager, OrderState


def request(client_id="O-1", size=100):
    return OrderRequest(client_id, "x", Side.BUY, size, 5000)


def update(status, filled=0, client_id="O-1", reason=""):
    return OrderUpdate("x", "v-1", Side.BUY, 5000, 100, filled, status, 1, 1, client_id, reason)


def fill(trade_id, size, client_id="O-1"):
    return FillReport(
        "x",
        "v-1",
        trade_id,
        Side.BUY,
        5000,
        size,
        Liquidity.TAKER,
        10,
        "USD",
        2,
        2,
        client_order_id=client_id,
    )


def submitted(manager):
    order = manager.create(request(), 0)
    manager.transition(order, OrderState.SUBMITTED, 0)
    return order


def test_life_of_an_order():
    manager = OrderManager()
    order = submitted(manager)
    manager.on_update(update(OrderStatus.OPEN))
    assert order.state is OrderState.ACCEPTED and order.venue_order_id == "v-1"
    manager.on_fill(fill("t1", 40))
    assert order.state is OrderState.PARTIALLY_FILLED and order.remaining == 60
    manager.on_fill(fill("t2", 60))
    assert order.state is OrderState.FILLED and order.fees_micros == 20
    assert order.filled_notional == 100 * 5000
    assert not order.is_open


def test_fills_are_applied_once():
    manager = OrderManager()
    order = submitted(manager)
    assert manager.on_fill(fill("t1", 40)) is order
    assert manager.on_fill(fill("t1", 40)) is None
    assert order.filled_size == 40 and manager.duplicate_fills == 1


def test_late_fill_after_cancel_is_kept():
    manager = OrderManager()
    order = submitted(manager)
    manager.on_update(update(OrderStatus.OPEN))
    manager.on_update(update(OrderStatus.CANCELED, reason="user"))
    manager.on_fill(fill("t9", 30))
    assert order.state is OrderState.CANCELLED and order.filled_size == 30


def test_illegal_transitions_raise_and_are_counted():
    manager = OrderManager()
    order = manager.create(request(), 0)
    with pytest.raises(DataError, match="illegal transition"):
        manager.transition(order, OrderState.FILLED, 1)
    assert manager.illegal_transitions == 1
    assert order.state is OrderState.CREATED
    manager.transition(order, OrderState.SUBMITTED, 1)
    manager.on_update(update(OrderStatus.REJECTED, reason="off_tick"))
    with pytest.raises(DataError):
        manager.transition(order, OrderState.ACCEPTED, 2)


def test_client_ids_are_unique_and_duplicates_refused():
    manager = OrderManager()
    ids = {manager.next_client_id("mm") for _ in range(100)}
    assert len(ids) == 100
    manager.create(request("dup"), 0)
    with pytest.raises(DataError, match="duplicate"):
        manager.create(request("dup"), 0)
    with pytest.raises(DataError, match="unknown"):
        manager.on_fill(fill("t", 1, client_id="nobody"))
