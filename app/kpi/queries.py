"""Read-side SQL of the KPI engine: summed stats per bucket, and the live state of a queue."""

from collections.abc import Sequence
from datetime import datetime

from psycopg import Connection

from app.kpi.definitions import CALL_COMPONENTS
from app.kpi.repository import CALL_COMPONENT_SQL, CALL_FACTS_SQL

BUCKETS = {
    "interval": "s.interval_start",
    "hour": "s.interval_start - make_interval(mins => extract(minute FROM s.interval_start"
    " AT TIME ZONE %(tz)s)::int)",
    "day": "(s.interval_start AT TIME ZONE %(tz)s)::date",
    "week": "date_trunc('week', s.interval_start AT TIME ZONE %(tz)s)::date",
    "month": "date_trunc('month', s.interval_start AT TIME ZONE %(tz)s)::date",
}
STATS_TABLES = {
    "calls": ("call_interval_stats", "s.queue_id = ANY(%(queues)s)"),
    "alerts": (
        "(SELECT client_id, queue_id, date_bin(%(iv)s::interval, opened_at,"
        " TIMESTAMPTZ '2000-01-01 00:00+00') AS interval_start, 1 AS alerts_opened,"
        " (acknowledged_at IS NOT NULL)::int AS alerts_acknowledged,"
        " coalesce(extract(epoch FROM acknowledged_at - opened_at), 0) AS alert_response_sum_s"
        " FROM alerts)",
        "s.queue_id = ANY(%(queues)s)",
    ),
    "tickets": ("ticket_interval_stats", "s.queue_id = ANY(%(queues)s)"),
    "agents": (
        "agent_interval_stats",
        "s.agent_id IN (SELECT id FROM agents WHERE client_id = %(client)s"
        " AND (%(vendor)s::int IS NULL OR vendor_id = %(vendor)s))",
    ),
}


def sum_stats(
    pg: Connection,
    source: str,
    components: Sequence[str],
    *,
    granularity: str,
    split: str | None,
    client_id: int,
    queue_ids: Sequence[int],
    vendor_id: int | None,
    start: datetime,
    end: datetime,
    tz: str,
    interval_minutes: int = 15,
) -> list[tuple]:
    """Sum components of `source` (calls, tickets, agents, alerts) per bucket and split."""
    table, scope = STATS_TABLES[source]
    sums = ", ".join(f"sum(s.{c})::float8" for c in components)
    split_sql = f"s.{split}" if split else "NULL"
    return pg.execute(
        f"SELECT {BUCKETS[granularity]} AS bucket, {split_sql} AS split, {sums}"
        f" FROM {table} s WHERE s.client_id = %(client)s AND {scope}"
        " AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s GROUP BY 1, 2",
        {
            "client": client_id,
            "queues": list(queue_ids),
            "vendor": vendor_id,
            "lo": start,
            "hi": end,
            "tz": tz,
            "iv": f"{interval_minutes} minutes",
        },
    ).fetchall()


def agent_codes(pg: Connection, client_id: int, vendor_id: int | None) -> dict[int, str]:
    """Return `{agent id: code}` of a client's agents (one vendor's, when limited)."""
    rows = pg.execute(
        "SELECT id, code FROM agents WHERE client_id = %s AND (%s::int IS NULL OR vendor_id = %s)",
        [client_id, vendor_id, vendor_id],
    )
    return dict(rows.fetchall())


def waiting_calls(
    pg: Connection, client_id: int, queue_id: int, horizon_s: int, day_start: datetime
) -> tuple[int, datetime | None, int]:
    """Return calls waiting now, the oldest one's offered time, and today's lost calls.

    A call with neither answer nor end waits at most `horizon_s`; after that it is lost
    data (its end never arrived), counted apart instead of waiting forever.
    """
    row = pg.execute(
        "SELECT count(*) FILTER (WHERE offered_at > now() - %(h)s::interval),"
        " min(offered_at) FILTER (WHERE offered_at > now() - %(h)s::interval),"
        " count(*) FILTER (WHERE offered_at <= now() - %(h)s::interval)"
        " FROM calls WHERE client_id = %(c)s AND queue_id = %(q)s AND answered_at IS NULL"
        " AND ended_at IS NULL AND offered_known AND direction = 'inbound'"
        " AND offered_at > least(%(day)s, now() - %(h)s::interval) AND offered_at <= now()",
        {"c": client_id, "q": queue_id, "h": f"{horizon_s} seconds", "day": day_start},
    ).fetchone()
    return row[0], row[1], row[2]  # type: ignore[index]


