"""A small in-memory market data source with every event type and instrument kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pythia.core.counters import RejectCounter
from pythia.model.enums import MarketState, Side
from pythia.model.events import (
    BookDelta,
    BookSnapshot,
    InstrumentDefinition,
    MarketEvent,
    MarketStatus,
    Resolution,
    TickSizeChange,
    TopOfBook,
    Trade,
)
from pythia.model.instruments import (
    CryptoPerpetual,
    CryptoSpot,
    GroupKind,
    Instrument,
    InstrumentKind,
    OutcomeGroup,
    OutcomeToken,
    PriceSpace,
    probability_scheme,
)
from pythia.model.ticks import TickScheme

DAY1 = 1_723_075_200_000_000_000  # 2024-08-08T00:00:00Z
DAY2 = DAY1 + 86_400 * 1_000_000_000  # 2024-08-09T00:00:00Z


class ListSource:
    """A MarketDataSource over lists (a fake for the catalog tests)."""

    def __init__(self, events: list[MarketEvent], instruments: list) -> None:
        self._events = events
        self._instruments = instruments
        self.rejects = RejectCounter()
        self.rejects.add("malformed", "line 7: unexpected end")

    def instruments(self) -> list[Instrument | OutcomeGroup]:
        return list(self._instruments)

    def events(self) -> Iterator[MarketEvent]:
        yield from self._events


def make_instruments() -> list[Instrument | OutcomeGroup]:
    yes = OutcomeToken(
        id="tok-yes", venue="fake", symbol="WILL-IT-RAIN-YES", kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4, size_decimals=2, ticks=probability_scheme(100, 4), min_size=500,
        quote_currency="USDC", price_space=PriceSpace.PROBABILITY, bounded=True,
        market_id="mkt-1", outcome="Yes", complement_id="tok-no", group_id="grp-1",
    )  # fmt: skip
    no = OutcomeToken(
        id="tok-no", venue="fake", symbol="WILL-IT-RAIN-NO", kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=4, size_decimals=2, ticks=probability_scheme(100, 4), min_size=500,
        quote_currency="USDC", price_space=PriceSpace.PROBABILITY, bounded=True,
        market_id="mkt-1", outcome="No", complement_id="tok-yes", group_id=None,
    )  # fmt: skip
    runner = OutcomeToken(
        id="1.2:4433", venue="fake", symbol="Horse A", kind=InstrumentKind.OUTCOME_TOKEN,
        price_decimals=2, size_decimals=2,
        ticks=TickScheme(((101, 1), (200, 2), (300, 5), (400, 10)), 101, 100000),
        min_size=100, quote_currency="GBP", price_space=PriceSpace.DECIMAL_ODDS, bounded=True,
        market_id="1.2", outcome="Horse A",
    )  # fmt: skip
    group = OutcomeGroup(
        id="grp-1", venue="fake", kind=GroupKind.NEG_RISK, instrument_ids=("tok-yes", "tok-x"),
        number_of_winners=1, augmented=True, title="Who wins?", convert_fee_bips=25,
        names=("A", "B"),
    )  # fmt: skip
    place = OutcomeGroup(
        id="1.2", venue="fake", kind=GroupKind.PLACE, instrument_ids=("1.2:4433",),
        number_of_winners=3,
    )  # fmt: skip
    spot = CryptoSpot(
        id="BTCUSDT", venue="fake", symbol="BTCUSDT", kind=InstrumentKind.CRYPTO_SPOT,
        price_decimals=2, size_decimals=5, ticks=TickScheme.uniform(1, 1, 10**12), min_size=1,
        quote_currency="USDT", base_currency="BTC",
    )  # fmt: skip
    perp = CryptoPerpetual(
        id="ETHUSDT-PERP", venue="fake", symbol="ETHUSDT", kind=InstrumentKind.CRYPTO_PERPETUAL,
        price_decimals=2, size_decimals=3, ticks=TickScheme.uniform(1, 1, 10**10), min_size=1,
        quote_currency="USDT", base_currency="ETH", settle_currency="USDT", contract_size="0.01",
    )  # fmt: skip
    plain = Instrument(
        id="PLAIN", venue="fake", symbol="PLAIN", kind=InstrumentKind.CRYPTO_SPOT,
        price_decimals=0, size_decimals=0, ticks=TickScheme.uniform(5, 5, 1000, anchor=0),
        min_size=1, quote_currency="USD",
    )  # fmt: skip
    return [yes, no, runner, group, place, spot, perp, plain]


def make_events(instruments: list) -> list[MarketEvent]:
    by_id = {i.id: i for i in instruments}
    t = DAY1 + 3_600 * 10**9  # 01:00 on day 1
    events: list[MarketEvent] = [
        InstrumentDefinition(by_id["tok-yes"], t, t + 5),
        InstrumentDefinition(by_id["grp-1"], t, t + 6),
        MarketStatus("mkt-1", MarketState.PRE_OPEN, t + 1, t + 7),
        BookSnapshot("tok-yes", ((4500, 1000), (4400, 250)), ((4600, 700),), t + 2, t + 8, 10),
        BookSnapshot("BTCUSDT", (), (), t + 2, t + 9),
        MarketStatus(
            "mkt-1", MarketState.OPEN, t + 3, t + 10, instrument_id="tok-yes", in_play=True
        ),  # fmt: skip
        BookDelta("tok-yes", ((4500, 0),), ((4550, 300),), t + 4, t + 11, 12, 11, 10),
        BookDelta("tok-yes", ((4400, -50),), (), t + 5, t + 12, increment=True),
        TopOfBook("tok-yes", 4400, 200, 4550, 300, t + 6, t + 13, 12),
        TopOfBook("tok-yes", None, None, 4550, None, t + 7, t + 14),
        Trade("tok-yes", 4550, 100, Side.BUY, "t-1", t + 8, t + 15),
        Trade("BTCUSDT", 6183763, 12345, None, "", t + 9, t + 16),
        TickSizeChange("tok-yes", 100, 10, t + 10, t + 17),
        # a late message from the previous day (out of time order in the stream)
        Trade("BTCUSDT", 6183700, 1, Side.SELL, "t-0", DAY1 - 1, t + 18),
    ]
    t2 = DAY2 + 60 * 10**9  # 00:01 on day 2
    events += [
        InstrumentDefinition(by_id["ETHUSDT-PERP"], t2, t2 + 1),
        BookDelta("BTCUSDT", ((6183763, 5),), ((6183800, 7),), t2 + 1, t2 + 2, 1001, 990, 989),
        Trade("ETHUSDT-PERP", 250012, 3, Side.SELL, "e-9", t2 + 2, t2 + 3),
        MarketStatus("1.2", MarketState.SUSPENDED, t2 + 3, t2 + 4),
        Resolution("mkt-1", ("tok-yes",), ("tok-no",), t2 + 4, t2 + 5),
        Resolution("1.2", (), ("1.2:1",), t2 + 5, t2 + 6, removed=("1.2:4433",)),
        MarketStatus("1.2", MarketState.SETTLED, t2 + 6, t2 + 7),
        # back to day 1 again: partitions interleave in the stream
        BookDelta("tok-yes", (), ((4600, 0),), t + 11, t2 + 8, 13, 13, 12),
        InstrumentDefinition(by_id["1.2"], t2 + 9, t2 + 9),
    ]
    return events


@pytest.fixture
def instruments() -> list:
    return make_instruments()


@pytest.fixture
def events(instruments: list) -> list[MarketEvent]:
    return make_events(instruments)


@pytest.fixture
def source(events: list, instruments: list) -> ListSource:
    return ListSource(events, instruments)


@pytest.fixture
def make_source():
    """Build a ListSource from events and instruments."""
    return ListSource


@pytest.fixture
def days() -> tuple[int, int]:
    """Midnight (UTC, ns) of the two days the sample events span."""
    return DAY1, DAY2
