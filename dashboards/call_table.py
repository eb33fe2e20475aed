"""Listed calls and tickets as table rows (pure): columns labelled with their units, times in
one timezone that the header names."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from app.core.formats import mmss
from dashboards.i18n import word

COLUMNS = {  # what each list shows, most telling first
    "waiting": ("call_id", "offered_at", "wait_so_far", "vendor"),
    "abandoned": ("call_id", "offered_at", "ended_at", "wait_s", "exit_reason", "vendor"),
    "sl_missed": ("call_id", "offered_at", "outcome", "wait_s", "agent", "vendor"),
    "calls": (
        "call_id",
        "queue",
        "offered_at",
        "outcome",
        "wait_s",
        "talk_s",
        "agent",
        "vendor",
        "transferred",
        "resolved",
        "csat",
    ),
    "tickets": (
        "ticket_id",
        "queue",
        "channel",
        "created_at",
        "first_response_at",
        "frt_s",
        "resolved_at",
        "resolution_s",
        "agent",
        "vendor",
    ),
}
HEADERS = {
    "call_id": "col_call",
    "ticket_id": "col_ticket",
    "queue": "col_queue",
    "channel": "col_channel",
    "offered_at": "col_offered",
    "answered_at": "col_answered",
    "ended_at": "col_ended",
    "created_at": "col_created",
    "first_response_at": "col_first_response",
    "resolved_at": "col_resolved",
    "wait_s": "col_wait",
    "wait_so_far": "col_wait_so_far",
    "talk_s": "col_talk",
    "frt_s": "col_frt",
    "resolution_s": "col_resolution",
    "outcome": "col_outcome",
    "exit_reason": "col_exit",
    "agent": "col_agent",
    "vendor": "col_vendor",
    "csat": "col_csat",
    "transferred": "col_transferred",
    "resolved": "col_fcr",
}
DURATIONS = {"wait_s", "talk_s", "frt_s", "resolution_s"}
FLAGS = {"transferred", "resolved"}


def scrolled_table(prefix: str) -> html.Div:
    """An empty table `<prefix>-table` whose head and rows callbacks fill, in a scroll box."""
    table = html.Table(
        [html.Thead(id=f"{prefix}-head"), html.Tbody(id=f"{prefix}-rows")],
        id=f"{prefix}-table",
        className=f"{prefix}-table",
    )
    return html.Div(table, className=f"{prefix}-scroll")


def header(columns: tuple[str, ...], lang: str, zone: str) -> html.Tr:
    """The header row: each column's name with its unit, times with their timezone."""
    return html.Tr([html.Th(word(lang, HEADERS[c]).format(zone=zone)) for c in columns])


def rows(
    listed: list[dict[str, Any]],
    columns: tuple[str, ...],
    lang: str,
    zone: str,
    with_date: bool = False,
) -> list[html.Tr]:
    """One table row per call or ticket; times in `zone` (`HH:MM:SS`, dated when `with_date`)."""
    cell = _cell(lang, zone, with_date)
    return [
        html.Tr(
            [html.Td(cell(column, _value(row, column)), className=column) for column in columns]
        )
        for row in listed
    ]


def _value(row: dict[str, Any], column: str) -> Any:
    """A row's value for a column (the wait so far of a waiting call is its `wait_s`)."""
    return row.get("wait_s" if column == "wait_so_far" else column)


def count_text(count: int, source: str, lang: str) -> str:
    """`5 calls`, `1 ticket`, `5 通`."""
    unit = "calls" if source == "calls" else "tickets"
    return word(lang, f"{unit}_count_one" if count == 1 else f"{unit}_count").format(count=count)


def _cell(lang: str, zone: str, with_date: bool) -> Callable[[str, Any], str]:
    shape = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"

    def text(column: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if column.endswith("_at"):
            return f"{datetime.fromisoformat(value).astimezone(ZoneInfo(zone)):{shape}}"
        if column in DURATIONS or column == "wait_so_far":
            return mmss(float(value))
        if column == "outcome":
            return word(lang, f"outcome_{value}")
        if column in FLAGS:
            return word(lang, "yes" if value else "no")
        if column == "csat":
            return f"{float(value):g}"
        return str(value)

    return text
