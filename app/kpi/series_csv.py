"""A KPI series as CSV, streamed: the header, then one line per row as the row is computed.

`cell` renders one value; it is the one place to change how a cell reads (empty for no data).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any


def cell(value: Any) -> Any:
    """Render one value as a CSV cell: no data (None) is an empty cell, numbers as written."""
    return "" if value is None else value


def csv_lines(fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Yield the header and then each row as one CSV line (a field a row lacks is empty)."""
    line = io.StringIO()
    writer = csv.writer(line)
    writer.writerow(fields)
    yield line.getvalue()
    for row in rows:
        line.seek(0)
        line.truncate()
        writer.writerow([cell(row.get(name)) for name in fields])
        yield line.getvalue()


def chunks(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Join lines into UTF-8 chunks of about `size` bytes: fewer, larger writes to the socket."""
    pending: list[str] = []
    length = 0
    for text in lines:
        pending.append(text)
        length += len(text)
        if length >= size:
            yield "".join(pending).encode()
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode()
