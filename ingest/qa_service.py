"""Ingest QA evaluations (质检): validate, check the evaluated contact, upsert, report.

Who may send: a vendor key, for queues it serves and contacts of its own (a vendor cannot
evaluate another vendor's calls on a shared queue: that would move the other's score); and a
client key, for any contact of its own queues (a client's QA team often evaluates its vendors'
calls). Either way the evaluation counts for the vendor whose contact it is.
"""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from psycopg import Connection

from app.access.keys import Principal
from app.core.config import Settings
from app.core.db import Database, driver_connection
from ingest import qa_repository, writer
from ingest.checks import (
    RecordRejected,
    excerpt,
)
from ingest.kinds import KEY_CHARS
from ingest.posts import Post, validated
from ingest.qa_repository import Contact
from ingest.qa_schema import QaEvaluationRecord
from ingest.raw import RawRecord
from ingest.senders import Sender, sender_of
from ingest.service import IngestResult

QA_KIND = "qa-evaluations"


def record_key(value: Any) -> str | None:
    """Return a posted evaluation's `evaluation_id`, for error reports (bounded)."""
    named = value.get("evaluation_id") if isinstance(value, dict) else None
    return (
        None if named is None or isinstance(named, dict | list) else excerpt(str(named), KEY_CHARS)
    )


class QaIngestService:
    """Write batches of QA evaluations exactly once per `(client, evaluation_id)`."""

    def __init__(self, database: Database, settings: Settings):
        self.database = database
        self.settings = settings

    def ingest(self, principal: Principal, records: Sequence[RawRecord]) -> IngestResult:
        """Validate and upsert `records`; a replay is a duplicate, a changed record replaces
        the stored one, and every refused record is kept with its reasons."""
        post = Post(record_key)
        valid = validated(
            post,
            records,
            QaEvaluationRecord,
            ("evaluated_at",),
            self.settings.max_record_age_days,
            timedelta(seconds=self.settings.future_tolerance_s),
        )
        with self.database.session_scope() as session:
            pg = driver_connection(session)
            sender = sender_of(pg, principal)
            resolved = self._resolve(pg, sender, post, valid)
            # In key order (stable: a key sent twice applies in batch order), so concurrent
            # batches sharing keys take their row locks in one order and never deadlock.
            resolved.sort(key=lambda item: (item[2], item[1].evaluation_id))
            for raw, record, client_id, row in resolved:
                changed = qa_repository.upsert(pg, client_id, record.evaluation_id, row)
                post.wrote(raw.index, [client_id], changed)
            post.store(pg, QA_KIND, sender.vendor_id, sender.client_of)
        return post.result

    @staticmethod
    def _resolve(
        pg: Connection,
        sender: Sender,
        post: Post,
        valid: list[tuple[RawRecord, QaEvaluationRecord]],
    ) -> list[tuple[RawRecord, QaEvaluationRecord, int, dict[str, Any]]]:
        """Check each record's queue and contact; return the records to write, with rows."""
        placed = []
        for raw, record in valid:
            try:
                placed.append((raw, record, sender.queue(pg, record.queue)))
            except RecordRejected as exc:
                post.reject(raw, exc.errors)
        found = _contacts(pg, [(r, client_id) for _, r, (client_id, _) in placed])
        vendors = qa_repository.vendor_codes(pg, sorted({c.vendor_id for c in found.values()}))
        checked = []
        for raw, record, (client_id, queue_id) in placed:
            contact = found.get(_contact_key(record, client_id))
            problem = _contact_problem(record, contact, queue_id, sender, vendors)
            if problem is not None:
                post.reject(raw, [problem], client_id)
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
