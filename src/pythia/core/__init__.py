"""Fixed-point numbers, ids, nanosecond time and error classes; no dependencies."""
