"""Migration 0011 fills `held` of the stats already aggregated, so no rebuild is needed."""

from tests.kpi.helpers import round_trip, stats_snapshot
from tests.kpi.test_hold import HOLD_CALLS
from tests.kpi.test_metrics_api import call


def test_upgrade_fills_held_from_the_calls(own_database):
    def calls(tenant):
        made = [call(i, tenant.queue, at, agent="ag1", **more) for i, at, more in HOLD_CALLS]
        return [
            *made,
            call("h7", tenant.queue, "23:55:00", wait=5, talk=60, hold_s=12, agent="ag2"),
        ]

    pg, cid, aggregated = round_trip(own_database, calls, "0010")
    with pg:
        assert stats_snapshot(pg, cid) == aggregated
        held = pg.execute(
            "SELECT sum(held), count(*) FILTER (WHERE held > 0) FROM call_day_stats"
            " WHERE client_id = %s",
            [cid],
        ).fetchone()
    assert held == (3, 2)  # h2 and h3 by ag1, h7 by ag2 (another stats row)
