"""Read a request body (JSON object or array, NDJSON, CSV) into raw records.

A body that cannot be read at all is a 400; a single bad NDJSON line or CSV row (invalid
JSON, invalid UTF-8, a short row) becomes a rejected record, so it never sinks its batch.
"""

import json
import zlib
from collections.abc import Collection
from typing import Any

import orjson

from app.core.errors import AppError, PayloadTooLarge, UnsupportedMediaType
from ingest.checks import excerpt
from ingest.csv_body import read_csv
from ingest.raw import CHARSET_HINT, RawRecord, undecoded

JSON_TYPES = ("application/json", "")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
CSV_TYPES = ("text/csv", "application/csv")
GB_CHARSETS = ("gb18030", "gbk", "gb2312", "cp936")
UTF8_CHARSETS = ("utf-8", "utf8", "us-ascii", "ascii")


CONTENT_ENCODINGS = ("gzip", "identity")


def inflate(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """Return the body decompressed per its Content-Encoding, refusing more than `max_bytes`.

    The shipper (`callpulse ship`) sends gzip; the bound applies to the inflated size, so
    a small compressed body cannot expand past the limit (a zip bomb).
    """
    coding = (content_encoding or "identity").strip().lower()
    if coding == "identity":
        return body
    if coding != "gzip":
        raise UnsupportedMediaType(
            f"unsupported Content-Encoding {excerpt(coding)!r}: send gzip or none"
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise AppError(f"body: not valid gzip ({exc}); send it again") from None
    if len(inflated) > max_bytes or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"body over {max_bytes} bytes once inflated: split the batch")
    if not inflater.eof:
        raise AppError("body: the gzip stream is cut short; send it again")
    return inflated


def media_type(content_type: str | None) -> str:
    """Return the bare media type of a Content-Type header, lower-cased."""
    return (content_type or "").split(";")[0].strip().lower()


def charset(content_type: str | None) -> str | None:
    """Return the `charset` parameter of a Content-Type header, lower-cased, if any."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def parse_body(
    body: bytes, content_type: str | None, max_records: int, fields: Collection[str] = ()
) -> list[RawRecord]:
    """Split a body into raw records according to its Content-Type.

    `fields` are the record kind's field names, used to check a CSV header.
    """
    kind = media_type(content_type)
    if kind in NDJSON_TYPES:
        records = _ndjson(decode(body, content_type, by_line=True))
    elif kind in CSV_TYPES:
        records = read_csv(decode(body, content_type, by_line=True), fields)
    elif kind in JSON_TYPES or kind.endswith("+json"):
        records = _json(decode(body, content_type, by_line=False))
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


def decode(body: bytes, content_type: str | None, by_line: bool) -> str:
    """Decode a body in its declared charset (UTF-8 unless GB18030/GBK is declared).

    For line formats (`by_line`), bytes that are not UTF-8 are kept as surrogates so that
    only their lines are rejected (see `undecoded`); a body that reads as GB18030
    throughout is refused with a hint instead.
    """
    declared = charset(content_type)
    if declared in GB_CHARSETS:
        try:
            return body.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise AppError(f"body is not {declared.upper()} text: {exc}") from exc
    if declared is not None and declared not in UTF8_CHARSETS:
        raise UnsupportedMediaType(f"charset={declared} is not supported: {CHARSET_HINT}")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"body is not UTF-8 text ({exc})"
        if not by_line:
            raise AppError(f"{problem}: {CHARSET_HINT}") from exc
        if _reads_as_gb18030(body):
            raise AppError(f"{problem}; it reads as GB18030/GBK: {CHARSET_HINT}") from exc
    return body.decode("utf-8-sig", errors="surrogateescape")


def _reads_as_gb18030(body: bytes) -> bool:
    """Tell whether a non-UTF-8 body is GB18030 text: it decodes, and no line is UTF-8."""
    try:
        body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    for line in body.splitlines():
        if not line.isascii():
            try:
                line.decode("utf-8")
                return False
            except UnicodeDecodeError:
                continue
    return True


def _json(text: str) -> list[RawRecord]:
    if not text.strip():
        raise AppError("empty body: send a JSON object or an array of objects")
    try:
        value = _loads(text)
    except ValueError as exc:
        raise AppError(f"body is not valid JSON: {exc}") from exc
    items = value if isinstance(value, list) else [value]
    return [RawRecord(i, item) for i, item in enumerate(items)]


def _loads(text: str) -> Any:
    """Parse JSON; an unpaired surrogate escape (`"\\ud800"`) is read, to be refused per record."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "surrogate" not in str(exc):
            raise
        return json.loads(text)


def _ndjson(text: str) -> list[RawRecord]:
    """Read one JSON value per line; lines end at LF only (CR LF too), never inside a string."""
    records: list[RawRecord] = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        error = undecoded(line)
        if error is None:
            try:
                records.append(RawRecord(len(records), _loads(line), line, line=number))
                continue
            except ValueError as exc:
                error = f"record: not valid JSON: {exc}"
        records.append(RawRecord(len(records), None, line, error, number))
    return records
