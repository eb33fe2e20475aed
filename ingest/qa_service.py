"""Ingest QA evaluations (质检): validate, check the evaluated contact, upsert, report.

Who may send: a vendor key, for queues it serves and contacts of its own (a vendor cannot
evaluate another vendor's calls on a shared queue: that would move the other's score); and a
client key, for any contact of its own queues (a client's QA team often evaluates its vendors'
calls). Either way the evaluation counts for the vendor whose contact it is.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import Connection
from pydantic import ValidationError

from app.access.keys import Principal
from app.core.config import Settings
from app.core.db import Database, driver_connection
from ingest import qa_repository, writer
from ingest.checks import (
    RecordRejected,
    check_times,
    earliest_accepted,
    excerpt,
    unstorable_fields,
)
from ingest.feed_counts import FeedTally
from ingest.kinds import KEY_CHARS
from ingest.qa_repository import Contact
from ingest.qa_schema import QaEvaluationRecord
from ingest.raw import RawRecord
from ingest.schemas import describe_errors
from ingest.senders import Sender, sender_of
from ingest.service import MAX_ERRORS, IngestResult

QA_KIND = "qa-evaluations"


@dataclass
class _Rejections:
    """The batch's refused records, for the answer and for `rejected_records`."""

    result: IngestResult = field(default_factory=IngestResult)
    kept: list[writer.Rejection] = field(default_factory=list)
    values: dict[int, Any] = field(default_factory=dict)

    def placed(self, sender: Sender) -> list[writer.Rejection]:
        """Return the rejections, each under its client (`Sender.client_of`) when it had none."""
        return [
            r
            if r.client_id is not None
            else r._replace(client_id=sender.client_of(self.values[r.record_index]))
            for r in self.kept
        ]

    def add(self, raw: RawRecord, errors: list[str], client_id: int | None) -> None:
        value = raw.value if isinstance(raw.value, dict) else {}
        named = value.get("evaluation_id")
        key = None if named is None or isinstance(named, dict | list) else str(named)
        key = key and excerpt(key, KEY_CHARS)
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], f"record: {len(errors) - MAX_ERRORS} more errors"]
        self.result.rejected.append({"index": raw.index, "id": key, "errors": errors})
        self.values[raw.index] = raw.value
        self.kept.append(
            writer.Rejection(raw.index, client_id, key, raw.text, raw.canonical, errors)
        )


