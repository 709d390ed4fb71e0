"""Row parsers for Tardis.dev normalized CSV files (the CSV counterpart of msgspec wire structs).

The header names the dataset: ``asks[0].price`` columns mean ``book_snapshot_<N>``,
``is_snapshot`` means ``incremental_book_L2``, ``id``+``side`` mean ``trades``, and
``ask_price``/``bid_price`` mean ``quotes``. :func:`layout_of` reads a header once;
:meth:`Layout.row` splits a line into a row struct of strings (values are not parsed here).
Tardis writes no quoted fields, so a row is a plain comma split; an empty field is a
missing value (a book side with fewer levels, a quote side that is empty).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import msgspec

from pythia.core.errors import DataError

RawLevel = tuple[str, str]


class Dataset(enum.Enum):
    BOOK_SNAPSHOT = "book_snapshot"
    INCREMENTAL_BOOK_L2 = "incremental_book_L2"
    TRADES = "trades"
    QUOTES = "quotes"


class SnapshotRow(msgspec.Struct, frozen=True):
    exchange: str
    symbol: str
    timestamp: str
    local_timestamp: str
    asks: tuple[RawLevel, ...]
    bids: tuple[RawLevel, ...]


class IncrementalRow(msgspec.Struct, frozen=True):
    exchange: str
    symbol: str
    timestamp: str
    local_timestamp: str
    is_snapshot: str
    side: str
    price: str
    amount: str


class TradeRow(msgspec.Struct, frozen=True):
    exchange: str
    symbol: str
    timestamp: str
    local_timestamp: str
    id: str
    side: str
    price: str
    amount: str


class QuoteRow(msgspec.Struct, frozen=True):
    exchange: str
    symbol: str
    timestamp: str
    local_timestamp: str
    ask_amount: str
    ask_price: str
    bid_price: str
    bid_amount: str


Row = SnapshotRow | IncrementalRow | TradeRow | QuoteRow

_COMMON = ("exchange", "symbol", "timestamp", "local_timestamp")
_FLAT = {
    Dataset.INCREMENTAL_BOOK_L2: (IncrementalRow, ("is_snapshot", "side", "price", "amount")),
    Dataset.TRADES: (TradeRow, ("id", "side", "price", "amount")),
    Dataset.QUOTES: (QuoteRow, ("ask_amount", "ask_price", "bid_price", "bid_amount")),
}
_LEVEL = re.compile(r"^(asks|bids)\[(\d+)\]\.(price|amount)$")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each field sits in a row of one file."""

    dataset: Dataset
    width: int
    common: tuple[int, ...]
    fields: tuple[int, ...] = ()
    ask_columns: tuple[tuple[int, int], ...] = ()
    bid_columns: tuple[tuple[int, int], ...] = ()

    @property
    def depth(self) -> int:
        """Levels a side of a ``book_snapshot_<N>`` row holds (N)."""
        return len(self.ask_columns)

    def split(self, line: str) -> list[str]:
        values = line.rstrip("\r\n").split(",")
        if len(values) != self.width:
            raise DataError(f"row has {len(values)} fields, header has {self.width}")
        return values

    def row(self, line: str) -> Row:
        """Split a data line into this layout's row struct."""
        values = self.split(line)
        common = [values[i] for i in self.common]
        if self.dataset is Dataset.BOOK_SNAPSHOT:
            return SnapshotRow(
                *common,
                asks=tuple((values[p], values[a]) for p, a in self.ask_columns),
                bids=tuple((values[p], values[a]) for p, a in self.bid_columns),
            )
        kind = _FLAT[self.dataset][0]
        return kind(*common, *(values[i] for i in self.fields))


def _index(names: list[str], wanted: tuple[str, ...]) -> tuple[int, ...]:
    missing = [name for name in wanted if name not in names]
    if missing:
        raise DataError(f"header lacks {', '.join(missing)}")
    return tuple(names.index(name) for name in wanted)


def layout_of(header: str) -> Layout:
    """Recognise a Tardis CSV header; ``DataError`` for any other dataset."""
    names = header.strip().split(",")
    common = _index(names, _COMMON)
    levels: dict[tuple[str, int], dict[str, int]] = {}
    for column, name in enumerate(names):
        match = _LEVEL.match(name)
        if match:
            levels.setdefault((match[1], int(match[2])), {})[match[3]] = column
    if levels:
        sides = []
        for side in ("asks", "bids"):
            count = sum(1 for s, _ in levels if s == side)
            try:
                sides.append(
                    tuple(
                        (levels[side, i]["price"], levels[side, i]["amount"]) for i in range(count)
                    )
                )
            except KeyError:
                raise DataError(f"book snapshot header has incomplete {side} columns") from None
        return Layout(Dataset.BOOK_SNAPSHOT, len(names), common, (), sides[0], sides[1])
    for dataset in (Dataset.INCREMENTAL_BOOK_L2, Dataset.TRADES, Dataset.QUOTES):
        fields = _FLAT[dataset][1]
        if all(name in names for name in fields):
            return Layout(dataset, len(names), common, _index(names, fields))
    raise DataError(f"not a known Tardis dataset header: {header.strip()[:120]!r}")
