"""Request and response bodies of the operations API (they make its OpenAPI document).

The rows mirror :mod:`pythia.service.opsview`: money, prices and sizes are exact decimal
strings, times are integer nanoseconds. Row models allow extra keys, so a new column in the
facade reaches clients before this file names it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

REASON_MAX_CHARS = 500
CurvePoint = Annotated[list[int | str], Field(min_length=3, max_length=3)]
"""``[ts_ns, equity, pnl]`` (a list, not a tuple: ``prefixItems`` trips schemathesis)."""


class Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class Feed(Row):
    venue: str
    status: str = Field(description="up, stale or down")
    lag_ms: float | None = Field(None, description="Receive time minus venue time, latest event")
    gaps: int = 0
    last_event_ns: int | None = None
    detail: str | None = None


class Books(Row):
    total: int
    synced: int
    unsynced: list[str] = Field(default_factory=list, description="At most 50 instrument ids")


class JournalStatus(Row):
    enabled: bool
    url: str | None = Field(None, description="The journal URL, password redacted")
    records: int = Field(0, description="Records the journal holds (its last sequence number)")


class Health(Row):
    status: str = Field(description="starting, running, finished, stopped or failed")
    run_mode: str = Field(description="paper or live")
    mode: str = Field(description="The control mode: normal, reduce_only, paused, flatten, killed")
    mode_reason: str | None = None
    events: int = 0
    ts_ns: int | None = Field(None, description="Engine clock at the latest snapshot")
    feeds: list[Feed] = Field(default_factory=list)
    books: Books
    journal: JournalStatus
    error: str | None = None


class Position(Row):
    instrument: str
    venue: str
    size: str
    side: str
    mark: str | None = None
    value: str | None = None
    currency: str = ""


class Balance(Row):
    currency: str
    cash: str
    available: str


class OpenOrder(Row):
    client_order_id: str
    strategy: str
    instrument: str
    side: str
    price: str | None = None
    size: str
    filled: str
    state: str
    time_in_force: str
    post_only: bool
    created_ns: int


class Fill(Row):
    ts_ns: int
    venue: str
    instrument: str
    side: str
    price: str | None = None
    size: str | None = None
    fee: str
    fee_currency: str = ""
    liquidity: str = ""
    strategy: str = ""
    client_order_id: str
    trade_id: str = ""


class Pnl(Row):
    currency: str
    pnl: str
    equity: str
    gross_exposure: str
    curve: list[CurvePoint] = Field(
        default_factory=list, description="Points [ts_ns, equity, pnl], oldest first"
    )


class RiskLimit(Row):
    name: str
    key: str
    used: str
    limit: str
    usage: float | None = Field(None, description="Fraction of the limit in use")
    unit: str


class Risk(Row):
    mode: str
    reason: str | None = None
    limits: list[RiskLimit] = Field(default_factory=list)
    decisions: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Risk decisions as {rule: {reason: count}}"
    )
    rejections: dict[str, int] = Field(default_factory=dict)


class Opportunity(Row):
    strategy: str
    group: str = ""
    kind: str = ""
    profit: str | None = None
    currency: str = ""


class StrategyStatus(Row):
    id: str
    name: str
    enabled: bool
    open_orders: int = 0
    summary: dict[str, Any] | None = None


class JournalRecord(Row):
    kind: str
    ts_ns: int
    strategy: str = ""
    instrument: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)


class State(Row):
    health: Health
    positions: list[Position]
    balances: list[Balance]
    open_orders: list[OpenOrder]
    fills: list[Fill]
    pnl: Pnl
    risk: Risk
    opportunities: list[Opportunity]
    strategies: list[StrategyStatus]


class ControlBody(BaseModel):
    """The optional body of a control command."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=REASON_MAX_CHARS, description="Why; journaled")


class ControlAccepted(Row):
    request_id: int
    command: str
    reason: str
    status: str = Field(description="queued: the engine applies it before its next event")


class ErrorBody(BaseModel):
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    detail: list[FieldError]
