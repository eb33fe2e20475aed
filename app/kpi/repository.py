"""All SQL of the KPI engine: claim dirty markers, recompute interval stats from raw facts.

Interval starts are `date_bin(interval, t, 2000-01-01 UTC)`, the same grid the ingest
writer marks; every recompute deletes the target rows and inserts them again from the
facts, so a recomputed interval always equals a full recomputation. Day stats are the sums
of interval stats per local day of the client's timezone (the local date of each interval's
start), recomputed the same way from the interval stats.
"""

from collections.abc import Sequence
from datetime import date, datetime

from psycopg import Connection

from app.core import locks
from app.core.grid import GRID_ORIGIN_SQL as ORIGIN
from app.core.pgarray import array_literal
from app.kpi.definitions import AGENT_COMPONENTS, CALL_COMPONENTS

Marker = tuple[int, str, int, datetime]
Target = tuple[int, int, datetime]
DayTarget = tuple[int, int, date]

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
    return locks.try_lock(pg, locks.Lock.AGGREGATION)


def lock(pg: Connection) -> None:
    """Take the aggregation lock for this transaction, waiting for another worker's pass."""
    locks.wait_for_lock(pg, locks.Lock.AGGREGATION)


def claim_markers(pg: Connection, limit: int) -> int:
    """Move up to `limit` markers (less those already claimed) to `claimed_intervals`.

    Skips markers an in-flight ingest holds. The caller commits at once: from then on an
    ingest touching a claimed interval writes a fresh marker instead of waiting for the
    recompute. A claim left by a pass that died is kept; the interval needs recomputing once.
    """
    claimed = pg.execute("SELECT count(*) FROM claimed_intervals").fetchone()[0]  # type: ignore[index]
    cur = pg.execute(
        "WITH taken AS (DELETE FROM dirty_intervals WHERE ctid IN (SELECT ctid"
        " FROM dirty_intervals ORDER BY marked_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING client_id, subject, subject_id, interval_start)"
        " INSERT INTO claimed_intervals (client_id, subject, subject_id, interval_start)"
        " SELECT * FROM taken ORDER BY 1, 2, 3, 4 ON CONFLICT DO NOTHING",
        [max(limit - claimed, 0)],
    )
    return cur.rowcount


