"""msgspec structs mirroring the Betfair Exchange Stream API JSON (market stream).

Field names are Betfair's. Numbers that are money or odds decode as ``Decimal`` straight
from the JSON text (exact); conversion to integer units happens in :mod:`.parse`. Unknown
fields are ignored, missing optional fields are ``None``.

Ladders:

- ``atb`` / ``atl`` / ``trd`` / ``spb`` / ``spl``: ``[price, size]`` pairs, deltas by price
  (size 0 removes the price). ``trd`` sizes are cumulative traded volume at that price.
- ``batb`` / ``batl`` / ``bdatb`` / ``bdatl``: ``[position, price, size]`` best-N ladders,
  deltas by position (0 is the best level; ``[p, 0, 0]`` empties position ``p``). ``bd*``
  are the display ladders that include virtual (cross-matched) bets.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

PriceSize = tuple[Decimal, Decimal]
PositionPriceSize = tuple[int, Decimal, Decimal]


class RunnerDefinition(msgspec.Struct, frozen=True, gc=False):
    """A runner in a market definition. ``status``: ACTIVE, WINNER, LOSER, PLACED, REMOVED,
    REMOVED_VACANT or HIDDEN. ``adjustmentFactor`` (percent) and ``removalDate`` matter for
    settling bets matched before a non-runner was removed (Rule 4 style reductions)."""

    id: int
    status: str
    hc: Decimal | None = None
    sortPriority: int | None = None
    adjustmentFactor: Decimal | None = None
    removalDate: str | None = None
    bsp: Decimal | None = None
    name: str | None = None


class PriceLadderDefinition(msgspec.Struct, frozen=True, gc=False):
    type: str = "CLASSIC"


class KeyLineSelection(msgspec.Struct, frozen=True, gc=False):
    id: int
    hc: Decimal | None = None


class KeyLineDefinition(msgspec.Struct, frozen=True, gc=False):
    kl: list[KeyLineSelection] = []


class MarketDefinition(msgspec.Struct, frozen=True, gc=False):
    """The market's definition; sent whole whenever any field changes."""

    status: str
    runners: list[RunnerDefinition] = []
    inPlay: bool = False
    numberOfWinners: int | None = None
    marketType: str | None = None
    bettingType: str | None = None
    version: int | None = None
    complete: bool | None = None
    bspMarket: bool | None = None
    bspReconciled: bool | None = None
    turnInPlayEnabled: bool | None = None
    persistenceEnabled: bool | None = None
    crossMatching: bool | None = None
    runnersVoidable: bool | None = None
    discountAllowed: bool | None = None
    marketBaseRate: Decimal | None = None
    numberOfActiveRunners: int | None = None
    betDelay: int | None = None
    eventId: str | None = None
    eventTypeId: str | None = None
    eventName: str | None = None
    name: str | None = None
    venue: str | None = None
    countryCode: str | None = None
    timezone: str | None = None
    marketTime: str | None = None
    suspendTime: str | None = None
    openDate: str | None = None
    settledTime: str | None = None
    regulators: list[str] = []
    eachWayDivisor: Decimal | None = None
    priceLadderDefinition: PriceLadderDefinition | None = None
    keyLineDefinition: KeyLineDefinition | None = None
    lineMaxUnit: Decimal | None = None
    lineMinUnit: Decimal | None = None
    lineInterval: Decimal | None = None


class RunnerChange(msgspec.Struct, frozen=True, gc=False):
    """Changes to one runner (``id`` = selection id, ``hc`` = handicap)."""

    id: int
    hc: Decimal | None = None
    atb: list[PriceSize] | None = None
    atl: list[PriceSize] | None = None
    batb: list[PositionPriceSize] | None = None
    batl: list[PositionPriceSize] | None = None
    bdatb: list[PositionPriceSize] | None = None
    bdatl: list[PositionPriceSize] | None = None
    trd: list[PriceSize] | None = None
    spb: list[PriceSize] | None = None
    spl: list[PriceSize] | None = None
    ltp: Decimal | None = None
    tv: Decimal | None = None
    spn: Decimal | None = None
    spf: Decimal | None = None


class MarketChange(msgspec.Struct, frozen=True, gc=False):
    """Changes to one market; ``img`` marks a full image that replaces the cached market."""

    id: str
    img: bool = False
    con: bool = False
    tv: Decimal | None = None
    marketDefinition: MarketDefinition | None = None
    rc: list[RunnerChange] = []


class StreamMessage(msgspec.Struct, frozen=True, gc=False):
    """Any stream message. ``op``: ``mcm`` (market change), ``ocm`` (order change),
    ``connection`` or ``status``. ``ct``: SUB_IMAGE, RESUB_DELTA or HEARTBEAT."""

    op: str
    id: int | None = None
    pt: int | None = None
    clk: str | None = None
    initialClk: str | None = None
    ct: str | None = None
    segmentType: str | None = None
    conflateMs: int | None = None
    heartbeatMs: int | None = None
    status: int | None = None
    mc: list[MarketChange] = []
    # op == "connection" / "status"
    connectionId: str | None = None
    statusCode: str | None = None
    errorCode: str | None = None
    errorMessage: str | None = None
    connectionClosed: bool | None = None


class RunnerCatalogue(msgspec.Struct, frozen=True, gc=False):
    """A runner of listMarketCatalogue (``runnerName`` is what people call it)."""

    selectionId: int
    runnerName: str = ""
    handicap: Decimal | None = None
    sortPriority: int | None = None


