"""Migration 0012 fills `received` of the stats already aggregated, so no rebuild is needed."""

from tests.kpi.helpers import round_trip, stats_snapshot
from tests.kpi.test_metrics_api import call


def test_upgrade_fills_received_from_the_calls(own_database):
    def calls(tenant):
        return [
            call("r1", tenant.queue, "09:00:00", wait=5, talk=60, agent="ag1"),
            call("r2", tenant.queue, "09:01:00", abandoned_after=30),
            call("r3", tenant.queue, "09:02:00"),  # still waiting: received all the same
            call("r4", tenant.queue, "09:03:00", wait=5, talk=60, direction="outbound"),
            call("r5", tenant.queue, "23:55:00", wait=5, talk=60, agent="ag2"),
        ]

    pg, cid, aggregated = round_trip(own_database, calls, "0011")
    with pg:
        assert stats_snapshot(pg, cid) == aggregated
        received = pg.execute(
            "SELECT sum(received), count(*) FILTER (WHERE received > 0) FROM call_day_stats"
            " WHERE client_id = %s",
            [cid],
        ).fetchone()
    assert received == (4, 3)  # r1 by ag1; r2 and r3 by no agent; r5 by ag2 (r4 is outbound)
