"""The SLA report as CSV and Excel: the same numbers as the JSON, laid out in tables.

Both are built from one list of blocks (`blocks`), so they cannot disagree: the contract and
period, the compliance table, the score with its coefficient and every term of the amount,
the alerts never acknowledged, and the daily values. Numbers stay numbers (ratios are
fractions 0–1, as in the JSON).
"""

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

Block = list[list[Any]]
TARGET_COLUMNS = (
    "kpi",
    "unit",
    "target_min",
    "target_max",
    "actual",
    "met",
    "weight",
    "points",
    "penalty",
    "formula",
)
UNACKNOWLEDGED_COLUMNS = ("queue", "rule", "opened_at", "resolved_at", "unacknowledged_s")
AMOUNT_TERMS = (
    *("model", "quantity", "unit", "basis", "unit_price", "coefficient", "bonus", "penalty"),
    *("total", "currency", "formula", "line"),
)


def blocks(report: dict[str, Any]) -> dict[str, Block]:
    """Return the report's tables by name; each starts with its header row."""
    period = report["period"]
    info = [
        ["field", "value"],
        ["client", report["client"]],
        ["client_name", report["client_name"]],
        ["contract", report["contract"]],
        ["vendor", report["vendor"]],
        ["queues", " ".join(report["queues"])],
        ["period", period["label"]],
        ["start", period["start"]],
        ["end", period["end"]],
        ["timezone", report["timezone"]],
    ]
    for queue, sl in report["sl_formulas"].items():
        info.append(
            [f"sl_formula.{queue}", f"{sl['formula']} ({sl['name']}), T = {sl['threshold_s']} s"]
        )
    targets = [list(TARGET_COLUMNS)] + [
        [
            t["kpi"],
            t["unit"],
            t["target"]["min"],
            t["target"]["max"],
            t["actual"],
            t["met"],
            t["weight"],
            t["points"],
            t["penalty"],
            t["formula"],
        ]
        for t in report["targets"]
    ]
    band = report["band"] or {}
    result = [
        ["field", "value"],
        ["score", report["score"]],
        ["band_min_score", band.get("min_score")],
        ["coefficient", report["coefficient"]],
        *([f"amount.{term}", report["amount"][term]] for term in AMOUNT_TERMS),
        *([f"alerts.{name}", value] for name, value in report["alerts"].items()),
    ]
    missed = [list(UNACKNOWLEDGED_COLUMNS)] + [
        [alert[name] for name in UNACKNOWLEDGED_COLUMNS]
        for alert in report["unacknowledged_alerts"]
    ]
    keys = [t["kpi"] for t in report["targets"]]
    daily = [["date", *keys]] + [[day["date"], *(day[k] for k in keys)] for day in report["daily"]]
    return {
        "info": info,
        "targets": targets,
        "result": result,
        "unacknowledged_alerts": missed,
        "daily": daily,
    }


def to_csv(report: dict[str, Any]) -> bytes:
    """Return the report as one CSV: its tables one after another, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out)
    for i, block in enumerate(blocks(report).values()):
        if i:
            writer.writerow([])
        writer.writerows(block)
    return out.getvalue().encode()


def to_xlsx(report: dict[str, Any]) -> bytes:
    """Return the report as a workbook: sheet "SLA" (all but the days) and sheet "Daily"."""
    tables = blocks(report)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "SLA"
    for name in ("info", "targets", "result", "unacknowledged_alerts"):
        if sheet.max_row > 1:
            sheet.append([])
        first = sheet.max_row + 1 if sheet.max_row > 1 else 1
        for row in tables[name]:
            sheet.append(row)
        for cell in sheet[first]:
            cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (26, 14, 12, 12, 14, 8, 8, 8, 10, 60), strict=True):
        sheet.column_dimensions[column].width = width
    daily = book.create_sheet("Daily")
    for row in tables["daily"]:
        daily.append(row)
    for cell in daily[1]:
        cell.font = Font(bold=True)
    daily.column_dimensions["A"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
