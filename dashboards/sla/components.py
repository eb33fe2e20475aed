"""The SLA page's blocks as pure functions of the `/v1/sla` report (DESIGN §12).

Facts of the header, the compliance table with its formulas in force, the score with its
band, coefficient and invoice line, the trend small multiples, alert response times, and the
download links. Every verdict is an icon and a word as well as a colour.
"""

import urllib.parse
from typing import Any

from dash import dcc, html

from app.contracts.text import (
    band_text,
    daily_targets,
    formula_text,
    invoice_line,
    met_mark,
    money_text,
    number_text,
    score_text,
    sl_lines,
    source_text,
    target_name,
)
from app.core.formats import mmss, target_text
from dashboards.call_lists import NO_CALL_LEVEL, missed_source
from dashboards.components import ALERT_RESPONSE_TARGET, status
from dashboards.i18n import word
from dashboards.sla.disputes import actual_text
from dashboards.sla.figures import trend_figure
from dashboards.sla.periods import period_dates

EXPORTS = ("pdf", "xlsx", "csv")
EXPORT_NAMES = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV"}
ALERT_ROWS = 20


def element_id(kpi: str) -> str:
    """Return a target key as an element id: `ticket_frt_sla.email` → `ticket_frt_sla-email`."""
    return kpi.replace(".", "-")


def facts(report: dict[str, Any], lang: str, as_of: str | None) -> html.Dl:
    """The header facts: client, vendor, contract, queues, period dates, timezone, as of."""
    first, last = period_dates(report["period"])
    pairs = [
        ("client", f"{report['client_name']} ({report['client']})", "client-name"),
        ("vendor", report["vendor"], "vendor"),
        (
            "contract",
            f"{report['contract']} ({word(lang, 'valid')} {report['valid_from']} – "
            f"{report['valid_to']})",
            "contract",
        ),
        ("queues", ", ".join(report["queues"]), "queues"),
        ("period", f"{report['period']['label']} · {first} – {last}", "period-range"),
        ("timezone", report["timezone"], "timezone"),
    ]
    if as_of:
        pairs.append(("as_of", f"{as_of[:10]} {as_of[11:16]}", "as-of"))
    items: list[Any] = []
    for key, value, element in pairs:
        items += [html.Dt(word(lang, key)), html.Dd(value, id=element)]
    return html.Dl(items, className="facts")


def compliance_table(report: dict[str, Any], lang: str) -> html.Table:
    """KPI, formula in force, target, actual, met ✓/✗, weight, points and penalty per target."""
    currency = report["amount"]["currency"]
    keys = (
        "kpi", "formula", "target_col", "actual", "met", "weight", "points", "penalty",
        "missed_col",
    )  # fmt: skip
    head = html.Tr([html.Th(word(lang, key)) for key in keys])
    rows = []
    for t in report["targets"]:
        css, verdict = met_mark(t["met"], lang)
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [target_name(t, lang), html.Div(source_text(t, lang), className="source")],
                        className="kpi",
                    ),
                    html.Td(formula_text(t, report, lang), className="formula"),
                    html.Td(target_text(t["target"], t["unit"]), className="target"),
                    html.Td(actual_text(t), className=f"actual {css}"),
                    html.Td(verdict, className=f"verdict {css}"),
                    html.Td(number_text(t["weight"]), className="weight"),
                    html.Td(number_text(t["points"]), className="points"),
                    html.Td(money_text(t["penalty"], currency), className="penalty"),
                    html.Td(
                        missed_opener(t["kpi"], t["target"], lang)
                        if t.get("source") != "submitted"
                        else html.Span(word(lang, "source_submitted"), className="missed-none"),
                        className="missed",
                    ),
                ],
                id=f"target-{element_id(t['kpi'])}",
            )
        )
    targets = report["targets"]
    with_data = [t for t in targets if t["met"] is not None]
    total = html.Tr(
        [
            html.Th(word(lang, "total"), colSpan=5),
            html.Th(number_text(sum(t["weight"] for t in targets))),
            html.Th(number_text(sum(t["points"] for t in with_data))),
            html.Th(money_text(sum(t["penalty"] for t in with_data), currency)),
            html.Th(""),
        ],
        className="total",
    )
    return html.Table(
        [html.Thead(head), html.Tbody(rows), html.Tfoot(total)],
        id="compliance-table",
        className="compliance",
    )


