"""Migration 0015: estimate and unpause flags; a round trip keeps the stats as aggregated.

The downgrade keeps an estimate as the call's time and turns each unpause into the state
it stands for, so a rebuild after it gives the stats aggregated before it.
"""

import psycopg
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import libpq_url
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, full_recompute, migrate, stats_snapshot
from tests.kpi.test_unpause import CHANGES, change

ESTIMATED = {  # a COMPLETEAGENT line without its ENTERQUEUE or CONNECT
    "call_id": "partial",
    "event": "ended",
    "at": "2026-11-20T09:05:00+08:00",
    "talk_s": 6,
    "estimated_answered_at": "2026-11-20T09:04:54+08:00",
    "estimated_offered_at": "2026-11-20T09:04:42+08:00",
}


def test_a_round_trip_turns_unpauses_into_the_states_they_stand_for(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    with TestClient(create_app(settings, own_database)) as http:
        events = [change(tenant.queue, *c) for c in CHANGES]
        assert post(http, "/v1/agent-events", events, tenant).json()["accepted"] == len(events)
        assert (
            post(http, "/v1/call-events", [ESTIMATED | {"queue": tenant.queue}], tenant).json()[
                "accepted"
            ]
            == 1
        )
    drain(own_database, settings)
    with psycopg.connect(libpq_url(own_database.url), autocommit=True) as pg:
        cid = client_id(pg, tenant.client)
        aggregated = stats_snapshot(pg, cid)
        migrate(own_database, "downgrade", "0014")
        states = pg.execute(
            "SELECT to_char(at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), state"
            " FROM agent_state_changes WHERE client_id = %s ORDER BY at",
            [cid],
        ).fetchall()
        assert states == [
            ("09:00", "available"),
            ("09:10", "not_ready"),
            ("09:20", "available"),
            ("09:30", "logged_out"),
            ("09:50", "logged_out"),  # unpauses after the logoff
            ("10:20", "logged_out"),
            ("11:00", "available"),
            ("11:05", "available"),
            ("11:30", "logged_out"),
        ]
        migrate(own_database, "upgrade", "head")
        flags = pg.execute(
            "SELECT (SELECT count(*) FILTER (WHERE unpause) FROM agent_state_changes"
            " WHERE client_id = %(c)s), (SELECT array_agg(ARRAY[offered_known,"
            " offered_estimated, answered_estimated]) FROM calls WHERE client_id = %(c)s)",
            {"c": cid},
        ).fetchone()
        assert flags == (0, [[True, False, False]])  # the rows now say it all
        assert full_recompute(pg, own_database, settings, cid) == aggregated
