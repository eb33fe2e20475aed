"""The disputes panel of /sla: a period's disputes, their threads, and the steps of each party.

Only the steps the reader may take are offered (the service says which: comment for both
parties, agree and reject for the other party than the opener, withdraw for the opener), and
the form to open one only to a party of the contract. A step that succeeds bumps
`disputes-changed`, which redraws the report: an agreed dispute changes its figures. Target
rows whose value an exclusion changed read "measured → after exclusions".
"""

from typing import Any

import flask
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from app.contracts.text import daily_targets, money_text
from app.core.db import Database
from app.core.errors import AppError
from app.core.formats import value_text
from app.disputes.schemas import REASONS
from app.kpi.names import kpi_name
from dashboards import data
from dashboards.guard import principal_from
from dashboards.i18n import word


def page_layout() -> list[Any]:
    """What the page holds outside the report: the change counter and the steps' answers."""
    return [
        dcc.Store(id="disputes-changed", data=0),
        html.Div(id="dispute-message", className="sla-error", role="status"),
    ]


def actual_text(target: dict[str, Any]) -> str:
    """A target's value: "measured → after exclusions" when an exclusion changed it."""
    actual = value_text(target["actual"], target["unit"])
    if not target.get("excluded"):
        return actual
    return f"{value_text(target['actual_measured'], target['unit'])} → {actual}"


def _kpi_label(kpi: str, lang: str) -> str:
    return word(lang, "kpi_all") if kpi == "all" else kpi_name(kpi, lang)


def measured_block(report: dict[str, Any], lang: str) -> html.Div:
    """Score, coefficient and amount as measured → as scored, and the exclusions applied."""
    if not report["exclusions"]:
        return html.Div(html.P(word(lang, "no_exclusions"), className="legend"), id="exclusions")
    measured, currency = report["measured"], report["amount"]["currency"]
    lines = [
        f"{word(lang, 'score')}: {measured['score']} → {report['score']}",
        f"{word(lang, 'coefficient')}: {measured['coefficient']} → {report['coefficient']}",
        f"{word(lang, 'amount')}: {money_text(measured['amount_total'], currency)} →"
        f" {money_text(report['amount']['total'], currency)}",
    ]
    items = [
        html.Li(
            f"#{e['dispute']} · {_kpi_label(e['kpi'], lang)} ·"
            f" {word(lang, 'reason_' + e['reason'])} ·"
            + (f" {e['from'][:16].replace('T', ' ')} – {e['to'][:16].replace('T', ' ')} ·"
               if e["from"] else "")
            + (f" {word(lang, 'call_ids')}: {' '.join(e['call_ids'])} ·" if e["call_ids"] else "")
            + f" {word(lang, 'calls_excluded')} {e['calls']} ·"
            f" {word(lang, 'agreed_by')} {e['agreed_by']}"
        )
        for e in report["exclusions"]
    ]  # fmt: skip
    return html.Div(
        [
            html.H3(word(lang, "exclusions")),
            html.P(" · ".join(lines), id="measured-figures", className="formula-line"),
            html.Ul(items, id="exclusions-list"),
        ],
        id="exclusions",
    )


def panel(report: dict[str, Any], listed: dict[str, Any], lang: str) -> html.Div:
    """The exclusions in force, every dispute of the period, and the form to open one."""
    disputes = listed["disputes"]
    children: list[Any] = [measured_block(report, lang)]
    if not disputes:
        children.append(html.P(word(lang, "no_disputes"), className="legend"))
    children += [_dispute(d, lang) for d in disputes]
    if listed["may_open"]:
        children.append(_form(report, lang))
    return html.Div(children, id="disputes-panel")


def _dispute(d: dict[str, Any], lang: str) -> html.Article:
    window = (
        f"{d['from'][:16].replace('T', ' ')} – {d['to'][:16].replace('T', ' ')}"
        if d["from"]
        else ""
    )
    calls = f"{word(lang, 'call_ids')}: {' '.join(d['call_ids'])}" if d["call_ids"] else ""
    head = " · ".join(
        part
        for part in (
            f"#{d['id']}",
            _kpi_label(d["kpi"], lang),
            word(lang, "reason_" + d["reason"]),
            window,
            calls,
        )
        if part
    )
    thread = html.Ol(
        [
            html.Li(
                f"{s['at'][:16].replace('T', ' ')} · {s['by']} ({word(lang, 'side_' + s['side'])})"
                f" {word(lang, 'step_' + s['step'])}" + (f": {s['text']}" if s["text"] else "")
            )
            for s in d["thread"]
        ],
        className="dispute-thread",
    )
    steps: list[Any] = []
    if d["actions"]:
        steps.append(
            dcc.Textarea(
                id={"type": "dispute-text", "id": d["id"]},
                placeholder=word(lang, "comment"),
                className="dispute-text",
            )
        )
        steps += [
            html.Button(
                word(lang, verb),
                id={"type": "dispute-act", "id": d["id"], "verb": verb},
                className=f"toggle dispute-{verb}",
            )
            for verb in d["actions"]
        ]
    return html.Article(
        [
            html.H3(
                [
                    head,
                    html.Span(f" · {word(lang, 'state_' + d['state'])}", className="dispute-state"),
                ]
            ),
            thread,
            html.Div(steps, className="dispute-steps"),
        ],
        id=f"dispute-{d['id']}",
        className=f"dispute {d['state']}",
    )


