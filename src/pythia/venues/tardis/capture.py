"""Read Tardis.dev normalized CSV files (plain or ``.csv.gz``) as one stream of events.

Each file's header says its dataset (:func:`wire.layout_of`); a file with an unknown header
is counted in ``rejects`` (``unknown_format``) and skipped. Bad rows are counted
(``invalid``) and skipped; the rest of the file still comes through. ``incremental_book_L2``
rows are grouped into snapshots and deltas per instrument (:class:`parse.IncrementalBook`).

Decimals: unless ``price_decimals`` / ``size_decimals`` are given, the files are scanned
once before reading, and each instrument gets the most decimals printed in its price columns
and in its amount columns (see :mod:`pythia.venues.tardis.parse`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pythia.core.errors import DataError
from pythia.model.events import InstrumentDefinition, MarketEvent
from pythia.model.instruments import Instrument
from pythia.venues.capture import CaptureSource, open_lines
from pythia.venues.tardis import parse, wire


def _prices_and_amounts(row: wire.Row) -> tuple[list[str], list[str]]:
    if isinstance(row, wire.SnapshotRow):
        levels = row.asks + row.bids
        return [p for p, _ in levels], [a for _, a in levels]
    if isinstance(row, wire.QuoteRow):
        return [row.ask_price, row.bid_price], [row.ask_amount, row.bid_amount]
    return [row.price], [row.amount]


class TardisCapture(CaptureSource):
    """Tardis CSV files as a MarketDataSource."""

    def __init__(
        self,
        paths: Sequence[Path],
        price_decimals: int | None = None,
        size_decimals: int | None = None,
    ) -> None:
        super().__init__(paths)
        self.price_decimals = price_decimals
        self.size_decimals = size_decimals
        self._scanned: dict[str, tuple[int, int]] | None = None

    # ---- files ---------------------------------------------------------------------------------
    def _files(
        self, count_rejects: bool = True
    ) -> Iterator[tuple[Path, wire.Layout, Iterator[tuple[int, str]]]]:
        """Yield each known file's layout and numbered non-blank rows (header excluded)."""
        for path in self.paths:
            rows = ((n, line) for n, line in enumerate(open_lines(path), start=1) if line.strip())
            first = next(rows, None)
            try:
                if first is None:
                    raise DataError("empty file")
                layout = wire.layout_of(first[1])
            except DataError as error:
                if count_rejects:
                    self.rejects.add("unknown_format", f"{path.name}: {error}")
                continue
            yield path, layout, rows

    def scan_decimals(self) -> dict[str, tuple[int, int]]:
        """Most decimals printed per instrument: ``{id: (price_decimals, size_decimals)}``."""
        found: dict[str, tuple[int, int]] = {}
        for _, layout, rows in self._files(count_rejects=False):
            for _, line in rows:
                try:
                    row = layout.row(line)
                except DataError:
                    continue  # counted when read
                prices, amounts = _prices_and_amounts(row)
                key = parse.instrument_id(row.exchange, row.symbol)
                price_dec, size_dec = found.get(key, (0, 0))
                found[key] = (
                    max(price_dec, *(parse.decimals_of(p) for p in prices)),
                    max(size_dec, *(parse.decimals_of(a) for a in amounts)),
                )
        return found

    # ---- instruments ---------------------------------------------------------------------------
    def _instrument(self, row: wire.Row) -> tuple[Instrument, bool]:
        """The row's instrument and whether it is new (registered by the caller)."""
        key = parse.instrument_id(row.exchange, row.symbol)
        found = self.instrument(key)
        if isinstance(found, Instrument):
            return found, False
        if self._scanned is None and (self.price_decimals is None or self.size_decimals is None):
            self._scanned = self.scan_decimals()
        price_dec, size_dec = (self._scanned or {}).get(key, (0, 0))
        instrument = parse.make_instrument(
            row.exchange,
            row.symbol,
            price_dec if self.price_decimals is None else self.price_decimals,
            size_dec if self.size_decimals is None else self.size_decimals,
        )
        return instrument, True

    # ---- events --------------------------------------------------------------------------------
    def _parse_row(
        self, layout: wire.Layout, line: str, books: dict[str, parse.IncrementalBook]
    ) -> list[MarketEvent]:
        row = layout.row(line)
        ts_event, recv = parse.row_times(row)
        instrument, is_new = self._instrument(row)
        dataset = layout.dataset
        if dataset is wire.Dataset.BOOK_SNAPSHOT:
            events = [parse.parse_snapshot_row(row, instrument)]
        elif dataset is wire.Dataset.INCREMENTAL_BOOK_L2:
            level = parse.parse_incremental_row(row, instrument)
            book = books.get(instrument.id)
            if book is None:
                book = books[instrument.id] = parse.IncrementalBook(instrument.id)
            events = book.add(level)
        elif dataset is wire.Dataset.TRADES:
            events = [parse.parse_trade_row(row, instrument)]
        else:
            events = [parse.parse_quote_row(row, instrument)]
        if is_new:  # defined only once a row of it parsed
            self.add_instrument(instrument)
            events.insert(0, InstrumentDefinition(instrument, ts_event, recv))
        return events

    def events(self) -> Iterator[MarketEvent]:
        for path, layout, rows in self._files():
            books: dict[str, parse.IncrementalBook] = {}
            for number, line in rows:
                try:
                    events = self._parse_row(layout, line, books)
                except DataError as error:
                    self.rejects.add("invalid", f"{path.name}:{number}: {error}")
                    continue
                yield from events
            for book in books.values():
                yield from book.flush()


def read_capture(
    paths: Sequence[Path], price_decimals: int | None = None, size_decimals: int | None = None
) -> TardisCapture:
    """Return a reader of Tardis CSV files (read in the order given, as one stream)."""
    return TardisCapture(paths, price_decimals, size_decimals)
