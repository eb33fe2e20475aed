"""The SLA page's feed-quality section: a pure function of the report's `feed_quality`."""

from typing import Any

from dash import html

from app.contracts.exports import reasons_text
from app.core.formats import value_text
from dashboards.i18n import word

COLUMNS = (
    ("vendor", "vendor"),
    ("records_accepted", "accepted"),
    ("records_duplicates", "duplicates"),
    ("records_rejected", "rejected"),
    ("rejected_by_reason", "reasons"),
    ("lateness_p50", "lateness-p50"),
    ("lateness_p95", "lateness-p95"),
    ("lateness_max", "lateness-max"),
    ("unended_calls", "unended"),
    ("silent_intervals", "silent"),
)


def feed_quality_block(report: dict[str, Any], lang: str) -> html.Div:
    """One row per vendor: records accepted, duplicates, rejected (by field), lateness,
    calls without an end, and silent service intervals of all service intervals."""
    head = html.Tr([html.Th(word(lang, key)) for key, _ in COLUMNS])
    body = [_row(feed, lang) for feed in report["feed_quality"]]
    return html.Div(
        [
            html.Table([html.Thead(head), html.Tbody(body)], id="feed-quality-table"),
            html.P(word(lang, "feed_quality_note"), className="legend"),
            html.P(word(lang, "lateness_resolution"), className="legend"),
        ],
        className="feed-quality",
    )


def _row(feed: dict[str, Any], lang: str) -> html.Tr:
    silent = feed["silent_intervals"]
    values = {
        "vendor": feed["vendor"],
        "accepted": f"{feed['accepted']:,}",
        "duplicates": f"{feed['duplicates']:,}",
        "rejected": f"{feed['rejected']:,}",
        "reasons": reasons_text(feed["rejected_by_reason"], lang),
        "lateness-p50": value_text(feed["lateness_p50_s"], "s"),
        "lateness-p95": value_text(feed["lateness_p95_s"], "s"),
        "lateness-max": value_text(feed["lateness_max_s"], "s"),
        "unended": f"{feed['unended_calls']:,}" + (" ✗" if feed["unended_calls"] else ""),
        "silent": f"{silent:,} / {feed['service_intervals']:,}" + (" ✗" if silent else ""),
    }
    return html.Tr(
        [html.Td(values[css], className=css) for _, css in COLUMNS],
        id=f"feed-quality-{feed['vendor']}",
    )
