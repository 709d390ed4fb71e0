"""The Kalshi emulator's REST API and the order client, end to end on loopback.

The emulator replays the catalog of conftest.py (the real recorded KXELONMARS-99 book, then
synthetic deltas); with ``speed=0`` and the replay finished, the book is fixed, so fills are
exact. Best YES ask after the replay is 1 - best NO bid.
"""

from __future__ import annotations

import json
import random

import aiohttp
import msgspec
import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.core.errors import OrderRejected
from pythia.model.enums import Side
from pythia.model.execution import Liquidity, OrderStatus
from pythia.model.orders import OrderRequest
from pythia.venues.backoff import Backoff
from pythia.venues.kalshi import parse, signing, wire
from pythia.venues.kalshi.emulator import Faults
from pythia.venues.kalshi.execution import KalshiExecution

TICKER = "KXELONMARS-99"
YES, NO = parse.token_ids(TICKER)
FAST = Backoff(base_s=0.01, max_s=0.05)


def client(emulator, credentials, **options) -> KalshiExecution:
    return KalshiExecution(
        credentials, base_url=emulator.rest_url, backoff=FAST, rng=random.Random(3), **options
    )


async def replayed(emulator) -> None:
    emulator.start_replay()
    await emulator.replay_done.wait()


def best_yes_ask(emulator) -> int:
    _, no_bids = emulator.exchange.levels(TICKER)
    return parse.ONE - max(no_bids)


# ---- authentication -----------------------------------------------------------------------------
def test_signed_requests_pass_and_bad_signatures_get_401(loopback, credentials):
    path = "/trade-api/v2/portfolio/balance"

    async def scenario(emulator):
        url = f"http://127.0.0.1:{emulator.port}{path}"
        stranger = signing.KalshiCredentials("test-key", signing.generate_private_key())
        answers = {}
        async with aiohttp.ClientSession() as session:
            for name, headers in (
                ("good", signing.auth_headers(credentials, "GET", path)),
                ("other key", signing.auth_headers(stranger, "GET", path)),
                ("other path", signing.auth_headers(credentials, "GET", path + "x")),
                ("unsigned", {}),
            ):
                async with session.get(url, headers=headers) as response:
                    answers[name] = (response.status, await response.read())
            public = f"http://127.0.0.1:{emulator.port}/trade-api/v2/markets/{TICKER}"
            async with session.get(public) as response:
                answers["public"] = (response.status, b"")
        return answers

    answers = loopback(scenario)

    assert answers["good"][0] == 200
    assert msgspec.json.decode(answers["good"][1], type=wire.BalanceResponse).balance == 1_000_000
    for name in ("other key", "other path", "unsigned"):
        status, body = answers[name]
        assert status == 401, name
        error = msgspec.json.decode(body, type=wire.ErrorResponse).error
        assert error.code == "authentication_error" and error.message
    assert answers["public"][0] == 200


def test_websocket_handshake_with_a_bad_signature_is_refused(loopback):
    stranger = signing.KalshiCredentials("test-key", signing.generate_private_key())

    async def scenario(emulator):
        headers = signing.auth_headers(stranger, "GET", "/trade-api/ws/v2")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(emulator.ws_url, headers=headers)
        return caught.value.status

    assert loopback(scenario) == 401


# ---- market data --------------------------------------------------------------------------------
def test_markets_and_orderbook_speak_kalshis_formats(loopback):
    async def scenario(emulator):
        await replayed(emulator)
        async with aiohttp.ClientSession() as session:
            base = emulator.rest_url
            async with session.get(f"{base}/markets") as response:
                markets = msgspec.json.decode(await response.read(), type=wire.MarketsResponse)
            async with session.get(f"{base}/markets/{TICKER}/orderbook") as response:
                book = msgspec.json.decode(await response.read(), type=wire.OrderbookResponse)
            async with session.get(f"{base}/markets/NOPE") as response:
                missing = response.status
        return markets, book, missing, emulator.exchange.levels(TICKER)

    markets, book, missing, (yes, no) = loopback(scenario, speed=0)

    (market,) = markets.markets
    definitions = parse.market_definitions(market)
    assert definitions[0].id == YES and definitions[0].ticks == parse.DEFAULT_TICKS
    yes_book, no_book = parse.parse_orderbook(book, TICKER)
    assert dict(yes_book.bids) == yes and dict(no_book.bids) == no
    top = parse.market_top_of_book(market)
    assert (top.bid_price, top.ask_price) == (max(yes), parse.ONE - max(no))
    assert missing == 404


