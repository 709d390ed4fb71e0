"""Collect notification events into a bounded batch, render it, and pace the messages.

A :class:`Batch` counts every event it is given but keeps the details of only the first few
of each kind, so a burst of thousands of fills costs a few counters, not thousands of
lines. :meth:`Batch.render` turns it into a :class:`Message`: a short title and a plain-text
body that lists the rare events (breakers, mode changes, feed status) one a line and
summarizes the frequent ones (opportunities, fills) by count. :class:`TokenBucket` and
:func:`next_daily` decide when a message may go and when the daily summary is due.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

KINDS = ("breaker", "mode_change", "feed", "opportunity", "fill", "summary")
"""Event kinds in the order their sections appear in a message (most urgent first)."""

DETAIL_LIMITS = {
    "breaker": 20,
    "mode_change": 20,
    "feed": 20,
    "opportunity": 10,
    "fill": 5,
    "summary": 3,
}
"""How many events of each kind a batch keeps in full; the rest are only counted."""

FILL_GROUP_LIMIT = 200
"""Distinct (venue, instrument, side) groups counted separately; further ones share one."""

SHOWN_FILL_GROUPS = 10
FIELD_CHARS = 80
_SUMMARY_META = frozenset({"kind", "ts_ns", "day", "error", "notified"})

_NOUNS = {
    "breaker": ("breaker", "breakers"),
    "mode_change": ("mode change", "mode changes"),
    "feed": ("feed event", "feed events"),
    "opportunity": ("opportunity", "opportunities"),
    "fill": ("fill", "fills"),
    "summary": ("daily summary", "daily summaries"),
}


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered notification: ``severity`` is an apprise type (info, warning, failure)."""

    title: str
    body: str
    severity: str
    events: int


def field(event: dict[str, Any], name: str, default: str = "?") -> str:
    """Return ``event[name]`` as a short single-line string (``default`` when missing)."""
    value = event.get(name)
    if value is None or value == "":
        return default
    text = " ".join(str(value).split())
    return text if len(text) <= FIELD_CHARS else text[: FIELD_CHARS - 3] + "..."


def plural(count: int, kind: str) -> str:
    """Return ``"3 fills"``, ``"1 opportunity"``, ... for ``count`` events of ``kind``."""
    singular, many = _NOUNS.get(kind, (kind, kind + "s"))
    return f"{count} {singular if count == 1 else many}"


