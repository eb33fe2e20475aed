"""The supervisors' wallboard at /wall: a tile per queue, alerts to acknowledge, feed health.

Polls once a second; each refresh reads the live state through `dashboards.data` scoped to
the principal the guard attached, so a client's TV never sees another client's queues.
"""

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

from app.core.config import Settings
from app.core.db import Database
from dashboards import data
from dashboards.components import (
    agent_grid,
    alerts_panel,
    feed_health,
    interval_figure,
    tile,
)
from dashboards.guard import principal_from
from dashboards.i18n import word

ASSETS = Path(__file__).parent / "assets"
ACKING_KINDS = ("supervisor", "admin", "client")
TV_GROUP = 6  # tiles a TV shows at once
TV_ROTATE_S = 15


def rotation(
    queues: list[Any], now_s: float, group: int = TV_GROUP, every_s: float = TV_ROTATE_S
) -> list[Any]:
    """Return the group of queues a TV shows now: groups of `group`, turning every 15 s."""
    groups = [queues[i : i + group] for i in range(0, len(queues), group)] or [[]]
    return groups[int(now_s // every_s) % len(groups)]


def create_wallboard(database: Database, settings: Settings) -> Dash:
    """Build the wallboard's Dash app, to be mounted at /wall."""
    app = Dash(
        __name__,
        requests_pathname_prefix="/wall/",
        assets_folder=str(ASSETS),
        title="CallPulse",
        update_title="",
    )
    app.layout = html.Div(
        [
            dcc.Store(id="lang", data="en"),
            dcc.Store(id="acked"),
            html.Header(
                [
                    html.H1(id="title"),
                    html.Span(id="clock", className="clock"),
                    html.Div(id="feed-health", className="feed-health"),
                    html.Button(id="lang-toggle", className="toggle"),
                    html.Button(id="tv-toggle", className="toggle", n_clicks=0),
                ],
                className="top-bar",
            ),
            dcc.Dropdown(id="queue-filter", multi=True, className="queue-filter"),
            html.Div(id="tiles", className="tiles"),
            html.Section(
                [
                    dcc.Graph(id="interval-chart", config={"displayModeBar": False}),
                    html.Div(id="agent-grid"),
                ],
                className="detail",
            ),
            html.Section(
                [html.H2(id="alerts-title"), html.Div(id="alerts-panel")], className="alerts"
            ),
            dcc.Interval(id="tick", interval=1000),
            dcc.Interval(id="slow-tick", interval=15_000),
        ],
        id="wall",
    )

    @app.callback(
        Output("tiles", "children"),
        Output("alerts-panel", "children"),
        Output("feed-health", "children"),
        Output("clock", "children"),
        Output("agent-grid", "children"),
        Output("queue-filter", "options"),
        Input("tick", "n_intervals"),
        Input("lang", "data"),
        Input("acked", "data"),
        Input("queue-filter", "value"),
        Input("tv-toggle", "n_clicks"),
    )
    def refresh(
        _: int | None, lang: str, __: Any, chosen: list[str] | None, tv_clicks: int | None
    ) -> tuple[Any, ...]:
        principal = principal_from(flask.request.headers)
        state = data.snapshot(database, settings, principal)
        options = [live["queue"] for live in state["queues"]]
        if chosen:
            state["queues"] = [q for q in state["queues"] if q["queue"] in chosen]
        if (tv_clicks or 0) % 2:
            state["queues"] = rotation(state["queues"], time.time())
        feeds: dict[str, float | None] = {}
        for live in state["queues"]:
            for feed in live["feeds"]:
                ages = [feed["age_s"], feeds.get(feed["vendor"])]
                known = [a for a in ages if a is not None]
                feeds[feed["vendor"]] = min(known) if known else None
        clock = (
            datetime.fromisoformat(state["queues"][0]["as_of"]).strftime("%H:%M:%S %Z")
            if state["queues"]
            else datetime.now(UTC).strftime("%H:%M:%S UTC")
        )
        tiles = [tile(live, lang, settings.default_sl_target) for live in state["queues"]]
        can_ack = principal.kind in ACKING_KINDS
        agents = {a["agent"]: a for live in state["queues"] for a in live["agents"]}
        focus = sorted(agents.values(), key=lambda a: -a["in_state_s"])
        return (
            tiles,
            alerts_panel(state["alerts"], lang, can_ack),
            feed_health(feeds, lang),
            clock,
            agent_grid(focus, lang),
            options,
        )

    @app.callback(
        Output("interval-chart", "figure"),
        Input("slow-tick", "n_intervals"),
        Input("lang", "data"),
        Input("queue-filter", "value"),
        Input("queue-filter", "options"),
    )
    def chart(
        _: int | None, lang: str, chosen: list[str] | None, options: list[str] | None
    ) -> dict[str, Any]:
        queues = chosen or options or []
        if not queues:
            return interval_figure([], settings.default_sl_target, lang)
        principal = principal_from(flask.request.headers)
        rows = data.today_by_interval(database, settings, principal, queues[0])
        return interval_figure(rows, settings.default_sl_target, lang)

    @app.callback(
        Output("lang", "data"),
        Input("lang-toggle", "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def switch_language(_: int, lang: str) -> str:
        return "zh" if lang == "en" else "en"

    @app.callback(
        Output("title", "children"),
        Output("alerts-title", "children"),
        Output("lang-toggle", "children"),
        Output("tv-toggle", "children"),
        Input("lang", "data"),
    )
    def label(lang: str) -> tuple[str, str, str, str]:
        return word(lang, "title"), word(lang, "alerts"), word(lang, "language"), word(lang, "tv")

    @app.callback(Output("wall", "className"), Input("tv-toggle", "n_clicks"))
    def tv_mode(clicks: int) -> str:
        return "tv" if clicks % 2 else ""

    @app.callback(
        Output("acked", "data"),
        Input({"type": "ack", "alert": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def acknowledge(clicks: list[int | None]) -> int | None:
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            return None
        data.acknowledge(database, principal_from(flask.request.headers), trigger["alert"])
        return int(trigger["alert"])

    return app
