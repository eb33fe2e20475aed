"""Read-side SQL of the KPI engine: summed stats per bucket, and the live state of a queue."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from psycopg import Connection

from app.core.grid import GRID_ORIGIN_SQL
from app.core.pgarray import array_literal
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
# An alert of the period ending at %(hi)s (NULL: so far) is acknowledged if it was by then;
# its response runs until then, else until it resolved, the period ended or now, whichever
# came first (definitions.alert_response_s). Columns of `alerts`, unqualified.
ALERT_ACKNOWLEDGED_SQL = (
    "coalesce(acknowledged_at < coalesce(%(hi)s::timestamptz, 'infinity'), false)"
)
ALERT_RESPONSE_SQL = (
    "extract(epoch FROM least(acknowledged_at, resolved_at, %(hi)s::timestamptz, now())"
    " - opened_at)"
)
STATS_TABLES = {
    "calls": ("call_interval_stats", "s.queue_id = ANY(%(queues)s)"),
    "alerts": (
        "(SELECT client_id, queue_id, date_bin(%(iv)s::interval, opened_at,"
        f" {GRID_ORIGIN_SQL}) AS interval_start, 1 AS alerts_opened,"
        f" {ALERT_ACKNOWLEDGED_SQL}::int AS alerts_acknowledged,"
        f" {ALERT_RESPONSE_SQL} AS alert_response_sum_s FROM alerts)",
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


# Per split of `/v1/metrics`: the distinct values the series would hold, from day stats
# (a few rows per queue and day) where they exist, so the count costs milliseconds.
_CALL_DAYS = (
    "SELECT {column} FROM call_day_stats s WHERE s.client_id = %(client)s"
    " AND s.queue_id = ANY(%(queues)s) AND s.day >= %(first)s AND s.day <= %(last)s"
)
SPLIT_MEMBERS = {
    "agent": f"SELECT count(*) FROM ({_CALL_DAYS.format(column='s.agent_id')} UNION"
    " SELECT s.agent_id FROM agent_day_stats s WHERE s.client_id = %(client)s"
    f" AND {STATS_TABLES['agents'][1]} AND s.day >= %(first)s AND s.day <= %(last)s) x",
    "queue": "SELECT count(*) FROM unnest(%(queues)s::int[]) q(id) WHERE EXISTS ("
    f"{_CALL_DAYS.format(column='1')} AND s.queue_id = q.id) OR EXISTS (SELECT 1"
    " FROM ticket_interval_stats s WHERE s.client_id = %(client)s AND s.queue_id = q.id"
    " AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s) OR EXISTS (SELECT 1"
    " FROM alerts s WHERE s.client_id = %(client)s AND s.queue_id = q.id"
    " AND s.opened_at >= %(lo)s AND s.opened_at < %(hi)s)",
    "channel": f"SELECT (SELECT count(*) FROM ({_CALL_DAYS.format(column='1')} LIMIT 1) v)"
    " + (SELECT count(DISTINCT s.channel) FROM ticket_interval_stats s"
    " WHERE s.client_id = %(client)s AND s.queue_id = ANY(%(queues)s)"
    " AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s)",
}


def split_members(
    pg: Connection,
    by: str,
    *,
    client_id: int,
    queue_ids: Sequence[int],
    vendor_id: int | None,
    start: datetime,
    end: datetime,
    tz: tzinfo,
) -> int:
    """Count the agents, queues or channels with data in `[start, end)`: the rows per bucket.

    Calls and agent states are read per local day in `tz`, so an agent seen only outside the
    range on its first or last day counts too: an estimate never below what the series holds.
    """
    row = pg.execute(
        SPLIT_MEMBERS[by],
        {
            "client": client_id,
            "queues": list(queue_ids),
            "vendor": vendor_id,
            "lo": start,
            "hi": end,
            "first": start.astimezone(tz).date(),
            "last": (end - timedelta(microseconds=1)).astimezone(tz).date(),
        },
    ).fetchone()
    return int(row[0]) if row else 0


def agent_codes(pg: Connection, client_id: int, vendor_id: int | None) -> dict[int, str]:
    """Return `{agent id: code}` of a client's agents (one vendor's, when limited)."""
    rows = pg.execute(
        "SELECT id, code FROM agents WHERE client_id = %s AND (%s::int IS NULL OR vendor_id = %s)",
        [client_id, vendor_id, vendor_id],
    )
    return dict(rows.fetchall())


# --- the live state of many queues at once: one statement each, keyed by queue ---------

QUEUE_DAYS = (
    "unnest(%(clients)s::int[], %(queues)s::int[], %(days)s::timestamptz[],"
    " %(day_ends)s::timestamptz[]) AS k(client_id, queue_id, day_start, day_end)"
)


@dataclass(frozen=True)
class QueueDays:
    """Queues to read (with their clients) and each one's local day, as SQL arrays."""

    clients: list[int]
    queues: list[int]
    days: list[datetime]
    day_ends: list[datetime]

    @classmethod
    def one(cls, client_id: int, queue_id: int, day: datetime, day_end: datetime) -> "QueueDays":
        """Return the arrays for a single queue."""
        return cls([client_id], [queue_id], [day], [day_end])

    def params(self, **extra: object) -> dict[str, object]:
        """Return the statement parameters (arrays as literals: psycopg's lists are slow)."""
        return {
            "clients": array_literal(self.clients),
            "queues": array_literal(self.queues),
            "days": array_literal(self.days),
            "day_ends": array_literal(self.day_ends),
            **extra,
        }


