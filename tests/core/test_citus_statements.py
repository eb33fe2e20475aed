"""The statements of ingest, aggregation, the live view and an alert pass hold no pattern
Citus refuses.

Every statement a small ingest + aggregation + live run executes is captured (psycopg's
cursor) and checked, so a regression fails here without a Citus cluster (issue 15, as seen
on Citus 13.2). The distributed tables are those with a non-null `client_id`, tenancy aside.
- Row locks (`FOR UPDATE/SHARE`) only in a single-client statement without CTEs ("could
  not run distributed query with FOR UPDATE/SHARE commands").
- No `ctid` (not unique across shards).
- Nothing volatile in `ON CONFLICT … DO UPDATE SET` ("functions used in the DO UPDATE SET
  clause … must be marked IMMUTABLE").
- A lateral subquery reading a distributed table is tied to one client or to a distributed
  row's client ("complex joins are only supported when all distributed tables are
  co-located…", "cannot push down this subquery").
- No stable set-returning function (`generate_series` over times, `now()` in the arguments:
  "Only immutable functions can be used as a table expressions in a multi-shard query"), no
  correlated `ARRAY(SELECT …)` in one ("correlated subqueries are not supported when the
  FROM clause contains a set returning function"), no FROM-less subquery calling `now()`.
- No data-modifying CTE ahead of an `INSERT … SELECT` ("incorrect binary data format", or
  "cannot execute a distributed query from a query on a shard"): a SELECT with a deleting
  CTE, and the rows inserted by the next statement.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from app.access.keys import Principal
from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import driver_connection
from app.forecasting.store import store_forecasts
from app.kpi import aggregation, repository
from dashboards.data import snapshot
from tests.factories import cdr, post
from tests.kpi.helpers import client_id
from tests.qa.helpers import evaluation, handled_calls
from tests.schedules.helpers import seg

_LOCK = re.compile(r"\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b", re.I)
_VOLATILE = re.compile(r"\b(now|clock_timestamp|statement_timestamp|random)\s*\(|current_timestamp")
_DO_UPDATE = re.compile(
    r"DO\s+UPDATE\s+SET\s+(.*?)(?:\bWHERE\b|\bRETURNING\b|\)\s*,|\)\s*SELECT\b|\)\s*$|$)", re.I
)
_LATERAL = re.compile(r"\bLATERAL\s*\(", re.I)
_ONE_CLIENT = r"\b{alias}client_id\s*=\s*%"


def _relations(sql: str, tables: set[str]) -> list[tuple[str, str]]:
    """Return (table, alias) of each distributed table read in `sql`."""
    found = []
    pattern = r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(?!ON\b|WHERE\b|JOIN\b)(\w+))?"
    for table, alias in re.findall(pattern, sql, re.I):
        if table in tables:
            found.append((table, alias if alias and alias.upper() not in _KEYWORDS else ""))
    return found


_KEYWORDS = {"WHERE", "GROUP", "ORDER", "LIMIT", "USING", "SET", "LEFT", "CROSS", "INNER"}
_KEYWORDS |= {"SELECT", "VALUES", "ON", "FOR", "RETURNING", "UNION", "DEFAULT"}


def _single_client(sql: str, tables: set[str]) -> bool:
    """Tell whether every distributed table in `sql` is limited to one client (`client_id =
    %s`)."""
    for _, alias in _relations(sql, tables):
        prefix = rf"{alias}\." if alias else ""
        if not re.search(_ONE_CLIENT.format(alias=prefix), sql):
            return False
    return True


def _parenthesised(sql: str, start: int) -> str:
    """Return the text inside the parenthesis opening at `start`."""
    depth = 0
    for i in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return sql[start + 1 : i]
    return sql[start + 1 :]


def violations(sql: str, tables: set[str]) -> list[str]:
    """Return what Citus would refuse in one statement (empty: nothing)."""
    found = []
    if _LOCK.search(sql) and (re.match(r"\s*WITH\b", sql, re.I) or not _single_client(sql, tables)):
        found.append("FOR UPDATE/SHARE outside a single-client statement")
    if re.search(r"\bctid\b", sql, re.I):
        found.append("ctid")
    for assignments in _DO_UPDATE.findall(sql):
        if _VOLATILE.search(assignments):
            found.append("a volatile function in DO UPDATE SET")
    distributed = {alias or table for table, alias in _relations(sql, tables)}
    distributed |= _derived_aliases(sql, tables)
    for match in _LATERAL.finditer(sql):
        body = _parenthesised(sql, match.end() - 1)
        if not _relations(body, tables):
            continue
        tied = re.search(_ONE_CLIENT.format(alias=r"(\w+\.)?"), body) or any(
            re.search(rf"client_id\s*=\s*{re.escape(alias)}\.client_id\b", body)
            for alias in distributed
            if not re.search(rf"\b{re.escape(alias)}\.", _relations_text(body, tables))
        )
        if not tied:
            found.append("a lateral subquery over a distributed table not tied to one client")
    if not _single_client(sql, tables):
        found += _set_returning_violations(sql)
    if _unread_modifying_cte_before_insert(sql):
        found.append("a data-modifying CTE ahead of INSERT … SELECT")
    return found


_TABLE_FUNCTION = re.compile(r"\b(?:FROM|JOIN|LATERAL|,)\s*(generate_series|unnest)\s*\(", re.I)
_FROMLESS_LATERAL = re.compile(r"\bLATERAL\s*\(\s*SELECT\b", re.I)
_MODIFYING_CTE = re.compile(r"\b(\w+)\s+AS\s*\(\s*(?:DELETE|UPDATE|INSERT)\b", re.I)


def _unread_modifying_cte_before_insert(sql: str) -> bool:
    """Tell whether an INSERT … SELECT follows a data-modifying CTE it does not read."""
    if not re.match(r"\s*WITH\b", sql, re.I):
        return False
    for match in _MODIFYING_CTE.finditer(sql):
        body = _parenthesised(sql, sql.index("(", match.end() - 1 - len(match.group(0)) + 1))
        rest = sql[sql.index(body, match.start()) + len(body) + 1 :]
        if re.match(r"\s*INSERT\s+INTO\b", rest, re.I) and not re.search(
            rf"\b{match.group(1)}\b", rest
        ):
            return True
    return False


def _set_returning_violations(sql: str) -> list[str]:
    """Return what Citus refuses in the set-returning functions and FROM-less laterals of a
    statement spanning shards (one client's is sent whole to its shard)."""
    found: list[str] = []
    for match in _TABLE_FUNCTION.finditer(sql):
        arguments = _parenthesised(sql, match.end() - 1)
        by_interval = match.group(1) == "generate_series" and re.search(
            r",[^,]*::interval\s*$", arguments, re.I
        )  # a series of times (timestamptz: stable)
        if by_interval or re.search(r"\bnow\s*\(", arguments, re.I):
            found.append(f"a stable {match.group(1)} in FROM")
        if re.search(r"\bARRAY\s*\(\s*SELECT\b", arguments, re.I):
            found.append(f"a correlated ARRAY subquery in {match.group(1)}")
    for match in _FROMLESS_LATERAL.finditer(sql):
        body = _parenthesised(sql, sql.index("(", match.start()))
        if not re.search(r"\bFROM\b", body, re.I) and re.search(r"\bnow\s*\(", body, re.I):
            found.append("now() in a lateral subquery without FROM")
    return found


def _derived_aliases(sql: str, tables: set[str]) -> set[str]:
    """Return the aliases of subqueries in FROM that read a distributed table (their rows
    keep its client: `(SELECT DISTINCT ON (client_id, …) … FROM forecasts …) f`)."""
    aliases = set()
    for match in re.finditer(r"\(\s*SELECT\b", sql, re.I):
        body = _parenthesised(sql, match.start())
        after = sql[match.start() + len(body) + 2 :]
        alias = re.match(r"\s*(?:AS\s+)?(\w+)", after)
        if alias and alias.group(1).upper() not in _KEYWORDS and _relations(body, tables):
            aliases.add(alias.group(1))
    return aliases


def _relations_text(body: str, tables: set[str]) -> str:
    """Return `alias.` markers of the tables read inside a lateral body itself."""
    return " ".join(f"{alias or table}." for table, alias in _relations(body, tables))


# --- the checks catch the statements that failed on Citus ---------------------------------

TABLES = {"calls", "call_keys", "agent_state_changes", "dirty_intervals", "claimed_intervals"}
TABLES |= {"schedule_segments", "stats_changes", "call_interval_stats"}


@pytest.mark.parametrize(
    "sql",
    [
        "WITH s AS (SELECT * FROM stage_calls), o AS (SELECT s.seq, t.* FROM s JOIN call_keys k"
        " ON k.client_id = s.client_id JOIN calls t ON t.client_id = k.client_id"
        " ORDER BY s.client_id FOR UPDATE OF k) SELECT * FROM o",
        "SELECT 1 FROM call_keys WHERE call_id = ANY(%s) FOR UPDATE",
        "WITH taken AS (DELETE FROM dirty_intervals WHERE ctid IN (SELECT ctid"
        " FROM dirty_intervals ORDER BY marked_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING client_id) SELECT * FROM taken",
        "INSERT INTO dirty_intervals (client_id) SELECT 1 ON CONFLICT (client_id)"
        " DO UPDATE SET marked_at = now()",
        "SELECT DISTINCT m.client_id FROM unnest(%(c)s::int[], %(a)s::int[])"
        " AS m(client_id, agent_id) CROSS JOIN LATERAL (SELECT max(at) AS at"
        " FROM agent_state_changes x WHERE x.client_id = m.client_id"
        " AND x.agent_id = m.agent_id) prev",
        "SELECT k.queue_id, w.* FROM unnest(%(clients)s::int[], %(queues)s::int[])"
        " AS k(client_id, queue_id) CROSS JOIN LATERAL (SELECT count(*) FROM calls c"
        " WHERE c.client_id = k.client_id AND c.queue_id = k.queue_id) w",
        # The schedule rows before issue 15's fix (/v1/metrics answered 500 on Citus).
        "SELECT 1 FROM schedule_segments sg CROSS JOIN LATERAL generate_series(date_bin("
        "%(iv)s::interval, sg.start_at, TIMESTAMPTZ '2000-01-01'), least(sg.end_at, now()),"
        " %(iv)s::interval) AS p(interval_start)",
        "SELECT 1 FROM schedule_segments sg CROSS JOIN LATERAL (SELECT q.id FROM unnest("
        "coalesce(sg.queue_ids, ARRAY(SELECT qv.queue_id FROM queue_vendors qv"
        " WHERE qv.vendor_id = sg.vendor_id))) AS q(id)) aq",
        "SELECT 1 FROM schedule_segments sg CROSS JOIN LATERAL (SELECT least(sg.end_at,"
        " now()) AS hi) b",
        # The recompute before it (incorrect binary data format on Citus).
        "WITH absorbed AS (DELETE FROM stats_changes x WHERE x.client_id = 1)"
        " INSERT INTO call_interval_stats (client_id) SELECT * FROM (SELECT c.client_id"
        " FROM calls c GROUP BY 1) r",
    ],
)
def test_the_checks_catch_what_citus_refused(sql):
    assert violations(sql, TABLES)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 FROM call_keys WHERE client_id = %(client)s AND (call_id) IN"
        " (SELECT * FROM unnest(%(call_id)s::text[])) ORDER BY call_id FOR UPDATE",
        "INSERT INTO dirty_intervals (client_id) SELECT 1 ON CONFLICT (client_id)"
        " DO UPDATE SET marked_at = EXCLUDED.marked_at",
        "SELECT x FROM unnest(%(a)s::int[]) AS m(agent_id) CROSS JOIN LATERAL (SELECT max(at)"
        " AS at FROM agent_state_changes x WHERE x.client_id = %(c)s"
        " AND x.agent_id = m.agent_id) prev",
        "SELECT c.call_id FROM calls c LEFT JOIN LATERAL (SELECT min(b.offered_at) AS at"
        " FROM calls b WHERE b.client_id = c.client_id AND b.callback_of = c.call_id) cb0"
        " ON true",
        "SELECT 1 FROM schedule_segments sg CROSS JOIN LATERAL (SELECT p.s, least(sg.end_at,"
        " now()) AS hi FROM (SELECT n FROM generate_series(0, floor(extract(epoch FROM"
        " sg.end_at - sg.start_at) / 900)::int) AS n) p) b",
        "WITH absorbed AS (DELETE FROM stats_changes x WHERE x.client_id = %s::int)"
        " SELECT * FROM (SELECT c.client_id FROM calls c WHERE c.client_id = %s::int"
        " GROUP BY 1) r",
    ],
)
def test_the_checks_pass_what_citus_runs(sql):
    assert violations(sql, TABLES) == []


