"""Tables of the Parquet catalog: Arrow schemas and exact row codecs for every market event.

Each event table has a :class:`TableSpec`: its schema, ``encode(seq_no, event) -> row`` (a
tuple in column order) and ``decode(row) -> event``. Integers stay int64 units; enums are
stored by value; tuples become lists. ``decode(encode(n, e)) == e`` for every event.
Instruments and outcome groups share one wide row layout (:data:`INSTRUMENT_FIELDS`); columns
a record type does not use are null.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pythia.core.errors import DataError
from pythia.model.enums import MarketState, Side
from pythia.model.events import (
    NO_SEQUENCE,
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketStatus,
    Resolution,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import (
    CryptoPerpetual,
    CryptoSpot,
    GroupKind,
    Instrument,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
)
from pythia.model.ticks import TickScheme

INT = pa.int64()
STR = pa.string()
BOOL = pa.bool_()
INT_LIST = pa.list_(pa.int64())
STR_LIST = pa.list_(pa.string())
TICK_BANDS = pa.list_(pa.struct([("from_price", INT), ("tick", INT)]))

EVENT_PREFIX = [("seq_no", INT), ("ts_event_ns", INT), ("ts_recv_ns", INT)]
"""Leading columns of every event table: stream position, venue time, receive time."""

# --- instruments ---------------------------------------------------------------------------

RECORD_TYPES: dict[str, type] = {
    "instrument": Instrument,
    "outcome_token": OutcomeToken,
    "crypto_spot": CryptoSpot,
    "crypto_perpetual": CryptoPerpetual,
    "outcome_group": OutcomeGroup,
}
_RECORD_TYPE_OF = {cls: name for name, cls in RECORD_TYPES.items()}

INSTRUMENT_FIELDS: list[tuple[str, pa.DataType]] = [
    ("record_type", STR),
    ("id", STR),
    ("venue", STR),
    ("symbol", STR),
    ("kind", STR),
    ("price_decimals", INT),
    ("size_decimals", INT),
    ("tick_bands", TICK_BANDS),
    ("price_min", INT),
    ("price_max", INT),
    ("min_size", INT),
    ("quote_currency", STR),
    ("price_space", STR),
    ("bounded", BOOL),
    ("market_id", STR),
    ("outcome", STR),
    ("complement_id", STR),
    ("group_id", STR),
    ("base_currency", STR),
    ("settle_currency", STR),
    ("contract_size", STR),
    ("instrument_ids", STR_LIST),
    ("number_of_winners", INT),
    ("augmented", BOOL),
    ("title", STR),
    ("convert_fee_bips", INT),
    ("names", STR_LIST),
]
_INSTRUMENT_COLUMNS = [name for name, _ in INSTRUMENT_FIELDS]
_TICK_COLUMNS = ("tick_bands", "price_min", "price_max")
INSTRUMENTS_SCHEMA = pa.schema(INSTRUMENT_FIELDS)


def _check_field_coverage() -> None:
    """Fail at import if a model class gained a field the table cannot store."""
    for cls in RECORD_TYPES.values():
        for f in dataclasses.fields(cls):
            if f.name != "ticks" and f.name not in _INSTRUMENT_COLUMNS:
                raise TypeError(f"catalog has no column for {cls.__name__}.{f.name}")


_check_field_coverage()


def _to_column(value: Any) -> Any:
    if isinstance(value, InstrumentKind | GroupKind | PriceSpace):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def encode_instrument(definition: Instrument | OutcomeGroup) -> tuple:
    """Return the instruments-table row of an instrument or group (columns in schema order)."""
    record_type = _RECORD_TYPE_OF.get(type(definition))
    if record_type is None:
        raise DataError(f"the catalog cannot store {type(definition).__name__} {definition!r}")
    values: dict[str, Any] = {"record_type": record_type}
    for f in dataclasses.fields(definition):
        value = getattr(definition, f.name)
        if f.name == "ticks":
            values["tick_bands"] = [{"from_price": s, "tick": t} for s, t in value.bands]
            values["price_min"] = value.price_min
            values["price_max"] = value.price_max
        else:
            values[f.name] = _to_column(value)
    return tuple(values.get(name) for name in _INSTRUMENT_COLUMNS)


def decode_instrument(row: tuple | list) -> Instrument | OutcomeGroup:
    """Rebuild the frozen instrument or group of an instruments-table row."""
    values = dict(zip(_INSTRUMENT_COLUMNS, row, strict=True))
    cls = RECORD_TYPES.get(values["record_type"])
    if cls is None:
        raise DataError(f"unknown instrument record type {values['record_type']!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name == "ticks":
            bands = tuple((band["from_price"], band["tick"]) for band in values["tick_bands"])
            kwargs["ticks"] = TickScheme(bands, values["price_min"], values["price_max"])
        elif f.name == "kind":
            kind_enum = GroupKind if cls is OutcomeGroup else InstrumentKind
            kwargs["kind"] = kind_enum(values["kind"])
        elif f.name == "price_space":
            kwargs["price_space"] = PriceSpace(values["price_space"])
        elif f.name in ("instrument_ids", "names"):
            kwargs[f.name] = tuple(values[f.name])
        else:
            kwargs[f.name] = values[f.name]
    return cls(**kwargs)


# --- event tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """One event table: schema, row encoder and row decoder (row[0] is ``seq_no``)."""

    name: str
    schema: pa.Schema
    encode: Callable[[int, Any], tuple]
    decode: Callable[[tuple], Any]
    filter_column: str | None = None
    """The instrument id column used by instrument filters, if any."""


def _split(levels: tuple) -> tuple[list[int], list[int]]:
    return [price for price, _ in levels], [size for _, size in levels]


def _join(prices: list[int], sizes: list[int]) -> tuple:
    if len(prices) != len(sizes):
        raise DataError(f"book level lists differ in length: {len(prices)} != {len(sizes)}")
    return tuple(zip(prices, sizes, strict=True))


def _encode_book(seq_no: int, e: BookSnapshot | BookDelta) -> tuple:
    bid_prices, bid_sizes = _split(e.bids)
    ask_prices, ask_sizes = _split(e.asks)
    if e.__class__ is BookSnapshot:
        flags = (True, False, e.sequence, NO_SEQUENCE, NO_SEQUENCE)
    else:
        flags = (False, e.increment, e.sequence, e.first_sequence, e.prev_sequence)
    return (
        (seq_no, e.ts_event_ns, e.ts_recv_ns, e.instrument_id)
        + flags
        + (bid_prices, bid_sizes, ask_prices, ask_sizes)
    )


def _decode_book(row: tuple) -> BookSnapshot | BookDelta:
    _, ts_event, ts_recv, iid, is_snapshot, increment, seq, first, prev, bp, bs, ap, asz = row
    bids, asks = _join(bp, bs), _join(ap, asz)
    if is_snapshot:
        return BookSnapshot(iid, bids, asks, ts_event, ts_recv, seq)
    return BookDelta(iid, bids, asks, ts_event, ts_recv, seq, first, prev, increment)


def _encode_top(seq_no: int, e: TopOfBook) -> tuple:
    return (seq_no, e.ts_event_ns, e.ts_recv_ns, e.instrument_id, e.bid_price, e.bid_size,
            e.ask_price, e.ask_size, e.sequence)  # fmt: skip


def _decode_top(row: tuple) -> TopOfBook:
    _, ts_event, ts_recv, iid, bid_price, bid_size, ask_price, ask_size, seq = row
    return TopOfBook(iid, bid_price, bid_size, ask_price, ask_size, ts_event, ts_recv, seq)


def _encode_trade(seq_no: int, e: Trade) -> tuple:
    aggressor = None if e.aggressor is None else e.aggressor.value
    return (seq_no, e.ts_event_ns, e.ts_recv_ns, e.instrument_id, e.price, e.size, aggressor,
            e.trade_id)  # fmt: skip


def _decode_trade(row: tuple) -> Trade:
    _, ts_event, ts_recv, iid, price, size, aggressor, trade_id = row
    side = None if aggressor is None else Side(aggressor)
    return Trade(iid, price, size, side, trade_id, ts_event, ts_recv)


def _encode_tick_change(seq_no: int, e: TickSizeChange) -> tuple:
    return (seq_no, e.ts_event_ns, e.ts_recv_ns, e.instrument_id, e.old_tick, e.new_tick)


def _decode_tick_change(row: tuple) -> TickSizeChange:
    _, ts_event, ts_recv, iid, old_tick, new_tick = row
    return TickSizeChange(iid, old_tick, new_tick, ts_event, ts_recv)


def _encode_status(seq_no: int, e: MarketStatus) -> tuple:
    return (seq_no, e.ts_event_ns, e.ts_recv_ns, e.market_id, e.instrument_id, e.state.value,
            e.in_play)  # fmt: skip


def _decode_status(row: tuple) -> MarketStatus:
    _, ts_event, ts_recv, market_id, iid, state, in_play = row
    return MarketStatus(market_id, MarketState(state), ts_event, ts_recv, iid, in_play)


def _encode_resolution(seq_no: int, e: Resolution) -> tuple:
    return (seq_no, e.ts_event_ns, e.ts_recv_ns, e.market_id, list(e.winners), list(e.losers),
            list(e.removed))  # fmt: skip


def _decode_resolution(row: tuple) -> Resolution:
    _, ts_event, ts_recv, market_id, winners, losers, removed = row
    return Resolution(market_id, tuple(winners), tuple(losers), ts_event, ts_recv, tuple(removed))


def _encode_definition(seq_no: int, e: InstrumentDefinition) -> tuple:
    return (seq_no, e.ts_event_ns, e.ts_recv_ns) + encode_instrument(e.definition)


def _decode_definition(row: tuple) -> InstrumentDefinition:
    return InstrumentDefinition(decode_instrument(row[3:]), row[1], row[2])


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(EVENT_PREFIX + list(fields))


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "book",
            _schema(
                ("instrument_id", STR),
                ("is_snapshot", BOOL),
                ("increment", BOOL),
                ("sequence", INT),
                ("first_sequence", INT),
                ("prev_sequence", INT),
                ("bid_prices", INT_LIST),
                ("bid_sizes", INT_LIST),
                ("ask_prices", INT_LIST),
                ("ask_sizes", INT_LIST),
            ),  # fmt: skip
            _encode_book,
            _decode_book,
            "instrument_id",
        ),
        TableSpec(
            "tops",
            _schema(
                ("instrument_id", STR),
                ("bid_price", INT),
                ("bid_size", INT),
                ("ask_price", INT),
                ("ask_size", INT),
                ("sequence", INT),
            ),  # fmt: skip
            _encode_top,
            _decode_top,
            "instrument_id",
        ),
        TableSpec(
            "trades",
            _schema(
                ("instrument_id", STR),
                ("price", INT),
                ("size", INT),
                ("aggressor", STR),
                ("trade_id", STR),
            ),  # fmt: skip
            _encode_trade,
            _decode_trade,
            "instrument_id",
        ),
        TableSpec(
            "tick_changes",
            _schema(("instrument_id", STR), ("old_tick", INT), ("new_tick", INT)),
            _encode_tick_change,
            _decode_tick_change,
            "instrument_id",
        ),
        TableSpec(
            "status",
            _schema(("market_id", STR), ("instrument_id", STR), ("state", STR), ("in_play", BOOL)),
            _encode_status,
            _decode_status,
            "instrument_id",
        ),
        TableSpec(
            "resolutions",
            _schema(
                ("market_id", STR),
                ("winners", STR_LIST),
                ("losers", STR_LIST),
                ("removed", STR_LIST),
            ),  # fmt: skip
            _encode_resolution,
            _decode_resolution,
        ),
        TableSpec(
            "definitions",
            _schema(*INSTRUMENT_FIELDS),
            _encode_definition,
            _decode_definition,
            "id",
        ),
    )
}

TABLE_OF_EVENT: dict[type, str] = {
    BookSnapshot: "book",
    BookDelta: "book",
    TopOfBook: "tops",
    Trade: "trades",
    TickSizeChange: "tick_changes",
    MarketStatus: "status",
    Resolution: "resolutions",
    InstrumentDefinition: "definitions",
}
"""Which table holds each event type (snapshots and deltas share ``book``)."""

INSTRUMENTS_TABLE = "instruments"
