"""Protocols only: how the engine talks to data sources, venues, stores and clocks."""
