"""All SQL of disputes: the contracts they are about, the disputes and their threads."""

from collections.abc import Sequence
from datetime import datetime

from psycopg import Connection
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Contract, Dispute, DisputeStep, Vendor


def add(session: Session, dispute: Dispute) -> Dispute:
    """Store a new dispute and return it with its id."""
    session.add(dispute)
    session.flush()
    return dispute


def add_step(session: Session, step: DisputeStep) -> None:
    """Add a step to a dispute's thread."""
    session.add(step)
    session.flush()


def dispute_for_update(session: Session, client_id: int, dispute_id: int) -> Dispute | None:
    """Return a client's dispute, locked until the transaction ends (two clicks, one step)."""
    return session.scalar(
        select(Dispute)
        .where(Dispute.id == dispute_id, Dispute.client_id == client_id)
        .with_for_update()
    )


def contract(session: Session, contract_id: int) -> tuple[Contract, str]:
    """Return a contract and its vendor's code."""
    row = session.execute(
        select(Contract, Vendor.code)
        .join(Vendor, Vendor.id == Contract.vendor_id)
        .where(Contract.id == contract_id)
    ).one()
    return row[0], row[1]


def contract_by_code(session: Session, code: str) -> Contract | None:
    """Return a contract by code, or None."""
    return session.scalar(select(Contract).where(Contract.code == code))


def disputes(
    session: Session,
    client_id: int,
    *,
    vendor_id: int | None,
    contract_id: int | None,
    start: datetime | None,
    end: datetime | None,
    state: str | None,
) -> list[tuple[Dispute, str, str]]:
    """Return the client's disputes (of one vendor's contracts, one contract, a period's, in one
    state, as given), oldest first, each with its contract's and vendor's codes."""
    query = (
        select(Dispute, Contract.code, Vendor.code)
        .join(Contract, Contract.id == Dispute.contract_id)
        .join(Vendor, Vendor.id == Dispute.vendor_id)
        .where(Dispute.client_id == client_id)
        .order_by(Dispute.id)
    )
    if vendor_id is not None:
        query = query.where(Dispute.vendor_id == vendor_id)
    if contract_id is not None:
        query = query.where(Dispute.contract_id == contract_id)
    if start is not None and end is not None:
        query = query.where(Dispute.period_start < end, Dispute.period_end > start)
    if state is not None:
        query = query.where(Dispute.state == state)
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def steps(session: Session, dispute_ids: Sequence[int]) -> list[DisputeStep]:
    """Return the steps of these disputes, in the order they were taken."""
    return list(
        session.scalars(
            select(DisputeStep)
            .where(DisputeStep.dispute_id.in_(dispute_ids))
            .order_by(DisputeStep.id)
        )
    )


def unknown_call_ids(
    pg: Connection,
    client_id: int,
    queue_ids: Sequence[int],
    start: datetime,
    end: datetime,
    call_ids: Sequence[str],
) -> list[str]:
    """Return those of `call_ids` with no call of the client's queues offered in `[start, end)`."""
    rows = pg.execute(
        "SELECT i FROM unnest(%(ids)s::text[]) i WHERE NOT EXISTS (SELECT 1 FROM calls c"
        " WHERE c.client_id = %(client)s AND c.queue_id = ANY(%(queues)s) AND c.call_id = i"
        " AND c.offered_at >= %(lo)s AND c.offered_at < %(hi)s) ORDER BY i",
        {
            "ids": list(call_ids),
            "client": client_id,
            "queues": list(queue_ids),
            "lo": start,
            "hi": end,
        },
    ).fetchall()
    return [row[0] for row in rows]
