"""Pairing markets across venues: the reusable core of ``pythia match``.

:func:`match_markets` takes two lists of :class:`~pythia.model.descriptions.MarketDescription`
and suggests one-to-one pairs of the same proposition for a person to confirm. Titles are
normalised (:func:`normalise_title`) and scored with rapidfuzz as the mean of
``token_set_ratio`` and ``token_sort_ratio`` (0..100):

- ``token_set_ratio`` ignores word order and words only one title has, so a paraphrase
  ("win the 2028 Democratic presidential nomination" / "be the 2028 Democratic presidential
  nominee") scores high; alone it gives 100 to "Will Trump win?" against "Will Trump win
  Pennsylvania?";
- ``token_sort_ratio`` compares the whole sorted word lists, so words only one title has
  cost points; the mean puts that Trump pair below 80 instead of at 100. ``WRatio`` is not
  used: its partial-match step rewards one title being part of the other in the same way.

Numbers and dates decide a proposition, so a pair whose titles' number and month tokens
conflict (neither title's set holds the other's: "before 2050" / "before 2030", "March" /
"April") is never suggested, whatever its score. Pairs scoring at least ``min_score`` are
assigned greedily, best score first (ties by market ids), each market at most once. End dates
further apart than ``max_days`` drop a pair unless ``keep_date_mismatch``; every suggested
pair carries the warnings a person must read (:func:`pair_warnings`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import numpy as np
from rapidfuzz import fuzz, process

from pythia.core.clock import NS_PER_S, ns_to_datetime
from pythia.model.descriptions import MarketDescription

DEFAULT_MIN_SCORE = 80.0
DEFAULT_MAX_DAYS = 3.0
RULES_MIN_SIMILARITY = 70.0
"""Rules texts less alike than this (:func:`similarity` of the normalised texts) are flagged:
a text holding the other plus clauses of its own scores low, as it should."""
NS_PER_DAY = 86_400 * NS_PER_S
SLUG_LENGTH = 60

STOP_WORDS = frozenset(
    "a an the it will would be is are was were does do did of to in on at for this that".split()
)
"""Words that carry no proposition; "before", "after", "above", "not", "by" and the like stay."""
MONTHS = {
    "january": "jan",
    "february": "feb",
    "march": "mar",
    "april": "apr",
    "june": "jun",
    "july": "jul",
    "august": "aug",
    "september": "sep",
    "sept": "sep",
    "october": "oct",
    "november": "nov",
    "december": "dec",
}
MONTH_TOKENS = frozenset(MONTHS.values()) | {"may"}

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_THOUSAND_SUFFIX = re.compile(r"(\d+(?:\.\d+)?)k\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_PUNCTUATION = re.compile(r"[^\w\s.]|_")
_LOOSE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_BARE_URL = re.compile(r"[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)
"""A URL without its scheme: ``www.bls.gov/cpi``, ``data.chain.link/streams/btc-usd``."""


def normalise_title(text: str) -> str:
    """Lower-case words without punctuation or stop words; numbers and dates kept.

    ``$100,000`` and ``$100k`` become ``100000``, ``1st`` becomes ``1``, month names their
    three-letter form, decimals keep their point.

    >>> normalise_title("Will BTC close above $100k on August 1st, 2026?")
    'btc close above 100000 aug 1 2026'
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _THOUSANDS.sub("", text)
    text = _THOUSAND_SUFFIX.sub(_thousands, text)
    text = _ORDINAL.sub(r"\1", text)
    text = _LOOSE_DOT.sub(" ", _PUNCTUATION.sub(" ", text))
    words = (MONTHS.get(word, word) for word in text.split())
    return " ".join(word for word in words if word not in STOP_WORDS)


def _thousands(found: re.Match[str]) -> str:
    """``1.5k`` -> ``1500`` (exact)."""
    return format((Decimal(found.group(1)) * 1000).normalize(), "f")


def _facts(normalised: str) -> frozenset[str]:
    """The tokens that pin a proposition down: numbers and months."""
    return frozenset(
        w for w in normalised.split() if w in MONTH_TOKENS or any(c.isdigit() for c in w)
    )


