"""Every ingest endpoint accepts every body format, and stores what it accepted."""

from datetime import UTC

import pytest

from tests.factories import post

FORMATS = ["object", "array", "ndjson", "csv"]


def records(kind: str, queue: str, tag: str) -> list[dict]:
    """Return a small valid batch of `kind`; ids carry `tag` so formats do not collide."""
    day = "2026-11-20T09:"
    if kind == "calls":
        return [
            {
                "call_id": f"call-{tag}-1",
                "queue": queue,
                "offered_at": f"{day}00:00+08:00",
                "answered_at": f"{day}00:12+08:00",
                "ended_at": f"{day}04:12+08:00",
                "agent": "a-001",
                "talk_s": 230.5,
                "hold_s": 9.5,
                "acw_s": 30,
                "transferred": False,
                "resolved": True,
                "csat": 92,
                "disposition": "card blocked",
            },
            {"call_id": f"call-{tag}-2", "queue": queue, "offered_at": f"{day}01:00+08:00"},
        ]
    if kind == "call-events":
        return [
            {"call_id": f"ev-{tag}", "queue": queue, "event": "offered", "at": f"{day}00:00Z"},
            {
                "call_id": f"ev-{tag}",
                "queue": queue,
                "event": "answered",
                "at": f"{day}00:20Z",
                "agent": "a-002",
            },
            {
                "call_id": f"ev-{tag}",
                "queue": queue,
                "event": "ended",
                "at": f"{day}03:00Z",
                "hold_s": 12,
                "resolved": True,
            },
        ]
    if kind == "agent-events":
        return [
            {"agent": f"ag-{tag}", "state": "available", "at": f"{day}00:00Z", "queues": [queue]},
            {
                "agent": f"ag-{tag}",
                "state": "not_ready",
                "at": f"{day}10:00Z",
                "reason": "break",
                "queues": [queue],
            },
        ]
    return [
        {
            "ticket_id": f"t-{tag}",
            "queue": queue,
            "channel": "email",
            "created_at": f"{day}00:00Z",
            "first_response_at": f"{day}40:00Z",
            "agent": "a-003",
            "priority": "high",
        },
        {"ticket_id": f"u-{tag}", "queue": queue, "channel": "chat", "created_at": f"{day}05:00Z"},
    ]


STORED = {
    "calls": "SELECT count(*) FROM calls c JOIN clients k ON k.id = c.client_id WHERE k.code = %s",
    "call-events": "SELECT count(*) FROM calls c JOIN clients k ON k.id = c.client_id"
    " WHERE k.code = %s",
    "agent-events": "SELECT count(*) FROM agent_state_changes c JOIN clients k"
    " ON k.id = c.client_id WHERE k.code = %s",
    "tickets": "SELECT count(*) FROM tickets c JOIN clients k ON k.id = c.client_id"
    " WHERE k.code = %s",
}


@pytest.mark.parametrize("kind", ["calls", "call-events", "agent-events", "tickets"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_endpoint_accepts_format(client, tenant, pg, kind, fmt):
    batch = records(kind, tenant.queue, fmt)
    if fmt == "object":
        batch = batch[:1]
    response = post(client, f"/v1/{kind}", batch, tenant, fmt)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": len(batch), "duplicates": 0, "rejected": []}
    stored = pg.execute(STORED[kind], [tenant.client]).fetchone()[0]
    assert stored == (1 if kind == "call-events" else len(batch))  # events merge into one call


def test_call_events_merge_into_one_row(client, tenant, pg):
    post(client, "/v1/call-events", records("call-events", tenant.queue, "merge"), tenant)
    row = pg.execute(
        "SELECT offered_at, answered_at, ended_at, hold_s, resolved, offered_known FROM calls"
        " WHERE call_id = 'ev-merge'"
    ).fetchone()
    assert [t.astimezone(UTC).isoformat() for t in row[:3]] == [
        "2026-11-20T09:00:00+00:00",
        "2026-11-20T09:00:20+00:00",
        "2026-11-20T09:03:00+00:00",
    ]
    assert row[3:] == (12, True, True)


def test_cdr_fields_are_stored_as_sent(client, tenant, pg):
    post(client, "/v1/calls", records("calls", tenant.queue, "fields")[:1], tenant)
    row = pg.execute(
        "SELECT c.direction, c.talk_s, c.hold_s, c.acw_s, c.transferred, c.resolved, c.csat,"
        " c.disposition, a.code, c.answered_at - c.offered_at FROM calls c"
        " JOIN agents a ON a.id = c.agent_id WHERE c.call_id = 'call-fields-1'"
    ).fetchone()
    assert row[0] == "inbound"
    assert [float(v) for v in row[1:4]] == [230.5, 9.5, 30.0]
    assert row[4:9] == (False, True, 92, "card blocked", "a-001")
    assert row[9].total_seconds() == 12


def test_csv_values_are_typed_and_blank_cells_are_null(client, tenant, pg):
    body = (
        "call_id,queue,offered_at,answered_at,talk_s,transferred,csat\n"
        f"csv-typed,{tenant.queue},2026-11-20T09:00:00+08:00,,12.25,true,\n"
    )
    response = client.post(
        "/v1/calls", content=body, headers={**tenant.auth(), "Content-Type": "text/csv"}
    )
    assert response.json()["accepted"] == 1
    row = pg.execute(
        "SELECT answered_at, talk_s, transferred, csat FROM calls WHERE call_id = 'csv-typed'"
    ).fetchone()
    assert row[0] is None and float(row[1]) == 12.25 and row[2] is True and row[3] is None
