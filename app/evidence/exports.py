"""The listed calls, tickets and QA evaluations as CSV and Excel: one header row in English
and Chinese.

Headers carry both languages whatever `lang` (it picks which comes first), units (s) and the
timezone of the times. CSV times are RFC 3339 with their offset, as in the JSON; Excel times
are the client's wall time (the zone in the header). Every cell goes through
`app.core.cells`: text inert, numbers numbers, no value an empty cell.
"""

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.cells import csv_bytes, local_time, print_on_page_width, xlsx_append

Column = tuple[str, str, str, str]  # field, English, Chinese, kind: text | time | number

CALL_COLUMNS: tuple[Column, ...] = (
    ("call_id", "Call ID", "呼叫编号", "text"),
    ("queue", "Queue", "队列", "text"),
    ("vendor", "Vendor", "接包方", "text"),
    ("agent", "Agent", "坐席", "text"),
    ("offered_at", "Offered at", "进线时间", "time"),
    ("answered_at", "Answered at", "应答时间", "time"),
    ("ended_at", "Ended at", "结束时间", "time"),
    ("offered_estimated", "Offered time estimated", "进线时间为估计值", "text"),
    ("answered_estimated", "Answered time estimated", "应答时间为估计值", "text"),
    ("wait_s", "Wait (s)", "等待 (秒)", "number"),
    ("talk_s", "Talk (s)", "通话 (秒)", "number"),
    ("hold_s", "Hold (s)", "保持 (秒)", "number"),
    ("acw_s", "ACW (s)", "话后处理 (秒)", "number"),
    ("outcome", "Outcome", "结果", "text"),
    ("sl_met", "Service level met", "服务水平达标", "text"),
    ("transferred", "Transferred", "转接", "text"),
    ("resolved", "Resolved (FCR)", "一次解决", "text"),
    ("csat", "CSAT", "满意度", "number"),
    ("exit_reason", "Exit reason", "离队原因", "text"),
)
TICKET_COLUMNS: tuple[Column, ...] = (
    ("ticket_id", "Ticket ID", "工单编号", "text"),
    ("queue", "Queue", "队列", "text"),
    ("vendor", "Vendor", "接包方", "text"),
    ("agent", "Agent", "坐席", "text"),
    ("channel", "Channel", "渠道", "text"),
    ("priority", "Priority", "优先级", "text"),
    ("created_at", "Created at", "创建时间", "time"),
    ("first_response_at", "First response at", "首次响应时间", "time"),
    ("resolved_at", "Resolved at", "解决时间", "time"),
    ("frt_s", "First response time (s)", "首次响应时长 (秒)", "number"),
    ("resolution_s", "Resolution time (s)", "解决时长 (秒)", "number"),
    ("frt_target_s", "First response target (s)", "首次响应目标 (秒)", "number"),
    ("resolution_target_s", "Resolution target (s)", "解决目标 (秒)", "number"),
    ("frt_met", "First response met", "首次响应达标", "text"),
    ("resolution_met", "Resolution met", "解决达标", "text"),
    ("open", "Open", "未解决", "text"),
    ("csat", "CSAT", "满意度", "number"),
)
QA_COLUMNS: tuple[Column, ...] = (
    ("evaluation_id", "Evaluation ID", "质检编号", "text"),
    ("call_id", "Call ID", "呼叫编号", "text"),
    ("ticket_id", "Ticket ID", "工单编号", "text"),
    ("queue", "Queue", "队列", "text"),
    ("vendor", "Vendor", "接包方", "text"),
    ("agent", "Agent", "坐席", "text"),
    ("evaluator", "Evaluator", "质检员", "text"),
    ("evaluated_at", "Evaluated at", "质检时间", "time"),
    ("mode", "Mode (live / recording)", "方式 (实时监听 / 录音)", "text"),
    ("fatal_errors", "Fatal errors", "致命错误数", "number"),
    ("non_fatal_errors", "Non-fatal errors", "非致命错误数", "number"),
    ("score", "Score (0–100)", "质检得分 (0–100)", "number"),
)
TIME_FIELDS = {
    field for field, *_, kind in (*CALL_COLUMNS, *TICKET_COLUMNS, *QA_COLUMNS) if kind == "time"
}


def headers(columns: Iterable[Column], lang: str, zone: str) -> list[str]:
    """Return the header row: `English / 中文`, Chinese first for `zh`; times name `zone`."""
    row = []
    for _, english, chinese, kind in columns:
        if kind == "time":
            english, chinese = f"{english} ({zone})", f"{chinese} ({zone})"
        row.append(f"{chinese} / {english}" if lang == "zh" else f"{english} / {chinese}")
    return row


def zone_of(rows: list[dict[str, Any]], timezone: str | None) -> str:
    """Name the times' zone: the client's timezone when known, else the rows' UTC offset."""
    if timezone:
        return timezone
    for row in rows:
        for field in TIME_FIELDS & row.keys():
            if row[field]:
                return f"UTC{datetime.fromisoformat(row[field]).strftime('%z')}"
    return "UTC"


def _csv(columns: tuple[Column, ...], rows: Iterable[dict], lang: str, tz: str | None) -> bytes:
    listed = list(rows)
    head = headers(columns, lang, zone_of(listed, tz))
    return csv_bytes([head, *([row.get(c[0]) for c in columns] for row in listed)])


def _xlsx(
    columns: tuple[Column, ...], rows: Iterable[dict], lang: str, tz: str | None, title: str
) -> bytes:
    listed = list(rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    xlsx_append(sheet, headers(columns, lang, zone_of(listed, tz)))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in listed:
        xlsx_append(sheet, [_cell(row.get(field), kind) for field, _, _, kind in columns])
    for i in range(1, len(columns) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = 22
    sheet.freeze_panes = "A2"
    print_on_page_width(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any, kind: str) -> Any:
    """Return a value for Excel: times as wall-time date-times, the rest as they are."""
    if kind == "time" and value:
        return local_time(value)
    return value


def calls_csv(rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None) -> bytes:
    """Return listed calls as CSV (UTF-8 with BOM), headers in English and Chinese."""
    return _csv(CALL_COLUMNS, rows, lang, timezone)


def calls_xlsx(rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None) -> bytes:
    """Return listed calls as an Excel workbook, headers in English and Chinese."""
    return _xlsx(CALL_COLUMNS, rows, lang, timezone, "calls 呼叫")


def tickets_csv(rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None) -> bytes:
    """Return listed tickets as CSV (UTF-8 with BOM), headers in English and Chinese."""
    return _csv(TICKET_COLUMNS, rows, lang, timezone)


def tickets_xlsx(rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None) -> bytes:
    """Return listed tickets as an Excel workbook, headers in English and Chinese."""
    return _xlsx(TICKET_COLUMNS, rows, lang, timezone, "tickets 工单")


def qa_evaluations_csv(
    rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None
) -> bytes:
    """Return listed QA evaluations as CSV (UTF-8 with BOM), headers in English and Chinese."""
    return _csv(QA_COLUMNS, rows, lang, timezone)


def qa_evaluations_xlsx(
    rows: Iterable[dict], lang: str = "en", *, timezone: str | None = None
) -> bytes:
    """Return listed QA evaluations as an Excel workbook, headers in English and Chinese."""
    return _xlsx(QA_COLUMNS, rows, lang, timezone, "qa 质检")