def take_claims(pg: Connection) -> list[Marker]:
    """Delete and return every claimed marker; a rollback hands them to the next pass."""
    return pg.execute(
        "DELETE FROM claimed_intervals RETURNING client_id, subject, subject_id, interval_start"
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
CALL_COMPONENT_EXPRESSIONS = (
    "count(*) FILTER (WHERE f.inbound AND f.answered)",
    "count(*) FILTER (WHERE g.abandoned)",
    "count(*) FILTER (WHERE g.short)",
    "count(*) FILTER (WHERE f.inbound AND f.answered AND f.wait_s <= q.sl_threshold_s)",
    "count(*) FILTER (WHERE g.abandoned AND f.wait_s <= q.sl_threshold_s)",
    "coalesce(sum(f.wait_s) FILTER (WHERE f.inbound AND f.answered), 0)",
    "count(*) FILTER (WHERE f.inbound AND f.handled)",
    "coalesce(sum(g.talk) FILTER (WHERE f.inbound AND f.handled), 0)",
    "coalesce(sum(g.hold) FILTER (WHERE f.inbound AND f.handled), 0)",
    "coalesce(sum(g.acw) FILTER (WHERE f.inbound AND f.handled), 0)",
    "count(*) FILTER (WHERE f.inbound AND f.handled AND c.transferred)",
    "count(*) FILTER (WHERE f.inbound AND f.handled AND c.resolved IS NOT NULL)",
    "count(*) FILTER (WHERE f.inbound AND f.handled AND c.resolved)",
    "count(*) FILTER (WHERE f.inbound AND c.csat IS NOT NULL)",
    "coalesce(sum(c.csat) FILTER (WHERE f.inbound), 0)",
    "count(*) FILTER (WHERE NOT f.inbound AND (f.answered OR f.gave_up))",
)
CALL_COMPONENT_SQL = ", ".join(
    f"{expression} AS {name}"
    for expression, name in zip(CALL_COMPONENT_EXPRESSIONS, CALL_COMPONENTS, strict=True)
)
_CALL_INSERT = (
    "INSERT INTO call_interval_stats (client_id, queue_id, interval_start, agent_id,"
    f" {', '.join(CALL_COMPONENTS)})"
)
_UNNEST = (
    "unnest(%s::int[], %s::int[], %s::timestamptz[]) AS m(client_id, {subject}, interval_start)"
)


def _delete_targets(pg: Connection, table: str, subject: str, arrays: list[str]) -> None:
    """Delete the stats rows of the targets, before they are inserted again."""
    pg.execute(
        f"DELETE FROM {table} s USING {_UNNEST.format(subject=subject)}"
        f" WHERE s.client_id = m.client_id AND s.{subject} = m.{subject}"
        " AND s.interval_start = m.interval_start",
        arrays,
    )


def recompute_calls(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute call stats for `(client_id, queue_id, interval_start)` targets."""
    if not targets:
        return
    arrays, window = _targets(targets), f"{minutes} minutes"
    targets_sql = _UNNEST.format(subject="queue_id")
    _delete_targets(pg, "call_interval_stats", "queue_id", arrays)
    pg.execute(
        f"{_CALL_INSERT} SELECT m.client_id, m.queue_id, m.interval_start,"
        f" coalesce(c.agent_id, 0), {CALL_COMPONENT_SQL} FROM {targets_sql}"
        " JOIN calls c ON c.client_id = m.client_id AND c.queue_id = m.queue_id"
        " AND c.offered_at >= m.interval_start AND c.offered_at < m.interval_start + %s::interval"
        f" {CALL_FACTS_SQL} WHERE c.offered_known"
        " GROUP BY m.client_id, m.queue_id, m.interval_start, coalesce(c.agent_id, 0)",
        [*arrays, window],
    )


_TICKET_DEFAULTS = ", ".join(
    f"('{channel}', {frt}, {res})" for channel, (frt, res) in TICKET_TARGETS.items()
)
# One ticket with its channel targets (the queue's, else the defaults).
TICKET_FACTS_SQL = (
    "JOIN queues q ON q.id = t.queue_id"
    f" JOIN (VALUES {_TICKET_DEFAULTS}) AS d(channel, frt, res) ON d.channel = t.channel"
    " CROSS JOIN LATERAL (SELECT"
    " coalesce((q.ticket_targets -> t.channel ->> 'first_response_s')::int, d.frt) AS frt,"
    " coalesce((q.ticket_targets -> t.channel ->> 'resolution_s')::int, d.res) AS res) g"
)
TICKET_COMPONENT_SQL = (
    "count(*), count(t.first_response_at),"
    " count(*) FILTER (WHERE t.first_response_at - t.created_at <= make_interval(secs => g.frt)),"
    " coalesce(sum(extract(epoch FROM t.first_response_at - t.created_at)), 0),"
    " count(t.resolved_at),"
    " count(*) FILTER (WHERE t.resolved_at - t.created_at <= make_interval(secs => g.res)),"
    " count(*) FILTER (WHERE t.resolved_at IS NULL)"
)
_TICKET_INSERT = (
    "INSERT INTO ticket_interval_stats (client_id, queue_id, channel, interval_start,"
    " tickets_created, tickets_responded, tickets_responded_within_target,"
    " ticket_frt_sum_s, tickets_resolved, tickets_resolved_within_target, tickets_open)"
)


def recompute_tickets(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute ticket stats for `(client_id, queue_id, interval_start)` targets."""
    if not targets:
        return
    arrays, window = _targets(targets), f"{minutes} minutes"
    targets_sql = _UNNEST.format(subject="queue_id")
    _delete_targets(pg, "ticket_interval_stats", "queue_id", arrays)
    pg.execute(
        f"{_TICKET_INSERT} SELECT m.client_id, m.queue_id, t.channel, m.interval_start,"
        f" {TICKET_COMPONENT_SQL} FROM {targets_sql}"
        " JOIN tickets t ON t.client_id = m.client_id AND t.queue_id = m.queue_id"
        " AND t.created_at >= m.interval_start AND t.created_at < m.interval_start + %s::interval"
        f" {TICKET_FACTS_SQL} GROUP BY m.client_id, m.queue_id, t.channel, m.interval_start",
        [*arrays, window],
    )


def rebuild_range(
    pg: Connection,
    minutes: int,
    start: datetime,
    end: datetime,
    queue_id: int | None = None,
    client_id: int | None = None,
) -> None:
    """Recompute call and ticket stats of `[start, end)` (on the interval grid) in bulk.

    One grouped scan per table instead of one lookup per interval: what a rebuild needs.
    """
    params = {"lo": start, "hi": end, "iv": f"{minutes} minutes", "q": queue_id, "c": client_id}
    only = (
        "(%(q)s::int IS NULL OR {a}.queue_id = %(q)s)"
        " AND (%(c)s::int IS NULL OR {a}.client_id = %(c)s)"
    )
    for table in ("call_interval_stats", "ticket_interval_stats"):
        pg.execute(
            f"DELETE FROM {table} s WHERE s.interval_start >= %(lo)s"
            f" AND s.interval_start < %(hi)s AND {only.format(a='s')}",
            params,
        )
    pg.execute(
        f"{_CALL_INSERT} SELECT c.client_id, c.queue_id,"
        f" date_bin(%(iv)s::interval, c.offered_at, {ORIGIN}), coalesce(c.agent_id, 0),"
        f" {CALL_COMPONENT_SQL} FROM calls c {CALL_FACTS_SQL} WHERE c.offered_known"
        f" AND c.offered_at >= %(lo)s AND c.offered_at < %(hi)s AND {only.format(a='c')}"
        " GROUP BY 1, 2, 3, 4",
        params,
    )
    pg.execute(
        f"{_TICKET_INSERT} SELECT t.client_id, t.queue_id, t.channel,"
        f" date_bin(%(iv)s::interval, t.created_at, {ORIGIN}), {TICKET_COMPONENT_SQL}"
        f" FROM tickets t {TICKET_FACTS_SQL} WHERE t.created_at >= %(lo)s"
        f" AND t.created_at < %(hi)s AND {only.format(a='t')} GROUP BY 1, 2, 3, 4",
        params,
    )


def agent_intervals(
    pg: Connection, minutes: int, start: datetime, end: datetime, client_id: int | None = None
) -> list[Target]:
    """Return the agent intervals in `[start, end)` that have state changes or stats."""
    bounds = "{t} >= %(lo)s AND {t} < %(hi)s AND (%(c)s::int IS NULL OR client_id = %(c)s)"
    return pg.execute(
        f"SELECT client_id, agent_id, date_bin(%(iv)s::interval, at, {ORIGIN})"
        f" FROM agent_state_changes WHERE {bounds.format(t='at')} UNION"
        " SELECT client_id, agent_id, interval_start FROM agent_interval_stats"
        f" WHERE {bounds.format(t='interval_start')} ORDER BY 1, 2, 3",
        {"lo": start, "hi": end, "iv": f"{minutes} minutes", "c": client_id},
    ).fetchall()


def fact_range(pg: Connection, client_id: int | None = None) -> tuple[datetime, datetime] | None:
    """Return the earliest and latest moment of any fact (of one client), or None."""
    row = pg.execute(
        "SELECT min(lo), max(hi) FROM (SELECT min(offered_at) lo, max(offered_at) hi FROM calls"
        " WHERE %(c)s::int IS NULL OR client_id = %(c)s UNION ALL"
        " SELECT min(created_at), max(created_at) FROM tickets"
        " WHERE %(c)s::int IS NULL OR client_id = %(c)s UNION ALL"
        " SELECT min(at), max(at) FROM agent_state_changes"
        " WHERE %(c)s::int IS NULL OR client_id = %(c)s) x",
        {"c": client_id},
    ).fetchone()
    return (row[0], row[1]) if row and row[0] else None


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
    _delete_targets(pg, "agent_interval_stats", "agent_id", arrays)
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


# Per subject of day stats: the day table, its interval table, the subject column, the extra
# key column and the summed components.
DAY_STATS = {
    "queue": ("call_day_stats", "call_interval_stats", "queue_id", ("agent_id",), CALL_COMPONENTS),
    "agent": ("agent_day_stats", "agent_interval_stats", "agent_id", (), AGENT_COMPONENTS),
}
# The client's local date of an interval stats row `s`, with the clients row `c` joined.
_LOCAL_DAY = "(s.interval_start AT TIME ZONE c.timezone)::date"


def local_days(pg: Connection, subject: str, targets: Sequence[Target]) -> list[DayTarget]:
    """Return the distinct (client, subject id, local day) of interval targets."""
    if not targets:
        return []
    return pg.execute(
        "SELECT DISTINCT m.client_id, m.subject_id,"
        " (m.interval_start AT TIME ZONE c.timezone)::date"
        " FROM unnest(%s::int[], %s::int[], %s::timestamptz[])"
        " AS m(client_id, subject_id, interval_start)"
        " JOIN clients c ON c.id = m.client_id ORDER BY 1, 2, 3",
        _targets(targets),
    ).fetchall()


def recompute_days(pg: Connection, subject: str, targets: Sequence[DayTarget]) -> None:
    """Recompute day stats of `(client_id, subject id, local day)` from the interval stats."""
    if not targets:
        return
    day_table, interval_table, column, extra, components = DAY_STATS[subject]
    arrays = _targets(targets)  # type: ignore[arg-type]
    days = f"unnest(%s::int[], %s::int[], %s::date[]) AS m(client_id, {column}, day)"
    pg.execute(
        f"DELETE FROM {day_table} s USING {days} WHERE s.client_id = m.client_id"
        f" AND s.{column} = m.{column} AND s.day = m.day",
        arrays,
    )
    keys = ", ".join(["client_id", column, "day", *extra])
    grouped = ", ".join(["m.client_id", f"m.{column}", "m.day", *(f"s.{k}" for k in extra)])
    pg.execute(
        f"INSERT INTO {day_table} ({keys}, {', '.join(components)}) SELECT {grouped},"
        f" {', '.join(f'sum(s.{name})' for name in components)} FROM {days}"
        f" JOIN clients c ON c.id = m.client_id JOIN {interval_table} s"
        f" ON s.client_id = m.client_id AND s.{column} = m.{column}"
        " AND s.interval_start >= (m.day - 1)::timestamp AT TIME ZONE c.timezone"
        " AND s.interval_start < (m.day + 2)::timestamp AT TIME ZONE c.timezone"
        f" AND {_LOCAL_DAY} = m.day GROUP BY {grouped}",
        arrays,
    )


def days_in_range(
    pg: Connection,
    subject: str,
    start: datetime,
    end: datetime,
    queue_id: int | None = None,
    client_id: int | None = None,
) -> list[DayTarget]:
    """Return the local days with interval stats or day stats in `[start, end)`."""
    day_table, interval_table, column, _, _ = DAY_STATS[subject]
    only = "(%(c)s::int IS NULL OR s.client_id = %(c)s)"
    if subject == "queue":
        only += " AND (%(q)s::int IS NULL OR s.queue_id = %(q)s)"
    return pg.execute(
        f"SELECT DISTINCT s.client_id, s.{column}, {_LOCAL_DAY} FROM {interval_table} s"
        " JOIN clients c ON c.id = s.client_id WHERE s.interval_start >= %(lo)s"
        f" AND s.interval_start < %(hi)s AND {only} UNION"
        f" SELECT s.client_id, s.{column}, s.day FROM {day_table} s"
        " JOIN clients c ON c.id = s.client_id"
        " WHERE s.day >= (%(lo)s AT TIME ZONE c.timezone)::date"
        " AND s.day <= ((%(hi)s - interval '1 microsecond') AT TIME ZONE c.timezone)::date"
        f" AND {only} ORDER BY 1, 2, 3",
        {"lo": start, "hi": end, "q": queue_id, "c": client_id},
    ).fetchall()


def rebuild_client_days(pg: Connection, client_id: int) -> None:
    """Recompute every day stats row of a client from its interval stats (a new timezone)."""
    for day_table, interval_table, column, extra, components in DAY_STATS.values():
        keys = ["client_id", column, "day", *extra]
        pg.execute(f"DELETE FROM {day_table} WHERE client_id = %s", [client_id])
        grouped = ", ".join(["s.client_id", f"s.{column}", _LOCAL_DAY, *(f"s.{k}" for k in extra)])
        pg.execute(
            f"INSERT INTO {day_table} ({', '.join(keys)}, {', '.join(components)})"
            f" SELECT {grouped}, {', '.join(f'sum(s.{name})' for name in components)}"
            f" FROM {interval_table} s JOIN clients c ON c.id = s.client_id"
            f" WHERE s.client_id = %s GROUP BY {grouped}",
            [client_id],
        )
