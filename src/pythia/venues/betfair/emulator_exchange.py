"""The state behind the Betfair emulator: books, bets, fills and the account (synchronous).

Bets are checked and matched by Pythia's :class:`~pythia.sim.venue.SimulatedVenue` with the
Betfair profile (back = ``Side.BUY``, lay = ``Side.SELL``, decimal odds, commission at
settlement) against the books of the replayed dataset. The published book of a runner is
the simulator's displayed book: ``atb`` (available to back) are its bids, ``atl`` its asks.

Every call takes the venue time ``now_ns`` and returns :class:`Notices`: the market changes
(``mc`` entries) and order changes (``oc`` entries, one per fill or bet change) the stream
pushes. Bet ids are ``"1000001"``, ``"1000002"``, ...; a fill's trade id is
``"<betId>:<size matched after it, in pennies>"``, which the order stream reader derives too.
``placeOrders`` is deduplicated by ``customerRef``: a repeat answers ``FAILURE`` /
``DUPLICATE_TRANSACTION`` and places nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from msgspec.structs import replace as replace_struct

from pythia.core.errors import DataError
from pythia.model.enums import MarketState, Side
from pythia.model.events import (
    InstrumentDefinition,
    MarketEvent,
    MarketStatus,
    Resolution,
    Trade,
)
from pythia.model.execution import FillReport, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup, OutcomeToken
from pythia.model.orders import CancelRequest, OrderRequest, RejectReason, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue
from pythia.venues.betfair.ladder import format_odds, odds_to_units
from pythia.venues.betfair.parse import split_token_id, stake_text, stake_to_units, token_id
from pythia.venues.betfair.wire import PlaceInstruction
from pythia.venues.emulated import EmulatedAccount as Account

FIRST_BET_ID = 1_000_001
_STATUS_TEXT = {
    MarketState.PRE_OPEN: "INACTIVE",
    MarketState.OPEN: "OPEN",
    MarketState.SUSPENDED: "SUSPENDED",
    MarketState.CLOSED: "CLOSED",
    MarketState.SETTLED: "CLOSED",
}
_ERROR_CODES = {
    RejectReason.OFF_TICK.value: "INVALID_ODDS",
    RejectReason.PRICE_OUT_OF_BOUNDS.value: "INVALID_ODDS",
    RejectReason.BELOW_MIN_SIZE.value: "INVALID_BET_SIZE",
    RejectReason.INSUFFICIENT_BALANCE.value: "INSUFFICIENT_FUNDS",
    RejectReason.MARKET_CLOSED.value: "MARKET_NOT_OPEN_FOR_BETTING",
    RejectReason.UNKNOWN_INSTRUMENT.value: "INVALID_RUNNER",
}
_DONE = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED})


def odds(units: int) -> Decimal:
    return Decimal(format_odds(units))


def ms(now_ns: int) -> int:
    return now_ns // 1_000_000


@dataclass
class Bet:
    """One accepted bet as the emulator reports it (sizes in pennies, price in odds units)."""

    bet_id: str
    market_id: str
    selection_id: int
    instrument_id: str
    side: str  # "B" back or "L" lay
    price: int
    size: int
    placed_ms: int
    customer_order_ref: str | None
    matched: int = 0
    matched_value: int = 0  # sum of price x size of the fills
    cancelled: int = 0
    lapsed: int = 0
    complete: bool = False
    matched_ms: int | None = None

    @property
    def remaining(self) -> int:
        return 0 if self.complete else self.size - self.matched

    def average_price(self) -> Decimal | None:
        if not self.matched:
            return None
        return (Decimal(self.matched_value) / self.matched / 100).quantize(Decimal("0.01"))

    def stream(self) -> dict:
        """The bet as an order stream ``uo`` entry."""
        entry = {
            "id": self.bet_id,
            "p": odds(self.price),
            "s": stake_text(self.size),
            "side": self.side,
            "status": "EC" if self.complete else "E",
            "pt": "L",
            "ot": "L",
            "pd": self.placed_ms,
            "sm": stake_text(self.matched),
            "sr": stake_text(self.remaining),
            "sl": stake_text(self.lapsed),
            "sc": stake_text(self.cancelled),
            "sv": Decimal(0),
            "rac": "",
            "rc": "REG_GGC",
        }
        if self.matched:
            entry["avp"] = self.average_price()
            entry["md"] = self.matched_ms
        if self.customer_order_ref:
            entry["rfo"] = self.customer_order_ref
        return entry

    def current(self) -> dict:
        """The bet as a listCurrentOrders entry."""
        return {
            "betId": self.bet_id,
            "marketId": self.market_id,
            "selectionId": self.selection_id,
            "handicap": 0.0,
            "priceSize": {"price": odds(self.price), "size": stake_text(self.size)},
            "bspLiability": 0.0,
            "side": "BACK" if self.side == "B" else "LAY",
            "status": "EXECUTION_COMPLETE" if self.complete else "EXECUTABLE",
            "persistenceType": "LAPSE",
            "orderType": "LIMIT",
            "placedDate": _iso(self.placed_ms),
            "averagePriceMatched": self.average_price() or Decimal(0),
            "sizeMatched": stake_text(self.matched),
            "sizeRemaining": stake_text(self.remaining),
            "sizeLapsed": stake_text(self.lapsed),
            "sizeCancelled": stake_text(self.cancelled),
            "sizeVoided": Decimal(0),
            "regulatorCode": "REG_GGC",
            "customerOrderRef": self.customer_order_ref,
        }


def _iso(epoch_ms: int) -> str:
    import datetime as dt

    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


@dataclass
class _Market:
    market_id: str
    group: OutcomeGroup | None = None
    selections: list[int] = field(default_factory=list)
    state: MarketState = MarketState.OPEN
    in_play: bool = False
    runner_status: dict[int, str] = field(default_factory=dict)
    version: int = 1
    published: dict | None = None


@dataclass
class Notices:
    """What one call changed: ``mc`` entries of market changes, ``oc`` order changes."""

    markets: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)

    def extend(self, other: Notices) -> None:
        self.markets.extend(other.markets)
        self.orders.extend(other.orders)


class BetfairExchange:
    """Books, bets, fills and balance of the emulator; pure apart from ``now_ns``."""

    def __init__(
        self,
        profile: VenueProfile,
        definitions: Iterable[Instrument | OutcomeGroup] = (),
        balance_micros: int = 10_000 * 10**6,
        seed: int = 0,
        base_rate: Decimal = Decimal(5),
    ) -> None:
        self.account = Account(balance_micros)
        self.venue = SimulatedVenue(profile, self.account, random.Random(seed))
        self.base_rate = base_rate
        self.tokens: dict[str, OutcomeToken] = {}
        self.markets: dict[str, _Market] = {}
        self.bets: dict[str, Bet] = {}
        self.customer_refs: dict[str, dict] = {}
        self.trade_record: list[FillReport] = []
        """Every fill of the emulated user, with the ids the order stream reports."""
        self.rejected_events = 0
        self._traded: dict[str, dict[int, int]] = {}
        self._matched: dict[tuple[str, str], dict[int, int]] = {}
        self._books: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        self._next_bet = FIRST_BET_ID
        for definition in definitions:
            self.define(definition)

    # ---- market data ----------------------------------------------------------------------
    def define(self, definition: Instrument | OutcomeGroup) -> None:
        if isinstance(definition, OutcomeGroup):
            if definition.venue != "betfair":
                return
            market_id = definition.id.partition(":")[2]
            market = self._market(market_id)
            market.group = definition
            market.selections = [split_token_id(i)[1] for i in definition.instrument_ids]
            for selection in market.selections:
                market.runner_status.setdefault(selection, "ACTIVE")
            return
        if not isinstance(definition, OutcomeToken) or definition.venue != "betfair":
            return
        self.venue.add_instrument(definition)
        self.tokens[definition.id] = definition
        market = self._market(definition.market_id)
        selection = split_token_id(definition.id)[1]
        if selection not in market.selections:
            market.selections.append(selection)
        market.runner_status.setdefault(selection, "ACTIVE")

    def _market(self, market_id: str) -> _Market:
        if market_id not in self.markets:
            self.markets[market_id] = _Market(market_id)
        return self.markets[market_id]

    def book(self, instrument_id: str) -> tuple[list, list]:
        """``(bids, asks)`` of a runner as the simulator displays them (best first)."""
        book = self.venue.book(instrument_id)
        return book.bids(), book.asks()

    def apply(self, event: MarketEvent, now_ns: int) -> Notices:
        """Apply one replayed event at venue time ``now_ns``."""
        event = replace_struct(event, ts_event_ns=now_ns, ts_recv_ns=now_ns)
        if isinstance(event, InstrumentDefinition):
            self.define(event.definition)
            market_id = (
                getattr(event.definition, "market_id", None)
                or (event.definition.id.partition(":")[2])
            )
            return self._changes(market_id, now_ns)
        market_id = self._market_of_event(event)
        if isinstance(event, MarketStatus) and market_id in self.markets:
            self._on_status(self.markets[market_id], event)
        if isinstance(event, Resolution) and market_id in self.markets:
            self._on_resolution(self.markets[market_id], event)
        if isinstance(event, Trade):
            traded = self._traded.setdefault(event.instrument_id, {})
            traded[event.price] = traded.get(event.price, 0) + event.size
        try:
            responses = self.venue.on_market_event(event)
        except DataError:
            self.rejected_events += 1
            return Notices()
        notices = self._changes(
            market_id, now_ns, trade=event if isinstance(event, Trade) else None
        )
        notices.extend(self._on_responses(responses, now_ns))
        return notices

    def _market_of_event(self, event: MarketEvent) -> str:
        market_id = getattr(event, "market_id", "")
        if market_id:
            return market_id
        instrument_id = getattr(event, "instrument_id", "")
        token = self.tokens.get(instrument_id)
        return token.market_id if token is not None else ""

    def _on_status(self, market: _Market, event: MarketStatus) -> None:
        if event.instrument_id:
            if event.state in (MarketState.CLOSED, MarketState.SETTLED):
                market.runner_status[split_token_id(event.instrument_id)[1]] = "REMOVED"
            return
        market.state, market.in_play = event.state, event.in_play

    def _on_resolution(self, market: _Market, event: Resolution) -> None:
        market.state = MarketState.CLOSED
        for ids, status in ((event.winners, "WINNER"), (event.losers, "LOSER")):
            for instrument_id in ids:
                market.runner_status[split_token_id(instrument_id)[1]] = status
        for instrument_id in event.removed:
            market.runner_status[split_token_id(instrument_id)[1]] = "REMOVED"

    # ---- stream views -----------------------------------------------------------------------
    def definition(self, market_id: str) -> dict:
        """The market's ``marketDefinition`` as the stream sends it."""
        market = self.markets[market_id]
        group = market.group
        return {
            "status": _STATUS_TEXT[market.state],
            "inPlay": market.in_play,
            "numberOfWinners": group.number_of_winners if group else 1,
            "marketType": "WIN" if group is None or group.kind.name == "WIN" else "PLACE",
            "bettingType": "ODDS",
            "marketBaseRate": self.base_rate,
            "version": market.version,
            "priceLadderDefinition": {"type": "CLASSIC"},
            "runners": [
                {"id": selection, "status": market.runner_status[selection], "sortPriority": n}
                for n, selection in enumerate(market.selections, start=1)
            ],
        }

    def _token_ids(self, market_id: str) -> list[str]:
        market = self.markets.get(market_id)
        if market is None:
            return []
        ids = [token_id(market_id, str(selection)) for selection in market.selections]
        return [i for i in ids if i in self.tokens]

    def image(self, market_id: str) -> dict:
        """A full image (``img``) of one market: definition and every runner's ladders."""
        runners = []
        for instrument_id in self._token_ids(market_id):
            bids, asks = self.book(instrument_id)
            runner = {
                "id": split_token_id(instrument_id)[1],
                "atb": [[odds(p), stake_text(s)] for p, s in bids],
                "atl": [[odds(p), stake_text(s)] for p, s in asks],
            }
            traded = self._traded.get(instrument_id)
            if traded:
                runner["trd"] = [[odds(p), stake_text(s)] for p, s in sorted(traded.items())]
            runners.append(runner)
            self._books[instrument_id] = (dict(bids), dict(asks))
        definition = self.definition(market_id)
        self.markets[market_id].published = definition
        return {"id": market_id, "img": True, "marketDefinition": definition, "rc": runners}

    def _changes(self, market_id: str, now_ns: int, trade: Trade | None = None) -> Notices:
        """The market change since the last publication (book levels, trades, definition)."""
        notices = Notices()
        market = self.markets.get(market_id)
        if market is None:
            return notices
        change: dict = {"id": market_id}
        definition = self.definition(market_id)
        if definition != market.published:
            market.version += 1
            definition["version"] = market.version
            market.published = definition
            change["marketDefinition"] = definition
        runners = []
        for instrument_id in self._token_ids(market_id):
            runner = self._runner_change(instrument_id, trade)
            if runner:
                runners.append({"id": split_token_id(instrument_id)[1], **runner})
        if runners:
            change["rc"] = runners
        if len(change) > 1:
            notices.markets.append(change)
        return notices

    def _runner_change(self, instrument_id: str, trade: Trade | None) -> dict:
        bids, asks = self.book(instrument_id)
        before_bids, before_asks = self._books.get(instrument_id, ({}, {}))
        now_bids, now_asks = dict(bids), dict(asks)
        self._books[instrument_id] = (now_bids, now_asks)
        runner = {}
        for name, before, after in (("atb", before_bids, now_bids), ("atl", before_asks, now_asks)):
            levels = [
                [odds(p), stake_text(after.get(p, 0))]
                for p in sorted(before.keys() | after.keys())
                if before.get(p) != after.get(p)
            ]
            if levels:
                runner[name] = levels
        if trade is not None and trade.instrument_id == instrument_id:
            volume = self._traded[instrument_id][trade.price]
            runner["trd"] = [[odds(trade.price), stake_text(volume)]]
            runner["ltp"] = odds(trade.price)
        return runner

    def order_image(self) -> list[dict]:
        """Every bet as ``oc`` entries (full image), grouped by market and runner."""
        grouped: dict[str, dict[int, list[Bet]]] = {}
        for bet in self.bets.values():
            grouped.setdefault(bet.market_id, {}).setdefault(bet.selection_id, []).append(bet)
        return [
            {
                "id": market_id,
                "fullImage": True,
                "orc": [
                    {"id": selection, "fullImage": True, "uo": [bet.stream() for bet in bets]}
                    for selection, bets in runners.items()
                ],
            }
            for market_id, runners in grouped.items()
        ]

    # ---- bets -------------------------------------------------------------------------------
    def place(
        self,
        market_id: str,
        instructions: list[PlaceInstruction],
        customer_ref: str | None,
        now_ns: int,
    ) -> tuple[dict, Notices]:
        """``placeOrders``: the execution report and what it changed."""
        if customer_ref and customer_ref in self.customer_refs:
            report = {
                "status": "FAILURE",
                "errorCode": "DUPLICATE_TRANSACTION",
                "marketId": market_id,
                "customerRef": customer_ref,
                "instructionReports": [],
            }
            return report, Notices()
        notices = Notices()
        reports = [self._place_one(market_id, i, now_ns, notices) for i in instructions]
        failed = any(r["status"] != "SUCCESS" for r in reports)
        report = {
            "status": "FAILURE" if failed else "SUCCESS",
            "marketId": market_id,
            "instructionReports": reports,
        }
        if failed:
            report["errorCode"] = "BET_ACTION_ERROR"
        if customer_ref:
            report["customerRef"] = customer_ref
            self.customer_refs[customer_ref] = report
        notices.extend(self._changes(market_id, now_ns))
        return report, notices

    def _place_one(
        self, market_id: str, instruction: PlaceInstruction, now_ns: int, notices: Notices
    ) -> dict:
        instrument_id = token_id(market_id, str(instruction.selectionId))
        answer: dict = {"status": "FAILURE", "instruction": _instruction_dict(instruction)}
        limit = instruction.limitOrder
        if instrument_id not in self.tokens:
            return {**answer, "errorCode": "INVALID_RUNNER"}
        if (
            instruction.orderType != "LIMIT"
            or limit is None
            or instruction.side not in ("BACK", "LAY")
        ):
            return {**answer, "errorCode": "INVALID_ORDER_TYPE"}
        try:
            price, size = odds_to_units(limit.price), stake_to_units(limit.size)
        except DataError:
            return {**answer, "errorCode": "INVALID_ODDS"}
        bet_id = str(self._next_bet)
        side = Side.BUY if instruction.side == "BACK" else Side.SELL
        tif = TimeInForce.FOK if limit.timeInForce == "FILL_OR_KILL" else TimeInForce.GTC
        request = OrderRequest(bet_id, instrument_id, side, size, price, time_in_force=tif)
        responses = self.venue.submit(request, now_ns)
        refusal = next(
            (
                r
                for r in responses
                if isinstance(r, OrderUpdate) and r.status is OrderStatus.REJECTED
            ),
            None,
        )
        if refusal is not None:
            return {**answer, "errorCode": _ERROR_CODES.get(refusal.reason, "ERROR_IN_ORDER")}
        self._next_bet += 1
        bet = Bet(
            bet_id,
            market_id,
            instruction.selectionId,
            instrument_id,
            "B" if side is Side.BUY else "L",
            price,
            size,
            ms(now_ns),
            instruction.customerOrderRef,
        )
        self.bets[bet_id] = bet
        notices.orders.append(self._order_change(bet))
        notices.extend(self._on_responses(responses, now_ns))
        return {
            "status": "SUCCESS",
            "instruction": answer["instruction"],
            "betId": bet_id,
            "placedDate": _iso(bet.placed_ms),
            "averagePriceMatched": bet.average_price() or Decimal(0),
            "sizeMatched": stake_text(bet.matched),
            "orderStatus": "EXECUTION_COMPLETE" if bet.complete else "EXECUTABLE",
        }

    def cancel(self, market_id: str, bet_ids: list[str], now_ns: int) -> tuple[dict, Notices]:
        """``cancelOrders`` of the given bets (all of the market's when empty)."""
        if not bet_ids:
            bet_ids = [
                b.bet_id for b in self.bets.values() if b.market_id == market_id and not b.complete
            ]
        notices = Notices()
        reports = []
        for bet_id in bet_ids:
            bet = self.bets.get(bet_id)
            if bet is None or bet.complete or bet.market_id != market_id:
                reports.append(
                    {
                        "status": "FAILURE",
                        "errorCode": "BET_TAKEN_OR_LAPSED",
                        "instruction": {"betId": bet_id},
                    }
                )
                continue
            remaining = bet.remaining
            request = CancelRequest(bet_id, bet.instrument_id)
            notices.extend(self._on_responses(self.venue.cancel(request, now_ns), now_ns))
            reports.append(
                {
                    "status": "SUCCESS",
                    "instruction": {"betId": bet_id},
                    "sizeCancelled": stake_text(remaining if bet.cancelled else 0),
                    "cancelledDate": _iso(ms(now_ns)),
                }
            )
        failed = any(r["status"] != "SUCCESS" for r in reports)
        report = {
            "status": "FAILURE" if failed else "SUCCESS",
            "marketId": market_id,
            "instructionReports": reports,
        }
        if failed:
            report["errorCode"] = "BET_ACTION_ERROR"
        notices.extend(self._changes(market_id, now_ns))
        return report, notices

    def current_orders(
        self,
        bet_ids: list[str] | None,
        market_ids: list[str] | None,
        customer_order_refs: list[str] | None,
        projection: str | None,
    ) -> list[dict]:
        """``listCurrentOrders`` entries, oldest first."""
        result = []
        for bet in self.bets.values():
            if bet_ids and bet.bet_id not in bet_ids:
                continue
            if market_ids and bet.market_id not in market_ids:
                continue
            if customer_order_refs and bet.customer_order_ref not in customer_order_refs:
                continue
            if projection == "EXECUTABLE" and bet.complete:
                continue
            if projection == "EXECUTION_COMPLETE" and not bet.complete:
                continue
            result.append(bet.current())
        return result

    # ---- responses --------------------------------------------------------------------------
    def _on_responses(self, responses: Iterable, now_ns: int) -> Notices:
        notices = Notices()
        for response in responses:
            bet = self.bets.get(response.client_order_id)
            if bet is None:
                continue
            if isinstance(response, FillReport):
                notices.orders.append(self._fill(bet, response))
                continue
            if response.status in _DONE and not bet.complete:
                unfilled = bet.size - bet.matched
                if response.status is OrderStatus.CANCELED:
                    bet.cancelled = unfilled
                elif response.status is OrderStatus.EXPIRED:
                    bet.lapsed = unfilled
                bet.complete = True
                notices.orders.append(self._order_change(bet))
        return notices

    def _fill(self, bet: Bet, report: FillReport) -> dict:
        bet.matched += report.size
        bet.matched_value += report.price * report.size
        bet.matched_ms = ms(report.ts_event_ns)
        if bet.matched >= bet.size:
            bet.complete = True
        ladder = self._matched.setdefault((bet.instrument_id, bet.side), {})
        ladder[report.price] = ladder.get(report.price, 0) + report.size
        published = replace_struct(
            report,
            trade_id=f"{bet.bet_id}:{bet.matched}",
            venue_order_id=bet.bet_id,
            client_order_id=bet.customer_order_ref or "",
        )
        self.trade_record.append(published)
        self.account.apply(report)
        change = self._order_change(bet)
        name = "mb" if bet.side == "B" else "ml"
        change["orc"][0][name] = [[odds(report.price), stake_text(ladder[report.price])]]
        return change

    def _order_change(self, bet: Bet) -> dict:
        return {"id": bet.market_id, "orc": [{"id": bet.selection_id, "uo": [bet.stream()]}]}


def _instruction_dict(instruction: PlaceInstruction) -> dict:
    from msgspec import to_builtins

    return to_builtins(instruction, builtin_types=(Decimal,))
