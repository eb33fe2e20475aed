"""All SQL of the KPI engine: take dirty markers, recompute interval stats from raw facts.

Interval starts are `date_bin(interval, t, 2000-01-01 UTC)`, the same grid the ingest
writer marks; every recompute deletes the target rows and inserts them again from the
facts, so a recomputed interval always equals a full recomputation.
"""

from collections.abc import Sequence
from datetime import datetime

from psycopg import Connection

from app.core.pgarray import array_literal
from app.kpi.definitions import CALL_COMPONENTS

ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00+00'"
Marker = tuple[int, str, int, datetime]
Target = tuple[int, int, datetime]

# Default ticket targets per channel, seconds (a queue's ticket_targets override them).
TICKET_TARGETS = {
    "email": (4 * 3600, 24 * 3600),
    "chat": (60, 3600),
    "web": (4 * 3600, 24 * 3600),
    "social": (3600, 24 * 3600),
    "sms": (3600, 24 * 3600),
}


def try_lock(pg: Connection) -> bool:
    """Take the aggregation lock for this transaction; False if another worker holds it."""
    row = pg.execute("SELECT pg_try_advisory_xact_lock(hashtext('callpulse:aggregate'))")
    return bool(row.fetchone()[0])  # type: ignore[index]


def take_markers(pg: Connection, limit: int) -> list[Marker]:
    """Delete and return up to `limit` markers, skipping those an ingest still holds."""
    return pg.execute(
        "DELETE FROM dirty_intervals WHERE ctid IN (SELECT ctid FROM dirty_intervals"
        " ORDER BY marked_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING client_id, subject, subject_id, interval_start",
        [limit],
    ).fetchall()


def _targets(targets: Sequence[Target]) -> list[str]:
    return [array_literal(column) for column in zip(*targets, strict=True)]


# One call's facts (f) and its classification under the queue's T and S (g); see DESIGN §7.
CALL_FACTS_SQL = (
    "JOIN queues q ON q.id = c.queue_id"
    " CROSS JOIN LATERAL (SELECT c.direction = 'inbound' AS inbound,"
    " c.answered_at IS NOT NULL AS answered,"
    " c.answered_at IS NULL AND c.ended_at IS NOT NULL AS gave_up,"
    " c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL AS handled,"
    " extract(epoch FROM coalesce(c.answered_at, c.ended_at) - c.offered_at) AS wait_s) f"
    " CROSS JOIN LATERAL (SELECT"
    " f.inbound AND f.gave_up AND f.wait_s < q.short_abandon_s AS short,"
    " f.inbound AND f.gave_up AND f.wait_s >= q.short_abandon_s AS abandoned,"
    " coalesce(c.talk_s, greatest(0, extract(epoch FROM c.ended_at - c.answered_at)"
    " - coalesce(c.hold_s, 0))) AS talk,"
    " coalesce(c.hold_s, 0) AS hold,"
    " coalesce(c.acw_s, greatest(0, extract(epoch FROM c.acw_done_at - c.ended_at)), 0)"
    " AS acw) g"
)
# The additive components, in the order of definitions.CALL_COMPONENTS.
CALL_COMPONENT_SQL = (
    "count(*) FILTER (WHERE f.inbound AND f.answered),"
    " count(*) FILTER (WHERE g.abandoned),"
    " count(*) FILTER (WHERE g.short),"
    " count(*) FILTER (WHERE f.inbound AND f.answered AND f.wait_s <= q.sl_threshold_s),"
    " count(*) FILTER (WHERE g.abandoned AND f.wait_s <= q.sl_threshold_s),"
    " coalesce(sum(f.wait_s) FILTER (WHERE f.inbound AND f.answered), 0),"
    " count(*) FILTER (WHERE f.inbound AND f.handled),"
    " coalesce(sum(g.talk) FILTER (WHERE f.inbound AND f.handled), 0),"
    " coalesce(sum(g.hold) FILTER (WHERE f.inbound AND f.handled), 0),"
    " coalesce(sum(g.acw) FILTER (WHERE f.inbound AND f.handled), 0),"
    " count(*) FILTER (WHERE f.inbound AND f.handled AND c.transferred),"
    " count(*) FILTER (WHERE f.inbound AND f.handled AND c.resolved IS NOT NULL),"
    " count(*) FILTER (WHERE f.inbound AND f.handled AND c.resolved),"
    " count(*) FILTER (WHERE f.inbound AND c.csat IS NOT NULL),"
    " coalesce(sum(c.csat) FILTER (WHERE f.inbound), 0),"
    " count(*) FILTER (WHERE NOT f.inbound AND (f.answered OR f.gave_up))"
)
_UNNEST = (
    "unnest(%s::int[], %s::int[], %s::timestamptz[]) AS m(client_id, {subject}, interval_start)"
)


