"""The SLA page's Scorecard tab (供应商记分卡): the client's vendors side by side (DESIGN §12).

`?tab=scorecard` in the URL selects the tab, so a TV can hold it; `sort=` and `order=` too:
each column heading is a link that sorts by it (again: the other way). The rows are
`app.scorecard.service.scorecard`'s, as `GET /v1/scorecard/{client}` answers them, read with
the principal the guard attached; the downloads are its CSV and Excel, served here with the
page's session cookie.
"""

import urllib.parse
from typing import Any

import flask
from dash import Dash, Input, Output, dcc, html

from app.contracts.outlook_text import partial_label
from app.contracts.text import money_text
from app.core.config import Settings
from app.core.db import Database
from app.core.downloads import attachment
from app.core.errors import AppError
from app.core.formats import value_text
from app.kpi.names import kpi_name
from app.scorecard.exports import EXPORTS, render_scorecard
from app.scorecard.service import kpi_label, kpi_unit, scorecard
from app.scorecard.words import card_word
from dashboards.guard import principal_from

TAB = "scorecard"


def query_of(search: str | None) -> dict[str, str]:
    """Read `?a=1&b=2` as {"a": "1", "b": "2"} (the first value of each)."""
    return {k: v[0] for k, v in urllib.parse.parse_qs((search or "").lstrip("?")).items()}


def href(query: dict[str, str], **changes: str | None) -> str:
    """Return `?…` with the query's values changed (None drops one)."""
    kept = {k: v for k, v in (query | changes).items() if v is not None}
    return "?" + urllib.parse.urlencode(kept)


def tabs_layout() -> html.Nav:
    """The two tabs: the SLA report and the scorecard (links, so the URL holds the tab)."""
    return html.Nav(
        [dcc.Link(id="tab-report", href="?"), dcc.Link(id="tab-scorecard", href="?tab=scorecard")],
        id="sla-tabs",
        className="tabs",
    )


def panel_layout() -> html.Section:
    """The scorecard's place on the page (filled when its tab is chosen)."""
    return html.Section(id="scorecard", className="card", hidden=True)


def table(card: dict[str, Any], query: dict[str, str], lang: str) -> html.Table:
    """The vendors' rows with every column heading a sort link (▲ ascending, ▼ descending)."""
    sort = card["sort"]
    own, common = card_word(lang, "own_formula"), card_word(lang, "common_formula")
    columns = [
        ("contract", card_word(lang, "contract")),
        ("vendor", card_word(lang, "vendor")),
        ("handled", card_word(lang, "handled")),
        *((kpi, f"{kpi_label(card, kpi, lang)} ({own})") for kpi in card["kpis"]),
        *((f"common.{kpi}", f"{kpi_name(kpi, lang)} ({common})") for kpi in card["common_kpis"]),
        ("score", card_word(lang, "score")),
        ("coefficient", card_word(lang, "coefficient")),
        ("amount", card_word(lang, "amount")),
        ("cost_per_contact", card_word(lang, "cost_per_contact")),
    ]

    def heading(column: str, label: str) -> html.Th:
        current = sort["column"] == column
        order = "desc" if current and sort["order"] == "asc" else "asc"
        mark = (" ▲" if sort["order"] == "asc" else " ▼") if current else ""
        link = dcc.Link(label + mark, href=href(query, sort=column, order=order))
        return html.Th(link, id=f"sort-{column.replace('.', '-')}", className="sortable")

    rows = []
    for r in card["rows"]:
        currency = r["currency"]
        rows.append(
            html.Tr(
                [
                    html.Td(r["contract"], className="contract"),
                    html.Td(r["vendor"]),
                    html.Td(f"{r['handled']['total']:,}", className="handled"),
                    *(
                        html.Td(value_text(r["kpis"].get(k), kpi_unit(card, k)), className="kpi")
                        for k in card["kpis"]
                    ),
                    *(
                        html.Td(
                            value_text(r["common"].get(k), kpi_unit(card, k)), className="common"
                        )
                        for k in card["common_kpis"]
                    ),
                    html.Td("—" if r["score"] is None else f"{r['score']:.2f}"),
                    html.Td(f"{r['coefficient']:.2f}"),
                    html.Td(money_text(r["amount"], currency), className="amount"),
                    html.Td(money_text(r["cost_per_contact"], currency), className="cost"),
                ],
                id=f"card-row-{r['contract']}",
            )
        )
    head = html.Tr([heading(column, label) for column, label in columns])
    return html.Table([html.Thead(head), html.Tbody(rows)], id="scorecard-table")


