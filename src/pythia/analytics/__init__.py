"""Signals and statistics: performance metrics, and later order-flow signals and Greeks."""
