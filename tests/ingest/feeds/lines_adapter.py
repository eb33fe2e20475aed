"""A test-only feed format, `test-lines`: `EVENT|call_id|queue|time[|time]` per line.

`offered`/`answered`/`ended` make one call event; `both` makes two (offered at the first
time, answered at the second), so one source line makes several CallPulse records; `login`
(`login|agent|queue|time`) makes an agent event. Times are ISO 8601, naive or with an offset.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingest.adapters.base import FeedConfig, Item, ItemKind, SourceRejected


class LinesOptions(BaseModel):
    """The separator between fields (one character)."""

    model_config = ConfigDict(extra="forbid")

    separator: str = Field(default="|", min_length=1, max_length=1)


def _moment(text: str, feed: FeedConfig, field_name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SourceRejected(f"{field_name}: {text!r} is not an ISO 8601 time") from None
    return feed.moment(value, field_name)


def _event(call_id: str, queue: str, event: str, at: datetime) -> dict[str, Any]:
    return {"call_id": call_id, "queue": queue, "event": event, "at": at}


def _items(index: int, line: str, feed: FeedConfig) -> list[Item]:
    options = feed.options
    assert isinstance(options, LinesOptions)
    event, subject, source_queue, *times = line.split(options.separator)
    kind: ItemKind = "agent-events" if event == "login" else "call-events"
    try:
        queue = feed.queue(source_queue)
        if event == "login":
            at = _moment(times[0], feed, "at")
            value = {"agent": subject, "state": "available", "at": at, "queues": [queue]}
            return [Item(kind, index, line, value)]
        if event == "both":
            offered_at = _moment(times[0], feed, "at")
            offered = Item(kind, index, line, _event(subject, queue, "offered", offered_at))
            try:
                answered = Item(
                    kind,
                    index,
                    line,
                    _event(subject, queue, "answered", _moment(times[1], feed, "answered_at")),
                )
            except SourceRejected as exc:
                answered = Item.rejected(kind, index, line, *exc.errors)
            return [offered, answered]
        return [
            Item(kind, index, line, _event(subject, queue, event, _moment(times[0], feed, "at")))
        ]
    except SourceRejected as exc:
        return [Item.rejected(kind, index, line, *exc.errors)]


class LinesAdapter:
    """The `test-lines` format."""

    name = "test-lines"
    Options = LinesOptions
    media_types = ("text/plain",)
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse every non-blank line; `index` is the 1-based line number."""
        items: list[Item] = []
        for number, line in enumerate(body.decode().split("\n"), 1):
            if line.strip():
                items += _items(number, line.strip(), feed)
        return items


ADAPTER = LinesAdapter()