# ---- orders -------------------------------------------------------------------------------------
def test_order_lifecycle_place_fill_rest_cancel_and_balance(loopback, credentials):
    async def scenario(emulator):
        await replayed(emulator)
        ask = best_yes_ask(emulator)
        async with client(emulator, credentials) as kalshi:
            before = await kalshi.balance_micros()
            taken = await kalshi.place(OrderRequest("take-1", YES, Side.BUY, 1000, ask))
            resting = await kalshi.place(OrderRequest("rest-1", YES, Side.BUY, 500, 100))
            open_orders = await kalshi.open_orders(TICKER)
            canceled = await kalshi.cancel(resting.venue_order_id)
            again = await kalshi.cancel(resting.venue_order_id)
            fills = await kalshi.fills()
            after = await kalshi.balance_micros()
        return ask, before, taken, resting, open_orders, canceled, again, fills, after

    ask, before, taken, resting, open_orders, canceled, again, fills, after = loopback(
        scenario, speed=0
    )

    assert taken.status is OrderStatus.FILLED and taken.filled_size == 1000
    assert taken.client_order_id == "take-1" and taken.price == ask
    assert resting.status is OrderStatus.OPEN
    assert [o.client_order_id for o in open_orders] == ["rest-1"]
    assert canceled.status is OrderStatus.CANCELED and again.status is OrderStatus.CANCELED
    (fill,) = fills
    assert (fill.instrument_id, fill.side, fill.price, fill.size) == (YES, Side.BUY, ask, 1000)
    assert fill.liquidity is Liquidity.TAKER and fill.venue_order_id == taken.venue_order_id
    # 10 contracts at p: cost 10 p, fee ceil(0.07 x 10 x p(1 - p)) to the cent
    cost = 10 * ask * 100
    assert fill.fee_micros % 10_000 == 0 and fill.fee_micros > 0
    assert before - after == cost + fill.fee_micros


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (OrderRequest("bad-tick", YES, Side.BUY, 100, 1005), "off_tick"),
        (OrderRequest("too-big", YES, Side.BUY, 10**9, 5000), "insufficient_balance"),
        (OrderRequest("no-position", NO, Side.SELL, 100, 5000), "insufficient_balance"),
        (OrderRequest("unknown", "kalshi:NOPE:yes", Side.BUY, 100, 5000), "unknown_instrument"),
    ],
)
def test_validation_errors_reject_cleanly(loopback, credentials, request_, reason):
    async def scenario(emulator):
        async with client(emulator, credentials) as kalshi:
            with pytest.raises(OrderRejected) as caught:
                await kalshi.place(request_)
        return caught.value, emulator.orders_created

    rejected, created = loopback(scenario, speed=0)

    assert rejected.reason == reason
    assert created == 0


def test_a_duplicate_client_order_id_returns_the_existing_order(loopback, credentials):
    async def scenario(emulator):
        async with client(emulator, credentials) as kalshi:
            first = await kalshi.place(OrderRequest("same-id", YES, Side.BUY, 200, 100))
            second = await kalshi.place(OrderRequest("same-id", YES, Side.BUY, 200, 100))
        return first, second, emulator.orders_created

    first, second, created = loopback(scenario, speed=0)

    assert second.venue_order_id == first.venue_order_id
    assert created == 1


