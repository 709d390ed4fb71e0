"""Adverse-selection guards: order-flow imbalance and VPIN widen or pull a maker's quotes.

- OFI (:class:`~pythia.analytics.ofi.OrderFlowImbalance`, normalised by the mean depth at
  the touch over a rolling window) measures one-sided pressure on the book. Above
  ``threshold`` (buying pressure) the *ask* is the quote about to be run over, below
  ``-threshold`` the *bid*: only that side is widened or pulled.
- VPIN (:class:`~pythia.analytics.vpin.Vpin`, volume buckets signed by the venue's own trade
  aggressor, BVC only for unsigned prints) measures toxic flow on both sides: at or above
  ``threshold`` both quotes are widened or pulled.

An action is ``"widen"`` (move the quote ``ticks`` grid steps away from the mid) or
``"pull"`` (cancel it). Each guard counts the updates it was active for the report.

>>> guard = GuardConfig.from_params({"threshold": 0.5, "action": "pull"}, "ofi")
>>> guard.action, guard.ticks
('pull', 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pythia.analytics.ofi import OrderFlowImbalance
from pythia.analytics.vpin import Vpin
from pythia.core.errors import ConfigError
from pythia.model.enums import Side
from pythia.model.events import Trade

ACTIONS = ("widen", "pull")
NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class GuardConfig:
    """One guard's trigger and response."""

    threshold: float
    action: str = "widen"
    ticks: int = 1
    window_ms: int = 1000
    bucket_volume: int = 0
    window: int = 20

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None, name: str) -> GuardConfig | None:
        """Read ``params`` (a TOML table); None when absent or disabled."""
        if not params or not params.get("enabled", True):
            return None
        allowed = {"threshold", "action", "ticks", "window_ms", "bucket_volume", "window"}
        unknown = set(params) - allowed - {"enabled"}
        if unknown:
            raise ConfigError(f"{name}: unknown keys {sorted(unknown)}; known: {sorted(allowed)}")
        action = str(params.get("action", "widen"))
        if action not in ACTIONS:
            raise ConfigError(f"{name}.action must be one of {ACTIONS}, got {action!r}")
        if "threshold" not in params:
            raise ConfigError(f"{name}.threshold is required")
        ticks = int(params.get("ticks", 1 if action == "widen" else 0))
        return cls(
            threshold=float(params["threshold"]),
            action=action,
            ticks=ticks,
            window_ms=int(params.get("window_ms", 1000)),
            bucket_volume=int(params.get("bucket_volume", 0)),
            window=int(params.get("window", 20)),
        )


@dataclass(frozen=True, slots=True)
class Adjustment:
    """What the guards ask of each side: extra ticks away from the mid, or no quote."""

    widen_bid: int = 0
    widen_ask: int = 0
    pull_bid: bool = False
    pull_ask: bool = False

    def steps(self, side: Side) -> int:
        return self.widen_bid if side is Side.BUY else self.widen_ask

    def pulled(self, side: Side) -> bool:
        return self.pull_bid if side is Side.BUY else self.pull_ask


class AdverseSelectionGuards:
    """OFI and VPIN on one instrument's book and trades; :meth:`adjustment` combines them."""

    def __init__(self, ofi: GuardConfig | None, vpin: GuardConfig | None) -> None:
        self.ofi_config = ofi
        self.vpin_config = vpin
        self.ofi = OrderFlowImbalance(ofi.window_ms * NS_PER_MS) if ofi else None
        self.vpin = None
        if vpin is not None:
            if vpin.bucket_volume <= 0:
                raise ConfigError("vpin.bucket_volume must be > 0 (size units per bucket)")
            self.vpin = Vpin(vpin.bucket_volume, vpin.window)
        self.active = {"ofi_bid": 0, "ofi_ask": 0, "vpin": 0}
        self.last_ofi: float | None = None
        self.last_vpin: float | None = None

    def on_touch(self, ts_ns: int, bid: int, bid_size: int, ask: int, ask_size: int) -> None:
        """Feed the best quotes (in the book's own price order: bid below ask)."""
        if self.ofi is not None:
            self.ofi.update(ts_ns, bid, bid_size, ask, ask_size)

    def on_trade(self, trade: Trade) -> None:
        """Feed a print with its venue aggressor (the real trade sign)."""
        if self.vpin is not None:
            self.vpin.on_trade_event(trade)

    def adjustment(self, now_ns: int) -> Adjustment:
        """Return the combined widening / pulling the guards ask for now."""
        widen = {Side.BUY: 0, Side.SELL: 0}
        pull = {Side.BUY: False, Side.SELL: False}
        if self.ofi is not None and self.ofi_config is not None:
            self.ofi.advance(now_ns)
            value = self.ofi.normalized
            self.last_ofi = value
            if value is not None and abs(value) >= self.ofi_config.threshold:
                side = Side.SELL if value > 0 else Side.BUY
                self.active["ofi_ask" if side is Side.SELL else "ofi_bid"] += 1
                _apply(self.ofi_config, (side,), widen, pull)
        if self.vpin is not None and self.vpin_config is not None:
            value = self.vpin.value
            self.last_vpin = value
            if value is not None and value >= self.vpin_config.threshold:
                self.active["vpin"] += 1
                _apply(self.vpin_config, (Side.BUY, Side.SELL), widen, pull)
        return Adjustment(widen[Side.BUY], widen[Side.SELL], pull[Side.BUY], pull[Side.SELL])


def _apply(config: GuardConfig, sides, widen: dict, pull: dict) -> None:
    for side in sides:
        if config.action == "pull":
            pull[side] = True
        else:
            widen[side] = max(widen[side], config.ticks)
