"""``pythia calibrate``: estimate sigma, A and k for one instrument from a recorded dataset.

The dataset opens as a backtest's does (:func:`pythia.service.backtest.open_data`) and is
replayed in order. The mid comes from the venue's own top of book when the stream has it
(Binance ``bookTicker``, Betfair best prices), else from the L2 book rebuilt from snapshots
and deltas under the venue's sync rule, as in the kernel. Timing uses receive time
(``ts_recv_ns``, monotone in a capture); prints are grouped into orders by event time. The
statistics are :mod:`pythia.analytics.calibration`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pythia.analytics.calibration import (
    NS_PER_S,
    Estimate,
    IntensityFit,
    MidSampler,
    ReachRecorder,
    fit_intensity,
)
from pythia.book import CrossPolicy, OrderBook, book_for
from pythia.core.errors import ConfigError, DataError
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import Instrument, OutcomeGroup, PriceSpace
from pythia.ports.market_data import SyncAction
from pythia.strategy.making.bounded import logit

Lookup = Callable[[str], Instrument | OutcomeGroup | None]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Calibrated parameters of one instrument and what they were estimated from."""

    instrument_id: str
    sigma: Estimate
    intensity: IntensityFit
    sigma_logit: Estimate | None
    samples: dict
    units: dict
    confidence: float

    def as_dict(self) -> dict:
        result = {
            "instrument": self.instrument_id,
            "sigma": self.sigma.as_dict(),
            "A": self.intensity.A.as_dict(),
            "k": self.intensity.k.as_dict(),
        }
        if self.sigma_logit is not None:
            result["sigma_logit"] = self.sigma_logit.as_dict()
        result.update(samples=self.samples, units=self.units, confidence=self.confidence)
        return result


