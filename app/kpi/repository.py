"""All SQL of the KPI engine: apply logged changes, claim markers, recompute from raw facts.

Interval starts are `date_bin(interval, t, 2000-01-01 UTC)`, the same grid the ingest
writer uses. Day stats are the sums of interval stats per local day of the client's
timezone (the local date of each interval's start).

Two mechanisms keep the stats equal to a full recomputation from raw facts:
- Deltas (calls and tickets, `DELTA_SOURCES`): every component is a sum of a per-row
  value, so the stats of an interval change by the components of the rows the ingest
  removed (sign -1) and added (sign +1), logged in `stats_changes` (the columns the
  catalogue's SQL reads, typed: `CHANGE_COLUMNS`) in the facts' own transaction.
  `apply_changes` takes a batch of the oldest committed change rows in one
  statement, computes each row's components with the catalogue's own SQL (grouping by the
  change row gives the per-row value of each aggregate), and adds Σ sign × value to the
  interval and day stats.
  A pass costs in proportion to the rows changed, not to the size of the interval.
- Recomputes (agent states, whose seconds depend on the next change; and any interval
  marked for a rebuild): delete the target rows and insert them again from the facts. The
  statement summing one client's facts deletes that client's change rows of the targets,
  so the facts it reads and the changes it absorbs come from one snapshot: a change
  committed later stays for the next pass, applied once, never twice and never lost. It
  returns the sums, copied in next: on Citus a SELECT whose CTE deletes, all on one
  client's shard, runs there as one statement (an INSERT … SELECT with a deleting CTE is
  split into steps, each with its own snapshot, or refused).
Neither keeps a row whose components are all zero (an outbound call still ringing counts
nowhere), so both give the same rows, and every reader the same answers.
"""

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg import Connection

from app.core import locks
from app.core.grid import GRID_ORIGIN_SQL as ORIGIN
from app.core.pgarray import array_literal
from app.core.vocabulary import LOGGED_OUT
from app.kpi.sources import (
    AGENTS,
    CALLS,
    MINUTES_KEPT,
    RECENT_CALLS,
    TICKETS,
    Source,
    agent_segments_sql,
    agent_state_sql,
)

# Per marker subject: the sources whose stats are kept by deltas (see the module docstring).
DELTA_SOURCES = {"queue": CALLS, "ticket_queue": TICKETS}
CHANGE_SUBJECT = {source.name: subject for subject, source in DELTA_SOURCES.items()}

Marker = tuple[int, str, int, datetime]
Target = tuple[int, int, datetime]
DayTarget = tuple[int, int, date]


def lock(pg: Connection) -> None:
    """Take the aggregation lock for this transaction, waiting for every running pass."""
    locks.wait_for_lock(pg, locks.Lock.AGGREGATION)


def share_lock(pg: Connection, wait: bool) -> bool:
    """Take the aggregation lock shared, as passes do: passes run side by side, a rebuild
    (`lock`) waits for them and they for it. False at once, without `wait`, during one."""
    return locks.share_lock(pg, locks.Lock.AGGREGATION, wait)


def claim_clients(pg: Connection, budget: int, wait: bool) -> tuple[list[int], int]:
    """Lock clients with aggregation work for this transaction, leftover claims first, then
    the oldest work, until their markers and change rows reach `budget`; return them and
    how many clients with work were left for want of room.

    Clients another worker holds are skipped; with `wait`, waited for (in client order, so
    two waiting drains never deadlock).
    """
    found = pg.execute(
        "SELECT client_id, sum(n) FROM (SELECT client_id, NULL::timestamptz AS since, count(*)"
        " AS n FROM claimed_intervals GROUP BY client_id UNION ALL SELECT client_id,"
        " min(marked_at), count(*) FROM dirty_intervals GROUP BY client_id UNION ALL SELECT"
        " client_id, min(logged_at), count(*) FROM stats_changes GROUP BY client_id) work"
        " GROUP BY client_id ORDER BY bool_or(since IS NULL) DESC, min(since), client_id"
    ).fetchall()
    claimed: list[int] = []
    work = 0
    for at, (client_id, pending) in enumerate(found):
        if work >= budget:
            left = len(found) - at
            break
        if wait or locks.try_lock(pg, locks.Lock.AGGREGATION, client_id):
            claimed.append(client_id)
            work += pending
    else:
        left = 0
    if wait:
        claimed.sort()
        for client_id in claimed:
            locks.wait_for_lock(pg, locks.Lock.AGGREGATION, client_id)
    return claimed, left


