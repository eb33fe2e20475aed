"""Rejected records as a terminal table: one line each, newest first, long text shortened."""

from datetime import datetime
from typing import Any

HEADER = ["RECEIVED", "TIMEZONE", "VENDOR", "CLIENT", "FEED", "KIND", "INDEX", "ID", "ERRORS"]
ERRORS_WIDTH = 70
KEY_WIDTH = 24


def shorten(text: str, width: int) -> str:
    """Return `text` on one line, cut to `width` characters with `…` when longer."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Return the cells of `HEADER` for each rejection as `GET /v1/rejected` answers it."""
    return [
        [
            f"{datetime.fromisoformat(row['received_at']):%Y-%m-%d %H:%M:%S}",
            row["timezone"],
            row["vendor"] or "-",
            row["client"] or "-",
            row["feed"] or "-",
            row["kind"],
            str(row["record_index"]),
            shorten(row["record_key"] or "-", KEY_WIDTH),
            shorten("; ".join(row["errors"]), ERRORS_WIDTH),
        ]
        for row in rows
    ]
