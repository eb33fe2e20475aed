"""Ingest one batch: validate, resolve tenancy, merge with stored rows, write, report."""

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import repeat
from operator import itemgetter
from typing import Any

from psycopg import Connection, errors
from pydantic import ValidationError

from app.core.changes import INGEST, announce
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.core.errors import ServerBusy
from app.partitions import PartitionManager, month_start, next_month
from ingest import writer
from ingest.checks import (
    FIXED_ZONES,
    RecordRejected,
    Window,
    five_point_csat,
    storable,
    unstorable_fields,
)
from ingest.facts import OFFSET_SUFFIX, FactTable
from ingest.feed_counts import FeedTally
from ingest.kinds import KINDS, Kind, Row, Tenancy
from ingest.merge_sql import stage_columns
from ingest.raw import RawRecord
from ingest.schemas import describe_errors

RETRIES = 5
RETRY_PAUSE_S = 0.02  # a random pause before each retry, growing with the attempt
RETRY_AFTER_S = 1
MAX_ERRORS = 20  # per record, in the answer and in rejected_records


@dataclass
class IngestResult:
    """The answer to one batch, in the shape of DESIGN §5.

    `written` holds the indices of the accepted records, for callers that report per
    source record rather than per CallPulse record (`ingest.feeds`).
    """

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    written: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        """Return `{"accepted", "duplicates", "rejected"}` with rejections in index order."""
        rejected = sorted(self.rejected, key=lambda r: r["index"])
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": rejected}


@dataclass
class _Batch:
    """Working state of one attempt at writing a batch."""

    kind: Kind
    vendor_id: int
    feed: str | None = None
    result: IngestResult = field(default_factory=IngestResult)
    rejections: list[writer.Rejection] = field(default_factory=list)
    refused_values: dict[int, Any] = field(default_factory=dict)  # for counting by client
    # By index: a valid record's latest time (`Window.check`), for its lateness.
    latest: dict[int, datetime | None] = field(default_factory=dict)

    def retry(self) -> "_Batch":
        """Return a copy holding only what validation decided (for another write attempt)."""
        result = IngestResult(rejected=list(self.result.rejected))
        return _Batch(
            self.kind,
            self.vendor_id,
            self.feed,
            result,
            list(self.rejections),
            dict(self.refused_values),
            self.latest,
        )

    def reject(self, raw: RawRecord, errs: list[str], client_id: int | None = None) -> None:
        key = self.kind.record_id(raw.value)
        if len(errs) > MAX_ERRORS:  # e.g. thousands of unknown fields: the first ones tell
            errs = [*errs[:MAX_ERRORS], f"record: {len(errs) - MAX_ERRORS} more errors"]
        self.result.rejected.append({"index": raw.index, "id": key, "errors": errs})
        self.refused_values[raw.index] = raw.value
        self.rejections.append(
            writer.Rejection(raw.index, client_id, key, raw.text, raw.canonical, errs)
        )


