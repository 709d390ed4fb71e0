"""Strategy base class, the context strategies see, and the registry of strategies by name."""

from pythia.strategy.base import Strategy
from pythia.strategy.context import StrategyContext
from pythia.strategy.registry import create_strategy, register, strategy_names

__all__ = ["Strategy", "StrategyContext", "create_strategy", "register", "strategy_names"]
