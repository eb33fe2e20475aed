"""What missed an SLA target: the calls (or tickets) behind a compliance row, with downloads.

Each target row with a call- or ticket-level miss has a button (`dashboards.call_lists`
decides what misses which KPI); it opens a panel over the page with how many missed, the
first 100, 100 more at a time, and CSV / Excel downloads of all of them (the evidence
exports, served through the page's own login). Escape or the close button closes it. A new
report (another client, period, contract) closes it too: it listed the old one's misses.
"""

from collections.abc import Callable
from typing import Any

import flask
from dash import ALL, Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError
from app.core.formats import target_text
from app.kpi.names import kpi_name
from dashboards import data
from dashboards.call_table import COLUMNS, count_text, header, rows, scrolled_table
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.sla.periods import period_dates

PAGE_ROWS = 100
PANEL = (
    ("missed-panel", "hidden"),
    ("missed-title", "children"),
    ("missed-count", "children"),
    ("missed-note", "children"),
    ("missed-head", "children"),
    ("missed-rows", "children"),
    ("missed-shown", "children"),
    ("missed-more", "children"),
    ("missed-more", "hidden"),
    ("missed-page", "data"),
    ("missed-close", "children"),
)
CLOSED = [True, "", "", "", [], [], "", "", True, None, ""]

Reader = Callable[[dict[str, Any], int, str | None], dict[str, Any]]  # target, limit, cursor

DIALOG: dict[str, Any] = {"aria-labelledby": "missed-title"}  # the panel is named by its title


def panel_layout() -> html.Div:
    """The panel's elements, hidden until a target's button is clicked."""
    return html.Div(
        [
            html.Div(
                [html.H2(id="missed-title"), html.Button(id="missed-close", className="toggle")],
                className="missed-top",
            ),
            html.P(id="missed-count", className="missed-count"),
            html.P(id="missed-note", className="legend"),
            html.Div(
                [
                    html.Button("⬇ CSV", id="missed-csv", className="download"),
                    html.Button("⬇ Excel", id="missed-xlsx", className="download"),
                    html.Span(id="missed-error", className="missed-error"),
                ],
                className="downloads",
            ),
            scrolled_table("missed"),
            html.P(id="missed-shown", className="legend"),
            html.Button(id="missed-more", className="toggle", hidden=True),
            dcc.Store(id="missed-page"),
            dcc.Download(id="missed-download"),
        ],
        id="missed-panel",
        className="missed-panel",
        hidden=True,
        role="dialog",
        **DIALOG,
    )


def missed_view(
    trigger: Any, clicked: Any, shown_report: dict[str, Any], page: Any, lang: str, read: Reader
) -> list[Any]:
    """Return the panel's outputs (`PANEL`) after `trigger`.

    `shown_report`: the client, period and contract the page shows; `page`: what the panel
    shows now (its target, cursor, rows and count). A target's button opens its misses;
    "more" appends the next rows; the language reads them again; a redrawn report closes it.
    """
    if isinstance(trigger, dict) and trigger.get("type") == "missed":
        if not clicked:  # the report was drawn again: its buttons are new
            return CLOSED
        return _first({**shown_report, "kpi": trigger["kpi"]}, lang, read, PAGE_ROWS)
    if not isinstance(page, dict) or trigger == "missed-close":
        return CLOSED
    target = {k: page[k] for k in ("client", "period", "contract", "kpi")}
    if trigger == "missed-more" and page.get("cursor"):
        return _more(target, page, lang, read(target, PAGE_ROWS, page["cursor"]))
    return _first(target, lang, read, max(PAGE_ROWS, page.get("shown", 0)))


