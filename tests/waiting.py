"""Waiting in tests: for a condition, or for a PostgreSQL backend to block on another."""

import time
from collections.abc import Callable
from typing import Any


def wait_for(condition: Callable[[], Any], what: str, timeout_s: float = 30) -> Any:
    """Poll `condition` until it returns something true, and return that; fail after a while."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def backends_blocked_by(pg: Any, pid: int) -> list[int]:
    """Return the backends waiting on a lock that backend `pid` holds.

    On a Citus coordinator a row lock is held and waited for on a worker, seen only in
    `citus_lock_waits`, by global pid (the coordinator's node id and the backend's pid)."""
    rows = pg.execute(
        "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
    ).fetchall()
    if pg.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone():
        rows += pg.execute(
            "SELECT DISTINCT (waiting_gpid %% 10000000000)::int FROM citus_lock_waits"
            " WHERE blocking_gpid = citus_calculate_gpid(citus_coordinator_nodeid(), %s)",
            [pid],
        ).fetchall()
    return [row[0] for row in rows]
