"""``pythia scan --snapshot DIR``: load venue data as it comes from the venues, find arbitrage.

A snapshot directory holds (every part optional but at least one must exist):

- ``events/*.json``: Gamma ``/events`` objects with their markets (one object or a list of
  them a file; bare Gamma markets are accepted too). Parsed with the Polymarket venue
  parsers into outcome tokens, one BINARY pair per market and a NEG_RISK group per negRisk
  event (``augmented`` when ``enableNegRisk`` and ``negRiskAugmented`` are both true). A
  market that is closed, inactive or not accepting orders halts its pair and its group.
- ``books/*.json``: CLOB ``GET /book`` answers (or WebSocket ``book`` events), one object or
  a list a file. ``tick_size`` and ``min_order_size`` update the token's rules. A book for a
  token no event defines is reported (``unknown_token``) and not scanned.
- ``kalshi/*.json`` and ``betfair/*``: see :mod:`pythia.service.scan_venues`.
- ``pairs.toml``: cross-venue pairs, ``[[pair]]`` tables with ``id``, ``yes_a`` and ``no_b``
  (instrument ids, e.g. ``polymarket:<token>`` and ``kalshi:<ticker>:no``) and ``note``.
- ``venues.toml``: venue profile settings, ``[polymarket] fee_rate = "0.04"`` (the keys of
  each venue's ``make_profile``); fees otherwise are the profiles' defaults (Polymarket
  rate 0, Kalshi 0.07 taker, Betfair the market's ``marketBaseRate``).

Malformed or invalid files are recorded in :attr:`Snapshot.problems` with the file name and
never stop the load. :func:`run_scan` evaluates every binary market, group and pair.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pythia.book import OrderBook, book_for
from pythia.core.errors import ConfigError, DataError
from pythia.core.fixed import MONEY_DECIMALS, parse_units
from pythia.model.instruments import GroupKind, Instrument, OutcomeGroup, OutcomeToken
from pythia.venues import profile_for
from pythia.venues.polymarket import markets as pm_markets
from pythia.venues.polymarket import parse as pm_parse
from pythia.venues.polymarket import wire as pm_wire

JSON_SUFFIXES = (".json", ".json.gz", ".json.bz2")
VENUE_PREFIXES = frozenset({"polymarket", "kalshi", "betfair"})


@dataclass(frozen=True, slots=True)
class Problem:
    """An input file (or part of one) that could not be used, and why."""

    file: str
    reason: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"file": self.file, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Pair:
    """A cross-venue pair: YES on ``yes_a`` plus NO on ``no_b`` pays exactly 1."""

    id: str
    yes_a: str
    no_b: str
    note: str = ""


@dataclass
class Snapshot:
    """Everything a scan needs: definitions, books, pairs, venue settings, and problems."""

    root: Path
    instruments: dict[str, Instrument] = field(default_factory=dict)
    groups: dict[str, OutcomeGroup] = field(default_factory=dict)
    """Exclusive groups with more than a YES/NO pair (negRisk events, series, WIN markets)."""
    binaries: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Binary market group id -> (YES instrument id, NO instrument id)."""
    books: dict[str, OrderBook] = field(default_factory=dict)
    pairs: list[Pair] = field(default_factory=list)
    halted: dict[str, str] = field(default_factory=dict)
    """Group (or binary market) id -> why it does not trade now."""
    commission_bps: dict[str, int] = field(default_factory=dict)
    """Group id -> settlement commission (Betfair ``marketBaseRate``)."""
    venue_ids: dict[str, str] = field(default_factory=dict)
    """Group id -> the venue's own id (Polymarket event id or condition id, Kalshi ticker,
    Betfair market id)."""
    venue_options: dict[str, dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)
    """Files read, by part (``events``, ``books``, ``kalshi``, ``betfair``, ``pairs``)."""

    def venue_id(self, group_id: str) -> str:
        """The venue's own id of a group or market (a pair's id stays as it is)."""
        found = self.venue_ids.get(group_id)
        return found if found is not None else venue_group_id(group_id)

    def problem(self, path: Path | str, reason: str, detail: object = "") -> None:
        name = path.relative_to(self.root).as_posix() if isinstance(path, Path) else path
        self.problems.append(Problem(str(name), reason, str(detail)))

    def add_definition(self, definition: Instrument | OutcomeGroup) -> None:
        """Register a token or group (a BINARY group becomes a YES/NO pair)."""
        if isinstance(definition, OutcomeGroup):
            if definition.kind is GroupKind.BINARY and len(definition.instrument_ids) == 2:
                self.binaries[definition.id] = _yes_no(definition, self.instruments)
            else:
                self.groups[definition.id] = definition
            return
        self.instruments[definition.id] = definition  # books are built after definitions

    def set_book(self, path: Path, instrument_id: str, apply: Callable[[OrderBook], None]):
        """Apply an update to the instrument's book (a fresh one); report what fails."""
        instrument = self.instruments[instrument_id]
        book = book_for(instrument)
        try:
            apply(book)
        except DataError as error:
            self.problem(path, "invalid_book", f"{instrument_id}: {error}")
            return
        if instrument_id in self.books:
            self.problem(path, "duplicate_book", f"{instrument_id}: the later file wins")
        self.books[instrument_id] = book

    def fee_for(self) -> Callable[[Instrument], object]:
        """The fee model of an instrument's venue (profile defaults + ``venues.toml``)."""
        cache: dict[str, object] = {}

        def fee_for(instrument: Instrument):
            model = cache.get(instrument.venue)
            if model is None:
                options = self.venue_options.get(instrument.venue, {})
                model = cache[instrument.venue] = profile_for(instrument.venue, **options).fee_model
            return model

        return fee_for


