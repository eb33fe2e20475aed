"""The supervisors' wallboard at /wall: a tile per queue, alerts to acknowledge, feed health.

Polls once a second; each refresh reads the live state through `dashboards.data` scoped to
the principal the guard attached, so a client's TV never sees another client's queues. The
board's settings live in the URL (`dashboards.wall_url`): a reload or a copied link shows
the same board.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from dashboards import data
from dashboards.alerts_view import alert_count, alerts_panel
from dashboards.components import agent_grid, feed_health, interval_figure, tile_view
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.wall_url import WallSettings, after
from dashboards.wall_view import (
    agents_of,
    board_zone,
    chosen,
    clock,
    filter_options,
    freshest_feeds,
    lost_calls,
    rotation,
    unchanged_as_no_update,
    unknown_filters,
)

ASSETS = Path(__file__).parent / "assets"
PANELS = (
    "alerts-panel",
    "alert-count",
    "feed-health",
    "clock",
    "agent-grid",
    "more-queues",
    "url-note",
)
FILTERS = ("client", "vendor", "queue")
AGENT_ROWS = 40  # a TV shows the agents longest in their state; the rest are counted
MAX_TILES = 24  # more tiles than fit on a screen only slow the browser: filter, or rotate
ACKING_KINDS = ("supervisor", "admin", "client")
TV_ALERTS = 3  # alerts a TV lists under its 2 × 2 group and still fits on a 1080p screen


def url_note(problems: list[list[str]], lang: str) -> str:
    """Name the link's settings that were ignored, and how to write them."""
    if not problems:
        return ""
    named = "; ".join(f"{param}={value}: {word(lang, hint)}" for param, value, hint in problems)
    return f"{word(lang, 'url_problem')} {named}"


def board(
    state: dict[str, Any], wall: WallSettings, can_ack: bool, now: datetime
) -> tuple[dict[str, Any], dict[str, list[str]], list[dict[str, Any]], str | None]:
    """Return what a refresh shows: the panels, the filter options, the tiles, the chart's queue.

    Alerts, feed health and lost calls cover every queue the filters pass; only the tiles,
    the agents and the chart follow the TV's rotation and the tile limit.
    """
    lang = wall.lang
    options = filter_options(state["queues"])
    filtered = chosen(state["queues"], wall.clients, wall.vendors, wall.queues)
    shown = rotation(filtered, now.timestamp(), every_s=wall.rotate_s) if wall.tv else filtered
    hidden = max(len(shown) - MAX_TILES, 0)
    shown = shown[:MAX_TILES]
    zones = {live["queue"]: live["timezone"] for live in filtered}
    alerts = [{**a, "timezone": zones[a["queue"]]} for a in state["alerts"] if a["queue"] in zones]
    zone = board_zone(filtered, wall.tz)
    panels = {
        "alert-count": alert_count(alerts, lang),
        "alerts-panel": alerts_panel(alerts, lang, can_ack, zone, TV_ALERTS if wall.tv else None),
        "feed-health": feed_health(
            freshest_feeds(filtered, wall.vendors), lang, lost_calls(filtered)
        ),
        "clock": clock(filtered, wall.tz, now),
        "more-queues": html.Span(
            f"+ {hidden} {word(lang, 'more_queues')}" if hidden else "", className="more-queues"
        ),
        "agent-grid": agent_grid(agents_of(shown, wall.vendors), lang, AGENT_ROWS),
        "url-note": url_note(wall.problems + unknown_filters(wall, options), lang),
    }
    tiles = [tile_view(live, lang) for live in shown]
    return panels, with_chosen(options, wall), tiles, shown[0]["queue"] if shown else None


