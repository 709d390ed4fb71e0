"""Journal records and the hash rule that chains them.

``hash = SHA-256(material)`` in lowercase hex, where ``material`` is the concatenation of
seven netstrings, one per field in this order: ``seq``, ``ts_ns`` (both as decimal ASCII),
``kind``, ``strategy``, ``instrument``, ``payload`` (the stored canonical JSON text) and
``prev_hash``. A netstring is ``<byte length in decimal>:<UTF-8 bytes>,`` so no two
different records share a material. The first record's ``prev_hash`` is
:data:`GENESIS_HASH` (64 zeros). Any language can re-check a journal from the stored
columns alone, without re-serializing JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pythia.core.errors import DataError
from pythia.store.guard import canonical_json, check_payload

GENESIS_HASH = "0" * 64
INT64_MAX = 2**63 - 1
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
CONTROL_COMMANDS = ("pause", "resume", "reduce", "flatten", "kill")
"""What ``pythia control`` may ask a running engine to do."""


@dataclass(frozen=True, slots=True)
class Record:
    """One journaled record; ``payload`` is the parsed canonical JSON."""

    seq: int
    ts_ns: int
    kind: str
    strategy: str
    instrument: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data (the payload as an object)."""
        return {
            "seq": self.seq,
            "ts_ns": self.ts_ns,
            "kind": self.kind,
            "strategy": self.strategy,
            "instrument": self.instrument,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """A record to append, for :meth:`Journal.append_many`."""

    kind: str
    payload: dict[str, Any]
    ts_ns: int
    strategy: str = ""
    instrument: str = ""


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """A command for a running engine, waiting in the journal's ``control_requests`` table."""

    id: int
    ts_ns: int
    command: str
    reason: str
    consumed_seq: int | None = field(default=None)
    source: str = "cli"
    """Who asked: ``cli`` (``pythia control``) or ``api`` (``pythia serve``)."""


def record_hash(
    seq: int,
    ts_ns: int,
    kind: str,
    strategy: str,
    instrument: str,
    payload_text: str,
    prev_hash: str,
) -> str:
    """Return the SHA-256 hex digest chaining a record to ``prev_hash`` (module docstring)."""
    digest = hashlib.sha256()
    for part in (str(seq), str(ts_ns), kind, strategy, instrument, payload_text, prev_hash):
        data = part.encode("utf-8")
        digest.update(b"%d:%b," % (len(data), data))
    return digest.hexdigest()


def as_entry(item: Entry | tuple | Mapping[str, Any]) -> Entry:
    """Accept an :class:`Entry`, a tuple in ``append``'s argument order, or a mapping."""
    if isinstance(item, Entry):
        return item
    if isinstance(item, tuple):
        return Entry(*item)
    if isinstance(item, Mapping):
        return Entry(**item)
    raise DataError(f"append_many takes Entry, tuple or mapping items, not {type(item).__name__}")


def prepare(entry: Entry) -> tuple[dict[str, Any], str]:
    """Validate an entry's fields; return its checked payload and canonical JSON text."""
    if not isinstance(entry.kind, str) or not KIND_PATTERN.match(entry.kind):
        raise DataError(
            f"journal kind {entry.kind!r} is not a lowercase name like 'order_submitted'"
            " (letters, digits, _ . : -; at most 64 characters)"
        )
    if isinstance(entry.ts_ns, bool) or not isinstance(entry.ts_ns, int):
        raise DataError(f"journal ts_ns must be an int of nanoseconds, not {entry.ts_ns!r}")
    if not 0 <= entry.ts_ns <= INT64_MAX:
        raise DataError(f"journal ts_ns {entry.ts_ns} is outside 0..2**63-1")
    for name in ("strategy", "instrument"):
        value = getattr(entry, name)
        if not isinstance(value, str) or "\x00" in value:
            raise DataError(f"journal {name} must be a str without NUL characters")
    payload = check_payload(entry.payload)
    return payload, canonical_json(payload)


def parse_payload(text: str) -> dict[str, Any]:
    """Parse a stored payload back into a dict."""
    return json.loads(text)
