"""Betfair Exchange: stream API wire structs, parser, odds ladder and capture reader.

- :mod:`.ladder`: the CLASSIC odds ladder as a ``TickScheme`` (odds in units of 0.01).
- :mod:`.wire`: msgspec structs of the stream JSON (``mcm`` market change messages).
- :mod:`.parse`: pure conversions from wire structs to units, instruments and groups.
- :mod:`.stream`: :class:`StreamParser`, the market cache turning messages into events.
- :mod:`.capture`: :func:`read_capture` over recorded stream files.
"""

from pythia.venues.betfair.capture import BetfairCaptureSource, read_capture
from pythia.venues.betfair.ladder import BETFAIR_LADDER, format_odds, odds_to_units
from pythia.venues.betfair.parse import group_id, runner_key, token_id
from pythia.venues.betfair.stream import BookSource, LastTraded, StreamParser

__all__ = [
    "BETFAIR_LADDER",
    "BetfairCaptureSource",
    "BookSource",
    "LastTraded",
    "StreamParser",
    "format_odds",
    "group_id",
    "odds_to_units",
    "read_capture",
    "runner_key",
    "token_id",
]
