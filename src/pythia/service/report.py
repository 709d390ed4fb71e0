"""HTML report of a backtest: equity, drawdown and exposure curves drawn by the dashboard's
own chart script, positions over time (plotly), the summary and each strategy's report; one
self-contained page that needs no network to view."""

from __future__ import annotations

import html
import json
from importlib.resources import files
from pathlib import Path

from pythia.core.clock import ns_to_iso
from pythia.core.fixed import MONEY_DECIMALS, format_units
from pythia.engine.backtest import BacktestResult

CHART_SCRIPT = "dashboard/charts.js"
"""The chart script of the dashboard (``window.PythiaCharts``), inlined into the report."""

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#0f172a}"
    "table{border-collapse:collapse}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}"
    ".chart{width:100%;max-width:1200px;margin:0 0 18px}"
    ".chart svg{display:block}"
)


def chart_script() -> str:
    """The source of the dashboard's ``charts.js`` (shipped as package data)."""
    source = files("pythia.service").joinpath(CHART_SCRIPT).read_text(encoding="utf-8")
    if "</script" in source.lower() or "<!--" in source:
        raise ValueError(f"{CHART_SCRIPT} cannot be inlined into a <script> element")
    return source


def _money_series(curve, sign: int = 1) -> list[list]:
    return [[ts, format_units(sign * value, MONEY_DECIMALS)] for ts, value in curve]


def _script_json(value) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _chart(element_id: str, series, options: dict) -> str:
    spec = {"series": series, "options": options}
    return (
        f"<div class='chart' id='{element_id}'></div>"
        f"<script type='application/json' data-chart='{element_id}'>{_script_json(spec)}</script>"
    )


_DRAW = (
    "document.querySelectorAll('script[data-chart]').forEach(function(spec){"
    "var data=JSON.parse(spec.textContent);"
    "PythiaCharts.lineChart(document.getElementById(spec.dataset.chart),"
    "data.series,data.options);});"
)


def _positions_figure(result: BacktestResult, title: str) -> str:
    """Positions over time as a plotly step chart (one line an instrument, with a legend)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    instruments = sorted({k for _, held in result.position_curve for k in held})
    times = [ns_to_iso(ts)[:23] for ts, _ in result.position_curve]
    for instrument_id in instruments:
        figure.add_trace(
            go.Scatter(
                x=times,
                y=[held.get(instrument_id, 0) for _, held in result.position_curve],
                name=instrument_id,
                line_shape="hv",
            )
        )
    figure.update_layout(
        height=360,
        title=f"Positions (instrument units): {title}",
        showlegend=True,
        margin={"t": 50, "l": 60, "r": 20, "b": 40},
    )
    return figure.to_html(full_html=False, include_plotlyjs=True)


def write_report(result: BacktestResult, path: Path, title: str = "Pythia backtest") -> None:
    """Write a self-contained HTML page (scripts inlined: no network needed to view it)."""
    currency = result.summary["currency"]
    charts = "".join(
        (
            "<h2>Curves</h2>",
            _chart(
                "chart-equity",
                _money_series(result.equity_curve),
                {"title": f"Equity ({currency})", "height": 260},
            ),
            _chart(
                "chart-drawdown",
                _money_series(result.drawdown_curve, sign=-1),
                {
                    "title": f"Drawdown ({currency})",
                    "height": 200,
                    "fill": True,
                    "zero": True,
                    "color": "#dc2626",
                },
            ),
            _chart(
                "chart-exposure",
                _money_series(result.exposure_curve),
                {"title": f"Gross exposure ({currency})", "height": 200, "zero": True},
            ),
        )
    )
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
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script>{chart_script()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><table>{rows}</table>"
        + charts
        + _positions_figure(result, title)
        + sections
        + f"<script>{_DRAW}</script></body></html>"
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