def panel(card: dict[str, Any], query: dict[str, str], lang: str) -> list[Any]:
    """The tab's content: title, partial label, basis, the table and its downloads."""
    common = card["common_sl_formula"]
    params = {"period": card["period"]["label"], "lang": lang}
    params |= {"sort": card["sort"]["column"], "order": card["sort"]["order"]}
    links = [
        html.A(
            f"⬇ {fmt.upper() if fmt == 'csv' else 'Excel'}",
            href=f"/sla/scorecard-export/{card['client']}.{fmt}?{urllib.parse.urlencode(params)}",
            id=f"scorecard-download-{fmt}",
            className="download",
        )
        for fmt in EXPORTS
    ]
    return [
        html.H2(f"{card_word(lang, 'scorecard')} · {card['period']['label']}"),
        html.P(
            f"{card_word(lang, 'partial')}: {partial_label(card, lang)}",
            id="scorecard-partial",
            className="partial-label",
        ),
        table(card, query, lang),
        html.P(
            f"{card_word(lang, 'volume_basis')}: {card_word(lang, 'volume_basis_text')}. "
            f"{card_word(lang, 'common_sl')}: {common['formula']} ({common['name']}).",
            className="legend",
        ),
        html.Div(links, className="downloads"),
    ]


def register(app: Dash, database: Database, settings: Settings) -> None:
    """Add the tab's callbacks and its downloads' route to the SLA page."""

    def read(client: str, period: str, sort: str, order: str) -> dict[str, Any]:
        principal = principal_from(flask.request.headers)
        with database.session_scope() as session:
            return scorecard(session, principal, client, period, settings, sort, order)

    @app.callback(
        Output("scorecard", "children"),
        Output("scorecard", "hidden"),
        Output("report", "hidden"),
        Output("tab-report", "children"),
        Output("tab-scorecard", "children"),
        Output("tab-report", "href"),
        Output("tab-scorecard", "href"),
        Output("tab-report", "className"),
        Output("tab-scorecard", "className"),
        Input("url", "search"),
        Input("client-picker", "value"),
        Input("period-picker", "value"),
        Input("lang", "data"),
    )
    def show(search: str | None, client: str | None, period: str | None, lang: str) -> Any:
        query = query_of(search) | {"client": client or "", "period": period or ""}
        query |= {"lang": lang}
        chosen = query.get("tab") == TAB
        tabs = (
            card_word(lang, "sla_title"),
            card_word(lang, "scorecard"),
            href(query, tab=None, sort=None, order=None),
            href(query, tab=TAB),
            "tab" if chosen else "tab chosen",
            "tab chosen" if chosen else "tab",
        )
        if not chosen or not client or not period:
            return [], True, False, *tabs
        try:
            card = read(client, period, query.get("sort", "contract"), query.get("order", "asc"))
        except AppError as exc:
            return [html.P(exc.message, className="sla-error")], False, True, *tabs
        return panel(card, query, lang), False, True, *tabs

    def export(client: str, fmt: str) -> flask.Response:
        args = flask.request.args
        lang = "zh" if args.get("lang") == "zh" else "en"
        try:
            card = read(
                client,
                args.get("period", ""),
                args.get("sort", "contract"),
                args.get("order", "asc"),
            )
        except AppError as exc:
            return flask.Response(exc.message, status=exc.status_code, content_type="text/plain")
        content, media_type, name = render_scorecard(card, fmt, lang)
        return flask.Response(content, content_type=media_type, headers=attachment(name))

    app.server.add_url_rule(
        "/scorecard-export/<client>.<any(csv, xlsx):fmt>", "scorecard_export", export
    )
