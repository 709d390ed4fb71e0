"""What an arbitrage leg can take: effective book levels, order lots, fee rounding bounds.

Binary outcome tokens have two sources of liquidity: the token's own resting orders and
the complement token's orders seen from the other side (a NO bid at x is a YES ask at
1 - x). With ``merge_native`` the two are combined level by level taking the **maximum**
size at a price, not the sum that :class:`pythia.book.views.BinaryView` uses: Polymarket
books already mirror complementary orders (a NO bid shows up in the YES book as an ask), so
adding would count that liquidity twice, while on bids-only venues (Kalshi) the native side
is empty and the maximum is just the derived level. The maximum never overstates depth; it
can understate it where a venue shows independent orders on both books at one price.
Without ``merge_native`` a token's own levels are used when it has any, else the derived
ones (as ``BinaryView(merge_native=False)``).

Sizes are in each instrument's size units; an order *lot* is the step its size moves in.
The default lot is the smallest size whose notional at any price is a whole micro-unit,
``10**max(0, price_decimals + size_decimals - 6)``: 0.01 share on Polymarket (4 + 6
decimals; Polymarket truncates order sizes to 2 decimals), one unit on Kalshi (0.01
contract) and Betfair (a penny of stake).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import gcd

from pythia.book.base import OrderBook
from pythia.core.fixed import MONEY_DECIMALS, Rounding, pow10
from pythia.model.events import Level
from pythia.model.execution import Liquidity
from pythia.model.instruments import Instrument
from pythia.sim.models.base import FeeModel
from pythia.sim.models.fees import (
    BpsFee,
    CentRoundedProbabilityFee,
    ProbabilityPowerFee,
    SettlementOnlyFee,
)

SCALE = 10**24
"""Fixed-point scale of the optimizer's per-unit slopes: a fee slope is a model's fee of
SCALE size units (a multiple of every 10**decimals used)."""

LotFor = Callable[[Instrument], int]
"""The order size step of an instrument, in its size units."""


def default_lot(instrument: Instrument) -> int:
    """The smallest size whose notional is a whole micro-unit at every price."""
    return pow10(max(0, instrument.price_decimals + instrument.size_decimals - MONEY_DECIMALS))


def merge_max(native: list[Level], derived: list[Level], ascending: bool) -> list[Level]:
    """Merge two best-first level lists, keeping the larger size at a shared price.

    >>> merge_max([(40, 5), (42, 1)], [(40, 3), (41, 2)], ascending=True)
    [(40, 5), (41, 2), (42, 1)]
    """
    if not derived:
        return native
    if not native:
        return derived
    merged: list[Level] = []
    i = j = 0
    n_native, n_derived = len(native), len(derived)
    while i < n_native and j < n_derived:
        price_n, size_n = native[i]
        price_d, size_d = derived[j]
        if price_n == price_d:
            merged.append((price_n, size_n if size_n >= size_d else size_d))
            i += 1
            j += 1
        elif (price_n < price_d) == ascending:
            merged.append(native[i])
            i += 1
        else:
            merged.append(derived[j])
            j += 1
    merged.extend(native[i:])
    merged.extend(derived[j:])
    return merged


def _complement_book(token: Instrument, books: Mapping[str, OrderBook]) -> OrderBook | None:
    complement_id = getattr(token, "complement_id", None)
    return None if complement_id is None else books.get(complement_id)


def effective_asks(
    token: Instrument,
    books: Mapping[str, OrderBook],
    merge_native: bool = True,
    depth: int | None = None,
) -> list[Level]:
    """Levels a buyer of ``token`` can take, best (lowest) first (the first ``depth``)."""
    native = books[token.id].asks(depth)
    other = _complement_book(token, books)
    if other is None or (native and not merge_native):
        return native
    one = token.one
    derived = [(one - price, size) for price, size in other.bids(depth)]
    levels = merge_max(native, derived, ascending=True) if merge_native else derived
    return levels if depth is None else levels[:depth]


def effective_bids(
    token: Instrument,
    books: Mapping[str, OrderBook],
    merge_native: bool = True,
    depth: int | None = None,
) -> list[Level]:
    """Levels a seller of ``token`` can take, best (highest) first (the first ``depth``)."""
    native = books[token.id].bids(depth)
    other = _complement_book(token, books)
    if other is None or (native and not merge_native):
        return native
    one = token.one
    derived = [(one - price, size) for price, size in other.asks(depth)]
    levels = merge_max(native, derived, ascending=False) if merge_native else derived
    return levels if depth is None else levels[:depth]


def combine_best(native: int | None, derived: int | None, buying: bool, merge: bool) -> int | None:
    """The best effective price from a native and a derived best price (None if neither)."""
    if native is None:
        return derived
    if derived is None or not merge:
        return native
    if buying:
        return native if native <= derived else derived
    return native if native >= derived else derived


def best_effective_ask(
    token: Instrument, books: Mapping[str, OrderBook], merge_native: bool = True
) -> int | None:
    """The best price a buyer of ``token`` can take (None when there is none)."""
    native = books[token.id].best_ask_price
    other = _complement_book(token, books)
    derived_bid = None if other is None else other.best_bid_price
    derived = None if derived_bid is None else token.one - derived_bid
    return combine_best(native, derived, True, merge_native)


def best_effective_bid(
    token: Instrument, books: Mapping[str, OrderBook], merge_native: bool = True
) -> int | None:
    """The best price a seller of ``token`` can take (None when there is none)."""
    native = books[token.id].best_bid_price
    other = _complement_book(token, books)
    derived_ask = None if other is None else other.best_ask_price
    derived = None if derived_ask is None else token.one - derived_ask
    return combine_best(native, derived, False, merge_native)


def basket_units(
    instruments: list[Instrument], lot_for: LotFor | None = None
) -> tuple[int, int, list[int]]:
    """Return ``(decimals, step, ratios)``: one basket unit is ``step * 10**-decimals`` of
    every leg (``decimals`` the finest size decimals among the legs, ``step`` the smallest
    size that is a whole lot of every leg), and leg ``i`` trades ``ratios[i]`` of its own size
    units per basket unit."""
    lot_of = lot_for or default_lot
    decimals = max(instrument.size_decimals for instrument in instruments)
    step = 1
    for instrument in instruments:
        lot = lot_of(instrument) * pow10(decimals - instrument.size_decimals)
        step = step * lot // gcd(step, lot)
    ratios = [step // pow10(decimals - instrument.size_decimals) for instrument in instruments]
    return decimals, step, ratios


class CachedFee:
    """A fee model that remembers its answers (fee models are pure functions), so repeated
    scans of slowly changing books price each fill once. Bounded: cleared when full."""

    __slots__ = ("model", "_cache", "_limit")

    def __init__(self, model: FeeModel, limit: int = 200_000) -> None:
        self.model = model
        self._cache: dict[tuple, int] = {}
        self._limit = limit

    def fee_micros(self, instrument: Instrument, price: int, size: int, liquidity) -> int:
        if liquidity is not Liquidity.TAKER:
            return self.model.fee_micros(instrument, price, size, liquidity)
        key = (instrument.id, price, size)
        fee = self._cache.get(key)
        if fee is None:
            if len(self._cache) >= self._limit:
                self._cache.clear()
            fee = self._cache[key] = self.model.fee_micros(instrument, price, size, liquidity)
        return fee


def caching(fee_for: Callable[[Instrument], FeeModel]) -> Callable[[Instrument], FeeModel]:
    """Wrap every model ``fee_for`` returns in one :class:`CachedFee` per model."""
    wrapped: dict[int, CachedFee] = {}

    def cached(instrument: Instrument) -> FeeModel:
        model = fee_for(instrument)
        fee = wrapped.get(id(model))
        if fee is None or fee.model is not model:
            fee = wrapped[id(model)] = CachedFee(model)
        return fee

    return cached


def fee_rounding(model: FeeModel) -> tuple[int, Rounding] | None:
    """``(unit, rounding)`` of a known fee model with fees per fill: it rounds a fee linear in
    the size once, to whole ``unit`` micros, as ``rounding`` says. None otherwise (a model
    this module does not know, or one without fees per fill)."""
    model = model.model if isinstance(model, CachedFee) else model
    if isinstance(model, BpsFee):
        return 1, model.rounding
    if isinstance(model, ProbabilityPowerFee):
        return pow10(MONEY_DECIMALS - model.fee_decimals), model.rounding
    if isinstance(model, CentRoundedProbabilityFee):
        return pow10(MONEY_DECIMALS - model.fee_decimals), Rounding.CEILING
    return None


def fee_shortfall_micros(model: FeeModel) -> int | None:
    """How far below its exact, unrounded value a fill's fee can be rounded, in micros.

    Known fee models round a fee linear in the size once: CEILING never rounds down, FLOOR
    (Polymarket) by less than one rounding unit, HALF_* by half a unit. None for a model
    this module does not know (the optimizer then checks every size of a segment).
    """
    if isinstance(model.model if isinstance(model, CachedFee) else model, SettlementOnlyFee):
        return 0
    known = fee_rounding(model)
    if known is None:
        return None
    unit, rounding = known
    if rounding in (Rounding.CEILING, Rounding.UP):
        return 0
    if rounding in (Rounding.FLOOR, Rounding.DOWN):
        return unit
    return (unit + 1) // 2


def fee_unit_micros(model: FeeModel) -> int:
    """The rounding unit of a known fee model in micros (1 for an unknown one)."""
    model = model.model if isinstance(model, CachedFee) else model
    decimals = getattr(model, "fee_decimals", MONEY_DECIMALS)
    return pow10(MONEY_DECIMALS - decimals)


def foretold_fee(take: int, fee_at_scale: int, unit: int, rounding: Rounding) -> int | None:
    """The fee of ``take`` from a known model's fee of ``SCALE`` (same price), or None when
    that cannot be told for sure.

    Such a model charges ``unit * R(take * rate / unit)``, one rounding ``R`` of a rate it
    does not reveal. ``fee_at_scale = unit * k`` with ``k = R(SCALE * rate / unit)``, so
    ``take * rate / unit`` lies within ``take / SCALE`` of ``take * k / SCALE``: unless a
    point where ``R`` steps (an integer, or a half for HALF_*) lies that close, ``R`` of
    both is the same.

    >>> foretold_fee(3, 25 * 10**23, 1, Rounding.FLOOR)  # 3 x 2.5 = 7.5
    7
    >>> foretold_fee(4, 25 * 10**23, 1, Rounding.FLOOR) is None  # 10: exact or just below
    True
    """
    if not take:
        return 0
    quotient, remainder = divmod(take * (fee_at_scale // unit), SCALE)
    if remainder < take or remainder > SCALE - take:
        return None
    if rounding is Rounding.FLOOR or rounding is Rounding.DOWN:
        return quotient * unit
    if rounding is Rounding.CEILING or rounding is Rounding.UP:
        return (quotient + 1) * unit
    twice = 2 * remainder - SCALE
    if -2 * take <= twice <= 2 * take:
        return None
    return (quotient + (twice > 0)) * unit