def recompute_calls(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute call stats for `(client_id, queue_id, interval_start)` targets."""
    if not targets:
        return
    arrays, window = _targets(targets), f"{minutes} minutes"
    targets_sql = _UNNEST.format(subject="queue_id")
    pg.execute(
        f"DELETE FROM call_interval_stats s USING {targets_sql} WHERE s.client_id = m.client_id"
        " AND s.queue_id = m.queue_id AND s.interval_start = m.interval_start",
        arrays,
    )
    pg.execute(
        f"INSERT INTO call_interval_stats (client_id, queue_id, interval_start, agent_id,"
        f" {', '.join(CALL_COMPONENTS)}) SELECT m.client_id, m.queue_id, m.interval_start,"
        f" coalesce(c.agent_id, 0), {CALL_COMPONENT_SQL} FROM {targets_sql}"
        " JOIN calls c ON c.client_id = m.client_id AND c.queue_id = m.queue_id"
        " AND c.offered_at >= m.interval_start AND c.offered_at < m.interval_start + %s::interval"
        f" {CALL_FACTS_SQL} WHERE c.offered_known"
        " GROUP BY m.client_id, m.queue_id, m.interval_start, coalesce(c.agent_id, 0)",
        [*arrays, window],
    )


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


def recompute_tickets(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute ticket stats for `(client_id, queue_id, interval_start)` targets."""
    if not targets:
        return
    arrays, window = _targets(targets), f"{minutes} minutes"
    targets_sql = _UNNEST.format(subject="queue_id")
    defaults = ", ".join(f"('{ch}', {frt}, {res})" for ch, (frt, res) in TICKET_TARGETS.items())
    pg.execute(
        f"DELETE FROM ticket_interval_stats s USING {targets_sql} WHERE s.client_id = m.client_id"
        " AND s.queue_id = m.queue_id AND s.interval_start = m.interval_start",
        arrays,
    )
    pg.execute(
        "INSERT INTO ticket_interval_stats (client_id, queue_id, channel, interval_start,"
        " tickets_created, tickets_responded, tickets_responded_within_target,"
        " ticket_frt_sum_s, tickets_resolved, tickets_resolved_within_target, tickets_open)"
        " SELECT m.client_id, m.queue_id, t.channel, m.interval_start, count(*),"
        " count(t.first_response_at),"
        " count(*) FILTER (WHERE t.first_response_at - t.created_at"
        " <= make_interval(secs => g.frt)),"
        " coalesce(sum(extract(epoch FROM t.first_response_at - t.created_at)), 0),"
        " count(t.resolved_at),"
        " count(*) FILTER (WHERE t.resolved_at - t.created_at <= make_interval(secs => g.res)),"
        " count(*) FILTER (WHERE t.resolved_at IS NULL)"
        f" FROM {targets_sql} JOIN queues q ON q.id = m.queue_id"
        " JOIN tickets t ON t.client_id = m.client_id AND t.queue_id = m.queue_id"
        " AND t.created_at >= m.interval_start AND t.created_at < m.interval_start + %s::interval"
        f" JOIN (VALUES {defaults}) AS d(channel, frt, res) ON d.channel = t.channel"
        " CROSS JOIN LATERAL (SELECT"
        " coalesce((q.ticket_targets -> t.channel ->> 'first_response_s')::int, d.frt) AS frt,"
        " coalesce((q.ticket_targets -> t.channel ->> 'resolution_s')::int, d.res) AS res) g"
        " GROUP BY m.client_id, m.queue_id, t.channel, m.interval_start",
        [*arrays, window],
    )


def expand_agent_markers(
    pg: Connection, markers: Sequence[Target], minutes: int, stale_s: int
) -> list[Target]:
    """Return every agent interval a change in a marked interval can affect.

    A state lasts from its change to the next change, at most `stale_s` (an agent whose
    events stop goes stale rather than counting as available forever) and never past now.
    So a change touches the intervals from the previous change to the next one.
    """
    if not markers:
        return []
    window, cap = f"{minutes} minutes", f"{stale_s} seconds"
    return pg.execute(
        "SELECT DISTINCT m.client_id, m.agent_id, gs FROM"
        " unnest(%(c)s::int[], %(a)s::int[], %(i)s::timestamptz[])"
        " AS m(client_id, agent_id, interval_start)"
        " CROSS JOIN LATERAL (SELECT max(at) AS at FROM agent_state_changes x"
        " WHERE x.client_id = m.client_id AND x.agent_id = m.agent_id"
        " AND x.at < m.interval_start AND x.at >= m.interval_start - %(cap)s::interval) prev"
        " CROSS JOIN LATERAL (SELECT min(at) AS at FROM agent_state_changes x"
        " WHERE x.client_id = m.client_id AND x.agent_id = m.agent_id"
        " AND x.at >= m.interval_start + %(iv)s::interval"
        " AND x.at < m.interval_start + %(iv)s::interval + %(cap)s::interval) nxt"
        f" CROSS JOIN LATERAL generate_series(date_bin(%(iv)s::interval,"
        f" coalesce(prev.at, m.interval_start), {ORIGIN}),"
        " greatest(m.interval_start, date_bin(%(iv)s::interval, least(coalesce(nxt.at,"
        f" m.interval_start + %(iv)s::interval + %(cap)s::interval), now()), {ORIGIN})),"
        " %(iv)s::interval) gs",
        dict(zip("cai", _targets(markers), strict=True), iv=window, cap=cap),
    ).fetchall()


def recompute_agents(pg: Connection, targets: Sequence[Target], minutes: int, stale_s: int) -> None:
    """Recompute agent state seconds for `(client_id, agent_id, interval_start)` targets."""
    if not targets:
        return
    arrays, window, cap = _targets(targets), f"{minutes} minutes", f"{stale_s} seconds"
    targets_sql = _UNNEST.format(subject="agent_id")
    pg.execute(
        f"DELETE FROM agent_interval_stats s USING {targets_sql} WHERE s.client_id = m.client_id"
        " AND s.agent_id = m.agent_id AND s.interval_start = m.interval_start",
        arrays,
    )
    pg.execute(
        f"WITH m AS (SELECT * FROM {targets_sql}),"
        " seg AS (SELECT a.client_id, a.agent_id, a.state, a.at AS seg_start,"
        " least(lead(a.at) OVER (PARTITION BY a.client_id, a.agent_id ORDER BY a.at),"
        " a.at + %s::interval, now()) AS seg_end"
        " FROM agent_state_changes a JOIN (SELECT client_id, agent_id,"
        " min(interval_start) AS lo, max(interval_start) AS hi FROM m GROUP BY 1, 2) b"
        " ON a.client_id = b.client_id AND a.agent_id = b.agent_id"
        " AND a.at >= b.lo - %s::interval AND a.at < b.hi + %s::interval)"
        " INSERT INTO agent_interval_stats (client_id, agent_id, interval_start,"
        " available_s, talking_s, acw_state_s, not_ready_s)"
        " SELECT m.client_id, m.agent_id, m.interval_start,"
        " coalesce(sum(o.s) FILTER (WHERE seg.state = 'available'), 0),"
        " coalesce(sum(o.s) FILTER (WHERE seg.state = 'talking'), 0),"
        " coalesce(sum(o.s) FILTER (WHERE seg.state = 'acw'), 0),"
        " coalesce(sum(o.s) FILTER (WHERE seg.state = 'not_ready'), 0)"
        " FROM m JOIN seg ON seg.client_id = m.client_id AND seg.agent_id = m.agent_id"
        " AND seg.seg_start < m.interval_start + %s::interval AND seg.seg_end > m.interval_start"
        " CROSS JOIN LATERAL (SELECT extract(epoch FROM least(seg.seg_end, m.interval_start"
        " + %s::interval) - greatest(seg.seg_start, m.interval_start)) AS s) o"
        " WHERE seg.state <> 'logged_out'"
        " GROUP BY m.client_id, m.agent_id, m.interval_start",
        [*arrays, cap, cap, window, window, window],
    )


def mark_open_agent_intervals(pg: Connection, minutes: int, stale_s: int) -> int:
    """Mark the current interval of every agent whose latest state is open and not stale."""
    cur = pg.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        f" SELECT client_id, 'agent', agent_id, date_bin(%s::interval, now(), {ORIGIN})"
        " FROM (SELECT DISTINCT ON (client_id, agent_id) client_id, agent_id, state"
        " FROM agent_state_changes WHERE at > now() - %s::interval AND at <= now()"
        " ORDER BY client_id, agent_id, at DESC) latest WHERE state <> 'logged_out'"
        " ORDER BY 1, 3 ON CONFLICT (client_id, subject, subject_id, interval_start)"
        " DO UPDATE SET marked_at = now()",
        [f"{minutes} minutes", f"{stale_s} seconds"],
    )
    return cur.rowcount


