"""The state behind the Binance emulator: books, orders, trades and balances (synchronous).

Orders are checked and matched by Pythia's :class:`~pythia.sim.venue.SimulatedVenue` with the
Binance spot profile, against the books of the replayed capture. The published book
(``GET /api/v3/depth``) is the simulator's displayed book: our own orders' consumption and
resting orders are not shown in it, exactly as the replayed diffs do not show them.

The simulator sees each order under its Binance ``orderId``, so a refused attempt never
blocks its ``newClientOrderId``. As on Binance, a client order id may not be reused while an
order with that id is open (``-2010 Duplicate order sent.``); a closed order's id may be
reused. Commissions are charged in the quote asset (Binance takes them in the received asset
or BNB; the quote value is what the profile's fee model computes), exact to the micro-unit.
Every call takes the venue time ``now_ns``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from pythia.core.errors import DataError
from pythia.core.fixed import MONEY_DECIMALS, parse_units, units_to_decimal
from pythia.model.enums import Side
from pythia.model.events import MarketEvent
from pythia.model.execution import FillReport, Liquidity, OrderStatus, OrderUpdate
from pythia.model.instruments import Instrument
from pythia.model.orders import CancelRequest, OrderRequest, OrderType, TimeInForce
from pythia.sim.models.base import VenueProfile
from pythia.sim.venue import SimulatedVenue
from pythia.venues.binance.profile import WIRE_DECIMALS

_STATUS = {
    OrderStatus.OPEN: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
_TIME_IN_FORCE = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}


def wire_decimal(units: int, decimals: int) -> str:
    """Binance's 8-decimal string of an amount in units: ``61837.63000000``."""
    return f"{units_to_decimal(units, decimals):.{WIRE_DECIMALS}f}"