def _form(report: dict[str, Any], lang: str) -> html.Form:
    def field(name: str, control: Any) -> html.Label:
        return html.Label([word(lang, name), control], className="dispute-field")

    def ident(name: str) -> dict[str, str]:
        return {"type": "dispute-field", "name": name}

    kpis = [{"label": word(lang, "kpi_all"), "value": "all"}] + [
        {"label": kpi_name(t["kpi"], lang), "value": t["kpi"]} for t in daily_targets(report)
    ]  # a measure is disputed as a measurement (POST /v1/measurements/{id}/dispute)
    reasons = [{"label": word(lang, "reason_" + r), "value": r} for r in REASONS]
    return html.Form(
        [
            html.H3(word(lang, "open_dispute")),
            html.P(word(lang, "dispute_hint"), className="legend"),
            field("kpi", dcc.Dropdown(id=ident("kpi"), options=kpis, value="all", clearable=False)),
            field(
                "dispute_reason",
                dcc.Dropdown(
                    id=ident("reason"), options=reasons, value=REASONS[0], clearable=False
                ),
            ),
            field(
                "window_from",
                dcc.Input(id=ident("from"), placeholder="2026-11-10T09:00", className="from"),
            ),
            field(
                "window_to",
                dcc.Input(id=ident("to"), placeholder="2026-11-10T10:00", className="to"),
            ),
            field("call_ids", dcc.Textarea(id=ident("call_ids"), className="call-ids")),
            field("evidence", dcc.Textarea(id=ident("evidence"), className="evidence")),
            html.Button(
                word(lang, "open_dispute"),
                id={"type": "dispute-open", "id": "submit"},
                type="button",
                className="toggle dispute-submit",
            ),
        ],
        id="dispute-form",
    )


def request_body(fields: dict[str, Any], period: str, contract: str | None) -> dict[str, Any]:
    """Turn the form's fields into the body of `POST /v1/sla/{client}/disputes`."""
    ids = [i for i in (fields.get("call_ids") or "").split() if i]
    body = {
        "period": period,
        "contract": contract,
        "kpi": fields.get("kpi") or "all",
        "reason": fields.get("reason") or "other",
        "call_ids": ids,
        "evidence": fields.get("evidence") or "",
    }
    for bound in ("from", "to"):
        if fields.get(bound):
            body[bound] = fields[bound].strip()
    return body


def register(app: Dash, database: Database) -> None:
    """Add the callback that opens disputes and takes their steps."""

    @app.callback(
        Output("disputes-changed", "data"),
        Output("dispute-message", "children"),
        Input({"type": "dispute-open", "id": ALL}, "n_clicks"),
        Input({"type": "dispute-act", "id": ALL, "verb": ALL}, "n_clicks"),
        State({"type": "dispute-field", "name": ALL}, "value"),
        State({"type": "dispute-text", "id": ALL}, "value"),
        State("client-picker", "value"),
        State("period-picker", "value"),
        State("contract-picker", "value"),
        State("disputes-changed", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def step(
        _: Any, __: Any, ___: Any, ____: Any, client: Any, period: Any, contract: Any,
        changed: int, lang: str,
    ) -> tuple[Any, Any]:  # fmt: skip
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
            return no_update, no_update  # the report was drawn again: its buttons are new
        fields = {s["id"]["name"]: s.get("value") for s in ctx.states_list[0]}
        texts = {s["id"]["id"]: s.get("value") or "" for s in ctx.states_list[1]}
        principal = principal_from(flask.request.headers)
        try:
            if trigger["type"] == "dispute-open":
                body = request_body(fields, period, contract)
                done = data.open_dispute(database, principal, client, body)
            else:
                text = texts.get(trigger["id"], "")
                done = data.dispute_step(
                    database, principal, client, trigger["id"], trigger["verb"], text
                )
        except AppError as exc:
            return no_update, f"{word(lang, 'report_error')} {exc.message}"
        return (changed or 0) + 1, f"#{done['id']}: {word(lang, 'state_' + done['state'])}"
