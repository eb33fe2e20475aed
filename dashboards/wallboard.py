"""The supervisors' wallboard at /wall: a tile per queue, alerts to acknowledge, feed health.

Polls once a second; each refresh reads the live state through `dashboards.data` scoped to
the principal the guard attached, so a client's TV never sees another client's queues.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

from app.core.config import Settings
from app.core.db import Database
from dashboards import data
from dashboards.components import alerts_panel, feed_health, tile
from dashboards.guard import principal_from
from dashboards.i18n import word

ASSETS = Path(__file__).parent / "assets"
ACKING_KINDS = ("supervisor", "admin", "client")


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
            html.Div(id="tiles", className="tiles"),
            html.Section(
                [html.H2(id="alerts-title"), html.Div(id="alerts-panel")], className="alerts"
            ),
            dcc.Interval(id="tick", interval=1000),
        ],
        id="wall",
    )

    @app.callback(
        Output("tiles", "children"),
        Output("alerts-panel", "children"),
        Output("feed-health", "children"),
        Output("clock", "children"),
        Input("tick", "n_intervals"),
        Input("lang", "data"),
        Input("acked", "data"),
    )
    def refresh(_: int | None, lang: str, __: Any) -> tuple[Any, Any, Any, str]:
        principal = principal_from(flask.request.headers)
        state = data.snapshot(database, settings, principal)
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
        return tiles, alerts_panel(state["alerts"], lang, can_ack), feed_health(feeds, lang), clock

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
