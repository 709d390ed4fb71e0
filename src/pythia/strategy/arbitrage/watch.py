"""Watch every outcome group as its definitions and books arrive: the arbitrage indexes of
a replay scan and of the arbitrage strategy.

Groups and tokens may be defined at any time (a Polymarket stream announces events between
book messages). :class:`GroupWatch` keeps them, and rebuilds its
:class:`~.index.ArbitrageIndex` objects (one per combination of "may sell short" and
commission rate, the two settings an index holds for all its groups) from the current books
whenever a definition changed, before the next evaluation. Market status events halt or
resume the groups of that market.

Venue conventions are the scanner's: books are used as the venue sends them
(``merge_native=False``: Polymarket books already mirror complementary orders, Kalshi books
hold bids only), and short baskets (split collateral, sell both) only where the venue splits
(:data:`SPLIT_VENUES`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pythia.book.base import OrderBook
from pythia.model.instruments import Instrument, OutcomeGroup, OutcomeToken
from pythia.strategy.arbitrage.index import ArbitrageIndex, CrossPair
from pythia.strategy.arbitrage.model import Opportunity, Rejected
from pythia.strategy.arbitrage.plan import FeeFor

SPLIT_VENUES = frozenset({"polymarket"})
"""Venues where 1 of collateral splits into YES + NO (a binary market can be sold short)."""


class GroupWatch:
    """The arbitrage indexes over every known group, rebuilt when definitions change.

    ``books`` is the live mapping of books by instrument id (missing books are absent or
    None). ``pairs`` are cross-venue pairs (one direction each), watched in an index of
    their own. ``commission_for(group)`` gives a group's commission in basis points of net
    winnings (Betfair's market base rate). ``options`` go to every index
    (``max_capital_micros``, ``min_profit_micros``, ``lot_for``).
    """

    def __init__(
        self,
        fee_for: FeeFor,
        books: Mapping[str, OrderBook],
        commission_for: Callable[[OutcomeGroup], int],
        pairs: Iterable[CrossPair | tuple[str, str, str]] = (),
        **options,
    ) -> None:
        self.pairs = [p if isinstance(p, CrossPair) else CrossPair(*p) for p in pairs]
        self.fee_for = fee_for
        self.books = books
        self.commission_for = commission_for
        self.options = options
        self.instruments: dict[str, Instrument] = {}
        self.groups: dict[str, OutcomeGroup] = {}
        self.halted: set[str] = set()
        self._indexes: list[ArbitrageIndex] = []
        self._index_of: dict[str, ArbitrageIndex] = {}
        self._readers: dict[str, list[str]] = {}
        self._dirty = True
        self._evaluations_before = 0

    # ---- definitions ---------------------------------------------------------------------
    def define(self, definition: Instrument | OutcomeGroup) -> bool:
        """Register (or update) a token or group; return whether anything changed."""
        if isinstance(definition, OutcomeGroup):
            if self.groups.get(definition.id) == definition:
                return False
            self.groups[definition.id] = definition
        else:
            if self.instruments.get(definition.id) == definition:
                return False
            self.instruments[definition.id] = definition
        self._dirty = True
        return True

    def _rebuild(self) -> None:
        self._evaluations_before += sum(index.evaluations for index in self._indexes)
        buckets: dict[tuple[bool, int], list[OutcomeGroup]] = {}
        for group in self.groups.values():
            key = (group.venue in SPLIT_VENUES, self.commission_for(group))
            buckets.setdefault(key, []).append(group)
        self._indexes, self._index_of, self._readers = [], {}, {}
        for (allow_short, commission), groups in buckets.items():
            index = ArbitrageIndex(
                self.instruments,
                groups,
                (),
                self.fee_for,
                books=self.books,
                merge_native=False,
                allow_short=allow_short,
                commission_bps=commission,
                halted=[g.id for g in groups if g.id in self.halted],
                **self.options,
            )
            self._indexes.append(index)
            for group in groups:
                self._index_of[group.id] = index
                for instrument_id in self.group_books(group):
                    self._readers.setdefault(instrument_id, []).append(group.id)
        if self.pairs:
            index = ArbitrageIndex(
                self.instruments,
                (),
                self.pairs,
                self.fee_for,
                books=self.books,
                merge_native=False,
                allow_short=False,
                halted=[p.id for p in self.pairs if p.id in self.halted],
                **self.options,
            )
            self._indexes.append(index)
            for pair in self.pairs:
                self._index_of[pair.id] = index
                for instrument_id in (pair.yes_id, pair.no_id):
                    complement = getattr(self.instruments.get(instrument_id), "complement_id", "")
                    for read in filter(None, (instrument_id, complement)):
                        self._readers.setdefault(read, []).append(pair.id)
        self._dirty = False

    def group_books(self, group: OutcomeGroup) -> list[str]:
        """The books a group reads: its members and their complements."""
        needed = list(group.instrument_ids)
        for instrument_id in group.instrument_ids:
            complement = getattr(self.instruments.get(instrument_id), "complement_id", None)
            if complement:
                needed.append(complement)
        return needed

    # ---- updates -------------------------------------------------------------------------
    def on_book(self, instrument_id: str) -> list[Opportunity]:
        """After a book changed: the current opportunities of every group reading it."""
        if self._dirty:
            self._rebuild()
        found: list[Opportunity] = []
        for index in self._indexes:
            found += index.on_book(instrument_id)
        return found

    def readers(self, instrument_id: str) -> list[str]:
        """Ids of the groups that read ``instrument_id``'s book."""
        if self._dirty:
            self._rebuild()
        return self._readers.get(instrument_id, [])

    def market_groups(self, market_id: str) -> list[str]:
        """Ids of the known groups with a token of market ``market_id``."""
        groups = {
            token.group_id
            for token in self.instruments.values()
            if isinstance(token, OutcomeToken) and token.market_id == market_id and token.group_id
        }
        return sorted(g for g in groups if g in self.groups)

    def set_halted(self, group_ids, halted: bool) -> dict[str, list[Opportunity]]:
        """Halt (or resume) groups; return each one's opportunities after the change."""
        for group_id in group_ids:
            (self.halted.add if halted else self.halted.discard)(group_id)
        if self._dirty:
            return {}  # the next rebuild reads self.halted
        result = {}
        for group_id in group_ids:
            index = self._index_of.get(group_id)
            if index is not None:
                result[group_id] = index.set_halted(group_id, halted)
        return result

    # ---- queries -------------------------------------------------------------------------
    @property
    def evaluations(self) -> int:
        """Group re-evaluations so far, across rebuilds."""
        return self._evaluations_before + sum(index.evaluations for index in self._indexes)

    def rejected(self) -> list[Rejected]:
        """The current rejections of every group."""
        if self._dirty:
            self._rebuild()
        rejected: list[Rejected] = []
        for index in self._indexes:
            rejected += index.all()[1]
        return rejected
