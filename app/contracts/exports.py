"""The SLA report as CSV and Excel: the same numbers as the JSON, laid out for the review.

Both are built from one list of blocks (`blocks`), so they cannot disagree: the facts (when
the figures were read, whether the period is partial, the contract and the formulas in
force), the compliance table, the score with its coefficient and every term of the amount,
the alerts never acknowledged, the period's feed quality, and the daily values. Labels and
verdicts are words in the chosen language, KPIs by name. Every cell goes through
`app.core.cells`: text is inert, numbers stay numbers (ratios fractions, durations seconds
in CSV; typed and formatted in Excel), times are the client's wall time.
"""

import io
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.contracts.outlook_text import partial_label, projection_lines, proration_lines, text
from app.contracts.settled_text import close_line, figure_name
from app.contracts.text import (
    daily_targets,
    formula_text,
    invoice_line,
    source_text,
    target_name,
)
from app.contracts.words import word
from app.core.cells import Cell, csv_bytes, local_time, print_on_page_width, xlsx_append
from app.kpi.names import kpi_name, sl_expression

Row = list[Any]
Block = list[Row]
VERDICTS = {True: "met_yes", False: "met_no", None: "met_none"}
KINDS = {"ratio": "ratio", "s": "duration", "score": "decimal"}


def period_days(period: dict[str, Any]) -> tuple[date, date]:
    """Return a period's first and last local dates (its `end` is exclusive)."""
    start, end = (datetime.fromisoformat(period[k]) for k in ("start", "end"))
    return start.date(), (end - timedelta(days=1)).date()


def measure(value: float | None, unit: str) -> Cell:
    """Return a KPI value as a typed cell: a ratio, a duration (seconds) or a number."""
    return Cell(value, KINDS.get(unit, "number"))


def facts(report: dict[str, Any], lang: str) -> Block:
    """Return the facts a reader needs to trust the figures, as (label, value) rows."""
    first, last = period_days(report["period"])
    zone = report["timezone"]
    rows: Block = [
        [word(lang, "sla_title"), report["period"]["label"]],
        [word(lang, "client"), f"{report['client_name']} ({report['client']})"],
        [word(lang, "vendor"), report["vendor"]],
        [word(lang, "contract"), report["contract"]],
        [f"{word(lang, 'contract_updated')} ({zone})", local_time(report["contract_updated_at"])],
        [word(lang, "valid"), f"{report['valid_from']} – {report['valid_to']}"],
        [word(lang, "queues"), " ".join(report["queues"])],
        [word(lang, "period"), report["period"]["label"]],
        [word(lang, "first_day"), Cell(first, "date")],
        [word(lang, "last_day"), Cell(last, "date")],
        [word(lang, "timezone"), zone],
        [f"{word(lang, 'as_of')} ({zone})", local_time(report["as_of"])],
        [word(lang, "partial"), partial_label(report, lang)],
        [word(lang, "close_state"), close_line(report, lang)],
        [word(lang, "kpi_definitions"), report["kpi_definitions"]],
    ]
    for queue, sl in report["sl_formulas"].items():
        expression = sl_expression(sl["name"], lang)
        rows.append(
            [
                f"{word(lang, 'sl_in_force')}: {queue}",
                f"{expression} ({sl['name']}), T = {sl['threshold_s']} s",
            ]
        )
    return rows


def compliance(report: dict[str, Any], lang: str) -> Block:
    """Return the compliance table: one row per target, the KPI by name, its code last."""
    currency = report["amount"]["currency"]
    keys = ("kpi", "target_min", "target_max", "actual", "met", "weight", "points", "penalty")
    rows: Block = [[word(lang, key) for key in (*keys, "source", "formula", "code")]]
    for t in report["targets"]:
        rows.append(
            [
                target_name(t, lang),
                measure(t["target"]["min"], t["unit"]),
                measure(t["target"]["max"], t["unit"]),
                measure(t["actual"], t["unit"]),
                word(lang, VERDICTS[t["met"]]),
                t["weight"],
                t["points"],
                Cell(t["penalty"], "money", currency),
                source_text(t, lang),
                formula_text(t, report, lang),
                t["kpi"],
            ]
        )
    return rows


