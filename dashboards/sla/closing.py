"""The SLA page's closing section: who closed the period, the close button for the right
party, reopen for admins, the restatement when live figures differ, and the audit log.

A client user closes for the client side, a vendor's supervisor for the vendor side, an
admin alone (DESIGN §10); the service decides, this section only offers the button to whom
it would accept. The buttons act through `app.closing.service` in the page's own login and
redraw this section; a refusal is shown with the service's reason.
"""

from typing import Any

import flask
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from app.access.keys import Principal
from app.audit import service as audit
from app.closing import service as closing
from app.contracts.settled_text import close_line, restatement_rows
from app.core.db import Database
from app.core.errors import AppError
from dashboards import data
from dashboards.guard import principal_from
from dashboards.i18n import word
from dashboards.sla.audit_log import audit_table

AUDIT_ROWS = 50
BODY = {"type": "closing-body", "index": 0}


def closing_view(
    database: Database, principal: Principal, report: dict[str, Any]
) -> dict[str, Any]:
    """Return the close state of the report's period, what the principal may do, and the
    contract's audit entries (newest first)."""
    with database.session_scope() as session:
        state = closing.state_of(session, report)
        query = audit.AuditQuery(client=report["client"], contract=report["contract"])
        entries = audit.list_entries(session, principal, query, AUDIT_ROWS)["entries"]
        side = closing.side_in(session, principal, report)
    return {
        "state": state,
        "side": side,
        "can_close": side is not None and state["closed"] is None and state["sides"][side] is None,
        "can_reopen": principal.kind == "admin" and any(state["sides"].values()),
        "audit": entries,
    }


def section(view: dict[str, Any], lang: str) -> html.Section:
    """The closing card: its body is redrawn in place after a close or reopen."""
    return html.Section(
        [
            html.H2(word(lang, "close_state")),
            html.Div(body(view, lang), id=BODY),
        ],
        id="closing",
        className="card",
    )


def body(view: dict[str, Any], lang: str, note: str = "") -> list[Any]:
    """The state line, each side's close, the buttons, the restatement and the audit log."""
    report, closing_data = view["report"], view.get("closing")
    if closing_data is None:
        return [html.P(close_line(report, lang), id="close-state")]
    state = closing_data["state"]
    children: list[Any] = [
        html.P(_headline(report, state, lang), id="close-state", className="close-state"),
        html.Ul(
            [
                html.Li(
                    f"{word(lang, 'side_' + side)}: {_side_text(done, lang)}",
                    id=f"close-side-{side}",
                )
                for side, done in state["sides"].items()
                if side != "admin" or done
            ],
            className="close-sides",
        ),
    ]
    if note:
        children.append(html.P(note, id="close-note", className="sla-error"))
    children += _actions(closing_data, state, lang)
    children += _restatement(report, lang)
    children += [html.H3(word(lang, "audit_log")), audit_table(closing_data["audit"], lang)]
    return children


def _headline(report: dict[str, Any], state: dict[str, Any], lang: str) -> str:
    if state["closed"]:
        return word(lang, "close_done").format(line=close_line(report, lang))
    done = [side for side, close in state["sides"].items() if close]
    if done:
        return word(lang, "close_half").format(side=word(lang, "side_" + done[0]))
    return word(lang, "close_open")


def _side_text(done: dict[str, str] | None, lang: str) -> str:
    if not done:
        return word(lang, "side_not_closed")
    at = done["at"][:19].replace("T", " ")
    return word(lang, "side_closed").format(at=at, by=done["by"])


def _actions(closing_data: dict[str, Any], state: dict[str, Any], lang: str) -> list[Any]:
    actions: list[Any] = []
    if closing_data["can_close"] and not state["ended"]:
        end = state["ends_at"][:16].replace("T", " ")
        actions.append(html.P(word(lang, "close_not_ended").format(end=end), className="legend"))
    elif closing_data["can_close"]:
        side = word(lang, "side_" + closing_data["side"])
        actions.append(
            html.Button(
                word(lang, "close_button").format(side=side),
                id={"type": "closing-close", "index": 0},
                className="download",
            )
        )
    if closing_data["can_reopen"]:
        actions += [
            html.Label(
                [
                    f"{word(lang, 'reopen_reason')} ",
                    dcc.Input(id={"type": "closing-reason", "index": 0}, debounce=False),
                ]
            ),
            html.Button(
                word(lang, "reopen_button"),
                id={"type": "closing-reopen", "index": 0},
                className="toggle",
            ),
        ]
    return [html.Div(actions, className="close-actions")] if actions else []


def _restatement(report: dict[str, Any], lang: str) -> list[Any]:
    rows = restatement_rows(report, lang)
    if not report.get("closed") or not rows:
        return []
    head = [word(lang, key) for key in ("restatement", "closed_value", "now_value")]
    return [
        html.Table(
            [
                html.Thead(html.Tr([html.Th(cell) for cell in head])),
                html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
            ],
            id="restatement",
            className="compliance",
        )
    ]


def _act(
    database: Database,
    principal: Principal,
    action: str,
    where: tuple[str, str, str | None],
    reason: str,
) -> str:
    """Close or reopen; return the refusal's reason, or "" when done."""
    client, period, contract = where
    try:
        with database.session_scope() as session:
            if action == "closing-close":
                closing.close(session, principal, client, period, contract)
            else:
                closing.reopen(session, principal, client, period, contract, reason)
    except AppError as exc:
        return exc.message
    return ""


def register(app: Dash, database: Database) -> None:
    """Wire the close and reopen buttons: act, then read the view again and redraw the body."""

    @app.callback(
        Output({"type": "closing-body", "index": ALL}, "children"),
        Input({"type": "closing-close", "index": ALL}, "n_clicks"),
        Input({"type": "closing-reopen", "index": ALL}, "n_clicks"),
        State({"type": "closing-reason", "index": ALL}, "value"),
        State("client-picker", "value"),
        State("period-picker", "value"),
        State("contract-picker", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def act(
        closes: list[int | None],
        reopens: list[int | None],
        reasons: list[str | None],
        client: str,
        period: str,
        contract: str | None,
        lang: str,
    ) -> Any:
        if not any(closes) and not any(reopens):
            return no_update  # the buttons were just drawn
        action = ctx.triggered_id["type"]
        principal = principal_from(flask.request.headers)
        reason = (reasons or [""])[0] or ""
        note = _act(database, principal, action, (client, period, contract), reason)
        if note:
            note = f"{word(lang, 'close_error')} {note}"
        view = data.sla_view(database, principal, client, period, contract)
        view["closing"] = closing_view(database, principal, view["report"])
        return [body(view, lang, note)]
