"""Read recorded Polymarket messages as one stream of market events.

A file may hold one JSON document (an object, or an array of messages, pretty-printed or
not) or JSON lines, each a message or an array of messages, optionally prefixed by the local
receive time in nanoseconds (``<ts_recv_ns> <json>``). Messages are dispatched on
``event_type``, else on shape (see :func:`wire.classify`). Without a receive time,
``ts_recv_ns`` is the venue time.

Instruments: market definitions (Gamma markets and events, CLOB markets and pages) are
registered and emitted as :class:`InstrumentDefinition` events, stamped with the latest event
time seen so far (0 before any). A REST ``/book`` with ``tick_size`` registers or updates its
token, a ``tick_size_change`` updates the tick. A token seen in market data before any
definition is registered provisionally with the finest price unit (0.0001) as its tick, so a
book built from it accepts every valid price; a later definition replaces it.

User-channel messages (``trade``, ``order``), signed orders and fee rates are execution or
account data, not market events: they are counted in ``skipped``, as is ``new_market``.
Malformed or invalid messages are counted in ``rejects`` and never raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from pythia.core.errors import DataError
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import OutcomeGroup, OutcomeToken
from pythia.venues.capture import CaptureSource, open_lines
from pythia.venues.polymarket import markets, parse, wire

PROVISIONAL_TICK = 1
"""Tick of a token known only from market data: the finest price unit, accepts any price."""


class PolymarketCapture(CaptureSource):
    """A capture reader over Polymarket recordings (see the module docstring)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__(paths)
        self.skipped: Counter = Counter()
        self._last_ts_ns = 0

    def events(self) -> Iterator[MarketEvent]:
        self._last_ts_ns = 0
        for path in self.paths:
            for where, message, ts_recv_ns in self._messages(path):
                try:
                    parsed = self.parse_message(message, ts_recv_ns)
                except ValueError as error:  # DataError, or a malformed ISO time
                    self.rejects.add("invalid", f"{where}: {error}")
                    continue
                yield from parsed

    # ---- reading -------------------------------------------------------------------------
    def _messages(self, path: Path) -> Iterator[tuple[str, object, int | None]]:
        """Yield ``(where, decoded message, ts_recv_ns)``; undecodable input is rejected."""
        lines = open_lines(path)
        head: list[str] = []
        for line in lines:
            head.append(line)
            if line.strip():
                break
        first = _decode_line(head[-1]) if head and head[-1].strip() else None
        if first is not None:
            yield from _expand(f"{path.name}:{len(head)}", *first)
            yield from self._json_lines(path, lines, len(head))
            return
        text = "".join(head) + "".join(lines)
        if not text.strip():
            return
        try:
            document = wire.decode(text)
        except DataError:
            yield from self._json_lines(path, iter(text.splitlines()), 0, whole_file=True)
            return
        yield from _expand(path.name, document, None)

    def _json_lines(
        self, path: Path, lines: Iterator[str], offset: int, whole_file: bool = False
    ) -> Iterator[tuple[str, object, int | None]]:
        failures: list[str] = []
        decoded_any = False
        for number, line in enumerate(lines, start=offset + 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            decoded = _decode_line(line)
            if decoded is None or (whole_file and not isinstance(decoded[0], dict | list)):
                failures.append(where)
                if not whole_file:
                    self.rejects.add("malformed", f"{where}: not JSON")
                continue
            decoded_any = True
            yield from _expand(where, *decoded)
        if whole_file:
            if decoded_any:
                for where in failures:
                    self.rejects.add("malformed", f"{where}: not JSON")
            else:
                self.rejects.add("malformed", f"{path.name}: not JSON")

    # ---- dispatch ------------------------------------------------------------------------
    def parse_message(self, message: object, ts_recv_ns: int | None = None) -> list[MarketEvent]:
        """Map one decoded message to market events (registering instruments on the way)."""
        item = wire.to_wire(message)
        if item is None:
            self.skipped[str(message.get("event_type"))] += 1  # type: ignore[union-attr]
            return []
        events: list[MarketEvent]
        if isinstance(item, wire.BookMessage):
            snapshot = parse.parse_book(item, ts_recv_ns)
            self._learn_book(item)
            events = [snapshot]
        elif isinstance(item, wire.PriceChangeMessage):
            events = list(parse.parse_price_change(item, ts_recv_ns))
        elif isinstance(item, wire.LastTradePrice):
            events = [parse.parse_last_trade_price(item, ts_recv_ns)]
        elif isinstance(item, wire.TickSizeChangeMessage):
            change = parse.parse_tick_size_change(item, ts_recv_ns)
            self._learn_tick(change, item.market)
            events = [change]
        elif isinstance(item, wire.BestBidAsk):
            events = [parse.parse_best_bid_ask(item, ts_recv_ns)]
        elif isinstance(item, wire.MarketResolved):
            events = [parse.parse_market_resolved(item, ts_recv_ns)]
        elif isinstance(item, wire.TradeRecord) and not item.event_type:
            events = [parse.parse_trade_record(item, ts_recv_ns)]
        elif isinstance(item, wire.DataApiTrade):
            events = [parse.parse_data_api_trade(item, ts_recv_ns)]
        elif isinstance(item, wire.GammaMarket):
            return self._define([markets.parse_gamma_market(item)], None)
        elif isinstance(item, wire.GammaEvent):
            return self._define(*markets.parse_gamma_event(item))
        elif isinstance(item, wire.ClobMarket):
            return self._define([markets.parse_clob_market(item)], None)
        elif isinstance(item, wire.ClobMarketsPage):
            page = markets.parse_clob_markets_page(item)
            for _condition_id, reason in page.skipped:
                self.rejects.add("invalid", reason)
            return self._define(list(page.markets), None)
        else:
            self.skipped[type(item).__name__] += 1
            return []
        for event in events:
            self._last_ts_ns = max(self._last_ts_ns, event.ts_event_ns)
            if isinstance(event, BookSnapshot | BookDelta | TopOfBook | Trade):
                self._ensure(event.instrument_id, getattr(item, "market", ""))
        return events

    # ---- instruments ---------------------------------------------------------------------
    def _define(
        self, defined: list[markets.Market], group: OutcomeGroup | None
    ) -> list[MarketEvent]:
        ts = self._last_ts_ns
        events: list[MarketEvent] = []
        definitions: list[OutcomeToken | OutcomeGroup] = []
        for market in defined:
            definitions.extend(market.tokens)
            definitions.append(market.group)
        if group is not None:
            definitions.append(group)
        for definition in definitions:
            self.add_instrument(definition)
            events.append(InstrumentDefinition(definition, ts, ts))
        return events

    def _learn_book(self, message: wire.BookMessage) -> None:
        info = markets.parse_book_info(message)
        known = self.instrument(info.instrument_id)
        token = markets.token_from_book(info, known if isinstance(known, OutcomeToken) else None)
        if token is not None:
            self.add_instrument(token)

    def _learn_tick(self, change: TickSizeChange, market_id: str) -> None:
        known = self.instrument(change.instrument_id)
        if isinstance(known, OutcomeToken):
            self.add_instrument(markets.with_tick(known, change.new_tick))
        else:
            self._ensure(change.instrument_id, market_id, change.new_tick)

    def _ensure(self, instrument_id: str, market_id: str, tick: int = PROVISIONAL_TICK) -> None:
        if self.instrument(instrument_id) is None:
            token_id = instrument_id.partition(":")[2]
            self.add_instrument(markets.outcome_token(token_id, market_id=market_id, tick=tick))


def _decode_line(line: str) -> tuple[object, int | None] | None:
    """Decode one line, with an optional ``<ts_recv_ns> `` prefix; None if not JSON."""
    text = line.strip()
    ts_recv_ns = None
    prefix, space, rest = text.partition(" ")
    if space and prefix.isascii() and prefix.isdigit() and rest.lstrip()[:1] in ("{", "["):
        text, ts_recv_ns = rest, int(prefix)
    try:
        return wire.JSON_DECODER.decode(text), ts_recv_ns
    except msgspec.DecodeError:
        return None


def _expand(
    where: str, document: object, ts_recv_ns: int | None
) -> Iterator[tuple[str, object, int | None]]:
    if isinstance(document, list):
        for index, message in enumerate(document):
            yield f"{where}[{index}]", message, ts_recv_ns
    else:
        yield where, document, ts_recv_ns


def read_capture(paths: list[Path]) -> PolymarketCapture:
    """Return a reader over Polymarket recordings, read in order as one stream.

    >>> from pathlib import Path
    >>> source = read_capture([Path("book.json")])  # doctest: +SKIP
    >>> events = list(source.events())  # doctest: +SKIP
    """
    return PolymarketCapture([Path(p) for p in paths])
