"""The aggregation runs as soon as an ingest commits, not at its next tick (issue 15 item 6),
and its pass announces the stats it changed."""

import queue
import time
from datetime import UTC, datetime, timedelta

from app.core.changes import INGEST, STATS, ChangeListener
from app.core.db import libpq_url
from app.jobs import Jobs
from app.partitions import PartitionManager
from tests.factories import cdr, post
from tests.kpi.helpers import client_id


def answered_in_stats(pg, client: int) -> int:
    """Return the answered calls in the client's interval stats."""
    row = pg.execute(
        "SELECT coalesce(sum(answered), 0) FROM call_interval_stats WHERE client_id = %s", [client]
    ).fetchone()
    return int(row[0])


def test_an_ingest_wakes_the_aggregation_which_announces_its_stats(
    client, database, settings, pg, tenant
):
    cid = client_id(pg, tenant.client)
    ticking_hourly = settings.model_copy(update={"aggregate_every_s": 3600.0})
    jobs = Jobs(database, PartitionManager(database.engine), ticking_hourly)
    notices: queue.Queue = queue.Queue()
    listener = ChangeListener(
        libpq_url(database.url), [jobs.heard, lambda *n: notices.put(n)]
    ).start()
    try:
        assert listener.listening.wait(10)
        jobs.start()  # its first pass runs now; the next tick is an hour away
        time.sleep(1.0)
        offered = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
        calls = [cdr("wake-1", tenant.queue, offered, wait=5)]
        assert post(client, "/v1/calls", calls, tenant).status_code == 200
        heard = []
        deadline = time.monotonic() + 20
        while answered_in_stats(pg, cid) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answered_in_stats(pg, cid) == 1, "the pass never ran: the ingest did not wake it"
        while (STATS, cid) not in heard and time.monotonic() < deadline:
            heard.append(notices.get(timeout=max(0.01, deadline - time.monotonic())))
        assert heard.index((INGEST, cid)) < heard.index((STATS, cid))
    finally:
        jobs.shutdown()
        listener.stop()