# ---- faults -------------------------------------------------------------------------------------
def test_429_and_5xx_are_retried_and_no_order_is_duplicated(loopback, credentials):
    async def scenario(emulator):
        await replayed(emulator)
        ask = best_yes_ask(emulator)
        async with client(emulator, credentials) as kalshi:
            balance = await kalshi.balance_micros()
            placed = [
                await kalshi.place(OrderRequest(f"retry-{n}", YES, Side.BUY, 100, ask))
                for n in range(4)
            ]
            fills = await kalshi.fills()
        return balance, placed, fills, kalshi.counters, emulator

    faults = Faults(http_429_every=3, http_5xx_every=4)
    balance, placed, fills, counters, emulator = loopback(scenario, speed=0, faults=faults)

    assert balance == 10_000 * 10**6
    assert [p.client_order_id for p in placed] == [f"retry-{n}" for n in range(4)]
    assert emulator.orders_created == 4
    assert counters.rate_limited >= 1 and counters.server_errors >= 1
    assert emulator.faults_fired["http_429"] >= 1 and emulator.faults_fired["http_5xx"] >= 1
    assert sorted(f.trade_id for f in fills) == sorted(f.trade_id for f in emulator.trade_record)


def test_reject_orders_gives_a_clean_rejection(loopback, credentials):
    async def scenario(emulator):
        async with client(emulator, credentials) as kalshi:
            with pytest.raises(OrderRejected) as caught:
                await kalshi.place(OrderRequest("refused", YES, Side.BUY, 100, 5000))
        return caught.value, emulator.orders_created

    rejected, created = loopback(scenario, speed=0, faults=Faults(reject_orders=True))

    assert rejected.reason == "order_rejected" and created == 0


def test_a_lost_response_is_looked_up_by_client_id_not_resubmitted(loopback, credentials):
    async def scenario(emulator):
        await replayed(emulator)
        ask = best_yes_ask(emulator)
        async with client(emulator, credentials, timeout_s=0.5) as kalshi:
            placed = await kalshi.place(OrderRequest("lost-1", YES, Side.BUY, 300, ask))
            fills = await kalshi.fills()
        return placed, fills, kalshi.counters, emulator

    placed, fills, counters, emulator = loopback(
        scenario, speed=0, faults=Faults(lose_response_every=1), lost_response_hold_s=5.0
    )

    assert emulator.faults_fired["lose_response"] == 1
    assert counters.timeouts >= 1 and counters.lookups >= 1
    assert emulator.orders_created == 1
    assert placed.client_order_id == "lost-1" and placed.status is OrderStatus.FILLED
    assert [f.trade_id for f in fills] == [f.trade_id for f in emulator.trade_record]


# ---- configuration and CLI ----------------------------------------------------------------------
def test_fault_switches_parse_from_name_value_pairs():
    faults = Faults.parse(["skip_seq=50", "reject_orders=true", "http_5xx_every=7"])

    assert (faults.skip_seq, faults.reject_orders, faults.http_5xx_every) == (50, True, 7)
    with pytest.raises(Exception, match="unknown fault"):
        Faults.parse(["nonsense=1"])


def test_pythia_emulate_serves_the_dataset_and_prints_its_urls(kalshi_catalog, rsa_key, tmp_path):
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(signing.public_key_pem(rsa_key.public_key()))
    args = ["emulate", "kalshi", "--data", str(kalshi_catalog), "--port", "0", "--speed", "0"]

    result = CliRunner().invoke(
        app, [*args, "--run-for", "0.2", "--public-key", str(key_file), "--json"]
    )
    refused = CliRunner().invoke(app, [*args, "--fault", "nonsense=1"])

    assert result.exit_code == 0, result.output
    urls = json.loads(result.stdout)
    assert urls["rest"].startswith("http://127.0.0.1:") and urls["rest"].endswith("/trade-api/v2")
    assert urls["websocket"].endswith("/trade-api/ws/v2")
    assert refused.exit_code == 1 and "unknown fault" in refused.output


def test_the_emulator_serves_loopback_only(kalshi_catalog):
    from pythia.core.errors import ConfigError
    from pythia.data.catalog import Catalog
    from pythia.venues.kalshi.emulator import KalshiEmulator

    with pytest.raises(ConfigError, match="loopback"):
        KalshiEmulator(Catalog(kalshi_catalog), host="0.0.0.0")
