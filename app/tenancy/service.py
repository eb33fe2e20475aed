"""Upsert clients, vendors and queues by code (idempotent), for `callpulse apply`."""

from collections import Counter
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import ConfigError
from app.models import Client, Queue, QueueVendor, Vendor
from app.tenancy.config import ClientSpec, QueueSpec, VendorSpec


def apply_clients(
    session: Session, entries: Sequence[ClientSpec], counts: Counter[str]
) -> tuple[dict[str, Client], list[int]]:
    """Create or update clients by code; return every client by code, and the ids of those
    whose timezone changed (their day stats must be rebuilt)."""
    zones = {code: zone for code, zone in session.execute(select(Client.code, Client.timezone))}
    clients = _upsert_by_code(session, Client, entries, ("name", "timezone", "holidays"), counts)
    retimed = sorted(
        row.id for code, row in clients.items() if code in zones and zones[code] != row.timezone
    )
    return clients, retimed


def apply_vendors(
    session: Session, entries: Sequence[VendorSpec], counts: Counter[str]
) -> dict[str, Vendor]:
    """Create or update vendors by code; return every vendor by code."""
    return _upsert_by_code(session, Vendor, entries, ("name",), counts)


Coded = TypeVar("Coded", Client, Vendor)


def _upsert_by_code(
    session: Session,
    model: type[Coded],
    entries: Sequence[ClientSpec] | Sequence[VendorSpec],
    fields: tuple[str, ...],
    counts: Counter[str],
) -> dict[str, Coded]:
    """Create or update rows of `model` by code and flush; return every row by code."""
    label = model.__tablename__
    rows = {row.code: row for row in session.scalars(select(model))}
    for entry in entries:
        row = rows.get(entry.code)
        wanted = {name: getattr(entry, name) for name in fields}
        if row is None:
            row = rows[entry.code] = model(code=entry.code)
            session.add(row)
            counts[f"{label} created"] += 1
        elif any(getattr(row, name) != value for name, value in wanted.items()):
            counts[f"{label} updated"] += 1
        for name, value in wanted.items():
            setattr(row, name, value)
    session.flush()
    return rows


def apply_queues(
    session: Session,
    entries: Sequence[QueueSpec],
    clients: dict[str, Client],
    vendors: dict[str, Vendor],
    counts: Counter[str],
    actor: Actor,
) -> list[int]:
    """Create or update queues by code and the vendors serving them; return the ids of the
    queues whose SL threshold, short-abandon threshold, SL formula or ticket targets changed
    (their history must be recomputed). A change of what the figures are measured against
    (thresholds, formula, targets) is recorded in the audit log as `queue.updated`."""
    changed_ids: list[int] = []
    queues = {q.code: q for q in session.scalars(select(Queue))}
    for i, entry in enumerate(entries):
        where = f"queues[{i}] ({entry.code})"
        client = clients.get(entry.client)
        if client is None:
            raise ConfigError(
                f"{where}.client: unknown client {entry.client!r}; add it under clients"
            )
        unknown = [code for code in entry.vendors if code not in vendors]
        if unknown:
            raise ConfigError(f"{where}.vendors: unknown vendor(s) {', '.join(unknown)}")
        queue = queues.get(entry.code)
        targets = {
            channel: target.model_dump(exclude_none=True)
            for channel, target in entry.ticket_targets.items()
        }
        wanted = {
            "name": entry.name or entry.code,
            "sl_threshold_s": entry.sl_threshold_s,
            "sl_formula": entry.sl_formula,
            "short_abandon_s": entry.short_abandon_s,
            "callback_within_min": entry.callback_within_min,
            "ticket_targets": targets,
            "targets": {
                kpi: bound.model_dump(exclude_none=True) for kpi, bound in entry.targets.items()
            },
            "hours": entry.hours,
        }
        if queue is None:
            queue = queues[entry.code] = Queue(code=entry.code, client_id=client.id)
            session.add(queue)
            counts["queues created"] += 1
        elif queue.client_id != client.id:
            raise ConfigError(
                f"{where}.client: the queue belongs to another client; a queue"
                " cannot move between clients (create a new queue code)"
            )
        else:
            changed = {name for name, value in wanted.items() if getattr(queue, name) != value}
            if changed:
                counts["queues updated"] += 1
            if changed & {"sl_threshold_s", "short_abandon_s", "sl_formula", "ticket_targets"}:
                changed_ids.append(queue.id)
            if changed & MEASURED_AGAINST.keys():
                _record_change(session, actor, queue, wanted)
        for name, value in wanted.items():
            setattr(queue, name, value)
        session.flush()
        _serve(session, queue, {vendors[code].id for code in entry.vendors}, counts)
    return changed_ids


MEASURED_AGAINST = {
    "sl_threshold_s": "SL threshold",
    "sl_formula": "SL formula",
    "short_abandon_s": "short-abandon threshold",
    "callback_within_min": "callback deadline",
    "targets": "targets",
    "ticket_targets": "ticket targets",
}
"""A queue's settings the KPIs and their verdicts are measured against."""


def _record_change(session: Session, actor: Actor, queue: Queue, wanted: dict[str, Any]) -> None:
    """Record what a queue's measuring settings were and are (before it is updated)."""
    before = {name: getattr(queue, name) for name in MEASURED_AGAINST}
    after = {name: wanted[name] for name in MEASURED_AGAINST}
    changed = ", ".join(
        label for name, label in MEASURED_AGAINST.items() if before[name] != after[name]
    )
    audit.record(
        session,
        actor,
        "queue.updated",
        f"queue {queue.code}: {changed}",
        client_id=queue.client_id,
        before=before,
        after=after,
    )


def _serve(session: Session, queue: Queue, vendor_ids: set[int], counts: Counter[str]) -> None:
    current = set(
        session.scalars(select(QueueVendor.vendor_id).where(QueueVendor.queue_id == queue.id))
    )
    for vendor_id in sorted(vendor_ids - current):
        session.add(QueueVendor(client_id=queue.client_id, queue_id=queue.id, vendor_id=vendor_id))
        counts["queue vendors added"] += 1
    gone = current - vendor_ids
    if gone:
        session.execute(
            delete(QueueVendor).where(
                QueueVendor.queue_id == queue.id, QueueVendor.vendor_id.in_(gone)
            )
        )
        counts["queue vendors removed"] += len(gone)
    session.flush()
