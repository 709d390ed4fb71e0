"""Reader of recorded Betfair Exchange Stream files (plain JSON lines or historical ``.bz2``).

Runner names come from listMarketCatalogue files: given explicitly, or found beside a
stream file as ``<marketId>.catalogue.json`` when the market is first seen. A catalogue
that cannot be read is counted as a reject (reason ``catalogue``) and the runners keep
their selection ids as names.

>>> from pathlib import Path
>>> import pythia.venues.betfair as betfair
>>> data = Path(betfair.__file__).parents[2] / "data" / "bundled" / "betfair"
>>> reader = read_capture([data / "1.197931750"])
>>> events = list(reader.events())
>>> reader.rejects.total, reader.instrument("betfair:1.197931750:37947503").outcome
(0, '2. Sandwood Jet')
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from pythia.core.counters import RejectCounter
from pythia.core.errors import DataError
from pythia.model.events import InstrumentDefinition, MarketEvent
from pythia.venues.betfair.parse import MalformedMessage, RunnerInfo, decode_catalogues
from pythia.venues.betfair.stream import LastTraded, StreamParser
from pythia.venues.betfair.wire import MarketCatalogue, MarketDefinition
from pythia.venues.capture import CaptureSource, open_lines

CATALOGUE_SUFFIX = ".catalogue.json"


def load_catalogues(path: Path) -> list[MarketCatalogue]:
    """Read a listMarketCatalogue file (one entry or a list; any compression)."""
    return decode_catalogues("".join(open_lines(Path(path))))


class BetfairCaptureSource(CaptureSource):
    """Betfair market-stream captures as one :class:`~pythia.ports.MarketDataSource`.

    Each :meth:`events` call replays from the start (fresh cache and reject counts).
    After a replay, :attr:`last_traded` holds each runner's last traded price and total
    volume, :attr:`runner_definitions` each runner's latest definition (status,
    ``adjustmentFactor``, ``removalDate``, ``bsp``) and :attr:`market_definitions` each
    market's latest definition as sent.
    """

    def __init__(self, paths: Sequence[Path], catalogues: Sequence[Path] = ()) -> None:
        super().__init__(paths)
        self._explicit: dict[str, MarketCatalogue] = {}
        for path in catalogues:
            for catalogue in load_catalogues(Path(path)):
                self._explicit[catalogue.marketId] = catalogue
        self._found: dict[str, MarketCatalogue | None] = {}
        self.parser = StreamParser(self._catalogue)

    # ---- catalogues -----------------------------------------------------------------------
    def _catalogue(self, market_id: str) -> MarketCatalogue | None:
        if market_id in self._explicit:
            return self._explicit[market_id]
        if market_id not in self._found:
            self._found[market_id] = self._find_catalogue(market_id)
        return self._found[market_id]

    def _find_catalogue(self, market_id: str) -> MarketCatalogue | None:
        for folder in dict.fromkeys(path.parent for path in self.paths):
            candidate = folder / f"{market_id}{CATALOGUE_SUFFIX}"
            if not candidate.is_file():
                continue
            try:
                entries = load_catalogues(candidate)
            except (DataError, UnicodeDecodeError, OSError) as error:
                self.rejects.add("catalogue", f"{candidate.name}: {error}")
                return None
            for entry in entries:
                if entry.marketId == market_id:
                    return entry
        return None

    # ---- stream ---------------------------------------------------------------------------
    def parse_line(self, line: str) -> list[MarketEvent]:
        head, sep, rest = line.partition(" ")
        if sep and head.isdigit():
            line = rest  # `pythia record` lines: "<receive ns> <message>"; time comes from pt
        events = self.parser.parse(line)
        for event in events:
            if isinstance(event, InstrumentDefinition):
                self.add_instrument(event.definition)
        return events

    def events(self) -> Iterator[MarketEvent]:
        """Yield every market event in file order; bad lines are counted in ``rejects``."""
        self.rejects = RejectCounter()
        self._found.clear()
        self._instruments.clear()
        self.parser = StreamParser(self._catalogue)
        for where, line in self.iter_records():
            try:
                parsed = self.parse_line(line)
            except MalformedMessage as error:
                self.rejects.add("malformed", f"{where}: {error}")
                continue
            except (DataError, msgspec.ValidationError) as error:
                self.rejects.add("invalid", f"{where}: {error}")
                continue
            yield from parsed

    @property
    def last_traded(self) -> dict[str, LastTraded]:
        return self.parser.last_traded

    @property
    def runner_definitions(self) -> dict[str, RunnerInfo]:
        return self.parser.runners

    @property
    def market_definitions(self) -> dict[str, MarketDefinition]:
        return self.parser.definitions


def read_capture(paths: list[Path], catalogues: Sequence[Path] = ()) -> BetfairCaptureSource:
    """Return a reader over Betfair stream files, read in order as one stream."""
    return BetfairCaptureSource([Path(p) for p in paths], catalogues)
