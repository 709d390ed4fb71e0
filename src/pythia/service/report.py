"""HTML report of a backtest: equity curve, drawdown, exposure and positions over time
(plotly, one self-contained page)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from pythia.core.clock import ns_to_iso
from pythia.core.fixed import MONEY_DECIMALS
from pythia.engine.backtest import BacktestResult

_SCALE = 10**MONEY_DECIMALS


def _times(curve) -> list[str]:
    return [ns_to_iso(ts)[:23] for ts, _ in curve]


def write_report(result: BacktestResult, path: Path, title: str = "Pythia backtest") -> None:
    """Write a self-contained HTML page (plotly.js inlined: no network needed to view it)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    currency = result.summary["currency"]
    figure = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=(
            f"Equity ({currency})",
            f"Drawdown ({currency})",
            f"Gross exposure ({currency})",
            "Positions (instrument units)",
        ),
    )
    equity = result.equity_curve
    figure.add_trace(
        go.Scatter(x=_times(equity), y=[v / _SCALE for _, v in equity], name="equity"), 1, 1
    )
    drawdown = result.drawdown_curve
    figure.add_trace(
        go.Scatter(
            x=_times(drawdown),
            y=[-v / _SCALE for _, v in drawdown],
            name="drawdown",
            fill="tozeroy",
        ),
        2,
        1,
    )
    exposure = result.exposure_curve
    figure.add_trace(
        go.Scatter(x=_times(exposure), y=[v / _SCALE for _, v in exposure], name="exposure"), 3, 1
    )
    instruments = sorted({k for _, held in result.position_curve for k in held})
    times = [ns_to_iso(ts)[:23] for ts, _ in result.position_curve]
    for instrument_id in instruments:
        figure.add_trace(
            go.Scatter(
                x=times,
                y=[held.get(instrument_id, 0) for _, held in result.position_curve],
                name=instrument_id,
                line_shape="hv",
            ),
            4,
            1,
        )
    figure.update_layout(height=1100, title=title, showlegend=True)
    summary = {k: v for k, v in result.summary.items() if k != "per_instrument"}
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>"
        for k, v in summary.items()
    )
    sections = "".join(
        _strategy_section(name, report) for name, report in result.strategies.items()
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table>{rows}</table>"
        + figure.to_html(full_html=False, include_plotlyjs=True)
        + sections
        + "</body></html>"
    )
    Path(path).write_text(page, encoding="utf-8")


def _strategy_section(name: str, report: dict) -> str:
    """A strategy's own report: lists of flat dicts as tables, anything else as JSON."""
    parts = [f"<h2>Strategy {html.escape(name)}</h2>"]
    for key, value in report.items():
        parts.append(f"<h3>{html.escape(key)}</h3>")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for row in value for k in row))
            head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
            body = "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(_cell(row.get(c)))}</td>" for c in columns)
                + "</tr>"
                for row in value
            )
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
        else:
            parts.append(f"<pre>{html.escape(json.dumps(value, indent=1))}</pre>")
    return "".join(parts)


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
