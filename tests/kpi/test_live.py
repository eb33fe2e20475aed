"""`/v1/queues/{code}/live`: waiting now, lost calls, agents (stale too), SL, staffing, feeds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from app.erlang import required_agents
from app.kpi import queries
from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import post
from tests.kpi.helpers import client_id


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def live_client(settings, database):
    """An app whose calls count as lost 90 s after being offered without an answer or end."""
    with TestClient(
        create_app(settings.model_copy(update={"waiting_horizon_s": 90}), database)
    ) as client:
        yield client


def test_live_queue_state(live_client, tenant, database, settings):
    q = tenant.queue
    calls = [
        {"call_id": "wait", "queue": q, "offered_at": ago(30)},
        {"call_id": "lost", "queue": q, "offered_at": ago(120)},
        {
            "call_id": "ok",
            "queue": q,
            "offered_at": ago(200),
            "answered_at": ago(190),
            "ended_at": ago(100),
            "agent": "ag-a",
            "talk_s": 80,
            "acw_s": 10,
        },
        {"call_id": "gone", "queue": q, "offered_at": ago(100), "ended_at": ago(50)},
    ]
    assert post(live_client, "/v1/calls", calls, tenant).json()["accepted"] == 4
    events = [
        {"agent": "ag-a", "state": "available", "at": ago(60), "queues": [q]},
        {"agent": "ag-b", "state": "talking", "at": ago(30), "queues": [q]},
        {"agent": "ag-c", "state": "not_ready", "at": ago(300), "reason": "lunch", "queues": [q]},
        {"agent": "ag-d", "state": "available", "at": ago(3 * 3600), "queues": [q]},
        {"agent": "ag-e", "state": "logged_out", "at": ago(10), "queues": [q]},
    ]
    assert post(live_client, "/v1/agent-events", events, tenant).json()["accepted"] == 5
    drain(database, settings)
    body = live_client.get(f"/v1/queues/{q}/live", headers=tenant.auth(tenant.client_key)).json()
    assert body["queue"] == q and body["timezone"] == "Asia/Shanghai"
    assert body["waiting"] == 1
    assert 29 <= body["longest_wait_s"] < 60
    local_midnight = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0)
    lost_is_today = datetime.now(UTC) - timedelta(seconds=120) >= local_midnight
    assert body["lost_calls_today"] == (1 if lost_is_today else 0)
    assert body["waiting_horizon_s"] == 90  # the reason a call left "waiting"
    if lost_is_today:
        assert body["today"]["offered"] == 2 and body["today"]["service_level"] == 0.5
        assert body["today"]["aht_s"] == 90
    assert body["service_level_10m"] == 0.5
    assert body["agents_by_state"] == {
        "available": 1,
        "talking": 1,
        "acw": 0,
        "not_ready": 1,
        "stale": 1,
    }
    agents = {a["agent"]: a for a in body["agents"]}
    assert set(agents) == {"ag-a", "ag-b", "ag-c", "ag-d"}
    assert agents["ag-c"]["reason"] == "lunch" and agents["ag-c"]["in_state_s"] >= 300
    assert agents["ag-d"]["state"] == "stale" and agents["ag-d"]["reported_state"] == "available"
    assert body["agents"][0]["agent"] == "ag-d"  # longest in state first
    staffing = body["staffing"]
    assert staffing["arrivals_30m"] == 4 and staffing["agents_on_phones"] == 2
    need = required_agents(4 / 1800, staffing["aht_s"], 0.8, 20).agents
    assert staffing["required_agents"] == need
    assert staffing["staffing_gap"] == need - 2
    [feed] = body["feeds"]
    assert feed["vendor"] == tenant.vendor and feed["age_s"] < 60


def test_vendor_sees_only_its_own_agents_on_a_shared_queue(live_client, tenant):
    q = tenant.shared_queue
    post(
        live_client,
        "/v1/agent-events",
        [{"agent": "mine", "state": "available", "at": ago(5), "queues": [q]}],
        tenant,
    )
    post(
        live_client,
        "/v1/agent-events",
        [{"agent": "theirs", "state": "available", "at": ago(5), "queues": [q]}],
        tenant,
        key=tenant.other_key,
    )
    seen = live_client.get(f"/v1/queues/{q}/live", headers=tenant.auth()).json()
    assert [a["agent"] for a in seen["agents"]] == ["mine"]
    assert [f["vendor"] for f in seen["feeds"]] == [tenant.vendor]
    everyone = live_client.get(f"/v1/queues/{q}/live", headers=tenant.auth(tenant.client_key))
    assert {a["agent"] for a in everyone.json()["agents"]} == {"mine", "theirs"}


def test_vendor_sees_only_its_own_calls_on_a_shared_queue(live_client, tenant, database, settings):
    q = tenant.shared_queue
    mine = [
        {"call_id": "m-wait", "queue": q, "offered_at": ago(20)},
        {"call_id": "m-gone", "queue": q, "offered_at": ago(300), "ended_at": ago(240)},
    ]
    theirs = [
        {"call_id": "t-wait", "queue": q, "offered_at": ago(40)},
        {"call_id": "t-wait2", "queue": q, "offered_at": ago(10)},
        {"call_id": "t-ok", "queue": q, "offered_at": ago(200), "answered_at": ago(195)}
        | {"ended_at": ago(100), "agent": "b1"},
    ]
    assert post(live_client, "/v1/calls", mine, tenant).json()["accepted"] == 2
    assert (
        post(live_client, "/v1/calls", theirs, tenant, key=tenant.other_key).json()["accepted"] == 3
    )
    drain(database, settings)

    def live(key: str) -> dict:
        return live_client.get(f"/v1/queues/{q}/live", headers=tenant.auth(key)).json()

    seen, other, everyone = live(tenant.key), live(tenant.other_key), live(tenant.client_key)
    assert (seen["waiting"], other["waiting"], everyone["waiting"]) == (1, 2, 3)
    assert seen["today"]["abandoned"] == 1 and seen["today"]["answered"] == 0
    assert other["today"]["abandoned"] == 0 and other["today"]["answered"] == 1
    assert everyone["today"]["abandoned"] == 1 and everyone["today"]["answered"] == 1
    assert (seen["staffing"]["arrivals_30m"], other["staffing"]["arrivals_30m"]) == (2, 3)


def test_staffing_demand_counts_callers_turned_away_but_not_a_closed_queue(
    live_client, tenant, database, settings
):
    q = tenant.queue
    calls = [
        {"call_id": "full", "queue": q, "offered_at": ago(60), "ended_at": ago(60)}
        | {"exit_reason": "full"},
        {"call_id": "empty", "queue": q, "offered_at": ago(50), "ended_at": ago(50)}
        | {"exit_reason": "join_empty"},
        {"call_id": "night", "queue": q, "offered_at": ago(40), "ended_at": ago(40)}
        | {"exit_reason": "closed"},
        {"call_id": "wait", "queue": q, "offered_at": ago(30)},
    ]
    assert post(live_client, "/v1/calls", calls, tenant).json()["accepted"] == 4
    drain(database, settings)
    body = live_client.get(f"/v1/queues/{q}/live", headers=tenant.auth(tenant.client_key)).json()
    assert body["staffing"]["arrivals_30m"] == 3  # full, join_empty and the one waiting


def test_each_agents_latest_state_of_the_last_day_per_client_and_queue(client, tenant, pg):
    """By hand: the newest change up to now wins (a change sent minutes ahead waits its
    time), a day's silence or a logoff leaves the agent out, and an agent listing no queue
    is on the client's queues its vendor serves — for two clients read together."""
    q = tenant.queue
    events = [
        {"agent": "hist", "state": "available", "at": ago(3 * 3600), "queues": [q]},
        {"agent": "hist", "state": "talking", "at": ago(2 * 3600), "queues": [q]},
        {"agent": "hist", "state": "acw", "at": ago(3600), "queues": [q]},
        {"agent": "old", "state": "available", "at": ago(25 * 3600), "queues": [q]},
        {"agent": "ahead", "state": "available", "at": ago(600), "queues": [q]},
        {"agent": "ahead", "state": "not_ready", "at": ago(-120), "queues": [q]},
        {"agent": "out", "state": "talking", "at": ago(900), "queues": [q]},
        {"agent": "out", "state": "logged_out", "at": ago(800), "queues": [q]},
        {"agent": "away", "state": "not_ready", "at": ago(200), "queues": [q]},
    ]
    answer = post(client, "/v1/agent-events", events, tenant).json()
    assert answer["accepted"] == len(events), answer
    unlisted = [{"agent": "nolist", "state": "available", "at": ago(300)}]
    assert (
        post(client, "/v1/agent-events", unlisted, tenant, key=tenant.other_key).json()["accepted"]
        == 1
    )
    theirs = [{"agent": "b1", "state": "talking", "at": ago(30), "queues": [tenant.foreign_queue]}]
    assert post(client, "/v1/agent-events", theirs, tenant).json()["accepted"] == 1
    mine, other = client_id(pg, tenant.client), client_id(pg, tenant.other_client)
    codes = [q, tenant.shared_queue, tenant.foreign_queue]
    ids = dict(pg.execute("SELECT code, id FROM queues WHERE code = ANY(%s)", [codes]).fetchall())
    clients, queue_ids = [other, mine, mine], [ids[code] for code in reversed(codes)]
    rows = queries.latest_agent_states(pg, clients, queue_ids, None)
    by_code = {code: queue for queue, code in ids.items()}
    assert [(by_code[row[0]], row[2], row[4]) for row in rows] == [
        (q, "hist", "acw"),  # oldest first
        (q, "ahead", "available"),
        (tenant.shared_queue, "nolist", "available"),
        (q, "away", "not_ready"),
        (tenant.foreign_queue, "b1", "talking"),
    ]
    assert queries.agents_on_phones(pg, clients, queue_ids) == {
        ids[q]: 2,
        ids[tenant.shared_queue]: 1,
        ids[tenant.foreign_queue]: 1,
    }
