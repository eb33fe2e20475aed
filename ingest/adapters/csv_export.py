"""A vendor's own CSV export, read through the feed's column mapping (DESIGN §13).

The feed's `csv:` block names, for each CallPulse field, the export's column holding it
(`columns: {call_id: ContactId, …}`), the delimiter (any one character; `tab` for a tab),
the encoding (UTF-8 with or without BOM, GB18030/GBK; a `charset` on the request wins), how
times are written (`iso`: ISO 8601; `epoch` / `epoch_ms`: seconds or milliseconds since
1970 UTC; else a strftime format, read in the feed's `timezone` unless it holds `%z`) and the
CSAT scale: 5 (scores 1–5, stored as 0–100 as on `/v1/calls`), 10 (scores 0–10, stored ×10:
the lowest score is 0 and the highest 100, as for the 5-point scale) or 100. Rows are `calls`
(or `tickets` with `kind: tickets`); columns not mapped are not read. `index` is the row's
line in the file, the header being line 1. A mapped column missing from the header is a 400
naming it, since no row could be read right.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.core.errors import AppError, UnsupportedMediaType
from ingest.adapters.base import FeedConfig, Item, SourceRejected
from ingest.adapters.source_times import from_epoch
from ingest.body import CSV_TYPES, charset, decode, media_type
from ingest.checks import excerpt
from ingest.csv_body import read_table
from ingest.kinds import KINDS
from ingest.raw import RawRecord

ROW_KINDS = ("calls", "tickets")
SET_BY_THE_FEED = ("csat_scale",)  # the `csat_scale:` option says it for the whole export
FIELDS = {
    kind: tuple(name for name in KINDS[kind].schema.model_fields if name not in SET_BY_THE_FEED)
    for kind in ROW_KINDS
}
REQUIRED = {
    kind: tuple(n for n, f in KINDS[kind].schema.model_fields.items() if f.is_required())
    for kind in ROW_KINDS
}
TIMES = frozenset(time for kind in ROW_KINDS for time in KINDS[kind].timestamps)
SECONDS = frozenset({"talk_s", "hold_s", "acw_s"})
FLAGS = {
    **dict.fromkeys(("true", "t", "yes", "y", "1", "是"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0", "否"), False),
}
EPOCH_FORMATS = {"epoch": "s", "epoch_ms": "ms"}
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


class CsvOptions(BaseModel):
    """The `csv:` block of a feed: what the export's columns hold and how it is written."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["calls", "tickets"] = Field("calls", description="What a row is.")
    columns: dict[str, str] = Field(
        description="CallPulse field → the export's column header, e.g. {call_id: ContactId}."
    )
    delimiter: str = Field(",", description="One character, or tab, comma, semicolon, pipe.")
    encoding: Literal["utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312"] = "utf-8"
    time_format: str = Field(
        "iso", description="iso, epoch, epoch_ms or a strftime format like %Y-%m-%d %H:%M:%S."
    )
    csat_scale: Literal[5, 10, 100] = Field(100, description="Scores 1–5, 0–10 or 0–100.")

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        value = DELIMITER_NAMES.get(value.lower(), value)
        if len(value) != 1 or value in ('"', "\r", "\n"):
            raise ValueError("use one character (not a quote or line break), or tab")
        return value

    @field_validator("time_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in ("iso", *EPOCH_FORMATS) and "%" not in value:
            raise ValueError("use iso, epoch, epoch_ms or a strftime format (with % codes)")
        return value

    @field_validator("columns")
    @classmethod
    def _mapped_fields(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        kind = info.data.get("kind", "calls")
        unknown = sorted(set(value) - set(FIELDS[kind]))
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a field of {kind}; map any of {', '.join(FIELDS[kind])}"
            )
        missing = [name for name in REQUIRED[kind] if not value.get(name, "").strip()]
        if missing:
            raise ValueError(f"{', '.join(missing)}: required for {kind}; name its column")
        return {name: column.strip() for name, column in value.items()}


def _moment(text: str, name: str, options: CsvOptions, feed: FeedConfig) -> datetime:
    """Return the moment a cell writes, in the feed's time format."""
    if options.time_format in EPOCH_FORMATS:
        return from_epoch(text, name, EPOCH_FORMATS[options.time_format])
    try:
        if options.time_format == "iso":
            moment = datetime.fromisoformat(text)
        else:
            moment = datetime.strptime(text, options.time_format)
    except ValueError:
        raise SourceRejected(
            f"{name}: {excerpt(repr(text))} does not match time_format {options.time_format!r}"
        ) from None
    return feed.moment(moment, name)


def _seconds(text: str, name: str) -> float:
    """Return a duration written as seconds or as H:MM:SS."""
    try:
        if ":" in text:
            total = 0.0
            for part in text.split(":"):
                total = total * 60 + float(part)
            return total
        return float(text)
    except ValueError:
        raise SourceRejected(
            f"{name}: {excerpt(repr(text))} is not a duration (seconds, or H:MM:SS)"
        ) from None


def _csat(text: str, options: CsvOptions) -> dict[str, Any]:
    """Return the CSAT fields of a score on the feed's scale (10 is stored ×10)."""
    try:
        score = float(text)
    except ValueError:
        raise SourceRejected(f"csat: {excerpt(repr(text))} is not a number") from None
    if options.csat_scale == 5:
        return {"csat": score, "csat_scale": 5}
    if options.csat_scale == 10:
        if not 0 <= score <= 10:
            raise SourceRejected(f"csat: {score:g} is outside the 0–10 scale of csat_scale 10")
        return {"csat": score * 10}
    return {"csat": score}


def _cell(name: str, text: str, options: CsvOptions, feed: FeedConfig) -> dict[str, Any]:
    """Return the record fields one mapped cell gives."""
    if name == "queue":
        return {name: feed.queue(text)}
    if name in TIMES:
        return {name: _moment(text, name, options, feed)}
    if name in SECONDS:
        return {name: _seconds(text, name)}
    if name == "csat":
        return _csat(text, options)
    if name in ("transferred", "resolved"):
        if text.lower() not in FLAGS:
            raise SourceRejected(f"{name}: {excerpt(repr(text))} is not true/false (1/0, yes/no)")
        return {name: FLAGS[text.lower()]}
    return {name: text}


def _record(row: Mapping[str, str], options: CsvOptions, feed: FeedConfig) -> dict[str, Any]:
    """Return the record of a row, or one rejection listing every cell that cannot be read."""
    record: dict[str, Any] = {}
    errors: list[str] = []
    for name, column in options.columns.items():
        text = row.get(column, "").strip()
        try:
            if text:
                record |= _cell(name, text, options, feed)
            elif name in REQUIRED[options.kind]:
                raise SourceRejected(f"{name}: required, but the cell is empty")
        except SourceRejected as rejected:
            errors += [f"{error} (column {column!r})" for error in rejected.errors]
    if errors:
        raise SourceRejected(*errors)
    return record


def _options(feed: FeedConfig) -> CsvOptions:
    if not isinstance(feed.options, CsvOptions):
        raise AppError(f"feed {feed.name!r} has no `csv:` block naming the export's columns")
    return feed.options


def _rows(body: bytes, content_type: str | None, options: CsvOptions) -> list[RawRecord]:
    """Decode and split the body; a mapped column missing from the header is a 400."""
    if media_type(content_type) not in (*CSV_TYPES, "text/plain", ""):
        raise UnsupportedMediaType("the csv format reads text/csv")
    encoding = charset(content_type) or options.encoding.removesuffix("-sig")
    text = decode(body, f"text/csv; charset={encoding}", by_line=True)
    header, rows = read_table(text, set(options.columns.values()), options.delimiter)
    missing = [
        f"{column!r} (mapped to {name})"
        for name, column in options.columns.items()
        if column not in header
    ]
    if missing:
        raise AppError(
            f"CSV header has no column {', '.join(missing)}; it names"
            f" {', '.join(repr(name) for name in header)}: fix the feed's `csv.columns`"
        )
    return rows


class CsvExport:
    """The `csv` format: a vendor's export read through the feed's column mapping."""

    name = "csv"
    Options = CsvOptions
    media_types = ("text/csv",)
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse an export into one item per row, indexed by the row's line."""
        options = _options(feed)
        items = []
        for raw in _rows(body, content_type, options):
            index, source = raw.line or raw.index + 2, raw.text
            if raw.error:
                items.append(Item.rejected(options.kind, index, source, raw.error))
                continue
            try:
                items.append(Item(options.kind, index, source, _record(raw.value, options, feed)))
            except SourceRejected as rejected:
                items.append(Item.rejected(options.kind, index, source, *rejected.errors))
        return items


ADAPTER = CsvExport()
