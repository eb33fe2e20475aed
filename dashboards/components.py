"""Wallboard pieces as pure functions of data: tiles, the alerts panel, feed health.

Colour follows the target — and never colour alone: every state carries an arrow or icon
(✓ met, ◆ within the warning band, ✗ breached), on a colour-blind-safe palette.
"""

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dash import Dash, html

from app.core.formats import mmss
from app.core.vocabulary import LOGGED_IN_STATES
from app.kpi.definitions import KPIS
from app.kpi.targets import Bound
from dashboards.i18n import word
from dashboards.wall_view import schedule_cell

WARNING_BAND = 0.05  # a ratio up to 5 points past its target: amber (durations: 10 %)
ALERT_RESPONSE_TARGET = {"max": 600.0}  # acknowledge within 10 minutes (DESIGN §7)
EXITS = ("received", "overflowed", "blocked")  # shown small: calls beyond answered/abandoned


def page_app(name: str, prefix: str, assets: Path, title: str) -> Dash:
    """Return a page's Dash app served under `prefix`, with its assets and title (and no
    "Updating…" title while a callback runs: a wall TV would flicker)."""
    return Dash(
        name,
        requests_pathname_prefix=prefix,
        assets_folder=str(assets),
        title=title,
        update_title="",
    )


def percent(value: float | None, decimals: int = 1) -> str:
    """Render a fraction as a percentage with one decimal (or `decimals`)."""
    return "—" if value is None else f"{value * 100:.{decimals}f} %"


def status(
    value: float | None, target: Mapping[str, float | None] | None, band: float
) -> tuple[str, str]:
    """Return (css class, icon) for a value against its target (`min`/`max`).

    Within `band` outside the target is the amber warning band.
    """
    if value is None or not target:
        return "neutral", ""
    low, high = target.get("min"), target.get("max")
    if Bound(low, high).met(value):
        return "met", "✓"
    widened = Bound(None if low is None else low - band, None if high is None else high + band)
    if widened.met(value):
        return "warn", "◆"
    return "breach", "✗"


def judged(kpi: str, value: float | None, targets: dict[str, Any]) -> tuple[str, str]:
    """Return (css class, icon) for one of the queue's KPIs against the queue's target."""
    target = targets.get(kpi)
    if not target:
        return "neutral", ""
    unit_band = (
        WARNING_BAND
        if KPIS[kpi].unit == "ratio"
        else 0.1 * max(abs(v) for v in target.values() if v is not None)
    )
    return status(value, target, unit_band)


