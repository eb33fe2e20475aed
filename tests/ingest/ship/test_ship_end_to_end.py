"""`callpulse ship` against a real server: both killed mid-run, both restarted, every line
of a rotated queue_log counted exactly once."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.factories import Tenant
from tests.processes import free_port, serve
from tests.waiting import wait_for

CALLS = 600
AGENTS = 5
TALK_S = 60


def _queue_log(first: int, last: int, start: datetime) -> bytes:
    """Lines of calls `first`..`last - 1`: enter, connect after 5 s, caller hangs up 60 s on."""
    lines = []
    for n in range(first, last):
        at = int((start + timedelta(seconds=n)).timestamp())
        callid, agent = f"1700000000.{n}", f"Agent/{100 + n % AGENTS}"
        lines += [
            f"{at}|{callid}|support|NONE|ENTERQUEUE||5550{n:04d}|1",
            f"{at + 5}|{callid}|support|{agent}|CONNECT|5|1700000001.{n}|2",
            f"{at + 65}|{callid}|support|{agent}|COMPLETECALLER|5|{TALK_S}|1",
        ]
    return "".join(line + "\n" for line in lines).encode()


def _ship(url: str, feed: str, path: Path, state: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from app.cli import main; main()",
        "ship",
        str(path),
        "--feed",
        feed,
        "--url",
        url,
        "--state-dir",
        str(state),
        "--batch-bytes",
        "2048",
        "--report-every",
        "1",
        *extra,
    ]


def _stored(pg: psycopg.Connection, tenant: Tenant) -> tuple[int, int, int, float]:
    return pg.execute(
        "SELECT count(*), count(c.answered_at), count(c.ended_at), coalesce(sum(c.talk_s), 0)"
        " FROM calls c JOIN queues q ON q.id = c.queue_id WHERE q.code = %s",
        [tenant.queue],
    ).fetchone()


def test_killed_server_and_shipper_lose_and_double_nothing(
    database_url, database, tenant, pg, tmp_path
):
    feed = f"ship-{tenant.vendor}"
    entry = {"name": feed, "vendor": tenant.vendor, "format": "asterisk-queue-log"}
    with database.session_scope() as session:
        apply_tenancy(
            session,
            TenancyFile.model_validate({"feeds": [{**entry, "queues": {"support": tenant.queue}}]}),
        )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    log, state = tmp_path / "queue_log", tmp_path / "state"
    log.write_bytes(_queue_log(0, 400, start))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CALLPULSE_SHIP_KEY": tenant.key}
    server = serve(database_url, port)
    shipper = subprocess.Popen(
        _ship(url, feed, log, state, "--follow"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _stored(pg, tenant)[0] >= 50, timeout_s=60, what="first batches stored")
        server.send_signal(signal.SIGKILL)  # mid-run: requests in flight are cut
        server.wait(10)
        with log.open("ab") as out:  # the PBX goes on writing while the server is away
            out.write(_queue_log(400, 500, start))
        time.sleep(2)  # the shipper retries and spools
        shipper.send_signal(signal.SIGKILL)
        shipper.wait(10)
        log.rename(tmp_path / "queue_log.1")  # logrotate, while both are down
        log.write_bytes(_queue_log(500, CALLS, start))
        server = serve(database_url, port)
        finished = subprocess.run(
            _ship(url, feed, log, state),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
    finally:
        shipper.kill()
        server.terminate()
        server.wait(30)
    assert _stored(pg, tenant) == (CALLS, CALLS, CALLS, CALLS * TALK_S)
    rejected = pg.execute(
        "SELECT count(*) FROM rejected_records r JOIN vendors v ON v.id = r.vendor_id"
        " WHERE v.code = %s",
        [tenant.vendor],
    ).fetchone()
    assert rejected == (0,)
    assert "0 rejected" in finished.stderr
