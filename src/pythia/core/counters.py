"""Counting rejected input: bad messages are counted by reason, never silently dropped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RejectCounter:
    """Counts rejections by reason and keeps the first few examples for the report.

    >>> rejects = RejectCounter()
    >>> rejects.add("malformed_json", "line 3: unexpected end")
    >>> rejects.total, rejects.by_reason["malformed_json"]
    (1, 1)
    """

    max_examples: int = 10
    by_reason: Counter = field(default_factory=Counter)
    examples: list[tuple[str, str]] = field(default_factory=list)

    def add(self, reason: str, detail: str = "") -> None:
        self.by_reason[reason] += 1
        if len(self.examples) < self.max_examples:
            self.examples.append((reason, detail))

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "by_reason": dict(sorted(self.by_reason.items())),
            "examples": [{"reason": r, "detail": d} for r, d in self.examples],
        }
