"""Rows of the operations facade: the kernel's state as JSON-ready dicts.

Pure readers of a kernel, called on the engine thread by :class:`pythia.service.ops.OpsHub`
when it takes a snapshot. Money is an exact decimal string; prices and sizes are formatted
on the instrument's own grid.
"""

from __future__ import annotations

from decimal import Decimal

from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.engine.backtest import mark_price
from pythia.model.instruments import Instrument
from pythia.portfolio.valuation import position_decimals

SESSION_COMMANDS = ("pause", "resume", "reduce", "flatten", "kill")
"""Operator commands for the control mode (``enable`` / ``disable`` name a strategy)."""


def money(micros: int) -> str:
    return format_units(micros, MONEY_DECIMALS)


def _instrument(kernel, instrument_id: str) -> Instrument | None:
    found = kernel.instruments.get(instrument_id)
    return found if isinstance(found, Instrument) else None


def price_text(kernel, instrument_id: str, price: int | None) -> str | None:
    if price is None:
        return None
    instrument = _instrument(kernel, instrument_id)
    return instrument.format_price(price) if instrument else str(price)


def size_text(kernel, instrument_id: str, size: int) -> str:
    instrument = _instrument(kernel, instrument_id)
    return instrument.format_size(size) if instrument else str(size)


def position_rows(kernel) -> list[dict]:
    """Open positions with their mark (the book's mid on the grid) and marked value."""
    rows = []
    for instrument_id, size in sorted(kernel.portfolio.positions().items()):
        if not size:
            continue
        instrument = _instrument(kernel, instrument_id)
        book = kernel.books.get(instrument_id)
        mark = mark_price(instrument, book) if instrument and book is not None else None
        decimals = position_decimals(instrument) if instrument else 0
        value = None
        if mark is not None and instrument is not None and instrument.price_space.value != "odds":
            units = Decimal(size) / 10**decimals * Decimal(mark) / 10**instrument.price_decimals
            value = str(units.quantize(Decimal(1).scaleb(-MONEY_DECIMALS)))
        rows.append(
            {
                "instrument": instrument_id,
                "venue": getattr(instrument, "venue", instrument_id.split(":", 1)[0]),
                "size": format_units(size, decimals),
                "side": "long" if size > 0 else "short",
                "mark": price_text(kernel, instrument_id, mark),
                "value": value,
                "currency": getattr(instrument, "quote_currency", ""),
            }
        )
    return rows


def balances_rows(kernel) -> list[dict]:
    portfolio = kernel.portfolio
    return [
        {
            "currency": currency,
            "cash": money(cash),
            "available": money(portfolio.available(currency)),
        }
        for currency, cash in sorted(portfolio.balances().items())
    ]


def open_order_rows(kernel) -> list[dict]:
    rows = []
    for order in kernel.orders.open_orders():
        request = order.request
        rows.append(
            {
                "client_order_id": request.client_order_id,
                "strategy": request.strategy_id,
                "instrument": request.instrument_id,
                "side": request.side.value,
                "price": price_text(kernel, request.instrument_id, request.price),
                "size": size_text(kernel, request.instrument_id, request.size),
                "filled": size_text(kernel, request.instrument_id, order.filled_size),
                "state": order.state.value,
                "time_in_force": request.time_in_force.value,
                "post_only": request.post_only,
                "created_ns": order.created_ns,
            }
        )
    rows.sort(key=lambda row: (row["instrument"], row["side"], row["created_ns"]))
    return rows


def fill_row(kernel, payload: dict, ts_ns: int, instrument_id: str) -> dict:
    """A ``fill`` journal payload as the API shows it."""
    instrument = _instrument(kernel, instrument_id) if kernel is not None else None
    order = kernel.orders.get(payload["client_order_id"]) if kernel is not None else None
    return {
        "ts_ns": payload.get("ts_event_ns") or ts_ns,
        "venue": getattr(instrument, "venue", instrument_id.split(":", 1)[0]),
        "instrument": instrument_id,
        "side": payload["side"],
        "price": price_text(kernel, instrument_id, payload["price"]) if kernel else None,
        "size": size_text(kernel, instrument_id, payload["size"]) if kernel else None,
        "fee": money(payload.get("fee", 0)),
        "fee_currency": payload.get("fee_currency", ""),
        "liquidity": payload.get("liquidity", ""),
        "strategy": order.request.strategy_id if order is not None else "",
        "client_order_id": payload["client_order_id"],
        "trade_id": payload.get("trade_id", ""),
    }


