"""The alerts as the wallboard shows them: their count, the panel, values against thresholds."""

from typing import Any

from dash import html

from app.alerts.evaluator import breached
from app.core.formats import mmss
from app.kpi.definitions import KPIS
from dashboards.components import percent
from dashboards.i18n import word
from dashboards.wall_view import time_of_day

MORE_DIGITS = 4  # digits added to tell a value from its threshold; closer reads "at threshold"


def in_unit(metric: str, value: float | None, extra_digits: int = 0) -> str:
    """Render a rule metric's value in its unit: ratios as %, durations as mm:ss.

    `extra_digits` shows more than the usual precision (durations then in seconds).
    """
    unit = KPIS[metric].unit if metric in KPIS else ""
    if value is None:
        return "—"
    if unit == "ratio":
        return percent(value, 1 + extra_digits)
    if unit == "s" or metric == "longest_wait_s":
        return f"{value:.{extra_digits}f} s" if extra_digits else mmss(value)
    return f"{value:.{3 + extra_digits}g}" + ("×" if metric == "surge" else "")


def versus(metric: str, value: float | None, op: str, threshold: float, lang: str) -> str:
    """Render an alert's value against its threshold so that what it reads is true.

    Rounded alike, 79.96 % < 80 % would read "80.0 % < 80.0 %": digits are added until the
    two differ, equal numbers read "at threshold", and a value back past the threshold (an
    alert stays open until it clears by a margin) shows the relation it really has.
    """
    if value is None:
        return f"{in_unit(metric, value)} {op} {in_unit(metric, threshold)}"
    shown = [in_unit(metric, value), in_unit(metric, threshold)]
    for extra in range(1, MORE_DIGITS + 1):
        if shown[0] != shown[1]:
            break
        shown = [in_unit(metric, value, extra), in_unit(metric, threshold, extra)]
    if shown[0] == shown[1]:
        return f"{in_unit(metric, value)} {word(lang, 'at_threshold')}"
    if breached(op, value, threshold):
        return f"{shown[0]} {op} {shown[1]}"
    return f"{shown[0]} {'>' if value > threshold else '<'} {shown[1]} {word(lang, 'recovering')}"


def alert_count(alerts: list[dict[str, Any]], lang: str) -> html.Span:
    """Count the alerts waiting for someone (open, unacknowledged); the acknowledged apart."""
    waiting = sum(alert["state"] == "open" for alert in alerts)
    acknowledged = len(alerts) - waiting
    text = f"⚠ {waiting} {word(lang, 'to_ack_one' if waiting == 1 else 'to_ack_many')}"
    if acknowledged:
        text += f" · {acknowledged} {word(lang, 'acked_open')}"
    return html.Span(text, className="alert-count open" if waiting else "alert-count")


def alerts_panel(
    alerts: list[dict[str, Any]],
    lang: str,
    can_ack: bool,
    zone: str | None,
    rows_shown: int | None = None,
) -> list[Any]:
    """The open and acknowledged alerts, most severe first, each with its acknowledge button.

    Times are in the board's timezone `zone`, or each in its client's own (labelled) when
    the board mixes timezones; past `rows_shown`, a count of the rest.
    """
    if not alerts:
        return [html.Div(word(lang, "no_alerts"), className="no-alerts")]
    order = {"critical": 0, "warning": 1, "info": 2}
    rows = []
    ranked = sorted(alerts, key=lambda a: (order.get(a["severity"], 3), a["opened_at"]))
    for alert in ranked[:rows_shown]:
        comparison = versus(alert["metric"], alert["value"], alert["op"], alert["threshold"], lang)
        since = time_of_day(alert["opened_at"], zone, alert["timezone"])
        action: Any = (
            html.Button(
                word(lang, "ack"), id={"type": "ack", "alert": alert["id"]}, className="ack"
            )
            if alert["state"] == "open" and can_ack
            else html.Span(word(lang, "acknowledged") if alert["state"] != "open" else "")
        )
        rows.append(
            html.Div(
                [
                    html.Span(
                        f"⚠ {word(lang, alert['severity'])}",
                        className=f"severity {alert['severity']}",
                    ),
                    html.Span(f"{alert['queue']} · {word(lang, alert['metric'])} {comparison}"),
                    html.Span(f"{word(lang, 'since')} {since}", className="since"),
                    action,
                ],
                id=f"ack-{alert['id']}",
                className=f"alert {alert['state']}",
            )
        )
    if rows_shown is not None and len(alerts) > rows_shown:
        more = f"+ {len(alerts) - rows_shown} {word(lang, 'more_alerts_tv')}"
        rows.append(html.Div(more, className="more-alerts"))
    return rows
