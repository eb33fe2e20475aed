"""Read a CSV body (header = field names) into raw records, refusing what it cannot read.

A header that is not one (a JSON body, another delimiter, a data row, a repeated column)
is a 400 naming the problem; a bad row is a rejected record.
"""

import csv
import re
from collections.abc import Collection, Iterator

from app.core.errors import AppError
from ingest.raw import CHARSET_HINT, RawRecord, undecoded

EXAMPLE_HEADER = "e.g. call_id,queue,offered_at"
_VALUE_LIKE = re.compile(r"^[\d+\-.:/ ]+|^(true|false|null)$", re.IGNORECASE)


class _Lines:
    """Feed lines (LF-terminated) to the csv reader, remembering those of the current row."""

    def __init__(self, text: str) -> None:
        self._lines = _lf(text)
        self.taken: list[str] = []
        self.read = 0
        self.row_start = 1  # the body line (1 = the header) the current row starts on

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.read += 1
        if not self.taken:
            self.row_start = self.read
        self.taken.append(line)
        return line

    def row_text(self) -> str:
        """Return the source text of the row just read, and start the next one."""
        text, self.taken = "".join(self.taken).rstrip("\r\n"), []
        return text


def _lf(text: str) -> Iterator[str]:
    """Split at LF only, so that a CR inside a line reaches the reader (which names it)."""
    lines = text.split("\n")
    for line in lines[:-1]:
        yield line + "\n"
    if lines[-1]:
        yield lines[-1]


def read_csv(text: str, fields: Collection[str]) -> list[RawRecord]:
    """Return one raw record per data row; the first line must name the fields."""
    return read_table(text, fields)[1]


def read_table(
    text: str, fields: Collection[str], delimiter: str = ","
) -> tuple[list[str], list[RawRecord]]:
    """Return the header and one raw record per data row, values split at `delimiter`."""
    if text.lstrip()[:1] in ("{", "["):
        raise AppError(
            "body looks like JSON but is sent as text/csv: send it with"
            " Content-Type: application/json (or application/x-ndjson, one record a line)"
        )
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    header = _header(reader, lines, fields, delimiter)
    records: list[RawRecord] = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return header, records
        except csv.Error as exc:
            problem = str(exc).split(" - ")[0]
            if "new-line" in problem:
                problem = "a carriage return (CR) in an unquoted field; quote the field or drop it"
            bad = f"record: {problem}"
            records.append(RawRecord(len(records), None, lines.row_text(), bad, lines.row_start))
            continue
        line = lines.row_text()
        if not any(v.strip() for v in values):
            continue
        error = undecoded(line)
        if error is None and len(values) != len(header):
            error = f"record: row has {len(values)} values but the header names {len(header)}"
        if error:
            records.append(RawRecord(len(records), None, line, error, lines.row_start))
            continue
        row = {name: value for name, value in zip(header, values, strict=True) if value.strip()}
        records.append(RawRecord(len(records), row, line, line=lines.row_start))


def _header(
    reader: Iterator[list[str]], lines: _Lines, fields: Collection[str], delimiter: str
) -> list[str]:
    """Read and check the header row; raise AppError when it is not a usable one."""
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise AppError(f"CSV header row cannot be read: {exc}") from exc
    first = lines.row_text()
    if not header or not any(header):
        raise AppError(
            f"CSV body has no header row: the first line must name the fields, {EXAMPLE_HEADER}"
        )
    if undecoded(first):
        raise AppError(f"CSV header is not valid UTF-8: {CHARSET_HINT}")
    if len(header) == 1:
        for other, name in ((";", "semicolon"), ("\t", "tab"), (",", "comma")):
            if other != delimiter and other in header[0]:
                raise AppError(f"CSV header is {name}-delimited: {_expected(delimiter)}")
    _refuse_repeats(header)
    if fields and any(_VALUE_LIKE.match(name) for name in header if name):
        raise AppError(
            f"CSV has no header row: the first line {first[:120]!r} looks like data;"
            f" the first line must name the fields, {EXAMPLE_HEADER}"
        )
    if fields and not set(header) & set(fields):
        raise AppError(
            f"CSV header {first[:120]!r} names none of the fields of this kind"
            f" ({', '.join(fields)}): the first line must name the fields"
        )
    return header


def _expected(delimiter: str) -> str:
    """Say which delimiter the reader expects, for a header split at another."""
    if delimiter == ",":
        return (
            f"CallPulse reads comma-separated values; export the file with commas, {EXAMPLE_HEADER}"
        )
    return f"values are read as separated by {delimiter!r}; send the file with that delimiter"


def _refuse_repeats(header: list[str]) -> None:
    seen: dict[str, int] = {}
    for column, name in enumerate(header, start=1):
        if name and name in seen:
            raise AppError(
                f"CSV header names {name!r} twice (columns {seen[name]} and {column}):"
                " name each field once"
            )
        seen[name] = column
