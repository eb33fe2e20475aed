"""SQL of the evidence listing: the calls and tickets behind a figure, a page at a time.

Rows are read through the KPI catalogue's own row SQL (`CALL_ROWS_SQL`, the tickets'
`rows_sql`) and kept to the source's rows (`where`), so a listing counts what the stats
count. Pages are keyset pages in time order: `(offered_at, call_id)` and
`(created_at, ticket_id)`, read from the index on (client, queue, time).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row

from app.core.pgarray import array_literal
from app.evidence.outcomes import (
    CALL_OUTCOME_SQL,
    CALL_OUTCOMES,
    CALL_WAIT_SQL,
    FRT_MET_SQL,
    RESOLUTION_MET_SQL,
    SL_MET_SQL,
    TICKET_OPEN_SQL,
)
from app.kpi.sources import CALLS, TICKETS

VERDICTS = {"met": "IS TRUE", "missed": "IS FALSE"}


@dataclass(frozen=True)
class Within:
    """Whose rows and when: a client's queues, a vendor's records (None: all), `[start, end)`."""

    client_id: int
    queue_ids: Sequence[int]
    vendor_id: int | None
    agent_ids: Sequence[int] | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CallFilter:
    """Filters on calls, each already checked (outcome a key of `CALL_OUTCOMES`)."""

    horizon_s: int
    outcome: str | None = None
    sl: str | None = None
    min_wait_s: float | None = None
    transferred: bool | None = None
    resolved: bool | None = None
    csat_below: float | None = None


@dataclass(frozen=True)
class TicketFilter:
    """Filters on tickets, each already checked."""

    channel: str | None = None
    frt: str | None = None
    resolution: str | None = None
    open: bool | None = None


CALL_COLUMNS = (
    "c.call_id, q.code AS queue, v.code AS vendor, a.code AS agent, c.offered_at,"
    " c.answered_at, c.ended_at, c.offered_estimated, c.answered_estimated,"
    f" ({CALL_WAIT_SQL})::float8 AS wait_s, g.talk::float8 AS talk_s, g.hold::float8 AS hold_s,"
    f" g.acw::float8 AS acw_s, {CALL_OUTCOME_SQL} AS outcome, {SL_MET_SQL} AS sl_met,"
    " c.transferred, c.resolved, c.csat::float8 AS csat, c.exit_reason"
)
TICKET_COLUMNS = (
    "t.ticket_id, q.code AS queue, v.code AS vendor, a.code AS agent, t.channel, t.priority,"
    " t.created_at, t.first_response_at, t.resolved_at,"
    " extract(epoch FROM t.first_response_at - t.created_at)::float8 AS frt_s,"
    " extract(epoch FROM t.resolved_at - t.created_at)::float8 AS resolution_s,"
    " g.frt AS frt_target_s, g.res AS resolution_target_s,"
    f" {FRT_MET_SQL} AS frt_met, {RESOLUTION_MET_SQL} AS resolution_met,"
    f" {TICKET_OPEN_SQL} AS open, t.csat::float8 AS csat"
)
NAMES = " JOIN vendors v ON v.id = {a}.vendor_id LEFT JOIN agents a ON a.id = {a}.agent_id"


def _within(alias: str, at: str, within: Within) -> tuple[list[str], dict[str, Any]]:
    """Return the tenant, queue, vendor, agent and time conditions of a listing."""
    queues = within.queue_ids
    where = [
        f"{alias}.client_id = %(client)s",
        f"{alias}.queue_id = %(queue)s"
        if len(queues) == 1
        else f"{alias}.queue_id = ANY(%(queues)s::int[])",
        f"{alias}.{at} >= %(lo)s AND {alias}.{at} < %(hi)s",
    ]
    params: dict[str, Any] = {
        "client": within.client_id,
        "queue": queues[0] if queues else None,
        "queues": array_literal(queues),
        "lo": within.start,
        "hi": within.end,
    }
    if within.vendor_id is not None:
        where.append(f"{alias}.vendor_id = %(vendor)s")
        params["vendor"] = within.vendor_id
    if within.agent_ids is not None:
        where.append(f"{alias}.agent_id = ANY(%(agents)s::int[])")
        params["agents"] = array_literal(within.agent_ids)
    return where, params


def _call_conditions(within: Within, f: CallFilter) -> tuple[list[str], dict[str, Any]]:
    where, params = _within("c", "offered_at", within)
    where.append(CALLS.where)
    params["horizon"] = f"{f.horizon_s} seconds"
    if f.outcome:
        where.append(f"({CALL_OUTCOMES[f.outcome]})")
    if f.sl:
        where.append(f"({SL_MET_SQL}) {VERDICTS[f.sl]}")
    if f.min_wait_s is not None:
        where.append(f"({CALL_WAIT_SQL}) >= %(min_wait)s")
        params["min_wait"] = f.min_wait_s
    if f.transferred is not None:
        where.append("c.transferred = %(transferred)s")
        params["transferred"] = f.transferred
    if f.resolved is not None:
        where.append("c.resolved = %(resolved)s")
        params["resolved"] = f.resolved
    if f.csat_below is not None:
        where.append("c.csat < %(csat_below)s")
        params["csat_below"] = f.csat_below
    return where, params


def _ticket_conditions(within: Within, f: TicketFilter) -> tuple[list[str], dict[str, Any]]:
    where, params = _within("t", "created_at", within)
    if f.channel:
        where.append("t.channel = %(channel)s")
        params["channel"] = f.channel
    if f.frt:
        where.append(f"({FRT_MET_SQL}) {VERDICTS[f.frt]}")
    if f.resolution:
        where.append(f"({RESOLUTION_MET_SQL}) {VERDICTS[f.resolution]}")
    if f.open is not None:
        where.append(f"({TICKET_OPEN_SQL}) = %(open)s")
        params["open"] = f.open
    return where, params


def _page(
    pg: Connection,
    select: str,
    where: list[str],
    params: dict[str, Any],
    keys: tuple[str, str],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    if after:
        where.append(f"({keys[0]}, {keys[1]}) > (%(after_at)s, %(after_id)s)")
        params |= {"after_at": after[0], "after_id": after[1]}
    sql = f"{select} WHERE {' AND '.join(where)} ORDER BY {keys[0]}, {keys[1]} LIMIT %(n)s"
    with pg.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params | {"n": limit}).fetchall()


def calls_page(
    pg: Connection, within: Within, f: CallFilter, after: tuple[datetime, str] | None, limit: int
) -> list[dict[str, Any]]:
    """Return up to `limit` calls after the key `after`, in (offered_at, call_id) order."""
    where, params = _call_conditions(within, f)
    select = f"SELECT {CALL_COLUMNS} FROM calls c {CALLS.rows_sql}{NAMES.format(a='c')}"
    return _page(pg, select, where, params, ("c.offered_at", "c.call_id"), after, limit)


def count_calls(pg: Connection, within: Within, f: CallFilter) -> int:
    """Count the calls a listing holds (what an export would write)."""
    where, params = _call_conditions(within, f)
    sql = f"SELECT count(*) FROM calls c {CALLS.rows_sql} WHERE {' AND '.join(where)}"
    row = pg.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def tickets_page(
    pg: Connection, within: Within, f: TicketFilter, after: tuple[datetime, str] | None, limit: int
) -> list[dict[str, Any]]:
    """Return up to `limit` tickets after the key `after`, in (created_at, ticket_id) order."""
    where, params = _ticket_conditions(within, f)
    select = f"SELECT {TICKET_COLUMNS} FROM tickets t {TICKETS.rows_sql}{NAMES.format(a='t')}"
    return _page(pg, select, where, params, ("t.created_at", "t.ticket_id"), after, limit)


def count_tickets(pg: Connection, within: Within, f: TicketFilter) -> int:
    """Count the tickets a listing holds."""
    where, params = _ticket_conditions(within, f)
    sql = f"SELECT count(*) FROM tickets t {TICKETS.rows_sql} WHERE {' AND '.join(where)}"
    row = pg.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def vendor_id(pg: Connection, code: str) -> int | None:
    """Return the id of the vendor with `code`, or None."""
    row = pg.execute("SELECT id FROM vendors WHERE code = %s", [code]).fetchone()
    return row[0] if row else None


def agent_ids(pg: Connection, client_id: int, code: str, vendor: int | None) -> list[int]:
    """Return the ids of a client's agents with `code` (one per vendor; one vendor's if given)."""
    rows = pg.execute(
        "SELECT id FROM agents WHERE client_id = %s AND code = %s"
        " AND (%s::int IS NULL OR vendor_id = %s)",
        [client_id, code, vendor, vendor],
    )
    return [r[0] for r in rows]