class MarketCatalogue(msgspec.Struct, frozen=True, gc=False):
    """One listMarketCatalogue entry; only what the parser uses is typed."""

    marketId: str
    marketName: str = ""
    runners: list[RunnerCatalogue] = []


STREAM_DECODER = msgspec.json.Decoder(StreamMessage)
CATALOGUE_DECODER = msgspec.json.Decoder(MarketCatalogue | list[MarketCatalogue])


# ---- order stream (op == "ocm") -------------------------------------------------------------
class UnmatchedOrder(msgspec.Struct, frozen=True, gc=False):
    """One of our bets on the order stream (``uo``). ``side`` B (back) or L (lay); ``status``
    E (executable) or EC (execution complete); sizes: ``s`` placed, ``sm`` matched, ``sr``
    remaining, ``sc`` cancelled, ``sl`` lapsed, ``sv`` voided; ``rfo`` customerOrderRef."""

    id: str
    p: Decimal
    s: Decimal
    side: str
    status: str
    pt: str = "L"
    ot: str = "L"
    pd: int | None = None
    md: int | None = None
    cd: int | None = None
    ld: int | None = None
    avp: Decimal | None = None
    sm: Decimal = Decimal(0)
    sr: Decimal = Decimal(0)
    sl: Decimal = Decimal(0)
    sc: Decimal = Decimal(0)
    sv: Decimal = Decimal(0)
    rfo: str | None = None
    rfs: str | None = None
    rac: str | None = None
    rc: str | None = None


class OrderRunnerChange(msgspec.Struct, frozen=True, gc=False):
    """Our orders on one runner: ``uo`` bets, ``mb`` / ``ml`` matched backs / lays by price
    (cumulative size at each price)."""

    id: int
    hc: Decimal | None = None
    fullImage: bool = False
    uo: list[UnmatchedOrder] = []
    mb: list[PriceSize] | None = None
    ml: list[PriceSize] | None = None


class OrderMarketChange(msgspec.Struct, frozen=True, gc=False):
    id: str
    fullImage: bool = False
    closed: bool = False
    orc: list[OrderRunnerChange] = []


class OrderStreamMessage(msgspec.Struct, frozen=True, gc=False):
    """An order change message (``op`` == ``ocm``)."""

    op: str
    id: int | None = None
    pt: int | None = None
    clk: str | None = None
    initialClk: str | None = None
    ct: str | None = None
    oc: list[OrderMarketChange] = []


ORDER_DECODER = msgspec.json.Decoder(OrderStreamMessage)


# ---- betting API (JSON-RPC results) ---------------------------------------------------------
class LimitOrder(msgspec.Struct, frozen=True, gc=False):
    size: Decimal
    price: Decimal
    persistenceType: str = "LAPSE"
    timeInForce: str | None = None
    minFillSize: Decimal | None = None


class PlaceInstruction(msgspec.Struct, frozen=True, gc=False):
    orderType: str
    selectionId: int
    side: str
    handicap: Decimal | None = None
    limitOrder: LimitOrder | None = None
    customerOrderRef: str | None = None


class PlaceInstructionReport(msgspec.Struct, frozen=True, gc=False):
    status: str
    instruction: PlaceInstruction | None = None
    betId: str | None = None
    placedDate: str | None = None
    averagePriceMatched: Decimal | None = None
    sizeMatched: Decimal | None = None
    orderStatus: str | None = None
    errorCode: str | None = None


class PlaceExecutionReport(msgspec.Struct, frozen=True, gc=False):
    status: str
    marketId: str | None = None
    customerRef: str | None = None
    errorCode: str | None = None
    instructionReports: list[PlaceInstructionReport] = []


class CancelInstructionReport(msgspec.Struct, frozen=True, gc=False):
    status: str
    sizeCancelled: Decimal | None = None
    errorCode: str | None = None


class CancelExecutionReport(msgspec.Struct, frozen=True, gc=False):
    status: str
    marketId: str | None = None
    errorCode: str | None = None
    instructionReports: list[CancelInstructionReport] = []


class PriceSizeValue(msgspec.Struct, frozen=True, gc=False):
    price: Decimal
    size: Decimal


class CurrentOrder(msgspec.Struct, frozen=True, gc=False):
    """One entry of listCurrentOrders (``status`` EXECUTABLE or EXECUTION_COMPLETE)."""

    betId: str
    marketId: str
    selectionId: int
    side: str
    status: str
    priceSize: PriceSizeValue
    handicap: Decimal | None = None
    sizeMatched: Decimal = Decimal(0)
    sizeRemaining: Decimal = Decimal(0)
    sizeCancelled: Decimal = Decimal(0)
    sizeLapsed: Decimal = Decimal(0)
    sizeVoided: Decimal = Decimal(0)
    averagePriceMatched: Decimal | None = None
    customerOrderRef: str | None = None
    customerStrategyRef: str | None = None


class CurrentOrders(msgspec.Struct, frozen=True, gc=False):
    currentOrders: list[CurrentOrder] = []
    moreAvailable: bool = False


class AccountFunds(msgspec.Struct, frozen=True, gc=False):
    availableToBetBalance: Decimal
    exposure: Decimal = Decimal(0)
    wallet: str | None = None


class MarketBookSummary(msgspec.Struct, frozen=True, gc=False):
    """What Pythia reads of a listMarketBook entry."""

    marketId: str
    status: str = "OPEN"
    numberOfWinners: int = 1
    inplay: bool = False
