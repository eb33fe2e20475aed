"""SQL of the audit log: add an entry, list entries a reader may see, newest first."""

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Client, Contract, Vendor


def add(session: Session, entry: AuditEntry) -> None:
    """Add an entry in the caller's transaction (it stands or falls with the step it records)."""
    session.add(entry)
    session.flush()


def entries(
    session: Session,
    *,
    client_id: int | None,
    vendor_id: int | None,
    contract_id: int | None,
    action: str | None,
    period: str | None,
    start: datetime | None,
    end: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[Any]:
    """Return entries matching every given filter, newest first, with their parties' codes.

    `period` matches steps whose before or after names that period (closes, reopens,
    restatements, disputes).
    """
    query = (
        select(AuditEntry, Client.code, Client.timezone, Vendor.code, Contract.code)
        .outerjoin(Client, Client.id == AuditEntry.client_id)
        .outerjoin(Vendor, Vendor.id == AuditEntry.vendor_id)
        .outerjoin(Contract, Contract.id == AuditEntry.contract_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if client_id is not None:
        query = query.where(AuditEntry.client_id == client_id)
    if vendor_id is not None:
        query = query.where(AuditEntry.vendor_id == vendor_id)
    if contract_id is not None:
        query = query.where(AuditEntry.contract_id == contract_id)
    if action:
        exact_or_family = action if not action.endswith(".") else None
        query = query.where(
            AuditEntry.action == exact_or_family
            if exact_or_family
            else AuditEntry.action.startswith(action, autoescape=True)
        )
    if period:
        query = query.where(
            or_(
                AuditEntry.after["period"].astext == period,
                AuditEntry.before["period"].astext == period,
            )
        )
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.execute(query).all())


def client_by_id(session: Session, client_id: int) -> Client | None:
    """Return the client of an id, if any."""
    return session.get(Client, client_id)


def client_by_code(session: Session, code: str) -> Client | None:
    """Return the client of a code, if any."""
    return session.scalar(select(Client).where(Client.code == code))


def contract_by_code(session: Session, code: str) -> Contract | None:
    """Return the contract of a code, if any."""
    return session.scalar(select(Contract).where(Contract.code == code))