def waiting_calls(
    pg: Connection, keys: QueueDays, horizon_s: int
) -> dict[int, tuple[int, datetime | None, int]]:
    """Return per queue: calls waiting now, the oldest one's offered time, today's lost calls.

    A call with neither answer nor end waits at most `horizon_s`; after that it is lost
    data (its end never arrived), counted apart instead of waiting forever.
    """
    rows = pg.execute(
        "SELECT k.queue_id, w.* FROM " + QUEUE_DAYS + " CROSS JOIN LATERAL (SELECT"
        " count(*) FILTER (WHERE offered_at > now() - %(h)s::interval),"
        " min(offered_at) FILTER (WHERE offered_at > now() - %(h)s::interval),"
        " count(*) FILTER (WHERE offered_at <= now() - %(h)s::interval)"
        " FROM calls WHERE client_id = k.client_id AND queue_id = k.queue_id"
        " AND answered_at IS NULL AND ended_at IS NULL AND offered_known"
        " AND direction = 'inbound' AND offered_at > least(k.day_start, now() - %(h)s::interval)"
        " AND offered_at <= now()) w",
        keys.params(h=f"{horizon_s} seconds"),
    ).fetchall()
    return {queue: (waiting, oldest, lost) for queue, waiting, oldest, lost in rows}


def day_sums(
    pg: Connection,
    source: str,
    components: Sequence[str],
    keys: QueueDays,
    interval_minutes: int,
) -> dict[int, dict[str, float]]:
    """Sum components of `source` (calls or alerts) over each queue's local day."""
    table, _ = STATS_TABLES[source]
    sums = ", ".join(f"coalesce(sum(s.{c}), 0)::float8" for c in components)
    rows = pg.execute(
        f"SELECT k.queue_id, {sums} FROM {QUEUE_DAYS} JOIN {table} s"
        " ON s.client_id = k.client_id AND s.queue_id = k.queue_id"
        " AND s.interval_start >= k.day_start AND s.interval_start < k.day_end"
        " GROUP BY k.queue_id",
        keys.params(iv=f"{interval_minutes} minutes", hi=None),
    ).fetchall()
    return {queue: dict(zip(components, values, strict=True)) for queue, *values in rows}


def latest_agent_states(
    pg: Connection, clients: Sequence[int], queues: Sequence[int], vendor_id: int | None
) -> list[tuple]:
    """Return per queue each agent with its latest state, since when, and reason.

    An agent belongs to a queue when its latest event lists the queue, or lists no queue
    and its vendor serves the queue. Agents logged out, or silent for a day, are left out.
    Rows: (queue id, agent id, agent code, vendor code, state, at, reason), oldest first.
    """
    return pg.execute(
        "SELECT k.queue_id, a.id, a.code, v.code, l.state, l.at, l.reason FROM (SELECT"
        " DISTINCT ON (client_id, agent_id) client_id, agent_id, state, at, reason, queue_ids"
        " FROM agent_state_changes WHERE client_id = ANY(%(c)s::int[])"
        " AND at > now() - interval '1 day' AND at <= now()"
        " ORDER BY client_id, agent_id, at DESC) l JOIN agents a ON a.id = l.agent_id"
        " JOIN vendors v ON v.id = a.vendor_id"
        " JOIN unnest(%(c)s::int[], %(q)s::int[]) AS k(client_id, queue_id)"
        " ON k.client_id = l.client_id"
        " WHERE l.state <> 'logged_out' AND (%(v)s::int IS NULL OR a.vendor_id = %(v)s)"
        " AND (k.queue_id = ANY(l.queue_ids) OR (l.queue_ids IS NULL"
        " AND EXISTS (SELECT 1 FROM queue_vendors qv WHERE qv.queue_id = k.queue_id"
        " AND qv.vendor_id = a.vendor_id))) ORDER BY l.at",
        {"c": array_literal(clients), "q": array_literal(queues), "v": vendor_id},
    ).fetchall()


