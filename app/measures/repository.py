"""All SQL of measures: the declared measures, the parties, and the submitted measurements."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import Client, Measure, Measurement, Queue, QueueVendor, Vendor


def measures_by_code(session: Session) -> dict[str, Measure]:
    """Return every declared measure by code."""
    return {m.code: m for m in session.scalars(select(Measure))}


def client_by_code(session: Session, code: str) -> Client | None:
    """Return a client by code, or None."""
    return session.scalar(select(Client).where(Client.code == code))


def vendor_by_code(session: Session, code: str) -> Vendor | None:
    """Return a vendor by code, or None."""
    return session.scalar(select(Vendor).where(Vendor.code == code))


def vendor_code(session: Session, vendor_id: int) -> str:
    """Return a vendor's code."""
    return session.scalars(select(Vendor.code).where(Vendor.id == vendor_id)).one()


def serves(session: Session, vendor_id: int, client_id: int) -> bool:
    """Return whether the vendor serves at least one of the client's queues."""
    return bool(
        session.scalar(
            select(
                exists()
                .where(QueueVendor.vendor_id == vendor_id, QueueVendor.queue_id == Queue.id)
                .where(Queue.client_id == client_id)
            )
        )
    )


def submit(session: Session, values: Mapping[str, Any]) -> tuple[Measurement, Measurement | None]:
    """Store a measurement, replacing the one of the same measure, client, vendor and period
    (back to `submitted`); return it and a detached copy of what it replaced, if anything."""
    key = ("measure_id", "client_id", "vendor_id", "period")
    before = session.scalar(
        select(Measurement)
        .where(*(getattr(Measurement, name) == values[name] for name in key))
        .with_for_update()
    )
    old = None if before is None else _copy(before)
    fresh = {"state": "submitted", "decided_by": None, "decided_at": None, "reason": ""}
    statement = insert(Measurement).values(**values, **fresh)
    upsert = statement.on_conflict_do_update(
        index_elements=list(key),
        # submitted_at: the proposed row's default, now() (Citus refuses a function call in
        # DO UPDATE SET unless it is immutable).
        set_={
            name: statement.excluded[name]
            for name in (*values, *fresh, "submitted_at")
            if name not in key
        },
    )
    measurement_id = session.scalars(upsert.returning(Measurement.id)).one()
    stored = session.get(Measurement, measurement_id, populate_existing=True)
    assert stored is not None
    return stored, old


def _copy(row: Measurement) -> Measurement:
    return Measurement(
        value=row.value, state=row.state, numerator=row.numerator, denominator=row.denominator
    )


def measurement_for_update(session: Session, measurement_id: int) -> Measurement | None:
    """Return a measurement, locked until the transaction ends (two clicks, one verdict)."""
    return session.scalar(
        select(Measurement).where(Measurement.id == measurement_id).with_for_update()
    )


def measurements(
    session: Session,
    *,
    client_id: int | None,
    vendor_id: int | None,
    period: str | None,
    state: str | None,
    ids: list[int] | None = None,
) -> list[tuple[Measurement, Measure, str, str, str]]:
    """Return measurements with their measure, client code, vendor code and client timezone,
    oldest period first; every filter left None matches all."""
    query = (
        select(Measurement, Measure, Client.code, Vendor.code, Client.timezone)
        .join(Measure, Measure.id == Measurement.measure_id)
        .join(Client, Client.id == Measurement.client_id)
        .join(Vendor, Vendor.id == Measurement.vendor_id)
    )
    if client_id is not None:
        query = query.where(Measurement.client_id == client_id)
    if vendor_id is not None:
        query = query.where(Measurement.vendor_id == vendor_id)
    if period is not None:
        query = query.where(Measurement.period == period)
    if state is not None:
        query = query.where(Measurement.state == state)
    if ids is not None:
        query = query.where(Measurement.id.in_(ids))
    order = (Measurement.period_start, Measure.code, Client.code, Vendor.code, Measurement.id)
    rows = session.execute(query.order_by(*order))
    return [(m, measure, client, vendor, zone) for m, measure, client, vendor, zone in rows]
