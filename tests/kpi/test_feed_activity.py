"""`feed_activity`: when each vendor's feed last changed a call or ticket of each queue;
`agent_feed_activity`: when it last changed an agent state change of each client.

The aggregator keeps them from the change rows it applies, from the facts a recompute or a
rebuild sums (their change rows are absorbed, not applied), and from the state changes it
recomputes agent intervals from; the live view reads them.
"""

from datetime import UTC, datetime, timedelta

from app.core.db import driver_connection
from app.kpi import repository
from app.kpi.aggregation import drain, rebuild
from app.kpi.intervals import grid_floor
from tests.factories import post
from tests.kpi.helpers import activity, client_id, newest_facts


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


def test_a_change_notes_its_feed_and_a_replay_does_not(client, database, settings, pg, tenant):
    calls = [
        {"call_id": "a1", "queue": tenant.queue, "offered_at": ago(120)},
        {"call_id": "a2", "queue": tenant.shared_queue, "offered_at": ago(100)},
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 2
    theirs = [{"call_id": "b1", "queue": tenant.shared_queue, "offered_at": ago(90)}]
    assert post(client, "/v1/calls", theirs, tenant, key=tenant.other_key).status_code == 200
    ticket = {"ticket_id": "t1", "queue": tenant.queue, "channel": "email", "created_at": ago(60)}
    assert post(client, "/v1/tickets", [ticket], tenant).json()["accepted"] == 1
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    first = activity(pg, cid)
    assert set(first) == {
        (tenant.queue, tenant.vendor),
        (tenant.shared_queue, tenant.vendor),
        (tenant.shared_queue, tenant.other_vendor),
    }
    assert first == newest_facts(pg, cid)  # the ticket, written after the call, is newest

    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 0  # a replay
    drain(database, settings)
    assert activity(pg, cid) == first

    answered = calls[1] | {"answered_at": ago(95)}
    assert post(client, "/v1/calls", [answered], tenant).json()["accepted"] == 1
    drain(database, settings)
    now = activity(pg, cid)
    assert now == newest_facts(pg, cid)
    assert now[(tenant.shared_queue, tenant.vendor)] > first[(tenant.shared_queue, tenant.vendor)]
    assert now[(tenant.queue, tenant.vendor)] == first[(tenant.queue, tenant.vendor)]

    live = client.get(f"/v1/queues/{tenant.shared_queue}/live", headers=tenant.auth()).json()
    [feed] = live["feeds"]
    shown = datetime.fromisoformat(feed["last_record_at"])
    assert shown == now[(tenant.shared_queue, tenant.vendor)]
    assert shown.utcoffset() == timedelta(hours=8)  # the client's timezone, Asia/Shanghai


def test_a_recompute_notes_the_changes_it_absorbs(client, database, settings, pg, tenant):
    offered = datetime.now(UTC) - timedelta(seconds=30)
    call = {"call_id": "r1", "queue": tenant.queue, "offered_at": offered.isoformat()}
    assert post(client, "/v1/calls", [call], tenant).json()["accepted"] == 1
    cid = client_id(pg, tenant.client)
    queue_id = pg.execute("SELECT id FROM queues WHERE code = %s", [tenant.queue]).fetchone()[0]
    interval = grid_floor(offered, settings.interval_minutes)
    with database.session_scope() as session:  # before any pass applies the change row
        conn = driver_connection(session)
        repository.lock(conn)
        repository.recompute_calls(conn, [(cid, queue_id, interval)], settings.interval_minutes)
    assert not pg.execute("SELECT 1 FROM stats_changes WHERE client_id = %s", [cid]).fetchone()
    assert activity(pg, cid) == newest_facts(pg, cid) != {}


def test_a_rebuild_notes_the_feeds_of_its_range(client, database, settings, pg, tenant):
    calls = [{"call_id": f"w{i}", "queue": tenant.queue, "offered_at": ago(60 * i)} for i in (1, 2)]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 2
    cid = client_id(pg, tenant.client)
    pg.execute("DELETE FROM stats_changes WHERE client_id = %s", [cid])  # as if absorbed
    rebuild(database, settings, client_id=cid)
    assert activity(pg, cid) == newest_facts(pg, cid) != {}


def agent_activity(pg, cid: int) -> dict[str, datetime]:
    """Return `{vendor code: last_at}` of a client's agent feed activity."""
    rows = pg.execute(
        "SELECT v.code, f.last_at FROM agent_feed_activity f JOIN vendors v ON v.id = f.vendor_id"
        " WHERE f.client_id = %s",
        [cid],
    )
    return dict(rows.fetchall())


def newest_changes(pg, cid: int) -> dict[str, datetime]:
    """Return the newest `updated_at` of the client's agent state changes per vendor."""
    rows = pg.execute(
        "SELECT v.code, max(a.updated_at) FROM agent_state_changes a"
        " JOIN vendors v ON v.id = a.vendor_id WHERE a.client_id = %s GROUP BY 1",
        [cid],
    )
    return dict(rows.fetchall())


def test_an_agent_change_notes_its_feed_and_a_replay_does_not(
    client, database, settings, pg, tenant
):
    q = tenant.shared_queue
    mine = [
        {"agent": "x1", "state": "available", "at": ago(7200), "queues": [q]},
        {"agent": "x1", "state": "talking", "at": ago(60), "queues": [q]},
    ]
    assert post(client, "/v1/agent-events", mine, tenant).json()["accepted"] == 2
    theirs = [{"agent": "y1", "state": "available", "at": ago(30), "queues": [q]}]
    assert (
        post(client, "/v1/agent-events", theirs, tenant, key=tenant.other_key).json()["accepted"]
        == 1
    )
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    first = agent_activity(pg, cid)
    assert first == newest_changes(pg, cid) and set(first) == {tenant.vendor, tenant.other_vendor}

    assert post(client, "/v1/agent-events", mine, tenant).json()["accepted"] == 0  # a replay
    drain(database, settings)
    assert agent_activity(pg, cid) == first

    late = [{"agent": "x1", "state": "acw", "at": ago(3600), "queues": [q]}]  # an old one, late
    assert post(client, "/v1/agent-events", late, tenant).json()["accepted"] == 1
    drain(database, settings)
    now = agent_activity(pg, cid)
    assert now == newest_changes(pg, cid) and now[tenant.vendor] > first[tenant.vendor]
    assert now[tenant.other_vendor] == first[tenant.other_vendor]

    live = client.get(f"/v1/queues/{q}/live", headers=tenant.auth(tenant.client_key)).json()
    shown = {feed["vendor"]: feed["last_record_at"] for feed in live["feeds"]}
    assert {vendor: datetime.fromisoformat(at) for vendor, at in shown.items()} == now
