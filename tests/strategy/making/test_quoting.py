"""Quote management: thresholds, post-only pricing, the rate limit and cancel-all."""

from __future__ import annotations

import pytest

from pythia.model.enums import Side
from pythia.strategy.making.quoting import (
    Action,
    Decision,
    Quote,
    QuoteManager,
    TokenBucket,
    cancel_reason,
    needs_replace,
    post_only_price,
)

S = 1_000_000_000


def test_token_bucket_spends_and_refills():
    bucket = TokenBucket(capacity=2, rate_per_s=4)
    assert bucket.try_take(0) and bucket.try_take(0)
    assert not bucket.try_take(0)
    assert bucket.available(S // 4) == pytest.approx(1.0)
    assert bucket.try_take(S // 4) and not bucket.try_take(S // 4)
    assert bucket.available(10 * S) == 2  # capped at capacity


def test_needs_replace_only_beyond_the_threshold():
    resting = Quote(5000, 10)
    assert not needs_replace(resting, Quote(5002, 10), threshold=2)
    assert needs_replace(resting, Quote(4997, 10), threshold=2)
    assert needs_replace(resting, Quote(5000, 11), threshold=2)
    assert not needs_replace(resting, Quote(5000, 11), threshold=2, size_tolerance=0.2)


def test_post_only_price_never_crosses():
    assert post_only_price(Side.BUY, 5100, best_opposite=5050, tick=10) == 5040
    assert post_only_price(Side.BUY, 5000, best_opposite=5050, tick=10) == 5000
    assert post_only_price(Side.SELL, 4990, best_opposite=5000, tick=10) == 5010
    assert post_only_price(Side.SELL, 4990, best_opposite=None, tick=10) == 4990


def test_cancel_reasons_in_order_of_priority():
    assert cancel_reason(10 * S, 9 * S, 2 * S) is None
    assert cancel_reason(10 * S, 7 * S, 2 * S) == "stale_feed"
    assert cancel_reason(10 * S, None, 2 * S) == "stale_feed"
    assert cancel_reason(10 * S, 9 * S, 2 * S, breaker_tripped=True) == "breaker"
    assert cancel_reason(10 * S, 9 * S, 2 * S, paused=True, breaker_tripped=True) == "paused"


def test_manager_places_keeps_and_replaces():
    manager = QuoteManager(threshold=10, bucket=TokenBucket(10, 1))
    placed = manager.decide(0, Side.BUY, None, Quote(5000, 5))
    assert placed == Decision(Side.BUY, Action.PLACE, Quote(5000, 5), post_only=True)
    kept = manager.decide(1, Side.BUY, Quote(5000, 5), Quote(5010, 5))
    assert kept.action is Action.KEEP and kept.quote == Quote(5000, 5)
    replaced = manager.decide(2, Side.BUY, Quote(5000, 5), Quote(5020, 5))
    assert replaced.action is Action.REPLACE and replaced.quote == Quote(5020, 5)
    assert manager.bucket.available(2) == pytest.approx(8.0, abs=1e-6)


def test_manager_defers_changes_without_tokens():
    manager = QuoteManager(threshold=0, bucket=TokenBucket(1, 1))
    assert manager.decide(0, Side.SELL, None, Quote(5100, 1)).action is Action.PLACE
    held = manager.decide(0, Side.SELL, Quote(5100, 1), Quote(5200, 1))
    assert held.action is Action.KEEP and held.deferred and held.quote == Quote(5100, 1)
    assert manager.deferred == 1
    assert manager.decide(S, Side.SELL, Quote(5100, 1), Quote(5200, 1)).action is Action.REPLACE


def test_manager_cancels_even_without_tokens():
    manager = QuoteManager(threshold=0, bucket=TokenBucket(1, 0))
    manager.decide(0, Side.BUY, None, Quote(5000, 1))
    assert manager.decide(0, Side.BUY, Quote(5000, 1), None).action is Action.CANCEL
    assert manager.decide(0, Side.BUY, Quote(5000, 1), Quote(5000, 0)).action is Action.CANCEL
    assert manager.decide(0, Side.BUY, None, None).action is Action.KEEP


def test_cancel_all_cancels_every_resting_quote():
    manager = QuoteManager(threshold=0, bucket=TokenBucket(1, 0))
    decisions = manager.cancel_all({Side.BUY: Quote(5000, 1), Side.SELL: None})
    assert decisions == [Decision(Side.BUY, Action.CANCEL, None, post_only=True)]


def test_rejects_a_negative_threshold():
    with pytest.raises(ValueError):
        QuoteManager(threshold=-1, bucket=TokenBucket(1, 1))
