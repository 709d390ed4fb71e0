"""Nanosecond time helpers; time always comes from an injected clock, never from here."""

from __future__ import annotations

from datetime import UTC, datetime

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


def ms_to_ns(ms: int) -> int:
    return ms * NS_PER_MS


def ns_to_datetime(ts_ns: int) -> datetime:
    """Return the UTC datetime of a nanosecond timestamp (microsecond precision)."""
    return datetime.fromtimestamp(ts_ns // NS_PER_US / 1_000_000, tz=UTC)


def ns_to_iso(ts_ns: int) -> str:
    """Format a nanosecond timestamp as ISO-8601 UTC with nanoseconds."""
    seconds, nanos = divmod(ts_ns, NS_PER_S)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"


def iso_to_ns(text: str) -> int:
    """Parse an ISO-8601 timestamp (``Z`` or offset) into UTC nanoseconds."""
    head, _, frac = text.rstrip("Z").partition(".")
    offset = ""
    for marker in ("+", "-"):
        if marker in frac:
            frac, _, rest = frac.partition(marker)
            offset = marker + rest
    if not frac and len(head) > 19 and head[19] in "+-":
        head, offset = head[:19], head[19:]
    moment = datetime.fromisoformat(head + (offset or "+00:00"))
    digits = (frac + "000000000")[:9] if frac else "0"
    return int(moment.timestamp()) * NS_PER_S + int(digits)
