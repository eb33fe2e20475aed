"""The client SLA page at /sla: what the monthly review meeting looks at (DESIGN §12).

Logged-in users only (the guard refuses share links here). Every read goes through
`dashboards.data` with the principal the guard attached, so a client user sees its own
client and nothing else; its downloads are served by `dashboards.sla.export`. The callbacks
only read data and pass it to this module's functions, which turn plain data into what the
page shows (tested without a browser).
"""

import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flask
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError
from dashboards import data
from dashboards.components import page_app
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.sla import closing, disputes, missed, scorecard
from dashboards.sla.components import (
    alerts_block,
    compliance_table,
    downloads,
    facts,
    result_block,
    sl_in_force,
    trend_grid,
)
from dashboards.sla.export import export
from dashboards.sla.feed_quality import feed_quality_block
from dashboards.sla.outlook import outlook_block
from dashboards.sla.periods import KINDS, choose_period, kind_of, period_choices

ASSETS = Path(__file__).parent / "assets"


def create_sla_page(database: Database, settings: Settings) -> Dash:
    """Build the SLA page's Dash app, to be mounted at /sla behind the guard."""
    app = page_app(__name__, "/sla/", ASSETS, "CallPulse SLA")
    app.layout = _layout()
    _callbacks(app, database)
    missed.register(app, database, settings)
    closing.register(app, database)
    scorecard.register(app, database, settings)
    disputes.register(app, database)
    app.server.add_url_rule(
        "/export/<client>.<any(csv, xlsx, pdf):fmt>",
        "sla_export",
        lambda client, fmt: export(database, client, fmt),
    )
    return app


def _layout() -> html.Div:
    def picker(name: str, *controls: Any) -> html.Div:
        return html.Div(
            [html.Label(id=f"{name}-label", htmlFor=f"{name}-picker"), *controls],
            id=f"{name}-box",
            className="picker",
        )

    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="lang", data="en"),
            dcc.Store(id="clients", data=[]),
            dcc.Store(id="wanted", data={}),
            html.Header(
                [
                    html.H1(id="sla-title"),
                    picker("client", dcc.Dropdown(id="client-picker", clearable=False)),
                    picker("contract", dcc.Dropdown(id="contract-picker", clearable=False)),
                    picker(
                        "period",
                        dcc.RadioItems(id="period-kind", value="month", inline=True),
                        dcc.Dropdown(id="period-picker", clearable=False),
                    ),
                    html.Button(id="lang-toggle", className="toggle"),
                ],
                className="sla-top",
            ),
            html.Div(id="sla-error", className="sla-error"),
            scorecard.tabs_layout(),
            html.Main(id="report"),
            scorecard.panel_layout(),
            *disputes.page_layout(),
            missed.panel_layout(),
        ],
        id="sla",
    )


def url_query(search: str | None) -> dict[str, str]:
    """Read `?a=1&b=2` as {"a": "1", "b": "2"} (the first value of each)."""
    return {k: v[0] for k, v in urllib.parse.parse_qs((search or "").lstrip("?")).items()}


def start(clients: list[dict[str, str]], query: dict[str, str]) -> dict[str, Any]:
    """Pick the first view from the URL (`?client=&period=&contract=`) and the clients.

    A client the user may not see is never offered: the first visible one is shown instead.
    """
    codes = [c["code"] for c in clients]
    period = query.get("period", "")
    return {
        "client": query["client"] if query.get("client") in codes else next(iter(codes), None),
        "kind": kind_of(period) if period else "month",
        "wanted": {"period": period, "contract": query.get("contract")},
    }


def first_view(clients: list[dict[str, str]], search: str | None) -> tuple[Any, ...]:
    """Return the clients, the client picker's options, value and state, the period kind, and
    the period and contract the URL asked for."""
    first = start(clients, url_query(search))
    options = [{"label": f"{c['name']} ({c['code']})", "value": c["code"]} for c in clients]
    return clients, options, first["client"], len(clients) < 2, first["kind"], first["wanted"]


def language(trigger: Any, search: str | None, lang: str) -> str:
    """Return the page's language: the other one on a toggle, else the URL's `lang`."""
    if trigger == "lang-toggle":
        return "zh" if lang == "en" else "en"
    return "zh" if url_query(search).get("lang") == "zh" else "en"


def period_picker(
    kind: str,
    client: str | None,
    clients: list[dict[str, str]],
    wanted: Any,
    current: Any,
    now: datetime,
) -> tuple[list[dict[str, str]], str]:
    """Return the period picker's options and value, in the client's calendar at `now`."""
    zone = next((c["timezone"] for c in clients if c["code"] == client), "UTC")
    today = now.astimezone(ZoneInfo(zone)).date()
    value = choose_period(kind, today, current, (wanted or {}).get("period"))
    return period_choices(kind, today, keep=value), value


