"""Read raw Bybit v5 public WebSocket captures: one frame a line, optionally prefixed by the
local receive time in nanoseconds (``<ns> <json>``); ``.zip``/``.gz`` files are read as text.

Books are sequenced by :class:`UpdateIdSync`: a snapshot (re)starts a symbol's book at its
``u`` (``u == 1`` after a Bybit service restart); each delta must carry the previous ``u`` + 1.
Otherwise updates were lost: the symbol is out of sync and its deltas are dropped, each
counted in ``gaps``, until the next snapshot. A rejected frame counts as lost, so the next
delta of its symbol shows the gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pythia.core.errors import DataError
from pythia.model.events import NO_SEQUENCE, BookSnapshot, InstrumentDefinition, MarketEvent
from pythia.model.instruments import CryptoPerpetual, Instrument
from pythia.ports.market_data import SyncAction
from pythia.venues.bybit import parse, wire
from pythia.venues.capture import CaptureSource


def split_receive_time(line: str) -> tuple[int | None, str]:
    """Split ``"<ns> <json>"`` into the receive time and the frame (None when absent)."""
    head, _, rest = line.partition(" ")
    if head.isdigit() and rest:
        return int(head), rest
    return None, line


class UpdateIdSync:
    """Bybit's book rule as a :class:`~pythia.ports.market_data.BookSynchronizer`.

    >>> sync = UpdateIdSync()
    >>> sync.on_snapshot(7)
    >>> sync.check(-1, 8, -1), sync.check(-1, 10, -1), sync.check(-1, 11, -1)
    ('apply', 'gap', 'gap')
    """

    def __init__(self) -> None:
        self.last_id = NO_SEQUENCE

    @property
    def is_synced(self) -> bool:
        return self.last_id != NO_SEQUENCE

    def on_snapshot(self, sequence: int) -> None:
        self.last_id = sequence

    def check(self, first_sequence: int, sequence: int, prev_sequence: int) -> str:
        if self.last_id == NO_SEQUENCE or sequence != self.last_id + 1:
            self.last_id = NO_SEQUENCE
            return SyncAction.GAP
        self.last_id = sequence
        return SyncAction.APPLY


class BybitCapture(CaptureSource):
    """A Bybit capture as a MarketDataSource.

    ``price_decimals`` / ``size_decimals`` fix the precision of every symbol; without them a
    symbol uses :data:`parse.DEFAULT_DECIMALS` or what its first message prints.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        price_decimals: int | None = None,
        size_decimals: int | None = None,
    ) -> None:
        super().__init__(paths)
        self.price_decimals = price_decimals
        self.size_decimals = size_decimals
        self.gaps = 0
        """Deltas dropped because their symbol's book was out of sync."""
        self._syncs: dict[str, UpdateIdSync] = {}

    def is_synced(self, symbol: str) -> bool:
        sync = self._syncs.get(symbol.upper())
        return sync is not None and sync.is_synced

    def _instrument(
        self, symbol: str, inferred: tuple[int, int], ts_ns: int, recv_ns: int
    ) -> tuple[CryptoPerpetual, list[MarketEvent]]:
        found = self.instrument(parse.instrument_id(symbol))
        if isinstance(found, CryptoPerpetual):
            return found, []
        default = parse.DEFAULT_DECIMALS.get(symbol.upper(), inferred)
        instrument = parse.make_instrument(
            symbol,
            default[0] if self.price_decimals is None else self.price_decimals,
            default[1] if self.size_decimals is None else self.size_decimals,
        )
        return instrument, [InstrumentDefinition(instrument, ts_ns, recv_ns)]

    def parse_line(self, line: str) -> Iterable[MarketEvent]:
        ts_recv_ns, text = split_receive_time(line.strip())
        envelope = parse.decode_envelope(text)
        if not envelope.topic:
            if envelope.op:
                return ()  # subscription reply
            raise DataError("Bybit: frame without topic")
        recv = ts_recv_ns if ts_recv_ns is not None else envelope.ts * 1_000_000
        if envelope.topic.startswith("publicTrade."):
            return self._trades(envelope, ts_recv_ns, recv)
        data = parse.decode_book(envelope)
        instrument, definitions = self._instrument(
            data.s, parse.infer_decimals(data), envelope.ts * 1_000_000, recv
        )
        event = parse.parse_book(envelope, data, instrument, ts_recv_ns)
        for definition in definitions:
            self.add_instrument(definition.definition)
        sync = self._syncs.setdefault(instrument.symbol, UpdateIdSync())
        if event.__class__ is BookSnapshot:
            sync.on_snapshot(event.sequence)
        elif sync.check(NO_SEQUENCE, event.sequence, NO_SEQUENCE) != SyncAction.APPLY:
            self.gaps += 1
            return definitions
        return [*definitions, event]

    def _trades(self, envelope: wire.Envelope, ts_recv_ns: int | None, recv: int):
        events: list[MarketEvent] = []
        seen: dict[str, CryptoPerpetual] = {}
        for trade in parse.decode_trades(envelope):
            instrument = seen.get(trade.s)
            if instrument is None:
                inferred = (len(trade.p.partition(".")[2]), len(trade.v.partition(".")[2]))
                instrument, definitions = self._instrument(
                    trade.s, inferred, trade.T * 1_000_000, recv
                )
                seen[trade.s] = instrument
                events.extend(definitions)
            events.append(parse.parse_trade(trade, instrument, ts_recv_ns))
        for event in events:
            if isinstance(event, InstrumentDefinition):
                self.add_instrument(event.definition)
        return events


def read_capture(
    paths: Sequence[Path], price_decimals: int | None = None, size_decimals: int | None = None
) -> BybitCapture:
    """Return a reader of Bybit capture files (one continuous stream)."""
    return BybitCapture(paths, price_decimals, size_decimals)


def synchronizer_for(instrument: Instrument) -> UpdateIdSync:
    """Bybit's book sync rule for an instrument of this capture (for ``pythia data check``)."""
    return UpdateIdSync()
