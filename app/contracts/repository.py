"""All SQL of contracts: contracts and their queues, and the period's rollups summed per day.

The SLA report reads stats only (never raw calls): one grouped scan per source. Calls and
agents come from the day stats (already per local day of the client's timezone, and periods
are whole local days); tickets from interval stats and alerts from alerts, each row put in
its local day by `width_bucket` over the days' UTC starts, so no row needs a timezone
conversion.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from psycopg import Connection
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.access.scope import QueueInfo
from app.kpi.definitions import (
    AGENT_COMPONENTS,
    ALERT_COMPONENTS,
    CALL_COMPONENTS,
    TICKET_COMPONENTS,
)
from app.kpi.queries import ALERT_ACKNOWLEDGED_SQL, ALERT_RESPONSE_SQL
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
                    q.id, q.code, q.sl_threshold_s, q.sl_formula, q.short_abandon_s, q.targets
                )
                for contract_id, q in queues
                if contract_id == contract.id
            ),
        )
        for contract, vendor_code in found
    ]


# Agents of the client working for another vendor than %(vendor)s: their calls are not ours.
_OTHER_VENDORS_AGENTS = (
    "SELECT id FROM agents WHERE client_id = %(client)s AND vendor_id <> %(vendor)s"
)
# Per source: the table, its time column (`day`: a local date), its extra scope, and the sums
# in the order of the components it returns.
_SOURCES = {
    "calls": (
        "call_day_stats",
        "day",
        "s.queue_id = ANY(%(queues)s)",
        [f"sum(s.{c})" for c in CALL_COMPONENTS]
        + [f"sum(s.handled) FILTER (WHERE s.agent_id NOT IN ({_OTHER_VENDORS_AGENTS}))"],
    ),
    "tickets": (
        "ticket_interval_stats",
        "interval_start",
        "s.queue_id = ANY(%(queues)s)",
        [f"sum(s.{c})" for c in TICKET_COMPONENTS],
    ),
    "agents": (
        "agent_day_stats",
        "day",
        "s.agent_id IN (SELECT id FROM agents WHERE client_id = %(client)s"
        " AND vendor_id = %(vendor)s)",
        [f"sum(s.{c})" for c in AGENT_COMPONENTS],
    ),
    "alerts": (
        "alerts",
        "opened_at",
        "s.queue_id = ANY(%(queues)s)",
        [
            "count(*)",
            f"count(*) FILTER (WHERE {ALERT_ACKNOWLEDGED_SQL})",
            f"sum({ALERT_RESPONSE_SQL})",
        ],
    ),
}
# The names of the values each source returns, after the day (and the channel of tickets).
SOURCE_COMPONENTS = {
    "calls": (*CALL_COMPONENTS, "handled_by_vendor"),
    "tickets": TICKET_COMPONENTS,
    "agents": AGENT_COMPONENTS,
    "alerts": ALERT_COMPONENTS,
}


def daily_sums(
    pg: Connection,
    source: str,
    *,
    client_id: int,
    queue_ids: Sequence[int],
    vendor_id: int,
    local_days: Sequence[date],
    day_starts: Sequence[datetime],
    end: datetime,
) -> list[tuple]:
    """Sum a source's components per day: rows of (day index from 0, split, *sums).

    `local_days` are the period's consecutive local dates, `day_starts` the instants of their
    local midnights and `end` the last one's end; the split is the ticket channel for tickets
    and None otherwise.
    """
    table, at, scope, sums = _SOURCES[source]
    if at == "day":
        day = "s.day - %(first)s::date"
        within = "s.day >= %(first)s::date AND s.day <= %(last)s::date"
    else:
        day = f"width_bucket(s.{at}, %(days)s::timestamptz[]) - 1"
        within = f"s.{at} >= %(lo)s AND s.{at} < %(hi)s"
    # A month is a million stats rows in 31 groups, but the planner expects thousands of groups
    # and, within the default 4 MB, sorts them on disk: give this transaction room to hash.
    pg.execute("SET LOCAL work_mem = '64MB'")
    split = "s.channel" if source == "tickets" else "NULL"
    values = ", ".join(f"coalesce({expression}, 0)::float8" for expression in sums)
    return pg.execute(
        f"SELECT {day}, {split}, {values} FROM {table} s"
        f" WHERE s.client_id = %(client)s AND {scope} AND {within} GROUP BY 1, 2",
        {
            "client": client_id,
            "queues": list(queue_ids),
            "vendor": vendor_id,
            "days": list(day_starts),
            "lo": day_starts[0],
            "hi": end,
            "first": local_days[0],
            "last": local_days[-1],
        },
    ).fetchall()


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
