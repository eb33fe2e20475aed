"""What every feed adapter is: a pure parser from a source's own records to CallPulse records.

An adapter reads a body in its source's format (an Asterisk queue_log, Amazon Connect
contact records, a vendor's CSV export, …) and returns `Item`s: each a record in the shape
of a v1 ingest route (DESIGN §5) with the 1-based line or element number of the source it
came from, or a named rejection. It touches no database and keeps no state between calls,
so replays, order and idempotency hold exactly as for the v1 routes: the items go through
the same validation and writer (`ingest.feeds.ingest_items`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

ItemKind = Literal["calls", "call-events", "agent-events", "tickets"]


class NoOptions(BaseModel):
    """The format takes no options of its own beyond the feed's common keys."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class FeedConfig:
    """What an adapter knows of its feed: the YAML entry, resolved.

    `queues` maps the source's queue names (or numbers, as text) to CallPulse queue codes
    (a feed without `queues:` names CallPulse queue codes in the source itself);
    `timezone` interprets naive local times (None: a naive time is a rejection);
    `options` is the format's own block, validated by the adapter's `Options` model (in
    the YAML, the block is keyed by the format's name with `-` written `_`: `csv:`).
    """

    name: str
    format: str
    queues: Mapping[str, str]
    timezone: tzinfo | None = None
    options: BaseModel = field(default_factory=NoOptions)

    def queue(self, source_queue: str) -> str:
        """Return the CallPulse queue code of a source queue, or raise a named rejection.

        Without a map, the source's queue names are taken as CallPulse codes (an export
        whose skill-group column already holds them); the writer still refuses a queue
        the vendor does not serve, by name.
        """
        if not self.queues:
            return str(source_queue)
        code = self.queues.get(str(source_queue))
        if code is None:
            raise SourceRejected(
                f"queue: source queue {str(source_queue)!r} is not mapped in feed"
                f" {self.name!r}; add it under `queues:` of the feed in the YAML"
            )
        return code

    def moment(self, value: datetime, field_name: str) -> datetime:
        """Return an aware moment: naive source times are read in the feed's timezone."""
        if value.tzinfo is not None:
            return value
        if self.timezone is None:
            raise SourceRejected(
                f"{field_name}: {value.isoformat()} has no UTC offset and feed {self.name!r}"
                " has no `timezone:`; add one (e.g. Asia/Shanghai) to the feed in the YAML"
            )
        return value.replace(tzinfo=self.timezone)


class SourceRejected(Exception):
    """A source record that cannot become a CallPulse record, with one message per problem."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Item:
    """One CallPulse record made from the source, or a rejection of a source record.

    `value` is a dict in the shape of the `kind`'s v1 route (times may be aware
    `datetime`s; `exit_reason` and `version` as DESIGN §5 allows); `index` is the 1-based
    line (text formats) or element (JSON arrays) of the source; `source` is the source
    record's text, kept with a rejection. Several items may share an index (one source
    record making several CallPulse records) and several indices may make one call (its
    events merge by `call_id`).
    """

    kind: ItemKind
    index: int
    source: str
    value: dict[str, Any] | None = None
    errors: tuple[str, ...] = ()

    @classmethod
    def rejected(cls, kind: ItemKind, index: int, source: str, *errors: str) -> "Item":
        """Return the rejection of source record `index`, each error naming its field."""
        return cls(kind, index, source, None, errors)


class Adapter(Protocol):
    """A feed format: its options, the media types it reads, and the parser."""

    name: str
    Options: type[BaseModel]
    media_types: tuple[str, ...]  # the first is the default for `callpulse import`/`ship`
    status_code: int  # the answer's status on success (Twilio expects 204 and no body)

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse a whole body; a record that does not parse is an `Item.rejected`.

        A body that cannot be read at all (not the format, not its encoding) raises
        `SourceRejected` (the route answers 400 with its message, `callpulse import` names
        the file). Source records that make no CallPulse record return no item and are not
        counted in the answer (`ingest.feeds`).
        """
        ...
