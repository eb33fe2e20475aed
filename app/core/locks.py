"""The PostgreSQL advisory locks CallPulse takes, each named once, held until the transaction ends.

Transaction-scoped locks (`pg_advisory_xact_lock`) are released by commit, rollback or a lost
connection alike, so no pooled connection ever keeps one. They keep work apart across every
process on the database: the scheduler in each web worker, the CLI, a second server.
"""

from collections.abc import Sequence
from enum import Enum
from typing import Any

import psycopg
from sqlalchemy.engine import Connection as SqlConnection


class Lock(Enum):
    """A lock by its key (hashed to PostgreSQL's lock number) and what it keeps apart."""

    AGGREGATION = "callpulse:aggregate"  # passes (shared; per client: exclusive) and rebuilds
    ALERTS = "callpulse:alerts"  # per client: two workers evaluating one client's alerts
    ALERT_RULES = "callpulse:alert-rules"  # two workers adding the missing default rules
    PARTITIONS = "callpulse:partitions"  # two processes creating the same partition
    MIGRATIONS = "callpulse:migrate"  # two processes upgrading the schema
    FORECAST = "callpulse:forecast"  # two runs storing the own forecast
    SCHEDULE = "callpulse:schedule"  # per agent: two schedule posts for one agent


def try_lock(
    conn: psycopg.Connection[Any] | SqlConnection, lock: Lock, client_id: int | None = None
) -> bool:
    """Take `lock` (of one client, when given) for the current transaction; False at once if
    another transaction holds it.

    Workers split the clients this way: each claims those nobody else holds, no one lock
    serialises them all.
    """
    return bool(_select(conn, "SELECT pg_try_advisory_xact_lock(hashtext(%s))", lock, client_id))


def wait_for_lock(
    conn: psycopg.Connection[Any] | SqlConnection, lock: Lock, client_id: int | None = None
) -> None:
    """Take `lock` (of one client, when given) for the current transaction, waiting while
    another transaction holds it."""
    _select(conn, "SELECT pg_advisory_xact_lock(hashtext(%s))", lock, client_id)


def wait_for_locks(conn: psycopg.Connection[Any], lock: Lock, ids: Sequence[int]) -> None:
    """Take `lock` of each of `ids` for the current transaction, waiting while others hold
    them; in id order, so two transactions taking overlapping sets never wait in a cycle.

    Advisory locks rather than row locks: on Citus a row lock on a reference table takes a
    lock on every copy of it, and two such transactions deadlocked on a worker.
    """
    conn.execute(
        "SELECT count(pg_advisory_xact_lock(hashtext(%s || ':' || id)))"
        " FROM (SELECT DISTINCT id FROM unnest(%s::bigint[]) AS id ORDER BY id) AS wanted",
        (lock.value, list(ids)),
    ).fetchall()


def share_lock(conn: psycopg.Connection[Any] | SqlConnection, lock: Lock, wait: bool) -> bool:
    """Take `lock` shared for the current transaction: shared holders run side by side, an
    exclusive one (`wait_for_lock`) excludes them. Without `wait`, False at once if held so."""
    if wait:
        _select(conn, "SELECT pg_advisory_xact_lock_shared(hashtext(%s))", lock)
        return True
    return bool(_select(conn, "SELECT pg_try_advisory_xact_lock_shared(hashtext(%s))", lock))


def _select(
    conn: psycopg.Connection[Any] | SqlConnection,
    query: str,
    lock: Lock,
    client_id: int | None = None,
) -> Any:
    key = lock.value if client_id is None else f"{lock.value}:{client_id}"
    if isinstance(conn, SqlConnection):
        return conn.exec_driver_sql(query, (key,)).scalar()
    return conn.execute(query, (key,)).fetchone()[0]  # type: ignore[index]
