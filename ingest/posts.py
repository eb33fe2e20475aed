"""A post of QA evaluations, schedules or forecasts: its answer, its refused records (kept in
`rejected_records`) and its feed-quality tally, built as its records are judged; and the
checks every such record passes before its own (shape, model, times)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from psycopg import Connection
from pydantic import BaseModel, ValidationError

from ingest import writer
from ingest.checks import RecordRejected, Window, unstorable_fields
from ingest.feed_counts import FeedTally
from ingest.raw import RawRecord
from ingest.schemas import describe_errors
from ingest.service import MAX_ERRORS, IngestResult

Record = TypeVar("Record", bound=BaseModel)


@dataclass
class Post:
    """One post's answer, refusals and tally; `record_key` names a record in both."""

    record_key: Callable[[Any], str | None]
    result: IngestResult = field(default_factory=IngestResult)
    kept: list[writer.Rejection] = field(default_factory=list)
    values: dict[int, Any] = field(default_factory=dict)  # refused records, to place them
    tally: FeedTally = field(default_factory=lambda: FeedTally(datetime.now(UTC)))

    def reject(self, raw: RawRecord, errors: list[str], client_id: int | None = None) -> None:
        """Refuse a record with its reasons (the first `MAX_ERRORS`, then how many more)."""
        key = self.record_key(raw.value)
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], f"record: {len(errors) - MAX_ERRORS} more errors"]
        self.result.rejected.append({"index": raw.index, "id": key, "errors": errors})
        self.values[raw.index] = raw.value
        self.kept.append(
            writer.Rejection(raw.index, client_id, key, raw.text, raw.canonical, errors)
        )

    def wrote(self, index: int, clients: Sequence[int], changed: bool) -> None:
        """Count a record written (`changed`) or found stored already (a duplicate)."""
        if changed:
            self.result.accepted += 1
            self.result.written.add(index)
            self.tally.accepted(clients, None)  # planned or judged later: no lateness
        else:
            self.result.duplicates += 1
            self.tally.duplicate(clients)

    def store(
        self,
        pg: Connection,
        kind: str,
        vendor_id: int | None,
        client_of: Callable[[Any], int | None],
    ) -> None:
        """Keep the refusals, each under its client (`client_of` its value when it had none),
        and count a vendor's post in its feed quality (a client's own records are not a feed)."""
        placed = [
            r
            if r.client_id is not None
            else r._replace(client_id=client_of(self.values[r.record_index]))
            for r in self.kept
        ]
        writer.store_rejected(pg, kind, vendor_id, placed)
        if vendor_id is None:
            return
        for rejection in placed:
            self.tally.rejected(rejection.client_id, rejection.errors)
        writer.add_feed_counts(pg, vendor_id, kind, self.tally.received, self.tally.rows())


def validated(
    post: Post,
    records: Sequence[RawRecord],
    model: type[Record],
    times: tuple[str, ...],
    max_age_days: int,
    ahead: timedelta,
    check: Callable[[Record], list[str]] = lambda record: [],
) -> list[tuple[RawRecord, Record]]:
    """Return the records that parse, fit `model`, have `times` from `max_age_days` back to
    `ahead` of now, and pass `check`; refuse the others into `post` by name."""
    window = Window.around(datetime.now(UTC), max_age_days, ahead)
    valid = []
    for raw in records:
        if raw.error:
            post.reject(raw, [raw.error])
        elif not isinstance(raw.value, dict):
            post.reject(raw, ["record: must be a JSON object"])
        elif unstorable := unstorable_fields(raw.value):
            post.reject(raw, unstorable)
        else:
            try:
                record = model.model_validate(raw.value)
                window.check(record.__dict__, times)
                if problems := check(record):
                    raise RecordRejected(*problems)
                valid.append((raw, record))
            except ValidationError as exc:
                post.reject(raw, describe_errors(exc))
            except RecordRejected as exc:
                post.reject(raw, exc.errors)
    return valid
