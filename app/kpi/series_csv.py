"""A KPI series as CSV, streamed: the header, then one line per row as the row is computed.

Every cell goes through `app.core.cells` (the one place exports render values): text made
inert (an agent code `=HYPERLINK(…)` reaches the client as text), no data (None) an empty
cell, numbers as written. The stream starts with the UTF-8 BOM, so Excel reads Chinese.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from app.core.cells import BOM, csv_value


def csv_lines(fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Yield the BOM and header, then each row as one CSV line (a field a row lacks is empty)."""
    line = io.StringIO()
    writer = csv.writer(line)
    writer.writerow([csv_value(name) for name in fields])
    yield BOM + line.getvalue()
    for row in rows:
        line.seek(0)
        line.truncate()
        writer.writerow([csv_value(row.get(name)) for name in fields])
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
