"""Read raw Kalshi WebSocket captures: one frame a line, ``<local receive ns> <raw JSON>``.

A line without the receive-time prefix is accepted; its receive time is then the frame's
own time, or for frames without one (order book snapshots) the last time seen in the stream.

Books are sequenced by :class:`~pythia.venues.kalshi.sync.SequenceTracker`: deltas of an
out-of-sync market are dropped and counted in ``gaps``. A rejected frame is treated as lost:
it does not advance its subscription's ``seq``, so the next frame of that subscription shows
the break. Markets not given in ``definitions`` are defined from their ticker alone on the
deci-cent grid (which holds every Kalshi tick structure); an ``InstrumentDefinition`` event
is emitted for each market the first time it appears.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pythia.model.events import InstrumentDefinition, MarketEvent
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.model.ticks import TickScheme
from pythia.venues.capture import CaptureSource
from pythia.venues.kalshi import parse, wire
from pythia.venues.kalshi.sync import SequenceTracker


def split_receive_time(line: str) -> tuple[int | None, str]:
    """Split ``"<ns> <json>"`` into the receive time and the frame (None when absent)."""
    head, _, rest = line.partition(" ")
    if head.isdigit() and rest:
        return int(head), rest
    return None, line


class KalshiCapture(CaptureSource):
    """A Kalshi WebSocket capture as a MarketDataSource.

    ``definitions`` (tokens and groups, e.g. from :func:`parse.market_definitions` over a
    REST market list) give markets their real tick grids.
    """

    def __init__(
        self, paths: Sequence[Path], definitions: Iterable[Instrument | OutcomeGroup] = ()
    ) -> None:
        super().__init__(paths)
        self.tracker = SequenceTracker()
        self._announced: set[str] = set()
        self._clock_ns = 0
        for definition in definitions:
            self.add_instrument(definition)

    @property
    def gaps(self) -> int:
        """Deltas dropped because their market's book was out of sync."""
        return self.tracker.gaps

    def is_synced(self, market_ticker: str) -> bool:
        return self.tracker.is_synced(market_ticker)

    def _ticks(self, ticker: str) -> TickScheme:
        token = self.instrument(parse.token_ids(ticker)[0])
        return token.ticks if isinstance(token, Instrument) else parse.DEFAULT_TICKS

    def _announce(self, ticker: str, ts_event_ns: int, ts_recv_ns: int) -> list[MarketEvent]:
        """Definitions of a market the first time it appears (registered if unknown)."""
        if ticker in self._announced:
            return []
        self._announced.add(ticker)
        yes_id, no_id = parse.token_ids(ticker)
        if self.instrument(yes_id) is None:
            for definition in parse.default_market_definitions(ticker):
                self.add_instrument(definition)
        definitions = [self.instrument(yes_id), self.instrument(no_id)]
        token = definitions[0]
        group = self.instrument(token.group_id) if token.group_id else None
        if group is not None:
            definitions.append(group)
        return [InstrumentDefinition(d, ts_event_ns, ts_recv_ns) for d in definitions]

    def parse_line(self, line: str) -> Iterable[MarketEvent]:
        ts_recv_ns, text = split_receive_time(line.strip())
        message = parse.decode_ws(text)
        if message.__class__ in wire.WS_CONTROL:
            return ()
        body = getattr(message, "msg", None)
        ticker = getattr(body, "market_ticker", None)
        ticks = self._ticks(ticker) if ticker else None
        events = parse.parse_ws(message, ts_recv_ns, ticks, self._clock_ns)
        if not events:
            return ()
        first = events[0]
        self._clock_ns = max(self._clock_ns, first.ts_recv_ns)
        kind = message.__class__
        tracker = self.tracker
        if kind is wire.WsOrderbookSnapshot:
            tracker.on_snapshot(message.sid, message.seq, ticker)
        elif kind is wire.WsOrderbookDelta:
            if not tracker.on_delta(message.sid, message.seq, ticker):
                return self._announce(ticker, first.ts_event_ns, first.ts_recv_ns)
        else:
            tracker.observe(message.sid, message.seq)
        return self._announce(ticker, first.ts_event_ns, first.ts_recv_ns) + events


def read_capture(
    paths: Sequence[Path], definitions: Iterable[Instrument | OutcomeGroup] = ()
) -> KalshiCapture:
    """Return a reader of Kalshi WebSocket capture files (one continuous stream)."""
    return KalshiCapture(paths, definitions)
