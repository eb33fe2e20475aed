"""Read-side SQL of the KPI engine: the one stats reader, and the live state of a queue.

`sum_components` sums any source's components of the catalogue (`app.kpi.sources`) for
`/v1/metrics` (per bucket), the SLA report (per local day of a period), the live view (each
queue's local day) and alert rules (raw facts over a rolling window).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any

from psycopg import Connection

from app.core.config import get_settings
from app.core.grid import GRID_ORIGIN_SQL
from app.core.pgarray import array_literal
from app.core.vocabulary import LOGGED_OUT, ON_PHONE_STATES
from app.kpi.sources import (
    AGENTS,
    ALERTS,
    CALL_ARRIVED_SQL,
    CALL_LOST_SQL,
    CALL_OPEN_SQL,
    CALL_WAITING_SQL,
    CALLBACK_DUE_BY_SQL,
    CALLBACKS,
    CALLS,
    FORECASTS,
    QA,
    QA_DAYS,
    RECENT_CALLS,
    SCHEDULE_WORKED_SQL,
    SCHEDULES,
    Source,
    agent_state_sql,
    serves_queue,
)
from app.models.forecasts import OWN_FORECAST_SOURCE

BUCKETS = {
    "interval": "s.interval_start",
    "hour": "s.interval_start - make_interval(mins => extract(minute FROM s.interval_start"
    " AT TIME ZONE %(tz)s)::int)",
    "day": "(s.interval_start AT TIME ZONE %(tz)s)::date",
    "week": "date_trunc('week', s.interval_start AT TIME ZONE %(tz)s)::date",
    "month": "date_trunc('month', s.interval_start AT TIME ZONE %(tz)s)::date",
}
QUEUE_DAYS = (
    "unnest(%(clients)s::int[], %(queues)s::int[], %(days)s::timestamptz[],"
    " %(day_ends)s::timestamptz[]) AS k(client_id, queue_id, day_start, day_end)"
)
# Alerts have no stats tables: one row per alert, on the interval grid, summed like stats.
ALERT_ROWS = (
    "(SELECT client_id, queue_id, opened_at, date_bin(%(iv)s::interval, opened_at,"
    f" {GRID_ORIGIN_SQL}) AS interval_start,"
    f" {', '.join(f'{c.sql} AS {name}' for name, c in ALERTS.components.items())} FROM alerts)"
)

# Schedules have no stats tables either: one row per segment's piece in each interval (up to
# now), per queue it counts for — its own `queues`, else every queue of the agent's client its
# vendor serves — among %(queues)s: all of them when the sums are per queue (%(per_queue)s),
# else the first only, so an agent's second counts once in a client's or a vendor's total.
# Segments outside [%(lo)s, %(hi)s) (when given) are skipped before any state is read; a
# rolling window's pieces are cut at its start %(since)s (when given). The intervals are
# numbered up to the segment's end by an immutable `generate_series` (Citus pushes no stable
# table function down to the shards); those from now on are empty pieces (hi ≤ lo), skipped.
_FIRST_BIN = f"date_bin(%(iv)s::interval, sg.start_at, {GRID_ORIGIN_SQL})"
SCHEDULE_ROWS = (
    "(SELECT sg.client_id, sg.vendor_id, sg.agent_id, aq.queue_id, b.interval_start,"
    " b.lo AS start_at,"
    f" {', '.join(f'{c.sql} AS {name}' for name, c in SCHEDULES.components.items())}"
    " FROM schedule_segments sg CROSS JOIN LATERAL (SELECT p.interval_start,"
    " greatest(sg.start_at, p.interval_start, %(since)s::timestamptz) AS lo,"
    " least(sg.end_at, p.interval_start + %(iv)s::interval, now()) AS hi"
    f" FROM (SELECT {_FIRST_BIN} + n * %(iv)s::interval AS interval_start"
    f" FROM generate_series(0, floor(extract(epoch FROM sg.end_at - {_FIRST_BIN})"
    " / extract(epoch FROM %(iv)s::interval))::int) AS n) p) b"
    " CROSS JOIN LATERAL (SELECT q.id AS queue_id FROM queues q LEFT JOIN queue_vendors qv"
    " ON qv.client_id = q.client_id AND qv.queue_id = q.id AND qv.vendor_id = sg.vendor_id"
    " WHERE q.client_id = sg.client_id AND q.id = ANY(%(queues)s::int[])"
    " AND CASE WHEN sg.queue_ids IS NULL THEN qv.queue_id IS NOT NULL"
    " ELSE q.id = ANY(sg.queue_ids) END ORDER BY q.id"
    " LIMIT CASE WHEN %(per_queue)s THEN NULL ELSE 1 END) aq"
    f" LEFT JOIN LATERAL ({SCHEDULE_WORKED_SQL}) w ON true"
    " WHERE b.hi > b.lo AND sg.start_at < now()"
    " AND (%(lo)s::timestamptz IS NULL OR sg.end_at > %(lo)s::timestamptz)"
    " AND (%(hi)s::timestamptz IS NULL OR sg.start_at < %(hi)s::timestamptz))"
)


# QA evaluations likewise, one row per evaluation; agent-days one row each, at local midnight.
QA_ROWS = (
    "(SELECT e.client_id, e.queue_id, e.vendor_id, e.agent_id, e.evaluated_at,"
    f" date_bin(%(iv)s::interval, e.evaluated_at, {GRID_ORIGIN_SQL}) AS interval_start,"
    f" {QA.select_sql()} FROM qa_evaluations e)"
)
QA_DAY_ROWS = (
    "(SELECT d.client_id, d.agent_id, k.day_start, k.day_start AS interval_start,"
    f" {QA_DAYS.select_sql()}"
    f" FROM agent_day_stats d {QA_DAYS.rows_sql} WHERE {QA_DAYS.where})"
)
# Forecasts one row per queue and ended interval with a forecast: of its forecasts, a WFM
# source's if any (the latest received; of equals, the first source by name), else
# CallPulse's own; with the interval's actual calls, Erlang C need and scheduled agents.
FORECAST_ROWS = (
    "(SELECT f.client_id, f.queue_id, f.interval_start,"
    f" {FORECASTS.select_sql()} FROM (SELECT DISTINCT ON (client_id, queue_id, interval_start)"
    " client_id, queue_id, interval_start, offered, aht_s, required_agents FROM forecasts"
    f" ORDER BY client_id, queue_id, interval_start, source = '{OWN_FORECAST_SOURCE}',"
    f" received_at DESC, source) f {FORECASTS.rows_sql} WHERE {FORECASTS.where})"
)
# Callback requests one row each, in their call's interval; those offered before %(lo)s − one
# interval (when given) are skipped before their callbacks are looked up.
CALLBACK_ROWS = (
    "(SELECT c.client_id, c.queue_id, c.vendor_id, c.offered_at,"
    f" date_bin(%(iv)s::interval, c.offered_at, {GRID_ORIGIN_SQL}) AS interval_start,"
    f" {CALLBACKS.select_sql()} FROM calls c {CALLBACKS.rows_sql} WHERE {CALLBACKS.where}"
    " AND (%(lo)s::timestamptz IS NULL OR c.offered_at >= %(lo)s::timestamptz - %(iv)s::interval)"
    " AND (%(hi)s::timestamptz IS NULL OR c.offered_at < %(hi)s::timestamptz))"
)
# The sources summed from their facts at read time, each fact's rows as stats rows would be.
READ_TIME_ROWS = {
    ALERTS.name: ALERT_ROWS,
    QA.name: QA_ROWS,
    QA_DAYS.name: QA_DAY_ROWS,
    SCHEDULES.name: SCHEDULE_ROWS,
    FORECASTS.name: FORECAST_ROWS,
    CALLBACKS.name: CALLBACK_ROWS,
}


def _interval_rows(source: Source) -> str:
    """Return the relation of a source's interval stats rows (alerts, QA: one row per fact;
    schedules: one per segment piece and interval)."""
    return source.interval_table or READ_TIME_ROWS[source.name]


@dataclass(frozen=True)
class Buckets:
    """Interval stats in `[start, end)` grouped by bucket (`BUCKETS`) in timezone `tz`."""

    granularity: str
    start: datetime
    end: datetime
    tz: str


@dataclass(frozen=True)
class PeriodDays:
    """A period's consecutive local days: `days` and their local midnights `starts`, `end` the
    last one's end. Day stats where the source has them, else interval stats (alerts: their
    opening moment) put in their day by `width_bucket` over the days' starts."""

    days: Sequence[date]
    starts: Sequence[datetime]
    end: datetime