def relock_clients(pg: Connection, client_ids: list[int], wait: bool) -> list[int]:
    """Lock the clients claimed in a committed transaction again; return those locked
    (without `wait`, one another worker took meanwhile is left to it, claims and all)."""
    if wait:
        for client_id in client_ids:
            locks.wait_for_lock(pg, locks.Lock.AGGREGATION, client_id)
        return client_ids
    return [c for c in client_ids if locks.try_lock(pg, locks.Lock.AGGREGATION, c)]


def claim_markers(pg: Connection, limit: int, client_ids: list[int]) -> int:
    """Move up to `limit` markers of the clients (less those already claimed) to
    `claimed_intervals`.

    Skips markers an in-flight ingest holds. The caller commits at once: from then on an
    ingest touching a claimed interval writes a fresh marker instead of waiting for the
    recompute. A claim left by a pass that died is kept; the interval needs recomputing once.
    Markers are locked one client per statement (clients in the order of their oldest
    marker, each oldest first), then deleted and claimed by two more: Citus locks rows only
    in a single-shard statement without CTEs. Locked first, exactly those are deleted: in a
    delete `… IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the subquery may run more than
    once (rescanned in a nested loop, rechecked after a concurrent update), each run
    locking what others released meanwhile, so a pass took more than `n` (CI, with three
    workers marking and claiming beside it).
    """
    claimed = pg.execute(
        "SELECT count(*) FROM claimed_intervals WHERE client_id = ANY(%s)", [client_ids]
    ).fetchone()[0]  # type: ignore[index]
    left = max(limit - claimed, 0)
    clients = pg.execute(
        "SELECT client_id FROM dirty_intervals WHERE client_id = ANY(%s)"
        " GROUP BY client_id ORDER BY min(marked_at)",
        [client_ids],
    ).fetchall()
    taken = 0
    for (client_id,) in clients:
        if taken >= left:
            break
        markers = pg.execute(
            "SELECT subject, subject_id, interval_start FROM dirty_intervals"
            " WHERE client_id = %s ORDER BY marked_at LIMIT %s FOR UPDATE SKIP LOCKED",
            [client_id, left - taken],
        ).fetchall()
        if markers:
            pg.execute(
                "DELETE FROM dirty_intervals WHERE client_id = %s AND (subject, subject_id,"
                " interval_start) IN (SELECT * FROM unnest(%s::text[], %s::int[],"
                " %s::timestamptz[]))",
                [client_id, *_targets(markers)],
            )
            cur = pg.execute(
                "INSERT INTO claimed_intervals (client_id, subject, subject_id, interval_start)"
                " SELECT %s, * FROM unnest(%s::text[], %s::int[], %s::timestamptz[])"
                " ORDER BY 1, 2, 3, 4 ON CONFLICT DO NOTHING",
                [client_id, *_targets(sorted(markers))],
            )
            taken += cur.rowcount
    return taken


def take_claims(pg: Connection, client_ids: list[int]) -> list[Marker]:
    """Delete and return the clients' claimed markers; a rollback hands them to the next pass."""
    return pg.execute(
        "DELETE FROM claimed_intervals WHERE client_id = ANY(%s)"
        " RETURNING client_id, subject, subject_id, interval_start",
        [client_ids],
    ).fetchall()


def _targets(targets: Sequence[tuple[Any, ...]]) -> list[str]:
    return [array_literal(column) for column in zip(*targets, strict=True)]


def _unnest_params(targets: Sequence[Target]) -> dict[str, str]:
    """Return the parameters of `_UNNEST`: the targets' clients, subjects and interval starts."""
    return dict(zip(("m_clients", "m_subjects", "m_starts"), _targets(targets), strict=True))


_UNNEST = (
    "unnest(%(m_clients)s::int[], %(m_subjects)s::int[], %(m_starts)s::timestamptz[])"
    " AS m(client_id, {subject}, interval_start)"
)


def _interval_columns(source: Source) -> str:
    """Return the columns of a source's interval stats: keys, then components."""
    keys = ["client_id", source.subject, "interval_start", *_split_column(source)]
    return f"{source.interval_table} ({', '.join([*keys, *source.names])})"


def _interval_insert(source: Source) -> str:
    """Return `INSERT INTO <interval stats> (keys, components)` of a source."""
    return f"INSERT INTO {_interval_columns(source)}"


