"""Migration 0011 fills `held` of the stats already aggregated, so no rebuild is needed."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, migrate, stats_snapshot
from tests.kpi.test_hold import HOLD_CALLS
from tests.kpi.test_metrics_api import call


def test_upgrade_fills_held_from_the_calls(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    calls = [call(i, tenant.queue, at, agent="ag1", **more) for i, at, more in HOLD_CALLS]
    calls += [call("h7", tenant.queue, "23:55:00", wait=5, talk=60, hold_s=12, agent="ag2")]
    with TestClient(create_app(settings, own_database)) as http:
        assert post(http, "/v1/calls", calls, tenant).json()["accepted"] == len(calls)
    drain(own_database, settings)
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        cid = client_id(pg, tenant.client)
        aggregated = stats_snapshot(pg, cid)
        conn.rollback()
    migrate(own_database, "downgrade", "0010")
    migrate(own_database, "upgrade", "head")
    with own_database.engine.connect() as conn:
        pg = conn.connection.driver_connection
        assert stats_snapshot(pg, cid) == aggregated
        held = pg.execute(
            "SELECT sum(held), count(*) FILTER (WHERE held > 0) FROM call_day_stats"
            " WHERE client_id = %s",
            [cid],
        ).fetchone()
    assert held == (3, 2)  # h2 and h3 by ag1, h7 by ag2 (another stats row)