def settlement(report: dict[str, Any], lang: str) -> Block:
    """Return the score, band, coefficient, every term of the amount and the alerts."""
    amount, band, alerts = report["amount"], report["band"] or {}, report["alerts"]
    currency = amount["currency"]

    def money(value: float) -> Cell:
        return Cell(value, "money", currency)

    return [
        [word(lang, "settlement"), ""],
        [word(lang, "score"), Cell(report["score"], "decimal")],
        [word(lang, "band_min_score"), band.get("min_score")],
        [word(lang, "coefficient"), Cell(report["coefficient"], "decimal")],
        [word(lang, "quantity"), amount["quantity"]],
        [word(lang, "unit_price"), money(amount["unit_price"])],
        [word(lang, "bonus"), money(amount["bonus"])],
        [word(lang, "penalty"), money(amount["penalty"])],
        [word(lang, "amount"), money(amount["total"])],
        [word(lang, "currency"), currency],
        [word(lang, "formula"), word(lang, "amount_formula")],
        [word(lang, "invoice"), invoice_line(amount, lang)],
        [word(lang, "basis"), word(lang, "basis_" + amount["model"])],
        *([text(lang, "proration"), line] for line in proration_lines(report, lang)),
        *([text(lang, "projection"), line] for line in projection_lines(report, lang)),
        [f"{word(lang, 'alert_times')}: {word(lang, 'alerts_opened')}", alerts["opened"]],
        [f"{word(lang, 'alert_times')}: {word(lang, 'acknowledged')}", alerts["acknowledged"]],
        [f"{word(lang, 'alert_times')}: {word(lang, 'not_acked')}", alerts["unacknowledged"]],
        [
            f"{word(lang, 'alert_times')}: {word(lang, 'mean_response')}",
            Cell(alerts["response_s"], "duration"),
        ],
    ]


def restatement(report: dict[str, Any], lang: str) -> Block:
    """Return the figures the live data restates since the close (closed → now); none open."""
    if report.get("closed") is None:
        return []
    units = {t["kpi"]: t["unit"] for t in report["targets"]}
    currency = report["amount"]["currency"]

    def cell(kpi: str, value: float | None) -> Cell:
        if kpi == "amount":
            return Cell(value, "money", currency)
        return Cell(value, "decimal") if kpi == "score" else measure(value, units.get(kpi, ""))

    rows: Block = [[word(lang, "restatement"), word(lang, "closed_value"), word(lang, "now_value")]]
    for row in report["restatement"] or [{"kpi": None}]:
        kpi = row["kpi"]
        if kpi is None:
            rows.append([word(lang, "restatement_none")])
        else:
            rows.append(
                [figure_name(kpi, lang, report), cell(kpi, row["closed"]), cell(kpi, row["now"])]
            )
    return rows


def unacknowledged(report: dict[str, Any], lang: str) -> Block:
    """Return the alerts never acknowledged (missed): where, which rule, when, for how long."""
    zone = report["timezone"]
    rows: Block = [
        [
            word(lang, "queue"),
            word(lang, "rule"),
            f"{word(lang, 'opened_at')} ({zone})",
            f"{word(lang, 'resolved_at')} ({zone})",
            word(lang, "unacked_for"),
        ]
    ]
    for alert in report["unacknowledged_alerts"]:
        resolved = alert["resolved_at"]
        rows.append(
            [
                alert["queue"],
                alert["rule"],
                local_time(alert["opened_at"]),
                local_time(resolved) if resolved else word(lang, "still_open"),
                Cell(alert["unacknowledged_s"], "duration"),
            ]
        )
    return rows


def daily(report: dict[str, Any], lang: str) -> Block:
    """Return the daily values of every target measured by CallPulse, one row per local day."""
    targets = daily_targets(report)
    rows: Block = [[word(lang, "date"), *(target_name(t, lang) for t in targets)]]
    for day in report["daily"]:
        values = (measure(day[t["kpi"]], t["unit"]) for t in targets)
        rows.append([Cell(date.fromisoformat(day["date"]), "date"), *values])
    return rows


FEED_COLUMNS = (
    ("vendor", "vendor", None),
    ("records_accepted", "accepted", "number"),
    ("records_duplicates", "duplicates", "number"),
    ("records_rejected", "rejected", "number"),
    ("lateness_p50", "lateness_p50_s", "duration"),
    ("lateness_p95", "lateness_p95_s", "duration"),
    ("lateness_max", "lateness_max_s", "duration"),
    ("unended_calls", "unended_calls", "number"),
    ("silent_intervals", "silent_intervals", "number"),
    ("service_intervals", "service_intervals", "number"),
)


def reasons_text(by_reason: dict[str, int], lang: str) -> str:
    """Return rejections by field as text: `offered_at 2, queue 1` (or the word for none)."""
    return ", ".join(f"{field} {n}" for field, n in by_reason.items()) or word(lang, "none")


