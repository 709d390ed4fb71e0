"""Check a journal's hash chain and say where it breaks.

Rows are read in ``seq`` order. For each row:

- ``deleted``: its ``seq`` is not one more than the row before (the first must be 1): the
  records in between are missing.
- ``edited``: the stored ``hash`` is not the hash of the row's own fields (a field was
  changed after writing, or the hash itself was).
- ``reordered``: the stored ``hash`` fits the row's fields under a *different* ``seq``
  (searched within :data:`REORDER_WINDOW` positions): the record is intact but was moved.
- ``broken_link``: the row is intact but its ``prev_hash`` is not the hash of the row
  before, and no problem of that row or this one explains it (typically: the row before
  was edited and re-hashed).

Out of reach of any chain kept in the same database: records cut off the end, and a
journal rewritten and re-hashed from some point on. Keep ``last_seq``/``last_hash`` of a
verified journal elsewhere to detect those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pythia.store.records import GENESIS_HASH, record_hash

REORDER_WINDOW = 1000
MAX_PROBLEMS = 1000

Row = tuple[int, int, str, str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class Problem:
    """One place where the chain is broken."""

    seq: int
    problem: str  # "edited" | "deleted" | "reordered" | "broken_link"
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :meth:`Journal.verify`: ``ok`` when every link holds."""

    ok: bool
    checked: int
    problems: list[Problem] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    truncated: bool = False  # more than MAX_PROBLEMS problems; only the first are listed

    @property
    def first_bad_seq(self) -> int | None:
        """The seq of the first broken record, or None."""
        return self.problems[0].seq if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "problems": [problem.as_dict() for problem in self.problems],
            "truncated": self.truncated,
        }


def verify_rows(rows: Iterable[Row]) -> VerifyReport:
    """Check rows (in seq order, as stored) and report every broken place."""
    problems: list[Problem] = []
    total = checked = 0
    prev_seq, prev_hash, prev_content_bad = 0, GENESIS_HASH, False
    for row in rows:
        seq, ts_ns, kind, strategy, instrument, payload, stored_prev, stored_hash = row
        checked += 1
        found: list[Problem] = []
        if seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}..{seq - 1}"
            found.append(Problem(seq, "deleted", f"record(s) {missing} missing before {seq}"))
        fields = (ts_ns, kind, strategy, instrument, payload, stored_prev)
        content_bad = record_hash(seq, *fields) != stored_hash
        if content_bad:
            search = len(problems) < MAX_PROBLEMS  # past the listed ones, skip the search
            found.append(_moved_or_edited(seq, fields, stored_hash, search))
        if not found and not prev_content_bad and stored_prev != prev_hash:
            found.append(
                Problem(
                    seq,
                    "broken_link",
                    f"prev_hash of {seq} is not the hash of {prev_seq or 'the genesis'}"
                    f" (record {prev_seq} edited and re-hashed, or {seq} re-linked)",
                )
            )
        total += len(found)
        problems.extend(found[: max(0, MAX_PROBLEMS - len(problems))])
        prev_seq, prev_hash, prev_content_bad = seq, stored_hash, content_bad
    return VerifyReport(
        ok=total == 0,
        checked=checked,
        problems=problems,
        last_seq=prev_seq,
        last_hash=prev_hash,
        truncated=total > len(problems),
    )


def _moved_or_edited(seq: int, fields: tuple, stored_hash: str, search: bool) -> Problem:
    for distance in range(1, REORDER_WINDOW + 1 if search else 1):
        for original in (seq - distance, seq + distance):
            if original > 0 and record_hash(original, *fields) == stored_hash:
                return Problem(
                    seq, "reordered", f"record stored at {seq} was written as record {original}"
                )
    return Problem(seq, "edited", f"record {seq} does not match its hash (fields changed)")
