"""Frozen domain nouns: instruments, venue rules and market events."""
