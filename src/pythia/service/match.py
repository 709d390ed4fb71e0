"""``pythia match --snapshot DIR``: suggest Polymarket-Kalshi pairs for a ``pairs.toml``.

Reads the markets of a ``pythia scan`` snapshot directory (see :mod:`pythia.service.scan`)
with the scan's file readers and the venue parsers:

- side A, ``events/*.json``: Gamma events with their markets, or bare Gamma markets
  (:func:`pythia.venues.polymarket.markets.describe_gamma_market`);
- side B, ``kalshi/*.json``: Kalshi ``market``, ``markets`` and ``event`` answers
  (:func:`pythia.venues.kalshi.parse.describe_market`), with the settlement sources of
  ``series`` answers (``GET /series/{ticker}``) for the markets of their events. A market's
  series is its event's ``series_ticker`` where an ``event`` answer gives it, else the event
  ticker up to its first ``-`` (Kalshi's naming: event ``KXELONMARS-99``, series
  ``KXELONMARS``).

Files that cannot be used are problems (as in the scan) and are skipped; a directory with no
market on one of the sides is a ``ConfigError``. :func:`suggest_pairs` pairs the two sides
(:mod:`pythia.service.match_core`); :func:`match_report` renders the result as JSON and
:func:`pairs_toml` as a ``pairs.toml`` a person reviews before the scan trades it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pythia.core.errors import ConfigError, DataError
from pythia.model.descriptions import MarketDescription
from pythia.service.match_core import (
    DEFAULT_MAX_DAYS,
    DEFAULT_MIN_SCORE,
    MatchResult,
    SuggestedPair,
    end_text,
    match_markets,
)
from pythia.service.scan import JSON_SUFFIXES, Problem, Snapshot, _files, read_json
from pythia.service.scan_venues import kalshi_answers, kalshi_documents
from pythia.venues.kalshi import parse as kalshi
from pythia.venues.kalshi import wire as kalshi_wire
from pythia.venues.polymarket import markets as pm_markets
from pythia.venues.polymarket import wire as pm_wire


@dataclass(frozen=True, slots=True)
class SnapshotMarkets:
    """The markets of both sides of a snapshot, and the files that could not be used."""

    polymarket: list[MarketDescription] = field(default_factory=list)
    kalshi: list[MarketDescription] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)


def read_markets(directory: Path | str, require_both: bool = True) -> SnapshotMarkets:
    """Describe every Polymarket and Kalshi market of a snapshot directory.

    ``ConfigError`` when the directory is missing or either side has no market; problems
    (malformed files, invalid events or markets) are listed, never raised.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"no such snapshot directory: {root}")
    sink = Snapshot(root)  # collects problems and counts the way the scan reports them
    polymarket: dict[str, MarketDescription] = {}
    for path in _files(root / "events", JSON_SUFFIXES):
        _read_gamma(sink, path, polymarket)
    kalshi_markets = _read_kalshi(sink, _files(root / "kalshi", JSON_SUFFIXES))
    found = SnapshotMarkets(list(polymarket.values()), kalshi_markets, sink.problems, sink.loaded)
    if not require_both and (found.polymarket or found.kalshi):
        return found
    for venue, where, described in (
        ("Polymarket", "events/*.json", found.polymarket),
        ("Kalshi", "kalshi/*.json", found.kalshi),
    ):
        if not described:
            raise ConfigError(f"nothing to pair in {root}: no {venue} market in {where}")
    return found


def _read_gamma(sink: Snapshot, path: Path, found: dict[str, MarketDescription]) -> None:
    document = read_json(sink, path)
    if document is None:
        return
    sink.loaded["events"] = sink.loaded.get("events", 0) + 1
    items = document if isinstance(document, list) else [document]
    name = path.relative_to(sink.root).as_posix()
    for index, item in enumerate(items):
        where = f"{name}[{index}]" if isinstance(document, list) else name
        try:
            message = pm_wire.to_wire(item)
            if isinstance(message, pm_wire.GammaEvent):
                described = [pm_markets.describe_gamma_market(m, message) for m in message.markets]
            elif isinstance(message, pm_wire.GammaMarket):
                described = [pm_markets.describe_gamma_market(message)]
            else:
                raise DataError(f"not a Gamma event or market: {type(message).__name__}")
        except DataError as error:
            sink.problem(where, "invalid_event", error)
            continue
        found.update((d.market_id, d) for d in described)  # a market seen again: the later wins


def _read_kalshi(sink: Snapshot, paths: list[Path]) -> list[MarketDescription]:
    """Describe every Kalshi market, each with its series' settlement sources."""
    markets: dict[str, tuple[Path, kalshi_wire.Market]] = {}
    series: dict[str, kalshi_wire.Series] = {}
    series_of_event: dict[str, str] = {}
    for path, document in kalshi_documents(sink, paths):
        for answer in _series_answers(document):
            try:
                found = msgspec.convert(answer, kalshi_wire.Series, strict=False)
            except msgspec.ValidationError as error:
                sink.problem(path, "invalid_kalshi", f"series: {error}")
                continue
            series[found.ticker] = found
        for name, answer in kalshi_answers(document):
            try:
                for market in _kalshi_markets(answer, series_of_event):
                    markets[market.ticker] = (path, market)
            except msgspec.ValidationError as error:
                sink.problem(path, "invalid_kalshi", f"{name or 'answer'}: {error}")
    described: list[MarketDescription] = []
    for ticker, (path, market) in sorted(markets.items()):
        event = market.event_ticker
        series_ticker = series_of_event.get(event) or event.partition("-")[0]
        try:
            described.append(kalshi.describe_market(market, series.get(series_ticker)))
        except DataError as error:
            sink.problem(path, "invalid_kalshi", f"{ticker}: {error}")
    return described