class CalibrationReplay:
    """Follow one instrument through a replay: its mid on a grid, its orders' reaches."""

    def __init__(
        self,
        instrument_id: str,
        synchronizer_for: Callable[[Instrument], object] = lambda _: None,
        lookup: Lookup | None = None,
        interval_ns: int = NS_PER_S,
    ) -> None:
        self.target = instrument_id
        self.instrument_id: str | None = None
        self.instrument: Instrument | None = None
        self.synchronizer_for = synchronizer_for
        self.lookup = lookup
        self.sampler = MidSampler(interval_ns)
        self.logit_sampler = MidSampler(interval_ns)
        self.recorder = ReachRecorder()
        self.book: OrderBook | None = None
        self.mid_source: str | None = None
        self.counts = dict.fromkeys(("events", "mid_updates", "rejected_updates", "gaps"), 0)
        self._sync = None
        self._synced = False
        self._last_ns: int | None = None
        self.seen: set[str] = set()

    def on_event(self, event) -> None:
        kind = event.__class__
        if kind is InstrumentDefinition:
            definition = event.definition
            if isinstance(definition, Instrument) and self._matches(definition.id):
                self._define(definition)
            return
        instrument_id = getattr(event, "instrument_id", None)
        if instrument_id is None or not self._matches(instrument_id):
            if instrument_id:
                self.seen.add(instrument_id)
            return
        if self.instrument is None and self.lookup is not None:
            found = self.lookup(instrument_id)
            if isinstance(found, Instrument):
                self._define(found)
        self.counts["events"] += 1
        self._last_ns = event.ts_recv_ns
        if kind is Trade:
            self.recorder.on_trade(
                event.ts_recv_ns, event.ts_event_ns, event.price, event.aggressor
            )
        elif kind is TopOfBook:
            self.mid_source = "top_of_book"
            if event.bid_price is not None and event.ask_price is not None:
                if event.bid_price < event.ask_price:
                    self._set_mid(event.ts_recv_ns, event.bid_price, event.ask_price)
        elif kind is BookSnapshot or kind is BookDelta:
            self._on_book(event)
        elif kind is TickSizeChange and self.instrument is not None:
            ticks = self.instrument.ticks.with_tick(event.new_tick)
            self._define(self.instrument.with_ticks(ticks))

    def finish(self) -> None:
        self.recorder.finish()
        if self._last_ns is not None:
            self.sampler.finish(self._last_ns)
            self.logit_sampler.finish(self._last_ns)

    # ---- internals -----------------------------------------------------------------------
    def _matches(self, instrument_id: str) -> bool:
        if self.instrument_id is not None:
            return instrument_id == self.instrument_id
        if instrument_id == self.target or instrument_id.endswith(":" + self.target):
            self.instrument_id = instrument_id
            return True
        return False

    def _define(self, instrument: Instrument) -> None:
        if self.instrument is None or self.instrument.ticks != instrument.ticks:
            if self.book is not None:
                self.book.set_ticks(instrument.ticks)
        if self.instrument is None:
            self._sync = self.synchronizer_for(instrument)
        self.instrument = instrument

    def _on_book(self, event: BookSnapshot | BookDelta) -> None:
        if self.instrument is None:
            return
        if not self._in_sync(event):
            return
        if self.book is None:
            self.book = book_for(self.instrument, CrossPolicy.DROP_STALE)
        try:
            if event.__class__ is BookSnapshot:
                self.book.apply_snapshot(event)
            else:
                self.book.apply_delta(event)
        except DataError:
            self.counts["rejected_updates"] += 1
            return
        if self.mid_source == "top_of_book":
            return
        self.mid_source = "book"
        bid, ask = self.book.best_bid_price, self.book.best_ask_price
        if bid is not None and ask is not None and bid < ask:
            self._set_mid(event.ts_recv_ns, bid, ask)

    def _in_sync(self, event: BookSnapshot | BookDelta) -> bool:
        if event.__class__ is BookSnapshot:
            self._synced = True
            if self._sync is not None:
                self._sync.on_snapshot(event.sequence)
            return True
        if self._sync is None:
            return True
        if not self._synced:
            return False
        action = self._sync.check(event.first_sequence, event.sequence, event.prev_sequence)
        if action == SyncAction.GAP:
            self.counts["gaps"] += 1
        return action != SyncAction.DROP

    def _set_mid(self, ts_ns: int, bid: int, ask: int) -> None:
        mid_x2 = bid + ask
        self.recorder.on_quote(ts_ns, bid, ask)
        self.counts["mid_updates"] += 1
        one = self.instrument.one if self.instrument is not None else 1
        self.sampler.on_mid(ts_ns, mid_x2 / (2 * one))
        if self.instrument is not None and self.instrument.price_space is PriceSpace.PROBABILITY:
            probability = mid_x2 / (2 * one)
            if 0.0 < probability < 1.0:
                self.logit_sampler.on_mid(ts_ns, logit(probability))

    # ---- the result ----------------------------------------------------------------------
    def result(
        self, bucket_ticks: int = 1, buckets: int | None = None, confidence: float = 0.95
    ) -> Calibration:
        """Estimate sigma, A and k from what was replayed (buckets of ``bucket_ticks`` finest
        ticks; ``buckets`` of them, by default up to 20 covering the 99th percentile)."""
        if self.instrument_id is None or self.counts["events"] == 0:
            known = ", ".join(sorted(self.seen)[:20]) or "none"
            raise ConfigError(f"instrument {self.target!r} not in the dataset (seen: {known})")
        instrument = self.instrument
        if instrument is None:
            raise DataError(f"no definition of {self.instrument_id} in the dataset")
        one = instrument.one
        tick = instrument.tick / one
        sigma = self.sampler.estimate(confidence)
        duration_s = 0.0
        if self.sampler.first_ns is not None:
            duration_s = (self.sampler.last_ns - self.sampler.first_ns) / NS_PER_S
        distances = [reach / (2 * one) for reach in self.recorder.reaches_x2]
        if bucket_ticks < 1:
            raise ConfigError(f"bucket ticks must be >= 1, got {bucket_ticks}")
        width = tick * bucket_ticks
        intensity = fit_intensity(distances, 2.0 * duration_s, width, buckets, confidence)
        sigma_logit = None
        if self.logit_sampler.count >= 2:
            sigma_logit = self.logit_sampler.estimate(confidence)
        samples = {
            "duration_s": duration_s,
            "interval_s": self.sampler.interval_ns / NS_PER_S,
            "mid_increments": self.sampler.count,
            "mid_updates": self.counts["mid_updates"],
            "mid_source": self.mid_source,
            "trades": self.recorder.trades,
            "orders": len(self.recorder.reaches_x2),
            "bucket_width": width,
            "bucket_counts": list(intensity.counts),
            "beyond_buckets": intensity.beyond,
            "dispersion": intensity.dispersion,
            "dropped": dict(self.recorder.dropped),
            "rejected_updates": self.counts["rejected_updates"],
            "gaps": self.counts["gaps"],
        }
        price = _price_unit(instrument)
        units = {
            "price": price,
            "sigma": f"{price} per sqrt(second)",
            "A": "orders per second per side reaching depth 0",
            "k": f"per {price} of depth from the mid",
        }
        if sigma_logit is not None:
            units["sigma_logit"] = "log-odds per sqrt(second)"
        return Calibration(
            self.instrument_id, sigma, intensity, sigma_logit, samples, units, confidence
        )


def _price_unit(instrument: Instrument) -> str:
    if instrument.price_space is PriceSpace.PROBABILITY:
        return "probability"
    if instrument.price_space is PriceSpace.DECIMAL_ODDS:
        return "decimal odds"
    return instrument.quote_currency


def calibrate_events(
    events: Iterable,
    instrument_id: str,
    *,
    synchronizer_for: Callable[[Instrument], object] = lambda _: None,
    lookup: Lookup | None = None,
    interval_ns: int = NS_PER_S,
    bucket_ticks: int = 1,
    buckets: int | None = None,
    confidence: float = 0.95,
) -> Calibration:
    """Replay ``events`` and calibrate ``instrument_id`` (an id, or its id without the venue)."""
    replay = CalibrationReplay(instrument_id, synchronizer_for, lookup, interval_ns)
    for event in events:
        replay.on_event(event)
    replay.finish()
    return replay.result(bucket_ticks, buckets, confidence)


def calibrate(
    dataset: str,
    instrument_id: str,
    *,
    interval_ns: int = NS_PER_S,
    bucket_ticks: int = 1,
    buckets: int | None = None,
    confidence: float = 0.95,
) -> Calibration:
    """Open ``dataset`` (bundled name, catalog directory or ``VENUE:FILE``) and calibrate."""
    from pythia.service.backtest import open_data

    opened = open_data(dataset)
    return calibrate_events(
        opened.source.events(),
        instrument_id,
        synchronizer_for=opened.synchronizer_for,
        lookup=getattr(opened.source, "instrument", None),
        interval_ns=interval_ns,
        bucket_ticks=bucket_ticks,
        buckets=buckets,
        confidence=confidence,
    )
