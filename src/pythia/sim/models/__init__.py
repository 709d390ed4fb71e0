"""Small pluggable models of the simulator: fees, latency, queue position, venue profiles."""

from pythia.sim.models.base import (
    FeeModel,
    LatencyConfig,
    LatencyModel,
    QueueModel,
    VenueProfile,
)

__all__ = ["FeeModel", "LatencyConfig", "LatencyModel", "QueueModel", "VenueProfile"]