class BinanceError(Exception):
    """A request Binance refuses: HTTP status, Binance error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"code": self.code, "msg": self.message}


class Account:
    """Balances of the one emulated user (the simulator's ``AccountView``): the quote asset
    in micro-units, base assets in 8-decimal units."""

    def __init__(self, balances: dict[str, int], instruments: dict[str, Instrument]) -> None:
        self.balances = dict(balances)
        self.instruments = instruments

    def available(self, currency: str) -> int:
        return self.balances.get(currency, 0)

    def position(self, instrument_id: str) -> int:
        instrument = self.instruments[instrument_id]
        return self.balances.get(instrument.base_currency, 0)

    def apply(self, fill: FillReport) -> None:
        instrument = self.instruments[fill.instrument_id]
        base, quote = instrument.base_currency, instrument.quote_currency
        signed = fill.size if fill.side is Side.BUY else -fill.size
        self.balances[base] = self.balances.get(base, 0) + signed
        self.balances[quote] = self.balances.get(quote, 0) + fill.cash_micros - fill.fee_micros


@dataclass
class OrderRecord:
    """One accepted order as Binance reports it."""

    order_id: int
    client_order_id: str
    instrument: Instrument
    request: OrderRequest
    order_type: str
    time_in_force: str
    created_ms: int
    updated_ms: int
    status: str = "NEW"
    executed: int = 0
    quote_micros: int = 0
    fills: list[dict] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def wire(self) -> dict:
        """The order as ``GET /api/v3/order`` shows it."""
        instrument = self.instrument
        return {
            "symbol": instrument.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "price": wire_decimal(self.request.price or 0, instrument.price_decimals),
            "origQty": wire_decimal(self.request.size, instrument.size_decimals),
            "executedQty": wire_decimal(self.executed, instrument.size_decimals),
            "cummulativeQuoteQty": wire_decimal(self.quote_micros, MONEY_DECIMALS),
            "status": self.status,
            "timeInForce": self.time_in_force,
            "type": self.order_type,
            "side": "BUY" if self.request.side is Side.BUY else "SELL",
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": self.created_ms,
            "updateTime": self.updated_ms,
            "isWorking": True,
            "workingTime": self.created_ms,
            "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

    def full(self, transact_ms: int) -> dict:
        """The ``newOrderRespType=FULL`` answer of ``POST /api/v3/order``."""
        body = self.wire()
        for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking"):
            body.pop(key)
        return {**body, "transactTime": transact_ms, "fills": list(self.fills)}


class BinanceExchange:
    """Books, orders, trades and balances of the emulator; pure apart from ``now_ns``."""

    def __init__(
        self,
        profile: VenueProfile,
        instruments: Iterable[Instrument],
        balances: dict[str, str],
        seed: int = 0,
    ) -> None:
        self.symbols: dict[str, Instrument] = {}
        by_id: dict[str, Instrument] = {}
        self.account = Account({}, by_id)
        self.venue = SimulatedVenue(profile, self.account, random.Random(seed))
        for instrument in instruments:
            self.symbols[instrument.symbol] = instrument
            by_id[instrument.id] = instrument
            self.venue.add_instrument(instrument)
        for asset, amount in balances.items():
            self.account.balances[asset] = parse_units(amount, self._decimals(asset))
        self.orders: dict[int, OrderRecord] = {}
        self.my_trades: list[dict] = []
        self.trade_record: list[FillReport] = []
        """Every fill of the emulated user, with the ids the API reports (test hook)."""
        self.rejected_events = 0
        self._next_order_id = 1
        self._next_trade_id = 1

    def _decimals(self, asset: str) -> int:
        quotes = {i.quote_currency for i in self.symbols.values()}
        return MONEY_DECIMALS if asset in quotes else WIRE_DECIMALS

    # ---- market data --------------------------------------------------------------------
    def instrument(self, symbol: str) -> Instrument:
        instrument = self.symbols.get(symbol.upper())
        if instrument is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        return instrument

    def apply(self, event: MarketEvent, now_ns: int) -> None:
        """Apply one replayed event (resting orders may fill)."""
        try:
            responses = self.venue.on_market_event(event)
        except DataError:
            self.rejected_events += 1
            return
        self._on_responses(responses, now_ns)

    def depth(self, symbol: str, limit: int, last_update_id: int) -> dict:
        """``GET /api/v3/depth``: the displayed book, best first."""
        instrument = self.instrument(symbol)
        book = self.venue.book(instrument.id)
        pd, sd = instrument.price_decimals, instrument.size_decimals

        def side(levels):
            return [[wire_decimal(p, pd), wire_decimal(s, sd)] for p, s in levels[:limit]]

        return {
            "lastUpdateId": last_update_id,
            "bids": side(book.bids()),
            "asks": side(book.asks()),
        }

    # ---- orders -------------------------------------------------------------------------
    def submit(self, params: dict[str, str], now_ns: int) -> OrderRecord:
        """Check and match ``POST /api/v3/order``; ``BinanceError`` when refused."""
        instrument = self.instrument(params.get("symbol", ""))
        client_id = params.get("newClientOrderId") or f"emulator-{self._next_order_id}"
        if any(o.client_order_id == client_id and o.is_open for o in self.orders.values()):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        request, order_type, tif = self._request(params, instrument)
        order_id = self._next_order_id
        self._next_order_id += 1
        now_ms = now_ns // 1_000_000
        record = OrderRecord(
            order_id, client_id, instrument, request, order_type, tif, now_ms, now_ms
        )
        sim_request = OrderRequest(
            str(order_id),
            instrument.id,
            request.side,
            request.size,
            request.price,
            request.order_type,
            request.time_in_force,
            request.post_only,
        )
        responses = self.venue.submit(sim_request, now_ns)
        refusal = next(
            (
                r
                for r in responses
                if isinstance(r, OrderUpdate) and r.status is OrderStatus.REJECTED
            ),
            None,
        )
        if refusal is not None:
            if refusal.reason == "post_only_would_cross":
                raise BinanceError(400, -2010, "Order would immediately match and take.")
            if refusal.reason == "insufficient_balance":
                message = "Account has insufficient balance for requested action."
                raise BinanceError(400, -2010, message)
            raise BinanceError(400, -1013, f"Filter failure: {refusal.reason}")
        self.orders[order_id] = record
        self._on_responses(responses, now_ns)
        return record

    def _request(self, params: dict[str, str], instrument: Instrument):
        kind = params.get("type", "").upper()
        side_text = params.get("side", "").upper()
        if side_text not in ("BUY", "SELL"):
            raise BinanceError(400, -1102, "Mandatory parameter 'side' was not sent.")
        side = Side.BUY if side_text == "BUY" else Side.SELL
        try:
            size = parse_units(params.get("quantity", ""), instrument.size_decimals)
        except ValueError:
            raise BinanceError(400, -1013, "Filter failure: LOT_SIZE") from None
        if kind == "MARKET":
            return (
                OrderRequest(
                    "", instrument.id, side, size, None, OrderType.MARKET, TimeInForce.IOC
                ),
                kind,
                "GTC",
            )
        if kind not in ("LIMIT", "LIMIT_MAKER"):
            raise BinanceError(400, -1116, "Invalid orderType.")
        try:
            price = parse_units(params.get("price", ""), instrument.price_decimals)
        except ValueError:
            raise BinanceError(400, -1013, "Filter failure: PRICE_FILTER") from None
        tif_text = "GTC" if kind == "LIMIT_MAKER" else params.get("timeInForce", "").upper()
        tif = _TIME_IN_FORCE.get(tif_text)
        if tif is None:
            raise BinanceError(400, -1115, "Invalid timeInForce.")
        request = OrderRequest(
            "", instrument.id, side, size, price, OrderType.LIMIT, tif, kind == "LIMIT_MAKER"
        )
        return request, kind, tif_text

    def find(self, symbol: str, order_id: str | None, client_id: str | None) -> OrderRecord:
        """The order by ``orderId`` or ``origClientOrderId`` (the latest with that id)."""
        instrument = self.instrument(symbol)
        for record in sorted(self.orders.values(), key=lambda r: -r.order_id):
            if record.instrument is not instrument:
                continue
            if (order_id and str(record.order_id) == order_id) or (
                client_id and record.client_order_id == client_id
            ):
                return record
        if not order_id and not client_id:
            message = (
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
            )
            raise BinanceError(400, -1102, message)
        raise BinanceError(400, -2013, "Order does not exist.")

    def cancel(self, record: OrderRecord, now_ns: int) -> OrderRecord:
        if not record.is_open:
            raise BinanceError(400, -2011, "Unknown order sent.")
        request = CancelRequest(str(record.order_id), record.instrument.id)
        self._on_responses(self.venue.cancel(request, now_ns), now_ns)
        return record

    def open_orders(self, symbol: str | None) -> list[OrderRecord]:
        return [
            r
            for r in self.orders.values()
            if r.is_open and (symbol is None or r.instrument.symbol == symbol.upper())
        ]

    def _on_responses(self, responses: Iterable, now_ns: int) -> None:
        for response in responses:
            record = self.orders.get(int(response.client_order_id or 0))
            if record is None:
                continue
            if isinstance(response, FillReport):
                self._record_fill(response, record, now_ns)
                continue
            status = _STATUS.get(response.status)
            if status is None:
                continue
            if status == "CANCELED" and response.reason in ("ioc_remainder", "fok_not_fillable"):
                status = "EXPIRED"
            record.status = status
            record.updated_ms = now_ns // 1_000_000

    def _record_fill(self, report: FillReport, record: OrderRecord, now_ns: int) -> None:
        instrument = record.instrument
        trade_id = self._next_trade_id
        self._next_trade_id += 1
        self.account.apply(report)
        record.executed += report.size
        record.quote_micros += abs(report.cash_micros)
        price = wire_decimal(report.price, instrument.price_decimals)
        qty = wire_decimal(report.size, instrument.size_decimals)
        commission = wire_decimal(report.fee_micros, MONEY_DECIMALS)
        record.fills.append(
            {
                "price": price,
                "qty": qty,
                "commission": commission,
                "commissionAsset": instrument.quote_currency,
                "tradeId": trade_id,
            }
        )
        self.my_trades.append(
            {
                "symbol": instrument.symbol,
                "id": trade_id,
                "orderId": record.order_id,
                "orderListId": -1,
                "price": price,
                "qty": qty,
                "quoteQty": wire_decimal(abs(report.cash_micros), MONEY_DECIMALS),
                "commission": commission,
                "commissionAsset": instrument.quote_currency,
                "time": now_ns // 1_000_000,
                "isBuyer": report.side is Side.BUY,
                "isMaker": report.liquidity is Liquidity.MAKER,
                "isBestMatch": True,
            }
        )
        published = FillReport(
            instrument.id,
            str(record.order_id),
            str(trade_id),
            report.side,
            report.price,
            report.size,
            report.liquidity,
            report.fee_micros,
            instrument.quote_currency,
            report.ts_event_ns,
            report.ts_recv_ns,
            client_order_id=record.client_order_id,
            cash_micros=report.cash_micros,
        )
        self.trade_record.append(published)

    # ---- views ----------------------------------------------------------------------------
    def account_view(self, now_ms: int) -> dict:
        """``GET /api/v3/account``: balances (nothing is reported locked)."""
        balances = [
            {
                "asset": asset,
                "free": wire_decimal(units, self._decimals(asset)),
                "locked": "0.00000000",
            }
            for asset, units in sorted(self.account.balances.items())
        ]
        commission = {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0", "seller": "0"}
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": commission,
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": False,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": 1,
        }

    def trades_of(
        self, symbol: str, from_id: int | None, order_id: int | None, limit: int
    ) -> list[dict]:
        """``GET /api/v3/myTrades``: ascending trade ids."""
        instrument = self.instrument(symbol)
        rows = [
            t
            for t in self.my_trades
            if t["symbol"] == instrument.symbol
            and (from_id is None or t["id"] >= from_id)
            and (order_id is None or t["orderId"] == order_id)
        ]
        return rows[:limit]

    def exchange_info(self, server_ms: int) -> dict:
        return {
            "timezone": "UTC",
            "serverTime": server_ms,
            "rateLimits": [],
            "exchangeFilters": [],
            "symbols": [symbol_info(i) for i in self.symbols.values()],
        }


def symbol_info(instrument: Instrument) -> dict:
    """One symbol of ``GET /api/v3/exchangeInfo`` with its PRICE_FILTER and LOT_SIZE."""
    tick = units_to_decimal(instrument.ticks.finest_tick, instrument.price_decimals)
    step = units_to_decimal(instrument.min_size, instrument.size_decimals)
    return {
        "symbol": instrument.symbol,
        "status": "TRADING",
        "baseAsset": instrument.base_currency,
        "baseAssetPrecision": 8,
        "quoteAsset": instrument.quote_currency,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": False,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": f"{tick:.8f}",
                "maxPrice": "1000000.00000000",
                "tickSize": f"{tick:.8f}",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": f"{step:.8f}",
                "maxQty": "9000.00000000",
                "stepSize": f"{step:.8f}",
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }
