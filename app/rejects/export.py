"""Rejected records as CSV: bilingual headers (English / 简体中文), one line per rejection.

Cells go through `app.core.cells` like every export: a payload or error starting with `=`
is made inert, the stream starts with the UTF-8 BOM so Excel reads Chinese. Errors are
joined with ` | ` in one cell; times are as in the JSON, with the timezone beside them.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from app.core.cells import BOM, csv_line

COLUMNS = (
    ("id", "ID", "编号"),
    ("received_at", "Received at", "接收时间"),
    ("timezone", "Timezone", "时区"),
    ("vendor", "Vendor", "供应商"),
    ("client", "Client", "客户"),
    ("feed", "Feed", "数据源"),
    ("kind", "Record kind", "记录类型"),
    (
        "record_index",
        "Index (batch from 0; feed line from 1)",
        "序号（批内从0起；数据源行号从1起）",
    ),
    ("record_key", "Record id", "记录编号"),
    ("errors", "Errors", "错误"),
    ("payload", "Record as received", "原始记录"),
)
ERROR_SEPARATOR = " | "


def header() -> list[str]:
    """Return the header cells: `English / 中文` per column."""
    return [f"{english} / {chinese}" for _, english, chinese in COLUMNS]


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the BOM and header, then one CSV line per rejection as it is read."""
    yield BOM + csv_line(header())
    for row in rows:
        cells = {**row, "errors": ERROR_SEPARATOR.join(row["errors"])}
        yield csv_line(cells[name] for name, _, _ in COLUMNS)
