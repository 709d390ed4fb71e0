"""Pythia: a trading engine for prediction markets, crypto exchanges and options."""

__version__ = "0.1.0"