@dataclass(frozen=True)
class QueueDays:
    """Queues to read (with their clients) and each one's local day, as SQL arrays."""

    clients: list[int]
    queues: list[int]
    days: list[datetime]
    day_ends: list[datetime]
    vendor: int | None = None  # one vendor's records of the queues (None: every vendor's)

    @classmethod
    def one(cls, client_id: int, queue_id: int, day: datetime, day_end: datetime) -> "QueueDays":
        """Return the arrays for a single queue, every vendor's records."""
        return cls([client_id], [queue_id], [day], [day_end])

    def params(self, **extra: object) -> dict[str, object]:
        """Return the statement parameters (arrays as literals: psycopg's lists are slow)."""
        return {**self._arrays, "vendor": self.vendor, **extra}

    @cached_property
    def _arrays(self) -> dict[str, str]:
        """The arrays as literals, rendered once: a live read passes them to each statement."""
        return {
            "clients": array_literal(self.clients),
            "queues": array_literal(self.queues),
            "days": array_literal(self.days),
            "day_ends": array_literal(self.day_ends),
        }


@dataclass(frozen=True)
class Window:
    """Raw facts since `since` (a rolling window: not yet in the stats), per queue, of one
    vendor's records (None: every vendor's)."""

    clients: Sequence[int]
    queues: Sequence[int]
    since: datetime
    vendor: int | None = None


