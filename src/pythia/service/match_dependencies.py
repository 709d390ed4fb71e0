"""``pythia match --dependencies``: candidate *dependent* markets for a dependency file.

Combinatorial arbitrage needs the logical links between markets ("X wins the nomination"
and "X wins the election"); only a person can say which link holds. This suggests where to
look: every pair of markets (either venue, the same one included) whose titles are similar
(fuzzy score at least ``min_score``, no conflicting numbers or months) and whose end dates
are at most ``max_days`` apart, best first. The output is a dependency file of the
securities involved with every candidate as a **commented-out** constraint: a person picks
the relation (implies, excludes, ...) or deletes it, then ``pythia scan --dependencies``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pythia.model.descriptions import MarketDescription
from pythia.service.match import _one_line, _toml_string
from pythia.service.match_core import (
    days_apart,
    end_text,
    facts_conflict,
    normalise_title,
    title_scores,
)

DEFAULT_DEPENDENCY_SCORE = 60.0
MAX_CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class DependencyCandidate:
    a: MarketDescription
    b: MarketDescription
    score: float
    days_apart: float | None


def dependency_candidates(
    markets: list[MarketDescription],
    *,
    min_score: float = DEFAULT_DEPENDENCY_SCORE,
    max_days: float = 30.0,
    limit: int = MAX_CANDIDATES,
) -> list[DependencyCandidate]:
    """Pairs of distinct markets with similar titles and close end dates, best first."""
    titles = [normalise_title(m.title) for m in markets]
    scores = title_scores(titles, titles)
    found = []
    for i, j in np.argwhere(np.triu(scores, k=1) >= min_score):
        a, b = markets[i], markets[j]
        if a.yes_id == b.yes_id or facts_conflict(titles[i], titles[j]):
            continue
        apart = days_apart(a, b)
        if apart is not None and apart > max_days:
            continue
        found.append(DependencyCandidate(a, b, float(scores[i, j]), apart))
    found.sort(key=lambda c: (-c.score, c.a.yes_id, c.b.yes_id))
    return found[:limit]


def candidates_report(candidates: list[DependencyCandidate]) -> dict:
    return {
        "candidates": [
            {
                "a": c.a.yes_id,
                "b": c.b.yes_id,
                "title_a": c.a.title,
                "title_b": c.b.title,
                "score": round(c.score, 1),
                "days_apart": None if c.days_apart is None else round(c.days_apart, 2),
            }
            for c in candidates
        ]
    }


def dependencies_toml(candidates: list[DependencyCandidate], settings: str) -> str:
    """A dependency file to review: the securities, each candidate a commented constraint."""
    lines = [
        "# Candidate dependencies suggested by `pythia match --dependencies "
        f"{_one_line(settings)}`.",
        "# UNCONFIRMED: for each candidate below, uncomment it and choose the relation that",
        "# really holds (implies / excludes / ...), or delete it. Then:",
        "#   pythia scan --snapshot DIR --dependencies THIS_FILE",
        "",
    ]
    seen: dict[str, MarketDescription] = {}
    for candidate in candidates:
        for market in (candidate.a, candidate.b):
            seen.setdefault(market.yes_id, market)
    for yes_id, market in seen.items():
        lines += [
            "[[security]]",
            f"id = {_toml_string(yes_id)}",
            f"title = {_toml_string(_one_line(market.title))}",
            "",
        ]
    for candidate in candidates:
        apart = "?" if candidate.days_apart is None else f"{candidate.days_apart:.1f}"
        lines += [
            f"# candidate (score {candidate.score:.1f}, {apart} days apart):",
            f"#   a: {_one_line(candidate.a.title)} (ends {end_text(candidate.a)})",
            f"#   b: {_one_line(candidate.b.title)} (ends {end_text(candidate.b)})",
            "# [[constraint]]",
            '# kind = "implies"        # a implies b? or "excludes", or delete this candidate',
            f"# a = {_toml_string(candidate.a.yes_id)}",
            f"# b = {_toml_string(candidate.b.yes_id)}",
            "",
        ]
    return "\n".join(lines)