class QaIngestService:
    """Write batches of QA evaluations exactly once per `(client, evaluation_id)`."""

    def __init__(self, database: Database, settings: Settings):
        self.database = database
        self.settings = settings

    def ingest(self, principal: Principal, records: Sequence[RawRecord]) -> IngestResult:
        """Validate and upsert `records`; a replay is a duplicate, a changed record replaces
        the stored one, and every refused record is kept with its reasons."""
        rejections = _Rejections()
        valid = self._validate(rejections, records)
        with self.database.session_scope() as session:
            pg = driver_connection(session)
            sender = sender_of(pg, principal)
            resolved = self._resolve(pg, sender, rejections, valid)
            # In key order (stable: a key sent twice applies in batch order), so concurrent
            # batches sharing keys take their row locks in one order and never deadlock.
            resolved.sort(key=lambda item: (item[2], item[1].evaluation_id))
            tally = FeedTally(datetime.now(UTC))
            for raw, record, client_id, row in resolved:
                if qa_repository.upsert(pg, client_id, record.evaluation_id, row):
                    rejections.result.accepted += 1
                    rejections.result.written.add(raw.index)
                    tally.accepted([client_id], None)
                else:
                    rejections.result.duplicates += 1
                    tally.duplicate([client_id])
            placed = rejections.placed(sender)
            writer.store_rejected(pg, QA_KIND, sender.vendor_id, placed)
            if sender.vendor_id is not None:  # a vendor's feed; a client's QA team's is not
                for rejection in placed:
                    tally.rejected(rejection.client_id, rejection.errors)
                writer.add_feed_counts(pg, sender.vendor_id, QA_KIND, tally.received, tally.rows())
        return rejections.result

    def _validate(
        self, rejections: _Rejections, records: Sequence[RawRecord]
    ) -> list[tuple[RawRecord, QaEvaluationRecord]]:
        now = datetime.now(UTC)
        earliest = earliest_accepted(now, self.settings.max_record_age_days)
        latest = now + timedelta(seconds=self.settings.future_tolerance_s)
        valid = []
        for raw in records:
            if raw.error:
                rejections.add(raw, [raw.error], None)
            elif not isinstance(raw.value, dict):
                rejections.add(raw, ["record: must be a JSON object"], None)
            elif unstorable := unstorable_fields(raw.value):
                rejections.add(raw, unstorable, None)
            else:
                try:
                    record = QaEvaluationRecord.model_validate(raw.value)
                    check_times(
                        record.__dict__,
                        ("evaluated_at",),
                        earliest,
                        latest,
                        self.settings.max_record_age_days,
                    )
                    valid.append((raw, record))
                except ValidationError as exc:
                    rejections.add(raw, describe_errors(exc), None)
                except RecordRejected as exc:
                    rejections.add(raw, exc.errors, None)
        return valid

    @staticmethod
    def _resolve(
        pg: Connection,
        sender: Sender,
        rejections: _Rejections,
        valid: list[tuple[RawRecord, QaEvaluationRecord]],
    ) -> list[tuple[RawRecord, QaEvaluationRecord, int, dict[str, Any]]]:
        """Check each record's queue and contact; return the records to write, with rows."""
        placed = []
        for raw, record in valid:
            try:
                placed.append((raw, record, sender.queue(pg, record.queue)))
            except RecordRejected as exc:
                rejections.add(raw, exc.errors, None)
        found = _contacts(pg, [(r, client_id) for _, r, (client_id, _) in placed])
        vendors = qa_repository.vendor_codes(pg, sorted({c.vendor_id for c in found.values()}))
        checked = []
        for raw, record, (client_id, queue_id) in placed:
            contact = found.get(_contact_key(record, client_id))
            problem = _contact_problem(record, contact, queue_id, sender, vendors)
            if problem is not None:
                rejections.add(raw, [problem], client_id)
            elif contact is not None:
                checked.append((raw, record, client_id, queue_id, contact))
        agents = writer.agent_ids(
            pg, {(client_id, c.vendor_id, r.agent or "") for _, r, client_id, _, c in checked}
        )
        return [
            (
                raw,
                record,
                client_id,
                {
                    "queue_id": queue_id,
                    "vendor_id": contact.vendor_id,
                    "agent_id": agents[(client_id, contact.vendor_id, record.agent or "")],
                    "call_id": record.call_id,
                    "ticket_id": record.ticket_id,
                    "evaluator": record.evaluator,
                    "evaluated_at": record.evaluated_at,
                    "mode": record.mode,
                    "fatal_errors": record.fatal_errors,
                    "non_fatal_errors": record.non_fatal_errors,
                    "score": record.score,
                    "items": record.items,
                },
            )
            for raw, record, client_id, queue_id, contact in checked
        ]


def _contact_key(record: QaEvaluationRecord, client_id: int) -> tuple[str, int, str]:
    """Return which contact a record evaluates: `("calls", client, call id)` or a ticket."""
    if record.call_id is not None:
        return ("calls", client_id, record.call_id)
    return ("tickets", client_id, record.ticket_id or "")


def _contacts(
    pg: Connection, wanted: list[tuple[QaEvaluationRecord, int]]
) -> dict[tuple[str, int, str], Contact]:
    """Look up the evaluated calls and tickets, per table and client."""
    keys: dict[tuple[str, int], list[str]] = {}
    for record, client_id in wanted:
        table, client, key = _contact_key(record, client_id)
        keys.setdefault((table, client), []).append(key)
    return {
        (table, client, key): contact
        for (table, client), ids in keys.items()
        for key, contact in qa_repository.contacts(pg, table, client, sorted(set(ids))).items()
    }


def _contact_problem(
    record: QaEvaluationRecord,
    contact: Contact | None,
    queue_id: int,
    sender: Sender,
    vendors: dict[int, str],
) -> str | None:
    """Name what is wrong with the evaluated contact, or None."""
    field_name, noun, key = (
        ("call_id", "call", record.call_id)
        if record.call_id
        else ("ticket_id", "ticket", record.ticket_id)
    )
    if contact is None:
        return (
            f"{field_name}: no {noun} {key!r} of this client (send the {noun} to"
            f" /v1/{noun}s first, or check the id)"
        )
    if contact.queue_id != queue_id:
        return f"queue: {noun} {key!r} is not in queue {record.queue!r}"
    if sender.vendor_id is not None and contact.vendor_id != sender.vendor_id:
        owner = vendors.get(contact.vendor_id, str(contact.vendor_id))
        return (
            f"{field_name}: {noun} {key!r} was handled by vendor {owner!r}; a vendor evaluates"
            " its own contacts (the client's key may evaluate any)"
        )
    if contact.agent is not None and contact.agent != record.agent:
        return f"agent: {noun} {key!r} was handled by agent {contact.agent!r}, not {record.agent!r}"
    return None