def _metric(
    label: str,
    value: str,
    element_id: str | None = None,
    css: str = "",
    icon: str = "",
    drill: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A number of a tile; `drill` names the list of calls behind it (clickable)."""
    return {"label": label, "text": value, "id": element_id, "css": css, "icon": icon} | (
        {"drill": drill} if drill else {}
    )


def _drill(code: str, kind: str, lang: str) -> dict[str, str]:
    """What a figure opens: the queue's list of calls `kind`, and the hint a reader hears."""
    return {"queue": code, "list": kind, "hint": word(lang, "calls_open_hint")}


def callbacks_metric(code: str, callbacks: dict[str, Any], lang: str) -> dict[str, Any]:
    """Pending callback requests · those overdue (red), with the oldest one's age."""
    text = f"{callbacks['pending']} · {callbacks['overdue']}"
    if callbacks["oldest_pending_s"] is not None:
        text += f" ({word(lang, 'callbacks_oldest')} {mmss(callbacks['oldest_pending_s'])})"
    css = "breach" if callbacks["overdue"] else ""
    return _metric(word(lang, "callbacks_pending"), text, f"callbacks-{code}", css)


def tile_view(live: dict[str, Any], lang: str) -> dict[str, Any]:
    """One queue's tile as plain data, biggest numbers first, each number judged against the
    queue's own target; `assets/wall.js` lays it out in the browser.

    The server sends data, not components: 200 tiles of components cost more to build and
    to serialise every second than the whole live read.
    """
    code, today, targets = live["queue"], live["today"], live["targets"]
    sl_target = targets["service_level"]["min"]
    longest_css = "breach" if live["longest_wait_s"] > live["sl_threshold_s"] else ""
    agents = live["agents_by_state"]
    staffing = live["staffing"]
    alerts = live["alerts_today"]
    return {
        "id": f"tile-{code}",
        "name": code,
        "big": [
            _metric(
                word(lang, "waiting"),
                str(live["waiting"]),
                f"waiting-{code}",
                drill=_drill(code, "waiting", lang),
            ),
            _metric(
                word(lang, "longest"),
                mmss(live["longest_wait_s"]),
                f"longest-wait-{code}",
                longest_css,
            ),
            _metric(
                f"{word(lang, 'sl_today')} ({word(lang, 'target')} {sl_target:.0%})",
                percent(today["service_level"]),
                f"sl-today-{code}",
                *judged("service_level", today["service_level"], targets),
                drill=_drill(code, "sl_missed", lang),
            ),
            _metric(
                word(lang, "sl_10m"),
                percent(live["service_level_10m"]),
                f"sl-10m-{code}",
                *judged("service_level", live["service_level_10m"], targets),
            ),
        ],
        "small": [
            _metric(word(lang, "answered_offered"), f"{today['answered']} / {today['offered']}"),
            _metric(
                " · ".join(word(lang, k) for k in EXITS).capitalize(),
                " · ".join(str(today[k]) for k in EXITS),
                f"exits-{code}",
            ),
            _metric(
                word(lang, "abandon"),
                percent(today["abandon_rate"]),
                f"abandon-{code}",
                *judged("abandon_rate", today["abandon_rate"], targets),
                drill=_drill(code, "abandoned", lang),
            ),
            _metric(
                word(lang, "asa"),
                mmss(today["asa_s"]),
                f"asa-{code}",
                *judged("asa_s", today["asa_s"], targets),
            ),
            _metric(
                word(lang, "aht"),
                mmss(today["aht_s"]),
                f"aht-{code}",
                *judged("aht_s", today["aht_s"], targets),
            ),
            _metric(
                f"Erlang C ({word(lang, 'need')} · {word(lang, 'have')})",
                f"{staffing['required_agents']} · {staffing['agents_on_phones']}",
                f"erlang-{code}",
                "breach" if staffing["staffing_gap"] > 0 else "met",
            ),
            callbacks_metric(code, live["callbacks"], lang),
            _metric(
                f"{word(lang, 'alert_response')} ({alerts['alerts_opened']})",
                mmss(alerts["alert_response_s"]),
                f"alert-response-{code}",
                *status(alerts["alert_response_s"], ALERT_RESPONSE_TARGET, 120),
            ),
        ],
        "agents_id": f"agents-{code}",
        "agents_title": word(lang, "agents"),
        "segments": [
            {
                "state": state,
                "text": f"{word(lang, state)} {agents[state]}",
                "grow": max(agents[state], 0.2),
            }
            for state in (*LOGGED_IN_STATES, "stale")
        ],
    }


def feed_health(
    feeds: dict[str, float | None],
    lang: str,
    lost: dict[str, Any] | None = None,
    rejected: dict[str, int] | None = None,
) -> list[Any]:
    """A dot per vendor feed with the age of its last record and, amber with ▲, its records
    rejected today; a banner when one is quiet, and the calls that left "waiting" without an
    answer or end, with the reason."""
    dots: list[Any] = [
        feed_dot(vendor, age, (rejected or {}).get(vendor, 0), lang)
        for vendor, age in sorted(feeds.items())
    ]
    quiet = [vendor for vendor, age in feeds.items() if age is not None and age > 300]
    if quiet:
        dots.insert(
            0,
            html.Div(
                f"{word(lang, 'stale_feed')} {', '.join(sorted(quiet))}", className="stale-banner"
            ),
        )
    if lost:
        text = word(lang, "lost_call" if lost["count"] == 1 else "lost_calls").format(
            count=lost["count"],
            horizon=span(lost["horizon_s"], lang),
            queues=", ".join(lost["queues"]),
        )
        dots.append(html.Div(text, id="lost-calls", className="lost-calls"))
    return dots


def feed_dot(vendor: str, age: float | None, rejected: int, lang: str) -> html.Span:
    """One feed's dot: the age of its last record, and its rejections today (tooltip: where
    to see them)."""
    label = f"● {vendor} {word(lang, 'last_record')} " + (
        f"{age:.0f} s {word(lang, 'ago')}" if age is not None else word(lang, "no_data")
    )
    state = "stale" if age is None or age > 300 else "fresh"
    if rejected:
        label += " · ▲ " + word(lang, "rejected_today").format(count=rejected)
        state += " rejects"
        tip = word(lang, "rejected_tip").format(count=rejected, vendor=vendor)
    else:
        tip = word(lang, "none_rejected").format(vendor=vendor)
    return html.Span(label, className=f"feed {state}", title=tip, id=f"feed-dot-{vendor}")


def span(seconds: float, lang: str) -> str:
    """Render a setting's length of time in the largest whole unit: `4 h`, `90 min`, `45 s`."""
    whole = round(seconds)
    for unit, size in (("unit_hours", 3600), ("unit_minutes", 60)):
        if whole >= size and whole % size == 0:
            return f"{whole // size} {word(lang, unit)}"
    return f"{whole} {word(lang, 'unit_seconds')}"


def agent_grid(agents: list[dict[str, Any]], lang: str, rows_shown: int) -> html.Table:
    """The agents longest in their state first; past `rows_shown`, a count of the rest."""
    head = html.Tr(
        [
            html.Th(word(lang, key))
            for key in ("agent", "state", "in_state", "reason", "handled", "aht", "schedule")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(a["agent"]),
                html.Td(word(lang, a["state"]), className=f"state {a['state']}"),
                html.Td(mmss(a["in_state_s"])),
                html.Td(a["reason"] or ""),
                html.Td(str(a["handled_today"])),
                html.Td(mmss(a["aht_s"])),
                _schedule_td(a, lang),
            ]
        )
        for a in agents[:rows_shown]
    ]
    if len(agents) > rows_shown:
        more = f"+ {len(agents) - rows_shown} {word(lang, 'more_agents')}"
        rows.append(html.Tr(html.Td(more, colSpan=7, className="more")))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="agent-grid")


