"""Kalshi and Betfair parts of a scan snapshot (see :mod:`pythia.service.scan`).

**Kalshi** (``kalshi/*.json``): each file is a JSON object holding Kalshi REST answers,
either one answer at the top level or several under request names (the shape of
``tests/data/kalshi/kalshi_rest_responses.json``: ``{"get_market_X": {...},
"get_orderbook_X": {...}}``; keys starting with ``_`` are comments). An answer is read by
its members:

- ``"market"`` (``GET /markets/{ticker}``) or ``"markets"`` (``GET /markets``): binary
  markets, each a YES/NO pair ``kalshi:<ticker>:yes|no`` on its own tick grid;
- ``"event"`` (``GET /events/{event_ticker}``, markets nested or beside it): its markets,
  and a SERIES group when ``mutually_exclusive`` (marked augmented by the venue parser:
  Kalshi promises at most one winner, not exactly one);
- ``"orderbook_fp"`` (``GET /markets/{ticker}/orderbook``): the YES and NO bid ladders.
  The ticker is the answer's ``"ticker"`` member, else its ``"market"``'s ticker, else the
  text after ``orderbook_`` in the request name. So ``{"market": {...}, "orderbook_fp":
  {...}}`` is one market with its book.

Other answers (trades, candlesticks) are ignored. Books are applied after every file's
definitions, so a book may sit in another file than its market; a book of a market that
no file defines is read on the deci-cent grid (as the capture reader does). A market whose
``status`` is not active (or open) halts its pair and its event's group.

**Betfair** (``betfair/*``): Exchange Stream recordings (plain, ``.gz`` or ``.bz2``),
replayed to the end with the venue's capture reader for the runners' books and the
markets' definitions; ``<marketId>.catalogue.json`` files beside them give runner names.
A market whose last status is not OPEN is halted; its commission is the definition's
``marketBaseRate`` (else the profile's ``settlement_commission_bps``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import msgspec

from pythia.book import book_for
from pythia.core.errors import DataError
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition
from pythia.model.instruments import OutcomeGroup
from pythia.service.scan import Snapshot, read_json
from pythia.venues import profile_for
from pythia.venues.betfair import group_id as betfair_group_id
from pythia.venues.kalshi import parse as kalshi
from pythia.venues.kalshi import wire as kalshi_wire

KALSHI_TRADING = ("active", "open", "")
ORDERBOOK_KEY = "orderbook_"


# ---- Kalshi ------------------------------------------------------------------------------------
def kalshi_documents(snapshot: Snapshot, paths: list[Path]) -> Iterator[tuple[Path, dict]]:
    """Each readable Kalshi file's JSON object (counted in ``loaded``; others are problems)."""
    for path in paths:
        document = read_json(snapshot, path)
        if document is None:
            continue
        if not isinstance(document, dict):
            snapshot.problem(path, "malformed", "expected a JSON object of Kalshi answers")
            continue
        snapshot.loaded["kalshi"] = snapshot.loaded.get("kalshi", 0) + 1
        yield path, document


def load_kalshi(snapshot: Snapshot, paths: list[Path]) -> None:
    """Read Kalshi REST answers: every definition first, then every order book."""
    pending: list[tuple[Path, str, object]] = []
    for path, document in kalshi_documents(snapshot, paths):
        for name, answer in kalshi_answers(document):
            try:
                ticker_hint = _define_kalshi(snapshot, answer)
            except (DataError, msgspec.ValidationError) as error:
                snapshot.problem(path, "invalid_kalshi", f"{name or 'answer'}: {error}")
                continue
            if "orderbook_fp" in answer:
                ticker = answer.get("ticker") or ticker_hint or _ticker_from_name(name)
                if not isinstance(ticker, str) or not ticker:
                    snapshot.problem(path, "invalid_kalshi", f"{name}: order book without ticker")
                    continue
                pending.append((path, ticker, answer))
    for path, ticker, answer in pending:
        _kalshi_book(snapshot, path, ticker, answer)


def kalshi_answers(document: dict) -> list[tuple[str, dict]]:
    """The answers of a file that define markets or hold a book, with their request names."""
    members = ("market", "markets", "event", "orderbook_fp")
    if any(key in document for key in members):
        return [("", document)]
    return [
        (name, value)
        for name, value in document.items()
        if not name.startswith("_")
        and isinstance(value, dict)
        and any(key in value for key in members)
    ]


def _ticker_from_name(name: str) -> str:
    head, found, tail = name.rpartition(ORDERBOOK_KEY)
    return tail if found else ""