def missed_opener(key: str, target: dict[str, float | None], lang: str) -> Any:
    """The button that opens what missed a target, or why nothing single misses it."""
    source = missed_source(key, target)
    if source is None:
        why = NO_CALL_LEVEL.get(key.partition(".")[0], "missed_none_mean")
        return html.Span(word(lang, why), className="missed-none")
    return html.Button(
        word(lang, f"missed_{source}"),
        id={"type": "missed", "kpi": key},
        className="missed-open",
    )


def sl_in_force(report: dict[str, Any], lang: str) -> html.Div:
    """The service-level formula in force on each queue, what its letters mean, and T."""
    names = {sl["name"] for sl in report["sl_formulas"].values()}
    notes = [html.Li(line) for line in sl_lines(report, lang)]
    if len(names) > 1:
        notes.append(html.Li(word(lang, "sl_mixed"), className="sl-mixed"))
    return html.Div(
        [
            html.H3(word(lang, "sl_in_force")),
            html.Ul(notes),
            html.P(word(lang, "sl_legend"), className="legend"),
        ],
        id="sl-formulas",
        className="sl-formulas",
    )


def _figure(label: str, value: str, element: str, detail: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(label, className="label"),
            html.Div(value, id=element, className="value"),
            html.Div(detail, id=f"{element}-detail", className="detail") if detail else None,
        ],
        className="figure",
    )


def result_block(report: dict[str, Any], lang: str) -> html.Section:
    """The score, the band it falls in, the coefficient, and the invoice line spelled out."""
    amount = report["amount"]
    currency = amount["currency"]
    score = "—" if report["score"] is None else f"{report['score']:.2f}"
    unit = word(lang, "unit_" + amount["unit"])
    terms = [
        ("quantity", f"{number_text(amount['quantity'])} {unit}"),
        ("unit_price", money_text(amount["unit_price"], currency)),
        ("coefficient", f"× {amount['coefficient']:.2f}"),
        ("bonus", f"+ {money_text(amount['bonus'], currency)}"),
        ("penalty", f"− {money_text(amount['penalty'], currency)}"),
        ("amount", f"= {money_text(amount['total'], currency)}"),
    ]
    return html.Section(
        [
            html.Div(
                [
                    _figure(word(lang, "score"), score, "score", score_text(report)),
                    _figure(word(lang, "band"), band_text(report, lang), "band"),
                    _figure(
                        word(lang, "coefficient"), f"{report['coefficient']:.2f}", "coefficient"
                    ),
                    _figure(
                        word(lang, "amount"), money_text(amount["total"], currency), "amount-total"
                    ),
                ],
                className="figures",
            ),
            html.P(word(lang, "score_rule"), className="legend"),
            html.P(word(lang, "amount_formula"), id="amount-formula", className="formula-line"),
            html.P(invoice_line(amount, lang), id="invoice-line", className="invoice-line"),
            html.Table(
                html.Tbody([html.Tr([html.Th(word(lang, k)), html.Td(v)]) for k, v in terms]),
                id="amount-terms",
                className="terms",
            ),
            html.P(
                f"{word(lang, 'quantity')}: {word(lang, 'basis_' + amount['model'])}",
                className="legend",
            ),
        ],
        id="result",
        className="result",
    )


def trend_grid(report: dict[str, Any], lang: str) -> html.Div:
    """One small chart per contract KPI: its daily values against its target."""
    return html.Div(
        [
            dcc.Graph(
                id=f"trend-{element_id(t['kpi'])}",
                figure=trend_figure(t, report["daily"], lang),
                config={"displayModeBar": False},
                className="trend",
            )
            for t in daily_targets(report)
        ],
        id="trends",
        className="trends",
    )


