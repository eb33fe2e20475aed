"""The calls behind a wallboard tile's figure: waiting now, today's abandoned, today's SL misses.

Clicking (or pressing Enter on) a tile's waiting, abandon or service-level figure opens a
panel listing them, with their count, which is the figure's. The open panel lives in the
board's URL (`calls=<queue>:<list>`, `dashboards.wall_url`), so a TV can hold it; Escape or
the close button closes it. The first 100 rows come first (a TV shows the first 12, in
large type), then 100 more at a time; every 5 s the panel reads again. Every read goes
through `dashboards.data` with the viewer's principal, as the figures do.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flask
from dash import Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError, NotFound
from dashboards import data
from dashboards.call_table import COLUMNS, count_text, header, rows, scrolled_table
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.wall_url import WallSettings, call_list

PAGE_ROWS = 100  # rows read at a time: never thousands into the page
TV_ROWS = 12  # rows a TV shows under the panel's title, in type readable across the room
MOST_SHOWN = 1000  # past this the desk downloads the list instead
REFRESH_MS = 5000
TITLES = {
    "waiting": "calls_waiting",
    "abandoned": "calls_abandoned",
    "sl_missed": "calls_sl_missed",
}
PANEL = (
    ("calls-panel", "hidden"),
    ("calls-title", "children"),
    ("calls-count", "children"),
    ("calls-as-of", "children"),
    ("calls-head", "children"),
    ("calls-rows", "children"),
    ("calls-note", "children"),
    ("calls-more", "children"),
    ("calls-more", "hidden"),
    ("calls-tick", "disabled"),
    ("calls-page", "data"),
    ("calls-close", "children"),
)

Reader = Callable[[str, str, int, str | None], dict[str, Any]]  # queue, list, limit, cursor

DIALOG: dict[str, Any] = {"aria-labelledby": "calls-title"}  # the panel is named by its title


def panel_layout() -> html.Div:
    """The panel's elements, hidden until a figure is clicked or the URL opens it."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2(id="calls-title"),
                    html.Span(id="calls-count", className="calls-count"),
                    html.Span(id="calls-as-of", className="calls-as-of"),
                    html.Button(id="calls-close", className="calls-close"),
                ],
                className="calls-top",
            ),
            html.Div(
                [
                    html.Button("⬇ CSV", id="calls-csv", className="calls-download"),
                    html.Button("⬇ Excel", id="calls-xlsx", className="calls-download"),
                ],
                className="calls-downloads",
            ),
            scrolled_table("calls"),
            html.Div(id="calls-note", className="calls-note"),
            html.Button(id="calls-more", className="calls-more", hidden=True),
            dcc.Store(id="calls-open"),  # wall.js sets it when a figure is clicked
            dcc.Store(id="calls-page"),
            dcc.Interval(id="calls-tick", interval=REFRESH_MS, disabled=True),
            dcc.Download(id="calls-download"),
        ],
        id="calls-panel",
        className="calls-panel",
        hidden=True,
        role="dialog",
        **DIALOG,
    )


def calls_panel(wall: WallSettings, trigger: Any, page: Any, read: Reader) -> list[Any]:
    """Return the panel's outputs (`PANEL`) for the board's settings after `trigger`.

    `page` is what the panel shows now (`calls-page`): its list, cursor, rows and count. A
    click on "more" appends the next rows; anything else reads the list again, as many rows
    as were shown (a TV: its first `TV_ROWS`).
    """
    opened = call_list(wall.calls)
    if opened is None:
        return [True, "", "", "", [], [], "", "", True, True, None, ""]
    queue, kind = opened
    page = page if isinstance(page, dict) and page.get("calls") == wall.calls else None
    try:
        if trigger == "calls-more" and page and page.get("cursor") and not wall.tv:
            return _more(wall, page, read(queue, kind, PAGE_ROWS, page["cursor"]))
        shown = (
            TV_ROWS if wall.tv else min(max(PAGE_ROWS, (page or {}).get("shown", 0)), MOST_SHOWN)
        )
        return _first(wall, queue, kind, read(queue, kind, shown, None))
    except NotFound:
        lang = wall.lang
        title = f"{word(lang, TITLES[kind])} · {queue}"
        return [False, title, "", "", [], [], word(lang, "calls_unavailable"), "", True, True, None,
                word(lang, "calls_close")]  # fmt: skip