def _split_column(source: Source) -> list[str]:
    """Return the stats columns a source keeps apart below its subject."""
    return [column for column, _ in source.splits]


def _split_fact(source: Source) -> list[str]:
    """Return the fact expressions filling those columns."""
    return [fact for _, fact in source.splits]


def _fact_columns(source: Source) -> tuple[str, ...]:
    """Return the fact columns a source's stats SQL reads (`<alias>.<column>` in its rows,
    filter, splits and components), in order of first use."""
    components = (component.sql for component in source.components.values())
    sql = " ".join([source.rows_sql, source.where, *_split_fact(source), *components])
    return tuple(dict.fromkeys(re.findall(rf"\b{source.alias}\.(\w+)", sql)))


# Per delta subject: the fact columns its change rows keep, typed, beside `client_id` and
# `subject_id` (the source's subject): exactly what the catalogue's SQL reads, so applying a
# change reads its columns as they are, not from a JSON copy of the whole row, and logging
# one writes only them. A component reading a new column needs that column in
# `stats_changes` too (tests/kpi/test_change_columns.py).
CHANGE_COLUMNS = {
    subject: tuple(c for c in _fact_columns(source) if c not in ("client_id", source.subject))
    for subject, source in DELTA_SOURCES.items()
}


def _all_zero(source: Source, alias: str) -> str:
    """Return SQL true when every component of row `alias` is zero."""
    return "(" + " AND ".join(f"{alias}.{name} = 0" for name in source.names) + ")"


def _stats_keys(source: Source, time_key: str) -> list[str]:
    """Return the primary key columns of a source's interval (`interval_start`) or day stats."""
    return ["client_id", source.subject, time_key, *_split_column(source)]


def _add_delta(source: Source, table: str, time_key: str, delta: str, prefix: str) -> str:
    """Return CTEs adding the CTE `delta` (keys and components) to a stats table.

    The new values are read and written in one statement: rows reaching all-zero are
    deleted, the others upserted. Only the aggregator writes a client's stats, under the
    client's aggregation lock.
    """
    keys, names = _stats_keys(source, time_key), source.names
    match = " AND ".join(f"t.{k} = d.{k}" for k in keys)
    added = ", ".join(f"coalesce(t.{n}, 0) + d.{n} AS {n}" for n in names)
    columns = ", ".join([*keys, *names])
    return (
        f"{prefix}_new AS (SELECT {', '.join(f'd.{k}' for k in keys)}, {added}"
        f" FROM {delta} d LEFT JOIN {table} t ON {match}),"
        f" {prefix}_gone AS (DELETE FROM {table} t USING {prefix}_new d"
        f" WHERE {match} AND {_all_zero(source, 'd')}),"
        f" {prefix}_put AS (INSERT INTO {table} ({columns}) SELECT {columns} FROM {prefix}_new d"
        f" WHERE NOT {_all_zero(source, 'd')} ORDER BY {', '.join(keys)}"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET"
        f" {', '.join(f'{n} = excluded.{n}' for n in names)})"
    )


# Per source: the one keeping its minute stats, for rolling windows (calls only).
MINUTE_SOURCES = {CALLS.name: RECENT_CALLS}


def _own_components(minute_stats: Source, source: Source) -> tuple[str, ...]:
    """Return the components of a source's minute stats that the source itself has not."""
    return tuple(n for n in minute_stats.names if n not in source.names)


def _minute(alias: str, source: Source) -> str:
    """Return SQL of the minute of a fact row's time (on the grid's origin, like intervals)."""
    return f"date_bin('1 minute'::interval, {alias}.{source.time_column}, {ORIGIN})"


def minutes_kept_since() -> datetime:
    """Return the start of the oldest minute kept in minute stats now (whole minutes: the
    grid's origin is on one)."""
    return (datetime.now(UTC) - MINUTES_KEPT).replace(second=0, microsecond=0)


def forget_old_minutes(pg: Connection, client_ids: list[int]) -> None:
    """Delete the clients' minute stats of minutes no longer kept."""
    for source in MINUTE_SOURCES.values():
        pg.execute(
            f"DELETE FROM {source.interval_table} WHERE client_id = ANY(%s) AND minute_start < %s",
            [client_ids, minutes_kept_since()],
        )