def feed_quality(report: dict[str, Any], lang: str) -> Block:
    """Return the period's feed quality: one row per vendor, lateness in seconds."""
    header = [word(lang, label) for label, _, _ in FEED_COLUMNS]
    rows: Block = [[*header, word(lang, "rejected_by_reason")]]
    for feed in report["feed_quality"]:
        cells = [
            feed[key] if kind is None else Cell(feed[key], kind) for _, key, kind in FEED_COLUMNS
        ]
        rows.append([*cells, reasons_text(feed["rejected_by_reason"], lang)])
    rows.append([word(lang, "lateness_resolution")])
    return rows


def exclusions(report: dict[str, Any], lang: str) -> Block:
    """Return both figures of each target, the score and amount as measured, and the agreed
    exclusions that make the difference (a dispute's window in the client's time)."""
    currency = report["amount"]["currency"]
    measured = report["measured"]
    rows: Block = [
        [word(lang, key) for key in ("kpi", "actual_measured", "actual_scored", "excluded")]
    ]
    for t in report["targets"]:
        rows.append(
            [
                target_name(t, lang),
                measure(t["actual_measured"], t["unit"]),
                measure(t["actual"], t["unit"]),
                word(lang, "excluded_yes" if t["excluded"] else "excluded_no"),
            ]
        )
    rows += [
        [word(lang, "measured_score"), Cell(measured["score"], "decimal")],
        [word(lang, "measured_coefficient"), Cell(measured["coefficient"], "decimal")],
        [word(lang, "measured_amount"), Cell(measured["amount_total"], "money", currency)],
        [],
        [word(lang, "exclusions")],
    ]
    if not report["exclusions"]:
        return [*rows, [word(lang, "no_exclusions")]]
    zone = report["timezone"]
    keys = ("dispute", "kpi", "window_from", "window_to", "call_ids", "calls_excluded")
    rows.append(
        [
            *(word(lang, key) for key in keys),
            word(lang, "dispute_reason"),
            f"{word(lang, 'agreed_at')} ({zone})",
            word(lang, "agreed_by"),
        ]
    )
    for e in report["exclusions"]:
        rows.append(
            [
                e["dispute"],
                word(lang, "kpi_all") if e["kpi"] == "all" else kpi_name(e["kpi"], lang),
                local_time(e["from"]) if e["from"] else "",
                local_time(e["to"]) if e["to"] else "",
                " ".join(e["call_ids"]),
                e["calls"],
                word(lang, "reason_" + e["reason"]),
                local_time(e["agreed_at"]),
                e["agreed_by"],
            ]
        )
    return rows


def blocks(report: dict[str, Any], lang: str = "en") -> dict[str, Block]:
    """Return the report's tables by name, in `lang`; each starts with its header row."""
    return {
        "facts": facts(report, lang),
        "targets": compliance(report, lang),
        "result": settlement(report, lang),
        "exclusions": exclusions(report, lang),
        "restatement": restatement(report, lang),
        "unacknowledged": unacknowledged(report, lang),
        "feed_quality": feed_quality(report, lang),
        "daily": daily(report, lang),
    }


def to_csv(report: dict[str, Any], lang: str = "en") -> bytes:
    """Return the report as one CSV (UTF-8, BOM): its tables one after another, blank-separated."""
    rows: Block = []
    for block in blocks(report, lang).values():
        rows += [*([[]] if rows and block else []), *block]
    return csv_bytes(rows)


def to_xlsx(report: dict[str, Any], lang: str = "en") -> bytes:
    """Return the report as a workbook: a report sheet (all but the days) and a daily sheet."""
    tables = blocks(report, lang)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = word(lang, "sheet_report")
    for name in (
        "facts",
        "targets",
        "result",
        "exclusions",
        "restatement",
        "unacknowledged",
        "feed_quality",
    ):
        if name != "facts" and tables[name]:
            sheet.append([])
        for i, row in enumerate(tables[name]):
            xlsx_append(sheet, row)
            if i == 0:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (34, 44, 20, 20, 10, 8, 8, 12, 60, 24), strict=True):
        sheet.column_dimensions[column].width = width
    days = book.create_sheet(word(lang, "sheet_daily"))
    for row in tables["daily"]:
        xlsx_append(days, row)
    for cell in days[1]:
        cell.font = Font(bold=True)
    days.column_dimensions["A"].width = 12
    for i in range(2, len(tables["daily"][0]) + 1):
        days.column_dimensions[days.cell(row=1, column=i).column_letter].width = 18
    for each in (sheet, days):
        print_on_page_width(each)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
