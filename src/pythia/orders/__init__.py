"""Order state machine, client order ids and the order manager."""

from pythia.orders.manager import Order, OrderManager, OrderState

__all__ = ["Order", "OrderManager", "OrderState"]
