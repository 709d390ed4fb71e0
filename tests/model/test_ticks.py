import pytest

from pythia.core.errors import DataError
from pythia.model.instruments import probability_scheme
from pythia.model.ticks import TickScheme


def test_uniform_probability_grid():
    scheme = probability_scheme(100, 4)
    assert scheme.price_min == 100 and scheme.price_max == 9900
    assert scheme.is_valid(5100) and not scheme.is_valid(5150) and not scheme.is_valid(0)
    assert len(scheme.prices()) == 99


def test_tapered_bands_like_kalshi():
    # 0.001 below 0.10 and above 0.90, 0.01 between (4 decimals)
    scheme = TickScheme(((0, 10), (1000, 100), (9000, 10)), 10, 9990)
    assert scheme.is_valid(990) and scheme.is_valid(1100) and scheme.is_valid(9010)
    assert not scheme.is_valid(1010) and not scheme.is_valid(9995)
    assert scheme.tick_at(500) == 10 and scheme.tick_at(5000) == 100
    assert scheme.round_price(1050, up=True) == 1100
    assert scheme.round_price(1050, up=False) == 1000
    assert len(scheme.prices()) == 99 + 80 + 100


def test_with_tick_moves_to_a_new_uniform_grid():
    scheme = probability_scheme(100, 4).with_tick(10)
    assert scheme.price_min == 100 and scheme.price_max == 9900 and scheme.finest_tick == 10


def test_bad_schemes_are_rejected():
    with pytest.raises(DataError):
        TickScheme(((100, 0),), 100, 200)
    with pytest.raises(DataError):
        TickScheme(((200, 1), (100, 1)), 200, 300)