def venue_group_id(group_id: str) -> str:
    """Pythia's group id without the venue prefix: ``betfair:1.23`` -> ``1.23``,
    ``kalshi:event:KX`` -> ``KX``; other ids (pairs) unchanged."""
    venue, sep, rest = group_id.partition(":")
    if not sep or venue not in VENUE_PREFIXES:
        return group_id
    return rest.removeprefix("event:")


def _yes_no(group: OutcomeGroup, instruments: dict[str, Instrument]) -> tuple[str, str]:
    first, second = group.instrument_ids
    token = instruments.get(second)
    if isinstance(token, OutcomeToken) and token.outcome.lower() == "yes":
        return second, first
    return first, second


def parse_amount(text: str | None, what: str) -> int | None:
    """Parse a decimal amount of the quote currency exactly into micro-units (None: none)."""
    if text is None:
        return None
    try:
        micros = parse_units(text.strip(), MONEY_DECIMALS)
    except DataError as error:
        raise ConfigError(f"{what}: {error}") from None
    if micros < 0:
        raise ConfigError(f"{what} must not be negative: {text!r}")
    return micros


# ---- loading -----------------------------------------------------------------------------------
def load_snapshot(directory: Path | str) -> Snapshot:
    """Read a snapshot directory (see the module docstring); ``ConfigError`` if it is not one."""
    from pythia.service import scan_venues

    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"no such snapshot directory: {root}")
    parts = ("events", "books", "kalshi", "betfair", "pairs.toml", "venues.toml")
    if not any((root / part).exists() for part in parts):
        raise ConfigError(
            f"{root} is not a snapshot directory: expected events/, books/, kalshi/, betfair/"
            " or pairs.toml in it"
        )
    snapshot = Snapshot(root)
    _load_venue_options(snapshot, root / "venues.toml")
    for path in _files(root / "events", JSON_SUFFIXES):
        _load_events(snapshot, path)
    for path in _files(root / "books", JSON_SUFFIXES):
        _load_books(snapshot, path)
    scan_venues.load_kalshi(snapshot, _files(root / "kalshi", JSON_SUFFIXES))
    scan_venues.load_betfair(snapshot, _files(root / "betfair", None))
    _load_pairs(snapshot, root / "pairs.toml")
    return snapshot


def _files(folder: Path, suffixes: tuple[str, ...] | None) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and (suffixes is None or p.name.lower().endswith(suffixes))
    )


def read_json(snapshot: Snapshot, path: Path) -> object | None:
    """Decode a JSON file exactly (numbers as Decimal); report and return None if it fails."""
    from pythia.venues.capture import open_lines

    try:
        text = "".join(open_lines(path))
        return pm_wire.decode(text)
    except (DataError, OSError, UnicodeDecodeError, EOFError) as error:
        snapshot.problem(path, "malformed", error)
        return None


def _where(snapshot: Snapshot, path: Path, index: int, in_list: bool) -> str:
    """A file's name in the snapshot, with ``[index]`` for an item of a JSON list."""
    name = path.relative_to(snapshot.root).as_posix()
    return f"{name}[{index}]" if in_list else name


def _count(snapshot: Snapshot, part: str) -> None:
    snapshot.loaded[part] = snapshot.loaded.get(part, 0) + 1