def with_chosen(options: dict[str, list[str]], wall: WallSettings) -> dict[str, list[str]]:
    """Add the codes the link chose to the filters' options.

    A filter drops a chosen value that is not among its options (and the URL would follow);
    an unknown code stays chosen instead, and the board names it.
    """
    chosen_codes = {"client": wall.clients, "vendor": wall.vendors, "queue": wall.queues}
    return {
        name: codes + [code for code in chosen_codes[name] if code not in codes]
        for name, codes in options.items()
    }


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
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="settings", data=WallSettings().data()),
            dcc.Store(id="acked"),
            dcc.Store(id="rendered", data={}),
            dcc.Store(id="focus"),
            dcc.Store(id="tile-data"),
            html.Header(
                [
                    html.H1(id="title"),
                    html.Span(id="clock", className="clock"),
                    html.Span(id="alert-count"),
                    html.Div(id="feed-health", className="feed-health"),
                    html.Span(id="url-note", className="url-note"),
                    html.Button(id="lang-toggle", className="toggle"),
                    html.Button(id="tv-toggle", className="toggle"),
                ],
                className="top-bar",
            ),
            html.Div(
                [
                    dcc.Dropdown(id=f"{name}-filter", multi=True, className="filter")
                    for name in FILTERS
                ],
                className="filters",
            ),
            html.Div(id="tiles", className="tiles"),
            html.Div(id="more-queues"),
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
        Output("settings", "data"),
        Output("url", "search"),
        *(Output(f"{name}-filter", "value") for name in FILTERS),
        *(Output(f"{name}-filter", "options", allow_duplicate=True) for name in FILTERS),
        Input("url", "search"),
        Input("lang-toggle", "n_clicks"),
        Input("tv-toggle", "n_clicks"),
        *(Input(f"{name}-filter", "value") for name in FILTERS),
        State("settings", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def sync(search: str | None, _: Any, __: Any, *filters_and_current: Any) -> list[Any]:
        """Keep the settings, the controls and the URL in step (one callback: they are a cycle)."""
        *filters, current = filters_and_current
        wall, written = after(ctx.triggered_id, search, current, *filters)
        if written is not None:  # a control changed: the URL follows
            return [wall.data(), written, *[no_update] * (2 * len(FILTERS))]
        codes = (wall.clients, wall.vendors, wall.queues)  # the URL was read: controls follow
        return [wall.data(), no_update, *codes, *codes]

    @app.callback(
        [Output(name, "children") for name in PANELS]
        + [Output(f"{name}-filter", "options") for name in FILTERS]
        + [Output("tile-data", "data"), Output("focus", "data"), Output("rendered", "data")],
        Input("tick", "n_intervals"),
        Input("settings", "data"),
        Input("acked", "data"),
        State("rendered", "data"),
    )
    def refresh(
        _: Any, wall: dict[str, Any], __: Any, rendered: dict[str, str] | None
    ) -> list[Any]:
        principal = principal_from(flask.request.headers)
        state = data.snapshot(database, settings, principal)
        panels, options, tiles, focus = board(
            state, WallSettings.of(wall), principal.kind in ACKING_KINDS, datetime.now(UTC)
        )
        return unchanged_as_no_update(
            [
                *(panels[name] for name in PANELS),
                *(options[name] for name in FILTERS),
                tiles,
                focus,
            ],
            [*PANELS, *FILTERS, "tiles", "focus"],
            rendered or {},
        )

    app.clientside_callback(  # writes the tiles into #tiles itself; the output never changes
        ClientsideFunction("wall", "tiles"), Output("tiles", "title"), Input("tile-data", "data")
    )
    app.clientside_callback(  # every refresh renews the fingerprints: the board is live
        ClientsideFunction("wall", "seen"), Output("clock", "title"), Input("rendered", "data")
    )

    @app.callback(
        Output("interval-chart", "figure"),
        Input("slow-tick", "n_intervals"),
        Input("settings", "data"),
        Input("focus", "data"),
    )
    def chart(_: int | None, wall: dict[str, Any], queue: str | None) -> dict[str, Any]:
        """Today's intervals of the first queue shown (refreshed every 15 s)."""
        lang, tz = WallSettings.of(wall).lang, WallSettings.of(wall).tz
        if not queue:
            return interval_figure([], None, lang)
        principal = principal_from(flask.request.headers)
        rows, target, own_zone = data.today_by_interval(database, settings, principal, queue)
        return interval_figure(rows, target, lang, title=f"{queue} · {tz or own_zone}", zone=tz)

    @app.callback(
        Output("title", "children"),
        Output("alerts-title", "children"),
        Output("lang-toggle", "children"),
        Output("tv-toggle", "children"),
        *(Output(f"{name}-filter", "placeholder") for name in FILTERS),
        Output("wall", "className"),
        Output("wall", "lang"),
        Input("settings", "data"),
    )
    def label(wall: dict[str, Any]) -> tuple[str, ...]:
        """Word the page in the board's language; TV mode hides every control."""
        board_settings = WallSettings.of(wall)
        words = ("title", "alerts", "language", "tv", *FILTERS)
        return (
            *(word(board_settings.lang, key) for key in words),
            "tv" if board_settings.tv else "",
            "zh-CN" if board_settings.lang == "zh" else "en",
        )

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
