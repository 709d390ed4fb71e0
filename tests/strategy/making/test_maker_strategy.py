"""The glft / avellaneda_stoikov maker through the real kernel and simulated venue, on
hand-made streams of a Polymarket-like token (tick 0.01, enginekit)."""

from __future__ import annotations

import random

import pytest

from enginekit import SHARE, TOKEN, sim_kernel
from pythia.model.enums import Side
from pythia.model.events import BookSnapshot, Trade
from pythia.orders.manager import OrderState
from pythia.risk.control import ControlSource
from pythia.strategy.making.guards import AdverseSelectionGuards, GuardConfig
from pythia.strategy.making.spaces import OddsSpace, ProbabilitySpace
from pythia.strategy.making.strategy import AvellanedaStoikovMaker, GlftMaker
from pythia.strategy.registry import create_strategy
from pythia.venues.betfair.parse import runner_token

MS = 1_000_000
S = 1_000_000_000
T0 = 1_700_000_000 * S
PARAMS = {
    "instrument": TOKEN.id,
    "gamma": 0.1,
    "sigma": 0.05,
    "A": 1.0,
    "k": 50.0,
    "size": 5 * SHARE,
    "max_inventory": 10 * SHARE,
    "rate_limit": 1000,
    "stale_ms": 2000,
    "timer_ms": 100,
}


def snapshot(ts_ns: int, bid: int, ask: int, bid_size: int = 100, ask_size: int = 100):
    return BookSnapshot(
        TOKEN.id,
        ((bid, bid_size * SHARE), (bid - 100, 50 * SHARE)),
        ((ask, ask_size * SHARE), (ask + 100, 50 * SHARE)),
        ts_ns,
        ts_ns,
    )


def walk(n: int, seed: int = 3, start: int = 5000, step_ms: int = 200):
    """A random walk of the touch (one tick wide or two) with trades through it."""
    rng = random.Random(seed)
    bid = start
    events = []
    for i in range(n):
        ts = T0 + i * step_ms * MS
        bid = min(max(bid + rng.choice((-100, 0, 0, 100)), 100), 9700)
        ask = bid + rng.choice((100, 200))
        events.append(snapshot(ts, bid, ask))
        if i % 3 == 0:
            side = rng.choice((Side.BUY, Side.SELL))
            price = ask + 100 if side is Side.BUY else bid - 100
            events.append(Trade(TOKEN.id, price, 200 * SHARE, side, f"t{i}", ts + MS, ts + MS))
    return events


class Watched(GlftMaker):
    """The maker, checking every order it sends against the book it saw."""

    name = "glft_watched"

    def on_start(self, ctx) -> None:
        super().on_start(ctx)
        self.sent = []
        submit = ctx.submit

        def checked_submit(instrument_id, side, size, price=None, **options):
            book = ctx.book(instrument_id)
            self.sent.append((side, price, size, options.get("post_only"), book.best_bid()[0],
                              book.best_ask()[0]))  # fmt: skip
            return submit(instrument_id, side, size, price, **options)

        ctx.submit = checked_submit


def run(strategy, events, commands=None):
    kernel = sim_kernel(strategy)
    commands = commands or {}

    def feed():
        for index, event in enumerate(events):
            if index in commands:
                kernel.safety.request(commands[index], ControlSource.CLI)
            yield event

    kernel.run(feed())
    return kernel


def test_quotes_are_post_only_passive_inside_the_bounds_and_never_cross():
    strategy = Watched(PARAMS)
    kernel = run(strategy, walk(400))
    assert strategy.sent, "the maker never quoted"
    for side, price, _size, post_only, bid, ask in strategy.sent:
        assert post_only is True
        assert TOKEN.tick <= price <= TOKEN.one - TOKEN.tick
        assert price % TOKEN.tick == 0
        assert (price < ask) if side is Side.BUY else (price > bid)
    by_time: dict[int, list] = {}
    for order in kernel.orders.orders():
        by_time.setdefault(order.created_ns, []).append(order.request)
    assert not kernel.stats.strategy_errors
    assert kernel.fills, "no fills: the stream should reach the quotes"


def test_resting_bid_stays_below_resting_ask_and_inventory_within_the_cap():
    class Checked(GlftMaker):
        name = "glft_checked"
        crossings = 0
        worst = 0

        def on_book(self, instrument_id, book):
            super().on_book(instrument_id, book)
            live = [o for o in self.ctx.open_orders() if o.state is OrderState.ACCEPTED]
            bids = [o.request.price for o in live if o.request.side is Side.BUY]
            asks = [o.request.price for o in live if o.request.side is Side.SELL]
            if bids and asks and max(bids) >= min(asks):
                Checked.crossings += 1
            Checked.worst = max(Checked.worst, abs(self.ctx.position(TOKEN.id)))

    strategy = Checked({**PARAMS, "allow_short": True})
    run(strategy, walk(600, seed=5))
    assert Checked.crossings == 0
    assert 0 < Checked.worst <= PARAMS["max_inventory"]


def test_pause_cancels_every_quote_and_stops_quoting():
    strategy = GlftMaker(PARAMS)
    events = walk(200)
    kernel = run(strategy, events, {100: "pause"})
    assert kernel.safety.control.mode.value == "paused"
    assert strategy.ctx.open_orders() == []
    report = strategy.report()
    assert report["quotes"]["cancel_all"].get("mode_paused", 0) >= 1
    paused_at = events[100].ts_recv_ns
    late = [o for o in kernel.orders.orders() if o.created_ns > paused_at + 50 * MS]
    assert late == []


