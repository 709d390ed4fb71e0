"""Binance spot and USD-M futures: depth snapshots and diffs, trades, bookTicker."""