def mark_for_rebuild(
    pg: Connection,
    minutes: int,
    start: datetime | None = None,
    end: datetime | None = None,
    queue_id: int | None = None,
    client_id: int | None = None,
) -> int:
    """Mark every interval in `[start, end)` that has facts or stats (one queue, or all).

    Intervals with stats but no facts any more are marked too, so their rows are removed.
    Agent intervals are included only when no queue is named (agents are not per queue).
    """
    window = f"{minutes} minutes"
    params = {"iv": window, "lo": start, "hi": end, "q": queue_id, "c": client_id}
    bounds = (
        "(%(lo)s::timestamptz IS NULL OR {t} >= %(lo)s)"
        " AND (%(hi)s::timestamptz IS NULL OR {t} < %(hi)s)"
    )
    client = "(%(c)s::int IS NULL OR client_id = %(c)s)"
    queue = f"(%(q)s::int IS NULL OR queue_id = %(q)s) AND {client}"
    sources = [
        f"SELECT client_id, 'queue', queue_id, date_bin(%(iv)s::interval, offered_at, {ORIGIN})"
        f" FROM calls WHERE {bounds.format(t='offered_at')} AND {queue}",
        "SELECT client_id, 'queue', queue_id, interval_start FROM call_interval_stats"
        f" WHERE {bounds.format(t='interval_start')} AND {queue}",
        f"SELECT client_id, 'ticket_queue', queue_id, date_bin(%(iv)s::interval, created_at,"
        f" {ORIGIN}) FROM tickets WHERE {bounds.format(t='created_at')} AND {queue}",
        "SELECT client_id, 'ticket_queue', queue_id, interval_start FROM ticket_interval_stats"
        f" WHERE {bounds.format(t='interval_start')} AND {queue}",
    ]
    if queue_id is None:
        sources += [
            f"SELECT client_id, 'agent', agent_id, date_bin(%(iv)s::interval, at, {ORIGIN})"
            f" FROM agent_state_changes WHERE {bounds.format(t='at')} AND {client}",
            "SELECT client_id, 'agent', agent_id, interval_start FROM agent_interval_stats"
            f" WHERE {bounds.format(t='interval_start')} AND {client}",
        ]
    cur = pg.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        f" SELECT DISTINCT * FROM ({' UNION '.join(sources)}) touched ORDER BY 1, 2, 3, 4"
        " ON CONFLICT (client_id, subject, subject_id, interval_start)"
        " DO UPDATE SET marked_at = now()",
        params,
    )
    return cur.rowcount


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
) -> list[tuple]:
    """Sum components of `source` (calls, tickets, agents) per bucket and split column."""
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


def offered_since(pg: Connection, client_id: int, queue_id: int, since: datetime) -> int:
    """Count inbound calls offered since `since` (waiting ones included), from raw calls."""
    row = pg.execute(
        "SELECT count(*) FROM calls WHERE client_id = %s AND queue_id = %s"
        " AND offered_at >= %s AND offered_at <= now() AND direction = 'inbound'",
        [client_id, queue_id, since],
    ).fetchone()
    return int(row[0]) if row else 0


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
