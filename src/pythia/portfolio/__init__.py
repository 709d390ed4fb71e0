"""Portfolio ledger: cash, positions, fees, settlement, split / merge / convert, PnL."""

from pythia.portfolio.entries import Bucket, Holding, LedgerEntry, LedgerKind
from pythia.portfolio.ledger import Portfolio, StartingPosition
from pythia.portfolio.valuation import position_decimals

__all__ = [
    "Bucket",
    "Holding",
    "LedgerEntry",
    "LedgerKind",
    "Portfolio",
    "StartingPosition",
    "position_decimals",
]
