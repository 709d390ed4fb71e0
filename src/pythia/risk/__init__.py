"""Risk: rules run on every order, sizing (fractional Kelly), loss limits, circuit breakers
and control modes. Pure and deterministic: engine time in, decisions out (docs/risk.md)."""

from pythia.risk.breakers import (
    CircuitBreaker,
    RateLimit,
    RejectionBurst,
    Slippage,
    SpreadBlowout,
    StaleFeed,
)
from pythia.risk.control import (
    ControlMode,
    ControlSource,
    ControlState,
    ControlTransitionError,
    ModeChange,
    ModeRequest,
    is_transition_allowed,
)
from pythia.risk.exposure_rules import (
    AvailableBalance,
    GrossExposureLimit,
    GroupPositionLimit,
    NetExposureLimit,
    PositionLimit,
    VenueExposureLimit,
)
from pythia.risk.limits import DailyLossGuard, DrawdownGuard
from pythia.risk.memory import MemoryRiskView
from pythia.risk.rules import (
    ACCEPTED,
    BookFresh,
    Collar,
    ControlModeRule,
    MaxOrderNotional,
    MaxOrderSize,
    PriceCollar,
    RiskDecision,
    RiskEngine,
    RiskRule,
    RiskView,
)
from pythia.risk.settings import (
    RiskSettings,
    build_breakers,
    build_guards,
    build_rules,
    load_risk_settings,
)
from pythia.risk.sizing import BetSide, KellyBet, kelly_binary, kelly_multi, kelly_stake

__all__ = [
    "ACCEPTED",
    "AvailableBalance",
    "BetSide",
    "BookFresh",
    "CircuitBreaker",
    "Collar",
    "ControlMode",
    "ControlModeRule",
    "ControlSource",
    "ControlState",
    "ControlTransitionError",
    "DailyLossGuard",
    "DrawdownGuard",
    "GrossExposureLimit",
    "GroupPositionLimit",
    "KellyBet",
    "MaxOrderNotional",
    "MaxOrderSize",
    "MemoryRiskView",
    "ModeChange",
    "ModeRequest",
    "NetExposureLimit",
    "PositionLimit",
    "PriceCollar",
    "RateLimit",
    "RejectionBurst",
    "RiskDecision",
    "RiskEngine",
    "RiskRule",
    "RiskSettings",
    "RiskView",
    "Slippage",
    "SpreadBlowout",
    "StaleFeed",
    "VenueExposureLimit",
    "build_breakers",
    "build_guards",
    "build_rules",
    "is_transition_allowed",
    "kelly_binary",
    "kelly_multi",
    "kelly_stake",
    "load_risk_settings",
]