Grouping = Buckets | PeriodDays | QueueDays | Window


@dataclass(frozen=True)
class StatsScope:
    """Whose stats: a client, its queues, and a vendor's agents (None: every vendor's)."""

    client_id: int
    queue_ids: Sequence[int]
    vendor_id: int | None


def sum_components(
    pg: Connection,
    source: Source,
    components: Sequence[str],
    grouping: Grouping,
    scope: StatsScope | None = None,
    *,
    split: str | None = None,
    extra: Sequence[str] = (),
    interval_minutes: int = 15,
) -> list[tuple]:
    """Sum a source's components (and `extra` aggregates over the rows `s`) per group.

    Rows: (bucket, split value, *sums) for `Buckets`; (day index from 0, split value, *sums)
    for `PeriodDays`; (queue id, *sums) for `QueueDays` (each queue's local day) and `Window`
    (raw facts, each component's own aggregate; no `extra`; schedules: their pieces cut at
    the window's start). `split` is a stats column
    (`agent_id`, `channel`, `queue_id`) kept apart; `scope` limits `Buckets` and `PeriodDays`,
    which need one (the others carry their queues). A vendor limit keeps that vendor's
    records of the queues (`Source.vendor_limit`), as `/v1/calls` lists them.
    """
    sums = [f"coalesce(sum(s.{name}), 0)::float8" for name in components]
    sums += [f"coalesce({expression}, 0)::float8" for expression in extra]
    split_sql = f"s.{split}" if split else "NULL"
    params: dict[str, Any] = {
        "iv": f"{interval_minutes} minutes",
        "lo": None,
        "hi": None,
        "per_queue": split == "queue_id" or isinstance(grouping, QueueDays),
        "stale": f"{get_settings().agent_stale_after_s} seconds",
        "since": None,
        "sl_target": get_settings().default_sl_target,  # forecasts' Erlang C need
    }
    if isinstance(grouping, Buckets | PeriodDays):
        if scope is None:
            raise ValueError(f"{type(grouping).__name__} sums need a scope")
        params |= {
            "client": scope.client_id,
            "queues": list(scope.queue_ids),
            "vendor": scope.vendor_id,
        }
        within_scope = f"s.client_id = %(client)s AND {source.scope} AND {source.vendor_limit()}"
    if isinstance(grouping, Buckets):
        keys = [BUCKETS[grouping.granularity], split_sql]
        relation = f"{_interval_rows(source)} s"
        where = f"{within_scope} AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s"
        params |= {"lo": grouping.start, "hi": grouping.end, "tz": grouping.tz}
    elif isinstance(grouping, PeriodDays):
        if source.day_table:
            relation = f"{source.day_table} s"
            keys = ["s.day - %(first)s::date", split_sql]
            where = f"{within_scope} AND s.day >= %(first)s::date AND s.day <= %(last)s::date"
        else:
            at = "interval_start" if source.interval_table else source.time_column
            relation = f"{_interval_rows(source)} s"
            keys = [f"width_bucket(s.{at}, %(days)s::timestamptz[]) - 1", split_sql]
            where = f"{within_scope} AND s.{at} >= %(lo)s AND s.{at} < %(hi)s"
        params |= {
            "days": list(grouping.starts),
            "lo": grouping.starts[0],
            "hi": grouping.end,
            "first": grouping.days[0],
            "last": grouping.days[-1],
        }
        # A month is a million stats rows in 31 groups, but the planner expects thousands of
        # groups and, within the default 4 MB, sorts them on disk: give this transaction room.
        pg.execute("SET LOCAL work_mem = '64MB'")
    elif isinstance(grouping, QueueDays):
        keys = ["k.queue_id"]
        relation = f"{QUEUE_DAYS} JOIN {_interval_rows(source)} s"
        relation += " ON s.client_id = k.client_id AND s.queue_id = k.queue_id"
        where = "s.interval_start >= k.day_start AND s.interval_start < k.day_end"
        where += f" AND {source.vendor_limit()}"
        params = grouping.params(**params)
    elif source is SCHEDULES:  # a rolling window of schedule pieces, cut at its start
        keys = ["s.queue_id"]
        relation = f"{SCHEDULE_ROWS} s"
        where = (
            "s.client_id = ANY(%(clients)s::int[]) AND s.start_at >= %(since)s"
            f" AND {source.vendor_limit()}"
        )
        params |= {
            "clients": array_literal(grouping.clients),
            "queues": array_literal(grouping.queues),
            "since": grouping.since,
            "lo": grouping.since,
            "per_queue": True,
            "vendor": grouping.vendor,
        }
    else:
        a = source.alias
        keys = [f"{a}.{source.subject}"]
        # Stats sources' components aggregate; read-time ones (QA) are per-row values.
        each = "({})::float8" if source.interval_table else "coalesce(sum(({})::float8), 0)"
        sums = [each.format(source.components[name].sql) for name in components]
        relation = f"{source.fact_table} {a} {source.rows_sql}"
        where = (
            f"{a}.client_id = ANY(%(clients)s::int[])"
            f" AND {a}.{source.subject} = ANY(%(queues)s::int[])"
            f" AND {a}.{source.time_column} >= %(since)s AND {source.where or 'true'}"
            f" AND {source.vendor_limit(a)}"
        )
        params |= {
            "clients": array_literal(grouping.clients),
            "queues": array_literal(grouping.queues),
            "since": grouping.since,
            "vendor": grouping.vendor,
        }
    group_by = ", ".join(str(i + 1) for i in range(len(keys)))
    return pg.execute(
        f"SELECT {', '.join(keys)}, {', '.join(sums)} FROM {relation} WHERE {where}"
        f" GROUP BY {group_by}",
        params,
    ).fetchall()