# --- the statements a small run executes ---------------------------------------------------


@pytest.fixture
def executed(monkeypatch) -> Iterator[list[str]]:
    """Record the text of every statement run through psycopg (any thread) meanwhile."""
    statements: list[str] = []
    for method in ("execute", "executemany"):
        original = getattr(psycopg.Cursor, method)

        def recording(self, query, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            statements.append(query if isinstance(query, str) else query.as_string(self))
            return _original(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, method, recording)
    yield statements


# Tenancy: reference tables on Citus (copied to every node), though they name a client.
TENANCY = {"agents", "queues", "queue_vendors"}


def _distributed_tables(pg: psycopg.Connection) -> set[str]:
    """Return the tables (not partitions) with a non-null `client_id`, tenancy aside."""
    rows = pg.execute(
        "SELECT t.relname FROM pg_class t JOIN pg_attribute a ON a.attrelid = t.oid"
        " AND a.attname = 'client_id' AND a.attnotnull"
        " WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition"
        " AND t.relnamespace = current_schema()::regnamespace"
    ).fetchall()
    return {name for (name,) in rows} - TENANCY


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


def test_ingest_aggregation_and_live_statements_are_citus_safe(
    client, tenant, database, settings, pg, executed
):
    tables = _distributed_tables(pg)
    assert {"calls", "call_keys", "dirty_intervals", "stats_changes"} <= tables
    # Two clients in one batch (the vendor serves a queue of each), a call changed, a move.
    calls = [
        {"call_id": "w1", "queue": tenant.queue, "offered_at": ago(30)},
        {"call_id": "f1", "queue": tenant.foreign_queue, "offered_at": ago(40)},
        {"call_id": "w1", "queue": tenant.queue, "offered_at": ago(35), "ended_at": ago(5)},
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 3
    events = [
        {"agent": "a1", "state": "available", "at": ago(600), "queues": [tenant.queue]},
        {"agent": "a1", "state": "talking", "at": ago(60), "queues": [tenant.queue]},
        {"agent": "b1", "state": "available", "at": ago(90), "queues": [tenant.foreign_queue]},
    ]
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == 3
    aggregation.drain(database, settings)
    aggregation.mark_open_agents(database, settings)
    client_id = pg.execute("SELECT id FROM clients WHERE code = %s", [tenant.client]).fetchone()
    with database.session_scope() as session:
        minutes = settings.interval_minutes
        repository.mark_for_rebuild(driver_connection(session), minutes, client_id=client_id[0])
    aggregation.drain(database, settings)
    aggregation.rebuild(database, settings, client_id=client_id[0])
    vendor_id = pg.execute("SELECT id FROM vendors WHERE code = %s", [tenant.vendor]).fetchone()
    live = snapshot(database, settings, Principal(0, "vendor", vendor_id=vendor_id[0]))
    assert {q["queue"] for q in live["queues"]} >= {tenant.queue, tenant.foreign_queue}

    seen = " ".join(executed)
    for run in ("FOR UPDATE", "SKIP LOCKED", "DO UPDATE SET marked_at", "LATERAL", "unnest("):
        assert run in seen, f"the run did not execute a statement with {run}"
    refused = {sql: found for sql in dict.fromkeys(executed) if (found := violations(sql, tables))}
    assert refused == {}


def test_qa_schedule_and_forecast_statements_are_citus_safe(
    client, tenant, database, settings, pg, executed
):
    tables = _distributed_tables(pg)
    handled_calls(client, tenant, tenant.queue, ["cq1"])
    for score in (90, 80):  # the second post changes the evaluation: ON CONFLICT … DO UPDATE
        sent = [evaluation("ce1", tenant.queue, call_id="cq1", score=score)]
        assert post(client, "/v1/qa-evaluations", sent, tenant).json()["accepted"] == 1
    segments = [seg("ca1", "09:00", "12:00", queues=[tenant.queue])]
    assert post(client, "/v1/schedules", segments, tenant).json()["accepted"] == 1
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    for offered in (10, 12):  # a re-forecast replaces the stored one
        plan = {"queue": tenant.queue, "interval_start": start.isoformat(), "offered": offered}
        assert post(client, "/v1/forecasts", [plan], tenant).json()["accepted"] == 1
    store_forecasts(database, settings, past_days=1)
    store_forecasts(database, settings, past_days=1)  # again: the own forecast upserts
    today = datetime.now(UTC).date()
    days = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    read = client.get(  # every source, schedules' pieces among them
        "/v1/metrics",
        params={"client": tenant.client, "granularity": "day", **days},
        headers=tenant.auth(tenant.client_key),
    )
    assert read.status_code == 200, read.text

    seen = " ".join(executed)
    for table in ("qa_evaluations", "schedule_segments", "forecasts"):
        assert f"INTO {table}" in seen, f"the run did not write {table}"
    assert "FROM schedule_segments sg" in seen, "the run did not read schedule pieces"
    refused = {sql: found for sql in dict.fromkeys(executed) if (found := violations(sql, tables))}
    assert refused == {}


def test_alert_pass_statements_are_citus_safe(client, tenant, database, settings, pg, executed):
    tables = _distributed_tables(pg)
    assert {"alerts", "alert_deliveries"} <= tables
    rule = {
        "name": f"abandons-{tenant.client}",
        "queues": [tenant.queue, tenant.foreign_queue],  # two clients
        "metric": "abandon_rate",
        "window_min": 60,
        "op": ">",
        "threshold": 0.2,
        "min_volume": 2,
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [rule]}))
    at = ago(180)
    calls = [cdr(f"a{q}", q, at, gave_up_after=40) for q in (tenant.queue, tenant.foreign_queue)]
    calls += [cdr(f"b{q}", q, at, wait=5) for q in (tenant.queue, tenant.foreign_queue)]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 4
    now = datetime.now(UTC)
    clients = [client_id(pg, tenant.client), client_id(pg, tenant.other_client)]
    for moment in (now, now + timedelta(minutes=11)):  # opened, then escalated
        for cid in clients:
            evaluate_all(database, settings, moment, cid)

    seen = " ".join(executed)
    for run in ("INSERT INTO alerts", "UPDATE alerts", "FROM alerts"):
        assert run in seen, f"the pass did not execute a statement with {run}"
    refused = {sql: found for sql in dict.fromkeys(executed) if (found := violations(sql, tables))}
    assert refused == {}
