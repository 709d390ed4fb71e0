"""Prometheus metrics of one engine session (served at ``GET /metrics``).

Every session has its own :class:`prometheus_client.CollectorRegistry`, so two sessions in
one process (tests) do not share counters. The engine thread updates the metrics; the
server thread renders them (prometheus_client is thread-safe).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from pythia.risk.control import ControlMode

CONTENT_TYPE = CONTENT_TYPE_LATEST
DECISION_BUCKETS_S = (
    1e-6,
    5e-6,
    1e-5,
    2.5e-5,
    5e-5,
    1e-4,
    2.5e-4,
    5e-4,
    1e-3,
    5e-3,
    1e-2,
    5e-2,
    0.1,
    0.5,
    1.0,
)


class EngineMetrics:
    """The session's counters, gauges and histograms (names prefixed ``pythia_``)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "pythia_events_processed", "Market events the engine processed.", ["venue"], registry=r
        )
        self.decision_latency = Histogram(
            "pythia_decision_latency_seconds",
            "Wall time from taking a book update to a risk decision on an order it caused.",
            buckets=DECISION_BUCKETS_S,
            registry=r,
        )
        self.feed_lag = Gauge(
            "pythia_feed_lag_seconds",
            "Receive time minus venue time of the latest market event.",
            ["venue"],
            registry=r,
        )
        self.feed_gaps = Gauge(
            "pythia_feed_gaps", "Sequence gaps the feed's sync rule found.", ["venue"], registry=r
        )
        self.feed_up = Gauge(
            "pythia_feed_up", "1 while the venue's feed is up and in sync.", ["venue"], registry=r
        )
        self.orders = Counter(
            "pythia_orders_submitted", "Orders sent to a venue.", ["venue"], registry=r
        )
        self.fills = Counter("pythia_fills", "Fills booked.", ["venue"], registry=r)
        self.rejections = Counter(
            "pythia_rejections",
            "Orders refused (risk or venue), by reason.",
            ["reason"],
            registry=r,
        )
        self.pnl = Gauge("pythia_pnl", "Profit and loss since the start.", ["currency"], registry=r)
        self.equity = Gauge(
            "pythia_equity", "Equity (cash plus marked positions).", ["currency"], registry=r
        )
        self.exposure = Gauge(
            "pythia_gross_exposure", "Gross exposure of open positions.", ["currency"], registry=r
        )
        self.mode = Gauge(
            "pythia_control_mode",
            "1 for the engine's current control mode, 0 for the others.",
            ["mode"],
            registry=r,
        )
        self.set_mode(ControlMode.NORMAL.value)

    def set_mode(self, mode: str) -> None:
        for candidate in ControlMode:
            self.mode.labels(candidate.value).set(1 if candidate.value == mode else 0)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
