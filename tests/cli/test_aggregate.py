"""`callpulse aggregate` waits for a pass running elsewhere; `--no-wait` gives up at once."""

import os
import subprocess
import sys
import time

from app.core.locks import Lock, wait_for_lock
from tests.cli.test_commands import callpulse

WAITING = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def test_aggregate_waits_for_a_running_pass(database_url, pg, database):
    env = {**os.environ, "DATABASE_URL": database_url}
    with database.engine.connect() as holder:  # a pass running elsewhere
        wait_for_lock(holder, Lock.AGGREGATION)
        process = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "aggregate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while pg.execute(WAITING).fetchone()[0] == 0 and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        assert pg.execute(WAITING).fetchone()[0] == 1, "aggregate did not wait for the lock"
        assert process.poll() is None
        holder.rollback()  # the running pass ends
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "markers taken" in stderr


def test_aggregate_no_wait_gives_up_at_once(database_url, database):
    with database.engine.connect() as holder:
        wait_for_lock(holder, Lock.AGGREGATION)
        result = callpulse(database_url, "aggregate", "--no-wait")
        holder.rollback()
    assert result.returncode == 2
    assert "another worker is aggregating right now" in result.stderr
