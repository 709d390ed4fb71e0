"""Parameters of the quoting strategy (``glft`` / ``avellaneda_stoikov``), read once from TOML.

Model units (see :mod:`pythia.strategy.making.spaces`): on plain (crypto) instruments
``sigma`` is in quote currency per sqrt(second) and ``k`` per currency unit of depth, as
``pythia calibrate`` prints them; on bounded and odds instruments ``sigma`` is the *logit*
volatility per sqrt(second) (``sigma_logit`` of ``pythia calibrate``; with
``logit_vol = false`` a probability volatility, converted at the mid) and ``k`` is per
probability unit of depth. ``A`` is fills per second at depth 0. Sizes are integers in the
instrument's size units (Betfair: stake in pence); ``max_inventory`` and
``target_inventory`` are in the same units (Betfair: stake at the mid odds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pythia.core.errors import ConfigError
from pythia.strategy.making.guards import GuardConfig

MODELS = ("glft", "glft_exact", "as")
NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
KNOWN = {
    "instrument", "instruments", "model", "gamma", "sigma", "sigma_window", "sigma_interval_ms",
    "sigma_initial", "A", "k", "xi", "horizon_s", "size", "max_inventory", "target_inventory",
    "allow_short", "requote_ticks", "size_tolerance", "rate_limit", "rate_burst", "stale_ms",
    "ofi", "vpin", "logit_vol", "resolution", "ramp_s", "inventory_floor", "fee_floor",
    "maker_rebate_bps", "taker_fraction", "min_edge_ticks", "group_limit", "quote_in_play",
    "timer_ms", "sample_s", "post_only",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MakerParams:
    """Validated parameters (see the module docstring for units)."""

    instruments: tuple[str, ...]
    model: str
    gamma: float
    sigma: float | None
    """None: estimate online from mid changes (``sigma = "online"``)."""
    A: float
    k: float
    size: int
    max_inventory: int
    xi: float | None = None
    sigma_window: int = 60
    sigma_interval_ns: int = NS_PER_S
    sigma_initial: float | None = None
    horizon_s: float = 60.0
    target_inventory: int = 0
    allow_short: bool | None = None
    requote_ticks: int = 1
    size_tolerance: float = 0.5
    rate_limit: float = 10.0
    rate_burst: float | None = None
    stale_ns: int = 5 * NS_PER_S
    ofi: GuardConfig | None = None
    vpin: GuardConfig | None = None
    logit_vol: bool = True
    resolution_ns: int | None = None
    ramp_s: float = 0.0
    inventory_floor: int = 0
    fee_floor: bool = True
    maker_rebate_bps: float = 0.0
    taker_fraction: float = 0.0
    min_edge_ticks: int = 0
    group_limit: int | None = None
    quote_in_play: bool = False
    timer_ns: int = 500 * NS_PER_MS
    sample_ns: int = NS_PER_S
    post_only: bool = True
    """Send post-only orders (Betfair has no such flag: set false, prices stay passive)."""

    @classmethod
    def from_params(cls, params: Mapping[str, Any], default_model: str) -> MakerParams:
        unknown = set(params) - KNOWN
        if unknown:
            raise ConfigError(f"glft: unknown parameters {sorted(unknown)}")
        instruments = params.get("instruments") or [params.get("instrument", "binance:BTCUSDT")]
        model = str(params.get("model", default_model)).lower()
        if model in ("avellaneda_stoikov", "avellaneda-stoikov"):
            model = "as"
        if model not in MODELS:
            raise ConfigError(f"model must be one of {MODELS}, got {model!r}")
        sigma_raw = params.get("sigma", "online")
        sigma = None if sigma_raw == "online" else _positive(sigma_raw, "sigma")
        size = int(params.get("size", 0))
        max_inventory = int(params.get("max_inventory", 0))
        if size <= 0 or max_inventory < size:
            raise ConfigError("need size > 0 and max_inventory >= size (instrument units)")
        burst = params.get("rate_burst")
        return cls(
            instruments=tuple(str(i) for i in instruments),
            model=model,
            gamma=_positive(params.get("gamma", 0.1), "gamma"),
            sigma=sigma,
            A=_positive(params.get("A", 1.0), "A"),
            k=_positive(params.get("k", 1.0), "k"),
            size=size,
            max_inventory=max_inventory,
            xi=None if params.get("xi") is None else float(params["xi"]),
            sigma_window=int(params.get("sigma_window", 60)),
            sigma_interval_ns=int(params.get("sigma_interval_ms", 1000)) * NS_PER_MS,
            sigma_initial=(
                None if params.get("sigma_initial") is None else float(params["sigma_initial"])
            ),
            horizon_s=float(params.get("horizon_s", 60.0)),
            target_inventory=int(params.get("target_inventory", 0)),
            allow_short=None if params.get("allow_short") is None else bool(params["allow_short"]),
            requote_ticks=int(params.get("requote_ticks", 1)),
            size_tolerance=float(params.get("size_tolerance", 0.5)),
            rate_limit=_positive(params.get("rate_limit", 10.0), "rate_limit"),
            rate_burst=None if burst is None else float(burst),
            stale_ns=int(params.get("stale_ms", 5000)) * NS_PER_MS,
            ofi=GuardConfig.from_params(params.get("ofi"), "ofi"),
            vpin=GuardConfig.from_params(params.get("vpin"), "vpin"),
            logit_vol=bool(params.get("logit_vol", True)),
            resolution_ns=parse_time_ns(params.get("resolution")),
            ramp_s=float(params.get("ramp_s", 0.0)),
            inventory_floor=int(params.get("inventory_floor", 0)),
            fee_floor=bool(params.get("fee_floor", True)),
            maker_rebate_bps=float(params.get("maker_rebate_bps", 0.0)),
            taker_fraction=float(params.get("taker_fraction", 0.0)),
            min_edge_ticks=int(params.get("min_edge_ticks", 0)),
            group_limit=None if params.get("group_limit") is None else int(params["group_limit"]),
            quote_in_play=bool(params.get("quote_in_play", False)),
            timer_ns=int(params.get("timer_ms", 500)) * NS_PER_MS,
            sample_ns=int(float(params.get("sample_s", 1.0)) * NS_PER_S),
            post_only=bool(params.get("post_only", True)),
        )


def parse_time_ns(value: Any) -> int | None:
    """An ISO 8601 time (UTC when no zone), an integer of epoch nanoseconds, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"resolution: not an ISO time or epoch ns: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp()) * NS_PER_S + moment.microsecond * 1000


def _positive(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not number > 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    return number
