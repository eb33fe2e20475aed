"""Cells of every CSV and Excel export, inert and typed: the one place exports render values.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a CR is a formula to a spreadsheet
(OWASP "CSV injection"): a vendor's agent code `=HYPERLINK(…)` would reach the client live.
In CSV such text gets a leading `'`; in Excel it is stored as a string with Excel's quote
prefix, so it shows as typed and never runs. Numbers stay numbers (−5 is a number, not text).

Excel cells carry their type and format: ratios as fractions with a percent format,
durations as Excel times (a fraction of a day, so they sum and average) shown `[mm]:ss`,
dates as dates, money as numbers in the currency's format. CSV is UTF-8 with a BOM (so
Excel reads Chinese), ratios fractions and durations seconds as in the JSON.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl.cell import Cell as SheetCell
from openpyxl.worksheet.worksheet import Worksheet

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CURRENCY_FORMATS = {
    "CNY": '"¥"#,##0.00;-"¥"#,##0.00',
    "USD": '"$"#,##0.00;-"$"#,##0.00',
    "EUR": '"€"#,##0.00;-"€"#,##0.00',
}
FORMATS = {
    "ratio": "0.00%",
    "duration": "[mm]:ss",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "number": "General",
    "decimal": "0.00",
}


@dataclass(frozen=True)
class Cell:
    """A value with its kind: ratio, duration (seconds), date, datetime, money, decimal (two
    places shown) or number."""

    value: Any
    kind: str = "number"
    currency: str = ""


def local_time(moment: str) -> Cell:
    """Return an ISO time with offset as a date-time cell, in the wall time it was sent in."""
    return Cell(datetime.fromisoformat(moment).replace(tzinfo=None), "datetime")


def inert(text: str) -> str:
    """Return text a spreadsheet will not run: a formula start gets a leading `'`."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_value(value: Any) -> str:
    """Render one value for CSV: text made inert, numbers as numbers, None empty."""
    if isinstance(value, Cell):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return inert(str(value))


def csv_line(values: Iterable[Any]) -> str:
    """Render one CSV row (with its line end), every value through `csv_value`."""
    out = io.StringIO()
    csv.writer(out).writerow([csv_value(v) for v in values])
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Render rows as CSV in UTF-8 with a BOM."""
    return (BOM + "".join(csv_line(row) for row in rows)).encode()


def xlsx_append(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row to a sheet: text inert, each `Cell` typed and formatted by its kind."""
    sheet.append([_sheet_cell(sheet, value) for value in values])


def _sheet_cell(sheet: Worksheet, value: Any) -> SheetCell:
    kind, currency = "number", ""
    if isinstance(value, Cell):
        value, kind, currency = value.value, value.kind, value.currency
    if isinstance(value, str):
        cell = SheetCell(sheet)
        cell.value = value
        cell.data_type = "s"  # never "f": text is text, whatever it starts with
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
        return cell
    if value is None:
        return SheetCell(sheet)
    if kind == "duration":
        value = timedelta(seconds=value)
    cell = SheetCell(sheet, value=value)
    if kind == "money":
        cell.number_format = CURRENCY_FORMATS.get(currency, f'#,##0.00 "{currency}"')
    elif not isinstance(value, bool):
        cell.number_format = FORMATS[kind]
    return cell


def print_on_page_width(sheet: Worksheet) -> None:
    """Print landscape, every column on the page's width (as many pages down as needed)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
