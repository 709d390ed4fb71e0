"""Simulated venue: matching against the replayed book, with fill, fee, latency and queue models."""
