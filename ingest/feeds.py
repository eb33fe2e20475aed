"""From adapter items to the writer, and back to one answer per source record.

An adapter turns a body into `Item`s; here they go, grouped by kind, through
`IngestService.ingest` — the same validation, tenancy checks and writer as the v1 routes —
as `RawRecord`s whose index is the source's line or element number and whose text is the
source record, so `rejected_records` keeps the line as it was sent. Items the adapter
refused are stored in `rejected_records` too, and counted as rejected in the feed-quality
counters (under the vendor's only client, else under no client).

The answer counts source records, not CallPulse records (one queue_log line makes one
call event; one Connect contact record may make a call and its transfer leg):
a source record is *rejected* if any record it made was refused (its errors are the union
of theirs; the others are still written, and count as duplicates once it is fixed and
sent again), else *accepted* if any record it made was written, else a *duplicate*.
Source records that made no CallPulse record (events a format defines but CallPulse does
not need) are not counted.
"""

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.db import driver_connection
from ingest import writer
from ingest.adapters.base import Item
from ingest.feed_counts import FeedTally
from ingest.kinds import KINDS
from ingest.raw import RawRecord
from ingest.service import IngestResult, IngestService


def ingest_items(
    service: IngestService,
    vendor_id: int,
    items: Sequence[Item],
    max_age_days: int | None = None,
    feed: str | None = None,
) -> IngestResult:
    """Write the items of one body of `feed` for `vendor_id`; answer per source record
    (see above). Rejections are stored with the feed's name."""
    tally = _Tally()
    _store_refused(service, vendor_id, [item for item in items if item.errors], tally, feed)
    for kind, batch in _batches([item for item in items if not item.errors]):
        raws = [RawRecord(item.index, _sendable(item.value), item.source) for item in batch]
        result = service.ingest(kind, vendor_id, raws, max_age_days, feed)
        tally.written |= result.written
        for rejection in result.rejected:
            tally.refuse(rejection["index"], rejection["id"], rejection["errors"])
    return tally.result([item.index for item in items])


class _Tally:
    """What became of each source record's items."""

    def __init__(self) -> None:
        self.written: set[int] = set()
        self.errors: dict[int, list[str]] = {}
        self.ids: dict[int, str | None] = {}

    def refuse(self, index: int, key: str | None, errors: Sequence[str]) -> None:
        known = self.errors.setdefault(index, [])
        known.extend(e for e in errors if e not in known)
        self.ids[index] = self.ids.get(index) or key

    def result(self, indices: Sequence[int]) -> IngestResult:
        result = IngestResult()
        for index in dict.fromkeys(indices):
            if index in self.errors:
                result.rejected.append(
                    {"index": index, "id": self.ids[index], "errors": self.errors[index]}
                )
            elif index in self.written:
                result.accepted += 1
                result.written.add(index)
            else:
                result.duplicates += 1
        return result


def _batches(items: Sequence[Item]) -> list[tuple[str, list[Item]]]:
    """Group items by kind, in source order; a source record's second item of a kind goes
    to a second batch, so each batch holds an index once and every item is judged alone."""
    layers: dict[tuple[str, int], list[Item]] = {}
    seen: Counter[tuple[str, int]] = Counter()
    for item in items:
        layer = seen[item.kind, item.index]
        seen[item.kind, item.index] += 1
        layers.setdefault((item.kind, layer), []).append(item)
    order = list(KINDS)
    ranked = sorted(layers.items(), key=lambda pair: (order.index(pair[0][0]), pair[0][1]))
    return [(kind, batch) for (kind, _), batch in ranked]


def _sendable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a record with its times as RFC 3339 text, as a v1 route receives them.

    A record that must be stored as rejected is serialised, and a time of it must be
    text whatever the serialiser.
    """
    if value is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in value.items()}


def _store_refused(
    service: IngestService,
    vendor_id: int,
    refused: Sequence[Item],
    tally: "_Tally",
    feed: str | None,
) -> None:
    """Keep the items the adapter refused in `rejected_records`, by kind; tally them."""
    if not refused:
        return
    for item in refused:
        tally.refuse(item.index, None, item.errors)
    received = datetime.now(UTC)
    with service.database.session_scope() as session:
        pg = driver_connection(session)
        served = {client for client, _ in writer.served_queues(pg, vendor_id)[1].values()}
        client = served.pop() if len(served) == 1 else None  # else counted under no client
        for kind in KINDS:
            rejections = [
                writer.Rejection(
                    item.index,
                    None,
                    None,
                    item.source,
                    json.dumps([item.source, item.errors]),
                    list(item.errors),
                )
                for item in refused
                if item.kind == kind
            ]
            writer.store_rejected(pg, kind, vendor_id, rejections, feed)
            counted = FeedTally(received)
            for rejection in rejections:
                counted.rejected(client, rejection.errors)
            writer.add_feed_counts(pg, vendor_id, kind, received, counted.rows())
