"""Protocols of the simulator's models and the VenueProfile that bundles them.

Each model is a Protocol of one or two methods (DESIGN.md: small pieces with small
interfaces). Randomness always comes from the ``random.Random`` the caller passes (seeded
by the engine), never from a global generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument
from pythia.model.orders import OrderType, TimeInForce


@runtime_checkable
class LatencyModel(Protocol):
    """A delay in nanoseconds (constant or sampled with the caller's seeded generator)."""

    def sample_ns(self, rng: random.Random) -> int: ...


@runtime_checkable
class FeeModel(Protocol):
    """The fee of one fill, in micro-units of the instrument's quote currency, >= 0, rounded
    the way the venue rounds it."""

    def fee_micros(
        self, instrument: Instrument, price: int, size: int, liquidity: Liquidity
    ) -> int: ...


@runtime_checkable
class QueueModel(Protocol):
    """Where a resting order stands in the queue at its price level.

    ``ahead`` is the displayed size in front of our order. When the displayed size at our
    level changes from ``level_before`` to ``level_after``, of which ``traded`` went in
    trades (the rest, if the level shrank, was cancelled), return the new size ahead
    (0 <= result <= ahead, and never more than ``level_after``).
    """

    def advance(
        self, ahead: int, level_before: int, level_after: int, traded: int, rng: random.Random
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class ConstantLatency:
    """A fixed delay."""

    latency_ns: int = 0

    def sample_ns(self, rng: random.Random) -> int:
        return self.latency_ns


@dataclass(frozen=True, slots=True)
class LatencyConfig:
    """Feed latency (a strategy sees an update only after it), order-entry latency (an order
    reaches the venue after it) and response latency (acks and fills reach the strategy
    after it); each configurable separately."""

    feed: LatencyModel = field(default_factory=ConstantLatency)
    order_entry: LatencyModel = field(default_factory=ConstantLatency)
    response: LatencyModel = field(default_factory=ConstantLatency)


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """A venue's order rules and default simulation models.

    ``complementary_matching``: binary outcome tokens match against the other token's bids
    (a YES bid at x fills against a NO bid at 1 - x: Polymarket mint matches).
    ``settlement_commission_bps``: commission on a market's net winnings at settlement
    (Betfair's market base rate), 0 where fees are charged per fill.
    """

    venue: str
    fee_model: FeeModel
    order_types: frozenset[OrderType] = frozenset(OrderType)
    time_in_force: frozenset[TimeInForce] = frozenset(TimeInForce)
    supports_post_only: bool = True
    supports_reduce_only: bool = True
    complementary_matching: bool = False
    settlement_commission_bps: int = 0
    latency: LatencyConfig = field(default_factory=LatencyConfig)
    queue_model: QueueModel | None = None
    min_notional_micros: int = 0
