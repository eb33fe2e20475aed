"""Apply a tenancy file: upsert clients, vendors, queues and contracts by code (idempotent)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.alerts.service import apply_alerts
from app.contracts.apply import apply_contracts
from app.core.db import driver_connection
from app.core.errors import ConfigError
from app.kpi.aggregation import rebuild_day_stats
from app.models import Client, Queue, QueueVendor, Vendor
from app.tenancy.config import ClientSpec, TenancyFile, VendorSpec


@dataclass
class Applied:
    """What `apply` changed: counts like `{"queues created": 2}`, and the queues whose
    SL threshold, short-abandon threshold or ticket targets changed (their history must be
    recomputed), and the clients whose timezone changed (their day stats were rebuilt)."""

    counts: Counter[str] = field(default_factory=Counter)
    recompute_queue_ids: list[int] = field(default_factory=list)
    retimed_client_ids: list[int] = field(default_factory=list)


def apply_tenancy(session: Session, spec: TenancyFile) -> Applied:
    """Create or update every entry of `spec`."""
    applied = Applied()
    counts = applied.counts
    zones = {code: zone for code, zone in session.execute(select(Client.code, Client.timezone))}
    clients = _upsert_by_code(session, Client, spec.clients, ("name", "timezone"), counts)
    vendors = _upsert_by_code(session, Vendor, spec.vendors, ("name",), counts)
    session.flush()
    applied.retimed_client_ids = sorted(
        row.id for code, row in clients.items() if code in zones and zones[code] != row.timezone
    )
    if applied.retimed_client_ids:
        rebuild_day_stats(driver_connection(session), applied.retimed_client_ids)
    _apply_queues(session, spec, clients, vendors, applied)
    apply_contracts(session, spec.contracts, clients, vendors, counts)
    apply_alerts(session, spec.notifiers, spec.alert_rules, counts)
    return applied


Coded = TypeVar("Coded", Client, Vendor)


def _upsert_by_code(
    session: Session,
    model: type[Coded],
    entries: Sequence[ClientSpec] | Sequence[VendorSpec],
    fields: tuple[str, ...],
    counts: Counter[str],
) -> dict[str, Coded]:
    """Create or update rows of `model` by code; return every row by code."""
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
    return rows


def _apply_queues(
    session: Session,
    spec: TenancyFile,
    clients: dict[str, Client],
    vendors: dict[str, Vendor],
    applied: Applied,
) -> None:
    counts = applied.counts
    queues = {q.code: q for q in session.scalars(select(Queue))}
    for i, entry in enumerate(spec.queues):
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
            "ticket_targets": targets,
            "targets": {
                kpi: bound.model_dump(exclude_none=True) for kpi, bound in entry.targets.items()
            },
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
                applied.recompute_queue_ids.append(queue.id)
        for name, value in wanted.items():
            setattr(queue, name, value)
        session.flush()
        _serve(session, queue, {vendors[code].id for code in entry.vendors}, counts)


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
