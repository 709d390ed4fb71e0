"""Shared plumbing for venue capture readers: compressed files, line loops, reject counting."""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec

from pythia.core.counters import RejectCounter
from pythia.core.errors import DataError
from pythia.model.events import MarketEvent
from pythia.model.instruments import Instrument, OutcomeGroup


def open_lines(path: Path) -> Iterator[str]:
    """Yield the text lines of a plain, ``.gz``, ``.bz2`` or ``.zip`` file (every member)."""
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith("/"):
                    continue
                with archive.open(member) as raw:
                    yield from io.TextIOWrapper(raw, encoding="utf-8")
        return
    if name.endswith(".gz"):
        handle = gzip.open(path, "rt", encoding="utf-8")
    elif name.endswith(".bz2"):
        handle = bz2.open(path, "rt", encoding="utf-8")
    else:
        handle = open(path, encoding="utf-8")
    with handle:
        yield from handle


def read_json_file(path: Path) -> object:
    """Decode a whole JSON file (any compression); ``DataError`` if it is not JSON."""
    text = "".join(open_lines(path))
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        raise DataError(f"{path.name}: not JSON: {error}") from None


class CaptureSource:
    """Base of capture readers: several files read as one stream, bad lines counted.

    Subclasses implement :meth:`parse_line` (or override :meth:`iter_records`) and register
    instruments with :meth:`add_instrument`.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        missing = [str(p) for p in paths if not Path(p).exists()]
        if missing:
            raise DataError(f"no such file: {', '.join(missing)}")
        self.paths = [Path(p) for p in paths]
        self.rejects = RejectCounter()
        self._instruments: dict[str, Instrument | OutcomeGroup] = {}

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        return list(self._instruments.values())

    def instrument(self, instrument_id: str) -> Instrument | OutcomeGroup | None:
        return self._instruments.get(instrument_id)

    def add_instrument(self, definition: Instrument | OutcomeGroup) -> None:
        self._instruments[definition.id] = definition

    def iter_records(self) -> Iterator[tuple[str, str]]:
        """Yield ``(where, line)`` for every non-blank line of every file, in order."""
        for path in self.paths:
            for number, line in enumerate(open_lines(path), start=1):
                if line.strip():
                    yield f"{path.name}:{number}", line

    def parse_line(self, line: str) -> Iterable[MarketEvent]:
        """Turn one line of a capture into events; subclasses that read lines define it."""
        raise TypeError(f"{type(self).__name__} reads whole records, not lines")

    def events(self) -> Iterator[MarketEvent]:
        for where, line in self.iter_records():
            try:
                parsed = list(self.parse_line(line))
            except (DataError, msgspec.DecodeError, msgspec.ValidationError) as error:
                reason = "malformed" if isinstance(error, msgspec.DecodeError) else "invalid"
                self.rejects.add(reason, f"{where}: {error}")
                continue
            yield from parsed
