"""Migration 0019 puts each stats row under its vendor: where certain at once, the rest after
the aggregator's next pass; a downgrade sums the vendors back together."""

import psycopg
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import libpq_url
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, migrate, stats_snapshot
from tests.kpi.test_metrics_api import call

TICKET_AT = "2026-11-20T09:00:00+08:00"


def test_a_round_trip_gives_every_row_its_vendor_and_the_same_stats(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    q, s = tenant.queue, tenant.shared_queue
    mine = [
        call("m1", q, "09:00:00", wait=5, talk=60, agent="a1"),
        call("m2", q, "09:01:00", abandoned_after=30),  # no agent, one vendor: certain
        call("m3", s, "09:02:00", wait=8, talk=30, agent="a1"),  # an agent: its vendor
        call("m4", s, "09:03:00", abandoned_after=40),  # no agent on a shared queue
    ]
    theirs = [call("t1", s, "09:04:00", abandoned_after=50), call("t2", s, "09:05:00", wait=3)]
    tickets = [{"ticket_id": "k1", "queue": s, "channel": "email", "created_at": TICKET_AT}]
    with TestClient(create_app(settings, own_database)) as http:
        assert post(http, "/v1/calls", mine, tenant).json()["accepted"] == 4
        assert post(http, "/v1/calls", theirs, tenant, key=tenant.other_key).json()["accepted"] == 2
        assert post(http, "/v1/tickets", tickets, tenant).json()["accepted"] == 1
    drain(own_database, settings)
    pg = psycopg.connect(libpq_url(own_database.url), autocommit=True)
    cid = client_id(pg, tenant.client)
    aggregated = stats_snapshot(pg, cid)
    vendors = dict(pg.execute("SELECT code, id FROM vendors").fetchall())
    v, w = vendors[tenant.vendor], vendors[tenant.other_vendor]
    assert {row[4] for row in aggregated["call_interval_stats"]} == {v, w}

    migrate(own_database, "downgrade", "0018")
    merged = pg.execute(
        "SELECT count(*), sum(abandoned), sum(answered) FROM call_interval_stats s"
        " JOIN queues q ON q.id = s.queue_id WHERE q.code = %s AND s.agent_id = 0",
        [s],
    ).fetchone()
    assert merged == (1, 2, 1)  # m4, t1 abandoned and t2 answered (still talking): one row

    migrate(own_database, "upgrade", "head")
    marked = pg.execute(
        "SELECT subject, count(*) FROM dirty_intervals WHERE client_id = %s GROUP BY 1 ORDER BY 1",
        [cid],
    ).fetchall()
    # The shared queue's interval: its calls of no agent, and its ticket (two vendors serve it).
    assert marked == [("queue", 1), ("ticket_queue", 1)]
    unsure = pg.execute(
        "SELECT q.code, s.agent_id FROM call_interval_stats s JOIN queues q ON q.id = s.queue_id"
        " WHERE s.client_id = %s AND s.vendor_id = 0",
        [cid],
    ).fetchall()
    assert unsure == [(s, 0)]
    assert pg.execute(
        "SELECT vendor_id FROM ticket_interval_stats WHERE client_id = %s", [cid]
    ).fetchall() == [(0,)]
    drain(own_database, settings)  # the next pass recomputes what was uncertain
    assert stats_snapshot(pg, cid) == aggregated
    pg.close()
