"""A market maker quoting with GLFT or Avellaneda-Stoikov, registered as ``glft`` and
``avellaneda_stoikov`` (the same strategy; ``model`` picks the formula).

For each quoted instrument, on every book update (after the feed latency):

1. the mid and the inventory ``q = (position - target) / lot`` in order lots (YES minus NO
   where the token has a complement: a YES + NO pair is riskless);
2. model depths in the instrument's price space (:mod:`~pythia.strategy.making.spaces`):
   GLFT asymptotic ``c1 + lot/2 sigma c2 +/- sigma c2 q``; GLFT exact (``glft_exact``: the
   matrix-exponential solution with inventory bounded by the cap in lots) or AS, both with
   ``T - t`` the time to resolution (bounded instruments with ``resolution``) or a rolling
   ``horizon_s``;
   ``sigma`` fixed or estimated online from mid changes (logit mid on bounded prices),
   ``k`` converted to logit space at the mid on bounded prices;
3. a floor on each depth: the maker fee per unit from the venue's fee model (``ctx.fee_model``)
   less ``maker_rebate_bps``, plus ``taker_fraction`` of the taker fee and ``min_edge_ticks``;
4. grid prices rounded away from the mid (inside ``[tick, 1 - tick]`` when bounded), sides
   dropped where the inventory cap (shrinking over ``ramp_s`` before resolution), spot
   holdings (no short selling on spot), an outcome group's exposure limit (``group_limit``,
   via :func:`~pythia.strategy.making.bounded.group_room`) or REDUCE_ONLY forbid them;
5. adverse-selection guards (OFI, VPIN) widen or pull sides; every price is then moved to
   rest (post-only, at most one tick inside the touch);
6. with a complement token, YES-space quotes become legs that sell held tokens first
   (:func:`~pythia.strategy.making.bounded.single_book_legs`): YES inventory is worked off
   by quoting NO;
7. :class:`~pythia.strategy.making.quoting.QuoteManager` keeps, places, replaces (only past
   ``requote_ticks``) or cancels each leg within the rate limit; orders are post-only limits.

Everything is cancelled (and nothing quoted) while the engine is PAUSED, FLATTEN or KILLED
(``ctx.control_mode``; breakers trip these modes), while the feed is stale (no book update
for ``stale_ms``, checked on a timer), while the market is not open (or in play, unless
``quote_in_play``) and after resolution. Parameters: :mod:`~pythia.strategy.making.params`.
"""

from __future__ import annotations

import math
from fractions import Fraction

from pythia.analytics.markouts import FillMark
from pythia.book.base import OrderBook
from pythia.model.enums import MarketState, Side
from pythia.model.events import MarketStatus, Resolution, Trade
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup
from pythia.orders.manager import OrderState
from pythia.portfolio.valuation import position_decimals
from pythia.strategy.base import Strategy
from pythia.strategy.making.bounded import (
    floor_depths,
    group_room,
    inventory_cap,
    single_book_legs,
    spread_floor,
)
from pythia.strategy.making.market import QuotedMarket
from pythia.strategy.making.models import (
    Depths,
    avellaneda_stoikov,
    glft_asymptotic,
    glft_exact,
)
from pythia.strategy.making.params import NS_PER_S, MakerParams
from pythia.strategy.making.quoting import Action, Quote, TokenBucket
from pythia.strategy.making.recorder import MakerRecorder
from pythia.strategy.making.spaces import MICROS, OddsSpace
from pythia.strategy.registry import register

STOPPED_MODES = ("paused", "flatten", "killed")
PENDING = (OrderState.SUBMITTED, OrderState.CANCEL_PENDING, OrderState.CREATED)
Key = tuple[str, Side]