def _define_kalshi(snapshot: Snapshot, answer: dict) -> str:
    """Register the answer's definitions; return the ticker of its single market, if any."""
    ticker = ""
    if "event" in answer:
        response = msgspec.convert(answer, kalshi_wire.EventResponse, strict=False)
        markets = response.markets or response.event.markets or []
        definitions = kalshi.event_definitions(response)
        for definition in definitions:
            snapshot.add_definition(definition)
        for market in markets:  # each market is also a YES/NO pair of its own
            snapshot.add_definition(kalshi.binary_group(market.ticker, market.title))
            _kalshi_status(snapshot, market)
        halted = [m.ticker for m in markets if m.status not in KALSHI_TRADING]
        group = next((d for d in definitions if isinstance(d, OutcomeGroup)), None)
        if group is not None:
            snapshot.venue_ids[group.id] = response.event.event_ticker
        if group is not None and halted and group.id in snapshot.groups:
            snapshot.halted[group.id] = "market " + ", ".join(halted) + " not active"
    elif "markets" in answer:
        response = msgspec.convert(answer, kalshi_wire.MarketsResponse, strict=False)
        for market in response.markets:
            _kalshi_market(snapshot, market)
    if "market" in answer:
        market = msgspec.convert(answer["market"], kalshi_wire.Market, strict=False)
        _kalshi_market(snapshot, market)
        ticker = market.ticker
    return ticker


def _kalshi_market(snapshot: Snapshot, market: kalshi_wire.Market) -> None:
    for definition in kalshi.market_definitions(market):
        snapshot.add_definition(definition)
    _kalshi_status(snapshot, market)


def _kalshi_status(snapshot: Snapshot, market: kalshi_wire.Market) -> None:
    if market.status not in KALSHI_TRADING:
        snapshot.halted[kalshi.binary_group_id(market.ticker)] = f"status {market.status}"


def _kalshi_book(snapshot: Snapshot, path: Path, ticker: str, answer: dict) -> None:
    yes_id, no_id = kalshi.token_ids(ticker)
    if yes_id not in snapshot.instruments:
        for definition in kalshi.default_market_definitions(ticker):
            snapshot.add_definition(definition)
    try:
        response = msgspec.convert(
            {"orderbook_fp": answer["orderbook_fp"]}, kalshi_wire.OrderbookResponse, strict=False
        )
        yes_book, no_book = kalshi.parse_orderbook(
            response, ticker, ticks=snapshot.instruments[yes_id].ticks
        )
    except (DataError, msgspec.ValidationError) as error:
        snapshot.problem(path, "invalid_book", f"{ticker}: {error}")
        return
    for update in (yes_book, no_book):
        snapshot.set_book(path, update.instrument_id, lambda b, s=update: b.apply_snapshot(s))


# ---- Betfair -----------------------------------------------------------------------------------
CATALOGUE_SUFFIX = ".catalogue.json"


def load_betfair(snapshot: Snapshot, paths: list[Path]) -> None:
    """Replay each Betfair stream file to its end (books, definitions, status)."""
    from pythia.venues.betfair import read_capture

    streams = [p for p in paths if not p.name.lower().endswith(CATALOGUE_SUFFIX)]
    for path in streams:
        try:
            source = read_capture([path])
            _replay_betfair(snapshot, path, source)
        except (DataError, OSError, UnicodeDecodeError, EOFError) as error:
            snapshot.problem(path, "malformed", error)
            continue
        snapshot.loaded["betfair"] = snapshot.loaded.get("betfair", 0) + 1
        for reason, count in sorted(source.rejects.by_reason.items()):
            example = next((d for r, d in source.rejects.examples if r == reason), "")
            snapshot.problem(path, reason, f"{count} message(s) rejected, e.g. {example}")


def _replay_betfair(snapshot: Snapshot, path: Path, source) -> None:
    books: dict = {}
    rejected_updates = 0
    for event in source.events():
        kind = event.__class__
        if kind is InstrumentDefinition:
            snapshot.add_definition(event.definition)
        elif kind is BookSnapshot or kind is BookDelta:
            instrument = snapshot.instruments.get(event.instrument_id)
            if instrument is None:
                rejected_updates += 1
                continue
            book = books.get(event.instrument_id)
            if book is None:
                book = books[event.instrument_id] = book_for(instrument)
            try:
                (book.apply_snapshot if kind is BookSnapshot else book.apply_delta)(event)
            except DataError:
                rejected_updates += 1
    snapshot.books.update(books)
    if rejected_updates:
        snapshot.problem(path, "rejected_updates", f"{rejected_updates} book update(s) rejected")
    profile = profile_for("betfair", **snapshot.venue_options.get("betfair", {}))
    for market_id, definition in source.market_definitions.items():
        group = betfair_group_id(market_id)
        rate = definition.marketBaseRate
        snapshot.commission_bps[group] = (
            int(Decimal(rate) * 100) if rate is not None else profile.settlement_commission_bps
        )
        if definition.status != "OPEN":
            snapshot.halted[group] = f"market {definition.status.lower()}"
