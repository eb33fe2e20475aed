"""SQL of the evidence listing: the calls, tickets and QA evaluations behind a figure, a page
at a time.

Rows are read through the KPI catalogue's own row SQL (`CALL_ROWS_SQL`, the tickets'
`rows_sql`) and kept to the source's rows (`where`), so a listing counts what the stats
count; QA evaluations are the QA source's facts, one row each. Pages are keyset pages in
time order: `(offered_at, call_id)`, `(created_at, ticket_id)` and `(evaluated_at,
evaluation_id)`, read from the index on (client, queue, time).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from psycopg import Connection
from psycopg.rows import dict_row

from app.core.pgarray import array_literal
from app.evidence.outcomes import (
    CALL_OUTCOME_SQL,
    CALL_OUTCOMES,
    CALL_WAIT_SQL,
    CALLBACK_MET_SQL,
    FRT_MET_SQL,
    RESOLUTION_MET_SQL,
    SL_MET_SQL,
    TICKET_OPEN_SQL,
)
from app.kpi.sources import CALLBACK_LINK_SQL, CALLS, QA, TICKETS

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

    kind: ClassVar[str] = "calls"
    horizon_s: int
    outcome: str | None = None
    sl: str | None = None
    min_wait_s: float | None = None
    transferred: bool | None = None
    resolved: bool | None = None
    csat_below: float | None = None
    callback: str | None = None


@dataclass(frozen=True)
class TicketFilter:
    """Filters on tickets, each already checked."""

    kind: ClassVar[str] = "tickets"
    channel: str | None = None
    frt: str | None = None
    resolution: str | None = None
    open: bool | None = None


@dataclass(frozen=True)
class QaFilter:
    """QA evaluations: no filter beyond the scope, range, vendor and agent."""

    kind: ClassVar[str] = "qa-evaluations"


Filter = CallFilter | TicketFilter | QaFilter

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
QA_COLUMNS = (
    "e.evaluation_id, e.call_id, e.ticket_id, q.code AS queue, v.code AS vendor,"
    " a.code AS agent, e.evaluator, e.evaluated_at, e.mode, e.fatal_errors,"
    " e.non_fatal_errors, e.score::float8 AS score, e.items"
)
KEYS = {
    "calls": ("offered_at", "call_id"),
    "tickets": ("created_at", "ticket_id"),
    "qa-evaluations": ("evaluated_at", "evaluation_id"),
}
ALIASES = {"calls": CALLS.alias, "tickets": TICKETS.alias, "qa-evaluations": QA.alias}
RELATIONS = {
    "calls": f"calls c {CALLS.rows_sql}",
    "tickets": f"tickets t {TICKETS.rows_sql}",
    "qa-evaluations": f"qa_evaluations e {QA.rows_sql} JOIN queues q ON q.id = e.queue_id",
}
COLUMNS = {"calls": CALL_COLUMNS, "tickets": TICKET_COLUMNS, "qa-evaluations": QA_COLUMNS}
NAMES = {  # the codes a row shows, for its vendor and agent
    kind: f" JOIN vendors v ON v.id = {a}.vendor_id LEFT JOIN agents a ON a.id = {a}.agent_id"
    for kind, a in ALIASES.items()
}


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


# Filters by field: a value compared in SQL (bound as the field's name), or a verdict.
CALL_VALUES = {
    "min_wait_s": f"({CALL_WAIT_SQL}) >= %(min_wait_s)s",
    "transferred": "c.transferred = %(transferred)s",
    "resolved": "c.resolved = %(resolved)s",
    "csat_below": "c.csat < %(csat_below)s",
}
CALL_VERDICTS = {"sl": SL_MET_SQL, "callback": CALLBACK_MET_SQL}
TICKET_VALUES = {"channel": "t.channel = %(channel)s", "open": f"({TICKET_OPEN_SQL}) = %(open)s"}
TICKET_VERDICTS = {"frt": FRT_MET_SQL, "resolution": RESOLUTION_MET_SQL}


def _filtered(
    rows: CallFilter | TicketFilter, values: dict[str, str], verdicts: dict[str, str]
) -> tuple[list[str], dict[str, Any]]:
    """Return the conditions and parameters of the filters `rows` sets."""
    where, params = [], {}
    for name, sql in values.items():
        if (value := getattr(rows, name)) is not None:
            where.append(sql)
            params[name] = value
    for name, sql in verdicts.items():
        if verdict := getattr(rows, name):
            where.append(f"({sql}) {VERDICTS[verdict]}")
    return where, params


def _relation(rows: Filter) -> str:
    """Return the listing's relation; with a callback filter, each request's link joined."""
    if isinstance(rows, CallFilter) and rows.callback:
        return RELATIONS["calls"] + CALLBACK_LINK_SQL
    return RELATIONS[rows.kind]


def _conditions(within: Within, rows: Filter) -> tuple[list[str], dict]:
    """Return every condition of a listing: its scope and range, then its filters."""
    if isinstance(rows, QaFilter):
        return _within("e", "evaluated_at", within)
    if isinstance(rows, CallFilter):
        where, params = _within("c", "offered_at", within)
        where.append(CALLS.where)
        params["horizon"] = f"{rows.horizon_s} seconds"
        if rows.outcome:
            where.append(f"({CALL_OUTCOMES[rows.outcome]})")
        filters = _filtered(rows, CALL_VALUES, CALL_VERDICTS)
    else:
        where, params = _within("t", "created_at", within)
        filters = _filtered(rows, TICKET_VALUES, TICKET_VERDICTS)
    return where + filters[0], params | filters[1]


def page(
    pg: Connection,
    within: Within,
    rows: Filter,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Return up to `limit` rows after the key `after`, in key order (time, then id)."""
    where, params = _conditions(within, rows)
    time_key, id_key = (f"{ALIASES[rows.kind]}.{key}" for key in KEYS[rows.kind])
    if after:
        where.append(f"({time_key}, {id_key}) > (%(after_at)s, %(after_id)s)")
        params |= {"after_at": after[0], "after_id": after[1]}
    sql = (
        f"SELECT {COLUMNS[rows.kind]} FROM {_relation(rows)}{NAMES[rows.kind]}"
        f" WHERE {' AND '.join(where)} ORDER BY {time_key}, {id_key} LIMIT %(n)s"
    )
    with pg.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params | {"n": limit}).fetchall()


def count(pg: Connection, within: Within, rows: Filter) -> int:
    """Count the rows a listing holds (what an export would write)."""
    where, params = _conditions(within, rows)
    sql = f"SELECT count(*) FROM {_relation(rows)} WHERE {' AND '.join(where)}"
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