def _first(wall: WallSettings, queue: str, kind: str, listed: dict[str, Any]) -> list[Any]:
    lang, zone = wall.lang, wall.tz or listed["timezone"]
    shown, count = len(listed["rows"]), listed["count"]
    page = {"calls": wall.calls, "cursor": listed["next_cursor"], "shown": shown, "count": count}
    as_of = datetime.fromisoformat(listed["as_of"])
    return [
        False,
        f"{word(lang, TITLES[kind])} · {queue}",
        count_text(count, "calls", lang),
        word(lang, "calls_as_of").format(time=_clock(as_of, zone)),
        header(COLUMNS[kind], lang, zone),
        rows(listed["rows"], COLUMNS[kind], lang, zone),
        _note(wall, shown, count, lang),
        *_more_button(wall, page),
        False,
        page,
        word(lang, "calls_close"),
    ]


def _more(wall: WallSettings, page: dict[str, Any], listed: dict[str, Any]) -> list[Any]:
    lang, zone = wall.lang, wall.tz or listed["timezone"]
    _, kind = call_list(wall.calls) or ("", "")
    appended = Patch()
    appended.extend(rows(listed["rows"], COLUMNS[kind], lang, zone))
    shown = page["shown"] + len(listed["rows"])
    page = page | {"cursor": listed["next_cursor"], "shown": shown}
    note = _note(wall, shown, page["count"], lang)
    return [*[no_update] * 5, appended, note, *_more_button(wall, page), no_update, page, no_update]


def _note(wall: WallSettings, shown: int, count: int, lang: str) -> str:
    if not count:
        return word(lang, "calls_none")
    if shown >= count:
        return ""
    if wall.tv:
        return word(lang, "calls_tv_more").format(n=count - shown)
    return word(lang, "calls_shown").format(shown=shown, count=count)


def _more_button(wall: WallSettings, page: dict[str, Any]) -> tuple[str, bool]:
    """The "more" button's text, and whether it is hidden (a TV, the end, or enough shown)."""
    left = page["count"] - page["shown"]
    hidden = wall.tv or not page["cursor"] or left <= 0 or page["shown"] >= MOST_SHOWN
    return word(wall.lang, "calls_more").format(n=min(PAGE_ROWS, max(left, 0))), hidden


def _clock(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%H:%M:%S} {zone}"


def download_name(trigger: Any) -> str:
    """Return the format a download button asks for."""
    return "xlsx" if trigger == "calls-xlsx" else "csv"


def register(app: Dash, database: Database, settings: Settings) -> None:
    """Add the panel's callbacks: read the list, and download it."""

    @app.callback(
        *(Output(element, prop) for element, prop in PANEL),
        Input("settings", "data"),
        Input("calls-tick", "n_intervals"),
        Input("calls-more", "n_clicks"),
        State("calls-page", "data"),
    )
    def show(wall: dict[str, Any], _: Any, __: Any, page: Any) -> list[Any]:
        principal = principal_from(flask.request.headers)

        def read(queue: str, kind: str, limit: int, cursor: str | None) -> dict[str, Any]:
            return data.calls_behind(database, settings, principal, queue, kind, limit, cursor)

        return calls_panel(WallSettings.of(wall), ctx.triggered_id, page, read)

    @app.callback(
        Output("calls-download", "data"),
        Output("calls-note", "children", allow_duplicate=True),
        Input("calls-csv", "n_clicks"),
        Input("calls-xlsx", "n_clicks"),
        State("settings", "data"),
        prevent_initial_call=True,
    )
    def download(_: Any, __: Any, wall: dict[str, Any]) -> tuple[Any, Any]:
        settings_now = WallSettings.of(wall)
        opened = call_list(settings_now.calls)
        if opened is None:
            return no_update, no_update
        principal = principal_from(flask.request.headers)
        try:
            body, name = data.calls_behind_download(
                database, settings, principal, *opened, download_name(ctx.triggered_id),
                settings_now.lang,
            )  # fmt: skip
        except AppError as exc:
            return no_update, exc.message
        return dcc.send_bytes(body, name), no_update
