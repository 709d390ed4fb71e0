"""Strategies by name: built-in ones register themselves; others come from the
``pythia.strategies`` entry-point group of installed packages."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from pythia.core.errors import ConfigError
from pythia.strategy.base import Strategy

_REGISTRY: dict[str, type[Strategy]] = {}
_BUILTIN_MODULES = (
    "pythia.strategy.examples.market_maker",
    "pythia.strategy.examples.betfair_favourite",
    "pythia.strategy.examples.book_imbalance",
    "pythia.strategy.arbitrage.trader",
    "pythia.strategy.making.strategy",
)


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available by its ``name``."""
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    import importlib

    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    for entry in entry_points(group="pythia.strategies"):
        if entry.name not in _REGISTRY:
            _REGISTRY[entry.name] = entry.load()


def strategy_names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def create_strategy(name: str, params: Mapping[str, Any] | None = None) -> Strategy:
    """Instantiate the strategy registered as ``name`` with ``params``."""
    _load()
    cls = _REGISTRY.get(name)
    if cls is None:
        raise ConfigError(f"unknown strategy {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return cls(params)
