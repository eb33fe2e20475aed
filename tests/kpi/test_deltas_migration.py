"""Migration 0014: stats change rows, exact duration sums, no all-zero call stats rows."""

import psycopg
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import libpq_url
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, full_recompute, migrate, stats_snapshot

CALLS = [
    {
        "call_id": "z1",
        "queue": "",
        "offered_at": "2026-11-20T09:00:00.000001+08:00",
        "answered_at": "2026-11-20T09:00:07.123457+08:00",
        "ended_at": "2026-11-20T09:03:00+08:00",
    },
    {"call_id": "z2", "queue": "", "offered_at": "2026-11-20T09:20:00+08:00"},  # waiting
]


def test_a_round_trip_keeps_pending_changes_and_drops_all_zero_rows(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    with TestClient(create_app(settings, own_database)) as http:
        calls = [c | {"queue": tenant.queue} for c in CALLS]
        assert post(http, "/v1/calls", calls, tenant).json()["accepted"] == 2
    migrate(own_database, "downgrade", "0011")  # the pending changes become markers
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        cid = client_id(pg, tenant.client)
        marked = pg.execute("SELECT count(*) FROM dirty_intervals WHERE client_id = %s", [cid])
        assert marked.fetchone()[0] == 2
        pg.execute(  # what the recompute of 0011 kept where only a call since moved had been
            "INSERT INTO call_interval_stats SELECT client_id, queue_id,"
            " '2026-11-20T01:30:00Z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
            " FROM call_keys k JOIN calls USING (client_id, call_id) WHERE call_id = 'z2'"
        )
        conn.commit()
    migrate(own_database, "upgrade", "head")
    drain(own_database, settings)
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        stats = stats_snapshot(pg, cid)
        assert [r[2].isoformat() for r in stats["call_interval_stats"]] == [
            "2026-11-20T01:00:00+00:00",
            "2026-11-20T01:15:00+00:00",  # the waiting call: received 1 (migration 0012)
        ]  # the all-zero row of 01:30 is gone
        assert str(stats["call_interval_stats"][0][10]) == "7.123456"  # wait_answered_s, exact
    with psycopg.connect(libpq_url(own_database.url), autocommit=True) as pg:
        assert full_recompute(pg, own_database, settings, cid) == stats
