"""The supervisors' wallboard at /wall: a tile per queue, alerts to acknowledge, feed health.

Refreshes once a second; and when the data of its clients changed, `wall.js` gets the new
tiles at once from its stream (`/wall/_changes`, `dashboards.wall_changes`). Each refresh
reads the live state through `dashboards.data` scoped to the principal the guard attached,
so a client's TV never sees another client's queues. The screens of one scope (the same
rights and filters) share one state per second, or per change (`LiveBoards`), so the
server's cost follows the scopes on screen, not the screens. The
board's settings live in the URL (`dashboards.wall_url`): a reload or a copied link shows
the same board. The callbacks only read data and pass it to this module's functions, which
turn plain data into what the page shows (tested without a browser).
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
import orjson
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from app.access.keys import Principal
from app.core.change_clock import ChangeClock
from app.core.config import Settings
from app.core.db import Database
from app.kpi.live_cache import SharedStates
from dashboards import data
from dashboards.alerts_view import alert_count, alerts_panel
from dashboards.components import agent_grid, feed_health, interval_figure, page_app, tile_view
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.wall_calls import panel_layout, register
from dashboards.wall_url import WallSettings, after, from_search
from dashboards.wall_view import (
    agents_of,
    board_zone,
    chosen,
    clock,
    fingerprints,
    freshest_feeds,
    lost_calls,
    rejected_today,
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
OUTPUTS = [*PANELS, *FILTERS, "tiles", "focus"]  # a refresh's outputs before the fingerprints
AGENT_ROWS = 40  # a TV shows the agents longest in their state; the rest are counted
MAX_TILES = 24  # more tiles than fit on a screen only slow the browser: filter, or rotate
ACKING_KINDS = ("supervisor", "admin", "client")
TV_ALERTS = 3  # alerts a TV lists under its 2 × 2 group and still fits on a 1080p screen
SHARED_FOR_S = 0.9  # a state serves every screen of its scope for this long: under the 1 s
# tick, so a lone screen still gets a new state each tick and 50 get one computation a second
SHARED_SCOPES = 64  # states kept at once (a 200-queue state is ~0.7 MB: ≤ ~45 MB in all)
SHARED_CHART_S = 5.0  # today's intervals of a queue, shared by the screens showing it
SHARED_BOARDS = 256  # boards drawn kept at once, each for 1 s (≤ 24 tiles: ~70 KiB each)
Drawn = tuple[dict[str, Any], list[Any], dict[str, str]]  # state, outputs, fingerprints
Today = tuple[list[dict[str, Any]], float | None, str]  # as `data.today_by_interval` reads it


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
    the agents and the chart follow the TV's rotation and the tile limit. The state may hold
    only the queues the filters pass (`data.snapshot` narrows its read); its `options` list
    every code the viewer may choose.
    """
    lang = wall.lang
    options = state["options"]
    filtered, shown, hidden = shown_queues(state, wall, now)
    zones = {live["queue"]: live["timezone"] for live in filtered}
    alerts = [{**a, "timezone": zones[a["queue"]]} for a in state["alerts"] if a["queue"] in zones]
    zone = board_zone(filtered, wall.tz)
    panels = {
        "alert-count": alert_count(alerts, lang),
        "alerts-panel": alerts_panel(alerts, lang, can_ack, zone, TV_ALERTS if wall.tv else None),
        "feed-health": feed_health(
            freshest_feeds(filtered, wall.vendors),
            lang,
            lost_calls(filtered),
            rejected_today(filtered, wall.vendors),
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


def shown_queues(
    state: dict[str, Any], wall: WallSettings, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Return the queues the filters pass, those shown now (the TV's rotation, at most
    `MAX_TILES`), and how many more the tile limit leaves out."""
    filtered = chosen(state["queues"], wall.clients, wall.vendors, wall.queues)
    shown = rotation(filtered, now.timestamp(), every_s=wall.rotate_s) if wall.tv else filtered
    return filtered, shown[:MAX_TILES], max(len(shown) - MAX_TILES, 0)


def board_tiles(state: dict[str, Any], wall: WallSettings, now: datetime) -> list[dict[str, Any]]:
    """Return the tiles `board` shows, and nothing else: what a push of new data sends (the
    panels follow with the page's next refresh)."""
    _, shown, _ = shown_queues(state, wall, now)
    return [tile_view(live, wall.lang) for live in shown]


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


def layout() -> html.Div:
    """The board's elements, each empty until the first refresh fills it."""
    return html.Div(
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
            panel_layout(),
            dcc.Interval(id="tick", interval=1000),
            dcc.Interval(id="slow-tick", interval=15_000),
        ],
        id="wall",
    )


def synced(
    trigger: Any, search: str | None, current: Any, filters: list[Any], opened: Any = None
) -> list[Any]:
    """Return the settings, the URL, and the filters' values and options after `trigger`.

    A control that changed writes the URL and leaves the controls be; a URL that was read
    sets the controls (and adds its codes to their options, so none is dropped). `opened`:
    the list of calls a tile's figure asked for.
    """
    wall, written = after(trigger, search, current, *filters, opened=opened)
    if written is not None:
        return [wall.data(), written, *[no_update] * (2 * len(FILTERS))]
    codes = (wall.clients, wall.vendors, wall.queues)
    return [wall.data(), no_update, *codes, *codes]


def refreshed(
    state: dict[str, Any],
    wall: WallSettings,
    can_ack: bool,
    now: datetime,
    rendered: dict[str, str] | None,
    boards: SharedStates[Drawn],
) -> list[Any]:
    """Return a refresh's outputs: the panels, the filters' options, the tiles, the chart's
    queue — each `no_update` when the browser shows it already — then their fingerprints."""
    _, outputs, prints = shared_drawing(state, wall, can_ack, now, boards)
    return unchanged_as_no_update(outputs, prints, rendered or {})


def shared_drawing(
    state: dict[str, Any],
    wall: WallSettings,
    can_ack: bool,
    now: datetime,
    boards: SharedStates[Drawn],
) -> Drawn:
    """Return the board drawn once a second for every screen of the same state and settings.

    The key holds the state's identity (the entry keeps the state alive, so the identity is
    never another state's while it is served), the settings, whether the viewer may
    acknowledge, and the second (the clock and the TV's rotation change with it).
    """
    settings_key = orjson.dumps(wall.data(), option=orjson.OPT_SORT_KEYS)
    key = (id(state), settings_key, can_ack, int(now.timestamp()))
    return boards.get(key, lambda: drawn(state, wall, can_ack, now))


class LiveBoards:
    """The live states and drawn boards the screens of this process share: what the page's
    refresh sends, and the tiles `wall_changes` pushes when the data changed."""

    def __init__(self, database: Database, settings: Settings, versions: ChangeClock) -> None:
        self.database, self.settings, self.versions = database, settings, versions
        self.states: SharedStates[dict[str, Any]] = SharedStates(SHARED_FOR_S, SHARED_SCOPES)
        self.boards: SharedStates[Drawn] = SharedStates(1.0, SHARED_BOARDS)
        self.charts: SharedStates[Today] = SharedStates(SHARED_CHART_S, SHARED_SCOPES)

    def state(self, principal: Principal, wall: WallSettings) -> dict[str, Any]:
        """Return the live state this viewer's board shows, from the newest data screens
        were told of."""
        chosen = data.Chosen.of(wall.clients, wall.vendors, wall.queues)
        version = self.versions.told(principal.client_id)
        return data.shared_snapshot(
            self.states, self.database, self.settings, principal, chosen, version
        )

    def tiles(self, principal: Principal, search: str) -> list[dict[str, Any]]:
        """Return the tiles of a board whose settings are `search` (its URL's query)."""
        wall = from_search(search)
        return board_tiles(self.state(principal, wall), wall, datetime.now(UTC))


def drawn(state: dict[str, Any], wall: WallSettings, can_ack: bool, now: datetime) -> Drawn:
    """Return the state, the refresh's outputs in `OUTPUTS`' order, and their fingerprints."""
    panels, options, tiles, focus = board(state, wall, can_ack, now)
    outputs = [*(panels[name] for name in PANELS), *(options[name] for name in FILTERS)]
    outputs += [tiles, focus]
    return state, outputs, fingerprints(outputs, OUTPUTS)


def focus_chart(wall: WallSettings, queue: str | None, today: Today | None) -> dict[str, Any]:
    """Return the chart of the focused queue's intervals today (`today` as
    `data.today_by_interval` reads it), titled with the queue and the board's timezone."""
    if not queue or today is None:
        return interval_figure([], None, wall.lang)
    rows, target, own_zone = today
    title = f"{queue} · {wall.tz or own_zone}"
    return interval_figure(rows, target, wall.lang, title=title, zone=wall.tz)


def labels(wall: WallSettings) -> tuple[str, ...]:
    """Word the page in the board's language; TV mode (the `tv` class) hides every control."""
    words = ("title", "alerts", "language", "tv", *FILTERS)
    return (
        *(word(wall.lang, key) for key in words),
        "tv" if wall.tv else "",
        "zh-CN" if wall.lang == "zh" else "en",
    )


def clicked_alert(trigger: Any, clicks: list[int | None]) -> int | None:
    """Return the alert whose acknowledge button was clicked, if one was."""
    if not trigger or not any(clicks):
        return None
    return int(trigger["alert"])


def create_wallboard(live: LiveBoards) -> Dash:
    """Build the wallboard's Dash app, to be mounted at /wall, on `live`'s shared boards."""
    app = page_app(__name__, "/wall/", ASSETS, "CallPulse")
    app.layout = layout()
    database, settings = live.database, live.settings

    @app.callback(
        Output("settings", "data"),
        Output("url", "search"),
        *(Output(f"{name}-filter", "value") for name in FILTERS),
        *(Output(f"{name}-filter", "options", allow_duplicate=True) for name in FILTERS),
        Input("url", "search"),
        Input("lang-toggle", "n_clicks"),
        Input("tv-toggle", "n_clicks"),
        Input("calls-open", "data"),
        Input("calls-close", "n_clicks"),
        *(Input(f"{name}-filter", "value") for name in FILTERS),
        State("settings", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def sync(
        search: str | None, _: Any, __: Any, opened: Any, ___: Any, *filters_and_current: Any
    ) -> list[Any]:
        """Keep the settings, the controls and the URL in step (one callback: they are a cycle)."""
        *filters, current = filters_and_current
        return synced(ctx.triggered_id, search, current, filters, opened)

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
        principal, shown = principal_from(flask.request.headers), WallSettings.of(wall)
        state, can_ack = live.state(principal, shown), principal.kind in ACKING_KINDS
        return refreshed(state, shown, can_ack, datetime.now(UTC), rendered, live.boards)

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
        """Today's intervals of the first queue shown (refreshed every 15 s; read once per
        `SHARED_CHART_S` for every screen with the same rights showing that queue)."""
        principal = principal_from(flask.request.headers)
        today = (
            live.charts.get(
                (*data.rights(principal), queue),
                lambda: data.today_by_interval(database, settings, principal, queue),
            )
            if queue
            else None
        )
        return focus_chart(WallSettings.of(wall), queue, today)

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
        return labels(WallSettings.of(wall))

    @app.callback(
        Output("acked", "data"),
        Input({"type": "ack", "alert": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def acknowledge(clicks: list[int | None]) -> int | None:
        alert = clicked_alert(ctx.triggered_id, clicks)
        if alert is not None:
            data.acknowledge(database, principal_from(flask.request.headers), alert)
            live.states.clear()  # the refresh this triggers shows the alert acknowledged
        return alert

    register(app, database, settings)
    return app
