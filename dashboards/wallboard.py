"""The supervisors' wallboard at /wall: a tile per queue, alerts to acknowledge, feed health.

Polls once a second; each refresh reads the live state through `dashboards.data` scoped to
the principal the guard attached, so a client's TV never sees another client's queues.
"""

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
import orjson
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from dashboards import data
from dashboards.components import (
    agent_grid,
    alerts_panel,
    feed_health,
    interval_figure,
    tile_view,
)
from dashboards.guard import principal_from
from dashboards.i18n import word

ASSETS = Path(__file__).parent / "assets"
PANELS = ("alerts-panel", "alert-count", "feed-health", "clock", "agent-grid", "more-queues")
FILTERS = ("client", "vendor", "queue")
AGENT_ROWS = 40  # a TV shows the agents longest in their state; the rest are counted
MAX_TILES = 24  # more tiles than fit on a screen only slow the browser: filter, or rotate
ACKING_KINDS = ("supervisor", "admin", "client")
TV_GROUP = 4  # tiles a TV shows at once (2 × 2, numbers ≥ 48 px)
TV_ROTATE_S = 15


def rotation(
    queues: list[Any], now_s: float, group: int = TV_GROUP, every_s: float = TV_ROTATE_S
) -> list[Any]:
    """Return the group of queues a TV shows now: groups of `group`, turning every 15 s."""
    groups = [queues[i : i + group] for i in range(0, len(queues), group)] or [[]]
    return groups[int(now_s // every_s) % len(groups)]


def filter_options(lives: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Return the clients, vendors and queues the viewer may filter by."""
    return {
        "client": sorted({live["client"] for live in lives}),
        "vendor": sorted({feed["vendor"] for live in lives for feed in live["feeds"]}),
        "queue": [live["queue"] for live in lives],
    }


def chosen(
    lives: list[dict[str, Any]],
    clients: list[str] | None,
    vendors: list[str] | None,
    queues: list[str] | None,
) -> list[dict[str, Any]]:
    """Keep the queues that pass every filter (an empty filter passes everything)."""
    return [
        live
        for live in lives
        if (not clients or live["client"] in clients)
        and (not vendors or any(feed["vendor"] in vendors for feed in live["feeds"]))
        and (not queues or live["queue"] in queues)
    ]


def freshest_feeds(
    lives: list[dict[str, Any]], vendors: list[str] | None
) -> dict[str, float | None]:
    """Return each vendor feed's age: its most recent record over the queues shown."""
    feeds: dict[str, float | None] = {}
    for live in lives:
        for feed in live["feeds"]:
            if vendors and feed["vendor"] not in vendors:
                continue
            known = [a for a in (feed["age_s"], feeds.get(feed["vendor"])) if a is not None]
            feeds[feed["vendor"]] = min(known) if known else None
    return feeds


def agents_of(lives: list[dict[str, Any]], vendors: list[str] | None) -> list[dict[str, Any]]:
    """Return the shown queues' agents, longest in their state first (one row per agent)."""
    agents = {
        (a["vendor"], a["agent"]): a
        for live in lives
        for a in live["agents"]
        if not vendors or a["vendor"] in vendors
    }
    return sorted(agents.values(), key=lambda a: -a["in_state_s"])


def clock(lives: list[dict[str, Any]]) -> str:
    """Return the time now in the (first shown) client's timezone."""
    if not lives:
        return datetime.now(UTC).strftime("%H:%M:%S UTC")
    moment = datetime.fromisoformat(lives[0]["as_of"])
    return f"{moment:%H:%M:%S} {lives[0]['timezone']}"


def unchanged_as_no_update(
    outputs: list[Any], names: list[str], rendered: dict[str, str]
) -> list[Any]:
    """Send only the outputs whose content changed since the browser's last render.

    The page polls every second; most seconds most panels are identical, and resending
    them would make the browser diff hundreds of tiles for nothing.
    """
    fingerprints = {
        name: hashlib.blake2b(
            orjson.dumps(output, default=_plain, option=orjson.OPT_SORT_KEYS), digest_size=12
        ).hexdigest()
        for name, output in zip(names, outputs, strict=True)
    }
    sent = [
        no_update if rendered.get(name) == fingerprints[name] else output
        for name, output in zip(names, outputs, strict=True)
    ]
    return [*sent, fingerprints]


def _plain(component: Any) -> Any:
    """Serialise a Dash component for fingerprinting."""
    return component.to_plotly_json()


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
            dcc.Store(id="rendered", data={}),
            dcc.Store(id="focus"),
            dcc.Store(id="tile-data"),
            html.Header(
                [
                    html.H1(id="title"),
                    html.Span(id="clock", className="clock"),
                    html.Span(id="alert-count"),
                    html.Div(id="feed-health", className="feed-health"),
                    html.Button(id="lang-toggle", className="toggle"),
                    html.Button(id="tv-toggle", className="toggle", n_clicks=0),
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
        [Output(name, "children") for name in PANELS]
        + [Output(f"{name}-filter", "options") for name in FILTERS]
        + [Output("tile-data", "data"), Output("focus", "data"), Output("rendered", "data")],
        Input("tick", "n_intervals"),
        Input("lang", "data"),
        Input("acked", "data"),
        Input("tv-toggle", "n_clicks"),
        *(Input(f"{name}-filter", "value") for name in FILTERS),
        State("rendered", "data"),
    )
    def refresh(
        _: int | None,
        lang: str,
        __: Any,
        tv_clicks: int | None,
        clients: list[str] | None,
        vendors: list[str] | None,
        queues: list[str] | None,
        rendered: dict[str, str] | None,
    ) -> list[Any]:
        principal = principal_from(flask.request.headers)
        state = data.snapshot(database, settings, principal)
        options = filter_options(state["queues"])
        # Alerts and feed health cover every queue the filters pass; only the tiles, the
        # agents and the chart follow the TV's rotation and the tile limit.
        filtered = chosen(state["queues"], clients, vendors, queues)
        shown = rotation(filtered, time.time()) if (tv_clicks or 0) % 2 else filtered
        hidden = max(len(shown) - MAX_TILES, 0)
        shown = shown[:MAX_TILES]
        names = {live["queue"] for live in filtered}
        alerts = [a for a in state["alerts"] if a["queue"] in names]
        open_alerts = [a for a in alerts if a["state"] == "open"]
        panels = {
            "alert-count": html.Span(
                f"⚠ {len(open_alerts)} {word(lang, 'open_alerts')}",
                className="alert-count open" if open_alerts else "alert-count",
            ),
            "alerts-panel": alerts_panel(alerts, lang, principal.kind in ACKING_KINDS),
            "feed-health": feed_health(freshest_feeds(filtered, vendors), lang),
            "clock": clock(shown),
            "more-queues": html.Span(
                f"+ {hidden} {word(lang, 'more_queues')}" if hidden else "",
                className="more-queues",
            ),
            "agent-grid": agent_grid(agents_of(shown, vendors), lang, AGENT_ROWS),
        }
        return unchanged_as_no_update(
            [
                *(panels[name] for name in PANELS),
                *(options[name] for name in FILTERS),
                [tile_view(live, lang) for live in shown],
                shown[0]["queue"] if shown else None,
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
        Input("lang", "data"),
        Input("focus", "data"),
    )
    def chart(_: int | None, lang: str, queue: str | None) -> dict[str, Any]:
        """Today's intervals of the first queue shown (refreshed every 15 s)."""
        if not queue:
            return interval_figure([], None, lang)
        principal = principal_from(flask.request.headers)
        rows, target = data.today_by_interval(database, settings, principal, queue)
        return interval_figure(rows, target, lang, title=queue)

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
        *(Output(f"{name}-filter", "placeholder") for name in FILTERS),
        Input("lang", "data"),
    )
    def label(lang: str) -> tuple[str, ...]:
        words = ("title", "alerts", "language", "tv", *FILTERS)
        return tuple(word(lang, key) for key in words)

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