def _first(target: dict[str, Any], lang: str, read: Reader, limit: int) -> list[Any]:
    try:
        listed = read(target, limit, None)
    except AppError as exc:
        return [False, kpi_name(target["kpi"], lang), "", exc.message, [], [], "", "", True,
                None, word(lang, "calls_close")]  # fmt: skip
    columns = COLUMNS[listed["source"]]
    zone, kpi = listed["timezone"], kpi_name(target["kpi"], lang)
    first, last = period_dates(listed["period"])
    count, shown = listed["count"], len(listed["rows"])
    page = target | {"cursor": listed["next_cursor"], "shown": shown, "count": count}
    note = (
        word(lang, "missed_exact")
        if listed["exact"]
        else word(lang, "missed_mean").format(
            kpi=kpi, target=target_text(listed["target"], listed["unit"])
        )
    )
    return [
        False,
        word(lang, "missed_title").format(kpi=kpi, first=first, last=last, zone=zone),
        count_text(count, listed["source"], lang),
        note,
        header(columns, lang, zone),
        rows(listed["rows"], columns, lang, zone, with_date=True),
        *_progress(page, lang),
        page | {"source": listed["source"], "timezone": zone},
        word(lang, "calls_close"),
    ]


def _more(
    target: dict[str, Any], page: dict[str, Any], lang: str, listed: dict[str, Any]
) -> list[Any]:
    appended = Patch()
    appended.extend(
        rows(listed["rows"], COLUMNS[listed["source"]], lang, listed["timezone"], with_date=True)
    )
    page = page | {"cursor": listed["next_cursor"], "shown": page["shown"] + len(listed["rows"])}
    return [*[no_update] * 5, appended, *_progress(page, lang), page, no_update]


def _progress(page: dict[str, Any], lang: str) -> tuple[str, str, bool]:
    """How many are shown of how many; the "more" button's text, and whether it is hidden."""
    shown, count = page["shown"], page["count"]
    left = count - shown
    if not count:
        return word(lang, "calls_none"), "", True
    text = word(lang, "calls_shown").format(shown=shown, count=count) if left > 0 else ""
    more = word(lang, "calls_more").format(n=min(PAGE_ROWS, max(left, 0)))
    return text, more, not page["cursor"] or left <= 0


def register(app: Dash, database: Database, settings: Settings) -> None:
    """Add the panel's callbacks: open, page and close it, and download what it lists."""

    @app.callback(
        *(Output(element, prop) for element, prop in PANEL),
        Input({"type": "missed", "kpi": ALL}, "n_clicks"),
        Input("missed-more", "n_clicks"),
        Input("missed-close", "n_clicks"),
        Input("lang", "data"),
        State("client-picker", "value"),
        State("period-picker", "value"),
        State("contract-picker", "value"),
        State("missed-page", "data"),
        prevent_initial_call=True,
    )
    def show(
        _: Any, __: Any, ___: Any, lang: str, client: Any, period: Any, contract: Any, page: Any
    ) -> list[Any]:
        principal = principal_from(flask.request.headers)

        def read(target: dict[str, Any], limit: int, cursor: str | None) -> dict[str, Any]:
            return data.missed(database, settings, principal, target, limit, cursor)

        clicked = ctx.triggered[0]["value"] if ctx.triggered else None
        shown_report = {"client": client, "period": period, "contract": contract}
        return missed_view(ctx.triggered_id, clicked, shown_report, page, lang, read)

    @app.callback(
        Output("missed-download", "data"),
        Output("missed-error", "children"),
        Input("missed-csv", "n_clicks"),
        Input("missed-xlsx", "n_clicks"),
        State("missed-page", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def download(_: Any, __: Any, page: Any, lang: str) -> tuple[Any, Any]:
        if not isinstance(page, dict):
            return no_update, no_update
        target = {k: page.get(k) for k in ("client", "period", "contract", "kpi")}
        fmt = "xlsx" if ctx.triggered_id == "missed-xlsx" else "csv"
        principal = principal_from(flask.request.headers)
        try:
            body, name = data.missed_download(database, settings, principal, target, fmt, lang)
        except AppError as exc:
            return no_update, exc.message
        return dcc.send_bytes(body, name), ""
