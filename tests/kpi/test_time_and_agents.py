"""Day boundaries in the client's timezone, DST, agent states split at interval edges, tickets."""

from app.kpi.aggregation import drain
from tests.factories import post


def get(http, tenant, **params):
    response = http.get("/v1/metrics", params=params, headers=tenant.auth(tenant.client_key))
    assert response.status_code == 200, response.text
    return response.json()["series"]


def test_shanghai_day_starts_at_local_midnight(client, tenant, database, settings):
    calls = [
        {
            "call_id": "late",
            "queue": tenant.queue,
            "offered_at": "2026-11-20T15:59:59Z",
            "answered_at": "2026-11-20T16:00:01Z",
        },
        {
            "call_id": "early",
            "queue": tenant.queue,
            "offered_at": "2026-11-20T16:00:00Z",
            "answered_at": "2026-11-20T16:00:03Z",
        },
    ]
    post(client, "/v1/calls", calls, tenant)
    drain(database, settings)
    rows = get(
        client,
        tenant,
        queue=tenant.queue,
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-22"},
    )
    assert [(r["start"], r["offered"]) for r in rows] == [
        ("2026-11-20T00:00:00+08:00", 1),
        ("2026-11-21T00:00:00+08:00", 1),
    ]


def test_dst_fall_back_day_has_25_hours_and_keeps_both_2am_hours(
    client, tenant, database, settings
):
    # foreign_queue belongs to the Europe/Berlin client; DST ends 2026-10-25 03:00 CEST.
    calls = [
        {
            "call_id": "cest",
            "queue": tenant.foreign_queue,
            "offered_at": "2026-10-25T00:30:00Z",
            "answered_at": "2026-10-25T00:30:05Z",
        },
        {
            "call_id": "cet",
            "queue": tenant.foreign_queue,
            "offered_at": "2026-10-25T01:30:00Z",
            "answered_at": "2026-10-25T01:30:05Z",
        },
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 2
    drain(database, settings)
    auth = tenant.auth(tenant.key)  # the vendor serving the Berlin queue
    hours = client.get(
        "/v1/metrics",
        params={"queue": tenant.foreign_queue, "from": "2026-10-25", "to": "2026-10-26"},
        headers=auth,
    ).json()["series"]
    assert len(hours) == 25
    two_am = [(r["start"], r["offered"]) for r in hours if r["start"][11:13] == "02"]
    assert two_am == [("2026-10-25T02:00:00+02:00", 1), ("2026-10-25T02:00:00+01:00", 1)]
    [day] = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.foreign_queue,
            "granularity": "day",
            "from": "2026-10-25",
            "to": "2026-10-26",
        },
        headers=auth,
    ).json()["series"]
    assert (day["start"], day["end"], day["offered"]) == (
        "2026-10-25T00:00:00+02:00",
        "2026-10-26T00:00:00+01:00",
        2,
    )


def test_agent_states_split_at_interval_edges(client, tenant, database, settings):
    q = tenant.queue
    changes = [  # local Shanghai times on 2026-11-20, posted out of order
        ("09:40:00", "not_ready", "break"),
        ("09:00:00", "available", None),
        ("10:00:00", "logged_out", None),
        ("09:20:00", "acw", None),
        ("09:10:00", "talking", None),
        ("09:25:00", "available", None),
    ]
    events = [
        {
            "agent": "ag-7",
            "state": s,
            "at": f"2026-11-20T{t}+08:00",
            "queues": [q],
            **({"reason": r} if r else {}),
        }
        for t, s, r in changes
    ]
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == 6
    drain(database, settings)
    rows = get(
        client,
        tenant,
        client=tenant.client,
        by="agent",
        granularity="interval",
        **{"from": "2026-11-20T09:00:00+08:00", "to": "2026-11-20T10:00:00+08:00"},
    )
    rows = [r for r in rows if r["agent"] == "ag-7"]
    # 09:00–09:15 available 600 s + talking 300 s; 09:15–09:30 talking 300, ACW 300,
    # available 300; 09:30–09:45 available 600, not ready 300; 09:45–10:00 not ready 900.
    assert [r["occupancy"] for r in rows] == [300 / 900, 600 / 900, 0.0, None]
    assert [r["not_ready_ratio"] for r in rows] == [0.0, 0.0, 300 / 900, 1.0]
    [day] = get(
        client,
        tenant,
        client=tenant.client,
        by="agent",
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-21"},
    )
    assert day["agent"] == "ag-7"
    assert day["occupancy"] == 900 / 2400
    assert day["utilization"] == 2400 / 3600
    assert day["not_ready_ratio"] == 1200 / 3600


def test_late_agent_event_recomputes_the_following_intervals(client, tenant, database, settings):
    q = tenant.queue
    first = [
        {"agent": "ag-8", "state": "available", "at": "2026-11-20T09:00:00+08:00", "queues": [q]},
        {"agent": "ag-8", "state": "logged_out", "at": "2026-11-20T10:00:00+08:00", "queues": [q]},
    ]
    post(client, "/v1/agent-events", first, tenant)
    drain(database, settings)
    late = [
        {"agent": "ag-8", "state": "not_ready", "at": "2026-11-20T09:05:00+08:00", "queues": [q]}
    ]
    post(client, "/v1/agent-events", late, tenant)
    drain(database, settings)
    [day] = get(
        client,
        tenant,
        client=tenant.client,
        by="agent",
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-21"},
    )
    assert day["not_ready_ratio"] == 3300 / 3600


def test_ticket_kpis_by_channel(client, tenant, database, settings):
    q = tenant.queue
    tickets = [
        {
            "ticket_id": "e1",
            "queue": q,
            "channel": "email",
            "created_at": "2026-11-20T09:00:00+08:00",
            "first_response_at": "2026-11-20T10:00:00+08:00",
            "resolved_at": "2026-11-21T10:00:00+08:00",
        },
        {
            "ticket_id": "e2",
            "queue": q,
            "channel": "email",
            "created_at": "2026-11-20T09:30:00+08:00",
            "first_response_at": "2026-11-20T15:00:00+08:00",
        },
        {
            "ticket_id": "c1",
            "queue": q,
            "channel": "chat",
            "created_at": "2026-11-20T09:00:00+08:00",
            "first_response_at": "2026-11-20T09:00:45+08:00",
            "resolved_at": "2026-11-20T09:30:00+08:00",
        },
    ]
    assert post(client, "/v1/tickets", tickets, tenant).json()["accepted"] == 3
    drain(database, settings)
    rows = get(
        client,
        tenant,
        queue=q,
        by="channel",
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-21"},
    )
    by_channel = {r["channel"]: r for r in rows}
    email, chat = by_channel["email"], by_channel["chat"]
    assert email["tickets_created"] == 2
    assert email["ticket_frt_sla"] == 0.5  # 1 h ≤ 4 h; 5.5 h > 4 h
    assert email["ticket_resolution_sla"] == 0.0  # 25 h > 24 h
    assert email["ticket_backlog"] == 1
    assert email["ticket_frt_s"] == (3600 + 5.5 * 3600) / 2
    assert (chat["ticket_frt_sla"], chat["ticket_resolution_sla"], chat["ticket_backlog"]) == (
        1.0,
        1.0,
        0,
    )
    assert "voice" not in by_channel and "offered" not in email  # no calls in this queue