def facts_conflict(normalised_a: str, normalised_b: str) -> bool:
    """True when both titles name numbers or months and neither set holds the other."""
    a, b = _facts(normalised_a), _facts(normalised_b)
    return bool(a) and bool(b) and not (a <= b or b <= a)


def similarity(normalised_a: str, normalised_b: str) -> float:
    """Mean of ``token_set_ratio`` and ``token_sort_ratio`` (0..100; see the module docstring)."""
    if not normalised_a or not normalised_b:
        return 0.0
    by_set = fuzz.token_set_ratio(normalised_a, normalised_b)
    return (by_set + fuzz.token_sort_ratio(normalised_a, normalised_b)) / 2


def title_scores(titles_a: list[str], titles_b: list[str]) -> np.ndarray:
    """:func:`similarity` of every normalised title of A to every one of B, as a matrix."""
    if not titles_a or not titles_b:
        return np.zeros((len(titles_a), len(titles_b)))
    by_set = process.cdist(titles_a, titles_b, scorer=fuzz.token_set_ratio, dtype=np.float64)
    by_sort = process.cdist(titles_a, titles_b, scorer=fuzz.token_sort_ratio, dtype=np.float64)
    scores = (by_set + by_sort) / 2
    scores[[not t for t in titles_a], :] = 0.0  # a title of stop words only matches nothing
    scores[:, [not t for t in titles_b]] = 0.0
    return scores


@dataclass(frozen=True, slots=True)
class SuggestedPair:
    """YES of ``a`` plus NO of ``b``, if a person confirms they are the same proposition."""

    id: str
    a: MarketDescription
    b: MarketDescription
    score: float
    days_apart: float | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    pairs: tuple[SuggestedPair, ...]
    unmatched_a: tuple[MarketDescription, ...]
    unmatched_b: tuple[MarketDescription, ...]
    dropped_by_date: int
    """Candidates that scored high enough but ended too far apart (not kept)."""


def days_apart(a: MarketDescription, b: MarketDescription) -> float | None:
    """Days between the two end dates, or None when either is unknown."""
    if a.end_ns is None or b.end_ns is None:
        return None
    return abs(a.end_ns - b.end_ns) / NS_PER_DAY


def match_markets(
    side_a: list[MarketDescription],
    side_b: list[MarketDescription],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    max_days: float = DEFAULT_MAX_DAYS,
    keep_date_mismatch: bool = False,
    rules_min_similarity: float = RULES_MIN_SIMILARITY,
) -> MatchResult:
    """Suggest one-to-one pairs between ``side_a`` and ``side_b`` (see the module docstring).

    Deterministic: the same lists give the same pairs, in the same order (best first).
    """
    titles_a = [normalise_title(d.title) for d in side_a]
    titles_b = [normalise_title(d.title) for d in side_b]
    scores = title_scores(titles_a, titles_b)
    candidates: list[tuple[float, str, str, int, int]] = []
    dropped_by_date = 0
    for i, j in np.argwhere(scores >= min_score):
        if facts_conflict(titles_a[i], titles_b[j]):
            continue
        apart = days_apart(side_a[i], side_b[j])
        if apart is not None and apart > max_days and not keep_date_mismatch:
            dropped_by_date += 1
            continue
        score = float(scores[i, j])
        candidates.append((-score, side_a[i].market_id, side_b[j].market_id, int(i), int(j)))
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    ids: set[str] = set()
    pairs: list[SuggestedPair] = []
    for negative_score, _, _, i, j in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        a, b = side_a[i], side_b[j]
        pair_id = _unique_slug(titles_a[i], b.market_id, ids)
        apart = days_apart(a, b)
        warnings = pair_warnings(a, b, max_days, rules_min_similarity)
        pairs.append(SuggestedPair(pair_id, a, b, -negative_score, apart, tuple(warnings)))
    return MatchResult(
        tuple(pairs),
        tuple(d for k, d in enumerate(side_a) if k not in used_a),
        tuple(d for k, d in enumerate(side_b) if k not in used_b),
        dropped_by_date,
    )


