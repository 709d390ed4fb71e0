"""Combinatorial arbitrage: baskets across logically linked markets, exactly priced.

A dependency file (:mod:`pythia.opt.dependencies`) names securities (YES tokens on any
venue) and the constraints among them. :class:`CombinatorialWatch` turns the current order
books into the guaranteed-profit LP of :mod:`pythia.opt.lp` (constraint generation with the
IP oracle over valid outcomes) and the LP's trade into an :class:`~.model.Opportunity` of
kind ``combinatorial`` that the arbitrage strategy trades like any other basket.

Every leg **buys**, so nothing needs shorting or splitting:

- buying YES of security ``i`` takes its ask levels;
- selling YES of ``i`` is done by buying its complement (NO token) where the instrument has
  one: buying NO at ``a`` pays ``1 - z_i`` for ``a``, the same payoff as selling YES at
  ``1 - a`` plus a constant share, so the LP sees the NO asks as YES bids at ``1 - a``.

Prices given to the LP are all-in (the taker fee of the whole level folded in per share,
rounded against us). The opportunity is then re-priced exactly: cost and fee per level fill
as the venue charges them (integer micro-units) and the payout in the **worst valid outcome**
(every valid outcome enumerated when there are few, else the IP oracle's worst one), so a
reported profit is one the fills lock in.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pythia.book.base import OrderBook
from pythia.core.errors import ConfigError
from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10, rescale, round_div
from pythia.model.enums import Side
from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument
from pythia.opt.dependencies import Dependencies, parse_dependencies
from pythia.opt.lp import EXACT_ENUMERATION_LIMIT, Level, SecurityBook, best_guaranteed_trade
from pythia.opt.outcomes import OutcomeSpace
from pythia.sim.models.base import FeeModel
from pythia.strategy.arbitrage.levels import default_lot
from pythia.strategy.arbitrage.model import Leg, Opportunity, OpportunityKind
from pythia.strategy.arbitrage.outcomes import MAX_OUTCOMES, Outcome

MAX_LEVELS = 10
"""Book levels per security offered to the LP (the best ones)."""


def load_dependencies(source: str | Path | Mapping) -> Dependencies:
    """Parse a dependency document: a ``.toml`` / ``.json`` file, or an already-read mapping."""
    if isinstance(source, Mapping):
        return parse_dependencies(source)
    path = Path(source)
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"dependency file {path}: {error.strerror or error}") from None
    try:
        doc = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"dependency file {path}: not valid TOML/JSON: {error}") from None
    return parse_dependencies(doc)


@dataclass
class _Source:
    """Where an LP level came from: the instrument bought and its raw price and size."""

    instrument_id: str
    price: int
    size: int


@dataclass
class CombinatorialWatch:
    """The combinatorial basket of one dependency set over live books."""

    dependencies: Dependencies
    fee_for: Callable[[Instrument], FeeModel]
    name: str = "combinatorial"
    min_profit_micros: int = 1
    max_levels: int = MAX_LEVELS
    space: OutcomeSpace = field(init=False)
    evaluations: int = 0

    def __post_init__(self) -> None:
        self.space = OutcomeSpace(self.dependencies)
        self.ids = self.dependencies.ids
        self.min_profit_micros = max(self.min_profit_micros, 1)

    @property
    def group(self) -> str:
        return f"combinatorial:{self.name}"

    def reads(self, instruments: Mapping[str, Instrument]) -> set[str]:
        """Instrument ids whose book changes can change the basket (YES and NO tokens)."""
        ids = set(self.ids)
        for security in self.ids:
            complement = getattr(instruments.get(security), "complement_id", None)
            if complement:
                ids.add(complement)
        return ids

    # ---- evaluation ------------------------------------------------------------------------
    def ready(self, instruments: Mapping[str, Instrument], books: Mapping[str, OrderBook]) -> bool:
        """Every security is defined and has a book (else nothing can be evaluated)."""
        return all(
            isinstance(instruments.get(security), Instrument) and security in books
            for security in self.ids
        )

    def evaluate(
        self,
        instruments: Mapping[str, Instrument],
        books: Mapping[str, OrderBook],
        max_capital_micros: int | None = None,
    ) -> Opportunity | None:
        """The best basket now (None when no positive guaranteed profit, or a book is
        missing or unknown); within ``max_capital_micros`` of capital (cost + fees) when
        given: the budget is a row of the trade LP, so a smaller basket is found, not none."""
        self.evaluations += 1
        sources: dict[tuple[str, bool, int], list[_Source]] = {}
        lp_books = []
        currency = None
        for security in self.ids:
            token = instruments.get(security)
            if not isinstance(token, Instrument) or security not in books:
                return None
            currency = currency or token.quote_currency
            if token.quote_currency != currency:
                raise ConfigError(f"{self.group}: securities in more than one currency")
            asks = self._levels(token, books[security], security, True, sources)
            bids: list[Level] = []
            complement = instruments.get(getattr(token, "complement_id", None) or "")
            if isinstance(complement, Instrument) and complement.id in books:
                bids = self._levels(complement, books[complement.id], security, False, sources)
            lp_books.append(
                SecurityBook(
                    security,
                    tuple(asks),
                    tuple(bids),
                    token.price_decimals,
                    token.size_decimals,
                    default_lot(token),
                )
            )
        budget = None
        if max_capital_micros is not None:
            budget = Fraction(max_capital_micros, pow10(MONEY_DECIMALS))
        for _ in range(3):  # exact fees per leg may exceed the LP's per-share all-in prices
            trade = best_guaranteed_trade(self.space, lp_books, max_outlay=budget)
            if not trade.fills:
                return None
            found = self._opportunity(trade.fills, copy.deepcopy(sources), instruments, currency)
            if found is None or max_capital_micros is None:
                return found
            excess = found.capital_micros - max_capital_micros
            if excess <= 0:
                return found
            budget = trade.outlay - Fraction(excess, pow10(MONEY_DECIMALS))
            if budget <= 0:
                return None
        return None

    def _levels(
        self,
        bought: Instrument,
        book: OrderBook,
        security: str,
        is_yes: bool,
        sources: dict,
    ) -> list[Level]:
        """The ask levels of ``bought`` as LP levels of ``security`` (all-in prices):
        asks of YES itself (``is_yes``), or of its NO token seen as YES bids at 1 - price."""
        model = self.fee_for(bought)
        one = bought.one
        levels = []
        for price, size in book.asks(self.max_levels):
            fee = model.fee_micros(bought, price, size, Liquidity.TAKER)
            shares_micros = rescale(size, bought.size_decimals, MONEY_DECIMALS, Rounding.FLOOR)
            per_share = round_div(
                fee * pow10(MONEY_DECIMALS), max(shares_micros, 1), Rounding.CEILING
            )
            fee_price = rescale(per_share, MONEY_DECIMALS, bought.price_decimals, Rounding.CEILING)
            if is_yes:
                all_in = price + fee_price
            else:
                all_in = one - price - fee_price
                if all_in <= 0:
                    continue
            key = (security, is_yes, all_in)
            sources.setdefault(key, []).append(_Source(bought.id, price, size))
            levels.append(Level(all_in, size))
        return levels

    def _opportunity(self, fills, sources, instruments, currency: str) -> Opportunity | None:
        taken: dict[str, list[tuple[int, int]]] = {}
        for fill in fills:
            remaining = fill.size
            for source in sources[(fill.security_id, fill.is_buy, fill.price)]:
                take = min(remaining, source.size)
                if take > 0:
                    taken.setdefault(source.instrument_id, []).append((source.price, take))
                    source.size -= take
                    remaining -= take
        legs = []
        for instrument_id, levels in sorted(taken.items()):
            instrument = instruments[instrument_id]
            model = self.fee_for(instrument)
            size = sum(s for _, s in levels)
            cost = sum(
                rescale(
                    price * s,
                    instrument.price_decimals + instrument.size_decimals,
                    MONEY_DECIMALS,
                    Rounding.CEILING,
                )
                for price, s in levels
            )
            fee = sum(model.fee_micros(instrument, p, s, Liquidity.TAKER) for p, s in levels)
            legs.append(
                Leg(
                    instrument.venue,
                    instrument_id,
                    Side.BUY,
                    max(p for p, _ in levels),
                    size,
                    instrument.price_decimals,
                    instrument.size_decimals,
                    cost,
                    fee,
                )
            )
        payout = self.worst_payout(legs, instruments)
        cost = sum(leg.cost_micros for leg in legs)
        fees = sum(leg.fee_micros for leg in legs)
        profit = payout - cost - fees
        if profit < self.min_profit_micros:
            return None
        any_leg = instruments[legs[0].instrument_id]
        return Opportunity(
            OpportunityKind.COMBINATORIAL,
            self.group,
            currency,
            tuple(legs),
            max(leg.size for leg in legs),
            any_leg.size_decimals,
            cost,
            fees,
            payout,
            profit,
            (f"{len(self.ids)} securities, {len(self.dependencies.constraints)} constraints",),
        )

    # ---- outcomes ---------------------------------------------------------------------------
    def _payouts(self, legs, instruments) -> tuple[list[int], int]:
        """Per-security payout weights (micros per unit of z_i) and a constant."""
        index = self.dependencies.index()
        weights = [0] * len(self.ids)
        constant = 0
        yes_of = {getattr(instruments.get(s), "complement_id", None): s for s in self.ids}
        for leg in legs:
            micros = rescale(leg.size, leg.size_decimals, MONEY_DECIMALS, Rounding.FLOOR)
            if leg.instrument_id in index:
                weights[index[leg.instrument_id]] += micros
            else:  # a NO token pays when its security is false
                weights[index[yes_of[leg.instrument_id]]] -= micros
                constant += micros
        return weights, constant

    def worst_payout(self, legs, instruments) -> int:
        """What the legs pay, at least, in every valid outcome (micro-units)."""
        weights, constant = self._payouts(legs, instruments)
        if self.space.n <= EXACT_ENUMERATION_LIMIT:
            outcomes = self.space.enumerate_outcomes()
        else:
            outcome, _ = self.space.best_outcome([float(w) for w in weights])
            outcomes = (outcome,)
        return constant + min(sum(w * z for w, z in zip(weights, o, strict=True)) for o in outcomes)

    def basket_outcomes(self, instruments: Mapping[str, Instrument]) -> list[Outcome] | None:
        """Every valid outcome as the tokens that pay in it (YES of true securities, NO of
        false ones), for the executor's realized worst case; None when too many."""
        if self.space.n > EXACT_ENUMERATION_LIMIT:
            return None
        valid = self.space.enumerate_outcomes()
        if len(valid) > MAX_OUTCOMES:
            return None
        result = []
        for vector in valid:
            pays = set()
            for security, value in zip(self.ids, vector, strict=True):
                if value:
                    pays.add(security)
                else:
                    complement = getattr(instruments.get(security), "complement_id", None)
                    if complement:
                        pays.add(complement)
            label = " ".join(s for s, v in zip(self.ids, vector, strict=True) if v) or "none"
            result.append(Outcome(label, frozenset(pays)))
        return result
