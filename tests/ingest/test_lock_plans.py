"""The statements locking a pass's stored rows, and reading those it names, are planned for
their arrays every time.

Prepared (psycopg prepares a statement at its fifth run on a connection), PostgreSQL soon
kept a generic plan that read every stored key of the client and tested each against the
whole array: with 20,000 stored calls a batch's lock took 550 ms instead of 2 ms, and it
grew with the table.
"""

from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.facts import AGENT_STATE_CHANGES, CALLS, TICKETS, FactTable
from ingest.merge_sql import lock_sql, named_sql
from ingest.writer import lock_stored, named_arrays

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def _keys(table: FactTable, run: int) -> list[tuple]:
    """Return keys of a pass of ten records (client first), none of them stored."""
    if table is AGENT_STATE_CHANGES:
        return [(1, run, AT.replace(second=n)) for n in range(10)]
    return [(1, f"lock-{run}-{n}") for n in range(10)]


@pytest.mark.parametrize("table", [CALLS, TICKETS, AGENT_STATE_CHANGES], ids=lambda t: t.name)
def test_the_lock_statement_is_never_prepared(database, pg, table):
    with pg.transaction(force_rollback=True):
        for run in range(8):
            assert lock_stored(pg, table, _keys(table, run)) == 0
        prepared = pg.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"SELECT 1 FROM {table.keys_table or table.name}%"],
        ).fetchall()
    assert prepared == []


def test_the_named_rows_statement_is_never_prepared(database, pg):
    with pg.transaction(force_rollback=True):
        for run in range(8):
            named = named_arrays(pg, CALLS, [f"named-{run}-{n}" for n in range(10)], 1, [1, 2])
            assert named["named_ids"] == "{}"
        prepared = pg.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT k.%'"
        ).fetchall()
    assert prepared == []


def _scans(plan: Any, relation: str) -> list[dict[str, Any]]:
    """Return the plan nodes of an EXPLAIN (FORMAT JSON) answer that read `relation`, or on
    Citus one of its shards (`call_keys_102533`, in the remote plan of a task)."""
    found = []
    if isinstance(plan, dict):
        name = plan.get("Relation Name") or ""
        if name == relation or (name.startswith(f"{relation}_") and name.rsplit("_")[-1].isdigit()):
            found.append(plan)
        for value in plan.values():
            found += _scans(value, relation)
    elif isinstance(plan, list):
        for item in plan:
            found += _scans(item, relation)
    return found


def _keys_unknown_to_statistics(pg, client: int) -> str:
    """Store 20,000 call keys of `client` since the table was last analysed; return an
    array of 100 of them."""
    pg.execute(
        "INSERT INTO call_keys (client_id, call_id, offered_at) SELECT %s,"
        " 'bulk-' || n, now() FROM generate_series(1, 20000) n",
        [client],
    )
    return "{" + ",".join(f"bulk-{n}" for n in range(100, 300, 2)) + "}"


def _assert_read_key_by_key(plan: Any) -> None:
    """Assert the plan reads `call_keys` by each key, and reads only the 100 asked for."""
    scans = _scans(plan, "call_keys")
    assert scans and all("call_id" in scan.get("Index Cond", "") for scan in scans), scans
    assert sum(scan["Actual Rows"] * scan["Actual Loops"] for scan in scans) == 100


def test_the_lock_statement_looks_each_key_up_whatever_the_statistics_say(database, pg):
    """A client's keys bulk-loaded since the table was last analysed are unknown to the
    planner; a lock statement it may plan as a read of all of them grows with the client's
    history (200,000 stored calls: 23 ms a batch rather than 2)."""
    client = -4242  # no client has it: the statistics know nothing of these rows
    with pg.transaction(force_rollback=True):
        wanted = _keys_unknown_to_statistics(pg, client)
        (plan,) = pg.execute(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {lock_sql(CALLS)}",
            {"client": client, "call_id": wanted},
        ).fetchone()
    _assert_read_key_by_key(plan)


def test_the_named_rows_are_looked_up_one_by_one_in_each_client(database, pg):
    """The calls a pass names (`callback_of`) are read per client the vendor serves, each
    by its key: read by name alone, every stored call of every client was scanned."""
    client = -4243
    with pg.transaction(force_rollback=True):
        params = {"client": client, "named": _keys_unknown_to_statistics(pg, client), "vendor": 1}
        (plan,) = pg.execute(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {named_sql(CALLS)}", params
        ).fetchone()
        found = pg.execute(named_sql(CALLS), params).fetchall()
    _assert_read_key_by_key(plan)
    assert sorted(found) == sorted((client, f"bulk-{n}", False) for n in range(100, 300, 2))