def journal_row(kind: str, payload: dict, ts_ns: int, strategy: str, instrument: str) -> dict:
    return {
        "kind": kind,
        "ts_ns": ts_ns,
        "strategy": strategy,
        "instrument": instrument,
        "payload": payload,
    }


def strategy_rows(kernel) -> list[dict]:
    rows = []
    for strategy in kernel.strategies:
        try:
            report = strategy.report()
        except Exception:  # noqa: BLE001 - a strategy's bug must not stop the engine
            report = None
        summary = report.get("summary") if isinstance(report, dict) else None
        rows.append(
            {
                "id": strategy.id,
                "name": strategy.name,
                "enabled": strategy.id not in kernel.disabled,
                "open_orders": sum(
                    1 for o in kernel.orders.open_orders() if o.request.strategy_id == strategy.id
                ),
                "summary": summary if isinstance(summary, dict) else None,
            }
        )
    return rows


def _limit_row(name: str, key: str, used: int, limit_micros: int, unit: str) -> dict:
    usage = float(Decimal(abs(used)) / Decimal(limit_micros)) if limit_micros > 0 else None
    return {
        "name": name,
        "key": key,
        "used": money(used),
        "limit": money(limit_micros),
        "usage": usage,
        "unit": unit,
    }


def risk_limits(settings, kernel, view, drawdown_micros: int, loss_today_micros: int) -> list[dict]:
    """The configured limits with what is used of them now (``usage``: a fraction);
    ``drawdown_micros`` is the fall from peak equity, ``loss_today_micros`` the fall since
    the start of the (UTC) day, both in the report currency."""
    if settings is None:
        return []
    rows = []
    currencies = sorted(kernel.portfolio.balances())
    to_micros = lambda amount: int(Decimal(amount) * 10**MONEY_DECIMALS)  # noqa: E731
    for currency, limit in sorted(settings.gross_exposure.items()):
        used = view.gross_exposure(currency)
        rows.append(_limit_row("gross_exposure", currency, used, to_micros(limit), currency))
    for currency, limit in sorted(settings.net_exposure.items()):
        used = view.net_exposure(currency)
        rows.append(_limit_row("net_exposure", currency, used, to_micros(limit), currency))
    for venue, limit in sorted(settings.venue_exposure.items()):
        used = sum(view.gross_exposure(currency, venue) for currency in currencies)
        rows.append(_limit_row("venue_exposure", venue, used, to_micros(limit), "quote"))
    if settings.max_position is not None:
        largest, where = Decimal(0), ""
        for instrument_id, size in kernel.portfolio.positions().items():
            instrument = _instrument(kernel, instrument_id)
            if instrument is None or not size:
                continue
            units = abs(Decimal(size) / 10 ** position_decimals(instrument))
            if units > largest:
                largest, where = units, instrument_id
        limit = Decimal(settings.max_position)
        rows.append(
            {
                "name": "max_position",
                "key": where,
                "used": str(largest),
                "limit": str(limit),
                "usage": float(largest / limit) if limit > 0 else None,
                "unit": "contracts",
            }
        )
    drawdown = settings.drawdown
    if drawdown is not None:
        for label, amount in (("soft", drawdown.soft), ("hard", drawdown.hard)):
            if amount is not None:
                rows.append(
                    _limit_row(
                        f"drawdown_{label}",
                        drawdown.currency,
                        drawdown_micros,
                        to_micros(amount),
                        drawdown.currency,
                    )
                )
    if settings.daily_loss is not None:
        loss = settings.daily_loss
        rows.append(
            _limit_row(
                "daily_loss",
                loss.currency,
                loss_today_micros,
                to_micros(loss.max_loss),
                loss.currency,
            )
        )
    return rows