def slug(text: str) -> str:
    """``"Will BTC hit $100k?"`` -> ``"will-btc-hit-100k"`` (ASCII, at most 60 characters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(words) > SLUG_LENGTH:
        words = words[:SLUG_LENGTH].rsplit("-", 1)[0]
    return words or "pair"


def _unique_slug(normalised_title: str, b_market_id: str, taken: set[str]) -> str:
    """The title's slug; on a clash, with B's market id appended (deterministic)."""
    candidate = slug(normalised_title)
    if candidate in taken:
        candidate = f"{candidate}-{slug(b_market_id)}"
    taken.add(candidate)
    return candidate


# ---- warnings ----------------------------------------------------------------------------------
def pair_warnings(
    a: MarketDescription,
    b: MarketDescription,
    max_days: float = DEFAULT_MAX_DAYS,
    rules_min_similarity: float = RULES_MIN_SIMILARITY,
) -> list[str]:
    """What a person must check before confirming a pair, each line naming the fields.

    ``dates: ...`` (an end date missing, or further apart than ``max_days``),
    ``sources: ...`` (one venue names no resolution source, or they name other pages or
    sites) and ``rules: ...`` (one venue has no rules text, or the texts are not alike).
    """
    return [
        *_date_warnings(a, b, max_days),
        *_source_warnings(a, b),
        *_rules_warnings(a, b, rules_min_similarity),
    ]


def _date_warnings(a: MarketDescription, b: MarketDescription, max_days: float) -> list[str]:
    missing = [d.venue for d in (a, b) if d.end_ns is None]
    if missing:
        return [f"dates: no end date on {' or '.join(missing)}; check when each market ends"]
    apart = days_apart(a, b)
    if apart is not None and apart > max_days:
        return [
            f"dates: end dates {apart:.1f} days apart ({a.venue} {a.end_field} {end_text(a)},"
            f" {b.venue} {b.end_field} {end_text(b)})"
        ]
    return []


def _source_key(source: str) -> tuple[str, str]:
    """(site, page) of a resolution source: a URL's host and path, else the lower-case name."""
    text = source.strip()
    if "://" in text or _BARE_URL.match(text):
        parts = urlsplit(text if "://" in text else f"https://{text}")
        host = (parts.hostname or "").removeprefix("www.")
        return host, f"{host}{parts.path.rstrip('/')}"
    return text.lower(), text.lower()


def _source_warnings(a: MarketDescription, b: MarketDescription) -> list[str]:
    if not a.sources and not b.sources:
        return []
    for missing, named in ((a, b), (b, a)):
        if not missing.sources:
            return [
                f"sources: {missing.venue} names no resolution source; {named.venue}"
                f" {named.sources_field}: {', '.join(named.sources)}"
            ]
    keys_a = [_source_key(s) for s in a.sources]
    keys_b = [_source_key(s) for s in b.sources]
    if {page for _, page in keys_a} == {page for _, page in keys_b}:
        return []
    same_site = {site for site, _ in keys_a} == {site for site, _ in keys_b}
    what = "same site, other pages" if same_site else "differ"
    return [
        f"sources: {what}: {a.venue} {a.sources_field} {', '.join(a.sources)}"
        f" vs {b.venue} {b.sources_field} {', '.join(b.sources)}"
    ]


def _rules_warnings(a: MarketDescription, b: MarketDescription, min_similarity: float) -> list[str]:
    for missing, other in ((a, b), (b, a)):
        if not missing.rules:
            present = f"; read {other.venue} {other.rules_field}" if other.rules else ""
            return [f"rules: {missing.venue} has no rules text{present}"]
    alike = similarity(normalise_title(a.rules), normalise_title(b.rules))
    if alike >= min_similarity:
        return []
    return [
        f"rules: {a.venue} {a.rules_field} and {b.venue} {b.rules_field} differ"
        f" (similarity {alike:.0f} < {min_similarity:.0f}); compare them by hand"
    ]


def end_text(description: MarketDescription) -> str | None:
    """The end as ``2026-03-28T14:00:00Z`` (UTC, whole seconds), or None."""
    if description.end_ns is None:
        return None
    return ns_to_datetime(description.end_ns).strftime("%Y-%m-%dT%H:%M:%SZ")
