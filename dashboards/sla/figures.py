"""Daily trend of one contract KPI against its target: the SLA page's small multiples.

A pure function of the report's `daily` rows and one `targets` row. Each day is a marker
shaped by its verdict (● met, ✕ missed, on the Okabe–Ito palette), days without data are
gaps, and each bound of the target is a dashed line labelled with its value.
"""

from datetime import datetime, timedelta
from typing import Any

from app.core.formats import target_text, value_text
from app.kpi.names import kpi_name
from app.kpi.targets import Bound
from dashboards.i18n import word

MET, MISSED, LINE, TARGET = "#009E73", "#D55E00", "#0072B2", "#E69F00"


def trend_figure(target: dict[str, Any], daily: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Return the daily values of `target["kpi"]` with its bounds as a Plotly figure."""
    key, unit = target["kpi"], target["unit"]
    dates = [day["date"] for day in daily]
    values = [day.get(key) for day in daily]
    low, high = target["target"]["min"], target["target"]["max"]
    bound = Bound(low, high)
    verdicts = [None if v is None else bound.met(v) for v in values]
    bounds = [b for b in (low, high) if b is not None]
    top = max([v for v in values if v is not None] + bounds, default=0.0) * 1.15 or 1.0
    if unit == "ratio":
        top = min(top, 1.05)
    series = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": word(lang, "daily_value"),
        "x": dates,
        "y": values,
        "text": [value_text(v, unit) for v in values],
        "hovertemplate": "%{x}: %{text}<extra></extra>",
        "connectgaps": False,
        "line": {"color": LINE, "width": 2},
        "marker": {
            "size": 8,
            "symbol": ["x" if v is False else "circle" for v in verdicts],
            "color": [MISSED if v is False else MET for v in verdicts],
        },
    }
    lines = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": b,
            "y1": b,
            "line": {"color": TARGET, "dash": "dash", "width": 2},
        }
        for b in bounds
    ]
    notes = [
        {
            "xref": "paper",
            "x": 1,
            "xanchor": "right",
            "yref": "y",
            "y": bounds[-1],
            "yanchor": "bottom",
            "text": f"{word(lang, 'target')} {target_text(target['target'], unit)}",
            "showarrow": False,
            "font": {"color": "#8a5a00", "size": 11},
        }
    ]
    if all(v is None for v in values):
        notes.append(_no_data(lang))
    return {
        "data": [series],
        "layout": {
            "title": {"text": kpi_name(key, lang), "font": {"size": 13}, "x": 0.01},
            "height": 210,
            "margin": {"l": 52, "r": 12, "t": 34, "b": 30},
            "showlegend": False,
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#f7f8fa",
            "xaxis": _x_axis(dates),
            "yaxis": _y_axis(unit, top),
            "shapes": lines,
            "annotations": notes,
        },
    }


def _x_axis(dates: list[str]) -> dict[str, Any]:
    """A date axis from half a day before the first day to half a day after the last."""
    axis: dict[str, Any] = {"type": "date", "tickformat": "%m-%d"}
    if dates:
        first = datetime.fromisoformat(dates[0]) - timedelta(hours=12)
        last = datetime.fromisoformat(dates[-1]) + timedelta(hours=12)
        axis["range"] = [f"{first:%Y-%m-%d %H:%M}", f"{last:%Y-%m-%d %H:%M}"]
    return axis


def _y_axis(unit: str, top: float) -> dict[str, Any]:
    axis: dict[str, Any] = {"range": [0, top], "zeroline": False}
    if unit == "ratio":
        axis["tickformat"] = ".0%"
    elif unit == "s":
        axis["ticksuffix"] = " s"
    return axis


def _no_data(lang: str) -> dict[str, Any]:
    return {
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "text": f"○ {word(lang, 'met_none')}",
        "showarrow": False,
        "font": {"size": 14, "color": "#555"},
    }
