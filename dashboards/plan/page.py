"""The interval plan page at /plan: tomorrow's forecast and Erlang C staffing of one queue.

What a vendor's WFM planner or a floor supervisor checks the day before: per interval the
forecast (a WFM tool's, else CallPulse's own), the agents Erlang C requires for the queue's
service level, the agents scheduled, and where the schedule falls short. Logged-in users only
(the guard refuses share links), scoped like `GET /v1/queues/{code}/plan`: a client's users
see their client's queues, a vendor's supervisors the queues it serves with its own agents'
schedule. The settings live in the URL (`dashboards.plan.url`); the callbacks read through
`dashboards.data` and pass plain data to pure functions (`view`, `figure`).
"""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import flask
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError
from dashboards import data
from dashboards.components import page_app
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.plan.export import export, export_href
from dashboards.plan.figure import plan_figure
from dashboards.plan.url import PlanSettings, after, from_search, resolve, to_search
from dashboards.plan.view import summary, table
from dashboards.wallboard import url_note

ASSETS = Path(__file__).parent / "assets"
REFRESH_MS = 300_000  # a TV on the plan picks up new schedules and forecasts every 5 minutes
STEPS = ("prev-day", "next-day", "lang-toggle")  # buttons: their clicks change a setting


def create_plan_page(database: Database, settings: Settings) -> Dash:
    """Build the plan page's Dash app, to be mounted at /plan behind the guard."""
    app = page_app(__name__, "/plan/", ASSETS, "CallPulse plan")
    app.layout = layout()
    _callbacks(app, database, settings)
    app.server.add_url_rule(
        "/export/<queue>.csv", "plan_export", lambda queue: export(database, settings, queue)
    )
    return app


def layout() -> html.Div:
    """The page's elements, each filled by the callbacks."""

    def picker(name: str, *controls: Any) -> html.Div:
        return html.Div(
            [html.Label(id=f"{name}-label", htmlFor=f"{name}-picker"), *controls],
            className="picker",
        )

    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="settings", data=PlanSettings().data()),
            dcc.Store(id="queues", data=[]),
            html.Header(
                [
                    html.H1(id="plan-title"),
                    picker("queue", dcc.Dropdown(id="queue-picker", clearable=False)),
                    picker(
                        "date",
                        html.Div(
                            [
                                html.Button(id="prev-day", className="step"),
                                dcc.DatePickerSingle(id="date-picker", display_format="YYYY-MM-DD"),
                                html.Button(id="next-day", className="step"),
                            ],
                            className="days",
                        ),
                    ),
                    html.Button(id="lang-toggle", className="toggle"),
                ],
                className="plan-top",
            ),
            html.Div(id="plan-note", className="plan-note"),
            html.Section(
                [html.Div(id="plan-summary"), html.A(id="plan-download", className="download")],
                className="card",
            ),
            html.Section(
                dcc.Graph(id="plan-chart", config={"displayModeBar": False}), className="card"
            ),
            html.Section(html.Div(id="plan-intervals"), className="card"),
            dcc.Interval(id="refresh", interval=REFRESH_MS),
        ],
        id="plan",
    )


def synced(
    trigger: Any,
    search: str | None,
    current: Any,
    controls: tuple[Any, Any],
    queues: list[dict[str, Any]] | None,
    now: datetime,
) -> list[Any]:
    """Return the settings, the URL, the queues, the queue picker's options and value, and
    the date picker's day after `trigger` (None or `url`: the page was loaded).

    The URL is the page's memory: read when the page loads, written when a control changes.
    `queues`: those the viewer may see, which the caller reads when the page loads.
    """
    if trigger in (None, "url"):
        shown, day = resolve(from_search(search), queues or [], now)
        options = [{"label": queue_label(q), "value": q["code"]} for q in queues or []]
        return [shown.data(), no_update, queues, options, shown.queue, day]
    chosen, day = after(trigger, PlanSettings.of(current), *controls)
    return [chosen.data(), to_search(chosen, search), no_update, no_update, no_update, day]


def queue_label(queue: dict[str, Any]) -> str:
    """Name a queue in the picker: its name and code (once when they are the same), its client."""
    named = (
        queue["code"]
        if queue["name"] in (None, queue["code"])
        else f"{queue['name']} ({queue['code']})"
    )
    return f"{named} · {queue['client']}"


def rendered(plan: dict[str, Any] | None, problem: str, wanted: PlanSettings) -> list[Any]:
    """Return the note, summary, download link, chart and table of a plan (or of none)."""
    lang = wanted.lang
    note = " ".join(filter(None, [url_note(wanted.problems, lang), problem]))
    if plan is None:
        return [note, None, None, {"data": [], "layout": {"height": 60}}, None]
    href = export_href(plan["queue"], plan["date"])
    return [note, summary(plan, lang), href, plan_figure(plan, lang), table(plan, lang)]


def labels(lang: str) -> tuple[str, ...]:
    """Word the page's title, pickers, day steps, download and language toggle."""
    keys = ("plan_title", "plan_queue", "plan_date", "plan_prev_day", "plan_next_day")
    return (
        *(word(lang, key) for key in keys),
        word(lang, "plan_download"),
        word(lang, "language"),
        "zh-CN" if lang == "zh" else "en",
    )


def _callbacks(app: Dash, database: Database, settings: Settings) -> None:
    @app.callback(
        Output("settings", "data"),
        Output("url", "search"),
        Output("queues", "data"),
        Output("queue-picker", "options"),
        Output("queue-picker", "value"),
        Output("date-picker", "date"),
        Input("url", "search"),
        Input("queue-picker", "value"),
        Input("date-picker", "date"),
        *(Input(name, "n_clicks") for name in STEPS),
        State("settings", "data"),
        State("queues", "data"),
    )
    def sync(search: str | None, chosen: Any, shown_day: Any, *rest: Any) -> list[Any]:
        """Keep the settings, the controls and the URL in step (one callback: they are a cycle)."""
        *_, current, queues = rest
        trigger = ctx.triggered_id
        if trigger in (None, "url"):
            queues = data.plan_queues(database, principal_from(flask.request.headers))
        return synced(trigger, search, current, (chosen, shown_day), queues, datetime.now(UTC))

    @app.callback(
        Output("plan-note", "children"),
        Output("plan-summary", "children"),
        Output("plan-download", "href"),
        Output("plan-chart", "figure"),
        Output("plan-intervals", "children"),
        Input("settings", "data"),
        Input("refresh", "n_intervals"),
    )
    def render(current: Any, _: int | None) -> list[Any]:
        wanted = PlanSettings.of(current)
        if wanted.queue is None:
            return rendered(None, word(wanted.lang, "plan_no_queues"), wanted)
        day = date.fromisoformat(wanted.date) if wanted.date else None
        principal = principal_from(flask.request.headers)
        try:
            plan = data.queue_plan(database, settings, principal, wanted.queue, day)
        except AppError as exc:
            return rendered(None, f"{word(wanted.lang, 'plan_error')} {exc.message}", wanted)
        return rendered(plan, "", wanted)

    @app.callback(
        Output("plan-title", "children"),
        Output("queue-label", "children"),
        Output("date-label", "children"),
        Output("prev-day", "children"),
        Output("next-day", "children"),
        Output("plan-download", "children"),
        Output("lang-toggle", "children"),
        Output("plan", "lang"),
        Input("settings", "data"),
    )
    def label(current: Any) -> tuple[str, ...]:
        return labels(PlanSettings.of(current).lang)
