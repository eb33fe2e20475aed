"""All SQL of contracts: contracts and their queues, and the alerts a report lists by name.

The period's figures are summed by the KPI engine's stats reader (`app.kpi.queries`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from psycopg import Connection
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.access.scope import QueueInfo
from app.kpi.sources import ALERT_ACKNOWLEDGED_SQL, ALERT_RESPONSE_SQL
from app.models import Client, Contract, ContractQueue, Queue, QueueVendor, Vendor


def contracts_by_code(session: Session) -> dict[str, Contract]:
    """Return every contract by code."""
    return {c.code: c for c in session.scalars(select(Contract))}


def queues_by_code(session: Session) -> dict[str, Queue]:
    """Return every queue by code."""
    return {q.code: q for q in session.scalars(select(Queue))}


def served_pairs(session: Session) -> set[tuple[int, int]]:
    """Return every (queue id, vendor id) where the vendor serves the queue."""
    return {(q, v) for q, v in session.execute(select(QueueVendor.queue_id, QueueVendor.vendor_id))}


def contract_queue_ids(session: Session, contract_id: int) -> set[int]:
    """Return the ids of the queues a contract covers."""
    query = select(ContractQueue.queue_id).where(ContractQueue.contract_id == contract_id)
    return set(session.scalars(query))


def link_queues(
    session: Session, contract: Contract, added: Sequence[int], gone: Sequence[int]
) -> None:
    """Add and remove queues of a contract."""
    if added:
        rows = [
            {"client_id": contract.client_id, "contract_id": contract.id, "queue_id": queue_id}
            for queue_id in added
        ]
        session.execute(insert(ContractQueue), rows)
    if gone:
        session.execute(
            delete(ContractQueue).where(
                ContractQueue.contract_id == contract.id, ContractQueue.queue_id.in_(gone)
            )
        )


@dataclass(frozen=True)
class ContractRow:
    """A stored contract with its vendor's code and its queues, ordered by code."""

    contract: Contract
    vendor_code: str
    queues: tuple[QueueInfo, ...]


def client_code_and_timezone(session: Session, client_id: int) -> tuple[str, str]:
    """Return a client's code and timezone name."""
    row = session.execute(select(Client.code, Client.timezone).where(Client.id == client_id)).one()
    return row.code, row.timezone


def client_name(session: Session, client_id: int) -> str:
    """Return a client's display name."""
    return session.scalar(select(Client.name).where(Client.id == client_id)) or ""


def contracts_in_force(
    session: Session, client_id: int, first_day: date, last_day: date, vendor_id: int | None
) -> list[ContractRow]:
    """Return the client's contracts valid on any day of `[first_day, last_day]`, by code.

    With `vendor_id`, only that vendor's contracts (what a vendor's key may read).
    """
    query = (
        select(Contract, Vendor.code)
        .join(Vendor, Vendor.id == Contract.vendor_id)
        .where(
            Contract.client_id == client_id,
            Contract.valid_from <= last_day,
            Contract.valid_to >= first_day,
        )
        .order_by(Contract.code)
    )
    if vendor_id is not None:
        query = query.where(Contract.vendor_id == vendor_id)
    found = session.execute(query).all()
    queues = session.execute(
        select(ContractQueue.contract_id, Queue)
        .join(Queue, Queue.id == ContractQueue.queue_id)
        .where(ContractQueue.contract_id.in_([contract.id for contract, _ in found]))
        .order_by(Queue.code)
    ).all()
    return [
        ContractRow(
            contract,
            vendor_code,
            tuple(
                QueueInfo(
                    q.id,
                    q.code,
                    q.sl_threshold_s,
                    q.sl_formula,
                    q.short_abandon_s,
                    q.targets,
                    q.hours,
                )
                for contract_id, q in queues
                if contract_id == contract.id
            ),
        )
        for contract, vendor_code in found
    ]


def unacknowledged_alerts(
    pg: Connection,
    *,
    client_id: int,
    queue_ids: Sequence[int],
    start: datetime,
    end: datetime,
    limit: int,
) -> list[tuple]:
    """Return the alerts opened in `[start, end)` and not acknowledged by `end`, oldest first.

    Rows: (queue code, rule name, opened at, resolved at, seconds unacknowledged: until it
    resolved, `end` or now, whichever came first), at most `limit` of them.
    """
    return pg.execute(
        f"SELECT q.code, r.name, a.opened_at, a.resolved_at, {ALERT_RESPONSE_SQL}::float8"
        " FROM alerts a JOIN queues q ON q.id = a.queue_id JOIN alert_rules r ON r.id = a.rule_id"
        " WHERE a.client_id = %(client)s AND a.queue_id = ANY(%(queues)s)"
        f" AND a.opened_at >= %(lo)s AND a.opened_at < %(hi)s AND NOT {ALERT_ACKNOWLEDGED_SQL}"
        " ORDER BY a.opened_at, a.id LIMIT %(limit)s",
        {"client": client_id, "queues": list(queue_ids), "lo": start, "hi": end, "limit": limit},
    ).fetchall()