# Each feed's latest change per queue (`feed_activity`), raised to the newest of `{select}`:
# rows of (client, queue, vendor, moment).
_NOTE_ACTIVITY = (
    "INSERT INTO feed_activity AS f (client_id, queue_id, vendor_id, last_at) {select}"
    " ORDER BY 1, 2, 3 ON CONFLICT (client_id, queue_id, vendor_id)"
    " DO UPDATE SET last_at = greatest(f.last_at, excluded.last_at)"
)


def apply_changes(
    pg: Connection, subject: str, limit: int, client_ids: list[int] | None = None
) -> int:
    """Add the oldest `limit` committed change rows of a delta subject (of the clients, or
    all) to its stats; return how many.

    One statement: the change rows it deletes are exactly those it adds (a change
    committed after its snapshot is left for the next pass); a rollback keeps them all.
    Bounded, so that after a burst each pass is short and ingest never waits out one long
    statement and its commit: the rest goes to the next passes (sums commute).
    """
    source = DELTA_SOURCES[subject]
    assert source.interval_table, f"{source.name} has no interval stats"
    a, keys, names = source.alias, _stats_keys(source, "interval_start"), source.names
    split = [
        f"{fact} AS {column}"
        for column, fact in zip(_split_column(source), _split_fact(source), strict=True)
    ]
    per_row = ", ".join([f"{a}.client_id", f"{a}.{source.subject}", f"{a}.interval_start", *split])
    minute_stats = MINUTE_SOURCES.get(source.name)
    if minute_stats:  # the change row's minute, and the minute stats' own components
        per_row += f", {_minute(a, minute_stats)} AS minute_start, " + minute_stats.select_sql(
            _own_components(minute_stats, source)
        )
    where = f" WHERE {source.where}" if source.where else ""
    group = ", ".join(str(i + 2) for i in range(len(keys) + (1 if minute_stats else 0)))
    signed = ", ".join(f"sum(sign * {n}) AS {n}" for n in names)
    ctes = [
        "taken AS (DELETE FROM stats_changes WHERE id IN (SELECT id FROM stats_changes"
        " WHERE subject = %(subject)s AND (%(clients)s::int[] IS NULL"
        " OR client_id = ANY(%(clients)s)) ORDER BY id LIMIT %(limit)s)"
        f" RETURNING id, sign, interval_start, client_id, subject_id AS {source.subject},"
        f" logged_at, {', '.join(CHANGE_COLUMNS[subject])})",
        # A change row is its feed's record changed at `logged_at` (the fact's `updated_at`).
        "noted AS ("
        + _NOTE_ACTIVITY.format(
            select=f"SELECT client_id, {source.subject}, vendor_id, max(logged_at) FROM taken"
            " WHERE sign = 1 GROUP BY 1, 2, 3"
        )
        + ")",
        # Grouped by the change row, each catalogue aggregate gives that row's own value: a
        # change row stands for its fact row, under the source's alias.
        f"per_row AS (SELECT {a}.sign, {per_row}, {source.select_sql()} FROM taken {a}"
        f" {source.rows_sql}{where} GROUP BY {a}.id, 1, {group})",
        f"delta AS (SELECT {', '.join(keys)}, {signed} FROM per_row GROUP BY {', '.join(keys)})",
        _add_delta(source, source.interval_table, "interval_start", "delta", "iv"),
    ]
    if minute_stats:  # a change to a call older than the minutes kept adds to none of them
        assert minute_stats.interval_table, f"{minute_stats.name} has no minute stats"
        minute_keys = _stats_keys(minute_stats, "minute_start")
        ctes += [
            f"minute_delta AS (SELECT {', '.join(minute_keys)},"
            f" {', '.join(f'sum(sign * {n}) AS {n}' for n in minute_stats.names)} FROM per_row"
            f" WHERE minute_start >= %(kept)s GROUP BY {', '.join(minute_keys)})",
            _add_delta(
                minute_stats, minute_stats.interval_table, "minute_start", "minute_delta", "mn"
            ),
        ]
    if source.day_table:
        day_keys = _stats_keys(source, "day")
        local = [
            "(d.interval_start AT TIME ZONE c.timezone)::date AS day" if k == "day" else f"d.{k}"
            for k in day_keys
        ]
        ctes += [
            f"day_delta AS (SELECT {', '.join(local)},"
            f" {', '.join(f'sum(d.{n}) AS {n}' for n in names)} FROM delta d"
            " JOIN clients c ON c.id = d.client_id"
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(day_keys)))})",
            _add_delta(source, source.day_table, "day", "day_delta", "dy"),
        ]
    row = pg.execute(
        f"WITH {', '.join(ctes)} SELECT count(*) FROM taken",
        {"subject": subject, "limit": limit, "clients": client_ids, "kept": minutes_kept_since()},
    ).fetchone()
    return int(row[0]) if row else 0