def alerts_block(
    summary: dict[str, Any],
    alerts: list[dict[str, Any]],
    lang: str,
    rows_shown: int = ALERT_ROWS,
    missed: list[dict[str, Any]] | None = None,
) -> html.Div:
    """Alerts of the contract's queues in the period: counts, mean response, one row each,
    then the `missed` ones, never acknowledged (the report's `unacknowledged_alerts`)."""
    css, icon = status(summary["response_s"], ALERT_RESPONSE_TARGET, 120)
    line = (
        f"{word(lang, 'alerts_opened')} {summary['opened']} · "
        f"{word(lang, 'acknowledged')} {summary['acknowledged']} · "
        f"{word(lang, 'mean_response')} {mmss(summary['response_s'])} {icon} "
        f"({word(lang, 'response_target')})"
    )
    head = html.Tr(
        [
            html.Th(word(lang, key))
            for key in (
                "opened_at",
                "queue",
                "metric",
                "severity",
                "acked_at",
                "acked_by",
                "response",
            )
        ]
    )
    body = [_alert_row(alert, lang) for alert in alerts[:rows_shown]]
    if len(alerts) > rows_shown:
        more = f"+ {len(alerts) - rows_shown} {word(lang, 'more_alerts')}"
        body.append(html.Tr(html.Td(more, colSpan=7, className="more")))
    table = html.Table([html.Thead(head), html.Tbody(body)], id="alert-table") if alerts else None
    return html.Div(
        [
            html.P(line.strip(), id="alert-summary", className=f"alert-summary {css}"),
            table,
            _unacknowledged(missed or [], summary.get("unacknowledged", 0), lang),
        ],
        className="alert-times",
    )


def _unacknowledged(missed: list[dict[str, Any]], count: int, lang: str) -> html.Div | None:
    """The alerts never acknowledged: when, where, which rule, and for how long (✗ each)."""
    if not count:
        return None
    keys = ("opened_at", "queue", "rule", "resolved_at", "unacked_for")
    body = [
        html.Tr(
            [
                html.Td(f"{alert['opened_at'][:10]} {alert['opened_at'][11:16]}"),
                html.Td(alert["queue"]),
                html.Td(alert["rule"]),
                html.Td(
                    f"{alert['resolved_at'][:10]} {alert['resolved_at'][11:16]}"
                    if alert["resolved_at"]
                    else word(lang, "still_open")
                ),
                html.Td(f"{mmss(alert['unacknowledged_s'])} ✗", className="breach"),
            ]
        )
        for alert in missed
    ]
    if count > len(missed):
        more = f"+ {count - len(missed)} {word(lang, 'more_alerts')}"
        body.append(html.Tr(html.Td(more, colSpan=len(keys), className="more")))
    head = html.Tr([html.Th(word(lang, key)) for key in keys])
    return html.Div(
        [
            html.H3(f"{word(lang, 'unacked_alerts')} ({count})", id="unacked-title"),
            html.Table([html.Thead(head), html.Tbody(body)], id="unacked-alerts"),
        ]
    )


def _alert_row(alert: dict[str, Any], lang: str) -> html.Tr:
    acked = alert["acknowledged_at"]
    css, icon = status(alert["response_s"], ALERT_RESPONSE_TARGET, 0)
    return html.Tr(
        [
            html.Td(f"{alert['opened_at'][:10]} {alert['opened_at'][11:16]}"),
            html.Td(alert["queue"]),
            html.Td(word(lang, alert["metric"])),
            html.Td(word(lang, alert["severity"])),
            html.Td(f"{acked[:10]} {acked[11:16]}" if acked else word(lang, "not_acked")),
            html.Td(alert["acknowledged_by"] or ""),
            html.Td(f"{mmss(alert['response_s'])} {icon}".strip(), className=css),
        ]
    )


def export_href(
    report: dict[str, Any], fmt: str, lang: str = "en", base: str = "/sla/export"
) -> str:
    """Return the page's download link for one format: the report's client, period, contract,
    in the page's language."""
    query = urllib.parse.urlencode(
        {"period": report["period"]["label"], "contract": report["contract"], "lang": lang}
    )
    return f"{base}/{urllib.parse.quote(report['client'])}.{fmt}?{query}"


def downloads(report: dict[str, Any], lang: str) -> html.Div:
    """Links to the PDF, Excel and CSV of the report shown: the same numbers as the page."""
    links = [
        html.A(
            f"⬇ {EXPORT_NAMES[fmt]}",
            href=export_href(report, fmt, lang),
            id=f"download-{fmt}",
            className="download",
        )
        for fmt in EXPORTS
    ]
    return html.Div(
        [*links, html.Span(word(lang, "downloads_note"), className="legend")],
        className="downloads",
    )