def shown(view: dict[str, Any], lang: str) -> tuple[Any, ...]:
    """Return the view's sections, no error, and the contract picker's options, value, state."""
    report = view["report"]
    options = [{"label": code, "value": code} for code in report["contracts"]]
    return report_sections(view, lang), "", options, report["contract"], len(options) < 2


def not_shown(note: str) -> tuple[Any, ...]:
    """Return no report, `note` in its place, and an empty, disabled contract picker."""
    return [], note, [], None, True


def labels(lang: str) -> tuple[Any, ...]:
    """Word the page's title, pickers, period kinds and language toggle."""
    kinds = [{"label": word(lang, kind), "value": kind} for kind in KINDS]
    return (
        word(lang, "sla_title"),
        word(lang, "client"),
        word(lang, "contract"),
        word(lang, "period"),
        kinds,
        word(lang, "language"),
    )


def report_sections(view: dict[str, Any], lang: str) -> list[Any]:
    """The page below the pickers: facts, compliance, feed quality, result, trends, alerts,
    downloads."""
    report = view["report"]

    def section(title: str, *children: Any, element: str) -> html.Section:
        return html.Section([html.H2(word(lang, title)), *children], id=element, className="card")

    return [
        facts(report, lang, view["as_of"]),
        section(
            "compliance",
            compliance_table(report, lang),
            sl_in_force(report, lang),
            element="compliance",
        ),
        section("feed_quality", feed_quality_block(report, lang), element="feed-quality"),
        section(
            "settlement",
            outlook_block(report, lang),
            result_block(report, lang),
            element="settlement",
        ),
        section("disputes", disputes.panel(report, view["disputes"], lang), element="disputes"),
        closing.section(view, lang),
        section("trends", trend_grid(report, lang), element="trend-section"),
        section(
            "alert_times",
            alerts_block(
                report["alerts"], view["alerts"], lang, missed=report["unacknowledged_alerts"]
            ),
            element="alerts",
        ),
        section("downloads", downloads(report, lang), element="download-section"),
    ]


def _callbacks(app: Dash, database: Database) -> None:
    @app.callback(
        Output("clients", "data"),
        Output("client-picker", "options"),
        Output("client-picker", "value"),
        Output("client-picker", "disabled"),
        Output("period-kind", "value"),
        Output("wanted", "data"),
        Input("url", "search"),
    )
    def load(search: str | None) -> tuple[Any, ...]:
        clients = data.sla_clients(database, principal_from(flask.request.headers))
        return first_view(clients, search)

    @app.callback(
        Output("lang", "data"),
        Input("url", "search"),
        Input("lang-toggle", "n_clicks"),
        State("lang", "data"),
    )
    def choose_language(search: str | None, _: int | None, lang: str) -> str:
        return language(ctx.triggered_id, search, lang)

    @app.callback(
        Output("period-picker", "options"),
        Output("period-picker", "value"),
        Input("period-kind", "value"),
        Input("client-picker", "value"),
        State("clients", "data"),
        State("wanted", "data"),
        State("period-picker", "value"),
    )
    def periods(
        kind: str, client: str | None, clients: list[dict[str, str]], wanted: Any, current: Any
    ) -> tuple[Any, Any]:
        return period_picker(kind, client, clients, wanted, current, datetime.now(UTC))

    @app.callback(
        Output("report", "children"),
        Output("sla-error", "children"),
        Output("contract-picker", "options"),
        Output("contract-picker", "value"),
        Output("contract-picker", "disabled"),
        Input("client-picker", "value"),
        Input("period-picker", "value"),
        Input("contract-picker", "value"),
        Input("lang", "data"),
        Input("disputes-changed", "data"),
        State("wanted", "data"),
        State("clients", "data"),
    )
    def render(
        client: str | None,
        period: str | None,
        contract: str | None,
        lang: str,
        _: int,
        wanted: Any,
        clients: list[dict[str, str]],
    ) -> tuple[Any, ...]:
        if not clients:
            return not_shown(word(lang, "no_clients"))
        if not client or not period:
            return no_update, no_update, no_update, no_update, no_update
        contract = contract or (wanted or {}).get("contract")
        principal = principal_from(flask.request.headers)
        try:
            view = data.sla_view(database, principal, client, period, contract)
            view["closing"] = closing.closing_view(database, principal, view["report"])
        except AppError as exc:
            return not_shown(f"{word(lang, 'report_error')} {exc.message}")
        return shown(view, lang)

    @app.callback(
        Output("sla-title", "children"),
        Output("client-label", "children"),
        Output("contract-label", "children"),
        Output("period-label", "children"),
        Output("period-kind", "options"),
        Output("lang-toggle", "children"),
        Input("lang", "data"),
    )
    def label(lang: str) -> tuple[Any, ...]:
        return labels(lang)
