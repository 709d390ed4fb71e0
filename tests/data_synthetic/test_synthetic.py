"""The synthetic ladder stream (used by benchmarks) is seeded, valid and never crosses."""

from pythia.book import book_for
from pythia.data.synthetic import prediction_market_stream, synthetic_token


def test_same_seed_same_stream_and_exact_update_count():
    token = synthetic_token(tick=10)
    first = list(prediction_market_stream(token, 5_000, seed=3, levels_per_delta=4))
    second = list(prediction_market_stream(token, 5_000, seed=3, levels_per_delta=4))
    other = list(prediction_market_stream(token, 5_000, seed=4, levels_per_delta=4))
    assert first == second
    assert first != other
    assert sum(len(e.bids) + len(e.asks) for e in first[1:]) == 5_000


def test_every_update_applies_to_a_ladder_book_without_crossing():
    token = synthetic_token(tick=10)
    book = book_for(token)
    stream = prediction_market_stream(token, 20_000, seed=11, levels_per_delta=3)
    book.apply_snapshot(next(stream))
    for delta in stream:
        book.apply_delta(delta)  # raises DataError on an invalid or crossing update
        assert not book.is_crossed
    assert book.best_bid() is not None and book.best_ask() is not None
