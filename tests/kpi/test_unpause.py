"""An unpause never logs in a logged-out agent, whatever order the changes arrive in.

Asterisk logs UNPAUSE / UNPAUSEALL when a pause ends; Wazo logs UNPAUSEALL just after an
agent logs off too. Such a change is pushed as `available` with `unpause: true`: it makes
a logged-in agent available and leaves a logged-out one logged out.
"""

import random
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kpi.aggregation import drain, run_pass
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, full_recompute, stats_snapshot

DAY = "2026-11-20T{}+08:00"
# (local time, state, unpause, reason); logged in 09:00–09:30 (available 1200 s, not ready
# 600 s) and 11:00–11:30 (available 1800 s). The unpauses at 09:50 and 10:20 follow the
# logoff at 09:30, so they leave the agent logged out: a late logoff must reach both.
CHANGES = [
    ("09:00:00", "available", False, None),
    ("09:10:00", "not_ready", False, "break"),
    ("09:20:00", "available", True, None),
    ("09:30:00", "logged_out", False, None),
    ("09:50:00", "available", True, None),
    ("10:20:00", "available", True, None),
    ("11:00:00", "available", False, None),
    ("11:05:00", "available", True, None),
    ("11:30:00", "logged_out", False, None),
]
EXPECTED = {"available_s": 3000, "talking_s": 0, "acw_state_s": 0, "not_ready_s": 600}


def change(queue: str, at: str, state: str, unpause: bool, reason: str | None) -> dict:
    event = {"agent": "ag-u", "state": state, "at": DAY.format(at), "queues": [queue]}
    return event | ({"unpause": True} if unpause else {}) | ({"reason": reason} if reason else {})


def agent_seconds(pg, client: int) -> dict[str, float]:
    """Sum the agent's interval stats, per component."""
    row = pg.execute(
        "SELECT sum(available_s), sum(talking_s), sum(acw_state_s), sum(not_ready_s)"
        " FROM agent_interval_stats WHERE client_id = %s",
        [client],
    ).fetchone()
    return dict(zip(EXPECTED, (float(v or 0) for v in row), strict=True))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32), batch=st.integers(1, 4), pass_every=st.integers(1, 3))
def test_unpauses_after_a_logoff_keep_the_agent_logged_out_in_any_order(
    client, database, settings, pg, seed, batch, pass_every
):
    tenant = make_tenant(database)
    events = [change(tenant.queue, *c) for c in CHANGES]
    random.Random(seed).shuffle(events)
    for n, start in enumerate(range(0, len(events), batch)):
        body = post(client, "/v1/agent-events", events[start : start + batch], tenant).json()
        assert body["rejected"] == [], body
        if n % pass_every == 0:
            run_pass(database, settings)
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    assert agent_seconds(pg, cid) == EXPECTED
    incremental = stats_snapshot(pg, cid)
    assert incremental == full_recompute(pg, database, settings, cid)
    [day] = client.get(
        "/v1/metrics",
        params={"client": tenant.client, "by": "agent", "granularity": "day"}
        | {"from": "2026-11-20", "to": "2026-11-21"},
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    assert day["not_ready_ratio"] == 600 / 3600
    assert day["utilization"] == 3000 / 3600


def test_an_unpause_and_a_logoff_at_the_same_moment_leave_the_agent_logged_out(client, tenant, pg):
    for order in ((True, False), (False, True)):
        agent = f"same-{order[0]}"
        events = [
            {"agent": agent, "state": "logged_out" if not unpause else "available"}
            | {"at": DAY.format("09:30:00"), "queues": [tenant.queue]}
            | ({"unpause": True} if unpause else {})
            for unpause in order
        ]
        for event in events:  # one at a time: the second merges into the first's row
            assert post(client, "/v1/agent-events", [event], tenant).json()["rejected"] == []
        row = pg.execute(
            "SELECT s.state, s.unpause FROM agent_state_changes s JOIN agents a"
            " ON a.id = s.agent_id JOIN clients c ON c.id = s.client_id"
            " WHERE c.code = %s AND a.code = %s",
            [tenant.client, agent],
        ).fetchall()
        assert row == [("logged_out", False)]


def test_the_live_floor_shows_an_unpaused_agent_only_when_logged_in(settings, database, tenant):
    now = datetime.now(UTC)

    def at(minutes_ago: float) -> str:
        return (now - timedelta(minutes=minutes_ago)).isoformat()

    q = tenant.queue
    events = [
        {"agent": "back", "state": "available", "at": at(30), "queues": [q]},
        {"agent": "back", "state": "not_ready", "at": at(20), "reason": "break", "queues": [q]},
        {"agent": "back", "state": "available", "at": at(10), "unpause": True, "queues": [q]},
        {"agent": "gone", "state": "available", "at": at(30), "queues": [q]},
        {"agent": "gone", "state": "logged_out", "at": at(10), "queues": [q]},
        {"agent": "gone", "state": "available", "at": at(9.9), "unpause": True, "queues": [q]},
    ]
    with TestClient(create_app(settings, database)) as http:
        assert post(http, "/v1/agent-events", events, tenant).json()["accepted"] == 6
        drain(database, settings)
        live = http.get(f"/v1/queues/{q}/live", headers=tenant.auth(tenant.client_key)).json()
    agents = {a["agent"]: a for a in live["agents"]}
    assert set(agents) == {"back"}
    assert agents["back"]["state"] == "available"
    assert 540 <= agents["back"]["in_state_s"] < 700  # available since the unpause


def test_only_an_available_change_can_be_an_unpause(client, tenant):
    event = {"agent": "ag-x", "state": "not_ready", "at": DAY.format("09:00:00"), "unpause": True}
    body = post(client, "/v1/agent-events", [event | {"queues": [tenant.queue]}], tenant).json()
    [rejected] = body["rejected"]
    assert rejected["errors"] == ["unpause: only an `available` change ends a pause, not not_ready"]