def _series_answers(document: dict) -> list[dict]:
    """``series`` objects at the top level or in an answer under a request name."""
    holders = [document, *(v for k, v in document.items() if not k.startswith("_"))]
    return [
        h["series"] for h in holders if isinstance(h, dict) and isinstance(h.get("series"), dict)
    ]


def _kalshi_markets(answer: dict, series_of_event: dict[str, str]) -> list[kalshi_wire.Market]:
    """The markets of one answer; an ``event`` answer also records its series ticker."""
    markets: list[kalshi_wire.Market] = []
    if "event" in answer:
        response = msgspec.convert(answer, kalshi_wire.EventResponse, strict=False)
        event = response.event
        if event.series_ticker:
            series_of_event[event.event_ticker] = event.series_ticker
        markets.extend(response.markets or event.markets or [])
    elif "markets" in answer:
        markets.extend(msgspec.convert(answer, kalshi_wire.MarketsResponse, strict=False).markets)
    if "market" in answer:
        markets.append(msgspec.convert(answer["market"], kalshi_wire.Market, strict=False))
    return markets


# ---- pairing and output ------------------------------------------------------------------------
def suggest_pairs(
    found: SnapshotMarkets,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    max_days: float = DEFAULT_MAX_DAYS,
    keep_date_mismatch: bool = False,
) -> MatchResult:
    """Pair the snapshot's Polymarket markets (A) with its Kalshi markets (B)."""
    return match_markets(
        found.polymarket,
        found.kalshi,
        min_score=min_score,
        max_days=max_days,
        keep_date_mismatch=keep_date_mismatch,
    )


def pair_entry(pair: SuggestedPair) -> dict:
    """One suggestion, JSON-ready: ``yes_a`` + ``no_b`` pays 1 if the pair is right."""
    return {
        "id": pair.id,
        "score": round(pair.score, 1),
        "yes_a": pair.a.yes_id,
        "no_b": pair.b.no_id,
        "title_a": pair.a.title,
        "title_b": pair.b.title,
        "end_a": end_text(pair.a),
        "end_b": end_text(pair.b),
        "days_apart": None if pair.days_apart is None else round(pair.days_apart, 2),
        "warnings": list(pair.warnings),
    }


def match_report(result: MatchResult, venue_a: str = "polymarket", venue_b: str = "kalshi") -> dict:
    """``{"pairs": [...], "unmatched": {venue_a: n, venue_b: m, "dropped_by_date": k}}``."""
    return {
        "pairs": [pair_entry(pair) for pair in result.pairs],
        "unmatched": {
            venue_a: len(result.unmatched_a),
            venue_b: len(result.unmatched_b),
            "dropped_by_date": result.dropped_by_date,
        },
    }


PAIRS_HEADER = """\
# Cross-venue pairs SUGGESTED by `pythia match` ({settings}).
# NOT CONFIRMED. For each pair a person must check that both markets are the same
# proposition: same end date, same resolution source, same rules (read the warnings in
# `note`), and delete every pair that is not. `pythia scan --snapshot DIR` trades each pair
# this file lists as YES on `yes_a` plus NO on `no_b`, paying exactly 1 only if they match.
"""


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _one_line(text: str) -> str:
    """Text fit for a TOML comment: one line, no control characters."""
    printable = "".join(c if unicodedata.category(c) != "Cc" else " " for c in text)
    return " ".join(printable.split())


def pairs_toml(result: MatchResult, settings: str) -> str:
    """A ``pairs.toml`` (the scan's format) of every suggestion, its score and warnings in
    ``note``, under a header saying a person must confirm them; ``settings`` says how they
    were found (e.g. ``"--snapshot snap --min-score 80 --max-days 3"``)."""
    lines = [PAIRS_HEADER.format(settings=_one_line(settings))]
    for pair in result.pairs:
        note = f"suggested by pythia match, score {pair.score:.1f}, unconfirmed"
        if pair.warnings:
            note += "; warnings: " + " | ".join(pair.warnings)
        for side in (pair.a, pair.b):
            lines.append(f"# {side.venue}: {_one_line(side.title)} (ends {end_text(side)})")
        lines += [
            "[[pair]]",
            f"id = {_toml_string(pair.id)}",
            f"yes_a = {_toml_string(pair.a.yes_id)}",
            f"no_b = {_toml_string(pair.b.no_id)}",
            f"note = {_toml_string(_one_line(note))}",
            "",
        ]
    return "\n".join(lines)