def sums_per_queue(
    pg: Connection,
    source: Source,
    components: Sequence[str],
    grouping: QueueDays | Window,
    interval_minutes: int = 15,
) -> dict[int, dict[str, float]]:
    """Sum a source's components per queue (its local day, or a rolling window), by name."""
    rows = sum_components(pg, source, components, grouping, interval_minutes=interval_minutes)
    return {queue: dict(zip(components, values, strict=True)) for queue, *values in rows}


# Per split of `/v1/metrics`: the distinct values the series would hold, from day stats
# (a few rows per queue and day) where they exist, so the count costs milliseconds.
_CALL_DAYS = (
    "SELECT {column} FROM call_day_stats s WHERE s.client_id = %(client)s"
    " AND s.queue_id = ANY(%(queues)s) AND s.day >= %(first)s AND s.day <= %(last)s"
    f" AND {CALLS.vendor_limit()}"
)
_QA_IN_RANGE = (
    "SELECT {column} FROM qa_evaluations s WHERE s.client_id = %(client)s"
    f" AND s.queue_id = ANY(%(queues)s) AND {QA.vendor_limit()}"
    " AND s.evaluated_at >= %(lo)s AND s.evaluated_at < %(hi)s"
)
SPLIT_MEMBERS = {
    "agent": f"SELECT count(*) FROM ({_CALL_DAYS.format(column='s.agent_id')} UNION"
    " SELECT s.agent_id FROM agent_day_stats s WHERE s.client_id = %(client)s"
    f" AND {AGENTS.scope} AND s.day >= %(first)s AND s.day <= %(last)s"
    f" UNION {_QA_IN_RANGE.format(column='s.agent_id')}) x",
    "queue": "SELECT count(*) FROM unnest(%(queues)s::int[]) q(id) WHERE EXISTS ("
    f"{_CALL_DAYS.format(column='1')} AND s.queue_id = q.id) OR EXISTS (SELECT 1"
    " FROM ticket_interval_stats s WHERE s.client_id = %(client)s AND s.queue_id = q.id"
    " AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s) OR EXISTS (SELECT 1"
    " FROM alerts s WHERE s.client_id = %(client)s AND s.queue_id = q.id"
    " AND s.opened_at >= %(lo)s AND s.opened_at < %(hi)s) OR EXISTS ("
    f"{_QA_IN_RANGE.format(column='1')} AND s.queue_id = q.id) OR EXISTS (SELECT 1"
    " FROM forecasts s WHERE s.client_id = %(client)s AND s.queue_id = q.id"
    " AND s.interval_start >= %(lo)s AND s.interval_start < %(hi)s)",
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
# Each joins the queues' keys to the facts and groups by queue (a queue without rows is
# absent): Citus pushes that down to every shard, unlike a lateral subquery per key.


def waiting_calls(
    pg: Connection, keys: QueueDays, horizon_s: int
) -> dict[int, tuple[int, datetime | None, int]]:
    """Return per queue with open calls: calls waiting now, the oldest one's offered time,
    today's lost calls.

    A call with neither answer nor end waits at most `horizon_s`; after that it is lost
    data (its end never arrived), counted apart instead of waiting forever.
    """
    rows = pg.execute(
        f"SELECT k.queue_id, count(*) FILTER (WHERE {CALL_WAITING_SQL}),"
        f" min(c.offered_at) FILTER (WHERE {CALL_WAITING_SQL}),"
        f" count(*) FILTER (WHERE {CALL_LOST_SQL})"
        f" FROM {QUEUE_DAYS} JOIN calls c ON c.client_id = k.client_id"
        f" AND c.queue_id = k.queue_id WHERE {CALL_OPEN_SQL} AND {CALLS.vendor_limit('c')}"
        " AND c.offered_at > least(k.day_start, now() - %(horizon)s::interval)"
        " AND c.offered_at <= now() GROUP BY k.queue_id",
        keys.params(horizon=f"{horizon_s} seconds"),
    ).fetchall()
    return {queue: (waiting, oldest, lost) for queue, waiting, oldest, lost in rows}


PENDING_CALLBACK_HORIZON = "1 day"
"""How long a callback request not called back stays pending on the live view (after that
it is only a miss in callback_timeliness)."""


def pending_callbacks(
    pg: Connection, keys: QueueDays
) -> dict[int, tuple[int, int, datetime | None]]:
    """Return per queue with any: callback requests not called back yet (of the last day),
    how many of them are past their deadline, and when the oldest one's caller left the
    number."""
    rows = pg.execute(
        f"SELECT k.queue_id, count(*), count(*) FILTER (WHERE {CALLBACK_DUE_BY_SQL} <= now()),"
        f" min(c.ended_at) FROM {QUEUE_DAYS} JOIN calls c ON c.client_id = k.client_id"
        f" AND c.queue_id = k.queue_id {CALLBACKS.rows_sql} WHERE {CALLBACKS.where}"
        f" AND cb.at IS NULL AND {CALLBACKS.vendor_limit('c')}"
        f" AND c.offered_at > now() - interval '{PENDING_CALLBACK_HORIZON}'"
        " AND c.offered_at <= now() GROUP BY k.queue_id",
        keys.params(),
    ).fetchall()
    return {queue: (pending, overdue, oldest) for queue, pending, overdue, oldest in rows}


# Each agent's latest state change of the last day (up to now), of client %(c)s: one
# lookup per agent of the client (its key's index, newest first), not a sort of the day's
# changes, which grows all day. One client per statement: Citus then routes it to that
# client's shard (across shards, a LIMIT in a lateral subquery reading a reference table's
# column does not push down).
LATEST_AGENT_STATES = (
    f"(SELECT r.client_id, r.agent_id, {agent_state_sql('r', '%(c)s::int')} AS state, r.at,"
    " r.reason, r.queue_ids FROM agents ag CROSS JOIN LATERAL (SELECT s.client_id, s.agent_id,"
    " s.state, s.unpause, s.at, s.reason, s.queue_ids FROM agent_state_changes s"
    " WHERE s.client_id = %(c)s::int AND s.agent_id = ag.id"
    " AND s.at > now() - interval '1 day' AND s.at <= now() ORDER BY s.at DESC LIMIT 1) r"
    " WHERE ag.client_id = %(c)s::int)"
)


def _queues_by_client(clients: Sequence[int], queues: Sequence[int]) -> dict[int, list[int]]:
    """Return `queues[i]` of client `clients[i]` grouped by client, in client order."""
    grouped: dict[int, list[int]] = {}
    for client_id, queue_id in sorted(zip(clients, queues, strict=True)):
        grouped.setdefault(client_id, []).append(queue_id)
    return grouped


def latest_agent_states(
    pg: Connection, clients: Sequence[int], queues: Sequence[int], vendor_id: int | None
) -> list[tuple]:
    """Return per queue each agent with its latest state, since when, and reason.

    An agent belongs to a queue when its latest event lists the queue, or lists no queue
    and its vendor serves the queue. Agents logged out, or silent for a day, are left out.
    Rows: (queue id, agent id, agent code, vendor code, state, at, reason), oldest first.
    """
    rows: list[tuple] = []
    for client_id, of_client in _queues_by_client(clients, queues).items():
        rows += pg.execute(
            "SELECT k.queue_id, a.id, a.code, v.code, l.state, l.at, l.reason FROM"
            f" {LATEST_AGENT_STATES} l JOIN agents a ON a.id = l.agent_id"
            " JOIN vendors v ON v.id = a.vendor_id"
            " CROSS JOIN unnest(%(q)s::int[]) AS k(queue_id)"
            f" WHERE l.state <> '{LOGGED_OUT}' AND (%(v)s::int IS NULL OR a.vendor_id = %(v)s)"
            f" AND {serves_queue('k.queue_id', 'l.queue_ids', 'a.vendor_id')}",
            {"c": client_id, "q": array_literal(of_client), "v": vendor_id},
        ).fetchall()
    return sorted(rows, key=lambda row: row[5])


def agents_on_phones(
    pg: Connection, clients: Sequence[int], queues: Sequence[int]
) -> dict[int, int]:
    """Count per queue (`queues[i]` of client `clients[i]`) the agents `latest_agent_states`
    lists whose state is on the phones (every vendor's), for many queues in one statement.

    Agents listing queues are counted per queue listed; those listing none per vendor, then
    per queue the vendor serves: no agent is tested against every queue, so a client's
    agents cost the same however many queues it has. Queues with none are absent.
    """
    counts: dict[int, int] = {}
    for client_id, of_client in _queues_by_client(clients, queues).items():
        counts |= pg.execute(
            "WITH l AS (SELECT l.agent_id, l.queue_ids, a.vendor_id"
            f" FROM {LATEST_AGENT_STATES} l JOIN agents a ON a.id = l.agent_id"
            " WHERE l.state = ANY(%(on)s::text[]))"
            " SELECT k.queue_id, sum(x.n)::int FROM unnest(%(q)s::int[]) AS k(queue_id)"
            " JOIN (SELECT q.id AS queue_id, count(DISTINCT l.agent_id) AS n FROM l"
            " CROSS JOIN LATERAL unnest(l.queue_ids) AS q(id) GROUP BY 1 UNION ALL"
            " SELECT qv.queue_id, w.n FROM (SELECT vendor_id, count(*) AS n FROM l"
            " WHERE queue_ids IS NULL GROUP BY 1) w"
            " JOIN queue_vendors qv ON qv.vendor_id = w.vendor_id) x"
            " ON x.queue_id = k.queue_id GROUP BY 1",
            {"c": client_id, "q": array_literal(of_client), "on": list(ON_PHONE_STATES)},
        ).fetchall()
    return counts


def scheduled_now(pg: Connection, agent_ids: Sequence[int]) -> dict[int, str]:
    """Return `{agent id: activity}` of the agents' schedule segments holding now."""
    rows = pg.execute(
        "SELECT agent_id, activity FROM schedule_segments WHERE agent_id = ANY(%s::int[])"
        " AND start_at <= now() AND end_at > now()",
        [array_literal(agent_ids)],
    ).fetchall()
    return dict(rows)


def agent_call_totals(
    pg: Connection, keys: QueueDays
) -> dict[tuple[int, int], tuple[float, float]]:
    """Return `{(queue id, agent id): (handled, Σ handle seconds)}` over each queue's day."""
    rows = pg.execute(
        "SELECT k.queue_id, s.agent_id, sum(s.handled)::float8,"
        f" sum(s.talk_s + s.hold_s + s.acw_s)::float8 FROM {QUEUE_DAYS}"
        " JOIN call_interval_stats s ON s.client_id = k.client_id AND s.queue_id = k.queue_id"
        " AND s.interval_start >= k.day_start AND s.interval_start < k.day_end"
        f" AND s.agent_id <> 0 AND {CALLS.vendor_limit()} GROUP BY 1, 2",
        keys.params(),
    ).fetchall()
    return {(queue, agent): (handled, seconds) for queue, agent, handled, seconds in rows}


# Each client's vendors' newest agent state change, when within the last day.
_AGENTS_RECENT = (
    "LEFT JOIN agent_feed_activity a ON a.client_id = k.client_id AND a.vendor_id = v.id"
    " AND a.last_at > now() - interval '1 day'"
)


def feed_freshness(pg: Connection, keys: QueueDays, vendor_id: int | None) -> list[tuple]:
    """Return (queue id, vendor code, last record) for each vendor serving each queue: the
    latest of its last call or ticket changed in the queue (`feed_activity`) and its
    agents' last state change for the client (`agent_feed_activity`), within the last day.

    A replayed record changes nothing and does not count: a feed that only repeats
    itself is as quiet as one that sends nothing.
    """
    return pg.execute(
        "SELECT k.queue_id, v.code, greatest(f.last_at, a.last_at)"
        f" FROM {QUEUE_DAYS} JOIN queue_vendors qv ON qv.queue_id = k.queue_id"
        " JOIN vendors v ON v.id = qv.vendor_id LEFT JOIN feed_activity f"
        " ON f.client_id = k.client_id AND f.queue_id = k.queue_id AND f.vendor_id = v.id"
        f" {_AGENTS_RECENT} WHERE %(v)s::int IS NULL OR v.id = %(v)s ORDER BY k.queue_id, v.code",
        keys.params(v=vendor_id),
    ).fetchall()


def rejected_today(
    pg: Connection, keys: QueueDays, vendor_id: int | None, no_client: bool
) -> dict[tuple[int, str], tuple[int, int]]:
    """Count each serving vendor's rejections in each queue's client's local day:
    `{(queue id, vendor code): (attributed to the client, with no client)}`.

    A rejection with no client (an unknown queue, an unreadable line, a record refused
    before its queue was read) is counted only when `no_client` (a viewer bound to no client
    may see the vendor's own), and in every client's day it falls in.
    """
    rows = pg.execute(
        "SELECT k.queue_id, v.code, count(r.id) FILTER (WHERE r.client_id = k.client_id),"
        " count(r.id) FILTER (WHERE r.client_id IS NULL)"
        f" FROM {QUEUE_DAYS} JOIN queue_vendors qv ON qv.queue_id = k.queue_id"
        " JOIN vendors v ON v.id = qv.vendor_id"
        " LEFT JOIN rejected_records r ON r.vendor_id = v.id AND r.received_at >= k.day_start"
        " AND r.received_at < k.day_end"
        " AND (r.client_id = k.client_id OR (%(none)s AND r.client_id IS NULL))"
        " WHERE %(v)s::int IS NULL OR v.id = %(v)s GROUP BY 1, 2",
        keys.params(v=vendor_id, none=no_client),
    ).fetchall()
    return {(queue, vendor): (own, none) for queue, vendor, own, none in rows}


def window_sums(
    pg: Connection,
    clients: Sequence[int],
    queues: Sequence[int],
    since: datetime,
    names: Sequence[str],
    vendor_id: int | None = None,
) -> dict[int, dict[str, float]]:
    """Sum the named `RECENT_CALLS` components of the calls offered since `since` per queue
    with any (of one vendor's records, when given).

    Whole minutes come from the minute stats, the part of `since`'s own minute from the raw
    calls: a rolling window costs its minutes, not its calls.
    """
    floor = since.replace(second=0, microsecond=0)
    edge = floor if floor == since else floor + timedelta(minutes=1)
    s, c = "s", RECENT_CALLS.alias  # the minute stats, the calls
    rows = pg.execute(
        f"SELECT w.queue_id, {', '.join(f'sum(w.{n})::float8' for n in names)} FROM"
        f" (SELECT {s}.queue_id, {', '.join(f'{s}.{n}' for n in names)}"
        f" FROM {RECENT_CALLS.interval_table} {s} WHERE {s}.client_id = ANY(%(c)s::int[])"
        f" AND {s}.queue_id = ANY(%(q)s::int[]) AND {s}.minute_start >= %(edge)s"
        f" AND {RECENT_CALLS.vendor_limit(s)} UNION ALL SELECT {c}.queue_id,"
        f" {RECENT_CALLS.select_sql(tuple(names))} FROM calls {c} {RECENT_CALLS.rows_sql}"
        f" WHERE {c}.client_id = ANY(%(c)s::int[]) AND {c}.queue_id = ANY(%(q)s::int[])"
        f" AND {c}.offered_at >= %(since)s AND {c}.offered_at < %(edge)s"
        f" AND {RECENT_CALLS.where} AND {RECENT_CALLS.vendor_limit(c)} GROUP BY 1) w"
        " GROUP BY 1",
        {
            "c": array_literal(clients),
            "q": array_literal(queues),
            "since": since,
            "edge": edge,
            "vendor": vendor_id,
        },
    ).fetchall()
    return {queue: dict(zip(names, sums, strict=True)) for queue, *sums in rows}


def offered_between(
    pg: Connection,
    clients: Sequence[int],
    queues: Sequence[int],
    start: datetime,
    end: datetime,
    vendor_id: int | None = None,
) -> dict[int, int]:
    """Count inbound calls that arrived in `[start, end)` per queue (`offered_in`)."""
    return offered_in(pg, clients, queues, [(start, end)], vendor_id)[0]


def offered_in(
    pg: Connection,
    clients: Sequence[int],
    queues: Sequence[int],
    windows: Sequence[tuple[datetime, datetime]],
    vendor_id: int | None = None,
) -> list[dict[int, int]]:
    """Count inbound calls that arrived in each window `[start, end)` per queue (of one
    vendor's records, when given), from raw calls, in one statement: one dict per window.

    This is the demand Erlang C staffs for: every caller, including those turned away
    because the queue was full or had no agents (they needed agents too), but not calls to
    a closed queue, which no staffing serves (`CALL_ARRIVED_SQL`).
    """
    rows = pg.execute(
        "SELECT w.i, c.queue_id, count(*) FROM unnest(%(lo)s::timestamptz[],"
        " %(hi)s::timestamptz[]) WITH ORDINALITY AS w(lo, hi, i) JOIN calls c"
        " ON c.offered_at >= w.lo AND c.offered_at < w.hi"
        " WHERE c.client_id = ANY(%(c)s::int[]) AND c.queue_id = ANY(%(q)s::int[])"
        f" AND {CALL_ARRIVED_SQL} AND {CALLS.vendor_limit('c')} GROUP BY 1, 2",
        {
            "c": array_literal(clients),
            "q": array_literal(queues),
            "lo": array_literal([start for start, _ in windows]),
            "hi": array_literal([end for _, end in windows]),
            "vendor": vendor_id,
        },
    ).fetchall()
    counts: list[dict[int, int]] = [{} for _ in windows]
    for i, queue, count in rows:
        counts[i - 1][queue] = count
    return counts