def _delete_targets(pg: Connection, table: str, subject: str, targets: Sequence[Target]) -> None:
    """Delete the stats rows of the targets, before they are inserted again."""
    pg.execute(
        f"DELETE FROM {table} s USING {_UNNEST.format(subject=subject)}"
        f" WHERE s.client_id = m.client_id AND s.{subject} = m.{subject}"
        " AND s.interval_start = m.interval_start",
        _unnest_params(targets),
    )


def recompute_calls(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute call stats for `(client_id, queue_id, interval_start)` targets."""
    _recompute_facts(pg, CALLS, targets, minutes)


def recompute_tickets(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Recompute ticket stats for `(client_id, queue_id, interval_start)` targets."""
    _recompute_facts(pg, TICKETS, targets, minutes)


def _recompute_facts(
    pg: Connection, source: Source, targets: Sequence[Target], minutes: int
) -> None:
    """Recompute a source's interval stats for `(client_id, subject id, interval_start)`
    targets from the facts offered (created) in each interval, per split value."""
    if not targets:
        return
    a, subject = source.alias, source.subject
    assert source.interval_table, f"{source.name} has no interval stats"
    _delete_targets(pg, source.interval_table, subject, targets)
    unnest = _UNNEST.format(subject=subject)
    relation = (
        f"{unnest} JOIN {source.fact_table} {a} ON {a}.client_id = %(c)s::int"
        f" AND {a}.client_id = m.client_id AND {a}.{subject} = m.{subject}"
        f" AND {a}.{source.time_column} >= m.interval_start"
        f" AND {a}.{source.time_column} < m.interval_start + %(iv)s::interval"
    )
    absorbed = (
        f"WITH absorbed AS (DELETE FROM stats_changes x USING {unnest}"
        " WHERE x.client_id = %(c)s::int AND x.subject = %(subject)s"
        f" AND x.client_id = m.client_id AND x.subject_id = m.{subject}"
        " AND x.interval_start = m.interval_start) "
    )
    keys = ["m.client_id", f"m.{subject}", "m.interval_start"]
    kept, width = minutes_kept_since(), timedelta(minutes=minutes)
    for client_id, of_client in _by_client(targets).items():
        recent = max(start for _, _, start in of_client) + width > kept
        sql = absorbed + _summed(source, relation, keys, by_minute=recent)
        params = _unnest_params(of_client) | {
            "c": client_id,
            "subject": CHANGE_SUBJECT[source.name],
            "iv": f"{minutes} minutes",
            "kept": kept,
        }
        minute_stats = MINUTE_SOURCES.get(source.name)
        if minute_stats and recent:  # the targets' intervals' minutes (older ones are forgotten)
            pg.execute(
                f"DELETE FROM {minute_stats.interval_table} s USING {unnest}"
                f" WHERE s.client_id = m.client_id AND s.{subject} = m.{subject}"
                f" AND date_bin(%(iv)s::interval, s.minute_start, {ORIGIN}) = m.interval_start",
                params,
            )
        _copy_sums(pg, source, pg.execute(sql, params).fetchall())
        _note_facts(pg, source, relation, params)


def _note_facts(pg: Connection, source: Source, relation: str, params: Any) -> None:
    """Note in `feed_activity` the newest `updated_at` of the facts in `relation` (those a
    recompute summed) per queue and vendor.

    The change rows the recompute absorbed are not applied, so they cannot tell it: their
    facts can. Read after the recompute, they hold each absorbed change (or a later one,
    itself logged and noted when applied).
    """
    a = source.alias
    pg.execute(
        _NOTE_ACTIVITY.format(
            select=f"SELECT {a}.client_id, {a}.{source.subject}, {a}.vendor_id,"
            f" max({a}.updated_at) FROM {relation} GROUP BY 1, 2, 3"
        ),
        params,
    )


def _by_client(targets: Sequence[Target]) -> dict[int, list[Target]]:
    """Group targets by client, in client order."""
    grouped: dict[int, list[Target]] = {}
    for target in sorted(targets):
        grouped.setdefault(target[0], []).append(target)
    return grouped


def _summed(
    source: Source, relation: str, keys: list[str], filters: str = "", by_minute: bool = True
) -> str:
    """Return the SELECT summing a source's facts in `relation` per interval (`keys`: client,
    subject and interval start, then the source's splits; `filters` more conditions), and,
    for a source keeping minute stats, per minute since %(kept)s too — when `by_minute` (the
    facts may be that recent: grouping every row twice costs a rebuild of old weeks a third).

    One statement, so both come from one snapshot: with the change rows its CTE absorbs. Rows:
    whether the row is a minute's, the keys, the minute, the source's components, then the
    minute source's own; rows with nothing to count are left out.
    """
    a, minutes = source.alias, MINUTE_SOURCES.get(source.name) if by_minute else None
    keys = [*keys, *_split_fact(source)]
    conditions = [condition for condition in (source.where, filters) if condition]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    if not minutes:
        return (
            f"SELECT * FROM (SELECT false, {', '.join(keys)}, NULL::timestamptz,"
            f" {source.select_sql()} FROM {relation} {source.rows_sql}{where}"
            f" GROUP BY {', '.join(keys)}) r WHERE NOT {_all_zero(source, 'r')}"
        )
    # The calls before the minutes kept all go to one minute group (NULL), dropped.
    minute = f"CASE WHEN {a}.{minutes.time_column} >= %(kept)s THEN {_minute(a, minutes)} END"
    minute_keys = [keys[0], keys[1], minute, *_split_fact(minutes)]
    own = _own_components(minutes, source)
    return (
        f"SELECT * FROM (SELECT grouping({keys[2]}) = 1 AS by_minute, {', '.join(keys)},"
        f" {minute} AS minute_start, {source.select_sql()}, {minutes.select_sql(own)}"
        f" FROM {relation} {source.rows_sql}{where} GROUP BY GROUPING SETS"
        f" (({', '.join(keys)}), ({', '.join(minute_keys)}))) r"
        f" WHERE CASE WHEN r.by_minute THEN r.minute_start IS NOT NULL"
        f" AND NOT {_all_zero(minutes, 'r')} ELSE NOT {_all_zero(source, 'r')} END"
    )


def _copy_sums(pg: Connection, source: Source, rows: Sequence[Sequence[Any]]) -> None:
    """COPY the rows of `_summed` into a source's interval stats and its minute stats."""
    minutes = MINUTE_SOURCES.get(source.name)
    own = _own_components(minutes, source) if minutes else ()
    layout = ["by_minute", *_stats_keys(source, "interval_start"), "minute_start"]
    at = {name: i for i, name in enumerate([*layout, *source.names, *own])}
    for stats, time_key, by_minute in (
        (source, "interval_start", False),
        (minutes, "minute_start", True),
    ):
        if stats is None:
            continue
        columns = [*_stats_keys(stats, time_key), *stats.names]
        picked = [[row[at[c]] for c in columns] for row in rows if row[0] == by_minute]
        _copy(pg, f"{stats.interval_table} ({', '.join(columns)})", picked)


def _copy(pg: Connection, table_columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """COPY rows into `table (columns)`."""
    if not rows:
        return
    with pg.cursor() as cur, cur.copy(f"COPY {table_columns} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def rebuild_range(
    pg: Connection,
    minutes: int,
    start: datetime,
    end: datetime,
    queue_id: int | None = None,
    client_id: int | None = None,
) -> None:
    """Recompute call and ticket stats of `[start, end)` (on the interval grid) in bulk.

    One grouped scan per table and client instead of one lookup per interval: what a
    rebuild needs. Each client's statement deletes the change rows of the range it absorbs,
    in its own snapshot (see the module), and the rows it returns are copied in.
    """
    params = {"lo": start, "hi": end, "iv": f"{minutes} minutes", "q": queue_id, "c": client_id}
    only = (
        "(%(q)s::int IS NULL OR {a}.queue_id = %(q)s)"
        " AND (%(c)s::int IS NULL OR {a}.client_id = %(c)s)"
    )
    for table in (CALLS.interval_table, TICKETS.interval_table):
        pg.execute(
            f"DELETE FROM {table} s WHERE s.interval_start >= %(lo)s"
            f" AND s.interval_start < %(hi)s AND {only.format(a='s')}",
            params,
        )
    for minute_stats in MINUTE_SOURCES.values():
        pg.execute(
            f"DELETE FROM {minute_stats.interval_table} s WHERE s.minute_start >= %(lo)s"
            f" AND s.minute_start < %(hi)s AND {only.format(a='s')}",
            params,
        )
    clients = [client_id] if client_id is not None else _client_ids(pg)
    kept = minutes_kept_since()
    for source in (CALLS, TICKETS):
        a = source.alias
        within = (
            f"{a}.client_id = %(c)s::int AND {a}.{source.time_column} >= %(lo)s"
            f" AND {a}.{source.time_column} < %(hi)s"
            f" AND (%(q)s::int IS NULL OR {a}.queue_id = %(q)s)"
        )
        interval = f"date_bin(%(iv)s::interval, {a}.{source.time_column}, {ORIGIN})"
        sql = (
            "WITH absorbed AS (DELETE FROM stats_changes x WHERE x.client_id = %(c)s::int"
            " AND x.subject = %(subject)s AND x.interval_start >= %(lo)s"
            " AND x.interval_start < %(hi)s AND (%(q)s::int IS NULL OR x.subject_id = %(q)s)) "
            + _summed(
                source,
                f"{source.fact_table} {a}",
                [f"{a}.client_id", f"{a}.{source.subject}", interval],
                within,
                by_minute=end > kept,
            )
        )
        for client in clients:
            of_client = params | {
                "c": client,
                "subject": CHANGE_SUBJECT[source.name],
                "kept": kept,
            }
            _copy_sums(pg, source, pg.execute(sql, of_client).fetchall())
            _note_facts(pg, source, f"{source.fact_table} {a} WHERE {within}", of_client)


def _client_ids(pg: Connection) -> list[int]:
    """Return every client's id, in order."""
    return [client_id for (client_id,) in pg.execute("SELECT id FROM clients ORDER BY id")]


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
    So a change touches the intervals from the previous change to the next one; and, as
    an unpause follows the last change before it that is not one (`agent_state_sql`), the
    unpauses after the marked interval up to the next other change, and their states.
    One statement per client (Citus runs lateral subqueries only within one shard).
    """
    window, cap = f"{minutes} minutes", f"{stale_s} seconds"
    same_agent = "x.client_id = %(c)s AND x.agent_id = m.agent_id"
    query = (
        "SELECT DISTINCT %(c)s::int, m.agent_id, gs FROM"
        " unnest(%(a)s::int[], %(i)s::timestamptz[]) AS m(agent_id, interval_start)"
        f" CROSS JOIN LATERAL (SELECT max(at) AS at FROM agent_state_changes x WHERE {same_agent}"
        " AND x.at < m.interval_start AND x.at >= m.interval_start - %(cap)s::interval) prev"
        f" CROSS JOIN LATERAL (SELECT min(at) AS at FROM agent_state_changes x WHERE {same_agent}"
        " AND x.at >= m.interval_start + %(iv)s::interval AND NOT x.unpause) nxt"
        f" CROSS JOIN LATERAL (SELECT max(at) AS at FROM agent_state_changes x WHERE {same_agent}"
        " AND x.at >= m.interval_start AND (nxt.at IS NULL OR x.at < nxt.at)) lst"
        f" CROSS JOIN LATERAL generate_series(date_bin(%(iv)s::interval,"
        f" coalesce(prev.at, m.interval_start), {ORIGIN}),"
        " greatest(m.interval_start, date_bin(%(iv)s::interval, least(nxt.at,"
        " greatest(lst.at, m.interval_start + %(iv)s::interval) + %(cap)s::interval, now()),"
        f" {ORIGIN})), %(iv)s::interval) gs ORDER BY 2, 3"
    )
    expanded: list[Target] = []
    for client_id, of_client in _by_client(markers).items():
        _, agents, starts = _targets(of_client)
        params = {"a": agents, "i": starts, "c": client_id, "iv": window, "cap": cap}
        expanded += pg.execute(query, params).fetchall()
    return expanded


def recompute_agents(pg: Connection, targets: Sequence[Target], minutes: int, stale_s: int) -> None:
    """Recompute agent state seconds for `(client_id, agent_id, interval_start)` targets."""
    if not targets:
        return
    targets_sql = _UNNEST.format(subject="agent_id")
    _delete_targets(pg, "agent_interval_stats", "agent_id", targets)
    pg.execute(
        f"WITH m AS (SELECT * FROM {targets_sql}),"
        " seg AS ("
        + agent_segments_sql(
            "agent_state_changes a JOIN (SELECT client_id, agent_id,"
            " min(interval_start) AS lo, max(interval_start) AS hi FROM m GROUP BY 1, 2) b"
            " ON a.client_id = b.client_id AND a.agent_id = b.agent_id"
            " AND a.at >= b.lo - %(cap)s::interval AND a.at < b.hi + %(iv)s::interval",
            "%(cap)s::interval",
        )
        + ")"
        f" {_interval_insert(AGENTS)}"
        f" SELECT m.client_id, m.agent_id, m.interval_start, {AGENTS.select_sql()}"
        " FROM m JOIN seg ON seg.client_id = m.client_id AND seg.agent_id = m.agent_id"
        " AND seg.seg_start < m.interval_start + %(iv)s::interval"
        " AND seg.seg_end > m.interval_start"
        " CROSS JOIN LATERAL (SELECT extract(epoch FROM least(seg.seg_end, m.interval_start"
        " + %(iv)s::interval) - greatest(seg.seg_start, m.interval_start)) AS s) o"
        f" WHERE seg.state <> '{LOGGED_OUT}'"
        " GROUP BY m.client_id, m.agent_id, m.interval_start",
        _unnest_params(targets) | {"cap": f"{stale_s} seconds", "iv": f"{minutes} minutes"},
    )
    _note_agent_feeds(pg, targets, minutes)


def _note_agent_feeds(pg: Connection, targets: Sequence[Target], minutes: int) -> None:
    """Note in `agent_feed_activity` the newest `updated_at` of the state changes in the
    targets' intervals per client and vendor.

    A change marks its own interval, so every change a pass recomputes from is read here:
    the live view's feed freshness then reads one row per vendor, not the day's changes.
    One client per statement (Citus routes each to its shard).
    """
    for client_id, of_client in _by_client(targets).items():
        _, agents, starts = _targets(of_client)
        pg.execute(
            "INSERT INTO agent_feed_activity AS f (client_id, vendor_id, last_at)"
            " SELECT a.client_id, a.vendor_id, max(a.updated_at) FROM agent_state_changes a"
            " JOIN (SELECT agent_id, min(start) AS lo, max(start) AS hi"
            " FROM unnest(%(a)s::int[], %(i)s::timestamptz[]) AS m(agent_id, start)"
            " GROUP BY 1) b ON a.agent_id = b.agent_id AND a.at >= b.lo"
            " AND a.at < b.hi + %(iv)s::interval WHERE a.client_id = %(c)s::int"
            " GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (client_id, vendor_id)"
            " DO UPDATE SET last_at = greatest(f.last_at, excluded.last_at)",
            {"a": agents, "i": starts, "c": client_id, "iv": f"{minutes} minutes"},
        )


def mark_open_agent_intervals(pg: Connection, minutes: int, stale_s: int) -> int:
    """Mark the current interval of every agent whose latest state is open and not stale."""
    cur = pg.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        f" SELECT client_id, 'agent', agent_id, date_bin(%s::interval, now(), {ORIGIN})"
        " FROM (SELECT DISTINCT ON (client_id, agent_id) client_id, agent_id, at, state, unpause"
        " FROM agent_state_changes WHERE at > now() - %s::interval AND at <= now()"
        f" ORDER BY client_id, agent_id, at DESC) latest"
        f" WHERE {agent_state_sql('latest')} <> '{LOGGED_OUT}'"
        " ORDER BY 1, 3 ON CONFLICT (client_id, subject, subject_id, interval_start)"
        " DO UPDATE SET marked_at = EXCLUDED.marked_at",
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
        " DO UPDATE SET marked_at = EXCLUDED.marked_at",
        params,
    )
    return cur.rowcount


# Per subject of the dirty markers: the source whose day stats sum its interval stats.
DAY_STATS = {"queue": CALLS, "agent": AGENTS}
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
    source = DAY_STATS[subject]
    day_table, interval_table, column = source.day_table, source.interval_table, source.subject
    extra, components = _split_column(source), source.names
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
    source = DAY_STATS[subject]
    day_table, interval_table, column = source.day_table, source.interval_table, source.subject
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
    for source in DAY_STATS.values():
        day_table, interval_table, column = source.day_table, source.interval_table, source.subject
        extra, components = _split_column(source), source.names
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