class IngestService:
    """Write batches of vendor records exactly once, whatever their order or repetition."""

    def __init__(self, database: Database, partitions: PartitionManager, settings: Settings):
        self.database = database
        self.partitions = partitions
        self.settings = settings

    def ingest(
        self,
        kind_name: str,
        vendor_id: int,
        records: Sequence[RawRecord],
        max_age_days: int | None = None,
        feed: str | None = None,
    ) -> IngestResult:
        """Validate and upsert `records` sent by `vendor_id`; retry on a concurrent writer.

        Records older than `max_age_days` (default: the setting) are refused; imports of
        older history pass a wider window explicitly. `feed` names the feed the records came
        through, kept with their rejections.
        """
        kind = KINDS[kind_name]
        window = Window.around(
            datetime.now(UTC),
            max_age_days or self.settings.max_record_age_days,
            timedelta(seconds=self.settings.future_tolerance_s),
        )
        validated = _Batch(kind, vendor_id, feed)
        valid = self._validate(validated, records, window)
        for attempt in range(RETRIES):
            batch = validated.retry()
            try:
                with self.database.session_scope() as session:
                    pg = driver_connection(session)
                    self._write(pg, batch, valid)
                return batch.result
            except (writer.ConcurrentIngest, errors.DeadlockDetected) as exc:
                if attempt == RETRIES - 1:
                    raise ServerBusy(
                        "server busy: concurrent batches kept writing the same records;"
                        " nothing of this batch was written: send it again after Retry-After",
                        Retry_After=str(RETRY_AFTER_S),
                    ) from exc
                # Batches that share keys and retry in step would collide again.
                time.sleep(random.uniform(0, RETRY_PAUSE_S * (attempt + 1)))
        raise AssertionError("unreachable")

    @staticmethod
    def _validate(
        batch: _Batch, records: Sequence[RawRecord], window: Window
    ) -> list[tuple[RawRecord, Any]]:
        valid = []
        # One look at the whole batch, usually enough; else record by record.
        checked = storable([raw.value for raw in records])
        validate = batch.kind.schema.__pydantic_validator__.validate_python  # model_validate's
        for raw in records:
            if raw.error:
                batch.reject(raw, [raw.error])
            elif not isinstance(raw.value, dict):
                batch.reject(raw, ["record: must be a JSON object"])
            elif not checked and (unstorable := unstorable_fields(raw.value)):
                batch.reject(raw, unstorable)
            else:
                try:
                    record = validate(raw.value)
                    batch.latest[raw.index] = window.check(record.__dict__, batch.kind.timestamps)
                    valid.append((raw, record))
                except ValidationError as exc:
                    batch.reject(raw, describe_errors(exc))
                except RecordRejected as exc:
                    batch.reject(raw, exc.errors)
        scale_errors = five_point_csat([record for _, record in valid])
        for (raw, _), error in zip(valid, scale_errors, strict=True):
            if error:
                batch.reject(raw, [error])
        return [pair for pair, error in zip(valid, scale_errors, strict=True) if not error]

    def _write(self, pg: Connection, batch: _Batch, valid: list[tuple[RawRecord, Any]]) -> None:
        table = batch.kind.table
        tenancy, patched = self._patches(pg, batch, valid)
        # Only records that passed every check so far may create a partition.
        self.partitions.ensure(
            (table.name, moment)
            for moment in _partition_moments(
                [record.__dict__ for _, record, _ in patched], batch.kind.partition_fields
            )
        )
        rows, passes = _stage(table, patched)
        writer.stage_rows(pg, table, rows)
        # Per record (index): the errors of its rows, in pass order; else whether it changed
        # nothing (a record in neither was written).
        failed: dict[int, list[str]] = defaultdict(list)
        unchanged: set[int] = set()
        minutes = self.settings.interval_minutes
        served = {client_id for client_id, _ in tenancy.queues.values()}
        for pass_no, pass_rows in enumerate(passes):
            merged = writer.merge_pass(
                pg, table, pass_no, pass_rows, batch.vendor_id, served, minutes
            )
            for idx, errs in merged.refused:
                failed[idx] += errs
            unchanged.update(merged.unchanged)
        tally = FeedTally(datetime.now(UTC))
        written: set[int] = set()
        for raw, _, patches in patched:
            clients = dict.fromkeys([patch["client_id"] for patch in patches])
            if raw.index in failed:
                batch.reject(raw, list(dict.fromkeys(failed[raw.index])), patches[0]["client_id"])
            elif raw.index in unchanged:
                batch.result.duplicates += 1
                tally.duplicate(clients)
            else:
                batch.result.accepted += 1
                batch.result.written.add(raw.index)
                written.update(clients)
                tally.accepted(clients, batch.latest[raw.index])
        writer.store_rejected(pg, batch.kind.name, batch.vendor_id, batch.rejections, batch.feed)
        for r in batch.rejections:
            client = r.client_id
            if client is None:
                client = tenancy.client_of(batch.refused_values.get(r.record_index))
            tally.rejected(client, r.errors)
        writer.add_feed_counts(pg, batch.vendor_id, batch.kind.name, tally.received, tally.rows())
        announce(pg, INGEST, written)  # the aggregation and the wallboards wake at the commit

    def _patches(
        self, pg: Connection, batch: _Batch, valid: list[tuple[RawRecord, Any]]
    ) -> tuple[Tenancy, list[tuple[RawRecord, Any, list[Row]]]]:
        """Resolve each record's queues and agents; return the tenancy and each record's row
        patches."""
        kind, vendor_id = batch.kind, batch.vendor_id
        tenancy = self._tenancy(pg, kind, vendor_id, [record for _, record in valid])
        planned = []
        for raw, record in valid:
            try:
                planned.append((raw, record, kind.targets(record, tenancy)))
            except RecordRejected as exc:
                batch.reject(raw, exc.errors)
        agents = writer.agent_ids(
            pg, {(t.client_id, vendor_id, t.agent) for *_, ts in planned for t in ts if t.agent}
        )
        return tenancy, [
            (
                raw,
                record,
                [
                    kind.patch(
                        record, t, vendor_id, agents.get((t.client_id, vendor_id, t.agent or ""))
                    )
                    for t in targets
                ],
            )
            for raw, record, targets in planned
        ]

    @staticmethod
    def _tenancy(pg: Connection, kind: Kind, vendor_id: int, records: list[Any]) -> Tenancy:
        code, queues = writer.served_queues(pg, vendor_id)
        fields = kind.schema.model_fields
        wanted = {code for r in records for code in r.queues or []} if "queues" in fields else set()
        wanted |= {r.queue for r in records} if "queue" in fields else set()
        tenancy = Tenancy(
            vendor_id=vendor_id,
            vendor_code=code,
            queues=queues,
            known_queue_codes=writer.existing_queue_codes(pg, sorted(wanted - queues.keys())),
        )
        if kind.name == "agent-events":
            tenancy.agent_clients = writer.agent_clients(pg, vendor_id, [r.agent for r in records])
        return tenancy