def clock_text(event: dict[str, Any]) -> str:
    """Return the event's ``ts_ns`` as ``HH:MM:SSZ`` (UTC), or ``""`` when absent or bad."""
    ts_ns = event.get("ts_ns")
    if not isinstance(ts_ns, int) or isinstance(ts_ns, bool) or ts_ns <= 0:
        return ""
    try:
        return datetime.fromtimestamp(ts_ns / 1e9, tz=UTC).strftime("%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def event_line(event: dict[str, Any]) -> str:
    """Render one event as one line of text (without the time)."""
    kind = event.get("kind")
    if kind == "breaker":
        return (
            f"BREAKER {field(event, 'name')} tripped: {field(event, 'reason')}"
            f" (mode {field(event, 'mode')})"
        )
    if kind == "mode_change":
        line = f"MODE {field(event, 'previous')} -> {field(event, 'mode')}"
        line += f" by {field(event, 'source')}"
        reason = field(event, "reason", "")
        return f"{line}: {reason}" if reason else line
    if kind == "feed":
        line = f"FEED {field(event, 'venue')} {field(event, 'status')}"
        detail = field(event, "detail", "")
        return f"{line}: {detail}" if detail else line
    if kind == "opportunity":
        money = f"{field(event, 'profit')} {field(event, 'currency', '')}".rstrip()
        return (
            f"{field(event, 'opportunity_kind')} {field(event, 'group')}: profit {money}"
            f" ({field(event, 'legs')} legs)"
        )
    if kind == "fill":
        return (
            f"{field(event, 'venue')} {field(event, 'instrument')} {field(event, 'side')}"
            f" {field(event, 'size')} @ {field(event, 'price')} fee {field(event, 'fee')}"
            f" ({field(event, 'strategy')}, {field(event, 'client_order_id')})"
        )
    return f"{field(event, 'kind')} event"


def _decimal(text: object) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class Batch:
    """Events collected during one batch window; bounded in memory whatever arrives.

    Not thread-safe: the notifier guards it with its lock.
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.details: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        self.fill_groups: Counter[tuple[str, str, str]] = Counter()
        self.fill_sizes: dict[tuple[str, str, str], Decimal] = {}
        self.best_profit: tuple[Decimal, str] | None = None
        self.condensed = 0

    def __len__(self) -> int:
        return sum(self.counts.values())

    def add(self, event: dict[str, Any]) -> None:
        """Count ``event`` (its ``kind`` must be one of :data:`KINDS`); keep it if room is left."""
        kind = event["kind"]
        self.counts[kind] += 1
        kept = self.details[kind]
        if len(kept) < DETAIL_LIMITS[kind]:
            kept.append(event)
        else:
            self.condensed += 1
        if kind == "fill":
            self._add_fill(event)
        elif kind == "opportunity":
            profit = _decimal(event.get("profit"))
            if profit is not None and (self.best_profit is None or profit > self.best_profit[0]):
                self.best_profit = (profit, field(event, "currency", ""))

    def _add_fill(self, event: dict[str, Any]) -> None:
        group = (field(event, "venue"), field(event, "instrument"), field(event, "side"))
        if group not in self.fill_groups and len(self.fill_groups) >= FILL_GROUP_LIMIT:
            group = ("other", "instruments", "")
        self.fill_groups[group] += 1
        size = _decimal(event.get("size"))
        if size is not None:
            self.fill_sizes[group] = self.fill_sizes.get(group, Decimal(0)) + size

    def render(self, title_prefix: str) -> Message:
        """Return the batch as one message titled ``"<title_prefix>: <headline>"``."""
        total = len(self)
        lines: list[str] = []
        for kind in ("breaker", "mode_change", "feed"):
            lines.extend(self._timed_lines(kind))
        lines.extend(self._opportunity_lines())
        lines.extend(self._fill_lines())
        for summary in self.details["summary"]:
            lines.extend(summary_lines(summary))
        if total == 1 and self.counts["summary"] == 0:
            only = next(events[0] for events in self.details.values() if events)
            headline = event_line(only)
        else:
            headline = ", ".join(plural(self.counts[k], k) for k in KINDS if self.counts[k])
        return Message(
            title=f"{title_prefix}: {headline}",
            body="\n".join(lines),
            severity=self._severity(),
            events=total,
        )

    def _severity(self) -> str:
        if self.counts["breaker"]:
            return "failure"
        down = any(e.get("status") != "up" for e in self.details["feed"])
        if self.counts["mode_change"] or down:
            return "warning"
        return "info"

    def _timed_lines(self, kind: str) -> list[str]:
        lines = []
        for event in self.details[kind]:
            at = clock_text(event)
            lines.append(f"{at} {event_line(event)}" if at else event_line(event))
        hidden = self.counts[kind] - len(self.details[kind])
        if hidden:
            lines.append(f"... and {plural(hidden, kind)} more")
        return lines

    def _opportunity_lines(self) -> list[str]:
        count = self.counts["opportunity"]
        if not count:
            return []
        header = f"{plural(count, 'opportunity')}:"
        if self.best_profit is not None:
            best = f"{self.best_profit[0]} {self.best_profit[1]}".rstrip()
            header = f"{plural(count, 'opportunity')} (best profit {best}):"
        lines = [header]
        lines += [f"  {event_line(e)}" for e in self.details["opportunity"]]
        hidden = count - len(self.details["opportunity"])
        if hidden:
            lines.append(f"  ... and {hidden} more")
        return lines

    def _fill_lines(self) -> list[str]:
        count = self.counts["fill"]
        if not count:
            return []
        lines = [f"{plural(count, 'fill')}:"]
        if count > len(self.details["fill"]):
            ranked = self.fill_groups.most_common()
            for group, group_count in ranked[:SHOWN_FILL_GROUPS]:
                size = self.fill_sizes.get(group)
                sized = f", size {size}" if size is not None else ""
                lines.append(f"  {' '.join(group).strip()}: {plural(group_count, 'fill')}{sized}")
            if len(ranked) > SHOWN_FILL_GROUPS:
                rest = sum(c for _, c in ranked[SHOWN_FILL_GROUPS:])
                more = len(ranked) - SHOWN_FILL_GROUPS
                lines.append(f"  ... {plural(rest, 'fill')} in {more} more groups")
            lines.append(f"  first {len(self.details['fill'])}:")
        for event in self.details["fill"]:
            at = clock_text(event)
            lines.append(f"  {at} {event_line(event)}" if at else f"  {event_line(event)}")
        hidden = count - len(self.details["fill"])
        if hidden:
            lines.append(f"  ... and {hidden} more")
        return lines


def summary_lines(event: dict[str, Any]) -> list[str]:
    """Render a ``summary`` event: its day, then one ``key: value`` line per figure.

    Every key but ``kind``, ``ts_ns``, ``day``, ``error`` and ``notified`` is a figure;
    ``pnl`` is followed by ``currency`` when both are given.
    """
    lines = [f"Daily summary {field(event, 'day', '')}".rstrip()]
    has_pnl = "pnl" in event
    for key in event:
        if key in _SUMMARY_META or (key == "currency" and has_pnl):
            continue
        text = field(event, key)
        if key == "pnl" and event.get("currency"):
            text = f"{text} {field(event, 'currency')}"
        lines.append(f"  {field({'key': key}, 'key')}: {text}")
    if event.get("error"):
        lines.append(f"  figures unavailable ({field(event, 'error')})")
    notified = event.get("notified")
    if isinstance(notified, dict):
        counted = ", ".join(plural(int(notified[k]), k) for k in KINDS if notified.get(k))
        lines.append(f"  notified since the last summary: {counted or 'nothing'}")
    return lines


def next_daily(hhmm: str, now_s: float) -> float:
    """Return the first time after ``now_s`` (epoch seconds) whose UTC clock reads ``hhmm``."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    now = datetime.fromtimestamp(now_s, tz=UTC)
    due = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due.timestamp() <= now_s:
        due += timedelta(days=1)
    return due.timestamp()


class TokenBucket:
    """Allow ``per_minute`` takes a minute on average, ``per_minute`` at once at most."""

    def __init__(self, per_minute: int, now_s: float) -> None:
        self.capacity = float(per_minute)
        self.rate_per_s = per_minute / 60.0
        self.tokens = self.capacity
        self.updated_s = now_s

    def _refill(self, now_s: float) -> None:
        elapsed_s = max(0.0, now_s - self.updated_s)
        self.tokens = min(self.capacity, self.tokens + elapsed_s * self.rate_per_s)
        self.updated_s = max(self.updated_s, now_s)

    def take(self, now_s: float) -> bool:
        """Take one token if there is one; return whether it was taken."""
        self._refill(now_s)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_s(self, now_s: float) -> float:
        """Return how long until a token is available (0 when one is)."""
        self._refill(now_s)
        return max(0.0, (1.0 - self.tokens) / self.rate_per_s)
