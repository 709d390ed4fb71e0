"""What a person reads to tell whether two venues' markets are the same proposition.

A :class:`MarketDescription` is built by each venue's market parser from the venue's own
metadata (Polymarket Gamma markets, Kalshi market objects) and compared by ``pythia match``:
titles for similarity, end dates for closeness, resolution sources and rules for differences
a person must check before trading the two markets as one proposition. The ``*_field``
members name the venue fields the values came from, so a warning can say which to compare.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MarketDescription:
    """A binary market's identity and wording on its venue.

    Example: ``MarketDescription("kalshi", "KXELONMARS-99", "kalshi:KXELONMARS-99:yes",
    "kalshi:KXELONMARS-99:no", "Will Elon Musk visit Mars before Aug 1, 2099?", end_ns=...,
    end_field="close_time", rules="If Elon Musk visits Mars ...",
    rules_field="rules_primary")``.
    """

    venue: str
    market_id: str
    """The venue's own id of the market (Polymarket condition id, Kalshi ticker)."""
    yes_id: str
    """Pythia's instrument id of the token that pays if the title's proposition happens."""
    no_id: str
    """Pythia's instrument id of its complement."""
    title: str
    end_ns: int | None = None
    """When the market ends or closes (UTC nanoseconds); None when the venue does not say."""
    end_field: str = ""
    rules: str = ""
    """The resolution rules as the venue words them (several fields joined by a blank line)."""
    rules_field: str = ""
    sources: tuple[str, ...] = ()
    """Resolution sources the venue names (URLs where it gives them, else their names)."""
    sources_field: str = ""
