"""Order state machine, client order ids, the order manager and multi-leg orders."""

from pythia.orders.manager import Order, OrderManager, OrderState
from pythia.orders.multileg import ExecutionStatus, LegPlan, LegState, MultiLegOrder

__all__ = [
    "ExecutionStatus",
    "LegPlan",
    "LegState",
    "MultiLegOrder",
    "Order",
    "OrderManager",
    "OrderState",
]
