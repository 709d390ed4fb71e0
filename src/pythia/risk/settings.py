"""The ``[risk]`` section of a TOML configuration and the rule set it builds.

Money and sizes are decimal strings in natural units (``"250"`` USDC, ``"0.5"`` BTC);
floats are refused because they are inexact. Durations are integer milliseconds. Every
limit is off unless set, except the control-mode rule and the book-freshness rule (book
synced, confirmed current within ``book_max_age_ms``, 5 minutes by default), so the
bundled example strategies run unchanged. See docs/risk.md for an example.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from pythia.core.clock import NS_PER_MS
from pythia.core.errors import ConfigError
from pythia.risk.amounts import FeeModel
from pythia.risk.breakers import (
    CircuitBreaker,
    RateLimit,
    RejectionBurst,
    Slippage,
    SpreadBlowout,
    StaleFeed,
)
from pythia.risk.control import ControlMode
from pythia.risk.exposure_rules import (
    AvailableBalance,
    GrossExposureLimit,
    GroupPositionLimit,
    NetExposureLimit,
    PositionLimit,
    VenueExposureLimit,
)
from pythia.risk.limits import DailyLossGuard, DrawdownGuard
from pythia.risk.rules import (
    BookFresh,
    Collar,
    ControlModeRule,
    MaxOrderNotional,
    MaxOrderSize,
    PriceCollar,
    RiskRule,
)


def _refuse_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError(f'write {value!r} as a decimal string, e.g. "0.1" (floats are inexact)')
    return value


ExactAmount = Annotated[Decimal, BeforeValidator(_refuse_float), Field(ge=0, allow_inf_nan=False)]
"""A non-negative exact amount (a decimal string or an integer)."""
Count = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InstrumentRisk(_Section):
    """Overrides for one instrument (``[risk.instruments."<id>"]``)."""

    max_order_size: ExactAmount | None = None
    max_order_notional: ExactAmount | None = None
    max_position: ExactAmount | None = None
    price_collar_bps: Count | None = None
    price_collar_ticks: Count | None = None


class StaleFeedSettings(_Section):
    max_age_ms: Positive | None = None
    per_key_ms: dict[str, Positive] = Field(default_factory=dict)
    mode: ControlMode = ControlMode.PAUSED


class SpreadSettings(_Section):
    multiple: ExactAmount | None = None
    max_spread: ExactAmount | None = None
    window: Positive = 100
    min_samples: Positive = 20
    mode: ControlMode = ControlMode.PAUSED


class SlippageSettings(_Section):
    multiple: ExactAmount | None = None
    floor_ticks: Count = 1
    mode: ControlMode = ControlMode.PAUSED


class BurstSettings(_Section):
    count: Positive | None = None
    window_ms: Positive = 60_000
    mode: ControlMode = ControlMode.PAUSED


class BreakerSettings(_Section):
    """``[risk.breakers.*]``: every breaker is off until its threshold is set."""

    stale_feed: StaleFeedSettings = Field(default_factory=StaleFeedSettings)
    spread: SpreadSettings = Field(default_factory=SpreadSettings)
    slippage: SlippageSettings = Field(default_factory=SlippageSettings)
    rejections: BurstSettings = Field(default_factory=BurstSettings)
    rate_limit: BurstSettings = Field(default_factory=BurstSettings)


class DrawdownSettings(_Section):
    currency: str
    soft: ExactAmount | None = None
    hard: ExactAmount | None = None
    soft_fraction: Annotated[ExactAmount, Field(le=1)] | None = None
    hard_fraction: Annotated[ExactAmount, Field(le=1)] | None = None


class DailyLossSettings(_Section):
    currency: str
    max_loss: ExactAmount
    mode: ControlMode = ControlMode.REDUCE_ONLY


class RiskSettings(_Section):
    """The validated ``[risk]`` section (frozen). Every limit is off unless set."""

    max_order_size: ExactAmount | None = None
    max_order_notional: ExactAmount | None = None
    max_position: ExactAmount | None = None
    max_group_position: ExactAmount | None = None
    price_collar_bps: Count | None = None
    price_collar_ticks: Count | None = None
    reject_unpriced: bool = False
    book_max_age_ms: Positive | None = 300_000
    book_max_age_ms_by_venue: dict[str, Positive] = Field(default_factory=dict)
    gross_exposure: dict[str, ExactAmount] = Field(default_factory=dict)
    net_exposure: dict[str, ExactAmount] = Field(default_factory=dict)
    venue_exposure: dict[str, ExactAmount] = Field(default_factory=dict)
    check_balance: bool = False
    instruments: dict[str, InstrumentRisk] = Field(default_factory=dict)
    groups: dict[str, ExactAmount] = Field(default_factory=dict)
    """Maximum group position per outcome group id (overrides ``max_group_position``)."""
    drawdown: DrawdownSettings | None = None
    daily_loss: DailyLossSettings | None = None
    breakers: BreakerSettings = Field(default_factory=BreakerSettings)


def load_risk_settings(section: Mapping[str, Any] | None) -> RiskSettings:
    """Validate the ``[risk]`` table of a parsed TOML file (None: all defaults)."""
    try:
        return RiskSettings.model_validate(dict(section or {}))
    except ValidationError as error:
        raise ConfigError(f"[risk]: {error}") from None


def _overrides(settings: RiskSettings, key: str) -> dict[str, Decimal]:
    return {
        instrument_id: getattr(limits, key)
        for instrument_id, limits in settings.instruments.items()
        if getattr(limits, key) is not None
    }


def _ms(value: int | None) -> int | None:
    return None if value is None else value * NS_PER_MS


def build_rules(settings: RiskSettings, fee_model: FeeModel | None = None) -> list[RiskRule]:
    """The default ordered rule set: a rule is included only when something sets it.

    Order: control_mode, book_fresh, max_order_size, max_order_notional, price_collar,
    position_limit, group_position_limit, venue_exposure, gross_exposure, net_exposure,
    available_balance. ``fee_model`` adds the worst fee to the balance check.
    """
    by_venue = {venue: ms * NS_PER_MS for venue, ms in settings.book_max_age_ms_by_venue.items()}
    rules: list[RiskRule] = [
        ControlModeRule(),
        BookFresh(_ms(settings.book_max_age_ms), by_venue),
    ]
    for key, rule_class in (
        ("max_order_size", MaxOrderSize),
        ("max_order_notional", MaxOrderNotional),
    ):
        per_instrument = _overrides(settings, key)
        if getattr(settings, key) is not None or per_instrument:
            rules.append(rule_class(getattr(settings, key), per_instrument))
    collars = {
        instrument_id: Collar(limits.price_collar_bps, limits.price_collar_ticks)
        for instrument_id, limits in settings.instruments.items()
        if limits.price_collar_bps is not None or limits.price_collar_ticks is not None
    }
    if settings.price_collar_bps is not None or settings.price_collar_ticks is not None or collars:
        rules.append(
            PriceCollar(
                settings.price_collar_bps,
                settings.price_collar_ticks,
                collars,
                settings.reject_unpriced,
            )
        )
    per_instrument = _overrides(settings, "max_position")
    if settings.max_position is not None or per_instrument:
        rules.append(PositionLimit(settings.max_position, per_instrument))
    if settings.max_group_position is not None or settings.groups:
        rules.append(GroupPositionLimit(settings.max_group_position, settings.groups))
    for limits, rule_class in (
        (settings.venue_exposure, VenueExposureLimit),
        (settings.gross_exposure, GrossExposureLimit),
        (settings.net_exposure, NetExposureLimit),
    ):
        if limits:
            rules.append(rule_class(limits))
    if settings.check_balance:
        rules.append(AvailableBalance(fee_model))
    return rules


def build_breakers(settings: RiskSettings) -> list[CircuitBreaker]:
    """The breakers whose thresholds are set, in the order of :class:`BreakerSettings`."""
    config = settings.breakers
    breakers: list[CircuitBreaker] = []
    stale = config.stale_feed
    if stale.max_age_ms is not None:
        per_key = {key: ms * NS_PER_MS for key, ms in stale.per_key_ms.items()}
        breakers.append(StaleFeed(stale.max_age_ms * NS_PER_MS, per_key, stale.mode))
    spread = config.spread
    if spread.multiple is not None or spread.max_spread is not None:
        breakers.append(
            SpreadBlowout(
                spread.multiple, spread.max_spread, spread.window, spread.min_samples, spread.mode
            )
        )
    if config.slippage.multiple is not None:
        slippage = config.slippage
        breakers.append(Slippage(slippage.multiple, slippage.floor_ticks, slippage.mode))
    for burst, breaker_class in (
        (config.rejections, RejectionBurst),
        (config.rate_limit, RateLimit),
    ):
        if burst.count is not None:
            breakers.append(breaker_class(burst.count, burst.window_ms * NS_PER_MS, burst.mode))
    return breakers


def build_guards(settings: RiskSettings) -> list[DrawdownGuard | DailyLossGuard]:
    """The drawdown and daily-loss guards that are configured."""
    guards: list[DrawdownGuard | DailyLossGuard] = []
    drawdown = settings.drawdown
    if drawdown is not None:
        guards.append(
            DrawdownGuard(
                drawdown.currency,
                drawdown.soft,
                drawdown.hard,
                drawdown.soft_fraction,
                drawdown.hard_fraction,
            )
        )
    daily = settings.daily_loss
    if daily is not None:
        guards.append(DailyLossGuard(daily.currency, daily.max_loss, daily.mode))
    return guards
