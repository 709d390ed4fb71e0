"""Notifier against a local HTTP receiver standing in for a webhook (apprise ``json://``)."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from pythia.cli.main import app
from pythia.core.errors import ConfigError
from pythia.service.notify import ENV_URLS, Notifier, NotifySettings, TokenBucket, split_urls

SECRET = "s3cr3tT0kenXYZ"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records every JSON body it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length))
                receiver.paths.append(self.path)
                receiver.bodies.append(payload)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def wait_for(self, count: int, timeout_s: float = 3.0) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.bodies


@pytest.fixture(autouse=True)
def no_urls_from_env(monkeypatch):
    monkeypatch.delenv(ENV_URLS, raising=False)


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def settings(url: str, **overrides) -> NotifySettings:
    values = {"urls": [url], "batch_s": 0.05, "max_per_minute": 6} | overrides
    return NotifySettings(**values)


def fill(index: int, instrument: str = "BTC-UP", side: str = "buy") -> dict:
    return {
        "kind": "fill",
        "ts_ns": 1_714_564_800_000_000_000 + index,
        "venue": "polymarket",
        "instrument": instrument,
        "side": side,
        "price": "0.52",
        "size": "10",
        "fee": "0.01",
        "strategy": "arb",
        "client_order_id": f"c-{index}",
    }


def counted_fills(bodies: list[dict]) -> int:
    return sum(
        int(match) for b in bodies for match in re.findall(r"^(\d+) fills?:", b["message"], re.M)
    )


def wait_until(predicate, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


class FakeClock:
    def __init__(self, now_s: float) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def test_a_message_arrives_in_apprise_json_format(receiver):
    with Notifier(settings(receiver.url())) as notifier:
        notifier.publish(fill(1))
        bodies = receiver.wait_for(1)
    assert receiver.paths == ["/hook"]
    assert set(bodies[0]) == {"version", "title", "message", "attachments", "type"}
    assert bodies[0]["version"] == "1.0" and bodies[0]["type"] == "info"
    assert bodies[0]["title"] == "Pythia: polymarket BTC-UP buy 10 @ 0.52 fee 0.01 (arb, c-1)"
    assert "1 fill:" in bodies[0]["message"]
    assert notifier.stats["sent"] == 1 and notifier.stats["batched"] == 1


def test_a_burst_of_200_fills_becomes_a_few_messages_that_count_them_all(receiver):
    notifier = Notifier(settings(receiver.url(), max_per_minute=3)).start()
    for wave in range(10):
        for index in range(20):
            side = "buy" if index % 2 else "sell"
            notifier.publish(fill(wave * 20 + index, f"M{index % 3}", side))
        time.sleep(0.03)
    before_close = len(receiver.wait_for(3, timeout_s=1.0))
    notifier.close()
    assert before_close <= 3  # the bucket holds the rest back...
    assert len(receiver.bodies) <= 4  # ...until close flushes it as one message
    assert counted_fills(receiver.bodies) == 200
    stats = notifier.stats
    assert stats["batched"] == 200 and stats["pending"] == 0 and stats["dropped"] == 0
    assert stats["messages"] == len(receiver.bodies) == stats["sent"]
    first = receiver.bodies[0]["message"]
    assert "polymarket M0 sell:" in first and "first 5:" in first


def test_the_token_bucket_merges_what_waits_into_the_next_message(receiver):
    clock = FakeClock(1_000.0)
    notifier = Notifier(settings(receiver.url(), max_per_minute=2), clock=clock).start()
    for wave in range(4):
        notifier.publish(fill(wave))
        clock.now_s += 1.0
        if wave < 2:
            receiver.wait_for(wave + 1)
    wait_until(lambda: notifier.stats["delayed"] == 1)
    time.sleep(0.1)
    assert len(receiver.bodies) == 2
    assert notifier.stats["pending"] == 2 and notifier.stats["delayed"] == 1
    clock.now_s += 30.0  # one token back
    receiver.wait_for(3)
    notifier.close()
    assert [counted_fills([b]) for b in receiver.bodies] == [1, 1, 2]


def test_opportunities_below_the_threshold_are_not_sent(receiver):
    def opportunity(profit: str) -> dict:
        return {
            "kind": "opportunity",
            "ts_ns": 1,
            "opportunity_kind": "complement",
            "group": "election",
            "profit": profit,
            "currency": "USDC",
            "legs": 2,
        }

    with Notifier(settings(receiver.url(), min_opportunity_profit="0.10")) as notifier:
        for profit in ("0.05", "0.12", "0.099", "0.40"):
            notifier.publish(opportunity(profit))
        receiver.wait_for(1)
    body = receiver.bodies[0]["message"]
    assert body.startswith("2 opportunities (best profit 0.40 USDC):")
    assert "complement election: profit 0.12 USDC (2 legs)" in body
    assert "0.05" not in body and "0.099" not in body
    assert notifier.stats["filtered"] == 2 and notifier.stats["batched"] == 2


def test_breaker_mode_change_and_feed_events_are_listed_in_order(receiver):
    ts_ns = int(datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC).timestamp() * 1e9)
    events = [
        {
            "kind": "feed",
            "ts_ns": ts_ns,
            "venue": "kalshi",
            "status": "down",
            "detail": "ws closed",
        },
        {"kind": "breaker", "ts_ns": ts_ns, "name": "daily_loss", "reason": "loss 52 > 50"}
        | {"mode": "reduce_only"},
        {"kind": "mode_change", "ts_ns": ts_ns, "mode": "reduce_only", "previous": "normal"}
        | {"source": "risk", "reason": "daily loss"},
        {"kind": "feed", "ts_ns": ts_ns, "venue": "kalshi", "status": "up", "detail": ""},
    ]
    with Notifier(settings(receiver.url())) as notifier:
        for event in events:
            notifier.publish(event)
        receiver.wait_for(1)
    (body,) = receiver.bodies
    assert body["type"] == "failure"
    assert body["title"] == "Pythia: 1 breaker, 1 mode change, 2 feed events"
    assert body["message"].splitlines() == [
        "12:00:03Z BREAKER daily_loss tripped: loss 52 > 50 (mode reduce_only)",
        "12:00:03Z MODE normal -> reduce_only by risk: daily loss",
        "12:00:03Z FEED kalshi down: ws closed",
        "12:00:03Z FEED kalshi up",
    ]


def test_a_single_feed_down_is_a_warning_titled_by_itself(receiver):
    with Notifier(settings(receiver.url(), events=["feed"])) as notifier:
        notifier.publish(fill(1))  # not among the wanted kinds
        notifier.publish({"kind": "feed", "ts_ns": 0, "venue": "betfair", "status": "stale"})
        receiver.wait_for(1)
    assert receiver.bodies[0]["title"] == "Pythia: FEED betfair stale"
    assert receiver.bodies[0]["type"] == "warning"
    assert notifier.stats["filtered"] == 1


def test_the_daily_summary_fires_at_its_utc_time_with_an_injected_clock(receiver):
    clock = FakeClock(datetime(2024, 5, 1, 20, 59, 30, tzinfo=UTC).timestamp())
    figures = {"pnl": "1.23", "currency": "USDC", "fills": 12, "orders": 30, "mode": "normal"}
    notifier = Notifier(
        settings(receiver.url(), daily_summary_utc="21:00"), summary=lambda: figures, clock=clock
    ).start()
    notifier.publish(fill(1))
    clock.now_s += 1.0
    receiver.wait_for(1)
    time.sleep(0.3)
    assert len(receiver.bodies) == 1  # not yet 21:00
    clock.now_s += 60.0
    receiver.wait_for(2)
    clock.now_s += 3600.0  # later that evening: no second summary
    time.sleep(0.3)
    assert len(receiver.bodies) == 2
    clock.now_s += 86_400.0
    receiver.wait_for(3)
    notifier.close()
    summary = receiver.bodies[1]
    assert summary["title"] == "Pythia: 1 daily summary"
    assert summary["message"].splitlines() == [
        "Daily summary 2024-05-01 21:00 UTC",
        "  pnl: 1.23 USDC",
        "  fills: 12",
        "  orders: 30",
        "  mode: normal",
        "  notified since the last summary: 1 fill",
    ]
    assert "2024-05-02 21:00 UTC" in receiver.bodies[2]["message"]
    assert notifier.stats["summaries"] == 2


@pytest.mark.parametrize("failure", ["http_500", "closed_port"])
def test_a_failing_channel_is_counted_and_the_notifier_keeps_working(receiver, failure, caplog):
    bad = Receiver(status=500)
    if failure == "http_500":
        bad.thread.start()
    else:
        bad.server.server_close()  # nothing listens on its port any more
    with Notifier(settings(bad.url(), urls=[bad.url(), receiver.url()])) as notifier:
        notifier.publish(fill(1))
        receiver.wait_for(1)
        notifier.publish(fill(2))
        receiver.wait_for(2)
    if failure == "http_500":
        bad.server.shutdown()
        bad.server.server_close()
    assert counted_fills(receiver.bodies) == 2
    stats = notifier.stats
    assert (stats["messages"], stats["sent"], stats["failed"]) == (2, 2, 2)
    assert [(c["sent"], c["failed"]) for c in notifier.channels()] == [(0, 2), (2, 0)]
    assert "to channel #1 json://127.0.0.1:" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        "mailtos://user:app-password@gmail.com",
    ],
)
def test_common_service_urls_pass_validation_without_sending(url):
    assert NotifySettings(urls=[url]).urls == [url]


def test_an_invalid_url_raises_config_error_without_the_secret(caplog):
    caplog.set_level(logging.DEBUG)
    good = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
    with pytest.raises(ConfigError) as raised:
        NotifySettings(urls=[good, f"tgram://{SECRET}/chat"])
    assert "notify.urls entry 2 of 2" in str(raised.value)
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)
    assert SECRET not in caplog.text
    assert "JHMHI8qBe7bk2ZwO5U711o3dV_js" not in caplog.text


def test_urls_come_from_the_environment_and_stay_out_of_repr(monkeypatch, receiver):
    monkeypatch.setenv(ENV_URLS, f"{receiver.url(SECRET)}, {receiver.url('two')}")
    configured = NotifySettings()
    assert configured.urls == [receiver.url(SECRET), receiver.url("two")]
    assert SECRET not in repr(configured) and SECRET not in str(configured)
    monkeypatch.setenv(ENV_URLS, "nonsense-without-scheme")
    with pytest.raises(ConfigError, match=f"{ENV_URLS} entry 1 of 1"):
        NotifySettings()


def test_split_urls_keeps_commas_inside_a_url():
    text = "mailto://u:p@x.org?to=a@x.org,b@y.org, json://h/p\n tgram://t/c"
    assert split_urls(text) == [
        "mailto://u:p@x.org?to=a@x.org,b@y.org",
        "json://h/p",
        "tgram://t/c",
    ]


def test_secrets_never_reach_logs_stats_or_channels(receiver, caplog):
    caplog.set_level(1)  # apprise's TRACE level and urllib3's DEBUG
    receiver.status = 500
    secret_url = f"json://user:{SECRET}pw@127.0.0.1:{receiver.port}/hook/{SECRET}"
    with Notifier(settings(secret_url)) as notifier:
        notifier.publish(fill(1))
        receiver.wait_for(1)
    assert receiver.paths == [f"/hook/{SECRET}"]
    assert notifier.stats["failed"] == 1
    assert "failed" in caplog.text and caplog.records
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps(notifier.stats) + json.dumps(notifier.channels())


def test_publish_never_raises_on_bad_events_and_counts_them(receiver):
    notifier = Notifier(settings(receiver.url()))
    for bad in (None, "fill", {"kind": "nope"}, {"kind": "opportunity", "profit": "x"}):
        notifier.publish(bad)  # type: ignore[arg-type]
    notifier.close()
    notifier.publish(fill(1))  # after close
    assert notifier.stats["dropped"] == 5 and receiver.bodies == []


def test_the_bucket_refills_at_its_rate():
    bucket = TokenBucket(per_minute=6, now_s=0.0)
    assert [bucket.take(0.0) for _ in range(7)] == [True] * 6 + [False]
    assert bucket.wait_s(0.0) == pytest.approx(10.0)
    assert bucket.take(10.0) and not bucket.take(10.0)


def test_cli_notify_test_sends_one_message(receiver, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(f'[notify]\nurls = ["{receiver.url()}"]\ntitle = "Desk"\n')
    result = CliRunner().invoke(app, ["notify-test", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["delivered"] == 1
    assert receiver.bodies[0]["title"] == "Desk: test"


def test_cli_notify_test_fails_when_a_channel_does_not_get_it(receiver, tmp_path):
    receiver.status = 500
    config = tmp_path / "run.toml"
    config.write_text(f'[notify]\nurls = ["{receiver.url(SECRET)}"]\n')
    result = CliRunner().invoke(app, ["notify-test", "--config", str(config)])
    assert result.exit_code == 1
    assert "0 of 1" in result.output and SECRET not in result.output


def test_a_paper_run_notifies_its_fills_and_mode_changes_through_the_hub(receiver, tmp_path):
    """The wiring of `pythia serve`: the hub's events reach the channel, batched."""
    from pythia.service.backtest import load_settings, run
    from pythia.service.ops import OpsHub
    from pythia.service.paper import Pace

    hub = OpsHub(journal_url=f"sqlite:///{tmp_path / 'j.db'}")
    notifier = Notifier(settings(receiver.url(), batch_s=0.2, max_per_minute=30))
    hub.subscribe(notifier.publish)
    from pythia.store import Journal

    Journal.open(hub.journal_url).close()  # the run's journal exists, as when it is going
    asked = []

    def reduce_after_the_first_fill(event: dict) -> None:
        if event["kind"] == "fill" and not asked:
            asked.append(hub.control("reduce", "end of day"))

    hub.subscribe(reduce_after_the_first_fill)
    with notifier:
        result = run(load_settings(None), journal_url=hub.journal_url, pace=Pace(0), ops=hub)
    bodies = receiver.wait_for(1)
    text = "\n".join(b["message"] for b in bodies)
    assert "MODE normal -> reduce_only" in text
    assert counted_fills(bodies) == result.summary["fills"] > 0
    assert len(bodies) <= 30
