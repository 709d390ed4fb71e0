"""Queue position of resting orders: trades at and through our price, level updates.

A resting order joins the queue behind the displayed size at its price (``ahead``). Then:

- A **trade** against our side at our price first eats the displayed size in front of us;
  what is left of the print fills us (maker, at our price). Several of our orders at one
  price share the print in arrival order; the displayed size eaten is taken off every one
  of them (our own orders are not part of the displayed size). How much a trade cut
  ``ahead`` is remembered until the level is next set, so the depth update that follows
  does not count the same trade twice: the queue model then sees the ``ahead`` we had
  before those trades together with ``traded`` (the prints since the level's last update,
  capped by its decrease), and we keep whichever of its answer and our trade-cut ``ahead``
  is smaller.
- A trade **through** our price (a sell print below our bid) means the queue at our price
  was exhausted: it fills us up to the print's size. Orders at better prices are served
  first and use up the print.
- A **level update** (the displayed size at our price changes) advances ``ahead`` through
  the venue profile's queue model, or a risk-averse rule when the profile has none.
"""

from __future__ import annotations

import random

from pythia.sim.matching import LevelChange
from pythia.sim.models.base import QueueModel
from pythia.sim.orders import SimOrder


class _RiskAverseFallback:
    """Only trades move us forward; cancels are assumed behind us:
    ``min(ahead - traded, level_after)``, at least 0."""

    def advance(
        self, ahead: int, level_before: int, level_after: int, traded: int, rng: random.Random
    ) -> int:
        return max(0, min(ahead - traded, level_after))


RISK_AVERSE_FALLBACK: QueueModel = _RiskAverseFallback()


def advance_queue(
    model: QueueModel, orders: list[SimOrder], change: LevelChange, rng: random.Random
) -> None:
    """Move the orders resting at a level that a market update just set."""
    for order in orders:
        if change.before != change.after:
            ahead_before_trades = order.ahead + order.cut_by_trades
            proposed = model.advance(
                ahead_before_trades, change.before, change.after, change.traded, rng
            )
            order.ahead = max(0, min(proposed, order.ahead, change.after))
        order.cut_by_trades = 0


def allocate_trade(orders: list[SimOrder], price: int, size: int) -> list[tuple[SimOrder, int]]:
    """Share a print of ``size`` at ``price`` among our orders it reaches.

    ``orders`` rest on the side the print hit, at ``price`` or better, sorted best first
    (then by arrival). Returns ``(order, fill size)`` pairs and updates ``ahead`` of the
    orders at ``price``.
    """
    fills: list[tuple[SimOrder, int]] = []
    budget, displayed_eaten = size, 0
    for order in orders:
        if budget <= 0:
            break
        if order.price == price:
            eat = min(budget, max(order.ahead - displayed_eaten, 0))
            displayed_eaten += eat
            budget -= eat
        quantity = min(order.remaining, budget)
        if quantity > 0:
            fills.append((order, quantity))
            budget -= quantity
    for order in orders:
        if order.price == price:
            cut = min(order.ahead, displayed_eaten)
            order.ahead -= cut
            order.cut_by_trades += cut
    return fills
