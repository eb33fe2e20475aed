"""Read a request body (JSON object or array, NDJSON, CSV) into raw records.

A body that cannot be read at all is a 400; a single bad NDJSON line or CSV row
becomes a rejected record, so it never sinks its batch.
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

import orjson

from app.core.errors import AppError, PayloadTooLarge, UnsupportedMediaType

JSON_TYPES = ("application/json", "")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
CSV_TYPES = ("text/csv", "application/csv")


@dataclass(frozen=True)
class RawRecord:
    """One record as received: its position, parsed value, original text, parse error."""

    index: int
    value: Any
    source: str | None = None
    error: str | None = None
    line: int | None = None  # where the record starts in an NDJSON or CSV body (1 = first)

    @property
    def text(self) -> str:
        """Return the record as received (JSON items are re-serialised only when needed)."""
        return self.source if self.source is not None else orjson.dumps(self.value).decode()

    @property
    def canonical(self) -> str:
        """Return the record in one form whatever the body format (key order aside)."""
        if self.value is None:
            return self.text
        return orjson.dumps(self.value, option=orjson.OPT_SORT_KEYS).decode()


def media_type(content_type: str | None) -> str:
    """Return the bare media type of a Content-Type header, lower-cased."""
    return (content_type or "").split(";")[0].strip().lower()


def parse_body(body: bytes, content_type: str | None, max_records: int) -> list[RawRecord]:
    """Split a body into raw records according to its Content-Type."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AppError(f"body is not UTF-8 text: {exc}") from exc
    if kind in NDJSON_TYPES:
        records = _ndjson(text)
    elif kind in CSV_TYPES:
        records = _csv(text)
    elif kind in JSON_TYPES or kind.endswith("+json"):
        records = _json(text)
    else:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {kind!r}: send application/json,"
            " application/x-ndjson or text/csv"
        )
    if len(records) > max_records:
        raise PayloadTooLarge(
            f"{len(records)} records in one request; the limit is {max_records}: split the batch"
        )
    return records


def _json(text: str) -> list[RawRecord]:
    if not text.strip():
        raise AppError("empty body: send a JSON object or an array of objects")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise AppError(f"body is not valid JSON: {exc}") from exc
    items = value if isinstance(value, list) else [value]
    return [RawRecord(i, item) for i, item in enumerate(items)]


def _ndjson(text: str) -> list[RawRecord]:
    records: list[RawRecord] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(RawRecord(len(records), orjson.loads(line), line, line=number))
        except orjson.JSONDecodeError as exc:
            error = f"record: not valid JSON: {exc}"
            records.append(RawRecord(len(records), None, line, error, number))
    return records


def _csv(text: str) -> list[RawRecord]:
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    if not header or not any(header):
        raise AppError("CSV body has no header row: the first line must name the fields")
    records: list[RawRecord] = []
    next_line = reader.line_num + 1
    for values in reader:
        number, next_line = next_line, reader.line_num + 1  # a quoted field may span lines
        if not any(v.strip() for v in values):
            continue
        line = _csv_line(values)
        if len(values) != len(header):
            error = f"record: row has {len(values)} values but the header names {len(header)}"
            records.append(RawRecord(len(records), None, line, error, number))
            continue
        row = {name: value for name, value in zip(header, values, strict=True) if value.strip()}
        records.append(RawRecord(len(records), row, line, line=number))
    return records


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().rstrip("\r\n")
