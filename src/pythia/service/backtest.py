"""Build and run a backtest from configuration: TOML file, bundled defaults and CLI overrides.

A configuration names a dataset, a strategy with its parameters, starting balances and per-
venue settings (fees, latency, queue model), and a seed. ``--data`` accepts a bundled
dataset name (see :data:`DATASETS`), a catalog directory written by ``pythia data import``,
or ``VENUE:FILE[,FILE...]`` for raw capture files.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pythia.core.errors import ConfigError
from pythia.core.fixed import MONEY_DECIMALS, parse_units
from pythia.data import bundled
from pythia.engine.backtest import BacktestResult, run_backtest
from pythia.engine.journaling import EngineJournal
from pythia.engine.kernel import Kernel, VenueSlot
from pythia.model.instruments import Instrument
from pythia.portfolio import Portfolio
from pythia.ports.market_data import MarketDataSource
from pythia.risk.rules import RiskEngine
from pythia.risk.settings import RiskSettings, build_breakers, build_guards, build_rules
from pythia.service.api_security import ApiSettings
from pythia.service.journaled import RunJournal, run_identity
from pythia.service.live import LiveSettings
from pythia.service.notify import NotifySettings
from pythia.service.ops import OpsHub, observed_events
from pythia.service.paper import Pace, controlled_events
from pythia.sim.venue import SimulatedVenue
from pythia.strategy.registry import create_strategy
from pythia.venues import profile_for, read_capture, synchronizer_factory

CONFIG_DIR = Path(__file__).parent / "configs"
DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "binance-btcusdt": (
        "binance",
        ("binance/spot_btcusdt_20240808.gz", "binance/spot_btcusdt_20240809.gz"),
    ),
    "binance-ethusdt": ("binance", ("binance/spot_ethusdt_20240808.gz",)),
    "betfair-win": ("betfair", ("betfair/1.197931750",)),
    "synthetic-binary": ("polymarket", ("synthetic/binary_market.jsonl.gz",)),
}
DEFAULT_STRATEGY = "market_maker"
DEFAULT_CONFIGS = {
    "market_maker": "market_maker.toml",
    "betfair_favourite": "betfair_favourite.toml",
    "arbitrage": "arbitrage.toml",
}
_UNITS_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def parse_duration_ns(text: str | int) -> int:
    """'1s', '250ms', '5m' or an integer of nanoseconds."""
    if isinstance(text, int):
        return text
    for unit in sorted(_UNITS_NS, key=len, reverse=True):
        if text.endswith(unit) and text[: -len(unit)].strip().isdigit():
            return int(text[: -len(unit)]) * _UNITS_NS[unit]
    raise ConfigError(f"not a duration: {text!r} (use e.g. '1s', '250ms', '5m')")


class StrategySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = DEFAULT_STRATEGY
    params: dict[str, Any] = Field(default_factory=dict)


class DataSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    dataset: str = "binance-btcusdt"


class AccountSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    balances: dict[str, str] = Field(default_factory=dict)
    currency: str | None = None
    """The currency PnL, equity and drawdown are reported in (default: the first balance)."""

    @field_validator("balances", mode="before")
    @classmethod
    def _as_text(cls, value: dict) -> dict:
        return {k: str(v) for k, v in value.items()}


class BacktestSettings(BaseModel):
    """A validated backtest configuration (frozen)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)
    seed: int = 0
    sample_interval: str = "1s"
    data: DataSettings = Field(default_factory=DataSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    account: AccountSettings = Field(default_factory=AccountSettings)
    venues: dict[str, dict[str, Any]] = Field(default_factory=dict)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    """The ``[risk]`` section: rules, breakers and guards (see docs/risk.md)."""
    live: LiveSettings | None = None
    """The ``[live]`` section of paper and live runs on a venue feed (service.live)."""
    serve: ApiSettings = Field(default_factory=ApiSettings)
    """The ``[serve]`` section of ``pythia serve``: address, tokens, CORS (service.api)."""
    notify: NotifySettings = Field(default_factory=NotifySettings)
    """The ``[notify]`` section: apprise channels and what they get (service.notify)."""

    def balances_micros(self) -> dict[str, int]:
        try:
            return {c: parse_units(v, MONEY_DECIMALS) for c, v in self.account.balances.items()}
        except ValueError as error:
            raise ConfigError(f"account.balances: {error}") from None

    @property
    def report_currency(self) -> str:
        if self.account.currency:
            return self.account.currency
        if not self.account.balances:
            raise ConfigError("account.balances is empty: give at least one starting balance")
        return next(iter(self.account.balances))


def load_settings(
    config: Path | None = None,
    strategy: str | None = None,
    data: str | None = None,
    seed: int | None = None,
) -> BacktestSettings:
    """Read a TOML config (or the default one of the strategy) and apply CLI overrides.

    ``config`` is a file, or the name of a bundled config (``arbitrage_polymarket``)."""
    if config is None:
        name = strategy or DEFAULT_STRATEGY
        config = CONFIG_DIR / DEFAULT_CONFIGS.get(name, DEFAULT_CONFIGS[DEFAULT_STRATEGY])
    elif not Path(config).exists() and (CONFIG_DIR / f"{config}.toml").is_file():
        config = CONFIG_DIR / f"{config}.toml"  # a bundled config by name
    try:
        raw = tomllib.loads(Path(config).read_text())
    except FileNotFoundError:
        raise ConfigError(f"no such config file: {config}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config}: invalid TOML: {error}") from None
    if strategy is not None and strategy != raw.get("strategy", {}).get("name"):
        raw["strategy"] = {"name": strategy, "params": {}}
    if data is not None:
        raw.setdefault("data", {})["dataset"] = data
    if seed is not None:
        raw["seed"] = seed
    try:
        return BacktestSettings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{config}: {error}") from None


@dataclass
class OpenedData:
    source: MarketDataSource
    venues: list[str]
    synchronizer_for: Callable[[Instrument], object]


def open_data(dataset: str) -> OpenedData:
    """Open a bundled dataset, a catalog directory or ``VENUE:FILE[,FILE...]``."""
    if dataset in DATASETS:
        venue, files = DATASETS[dataset]
        source = read_capture(venue, [bundled(*f.split("/")) for f in files])
        return OpenedData(source, [venue], synchronizer_factory(venue))
    path = Path(dataset)
    if path.is_dir():
        from pythia.data.catalog import Catalog

        catalog = Catalog(path)
        venues = sorted(catalog.all_venues())
        factories = {v: synchronizer_factory(v) for v in venues if _known_venue(v)}
        return OpenedData(catalog, venues, lambda i: factories.get(i.venue, lambda _: None)(i))
    venue, sep, files = dataset.partition(":")
    if sep and files:
        source = read_capture(venue, [Path(f) for f in files.split(",")])
        return OpenedData(source, [venue], synchronizer_factory(venue))
    known = ", ".join(sorted(DATASETS))
    raise ConfigError(
        f"unknown dataset {dataset!r}: use one of {known}, a catalog directory,"
        " or VENUE:FILE[,FILE...]"
    )


def _known_venue(venue: str) -> bool:
    from pythia.venues import CAPTURE_READERS

    return venue in CAPTURE_READERS


def build_kernel(
    settings: BacktestSettings, opened: OpenedData, journal: EngineJournal | None = None
) -> Kernel:
    """Wire venues, portfolios, the risk engine, the journal and the strategy for one run."""
    rng = random.Random(settings.seed)
    balances = settings.balances_micros()
    portfolio = Portfolio(balances)
    view = Portfolio(balances)
    slots: dict[str, VenueSlot] = {}
    for venue in opened.venues:
        profile = profile_for(venue, **settings.venues.get(venue, {}))
        gateway = SimulatedVenue(profile, portfolio, random.Random(rng.getrandbits(64)))
        slots[venue] = VenueSlot(gateway, profile.latency, profile.settlement_commission_bps)
    strategy = create_strategy(settings.strategy.name, settings.strategy.params)
    fee_models = {id(slot.fee_model): slot.fee_model for slot in slots.values()}
    fee_model = next(iter(fee_models.values())) if len(fee_models) == 1 else None
    kernel = Kernel(
        slots,
        portfolio,
        view,
        [strategy],
        seed=rng.getrandbits(64),
        synchronizer_for=opened.synchronizer_for,
        lookup=getattr(opened.source, "instrument", None),
        risk=RiskEngine(build_rules(settings.risk, fee_model)),
        journal=journal,
        breakers=build_breakers(settings.risk),
        guards=build_guards(settings.risk),
    )
    for definition in opened.source.instruments():
        kernel.add_definition(definition)
    return kernel


def run(
    settings: BacktestSettings,
    progress: Callable[[int], None] | None = None,
    journal_url: str | None = None,
    pace: Pace | None = None,
    fault_kill_after: int | None = None,
    ops: OpsHub | None = None,
) -> BacktestResult:
    """Run the configured backtest (or, with ``pace``, a paper run) and return its result.

    With ``journal_url`` the run writes its journal there, or restarts the run the journal
    holds (:mod:`pythia.service.journaled`); ``pace`` replays in real time (scaled) and
    takes ``pythia control`` commands and SIGINT / SIGTERM (:mod:`pythia.service.paper`).
    ``ops`` (:mod:`pythia.service.ops`) observes the run for the API and the dashboard.
    """
    opened = open_data(settings.data.dataset)
    if journal_url is None:
        kernel = build_kernel(settings, opened)
        return run_backtest(
            kernel,
            opened.source.events(),
            settings.report_currency,
            parse_duration_ns(settings.sample_interval),
            progress,
        )
    identity = run_identity(settings, settings.data.dataset)
    run_journal = RunJournal.open(
        journal_url, identity, settings.balances_micros(), fault_kill_after
    )
    try:
        kernel = build_kernel(settings, opened, run_journal.engine)
        run_journal.attach(kernel)
        events = controlled_events(opened.source.events(), kernel, run_journal, pace)
        if ops is not None:
            ops.attach(kernel, settings.report_currency, settings.risk)
            events = observed_events(events, ops)
        result = run_backtest(
            kernel,
            events,
            settings.report_currency,
            parse_duration_ns(settings.sample_interval),
            progress,
        )
        result.journal = run_journal.finish()
    finally:
        run_journal.close()
    return result
