"""Migration 0012 fills `received` of the stats already aggregated, so no rebuild is needed."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, migrate, stats_snapshot
from tests.kpi.test_metrics_api import call


def test_upgrade_fills_received_from_the_calls(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    calls = [
        call("r1", tenant.queue, "09:00:00", wait=5, talk=60, agent="ag1"),
        call("r2", tenant.queue, "09:01:00", abandoned_after=30),
        call("r3", tenant.queue, "09:02:00"),  # still waiting: received all the same
        call("r4", tenant.queue, "09:03:00", wait=5, talk=60, direction="outbound"),
        call("r5", tenant.queue, "23:55:00", wait=5, talk=60, agent="ag2"),
    ]
    with TestClient(create_app(settings, own_database)) as http:
        assert post(http, "/v1/calls", calls, tenant).json()["accepted"] == len(calls)
    drain(own_database, settings)
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        cid = client_id(pg, tenant.client)
        aggregated = stats_snapshot(pg, cid)
        conn.rollback()
    migrate(own_database, "downgrade", "0011")
    migrate(own_database, "upgrade", "head")
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        assert stats_snapshot(pg, cid) == aggregated
        received = pg.execute(
            "SELECT sum(received), count(*) FILTER (WHERE received > 0) FROM call_day_stats"
            " WHERE client_id = %s",
            [cid],
        ).fetchone()
    assert received == (4, 3)  # r1 by ag1; r2 and r3 by no agent; r5 by ag2 (r4 is outbound)
