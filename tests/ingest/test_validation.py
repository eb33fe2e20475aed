"""Every kind of bad record gets an error naming its field, is stored, and sinks nothing."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import post

GOOD = {"offered_at": "2026-11-20T09:00:00+08:00"}


def _future(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


BAD_CALLS = [
    ("missing field", {"call_id": "m", **GOOD}, "queue: required"),
    ("missing offered_at", {"call_id": "m2", "queue": "{queue}"}, "offered_at: required"),
    (
        "wrong type",
        {"call_id": "w", "queue": "{queue}", **GOOD, "talk_s": "long"},
        "talk_s: input should be a valid number",
    ),
    (
        "wrong bool",
        {"call_id": "wb", "queue": "{queue}", **GOOD, "transferred": "maybe"},
        "transferred: input should be a valid boolean",
    ),
    (
        "unparseable timestamp",
        {"call_id": "u", "queue": "{queue}", "offered_at": "yesterday"},
        "offered_at: not an RFC 3339 timestamp: 'yesterday'",
    ),
    (
        "timestamp without offset",
        {"call_id": "o", "queue": "{queue}", "offered_at": "2026-11-20T09:00:00"},
        "offered_at: timestamp needs a UTC offset",
    ),
    (
        "epoch number",
        {"call_id": "e", "queue": "{queue}", "offered_at": 1763600000},
        "offered_at: must be an RFC 3339 timestamp string",
    ),
    (
        "negative duration",
        {"call_id": "n", "queue": "{queue}", **GOOD, "hold_s": -3},
        "hold_s: input should be greater than or equal to 0",
    ),
    (
        "duration over 24 h",
        {"call_id": "d", "queue": "{queue}", **GOOD, "acw_s": 90000},
        "acw_s: must be shorter than 24 h",
    ),
    (
        "call spanning over 24 h",
        {"call_id": "s", "queue": "{queue}", **GOOD, "ended_at": "2026-11-21T09:30:00+08:00"},
        "ended_at: the call spans 24.5 h from offered_at",
    ),
    (
        "answered before offered",
        {"call_id": "a", "queue": "{queue}", **GOOD, "answered_at": "2026-11-20T08:59:00+08:00"},
        "answered_at: 2026-11-20T08:59:00+08:00 is before offered_at 2026-11-20T09:00:00+08:00",
    ),
    (
        "ended before answered",
        {
            "call_id": "b",
            "queue": "{queue}",
            **GOOD,
            "answered_at": "2026-11-20T09:00:10+08:00",
            "ended_at": "2026-11-20T09:00:05+08:00",
        },
        "ended_at: 2026-11-20T09:00:05+08:00 is before answered_at 2026-11-20T09:00:10+08:00",
    ),
    (
        "future time",
        {"call_id": "f", "queue": "{queue}", "offered_at": "{future}"},
        "is in the future (server time allows up to",
    ),
    (
        "csat out of range",
        {"call_id": "c", "queue": "{queue}", **GOOD, "csat": 101},
        "csat: input should be less than or equal to 100",
    ),
    (
        "unknown field",
        {"call_id": "x", "queue": "{queue}", **GOOD, "answerd_at": "x"},
        "answerd_at: unknown field",
    ),
    (
        "unknown queue",
        {"call_id": "q", "queue": "no-such-queue", **GOOD},
        "queue: unknown queue 'no-such-queue'",
    ),
    (
        "another vendor's queue",
        {"call_id": "v", "queue": "{other_queue}", **GOOD},
        "is not served by vendor",
    ),
    (
        "call_id too long",
        {"call_id": "id" * 65, "queue": "{queue}", **GOOD},
        "call_id: string should have at most 128 characters",
    ),
]


@pytest.mark.parametrize(("case", "record", "message"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_call_is_rejected_with_its_field_and_kept(client, tenant, pg, case, record, message):
    record = {
        k: v.format(queue=tenant.queue, other_queue=tenant.other_queue, future=_future(10))
        if isinstance(v, str)
        else v
        for k, v in record.items()
    }
    good = {"call_id": f"good-{case}", "queue": tenant.queue, **GOOD}
    response = post(client, "/v1/calls", [good, record], tenant)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1, "a bad record must not sink its batch"
    [rejection] = body["rejected"]
    assert rejection["index"] == 1
    assert any(message in error for error in rejection["errors"]), rejection["errors"]
    stored = pg.execute(
        "SELECT r.errors, r.payload, r.record_index, r.received_at FROM rejected_records r"
        " JOIN vendors v ON v.id = r.vendor_id WHERE v.code = %s AND r.kind = 'calls'",
        [tenant.vendor],
    ).fetchall()
    assert len(stored) == 1
    errors, payload, index, received_at = stored[0]
    assert errors == rejection["errors"] and index == 1 and received_at is not None
    assert (
        f'"call_id":"{record["call_id"]}"' in payload.replace(" ", "")
        if "call_id" in record
        else payload
    )


def test_times_in_messages_keep_the_offset_they_were_sent_in(client, tenant):
    mixed = {
        "call_id": "mixed",
        "queue": tenant.queue,
        "offered_at": "2026-11-20T01:00:00Z",
        "answered_at": "2026-11-20T08:59:00+08:00",
    }
    future = {"call_id": "ahead", "queue": tenant.queue, "offered_at": "2099-01-01T09:00:00-05:00"}
    body = post(client, "/v1/calls", [mixed, future], tenant).json()
    assert body["rejected"][0]["errors"] == [
        "answered_at: 2026-11-20T08:59:00+08:00 is before offered_at 2026-11-20T01:00:00Z"
    ]
    assert body["rejected"][1]["errors"][0].startswith(
        "offered_at: 2099-01-01T09:00:00-05:00 is in the future (server time allows up to"
    )
    assert "-05:00); check the sender's clock" in body["rejected"][1]["errors"][0]


def test_future_within_five_minutes_is_accepted(client, tenant):
    record = {"call_id": "skew", "queue": tenant.queue, "offered_at": _future(2)}
    assert post(client, "/v1/calls", [record], tenant).json()["accepted"] == 1


def test_conflict_with_stored_value_is_rejected(client, tenant):
    first = {
        "call_id": "late",
        "queue": tenant.queue,
        **GOOD,
        "answered_at": "2026-11-20T09:00:30+08:00",
    }
    assert post(client, "/v1/calls", [first], tenant).json()["accepted"] == 1
    event = {
        "call_id": "late",
        "queue": tenant.queue,
        "event": "ended",
        "at": "2026-11-20T09:00:10+08:00",
    }
    [rejection] = post(client, "/v1/call-events", [event], tenant).json()["rejected"]
    assert rejection["errors"] == [
        "ended_at: 2026-11-20T09:00:10+08:00 is before answered_at 2026-11-20T09:00:30+08:00"
    ]


def test_abandoned_after_answered_is_rejected(client, tenant):
    events = [
        {"call_id": "ab", "queue": tenant.queue, "event": "answered", "at": "2026-11-20T01:00:09Z"},
        {
            "call_id": "ab",
            "queue": tenant.queue,
            "event": "abandoned",
            "at": "2026-11-20T01:00:30Z",
        },
    ]
    body = post(client, "/v1/call-events", events, tenant).json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["errors"][0].startswith(
        "event: abandoned, but the call was answered"
    )


def test_vendor_cannot_overwrite_another_vendors_call(client, tenant):
    record = {"call_id": "mine", "queue": tenant.shared_queue, **GOOD}
    assert post(client, "/v1/calls", [record], tenant).json()["accepted"] == 1
    body = post(client, "/v1/calls", [{**record, "csat": 10}], tenant, key=tenant.other_key).json()
    assert body["rejected"][0]["errors"] == [
        "call_id: already sent by another vendor's feed for this client"
    ]


@pytest.mark.parametrize(
    ("path", "record", "message"),
    [
        (
            "/v1/call-events",
            {"call_id": "e", "queue": "{queue}", "event": "rang", "at": GOOD["offered_at"]},
            "event: input should be 'offered', 'answered', 'abandoned', 'ended' or 'acw_done'",
        ),
        (
            "/v1/agent-events",
            {"agent": "a", "state": "sleeping", "at": GOOD["offered_at"]},
            "state: input should be",
        ),
        (
            "/v1/agent-events",
            {
                "agent": "a",
                "state": "available",
                "at": GOOD["offered_at"],
                "queues": ["{other_queue}"],
            },
            "is not served by vendor",
        ),
        (
            "/v1/tickets",
            {
                "ticket_id": "t",
                "queue": "{queue}",
                "channel": "fax",
                "created_at": GOOD["offered_at"],
            },
            "channel: input should be",
        ),
        (
            "/v1/tickets",
            {
                "ticket_id": "t",
                "queue": "{queue}",
                "channel": "email",
                "created_at": GOOD["offered_at"],
                "first_response_at": "2026-11-20T08:00:00+08:00",
            },
            "first_response_at: 2026-11-20T08:00:00+08:00 is before created_at"
            " 2026-11-20T09:00:00+08:00",
        ),
    ],
)
def test_bad_event_and_ticket_records(client, tenant, path, record, message):
    record = {
        k: v.format(queue=tenant.queue, other_queue=tenant.other_queue)
        if isinstance(v, str)
        else [x.format(other_queue=tenant.other_queue) for x in v]
        if isinstance(v, list)
        else v
        for k, v in record.items()
    }
    body = post(client, path, [record], tenant).json()
    assert body["accepted"] == 0
    assert any(message in e for e in body["rejected"][0]["errors"]), body


def test_agent_of_vendor_serving_two_clients_needs_queues(client, tenant):
    record = {"agent": "new-agent", "state": "available", "at": GOOD["offered_at"]}
    [rejection] = post(client, "/v1/agent-events", [record], tenant).json()["rejected"]
    assert rejection["errors"][0].startswith("queues: required for a new agent")
    assert rejection["id"] == f"new-agent@{GOOD['offered_at']}"
    with_queue = {**record, "queues": [tenant.queue]}
    assert post(client, "/v1/agent-events", [with_queue], tenant).json()["accepted"] == 1
    later = {**record, "state": "talking", "at": "2026-11-20T09:05:00+08:00"}
    assert post(client, "/v1/agent-events", [later], tenant).json()["accepted"] == 1


def test_unparseable_ndjson_line_and_short_csv_row_are_rejected_not_fatal(client, tenant, pg):
    good = {"call_id": "nd1", "queue": tenant.queue, **GOOD}
    ndjson = json.dumps(good) + "\n{oops\n"
    r = client.post(
        "/v1/calls",
        content=ndjson,
        headers={**tenant.auth(), "Content-Type": "application/x-ndjson"},
    )
    body = r.json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 1
    assert body["rejected"][0]["errors"][0].startswith("record: not valid JSON")
    csv_body = (
        f"call_id,queue,offered_at\ncs1,{tenant.queue},{GOOD['offered_at']}\ncs2,{tenant.queue}\n"
    )
    body = client.post(
        "/v1/calls", content=csv_body, headers={**tenant.auth(), "Content-Type": "text/csv"}
    ).json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["errors"] == ["record: row has 2 values but the header names 3"]
    kept = pg.execute(
        "SELECT payload FROM rejected_records WHERE payload IN ('{oops', %s)",
        [f"cs2,{tenant.queue}"],
    ).fetchall()
    assert len(kept) == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"{not json", "application/json", 400, "body is not valid JSON"),
        (b"", "application/json", 400, "empty body"),
        (b"\xff\xfe\x00", "application/json", 400, "body is not UTF-8"),
        (b"<xml/>", "application/xml", 415, "unsupported Content-Type"),
        (b"", "text/csv", 400, "CSV body has no header row"),
    ],
)
def test_unreadable_body_is_a_4xx_never_500(client, tenant, body, content_type, status, message):
    r = client.post(
        "/v1/calls", content=body, headers={**tenant.auth(), "Content-Type": content_type}
    )
    assert r.status_code == status
    assert message in r.json()["error"]


def test_non_object_array_item_is_rejected(client, tenant):
    body = post(client, "/v1/calls", [42], tenant).json()
    assert body["rejected"] == [
        {"index": 0, "id": None, "errors": ["record: must be a JSON object"]}
    ]


def test_oversize_body_and_batch_get_413(client, tenant, settings):
    big = b"[" + b" " * (settings.max_body_bytes + 1) + b"]"
    r = client.post(
        "/v1/calls", content=big, headers={**tenant.auth(), "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    many = [
        {"call_id": f"m{i}", "queue": tenant.queue, **GOOD}
        for i in range(settings.max_batch_records + 1)
    ]
    r = post(client, "/v1/calls", many, tenant, "ndjson")
    assert r.status_code == 413
    assert r.json()["error"] == (
        f"{settings.max_batch_records + 1} records in one request; the limit is "
        f"{settings.max_batch_records}: split the batch"
    )