def agent_call_totals(
    pg: Connection, keys: QueueDays
) -> dict[tuple[int, int], tuple[float, float]]:
    """Return `{(queue id, agent id): (handled, Σ handle seconds)}` over each queue's day."""
    rows = pg.execute(
        "SELECT k.queue_id, s.agent_id, sum(s.handled)::float8,"
        f" sum(s.talk_s + s.hold_s + s.acw_s)::float8 FROM {QUEUE_DAYS}"
        " JOIN call_interval_stats s ON s.client_id = k.client_id AND s.queue_id = k.queue_id"
        " AND s.interval_start >= k.day_start AND s.interval_start < k.day_end"
        " AND s.agent_id <> 0 GROUP BY 1, 2",
        keys.params(),
    ).fetchall()
    return {(queue, agent): (handled, seconds) for queue, agent, handled, seconds in rows}


def feed_freshness(pg: Connection, keys: QueueDays, vendor_id: int | None) -> list[tuple]:
    """Return (queue id, vendor code, last record) for each vendor serving each queue.

    A replayed record changes nothing and does not count: a feed that only repeats
    itself is as quiet as one that sends nothing.
    """
    return pg.execute(
        "SELECT k.queue_id, v.code, (SELECT max(t) FROM ("
        " SELECT max(updated_at) AS t FROM calls WHERE client_id = k.client_id"
        " AND queue_id = k.queue_id AND vendor_id = v.id AND offered_at > now() - interval '1 day'"
        " UNION ALL SELECT max(updated_at) FROM agent_state_changes"
        " WHERE client_id = k.client_id AND vendor_id = v.id AND at > now() - interval '1 day'"
        " UNION ALL SELECT max(updated_at) FROM tickets WHERE client_id = k.client_id"
        " AND queue_id = k.queue_id AND vendor_id = v.id"
        " AND created_at > now() - interval '1 day') x)"
        f" FROM {QUEUE_DAYS} JOIN queue_vendors qv ON qv.queue_id = k.queue_id"
        " JOIN vendors v ON v.id = qv.vendor_id"
        " WHERE %(v)s::int IS NULL OR v.id = %(v)s ORDER BY k.queue_id, v.code",
        keys.params(v=vendor_id),
    ).fetchall()


def window_call_components(
    pg: Connection, clients: Sequence[int], queues: Sequence[int], since: datetime
) -> dict[int, dict[str, float]]:
    """Sum call components per queue straight from raw calls offered since `since`."""
    rows = pg.execute(
        f"SELECT c.queue_id, {CALL_COMPONENT_SQL} FROM calls c {CALL_FACTS_SQL}"
        " WHERE c.client_id = ANY(%s::int[]) AND c.queue_id = ANY(%s::int[])"
        " AND c.offered_at >= %s AND c.offered_known GROUP BY c.queue_id",
        [array_literal(clients), array_literal(queues), since],
    ).fetchall()
    return {
        queue: {name: float(value) for name, value in zip(CALL_COMPONENTS, values, strict=True)}
        for queue, *values in rows
    }


def offered_between(
    pg: Connection, clients: Sequence[int], queues: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Count inbound calls offered in `[start, end)` per queue, from raw calls."""
    rows = pg.execute(
        "SELECT queue_id, count(*) FROM calls WHERE client_id = ANY(%s::int[])"
        " AND queue_id = ANY(%s::int[]) AND offered_at >= %s AND offered_at < %s"
        " AND direction = 'inbound' GROUP BY queue_id",
        [array_literal(clients), array_literal(queues), start, end],
    ).fetchall()
    return dict(rows)
