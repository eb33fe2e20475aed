"""The `asterisk-queue-log` feed: Asterisk's queue_log, as a file or as an exported table.

Two layouts, told apart by the first line:
- the stock file, `time|callid|queue|agent|event|data1|data2|…` (no header), as Asterisk
  writes /var/log/asterisk/queue_log;
- a realtime `queue_log` table exported as CSV (`,`, `;` or tab) with a header naming the
  columns: Asterisk's `time, callid, queuename, agent, event, data1..data5` (or one `data`
  column holding `a|b|c`), Wazo's the same, PBXware's `uid, date_time, callid, queue_name,
  type, event, param1..param3, …` (`date_time` is the epoch, `type` the member).
Times are epoch seconds (UTC), timestamps with an offset (PostgreSQL's `…+00`, `…+0800`),
or naive local timestamps read in the feed's `timezone` (without one, a named rejection).
What each event becomes is `ingest.adapters.queue_log_events`.
"""

import csv
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from ingest.adapters.base import FeedConfig, Item, NoOptions, SourceRejected
from ingest.adapters.queue_log_events import QueueLogLine, items_of
from ingest.adapters.source_times import from_epoch

EPOCH = re.compile(r"(\d+)(?:\.(\d{1,9}))?")
SHORT_OFFSET = re.compile(r"([+-]\d\d)$")
STOCK_FIELDS = 5
DELIMITERS = (",", ";", "\t")
COLUMN_NAMES = {
    "time": ("date_time", "time"),  # PBXware: date_time is the epoch, time the local text
    "callid": ("callid",),
    "queue": ("queuename", "queue_name", "queue"),
    "agent": ("agent", "type"),  # PBXware calls the member column `type`
    "event": ("event",),
}
DATA_COLUMNS = (tuple(f"data{n}" for n in range(1, 6)), tuple(f"param{n}" for n in range(1, 4)))

Splitter = Callable[[str], QueueLogLine]


def parse_time(text: str, feed: FeedConfig) -> datetime:
    """Return the moment of a queue_log time: epoch seconds, or a timestamp (naive: local)."""
    text = text.strip()
    if EPOCH.fullmatch(text):
        return from_epoch(text, "time")
    try:  # PostgreSQL writes offsets as +08 or +0800; fromisoformat wants +08:00
        value = datetime.fromisoformat(SHORT_OFFSET.sub(r"\1:00", text))
    except ValueError:
        raise SourceRejected(
            f"time: {text!r} is neither epoch seconds nor a timestamp like"
            " 2026-11-22 09:30:00[.ffffff][+08:00]"
        ) from None
    return feed.moment(value, "time")


def _stock_splitter(feed: FeedConfig) -> Splitter:
    def split(text: str) -> QueueLogLine:
        fields = text.split("|")
        if len(fields) < STOCK_FIELDS:
            raise SourceRejected(
                f"line: {len(fields)} field(s); a queue_log line has at least"
                f" {STOCK_FIELDS}: time|callid|queue|agent|event|data…"
            )
        time, callid, queue, agent, event, *data = (field.strip() for field in fields)
        return QueueLogLine(
            parse_time(time, feed), callid, queue, agent, event.upper(), tuple(data)
        )

    return split


def _header(text: str) -> tuple[str, list[str]] | None:
    """Return the delimiter and column names of a table export's header, or None."""
    for delimiter in DELIMITERS:
        names = [name.strip().lower() for name in next(csv.reader([text], delimiter=delimiter))]
        if "event" in names:
            return delimiter, names
    return None


def _table_splitter(feed: FeedConfig, delimiter: str, names: Sequence[str]) -> Splitter:
    found = {
        key: next((names.index(n) for n in options if n in names), None)
        for key, options in COLUMN_NAMES.items()
    }
    missing = [COLUMN_NAMES[key][-1] for key, position in found.items() if position is None]
    data = next(
        (
            [names.index(n) for n in cols if n in names]
            for cols in DATA_COLUMNS
            if any(n in names for n in cols)
        ),
        [],
    )
    packed = names.index("data") if not data and "data" in names else None

    def split(text: str) -> QueueLogLine:
        if missing:
            raise SourceRejected(f"header: no column {', '.join(missing)} in the table's header")
        cells = next(csv.reader([text], delimiter=delimiter))
        if len(cells) != len(names):
            raise SourceRejected(f"line: {len(cells)} cell(s); the header names {len(names)}")
        field = {
            key: cells[position].strip() for key, position in found.items() if position is not None
        }
        # Asterisk keeps what does not fit in data1..data5 in the last column, `|`-joined
        values = "|".join(cells[p] for p in data) if packed is None else cells[packed]
        return QueueLogLine(
            parse_time(field["time"], feed),
            field["callid"],
            field["queue"],
            field["agent"],
            field["event"].upper(),
            tuple(v.strip() for v in values.split("|")),
        )

    return split


class AsteriskQueueLog:
    """The `asterisk-queue-log` format: queue_log lines → call events and agent states."""

    name = "asterisk-queue-log"
    Options = NoOptions
    media_types = ("text/plain", "text/csv")
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse a whole log; `index` is the 1-based line (a header is line 1)."""
        items: list[Item] = []
        split: Splitter | None = None
        for index, raw in enumerate(body.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
            try:
                text = raw.decode().rstrip("\r")
            except UnicodeDecodeError:
                source = raw.decode(errors="replace")
                items.append(Item.rejected("call-events", index, source, "line: not UTF-8 text"))
                continue
            if not text.strip():
                continue
            if split is None:
                header = _header(text)
                if header is not None:
                    split = _table_splitter(feed, *header)
                    continue
                split = _stock_splitter(feed)
            try:
                line = split(text)
            except SourceRejected as rejected:
                items.append(Item.rejected("call-events", index, text, *rejected.errors))
                continue
            items.extend(items_of(line, index, text, feed))
        return items


ADAPTER = AsteriskQueueLog()