def _schedule_td(agent: dict[str, Any], lang: str) -> html.Td:
    """The agent's schedule now, marked when out of adherence."""
    text, css = schedule_cell(agent, lang)
    return html.Td(text, className=css)


def interval_figure(
    rows: list[dict[str, Any]],
    target: float | None,
    lang: str,
    title: str = "",
    zone: str | None = None,
) -> dict[str, Any]:
    """Today's intervals: offered, answered and abandoned bars; service level and target lines.

    Interval starts are read as wall time in `zone` (else in the client's own timezone).
    """
    starts = [  # wall time, read as such by Plotly
        (
            datetime.fromisoformat(row["start"]).astimezone(ZoneInfo(zone)).isoformat()
            if zone
            else row["start"]
        )[:16]
        for row in rows
    ]
    bars = [
        {
            "type": "bar",
            "name": word(lang, name),
            "x": starts,
            "y": [row[name] for row in rows],
            "marker": {"color": colour},
        }
        for name, colour in (
            ("offered", "#56B4E9"),
            ("answered", "#009E73"),
            ("abandoned", "#D55E00"),
        )
    ]
    lines = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": word(lang, "sl_today"),
            "x": starts,
            "y": [row["service_level"] for row in rows],
            "yaxis": "y2",
            "line": {"color": "#F0E442"},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": word(lang, "target"),
            "x": starts,
            "y": [target] * len(rows) if target is not None else [],
            "yaxis": "y2",
            "line": {"color": "#E69F00", "dash": "dash"},
        },
    ]
    return {
        "data": bars + lines,
        "layout": {
            "barmode": "group",
            "height": 320,
            "title": {"text": title, "font": {"size": 14}},
            "margin": {"l": 40, "r": 50, "t": 30, "b": 40},
            "paper_bgcolor": "#1b2228",
            "plot_bgcolor": "#1b2228",
            "font": {"color": "#f0f0f0"},
            "xaxis": {"type": "date", "tickformat": "%H:%M"},
            "yaxis": {"rangemode": "tozero"},
            "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%"},
            "legend": {"orientation": "h"},
        },
    }
