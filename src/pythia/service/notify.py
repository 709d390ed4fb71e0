"""Notifications of a running session through apprise URLs (Telegram, Discord, Slack, ...).

The engine thread calls :meth:`Notifier.publish` with small event dicts; it never blocks
and never raises. A worker thread collects the events for ``batch_s`` seconds, renders one
message per batch (see :mod:`pythia.service.notify_batch`) and sends it to every channel.
A token bucket keeps each channel under ``max_per_minute`` messages: while it is empty the
batch stays open and later events merge into it. Once a day at ``daily_summary_utc`` the
notifier adds a summary built from the ``summary`` callback.

Example::

    settings = NotifySettings(urls=["tgram://bottoken/chatid"], batch_s=2.0)
    with Notifier(settings, summary=session.summary) as notifier:
        notifier.publish({"kind": "feed", "ts_ns": now_ns, "venue": "kalshi",
                          "status": "down", "detail": "websocket closed"})

URLs hold secrets: they are never logged, never put in an exception or in ``stats``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any

import apprise
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pythia.core.errors import ConfigError
from pythia.service import notify_secrets
from pythia.service.notify_batch import KINDS, Batch, Message, TokenBucket, next_daily

log = logging.getLogger(__name__)

ENV_URLS = "PYTHIA_NOTIFY_URLS"
POLL_S = 0.25
"""Longest the worker sleeps before looking at the clock again (injected clocks jump)."""

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_URL_SEPARATORS = re.compile(r"\s+|,(?=\s*[A-Za-z][A-Za-z0-9+.-]*://)")


def split_urls(text: str) -> list[str]:
    """Split a whitespace or comma separated list of apprise URLs.

    A comma splits only before another ``scheme://``, so a URL's own commas
    (``mailto://...?to=a@x.org,b@y.org``) survive.
    """
    return [part.strip() for part in _URL_SEPARATORS.split(text) if part and part.strip()]


def _check_url(url: str, where: str) -> None:
    notify_secrets.register(url)
    if apprise.Apprise.instantiate(url) is None:
        scheme = notify_secrets.scheme_of(url)
        hint = f" (scheme {scheme!r})" if scheme else ""
        raise ConfigError(
            f"{where} is not a valid apprise URL{hint}; check its format at "
            "https://github.com/caronc/apprise/wiki"
        )


class NotifySettings(BaseModel):
    """The ``[notify]`` section: where notifications go, which ones, and how often.

    ``urls`` are apprise URLs; more may come from ``PYTHIA_NOTIFY_URLS`` (whitespace or
    comma separated), which is where secrets belong. Every URL is checked with apprise here
    and an invalid one raises :class:`ConfigError` naming its position, never its text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    urls: list[str] = Field(default_factory=list, repr=False, validate_default=True)
    events: list[str] = Field(default_factory=lambda: list(KINDS))
    min_opportunity_profit: str = "0"
    batch_s: float = Field(2.0, gt=0, le=3600)
    max_per_minute: int = Field(6, ge=1, le=600)
    daily_summary_utc: str | None = None
    title: str = Field("Pythia", min_length=1, max_length=60)

    @field_validator("urls", mode="before")
    @classmethod
    def _split_text(cls, value: object) -> object:
        return split_urls(value) if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _check_urls(cls, urls: list[str]) -> list[str]:
        merged: list[str] = []
        for index, url in enumerate(urls, start=1):
            _check_url(url, f"notify.urls entry {index} of {len(urls)}")
            merged.append(url.strip())
        from_env = split_urls(os.environ.get(ENV_URLS, ""))
        for index, url in enumerate(from_env, start=1):
            _check_url(url, f"{ENV_URLS} entry {index} of {len(from_env)}")
            if url not in merged:
                merged.append(url)
        return merged

    @field_validator("events")
    @classmethod
    def _check_events(cls, events: list[str]) -> list[str]:
        unknown = sorted(set(events) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown event kinds {unknown}; choose from {list(KINDS)}")
        return list(dict.fromkeys(events))

    @field_validator("min_opportunity_profit", mode="before")
    @classmethod
    def _check_profit(cls, value: object) -> object:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            try:
                finite = Decimal(value.strip()).is_finite()
            except InvalidOperation:
                finite = False
            if not finite:
                raise ValueError("min_opportunity_profit must be a decimal number like '0.05'")
            return value.strip()
        return value

    @field_validator("daily_summary_utc")
    @classmethod
    def _check_time(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError("daily_summary_utc must be HH:MM (24-hour, UTC), e.g. '21:00'")
        return value


@dataclass
class _Channel:
    position: int
    service: str
    label: str
    target: apprise.Apprise
    sent: int = 0
    failed: int = 0


def _open_channel(position: int, url: str) -> _Channel:
    notify_secrets.register(url)
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise ConfigError(f"notify channel {position} is not a valid apprise URL")
    target = apprise.Apprise()
    target.add(plugin)
    shown = notify_secrets.redact(plugin.url(privacy=True).split("?", 1)[0])
    return _Channel(position, str(plugin.service_name), f"#{position} {shown}", target)


class Notifier:
    """Batch, rate-limit and send the session's notification events (see the module doc)."""

    def __init__(
        self,
        settings: NotifySettings,
        summary: Callable[[], dict[str, Any]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._summary = summary
        self._clock = clock
        self._channels = [_open_channel(i, url) for i, url in enumerate(settings.urls, 1)]
        self._wanted = frozenset(settings.events)
        self._min_profit = Decimal(settings.min_opportunity_profit)
        self._cond = threading.Condition(threading.Lock())
        self._batch = Batch()
        self._opened_s: float | None = None
        self._flush_now = False
        self._held = False
        self._closing = False
        self._thread: threading.Thread | None = None
        now_s = clock()
        self._bucket = TokenBucket(settings.max_per_minute, now_s)
        hhmm = settings.daily_summary_utc
        self._summary_due_s = next_daily(hhmm, now_s) if hhmm else None
        self._since_summary: Counter[str] = Counter()
        self._counts: Counter[str] = Counter(
            {k: 0 for k in ("published", "filtered", "dropped", "batched", "condensed")}
            | {k: 0 for k in ("messages", "sent", "failed", "delayed", "summaries")}
        )

    # -- engine side -------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """Queue one event for the next message; never blocks on I/O, never raises.

        ``event`` is ``{"kind": ..., "ts_ns": ..., ...}`` with money and prices as strings:

        - ``fill``: venue, instrument, side, price, size, fee, strategy, client_order_id
        - ``opportunity``: opportunity_kind, group, profit, currency, legs
        - ``breaker``: name, reason, mode
        - ``mode_change``: mode, previous, source, reason
        - ``feed``: venue, status (``"down"``, ``"up"`` or ``"stale"``), detail
        - ``summary``: any figures (the notifier makes its own daily one)

        Unknown kinds and unreadable events are counted as ``dropped``; kinds not in
        ``settings.events`` and opportunities below the threshold as ``filtered``.
        """
        try:
            verdict = self._judge(event)
        except Exception:  # an unreadable profit, a non-dict, ...
            verdict = "dropped"
        try:
            with self._cond:
                self._counts["published"] += 1
                if verdict == "keep" and self._closing:
                    verdict = "dropped"
                if verdict == "keep":
                    self._add(dict(event))
                else:
                    self._counts[verdict] += 1
        except Exception:  # never raise into the engine thread
            log.debug("notification event could not be queued", exc_info=True)

    def _judge(self, event: dict[str, Any]) -> str:
        kind = event.get("kind")
        if kind not in KINDS:
            return "dropped"
        if kind not in self._wanted:
            return "filtered"
        if kind == "opportunity" and Decimal(str(event.get("profit"))) < self._min_profit:
            return "filtered"
        return "keep"

    def _add(self, event: dict[str, Any]) -> None:
        """Add an event to the open batch (call with the lock held)."""
        self._batch.add(event)
        if event["kind"] != "summary":
            self._since_summary[event["kind"]] += 1
        if self._opened_s is None:
            self._opened_s = self._clock()
            self._cond.notify()

    @property
    def stats(self) -> dict[str, int]:
        """Return counters: published, filtered, dropped, batched, condensed, messages, sent,
        failed, delayed, summaries, pending (events waiting) and channels.

        ``sent`` and ``failed`` count deliveries (one message to one channel); ``batched``
        counts events that went out in a message; ``condensed`` those only counted in it.
        """
        with self._cond:
            counts = dict(self._counts)
            counts["pending"] = len(self._batch)
        counts["channels"] = len(self._channels)
        return counts

    def channels(self) -> list[dict[str, Any]]:
        """Return each channel's position, service, masked label and delivery counts."""
        return [
            dict(channel=c.position, service=c.service, label=c.label, sent=c.sent, failed=c.failed)
            for c in self._channels
        ]

    # -- worker ------------------------------------------------------------------------

    def start(self) -> Notifier:
        """Start the worker thread (once); return ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pythia-notify", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout_s: float = 30.0) -> None:
        """Send what is pending (past the rate limit if need be) and stop the worker."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("notifier worker still sending after %.0f s; left behind", timeout_s)
        else:
            self._flush(closing=True)

    def __enter__(self) -> Notifier:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._closing:
                    self._cond.wait(self._wait_s())
                closing = self._closing
            try:
                if not closing:
                    self._maybe_summarize()
                self._flush(closing)
            except Exception:  # keep the worker alive whatever a channel does
                log.exception("notifier worker error; carrying on")
            if closing:
                return

    def _wait_s(self) -> float:
        """Return how long the worker may sleep (call with the lock held)."""
        now_s = self._clock()
        wait_s = POLL_S
        if self._summary_due_s is not None:
            wait_s = min(wait_s, self._summary_due_s - now_s)
        if self._opened_s is not None:
            due_s = 0.0 if self._flush_now else self._opened_s + self.settings.batch_s - now_s
            wait_s = min(wait_s, max(due_s, self._bucket.wait_s(now_s)))
        return max(wait_s, 0.001)

    def _take(self, closing: bool) -> Batch | None:
        """Swap out the open batch when it is due and a token is free (lock held)."""
        if not len(self._batch):
            return None
        now_s = self._clock()
        if not closing:
            assert self._opened_s is not None
            if not self._flush_now and now_s < self._opened_s + self.settings.batch_s:
                return None
            if not self._bucket.take(now_s):
                if not self._held:
                    self._held = True
                    self._counts["delayed"] += 1
                return None
        else:
            self._bucket.take(now_s)
        batch, self._batch = self._batch, Batch()
        self._opened_s, self._flush_now, self._held = None, False, False
        self._counts["batched"] += len(batch)
        self._counts["condensed"] += batch.condensed
        self._counts["messages"] += 1
        return batch

    def _flush(self, closing: bool) -> None:
        with self._cond:
            batch = self._take(closing)
        if batch is not None:
            self._deliver(batch.render(self.settings.title))

    def _deliver(self, message: Message) -> int:
        delivered = 0
        for channel in self._channels:
            ok = self._send(channel, message)
            delivered += ok
            with self._cond:
                self._counts["sent" if ok else "failed"] += 1
        return delivered

    def _send(self, channel: _Channel, message: Message) -> bool:
        try:
            ok = bool(
                channel.target.notify(
                    body=message.body or message.title,
                    title=message.title,
                    notify_type=apprise.NotifyType(message.severity),
                    body_format=apprise.NotifyFormat.TEXT,
                )
            )
        except Exception as error:  # a plugin raised: count it like a refusal
            log.debug("channel %s raised %s", channel.label, type(error).__name__)
            ok = False
        if ok:
            channel.sent += 1
        else:
            channel.failed += 1
            log.warning(
                "notification %r to channel %s (%s) failed; it is not retried",
                message.title[:80],
                channel.label,
                channel.service,
            )
        return ok

    def _maybe_summarize(self) -> None:
        due_s = self._summary_due_s
        now_s = self._clock()
        if due_s is None or now_s < due_s or self.settings.daily_summary_utc is None:
            return
        self._summary_due_s = next_daily(self.settings.daily_summary_utc, now_s)
        event: dict[str, Any] = {}
        if self._summary is not None:
            try:
                event.update(self._summary())
            except Exception as error:
                log.warning("daily summary callback raised %s", type(error).__name__)
                event = {"error": type(error).__name__}
        with self._cond:
            notified = dict(self._since_summary)
            self._since_summary.clear()
            if "summary" not in self._wanted or self._closing:
                return
            day = datetime.fromtimestamp(due_s, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
            event |= {"kind": "summary", "ts_ns": int(now_s * 1e9), "day": day}
            event["notified"] = notified
            self._counts["summaries"] += 1
            self._add(event)
            self._flush_now = True

    # -- checks ------------------------------------------------------------------------

    def send_test(self, text: str = "Test notification from Pythia.") -> int:
        """Send one test message to every channel now (blocking); return how many got it."""
        message = Message(f"{self.settings.title}: test", text, "info", 0)
        with self._cond:
            self._counts["messages"] += 1
        return self._deliver(message)
