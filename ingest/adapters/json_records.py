"""Split a JSON feed body into source records: one object, an array, or a stream of values.

Cloud contact centers hand their records over in several JSON shapes: a webhook posts one
object, an API answer or a saved export is an array, and Kinesis Data Firehose writes records
back to back into S3 files, with a newline between them (NDJSON) or without one. Every JSON
feed format reads its body here, so all of these give the same records, and a value that is
not JSON sinks only itself: reading resumes at the next line that starts a value. The
readers of fields (`field`, `moment`) name the dotted path of what is wrong.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ingest.adapters.base import FeedConfig, SourceRejected
from ingest.raw import undecoded

T = TypeVar("T")
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\r\n]*")
# Where reading resumes after a value that does not parse: a line starting a value at column 0
# (an NDJSON or Firehose line, or a pretty-printed top-level value).
_NEXT_VALUE = re.compile(r"\n(?=[{\[])")


@dataclass(frozen=True)
class SourceRecord:
    """One JSON value of a body, or the text that failed to parse, with its 1-based index.

    `index` is the element number in an array, the line a value starts on in a stream of
    values (NDJSON), or its ordinal when several values share a line (Firehose without
    newlines); `text` is the value as sent.
    """

    index: int
    text: str
    value: Any = None
    error: str | None = None


def read_json_records(body: bytes) -> list[SourceRecord]:
    """Return the records of a JSON body: array elements, or the values of a stream."""
    text = body.decode("utf-8-sig", errors="surrogateescape")
    start = _skip(text, 0)
    if start < len(text) and text[start] == "[":
        return _array(text, start)
    return _stream(text, start)


def _array(text: str, start: int) -> list[SourceRecord]:
    """Read the elements of a top-level array; a broken element ends the reading."""
    records: list[SourceRecord] = []
    position = _skip(text, start + 1)
    if text.startswith("]", position):
        return _trailing(text, _skip(text, position + 1), records)
    while position < len(text):
        index = len(records) + 1
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            rest = text[position:].rstrip()
            message = f"{_problem(exc)}; the rest of the array (from this element) was not read"
            return [*records, SourceRecord(index, rest, error=message)]
        records.append(_record(index, text[position:end], value))
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif text.startswith("]", position):
            return _trailing(text, _skip(text, position + 1), records)
        else:
            rest = text[position:].rstrip()
            error = "record: not valid JSON: expected ',' or ']' after this array element"
            return [*records, SourceRecord(index + 1, rest, error=error)]
    error = "record: not valid JSON: the array is not closed with ']'"
    return [*records, SourceRecord(len(records) + 1, "", error=error)]


def _trailing(text: str, position: int, records: list[SourceRecord]) -> list[SourceRecord]:
    if position >= len(text):
        return records
    error = "record: not valid JSON: text after the closing ']' of the array"
    return [*records, SourceRecord(len(records) + 1, text[position:].rstrip(), error=error)]


def _stream(text: str, position: int) -> list[SourceRecord]:
    """Read values one after another (NDJSON, or Firehose's back-to-back objects)."""
    found: list[tuple[int, str, Any, str | None]] = []  # (line, text, value, error)
    while position < len(text):
        line = text.count("\n", 0, position) + 1
        try:
            value, end = _DECODER.raw_decode(text, position)
            found.append((line, text[position:end], value, None))
        except json.JSONDecodeError as exc:
            resume = _NEXT_VALUE.search(text, position)
            end = resume.start() if resume else len(text)
            source = text[position:end].rstrip()
            found.append((line, source, None, _local_problem(text, position, source, exc)))
        position = _skip(text, end)
    lines = [line for line, *_ in found]
    by_line = len(set(lines)) == len(lines)
    return [
        SourceRecord(line if by_line else ordinal, source, value, error)
        if error
        else _record(line if by_line else ordinal, source, value)
        for ordinal, (line, source, value, error) in enumerate(found, 1)
    ]


def _record(index: int, source: str, value: Any) -> SourceRecord:
    """Keep a parsed value, unless its text held bytes that were not UTF-8."""
    error = undecoded(source)
    return SourceRecord(index, source, None if error else value, error)


def _local_problem(text: str, position: int, source: str, in_context: json.JSONDecodeError) -> str:
    """Tell what is wrong with a value within its own text, placed in the whole body.

    Read alone, so that an unclosed value is reported where it is, not where the
    next line's value broke it.
    """
    try:
        json.loads(source)
    except json.JSONDecodeError as exc:
        line = text.count("\n", 0, position) + exc.lineno
        column = exc.colno + (
            position - text.rfind("\n", 0, position) - 1 if exc.lineno == 1 else 0
        )
        return f"record: not valid JSON: {exc.msg} (line {line}, column {column})"
    return _problem(in_context)


def _problem(exc: json.JSONDecodeError) -> str:
    return f"record: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def field(record: Any, path: str) -> Any:
    """Return the value at a dotted path (`Agent.Username`, `participants.0.purpose`).

    None when a step is absent or null; a number steps into an array.
    """
    value = record
    walked: list[str] = []
    for key in path.split("."):
        if value is None:
            return None
        if isinstance(value, list) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            where = ".".join(walked) or "record"
            raise SourceRejected(f"{where}: expected a JSON object, got {json_kind(value)}")
        walked.append(key)
    return value


def array(record: Any, path: str) -> list[Any]:
    """Return an array field, empty when absent or null."""
    value = field(record, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceRejected(f"{path}: expected an array, got {json_kind(value)}")
    return value


def text_field(record: Any, path: str) -> str | None:
    """Return a text field (numbers are read as text, e.g. an id), or None when absent."""
    value = field(record, path)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise SourceRejected(f"{path}: expected text, got {json_kind(value)}")


def moment(record: Any, path: str, feed: FeedConfig) -> datetime | None:
    """Return an ISO 8601 timestamp field as an aware moment, or None when absent."""
    value = field(record, path)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SourceRejected(f"{path}: expected an ISO 8601 timestamp, got {json_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SourceRejected(
            f"{path}: not an ISO 8601 timestamp: {value[:40]!r} (e.g. 2026-11-20T01:02:03Z)"
        ) from None
    return feed.moment(parsed, path)


def required(value: T | None, path: str) -> T:
    """Return a field's value, or reject the record for lacking it."""
    if value is None:
        raise SourceRejected(f"{path}: required")
    return value


def known(value: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the source does not say, so an absent value never reads as null."""
    return {key: item for key, item in value.items() if item is not None}


def json_kind(value: Any) -> str:
    """Name a JSON value's type for a message, e.g. `an array`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "an array" if isinstance(value, list) else "an object"