def test_stale_feed_cancels_the_quotes():
    events = walk(50)
    last = events[-1].ts_recv_ns
    events.append(snapshot(last + 10 * S, 5000, 5100))  # 10 s of silence, stale after 2 s
    strategy = GlftMaker(PARAMS)
    run(strategy, events)
    assert strategy.report()["quotes"]["cancel_all"].get("stale_feed", 0) >= 1


def _quotes_after(stream, guard_params):
    strategy = Watched({**PARAMS, **guard_params})
    run(strategy, stream)
    return strategy


def buying_pressure(n: int = 30):
    """Bids keep growing at a fixed touch: OFI strongly positive."""
    return [snapshot(T0 + i * 100 * MS, 5000, 5200, bid_size=100 + 200 * i) for i in range(n)]


def test_ofi_guard_pulls_the_ask_under_buying_pressure():
    plain = _quotes_after(buying_pressure(), {})
    guarded = _quotes_after(buying_pressure(), {"ofi": {"threshold": 1.0, "action": "pull"}})
    assert any(side is Side.SELL for side, *_ in plain.sent)
    late_sells = [s for s in guarded.sent if s[0] is Side.SELL]
    assert len(late_sells) < len([s for s in plain.sent if s[0] is Side.SELL])
    assert guarded.report()["quotes"]["guards"][TOKEN.id]["ofi_ask"] > 0


def test_ofi_guard_widens_by_ticks():
    guards = AdverseSelectionGuards(GuardConfig(1.0, "widen", 2), None)
    for i, event in enumerate(buying_pressure(10)):
        guards.on_touch(i, 5000, event.bids[0][1], 5200, event.asks[0][1])
    adjustment = guards.adjustment(10)
    assert (adjustment.widen_ask, adjustment.widen_bid) == (2, 0)
    space = ProbabilitySpace(TOKEN)
    assert space.away(Side.SELL, 5300, 2) == 5500
    assert space.away(Side.BUY, 5300, 2) == 5100


def test_vpin_guard_pulls_both_sides_on_one_sided_flow():
    stream = []
    for i in range(40):
        ts = T0 + i * 100 * MS
        stream.append(snapshot(ts, 5000, 5200))
        stream.append(Trade(TOKEN.id, 5200, 50 * SHARE, Side.BUY, f"v{i}", ts + MS, ts + MS))
    vpin = {"threshold": 0.9, "bucket_volume": 100 * SHARE, "window": 3, "action": "pull"}
    strategy = _quotes_after(stream, {"vpin": vpin})
    assert strategy.report()["quotes"]["guards"][TOKEN.id]["vpin"] > 0
    assert strategy.ctx.open_orders() == []


def test_avellaneda_stoikov_is_registered_and_quotes():
    strategy = create_strategy("avellaneda_stoikov", {**PARAMS, "horizon_s": 30})
    assert isinstance(strategy, AvellanedaStoikovMaker)
    kernel = run(strategy, walk(100))
    assert kernel.orders.orders()
    assert strategy.report()["parameters"]["model"] == "as"


def test_odds_space_rounds_backs_up_and_lays_down_the_ladder():
    runner = runner_token("1.1", "7")
    space = OddsSpace(runner)
    mid = space.mid(300, 310)  # back at 3.00 available, lay at 3.10
    assert mid == pytest.approx((1 / 3.10 + 1 / 3.00) / 2)
    from pythia.strategy.making.models import Depths

    back, lay = space.quotes(mid, Depths(0.05, 0.05))
    assert back > lay  # a back at higher odds: a lower probability bid
    assert runner.ticks.is_valid(back) and runner.ticks.is_valid(lay)
    assert space.passive(Side.BUY, 290, 300, 310) == 305  # above the odds to back
    assert space.passive(Side.SELL, 320, 300, 310) == 305  # below the odds to lay


def test_group_room_counts_a_yes_no_pair_group_once():
    """A group made of a market's YES and NO tokens: holding 30 YES and 10 NO is an exposure
    range of 20, not 40 (the NO is its own outcome, not a hedge to subtract twice)."""
    from types import SimpleNamespace

    from pythia.model.instruments import GroupKind, OutcomeGroup
    from pythia.strategy.making.params import MakerParams
    from pythia.strategy.making.strategy import GlftMaker

    group = OutcomeGroup("g", "pm", GroupKind.NEG_RISK, ("y", "n"))
    tokens = {
        "y": SimpleNamespace(complement_id="n"),
        "n": SimpleNamespace(complement_id="y"),
        "g": group,
    }
    positions = {"y": 30, "n": 10}
    maker = GlftMaker({"instrument": "y"})
    maker.ctx = SimpleNamespace(instrument=tokens.__getitem__, position=positions.get)
    params = {"instrument": "y", "group_limit": 25, "size": 1, "max_inventory": 100}
    maker.p = MakerParams.from_params(params, "glft")
    market = SimpleNamespace(id="y", group_id="g")
    buy, sell = maker._group_rooms(market, 1_000, 1_000)
    assert (buy, sell) == (5, 45)  # range 20 now: 5 more YES reach 25; selling YES shrinks it