@register
class GlftMaker(Strategy):
    name = "glft"
    default_model = "glft"

    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        self.p = MakerParams.from_params(self.params, self.default_model)
        self._solutions: dict[tuple, object] = {}
        burst = self.p.rate_burst or self.p.rate_limit
        self.bucket = TokenBucket(burst, self.p.rate_limit, ctx.now_ns())
        self.markets: dict[str, QuotedMarket] = {}
        self.by_instrument: dict[str, QuotedMarket] = {}
        self.orders: dict[Key, str] = {}
        self.recorder = MakerRecorder()
        self.timer_set = False
        self.last_data_ns = 0
        self.next_sample_ns = 0

    # ---- market data ------------------------------------------------------------------------
    def _market(self, instrument_id: str) -> QuotedMarket | None:
        market = self.by_instrument.get(instrument_id)
        if market is not None or instrument_id not in self.p.instruments:
            return market
        instrument = self.ctx.instrument(instrument_id)
        if not isinstance(instrument, Instrument):
            return None
        market = QuotedMarket(instrument, self.p, self.bucket)
        self.markets[instrument_id] = market
        self.by_instrument[instrument_id] = market
        if market.complement_id:
            self.by_instrument[market.complement_id] = market
        return market

    def on_book(self, instrument_id: str, book: OrderBook) -> None:
        market = self._market(instrument_id)
        if market is None:
            return
        now = self.ctx.now_ns()
        self.last_data_ns = now
        if not self.timer_set:
            self.timer_set = True
            self.next_sample_ns = now
            self.ctx.set_timer("glft", now + self.p.timer_ns)
        if instrument_id != market.id:
            return  # the complement's book: its liquidity mirrors ours
        market.last_book_ns = now
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None or bid[0] >= ask[0]:
            market.touch = None
        else:
            market.set_touch(now, bid[0], ask[0])
            market.mid = market.space.mid(bid[0], ask[0])
            self.recorder.on_mid(market.id, now, market.mid)
            if isinstance(market.space, OddsSpace):  # probability order: 1/a below 1/b
                market.guards.on_touch(now, -ask[0], ask[1], -bid[0], bid[1])
            else:
                market.guards.on_touch(now, bid[0], bid[1], ask[0], ask[1])
        self._requote(market)

    def on_trade(self, trade: Trade) -> None:
        market = self._market(trade.instrument_id)
        if market is not None and trade.instrument_id == market.id:
            self.last_data_ns = self.ctx.now_ns()
            market.guards.on_trade(trade)

    def on_status(self, status: MarketStatus) -> None:
        for market in self.markets.values():
            if status.instrument_id and status.instrument_id != market.id:
                continue
            if not status.instrument_id and status.market_id != market.market_id:
                continue
            in_play = status.in_play and not self.p.quote_in_play
            market.open = status.state is MarketState.OPEN and not in_play
            self._requote(market)

    def on_resolution(self, resolution: Resolution) -> None:
        outcomes = [(i, True) for i in resolution.winners]
        outcomes += [(i, False) for i in (*resolution.losers, *resolution.removed)]
        for instrument_id, won in outcomes:
            market = self.by_instrument.get(instrument_id)
            if market is None:
                continue
            self.recorder.settlements[instrument_id] = market.space.settle_value(won)
            market.resolved = True
            self._cancel_all(market, "resolved")

    def on_timer(self, name: str, ts_ns: int) -> None:
        if name != "glft":
            return
        p = self.p
        for market in self.markets.values():
            if ts_ns >= market.next_sigma_ns:
                market.sample_sigma(ts_ns, p.sigma_interval_ns / NS_PER_S)
                market.next_sigma_ns = ts_ns + p.sigma_interval_ns
            self._requote(market)
        if ts_ns >= self.next_sample_ns:
            self._sample_inventory(ts_ns)
            self.next_sample_ns = ts_ns + p.sample_ns
        if ts_ns - self.last_data_ns <= 2 * max(p.stale_ns, p.sigma_interval_ns):
            self.ctx.set_timer("glft", ts_ns + p.timer_ns)  # stops after the data ends

    # ---- orders -----------------------------------------------------------------------------
    def on_order(self, update: OrderUpdate) -> None:
        if update.status is OrderStatus.REJECTED:
            self.recorder.rejections[update.reason or "unknown"] += 1

    def on_fill(self, fill: FillReport) -> None:
        market = self.by_instrument.get(fill.instrument_id)
        if market is None:
            return
        space = market.space
        is_complement = fill.instrument_id != market.id
        touch = market.touch_at(fill.ts_event_ns)  # the mid when the venue filled us
        unit_value = self._unit_value(market, fill.instrument_id, touch)
        sign = 1 if fill.side is Side.BUY else -1
        price = space.price_of(fill.price)
        if is_complement:
            sign, price = -sign, 1.0 - price
        mid = price if touch is None else space.mid(*touch)
        mark = FillMark(fill.ts_event_ns, sign, price, mid, float(fill.size))
        self.recorder.on_fill(
            market.id,
            mark,
            fill.instrument_id,
            space.position_delta(fill.side, fill.price, fill.size),
            space.economic_cash(fill.side, fill.price, fill.size, fill.cash_micros),
            fill.fee_micros,
            unit_value if unit_value is not None else Fraction(0),
        )
        self.recorder.traffic["fills"] += 1
        self._requote(market)

    # ---- quoting ----------------------------------------------------------------------------
    def _stop_reason(self, market: QuotedMarket, now: int) -> str | None:
        mode_of = getattr(self.ctx, "control_mode", None)
        mode = mode_of() if mode_of is not None else "normal"
        if mode in STOPPED_MODES:
            return f"mode_{mode}"
        if market.resolved or not market.open:
            return "market_closed"
        if market.last_book_ns is None or now - market.last_book_ns > self.p.stale_ns:
            return "stale_feed"
        return None

    def _requote(self, market: QuotedMarket) -> None:
        now = self.ctx.now_ns()
        reason = self._stop_reason(market, now)
        if reason is not None:
            self._cancel_all(market, reason)
            return
        wanted = self._targets(market, now)
        if wanted is None:
            self._cancel_all(market, "no_model")
            return
        market.keys.update(wanted)
        open_orders = {o.client_order_id: o for o in self.ctx.open_orders()}
        for key in sorted(market.keys, key=lambda k: (k[0], k[1].value)):
            self._apply(market, key, wanted.get(key), open_orders, now)

    def _apply(self, market, key: Key, target: Quote | None, open_orders, now: int) -> None:
        client_id = self.orders.get(key)
        order = open_orders.get(client_id) if client_id else None
        if client_id is not None and order is None:
            del self.orders[key]  # filled, cancelled or rejected
        if order is not None and order.state in PENDING:
            return  # wait for the venue's answer
        resting = None
        if order is not None:
            resting = Quote(order.request.price, order.request.size - order.filled_size)
        decision = market.manager.decide(now, key[1], resting, target)
        if decision.deferred:
            self.recorder.traffic["deferred"] += 1
        ctx = self.ctx
        if decision.action is Action.PLACE:
            quote = decision.quote
            self.orders[key] = ctx.submit(
                key[0], key[1], quote.size, quote.price, post_only=self.p.post_only
            )
            self.recorder.traffic["placed"] += 1
        elif decision.action is Action.REPLACE:
            quote = decision.quote
            self.orders[key] = ctx.replace(client_id, price=quote.price, size=quote.size)
            self.recorder.traffic["replaced"] += 1
        elif decision.action is Action.CANCEL:
            ctx.cancel(client_id)
            self.recorder.traffic["cancelled"] += 1

    def _cancel_all(self, market: QuotedMarket, reason: str) -> None:
        cancelled = 0
        open_orders = {o.client_order_id: o for o in self.ctx.open_orders()}
        for key in list(market.keys):
            client_id = self.orders.get(key)
            order = open_orders.get(client_id) if client_id else None
            if order is None:
                self.orders.pop(key, None)
                continue
            if order.state is not OrderState.CANCEL_PENDING:
                self.ctx.cancel(client_id)
                cancelled += 1
        if cancelled:
            self.recorder.cancel_alls[reason] += 1
            self.recorder.traffic["cancelled"] += cancelled

    def _sigma(self, market: QuotedMarket) -> float | None:
        if self.p.sigma is not None:
            return self.p.sigma
        return market.online_sigma() or self.p.sigma_initial

    def _targets(self, market: QuotedMarket, now: int) -> dict[Key, Quote] | None:
        """The wanted legs of ``market`` now, or None when it cannot be quoted."""
        p, space, ctx = self.p, market.space, self.ctx
        sigma = self._sigma(market)
        if market.touch is None or market.mid is None or sigma is None:
            return None
        bid_touch, ask_touch = market.touch
        mid = market.mid
        held = ctx.position(market.id)
        held_no = ctx.position(market.complement_id) if market.complement_id else 0
        net = held - held_no
        lot = space.lot_units(p.size, mid)
        time_left = p.horizon_s
        cap = p.max_inventory
        if p.resolution_ns is not None:
            time_left = max(p.resolution_ns - now, 0) / NS_PER_S
            cap = inventory_cap(p.max_inventory, time_left, p.ramp_s, p.inventory_floor)
        target = space.lot_units(p.target_inventory, mid)
        cap_units = space.lot_units(cap, mid)
        q = (net - target) / lot
        scale = mid * (1.0 - mid) if space.bounded else 1.0
        sigma_model = sigma if (not space.bounded or p.logit_vol) else sigma / scale
        k_model = p.k * scale
        if p.model == "glft":
            depths = glft_asymptotic(q, p.A, k_model, p.gamma, sigma_model, p.xi)
        elif p.model == "glft_exact":
            depths = self._exact(q, cap_units / lot, k_model, sigma_model, time_left)
        else:
            horizon = max(time_left, 1e-9)
            depths = avellaneda_stoikov(q, p.gamma, sigma_model, k_model, horizon)
        depths = floor_depths(depths, self._floor(market, mid) / scale)
        buy, sell = space.quotes(mid, depths)
        buy_room = target + cap_units - net
        sell_room = net - (target - cap_units)
        if not market.allow_short:
            sell_room = min(sell_room, held)
        buy_room, sell_room = self._group_rooms(market, buy_room, sell_room)
        mode_of = getattr(ctx, "control_mode", None)
        if mode_of is not None and mode_of() == "reduce_only":
            buy_room = buy_room if net < 0 else 0
            sell_room = sell_room if net > 0 else 0
        adjustment = market.guards.adjustment(now)
        quotes: dict[Side, Quote] = {}
        for side, price, room in ((Side.BUY, buy, buy_room), (Side.SELL, sell, sell_room)):
            if price is None or adjustment.pulled(side):
                continue
            steps = adjustment.steps(side)
            price = space.away(side, price, steps) if steps else price
            price = None if price is None else space.passive(side, price, bid_touch, ask_touch)
            size = self._size_for(market, room, price)
            if price is not None and size:
                quotes[side] = Quote(price, size)
        if Side.BUY in quotes and Side.SELL in quotes:
            buy, sell = quotes[Side.BUY].price, quotes[Side.SELL].price
            if (sell - buy) * space.buy_away >= 0:  # would trade with itself: keep one side
                del quotes[Side.SELL if q < 0 else Side.BUY]
        return self._legs(market, quotes, held, held_no)

    def _exact(self, q: float, bound: float, k: float, sigma: float, time_left: float) -> Depths:
        """GLFT's finite-horizon solution with inventory bounded by the cap (in lots), at
        ``time_left`` (time to resolution for bounded markets): solved once per second of
        horizon and parameter set (one matrix exponential), then read per inventory."""
        lots = max(1, int(bound))
        key = (lots, round(k, 9), round(sigma, 12), int(time_left))
        solution = self._solutions.get(key)
        if solution is None:
            if len(self._solutions) > 256:
                self._solutions.clear()
            solution = glft_exact(lots, self.p.A, k, self.p.gamma, sigma, max(time_left, 0.0))
            self._solutions[key] = solution
        return solution.depths(round(q))

    def _floor(self, market: QuotedMarket, mid: float) -> float:
        """The smallest depth worth quoting, in price-space units (currency or probability)."""
        p, space, instrument = self.p, market.space, market.instrument
        edge = 0.0
        if p.min_edge_ticks and market.touch is not None:
            edge = p.min_edge_ticks * abs(space.price_of(market.touch[0] + instrument.tick) -
                                          space.price_of(market.touch[0]))  # fmt: skip
        if not p.fee_floor or market.touch is None:
            return edge
        try:
            model = self.ctx.fee_model(market.id)
        except Exception:  # noqa: BLE001 - no fee model: no fee floor
            return edge
        price = market.touch[0]
        per_unit = MICROS * p.size / 10**instrument.size_decimals
        if isinstance(space, OddsSpace):
            return edge  # Betfair: commission on net winnings, not per fill
        maker = model.fee_micros(instrument, price, p.size, Liquidity.MAKER) / per_unit
        taker = model.fee_micros(instrument, price, p.size, Liquidity.TAKER) / per_unit
        rebate = p.maker_rebate_bps * mid / 10_000
        return spread_floor(maker, rebate, edge, taker, p.taker_fraction)

    def _group_rooms(self, market: QuotedMarket, buy: float, sell: float) -> tuple[float, float]:
        if self.p.group_limit is None or market.group_id is None:
            return buy, sell
        try:
            group = self.ctx.instrument(market.group_id)
        except Exception:  # noqa: BLE001 - the group is not defined (yet)
            return buy, sell
        if not isinstance(group, OutcomeGroup) or market.id not in group.instrument_ids:
            return buy, sell
        nets = []
        members = set(group.instrument_ids)
        for member in group.instrument_ids:
            instrument = self.ctx.instrument(member)
            complement = getattr(instrument, "complement_id", None)
            # a complement that is itself a member (a YES/NO pair as a group) is its own
            # outcome: counting it against this member too would double the exposure
            counted = complement if complement and complement not in members else None
            no = self.ctx.position(counted) if counted else 0
            nets.append(self.ctx.position(member) - no)
        index = group.instrument_ids.index(market.id)
        room_buy, room_sell = group_room(nets, index, self.p.group_limit, not group.augmented)
        return min(buy, room_buy), min(sell, room_sell)

    def _size_for(self, market: QuotedMarket, room: float, price: int | None) -> int:
        """The order size (instrument units) within ``room`` position units; 0: no quote."""
        if price is None or room <= 0:
            return 0
        if isinstance(market.space, OddsSpace):
            room = room / price  # payout units -> stake
        size = min(self.p.size, math.floor(room + 1e-9))
        return size if size >= market.instrument.min_size else 0

    def _legs(self, market, quotes: dict[Side, Quote], held: int, held_no: int):
        if not market.complement_id:
            return {(market.id, side): quote for side, quote in quotes.items()}
        one = market.instrument.one
        legs = []
        for side, quote in quotes.items():
            bid = quote.price if side is Side.BUY else None
            ask = quote.price if side is Side.SELL else None
            legs += single_book_legs(bid, ask, quote.size, held, held_no, one)
        wanted: dict[Key, Quote] = {}
        for leg in legs:
            instrument_id = market.id if leg.token.value == "yes" else market.complement_id
            if leg.size >= market.instrument.min_size:
                wanted[(instrument_id, leg.side)] = Quote(leg.price, leg.size)
        return wanted

    # ---- valuation and report -------------------------------------------------------------
    def _unit_value(
        self, market: QuotedMarket, instrument_id: str, touch: tuple[int, int] | None = None
    ) -> Fraction | None:
        touch = touch or market.touch
        if touch is None:
            return None
        bid, ask = touch
        if instrument_id == market.id:
            return market.space.unit_value(bid, ask)
        one = market.instrument.one
        return market.space.unit_value(one - ask, one - bid)

    def _sample_inventory(self, ts_ns: int) -> None:
        start = self.recorder.start_ns or ts_ns
        for market in self.markets.values():
            held = self.ctx.position(market.id)
            no = self.ctx.position(market.complement_id) if market.complement_id else 0
            decimals = position_decimals(market.instrument)
            self.recorder.sample_inventory(
                {
                    "time_s": round((ts_ns - start) / NS_PER_S, 3),
                    "instrument": market.id,
                    "position": (held - no) / 10**decimals,
                    "mid": market.mid,
                }
            )

    def report(self) -> dict | None:
        if self.ctx is None or not hasattr(self, "recorder"):
            return None
        marks: dict[str, Fraction] = {}
        for instrument_id, market in self.by_instrument.items():
            value = self._unit_value(market, instrument_id)
            if value is not None:
                marks[instrument_id] = value
        p = self.p
        parameters = {
            "model": p.model,
            "gamma": p.gamma,
            "sigma": "online" if p.sigma is None else p.sigma,
            "A": p.A,
            "k": p.k,
            "size": p.size,
            "max_inventory": p.max_inventory,
            "requote_ticks": p.requote_ticks,
            "rate_limit": p.rate_limit,
            "stale_ms": p.stale_ns // 1_000_000,
            "instruments": list(p.instruments),
        }
        guards = {
            market.id: {
                **market.guards.active,
                "last_ofi": market.guards.last_ofi,
                "last_vpin": market.guards.last_vpin,
            }
            for market in self.markets.values()
        }
        return self.recorder.report(marks, parameters, guards)


@register
class AvellanedaStoikovMaker(GlftMaker):
    """The same maker with the Avellaneda-Stoikov formula by default (``model = "as"``)."""

    name = "avellaneda_stoikov"
    default_model = "as"
