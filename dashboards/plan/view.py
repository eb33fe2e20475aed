"""The plan page's figures and table, pure functions of the plan the route answers.

`plan` is `app.forecasting.plan.queue_plan`'s answer (what `GET /v1/queues/{code}/plan`
returns): intervals with their local start and end, forecast offered and AHT, source,
Erlang C required agents, scheduled agents (None: no schedule posted) and the gap.
"""

from datetime import date, timedelta
from typing import Any

from dash import html

from app.forecasting.plan import OWN_FORECAST_SOURCE
from dashboards.i18n import word

COLUMNS = ("plan_source", "plan_offered", "plan_aht", "plan_required", "plan_scheduled", "plan_gap")


def number(value: float) -> str:
    """Render a count as people read it: `1,234.5`, `8.73`, `20` (at most two decimals)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def gap_text(gap: float) -> str:
    """Render scheduled − required with its sign: `+1.5`, `0`, `−2` (a true minus sign)."""
    if gap > 0:
        return f"+{number(gap)}"
    return f"−{number(-gap)}" if gap < 0 else "0"


def is_short(interval: dict[str, Any]) -> bool:
    """Tell whether an interval has fewer agents scheduled than Erlang C requires."""
    gap = interval["staffing_gap"]
    return gap is not None and gap < 0


def totals(plan: dict[str, Any]) -> dict[str, Any]:
    """Return the day's forecast calls, agent-hours required and scheduled (None: no
    schedule posted), understaffed intervals and intervals in all.

    Agent-hours = Σ agents per interval × interval length in hours.
    """
    rows, hours = plan["intervals"], plan["interval_minutes"] / 60
    scheduled = [i["scheduled_agents"] for i in rows if i["scheduled_agents"] is not None]
    return {
        "offered": sum(i["offered"] or 0 for i in rows),
        "required_hours": sum(i["required_agents"] or 0 for i in rows) * hours,
        "scheduled_hours": sum(scheduled) * hours if scheduled else None,
        "short": sum(1 for i in rows if is_short(i)),
        "intervals": len(rows),
    }


def source_text(source: str | None, lang: str) -> str:
    """Name a forecast's source: the WFM tool's own name, or CallPulse's forecast."""
    if source is None:
        return "—"
    return word(lang, "plan_own_source") if source == OWN_FORECAST_SOURCE else source


def accuracy_text(accuracy: dict[str, Any], lang: str) -> tuple[str, str]:
    """Return the own forecast's accuracy and its period (the whole days it covers)."""
    first = accuracy["from"]
    last = (date.fromisoformat(accuracy["to"]) - timedelta(days=1)).isoformat()  # `to` excluded
    if accuracy["value"] is None:
        return "—", word(lang, "plan_accuracy_none").format(first=first, last=last)
    period = word(lang, "plan_accuracy_period").format(
        first=first, last=last, count=accuracy["intervals"]
    )
    return f"{accuracy['value'] * 100:.2f} %", period


def facts(plan: dict[str, Any], lang: str) -> list[tuple[str, str, str, str]]:
    """Return the facts above the chart as (key, label, value, detail): the day, the SL
    planned for, the own forecast's accuracy and the day's totals."""
    total = totals(plan)
    scheduled = total["scheduled_hours"]
    target = f"{plan['target_service_level'] * 100:g} %"
    accuracy, period = accuracy_text(plan["own_forecast_accuracy"], lang)
    calls = word(lang, "plan_calls_value").format(calls=number(total["offered"]))
    short = word(lang, "plan_short_value").format(short=total["short"], count=total["intervals"])
    return [
        ("day", word(lang, "plan_day").format(zone=plan["timezone"]), plan["date"], ""),
        (
            "sl",
            word(lang, "plan_sl_used"),
            word(lang, "plan_sl_text").format(target=target, threshold=plan["sl_threshold_s"]),
            "",
        ),
        ("accuracy", word(lang, "plan_accuracy"), accuracy, period),
        ("calls", word(lang, "plan_calls_total"), calls, ""),
        (
            "required",
            word(lang, "plan_hours_required"),
            hours_text(total["required_hours"], lang),
            "",
        ),
        (
            "scheduled",
            word(lang, "plan_hours_scheduled"),
            word(lang, "plan_no_schedule") if scheduled is None else hours_text(scheduled, lang),
            "",
        ),
        ("short", word(lang, "plan_short_count"), short, ""),
    ]


def hours_text(hours: float, lang: str) -> str:
    """Render agent-hours with their unit: `2.50 agent-hours`, `2.50 人·小时`."""
    return word(lang, "plan_hours_value").format(hours=f"{hours:,.2f}")


def summary(plan: dict[str, Any], lang: str) -> html.Dl:
    """The facts above the chart, each labelled, with its detail (the accuracy's period)."""
    return html.Dl(
        [
            html.Div(
                [
                    html.Dt(label),
                    html.Dd([value, html.Small(detail) if detail else None], id=f"plan-{key}"),
                ]
            )
            for key, label, value, detail in facts(plan, lang)
        ],
        className="facts",
        id="plan-facts",
    )


def table(plan: dict[str, Any], lang: str) -> html.Table:
    """One row per interval in the client's local time; an understaffed row is marked ⚠."""
    heads = [
        word(lang, "plan_interval").format(zone=plan["timezone"]),
        *(word(lang, key) for key in COLUMNS),
    ]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in heads])),
            html.Tbody([_row(i, plan["default_aht_s"], lang) for i in plan["intervals"]]),
        ],
        id="plan-table",
        className="plan-table",
    )


def _row(interval: dict[str, Any], default_aht_s: float, lang: str) -> html.Tr:
    """One interval: times, forecast, need, schedule and gap (each `—` when unknown)."""
    start, end = interval["start"][11:16], interval["end"][11:16]
    offered, aht, gap = interval["offered"], interval["aht_s"], interval["staffing_gap"]
    if offered is None:
        aht_text = "—"
    elif aht is None:  # Erlang C used the default AHT
        aht_text = f"{default_aht_s:.0f} ({word(lang, 'plan_default')})"
    else:
        aht_text = number(aht)
    short = is_short(interval)
    cells = [
        f"{start}–{end}",
        source_text(interval["source"], lang),
        "—" if offered is None else number(offered),
        aht_text,
        "—" if interval["required_agents"] is None else str(interval["required_agents"]),
        "—" if interval["scheduled_agents"] is None else number(interval["scheduled_agents"]),
        "—" if gap is None else (f"⚠ {gap_text(gap)}" if short else gap_text(gap)),
    ]
    return html.Tr(
        [html.Td(c) for c in cells],
        id=f"plan-row-{start.replace(':', '')}",
        className="short" if short else "",
        title=word(lang, "plan_short") if short else None,
    )
