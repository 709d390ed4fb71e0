"""The emulator's REST endpoints: the paths ``py-clob-client-v2`` calls, answered as the
venue answers (errors are ``{"error": "<message>"}`` with the venue's status codes)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from aiohttp import web

from pythia.venues.polymarket import encode, signing
from pythia.venues.polymarket.emulator_exchange import Market
from pythia.venues.polymarket.parse import VENUE

if TYPE_CHECKING:
    from pythia.venues.polymarket.emulator import PolymarketEmulator

MAX_UINT256 = str(2**256 - 1)


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _decimal_number(units: int, decimals: int) -> float:
    """A JSON number as the venue sends it (``/tick-size``, ``/markets``); display only."""
    return float(encode.venue_decimal(units, decimals))


def add_routes(app: web.Application, emulator: PolymarketEmulator) -> None:
    """Register every endpoint on ``app``."""
    exchange = emulator.exchange

    def now_ms() -> int:
        return emulator.clock.now_ns() // 10**6

    def market_of(request: web.Request) -> Market | web.Response:
        token_id = request.query.get("token_id", "")
        market = exchange.markets.get(token_id)
        if not token_id:
            return _error("Invalid token id", 400)
        if market is None:
            return _error("No orderbook exists for the requested token id", 404)
        return market

    def market_json(condition_id: str) -> dict | None:
        tokens = [m for m in exchange.markets.values() if m.condition_id == condition_id]
        if not tokens:
            return None
        first = tokens[0].token
        return {
            "condition_id": condition_id,
            "question": first.symbol,
            "tokens": [
                {"token_id": m.token.id.partition(":")[2], "outcome": m.token.outcome}
                for m in tokens
            ],
            "minimum_tick_size": _decimal_number(first.tick, 4),
            "minimum_order_size": _decimal_number(first.min_size, 6),
            "neg_risk": tokens[0].neg_risk,
            "active": True,
            "closed": False,
            "accepting_orders": True,
            "enable_order_book": True,
        }

    def event_json(event_id: str) -> dict | None:
        """A Gamma event for a negRisk group, by its negRisk market id (the dataset keeps
        groups by that id, not Gamma's own event ids): what the live connector reads to
        build the group's definitions."""
        group = f"{VENUE}:{event_id}"
        yes_tokens = [m.token for m in exchange.markets.values() if m.token.group_id == group]
        if not yes_tokens:
            return None
        markets = []
        for yes in yes_tokens:
            no_id = (yes.complement_id or "").partition(":")[2]
            markets.append(
                {
                    "conditionId": yes.market_id,
                    "question": yes.symbol,
                    "groupItemTitle": yes.symbol,
                    "clobTokenIds": json.dumps([yes.id.partition(":")[2], no_id]),
                    "outcomes": json.dumps(["Yes", "No"]),
                    "orderPriceMinTickSize": _decimal_number(yes.tick, 4),
                    "orderMinSize": _decimal_number(yes.min_size, 6),
                    "negRisk": True,
                    "negRiskMarketID": event_id,
                    "active": True,
                    "closed": False,
                    "acceptingOrders": True,
                    "enableOrderBook": True,
                }
            )
        return {
            "id": event_id,
            "title": f"negRisk event {event_id}",
            "negRisk": True,
            "enableNegRisk": True,
            "negRiskAugmented": False,
            "negRiskMarketID": event_id,
            "markets": markets,
        }

    async def gamma_event(request: web.Request) -> web.Response:
        found = event_json(request.match_info["event_id"])
        return web.json_response(found) if found else _error("event not found", 404)

    async def ok(_: web.Request) -> web.Response:
        return web.json_response("OK")

    async def server_time(_: web.Request) -> web.Response:
        return web.json_response(int(time.time()))

    async def version(_: web.Request) -> web.Response:
        return web.json_response({"version": 2})

    async def book(request: web.Request) -> web.Response:
        market = market_of(request)
        if isinstance(market, web.Response):
            return market
        token_id = request.query["token_id"]
        return web.json_response(exchange.book_summary(token_id, now_ms()))

    async def books(request: web.Request) -> web.Response:
        try:
            items = json.loads(await request.text())
            token_ids = [str(item["token_id"]) for item in items]
        except (ValueError, KeyError, TypeError):
            return _error("Invalid payload", 400)
        if len(token_ids) > 500:
            return _error("Payload exceeds the limit", 400)
        summaries = [exchange.book_summary(t, now_ms()) for t in token_ids]
        return web.json_response([s for s in summaries if s is not None])

    async def tick_size(request: web.Request) -> web.Response:
        market = market_of(request)
        if isinstance(market, web.Response):
            return market
        return web.json_response({"minimum_tick_size": _decimal_number(market.token.tick, 4)})

    async def neg_risk(request: web.Request) -> web.Response:
        market = market_of(request)
        if isinstance(market, web.Response):
            return market
        return web.json_response({"neg_risk": market.neg_risk})

    async def fee_rate(request: web.Request) -> web.Response:
        market = market_of(request)
        if isinstance(market, web.Response):
            return market
        return web.json_response({"base_fee": 0})

    async def markets(_: web.Request) -> web.Response:
        ids = sorted({m.condition_id for m in exchange.markets.values()})
        return web.json_response(emulator.page([market_json(c) for c in ids]))

    async def market(request: web.Request) -> web.Response:
        found = market_json(request.match_info["condition_id"])
        return web.json_response(found) if found else _error("market not found", 404)

    async def clob_market(request: web.Request) -> web.Response:
        found = market_json(request.match_info["condition_id"])
        if found is None:
            return _error("market not found", 404)
        return web.json_response(
            {
                "c": found["condition_id"],
                "t": [{"t": t["token_id"], "o": t["outcome"]} for t in found["tokens"]],
                "mts": found["minimum_tick_size"],
                "mos": found["minimum_order_size"],
                "nr": found["neg_risk"],
                "fd": {"r": 0, "e": 1, "to": True},
            }
        )

    async def market_by_token(request: web.Request) -> web.Response:
        found = exchange.markets.get(request.match_info["token_id"])
        if found is None:
            return _error("market not found", 404)
        return web.json_response({"condition_id": found.condition_id})

    def l1_keys(issue, failure: str):
        async def handler(request: web.Request) -> web.Response:
            address = emulator.l1_address(request)
            if address is None:
                return _error("Invalid L1 Request headers", 401)
            found = issue(address, int(request.headers.get("POLY_NONCE") or 0))
            return web.json_response(found.as_json()) if found else _error(failure, 400)

        return handler

    create_key = l1_keys(exchange.create_api_key, "Could not create api key")
    derive_key = l1_keys(exchange.derive_api_key, "Could not derive api key!")

    def authed(handler):
        async def wrapped(request: web.Request) -> web.Response:
            body = await request.text()
            key = emulator.l2_key(request, body)
            if key is None:
                return _error("Unauthorized/Invalid api key", 401)
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                return _error("Invalid order payload", 400)
            return await handler(request, key, payload)

        return wrapped

    @authed
    async def post_order(request, key, payload) -> web.Response:
        status, answer = emulator.post_one(payload, key)
        return web.json_response(answer, status=status)

    @authed
    async def post_orders(request, key, payload) -> web.Response:
        if not isinstance(payload, list):
            return _error("Invalid order payload", 400)
        if len(payload) > 15:
            return _error("Too many orders in payload, max 15", 400)
        answers = []
        for body in payload:
            status, answer = emulator.post_one(body, key)
            if status != 200:
                answer = {"success": False, "errorMsg": answer["error"], "orderID": ""}
            answers.append(answer)
        return web.json_response(answers)

    @authed
    async def cancel_order(request, key, payload) -> web.Response:
        if not isinstance(payload, dict) or not isinstance(payload.get("orderID"), str):
            return _error("Invalid order payload", 400)
        return web.json_response(emulator.cancel([payload["orderID"]], key))

    @authed
    async def cancel_orders(request, key, payload) -> web.Response:
        if not isinstance(payload, list):
            return _error("Invalid order payload", 400)
        return web.json_response(emulator.cancel([str(i) for i in payload], key))

    @authed
    async def cancel_all(request, key, payload) -> web.Response:
        ids = [o.order_id for o in exchange.live_orders(key)]
        return web.json_response(emulator.cancel(ids, key))

    @authed
    async def cancel_market(request, key, payload) -> web.Response:
        payload = payload if isinstance(payload, dict) else {}
        orders = exchange.live_orders(
            key, market=payload.get("market", ""), asset_id=payload.get("asset_id", "")
        )
        return web.json_response(emulator.cancel([o.order_id for o in orders], key))

    @authed
    async def get_order(request, key, payload) -> web.Response:
        found = exchange.order_json(request.match_info["order_id"], key)
        return web.json_response(found) if found else _error("order not found", 404)

    @authed
    async def get_orders(request, key, payload) -> web.Response:
        return web.json_response(emulator.orders_page(key, request.query))

    @authed
    async def get_trades(request, key, payload) -> web.Response:
        query = request.query
        records = [
            record
            for record in exchange.trades.get(key.key, [])
            if query.get("id") in (None, "", record["id"])
            and query.get("market") in (None, "", record["market"])
            and query.get("asset_id") in (None, "", record["asset_id"])
            and int(query.get("after") or 0) <= int(record["match_time"])
            and int(record["match_time"]) <= int(query.get("before") or 2**62)
        ]
        return web.json_response(emulator.page(records))

    @authed
    async def balance(request, key, payload) -> web.Response:
        token_id = request.query.get("token_id", "")
        if request.query.get("asset_type", "COLLATERAL").upper() == "CONDITIONAL":
            found = exchange.markets.get(token_id)
            if found is None:
                return _error("Invalid token id", 400)
            units = exchange.ledger.position(found.token.id)
        else:
            units = exchange.ledger.cash_micros
        allowances = {
            signing.exchange_address(emulator.chain_id, neg): MAX_UINT256 for neg in (False, True)
        }
        return web.json_response({"balance": str(units), "allowances": allowances})

    @authed
    async def heartbeat(request, key, payload) -> web.Response:
        given = payload.get("heartbeat_id", "") if isinstance(payload, dict) else ""
        return web.json_response({"heartbeat_id": given or f"hb-{now_ms()}"})

    app.router.add_get("/", ok)
    app.router.add_get("/ok", ok)
    app.router.add_get("/gamma/events/{event_id}", gamma_event)
    app.router.add_get("/time", server_time)
    app.router.add_get("/version", version)
    app.router.add_get("/book", book)
    app.router.add_post("/books", books)
    app.router.add_get("/tick-size", tick_size)
    app.router.add_get("/neg-risk", neg_risk)
    app.router.add_get("/fee-rate", fee_rate)
    app.router.add_get("/markets", markets)
    app.router.add_get("/markets/{condition_id}", market)
    app.router.add_get("/clob-markets/{condition_id}", clob_market)
    app.router.add_get("/markets-by-token/{token_id}", market_by_token)
    app.router.add_post("/auth/api-key", create_key)
    app.router.add_get("/auth/derive-api-key", derive_key)
    app.router.add_post("/order", post_order)
    app.router.add_post("/orders", post_orders)
    app.router.add_delete("/order", cancel_order)
    app.router.add_delete("/orders", cancel_orders)
    app.router.add_delete("/cancel-all", cancel_all)
    app.router.add_delete("/cancel-market-orders", cancel_market)
    app.router.add_get("/data/order/{order_id}", get_order)
    app.router.add_get("/data/orders", get_orders)
    app.router.add_get("/data/trades", get_trades)
    app.router.add_get("/balance-allowance", balance)
    app.router.add_get("/balance-allowance/update", balance)
    app.router.add_post("/v1/heartbeats", heartbeat)
    app.router.add_get("/ws/market", emulator.ws_market)
    app.router.add_get("/ws/user", emulator.ws_user)