def _partition_moments(records: list[Row], fields: tuple[str, ...]) -> list[datetime]:
    """Return the records' times in `fields`, or only the first and last when they lie in
    one month or two months in a row (most batches): the partitions they need are then
    those of the first and the last."""
    moments = [m for f in fields for m in map(itemgetter(f), records) if m is not None]
    if not moments:
        return []
    first, last = min(moments), max(moments)
    return [first, last] if next_month(month_start(first)) >= month_start(last) else moments


def _utc_offset(moment: Any) -> int | None:
    """Return the UTC offset (s) a time was sent in, for messages (`facts.sent_text`).

    Offsets are whole seconds (RFC 3339, the tz database), so days and seconds say it all.
    """
    offset = moment.utcoffset() if isinstance(moment, datetime) else None
    return None if offset is None else offset.days * 86_400 + offset.seconds


class _Offsets(dict[Any, int | None]):
    """The UTC offsets of one batch's fixed zones (`checks.FIXED_ZONES`), each asked once:
    0.1 µs a time rather than 0.6 µs for `utcoffset()`."""

    def of(self, moment: Any) -> int | None:
        """Return `_utc_offset(moment)`."""
        zone = getattr(moment, "tzinfo", None)
        if type(zone) not in FIXED_ZONES:
            return _utc_offset(moment)
        found = self.get(zone, _UNSEEN)
        if found is _UNSEEN:
            found = self[zone] = _utc_offset(moment)
        return found


_UNSEEN = -1 << 40  # no offset: they are under a day


@cache
def _stage_plan(table: FactTable) -> tuple[Callable, tuple[int, ...]]:
    """Return how a staged row is read from a patch: the getter of the staged fields
    (`stage_columns` after seq, idx and pass_no, the offsets apart), and where the times
    whose offsets follow them are among them."""
    names = list(stage_columns(table))[3:]
    offsets = [n for n in names if n.endswith(OFFSET_SUFFIX)]
    fields = names[: len(names) - len(offsets)]
    assert fields == [*table.stage_extra, *table.columns], names
    times = tuple(fields.index(n.removesuffix(OFFSET_SUFFIX)) for n in offsets)
    return itemgetter(*fields), times


def _stage(
    table: FactTable, patched: list[tuple[RawRecord, Any, list[Row]]]
) -> tuple[list[tuple[Any, ...]], list[writer.PassRows]]:
    """Return staging rows and what each pass holds.

    A record goes to the first pass after every earlier record with one of its keys, so
    each pass holds a key once and records apply in batch order. A patch's absent fields
    read as None (`kinds`).
    """
    values_of, times = _stage_plan(table)
    offsets = _Offsets()
    seen, offset = offsets.get, offsets.of  # a zone seen is a dict lookup, not a call
    key_of = itemgetter(*table.key)
    named_by = table.named_by
    next_pass: dict[tuple, int] = {}
    rows: list[tuple[Any, ...]] = []
    passes: list[writer.PassRows] = []
    for raw, _, patches in patched:
        keys = list(map(key_of, patches))
        pass_no = max(map(next_pass.get, keys, repeat(0)), default=0)
        if pass_no == len(passes):
            passes.append(writer.PassRows([], []))
        target = passes[pass_no]
        for key, patch in zip(keys, patches, strict=True):
            next_pass[key] = pass_no + 1
            target.keys.append(key)
            if named_by and patch.get(named_by) is not None:
                target.named.append(patch[named_by])
            values = values_of(patch)
            rows.append(
                (
                    len(rows),
                    raw.index,
                    pass_no,
                    *values,
                    *[
                        None
                        if (t := values[i]) is None
                        else (found if (found := seen(t.tzinfo, _UNSEEN)) != _UNSEEN else offset(t))
                        for i in times
                    ],
                )
            )
    return rows, passes
