"""The plan's chart: Erlang C required against scheduled agents over the day, forecast calls
as bars on a second axis; understaffed intervals marked ✕ (Okabe–Ito colours)."""

from typing import Any

from dashboards.i18n import word
from dashboards.plan.view import is_short

OFFERED, REQUIRED, SCHEDULED, SHORT = "#56B4E9", "#E69F00", "#009E73", "#D55E00"


def plan_figure(plan: dict[str, Any], lang: str) -> dict[str, Any]:
    """Return the plan as a Plotly figure; x is the client's wall-clock time of each interval."""
    rows = plan["intervals"]
    starts = [row["start"][:16] for row in rows]  # local wall time, read as such by Plotly
    shorts = [row for row in rows if is_short(row)]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": word(lang, "plan_offered"),
            "x": starts,
            "y": [row["offered"] for row in rows],
            "yaxis": "y2",
            "marker": {"color": OFFERED, "opacity": 0.45},
        },
        _steps(word(lang, "plan_required"), starts, [r["required_agents"] for r in rows], REQUIRED),
    ]
    if any(row["scheduled_agents"] is not None for row in rows):
        scheduled = [row["scheduled_agents"] for row in rows]
        traces.append(_steps(word(lang, "plan_scheduled"), starts, scheduled, SCHEDULED))
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": word(lang, "plan_short"),  # the legend draws its ✕
                "x": [row["start"][:16] for row in shorts],
                "y": [row["scheduled_agents"] for row in shorts],
                "marker": {"color": SHORT, "symbol": "x", "size": 9},
            }
        )
    return {
        "data": traces,
        "layout": {
            "height": 340,
            "title": {
                "text": f"{plan['queue']} · {plan['date']} ({plan['timezone']})",
                "font": {"size": 14},
                "x": 0.01,
            },
            "margin": {"l": 52, "r": 60, "t": 40, "b": 40},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#f7f8fa",
            "xaxis": {"type": "date", "tickformat": "%H:%M"},
            "yaxis": {"title": {"text": word(lang, "plan_agents")}, "rangemode": "tozero"},
            "yaxis2": {
                "title": {"text": word(lang, "plan_offered")},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
            },
            "legend": {"orientation": "h", "y": -0.15},
            "bargap": 0.1,
        },
    }


def _steps(name: str, x: list[str], y: list[Any], colour: str) -> dict[str, Any]:
    """A line that holds each interval's value until the next interval starts."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": colour, "shape": "hv", "width": 2},
    }