def latest_agent_states(
    pg: Connection, client_id: int, queue_id: int, vendor_id: int | None
) -> list[tuple]:
    """Return each agent of the queue with its latest state, since when, and reason.

    An agent belongs to the queue when its latest event lists the queue, or lists no queue
    and its vendor serves the queue. Agents logged out, or silent for a day, are left out.
    """
    return pg.execute(
        "SELECT a.id, a.code, v.code, l.state, l.at, l.reason FROM (SELECT DISTINCT ON"
        " (agent_id) agent_id, state, at, reason, queue_ids FROM agent_state_changes"
        " WHERE client_id = %(c)s AND at > now() - interval '1 day' AND at <= now()"
        " ORDER BY agent_id, at DESC) l JOIN agents a ON a.id = l.agent_id"
        " JOIN vendors v ON v.id = a.vendor_id"
        " WHERE l.state <> 'logged_out' AND (%(v)s::int IS NULL OR a.vendor_id = %(v)s)"
        " AND (%(q)s = ANY(l.queue_ids) OR (l.queue_ids IS NULL"
        " AND EXISTS (SELECT 1 FROM queue_vendors qv WHERE qv.queue_id = %(q)s"
        " AND qv.vendor_id = a.vendor_id))) ORDER BY l.at",
        {"c": client_id, "q": queue_id, "v": vendor_id},
    ).fetchall()


def agent_call_totals(
    pg: Connection, client_id: int, queue_id: int, since: datetime
) -> dict[int, tuple[float, float]]:
    """Return `{agent id: (handled, Σ handle seconds)}` in the queue since `since`."""
    rows = pg.execute(
        "SELECT agent_id, sum(handled)::float8, sum(talk_s + hold_s + acw_s)::float8"
        " FROM call_interval_stats WHERE client_id = %s AND queue_id = %s"
        " AND interval_start >= %s AND agent_id <> 0 GROUP BY agent_id",
        [client_id, queue_id, since],
    ).fetchall()
    return {agent: (handled, seconds) for agent, handled, seconds in rows}


def feed_freshness(
    pg: Connection, client_id: int, queue_id: int, vendor_id: int | None
) -> list[tuple]:
    """Return each vendor serving the queue and when its feed last wrote a record.

    A replayed record changes nothing and does not count: a feed that only repeats
    itself is as quiet as one that sends nothing.
    """
    return pg.execute(
        "SELECT v.code, (SELECT max(t) FROM ("
        " SELECT max(updated_at) AS t FROM calls WHERE client_id = %(c)s AND queue_id = %(q)s"
        " AND vendor_id = v.id AND offered_at > now() - interval '1 day'"
        " UNION ALL SELECT max(updated_at) FROM agent_state_changes WHERE client_id = %(c)s"
        " AND vendor_id = v.id AND at > now() - interval '1 day'"
        " UNION ALL SELECT max(updated_at) FROM tickets WHERE client_id = %(c)s"
        " AND queue_id = %(q)s AND vendor_id = v.id AND created_at > now() - interval '1 day'"
        ") x) FROM queue_vendors qv JOIN vendors v ON v.id = qv.vendor_id"
        " WHERE qv.queue_id = %(q)s AND (%(v)s::int IS NULL OR v.id = %(v)s) ORDER BY v.code",
        {"c": client_id, "q": queue_id, "v": vendor_id},
    ).fetchall()


def window_call_components(
    pg: Connection, client_id: int, queue_id: int, since: datetime
) -> dict[str, float]:
    """Sum call components straight from raw calls offered since `since` (rolling windows)."""
    row = pg.execute(
        f"SELECT {CALL_COMPONENT_SQL} FROM calls c {CALL_FACTS_SQL} WHERE c.client_id = %s"
        " AND c.queue_id = %s AND c.offered_at >= %s AND c.offered_known",
        [client_id, queue_id, since],
    ).fetchone()
    return {name: float(value) for name, value in zip(CALL_COMPONENTS, row or (), strict=True)}


def offered_between(
    pg: Connection, client_id: int, queue_id: int, start: datetime, end: datetime
) -> int:
    """Count inbound calls offered in `[start, end)`, from raw calls."""
    row = pg.execute(
        "SELECT count(*) FROM calls WHERE client_id = %s AND queue_id = %s"
        " AND offered_at >= %s AND offered_at < %s AND direction = 'inbound'",
        [client_id, queue_id, start, end],
    ).fetchone()
    return int(row[0]) if row else 0
