"""Error classes: each says what went wrong and what the caller should do.

- ``ConfigError``: fatal at start; fix the configuration.
- ``DataError``: bad input; reject the message, keep running, count it.
- ``VenueError`` / ``RetryableVenueError``: the venue refused or failed.
- ``OrderRejected`` / ``RiskRejected``: an order was refused, with the reason.
- ``StrategyError``: a strategy callback raised; isolate that strategy.
"""

from __future__ import annotations


class PythiaError(Exception):
    """Base of every error Pythia raises on purpose."""


class ConfigError(PythiaError):
    """The configuration is invalid; raised at start, fatal."""


class DataError(PythiaError, ValueError):
    """Input data is malformed or inconsistent; the message is rejected, state is unchanged."""


class VenueError(PythiaError):
    """A venue answered with an error that retrying will not fix."""


class RetryableVenueError(VenueError):
    """A venue error that may succeed when retried (timeouts, rate limits, 5xx)."""


class OrderRejected(PythiaError):
    """An order was refused by venue rules; ``reason`` names the rule."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class RiskRejected(OrderRejected):
    """An order was refused by a risk rule."""


class StrategyError(PythiaError):
    """A strategy callback raised; the strategy is disabled, the engine keeps running."""
