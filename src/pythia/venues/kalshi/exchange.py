"""The state behind the Kalshi emulator: books, orders, fills and the account (synchronous).

Orders are checked and matched by Pythia's own :class:`~pythia.sim.venue.SimulatedVenue`
with the Kalshi profile, against the books of the replayed dataset (YES and NO bid ladders;
a YES buy takes NO bids through complementary matching). The published book of a market is
exactly the simulator's displayed book; our own orders' consumption and resting orders are
not shown in it. Every call takes the venue time ``now_ns`` and returns :class:`Notices`: the
book changes, fills and order updates the WebSocket channels push.

The simulator sees each submission under the Kalshi order id (one fresh id per attempt), so
a rejected attempt never blocks its ``client_order_id``; an accepted order's client id
cannot be used again (``order_already_exists``, HTTP 409).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from msgspec.structs import replace as replace_struct

from pythia.core.errors import DataError
from pythia.model.enums import MarketState, Side
from pythia.model.events import BookDelta, BookSnapshot, InstrumentDefinition, MarketEvent
from pythia.model.events import MarketStatus as MarketStatusEvent
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument, OutcomeGroup, OutcomeToken
from pythia.model.orders import CancelRequest, RejectReason
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue
from pythia.venues.emulated import EmulatedAccount
from pythia.venues.kalshi import orders as convert
from pythia.venues.kalshi import wire
from pythia.venues.kalshi.markets import ONE

_STATUS = {
    OrderStatus.OPEN: "resting",
    OrderStatus.PARTIALLY_FILLED: "resting",
    OrderStatus.FILLED: "executed",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.EXPIRED: "canceled",
}
_MARKET_STATUS = {
    MarketState.PRE_OPEN: "initialized",
    MarketState.OPEN: "active",
    MarketState.SUSPENDED: "inactive",
    MarketState.CLOSED: "closed",
    MarketState.SETTLED: "finalized",
}


def order_id_of(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012x}"


def trade_id_of(sim_trade_id: str) -> str:
    return f"00000000-0000-4000-9000-{int(sim_trade_id.rpartition('t')[2]):012x}"


Account = EmulatedAccount
"""Cash and positions of the one emulated user (``AccountView`` of the simulator)."""


@dataclass
class OrderRecord:
    """One accepted order as the emulator reports it."""

    order_id: str
    client_order_id: str
    body: wire.CreateOrder
    price: int
    size: int
    created_ns: int
    updated_ns: int
    status: str = "resting"
    filled: int = 0
    taker_fees_micros: int = 0
    maker_fees_micros: int = 0

    def wire(self) -> wire.Order:
        yes = self.price if self.body.side == "yes" else ONE - self.price
        return wire.Order(
            order_id=self.order_id,
            ticker=self.body.ticker,
            side=self.body.side,
            action=self.body.action,
            status=self.status,
            client_order_id=self.client_order_id,
            type=self.body.type,
            yes_price_dollars=convert.dollars(yes),
            no_price_dollars=convert.dollars(ONE - yes),
            initial_count_fp=convert.count(self.size),
            fill_count_fp=convert.count(self.filled),
            remaining_count_fp=convert.count(self.size - self.filled if self.is_open else 0),
            taker_fees_dollars=convert.micros_to_dollars(self.taker_fees_micros),
            maker_fees_dollars=convert.micros_to_dollars(self.maker_fees_micros),
            created_time=convert.iso(self.created_ns),
            last_update_time=convert.iso(self.updated_ns),
            user_id="emulator",
        )

    @property
    def is_open(self) -> bool:
        return self.status == "resting"

    def user_order(self) -> wire.UserOrderBody:
        order = self.wire()
        return wire.UserOrderBody(
            order_id=order.order_id,
            ticker=order.ticker,
            status=order.status,
            side=order.side,
            yes_price_dollars=order.yes_price_dollars,
            fill_count_fp=order.fill_count_fp,
            remaining_count_fp=order.remaining_count_fp,
            client_order_id=order.client_order_id,
            action=order.action,
            initial_count_fp=order.initial_count_fp,
            created_ts_ms=self.created_ns // 1_000_000,
            last_update_ts_ms=self.updated_ns // 1_000_000,
        )


@dataclass(frozen=True, slots=True)
class BookChange:
    """A signed change of one bid level of a market (an ``orderbook_delta``)."""

    ticker: str
    side: str
    price: int
    delta: int


@dataclass
class Notices:
    """What one call changed, for the WebSocket channels."""

    book: list[BookChange] = field(default_factory=list)
    fills: list[wire.FillBody] = field(default_factory=list)
    orders: list[wire.UserOrderBody] = field(default_factory=list)

    def extend(self, other: Notices) -> None:
        self.book.extend(other.book)
        self.fills.extend(other.fills)
        self.orders.extend(other.orders)


class OrderRefused(Exception):
    """A create-order request the exchange refuses: HTTP status, Kalshi code, message."""

    def __init__(
        self, status: int, code: str, message: str, notices: Notices | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.notices = notices or Notices()


class EmulatedExchange:
    """Books, orders, fills and balance of the emulator; pure apart from ``now_ns``."""

    def __init__(
        self,
        profile: VenueProfile,
        definitions: Iterable[Instrument | OutcomeGroup] = (),
        balance_micros: int = 10_000 * 10**6,
        seed: int = 0,
    ) -> None:
        self.account = Account(balance_micros)
        self.venue = SimulatedVenue(profile, self.account, random.Random(seed))
        self.markets: dict[str, tuple[str, str]] = {}
        self.tokens: dict[str, OutcomeToken] = {}
        self.titles: dict[str, str] = {}
        self.status: dict[str, MarketState] = {}
        self.orders: dict[str, OrderRecord] = {}
        self.by_client_id: dict[str, str] = {}
        self.fills: list[wire.Fill] = []
        self.trade_record: list[FillReport] = []
        """Every fill of the emulated user, with the ids the API reports (test hook)."""
        self.rejected_events = 0
        self._attempts = 0
        for definition in definitions:
            self.define(definition)

    # ---- market data ----------------------------------------------------------------------
    def define(self, definition: Instrument | OutcomeGroup) -> None:
        if isinstance(definition, OutcomeGroup):
            for token_id in definition.instrument_ids:
                ticker = token_id.split(":")[1] if token_id.count(":") == 2 else ""
                if ticker and definition.title:
                    self.titles.setdefault(ticker, definition.title)
            return
        if not isinstance(definition, OutcomeToken) or definition.venue != "kalshi":
            return
        self.venue.add_instrument(definition)
        self.tokens[definition.id] = definition
        yes, no = self.markets.get(definition.market_id, ("", ""))
        if definition.outcome == "yes":
            yes = definition.id
        else:
            no = definition.id
        self.markets[definition.market_id] = (yes, no)
        self.status.setdefault(definition.market_id, MarketState.OPEN)

    def levels(self, ticker: str) -> tuple[dict[int, int], dict[int, int]]:
        """The YES and NO bid ladders of a market, ``{price: size}``."""
        yes_id, no_id = self.markets[ticker]
        return self._bids(yes_id), self._bids(no_id)

    def _bids(self, token_id: str) -> dict[int, int]:
        if not token_id:
            return {}
        return dict(self.venue.book(token_id).bids())

    def apply(self, event: MarketEvent, now_ns: int) -> Notices:
        """Apply one replayed event at venue time ``now_ns``."""
        event = replace_struct(event, ts_event_ns=now_ns, ts_recv_ns=now_ns)
        notices = Notices()
        if isinstance(event, InstrumentDefinition):
            self.define(event.definition)
            return notices
        if isinstance(event, MarketStatusEvent):
            self.status[event.market_id] = event.state
        token_id = getattr(event, "instrument_id", "")
        market = self._market_of(token_id) if isinstance(event, BookSnapshot | BookDelta) else None
        before = self._bids(token_id) if market else {}
        try:
            responses = self.venue.on_market_event(event)
        except DataError:
            self.rejected_events += 1
            return notices
        if market:
            ticker, outcome = market
            after = self._bids(token_id)
            for price in sorted(before.keys() | after.keys()):
                change = after.get(price, 0) - before.get(price, 0)
                if change:
                    notices.book.append(BookChange(ticker, outcome, price, change))
        notices.extend(self._on_responses(responses, now_ns))
        return notices

    def _market_of(self, token_id: str) -> tuple[str, str] | None:
        for ticker, (yes, no) in self.markets.items():
            if token_id == yes:
                return ticker, "yes"
            if token_id == no:
                return ticker, "no"
        return None

    # ---- orders -----------------------------------------------------------------------------
    def submit(self, body: wire.CreateOrder, now_ns: int) -> tuple[OrderRecord, Notices]:
        """Check and match a create-order body; ``OrderRefused`` when it is refused."""
        if body.client_order_id and body.client_order_id in self.by_client_id:
            status, code = convert.REJECT_CODES[RejectReason.DUPLICATE_CLIENT_ID]
            raise OrderRefused(status, code, "an order with this client_order_id exists")
        if body.ticker not in self.markets:
            status, code = convert.REJECT_CODES[RejectReason.UNKNOWN_INSTRUMENT]
            raise OrderRefused(status, code, f"market {body.ticker} not found")
        try:
            request = convert.order_request(body)
        except DataError as error:
            raise OrderRefused(400, "invalid_parameters", str(error)) from None
        self._attempts += 1
        order_id = order_id_of(self._attempts)
        request = replace_struct(request, client_order_id=order_id)
        responses = self.venue.submit(request, now_ns)
        refusal = next(
            (
                r
                for r in responses
                if isinstance(r, OrderUpdate)
                and r.client_order_id == order_id
                and r.status is OrderStatus.REJECTED
            ),
            None,
        )
        if refusal is not None:
            notices = self._on_responses([r for r in responses if r is not refusal], now_ns)
            reason = next((r for r in RejectReason if r.value == refusal.reason), None)
            status, code = convert.REJECT_CODES.get(reason, (400, "invalid_parameters"))
            raise OrderRefused(status, code, f"order refused: {refusal.reason}", notices)
        client_id = body.client_order_id or order_id
        record = OrderRecord(
            order_id, client_id, body, request.price or 0, request.size, now_ns, now_ns
        )
        self.orders[order_id] = record
        self.by_client_id[client_id] = order_id
        return record, self._on_responses(responses, now_ns)

    def cancel(self, order_id: str, now_ns: int) -> tuple[OrderRecord, int, Notices]:
        """Cancel an open order; returns it, the size cancelled and the notices."""
        record = self.orders.get(order_id)
        if record is None or not record.is_open:
            status, code = convert.REJECT_CODES[RejectReason.UNKNOWN_ORDER]
            raise OrderRefused(status, code, f"order {order_id} not found or not open")
        instrument_id = convert.instrument_of(record.body.ticker, record.body.side)
        remaining = record.size - record.filled
        responses = self.venue.cancel(CancelRequest(order_id, instrument_id), now_ns)
        notices = self._on_responses(responses, now_ns)
        return record, remaining if record.status == "canceled" else 0, notices

    def expire(self, now_ns: int) -> Notices:
        return self._on_responses(self.venue.expire(now_ns), now_ns)

    def _on_responses(self, responses: Iterable, now_ns: int) -> Notices:
        notices = Notices()
        for response in responses:
            record = self.orders.get(response.client_order_id)
            if isinstance(response, FillReport):
                fill = self._record_fill(response, record)
                notices.fills.append(fill)
                continue
            if record is None or response.status not in _STATUS:
                continue
            record.status = _STATUS[response.status]
            record.filled = response.filled_size
            record.updated_ns = now_ns
            notices.orders.append(record.user_order())
        return notices

    def _record_fill(self, report: FillReport, record: OrderRecord | None) -> wire.FillBody:
        trade_id = trade_id_of(report.trade_id)
        client_id = record.client_order_id if record else ""
        published = replace_struct(
            report,
            trade_id=trade_id,
            venue_order_id=report.client_order_id,
            client_order_id=client_id,
        )
        self.trade_record.append(published)
        self.account.apply(report)
        ticker, outcome = convert.split_instrument(report.instrument_id)
        is_taker = report.liquidity is Liquidity.TAKER
        if record is not None:
            if is_taker:
                record.taker_fees_micros += report.fee_micros
            else:
                record.maker_fees_micros += report.fee_micros
        yes = report.price if outcome == "yes" else ONE - report.price
        ts_ms = report.ts_event_ns // 1_000_000
        fill = wire.Fill(
            trade_id=trade_id,
            order_id=report.client_order_id,
            ticker=ticker,
            side=outcome,
            action="buy" if report.side is Side.BUY else "sell",
            count_fp=convert.count(report.size),
            yes_price_dollars=convert.dollars(yes),
            is_taker=is_taker,
            no_price_dollars=convert.dollars(ONE - yes),
            fill_id=trade_id,
            market_ticker=ticker,
            client_order_id=client_id,
            fee_cost=convert.micros_to_dollars(report.fee_micros),
            created_time=convert.iso(report.ts_event_ns),
            ts=report.ts_event_ns // 1_000_000_000,
            ts_ms=ts_ms,
        )
        self.fills.append(fill)
        return wire.FillBody(
            trade_id=trade_id,
            order_id=fill.order_id,
            market_ticker=ticker,
            is_taker=is_taker,
            side=outcome,
            yes_price_dollars=fill.yes_price_dollars,
            count_fp=fill.count_fp,
            action=fill.action,
            fee_cost=fill.fee_cost,
            client_order_id=client_id,
            ts_ms=ts_ms,
            post_position_fp=convert.count(self.account.position(report.instrument_id)),
        )

    # ---- REST views ---------------------------------------------------------------------------
    def market(self, ticker: str, now_ns: int) -> dict:
        """A market object as ``GET /markets`` shows it."""
        yes_id, no_id = self.markets[ticker]
        token = self.tokens[yes_id or no_id]
        yes_bids, no_bids = self.levels(ticker)
        best_yes = max(yes_bids, default=None)
        best_no = max(no_bids, default=None)
        ticks = token.ticks
        bands = [*ticks.bands, (ONE, 0)]
        return {
            "ticker": ticker,
            "event_ticker": ticker,
            "market_type": "binary",
            "status": _MARKET_STATUS.get(self.status.get(ticker), "active"),
            "title": self.titles.get(ticker, ticker),
            "price_ranges": [
                {
                    "start": convert.dollars(start),
                    "end": convert.dollars(bands[i + 1][0]),
                    "step": convert.dollars(step),
                }
                for i, (start, step) in enumerate(ticks.bands)
            ],
            "fractional_trading_enabled": token.min_size < 100,
            "yes_bid_dollars": convert.dollars(best_yes) if best_yes else "",
            "yes_bid_size_fp": convert.count(yes_bids[best_yes]) if best_yes else "",
            "yes_ask_dollars": convert.dollars(ONE - best_no) if best_no else "",
            "yes_ask_size_fp": convert.count(no_bids[best_no]) if best_no else "",
            "updated_time": convert.iso(now_ns),
        }

    def orderbook(self, ticker: str, depth: int = 0) -> dict:
        """``GET /markets/{ticker}/orderbook``: both bid ladders, ascending."""
        ladders = []
        for bids in self.levels(ticker):
            levels = sorted(bids.items())
            if depth > 0:
                levels = levels[-depth:]
            ladders.append([[convert.dollars(p), convert.count(s)] for p, s in levels])
        return {"orderbook_fp": {"yes_dollars": ladders[0], "no_dollars": ladders[1]}}

    def balance_cents(self) -> int:
        return self.account.cash_micros // 10**4