def _load_events(snapshot: Snapshot, path: Path) -> None:
    document = read_json(snapshot, path)
    if document is None:
        return
    _count(snapshot, "events")
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        where = _where(snapshot, path, index, isinstance(document, list))
        try:
            message = pm_wire.to_wire(item)
            if isinstance(message, pm_wire.GammaEvent):
                markets, group = pm_markets.parse_gamma_event(message)
                wire_markets = message.markets
            elif isinstance(message, pm_wire.GammaMarket):
                markets, group = [pm_markets.parse_gamma_market(message)], None
                wire_markets = [message]
            else:
                raise DataError(f"not a Gamma event or market: {type(message).__name__}")
        except DataError as error:
            snapshot.problem(where, "invalid_event", error)
            continue
        closed: list[str] = []
        for wire_market, market in zip(wire_markets, markets, strict=True):
            for token in market.tokens:
                snapshot.add_definition(token)
            snapshot.add_definition(market.group)
            snapshot.venue_ids[market.group.id] = wire_market.condition_id
            reason = _halted_reason(wire_market)
            if reason:
                snapshot.halted[market.group.id] = reason
                closed.append(f"{wire_market.condition_id} {reason}")
        if group is not None:
            snapshot.add_definition(group)
            if isinstance(message, pm_wire.GammaEvent) and message.id:
                snapshot.venue_ids[group.id] = message.id
            if closed:
                snapshot.halted[group.id] = "market " + "; ".join(closed)


def _halted_reason(market: pm_wire.GammaMarket) -> str:
    if market.closed:
        return "closed"
    if market.active is False:
        return "inactive"
    if market.accepting_orders is False:
        return "not accepting orders"
    return ""


def _load_books(snapshot: Snapshot, path: Path) -> None:
    document = read_json(snapshot, path)
    if document is None:
        return
    _count(snapshot, "books")
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        where = _where(snapshot, path, index, isinstance(document, list))
        try:
            message = pm_wire.to_wire(item)
            if not isinstance(message, pm_wire.BookMessage):
                raise DataError(f"not a CLOB book: {type(message).__name__}")
            book = pm_parse.parse_book(message)
            info = pm_markets.parse_book_info(message)
        except DataError as error:
            snapshot.problem(where, "invalid_book", error)
            continue
        known = snapshot.instruments.get(book.instrument_id)
        if not isinstance(known, OutcomeToken):
            snapshot.problem(where, "unknown_token", f"{book.instrument_id}: no event defines it")
            continue
        try:
            token = pm_markets.token_from_book(info, known)
        except DataError as error:
            snapshot.problem(where, "invalid_book", error)
            continue
        if token is not None:
            snapshot.add_definition(token)
        snapshot.set_book(path, book.instrument_id, lambda b, s=book: b.apply_snapshot(s))


def _load_venue_options(snapshot: Snapshot, path: Path) -> None:
    if not path.is_file():
        return
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        snapshot.problem(path, "malformed", error)
        return
    for venue, options in raw.items():
        try:
            if not isinstance(options, dict):
                raise ConfigError(f"[{venue}] must be a table")
            profile_for(venue, **options)
        except ConfigError as error:
            snapshot.problem(path, "invalid_settings", error)
            continue
        snapshot.venue_options[venue] = options


def _load_pairs(snapshot: Snapshot, path: Path) -> None:
    if not path.is_file():
        return
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        snapshot.problem(path, "malformed", error)
        return
    _count(snapshot, "pairs")
    entries = raw.get("pair", [])
    if not isinstance(entries, list):
        snapshot.problem(path, "invalid_pair", "[[pair]] must be an array of tables")
        return
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        fields = (
            {k: entry.get(k) for k in ("id", "yes_a", "no_b")} if isinstance(entry, dict) else {}
        )
        if not fields or not all(isinstance(v, str) and v for v in fields.values()):
            snapshot.problem(
                path, "invalid_pair", f"pair {index}: needs id, yes_a and no_b strings"
            )
            continue
        if fields["id"] in seen:
            snapshot.problem(path, "invalid_pair", f"pair {fields['id']!r} is repeated")
            continue
        seen.add(fields["id"])
        note = entry.get("note", "")
        snapshot.pairs.append(Pair(fields["id"], fields["yes_a"], fields["no_b"], str(note)))


# ---- scanning ----------------------------------------------------------------------------------
def run_scan(
    snapshot: Snapshot,
    max_capital_micros: int | None = None,
    min_profit_micros: int = 0,
    dependencies=None,
) -> dict:
    """Scan every binary market, group and pair of ``snapshot``.

    Returns ``{"opportunities": [...], "rejected": [...]}`` (JSON-ready, decimal strings):
    one opportunity per group (or pair) and kind at its profit-maximising size, the most
    profitable first.
    """
    from pythia.service.scan_core import scan_all

    opportunities, rejected = scan_all(
        snapshot, max_capital_micros, min_profit_micros, dependencies
    )
    result = {
        "opportunities": [with_venue_id(snapshot, o.as_dict()) for o in opportunities],
        "rejected": [with_venue_id(snapshot, r.as_dict()) for r in rejected],
    }
    if dependencies is not None:
        from pythia.service.scan_core import project_prices

        result["projection"] = project_prices(snapshot, dependencies)
    return result


def with_venue_id(snapshot: Snapshot, entry: dict) -> dict:
    """Show the venue's own id as ``group`` and keep Pythia's id as ``group_id``."""
    group_id = entry["group"]
    return {**entry, "group": snapshot.venue_id(group_id), "group_id": group_id}
