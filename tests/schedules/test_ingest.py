"""`POST /v1/schedules`: a post replaces the agent's schedule over the span it covers."""

import threading

import psycopg
import pytest

from app.core.db import libpq_url
from app.core.locks import Lock, wait_for_locks
from tests.factories import post
from tests.schedules.helpers import seg, stored
from tests.waiting import backends_blocked_by, wait_for


@pytest.mark.parametrize("fmt", ["array", "ndjson", "csv"])
def test_a_day_is_stored_in_every_body_format(client, tenant, pg, fmt):
    day = [
        seg("a1", "09:00", "12:00", queues=[tenant.queue]),
        seg("a1", "12:00", "13:00", "lunch"),
        seg("a1", "13:00", "18:00"),
    ]
    r = post(client, "/v1/schedules", day, tenant, fmt)
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert stored(pg, tenant.vendor, "a1") == [
        ("09:00", "12:00", "work"),
        ("12:00", "13:00", "lunch"),
        ("13:00", "18:00", "work"),
    ]
    again = post(client, "/v1/schedules", day, tenant, fmt)
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}


def test_a_post_replaces_exactly_the_span_it_covers(client, tenant, pg):
    post(client, "/v1/schedules", [seg("a1", "09:00", "18:00", queues=[tenant.queue])], tenant)
    r = post(
        client,
        "/v1/schedules",
        [seg("a1", "11:00", "11:30", "break"), seg("a1", "15:00", "16:00", "training")],
        tenant,
    )
    assert r.json()["accepted"] == 2
    assert stored(pg, tenant.vendor, "a1") == [
        ("09:00", "11:00", "work"),
        ("11:00", "11:30", "break"),
        ("11:30", "15:00", "work"),
        ("15:00", "16:00", "training"),
        ("16:00", "18:00", "work"),
    ]
    # A segment covering several stored ones removes them and cuts the one it straddles.
    post(client, "/v1/schedules", [seg("a1", "10:00", "15:30", "off")], tenant)
    assert stored(pg, tenant.vendor, "a1") == [
        ("09:00", "10:00", "work"),
        ("10:00", "15:30", "off"),
        ("15:30", "16:00", "training"),
        ("16:00", "18:00", "work"),
    ]


def test_overlapping_segments_of_one_agent_are_refused_by_name_and_kept(client, tenant, pg):
    r = post(
        client,
        "/v1/schedules",
        [
            seg("a1", "09:00", "12:00", queues=[tenant.queue]),
            seg("a1", "11:00", "13:00", "lunch"),
            seg("a2", "11:00", "13:00", "lunch", queues=[tenant.queue]),  # no clash
            seg("a1", "14:00", "15:00"),
        ],
        tenant,
    )
    body = r.json()
    assert body["accepted"] == 2
    assert [(x["index"], x["id"]) for x in body["rejected"]] == [
        (0, "a1@2026-11-20T09:00:00+08:00"),
        (1, "a1@2026-11-20T11:00:00+08:00"),
    ]
    assert body["rejected"][0]["errors"] == [
        "start: overlaps record 1 of agent 'a1' from 2026-11-20T11:00:00+08:00 to"
        " 2026-11-20T12:00:00+08:00; one post must not plan an agent twice at once:"
        " send one of them"
    ]
    assert "overlaps record 0" in body["rejected"][1]["errors"][0]
    assert stored(pg, tenant.vendor, "a1") == [("14:00", "15:00", "work")]
    kept = pg.execute(
        "SELECT r.kind, r.record_index, r.errors FROM rejected_records r"
        " JOIN vendors v ON v.id = r.vendor_id WHERE v.code = %s ORDER BY r.record_index",
        [tenant.vendor],
    ).fetchall()
    assert [(kind, index) for kind, index, _ in kept] == [("schedules", 0), ("schedules", 1)]
    assert kept[0][2] == body["rejected"][0]["errors"]
    listed = client.get("/v1/rejected", params={"kind": "schedules"}, headers=tenant.auth())
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["rejected"]) == 2


def test_bad_segments_are_named(client, tenant):
    r = post(
        client,
        "/v1/schedules",
        [
            seg("a1", "09:00", "10:00", "nap"),
            seg("a1", "10:00", "10:00"),
            {**seg("a1", "08:00", "09:00"), "end": "2026-11-21T09:00:00+08:00"},
            seg("a1", "11:00", "12:00", queues=["nowhere"]),
            seg("a1", "12:00", "13:00", queues=[tenant.other_queue]),
            {"agent": "a1", "start": "2026-11-20T09:00:00+08:00", "activity": "work"},
        ],
        tenant,
    )
    errors = {x["index"]: x["errors"] for x in r.json()["rejected"]}
    assert r.json()["accepted"] == 0
    assert errors[0][0].startswith("activity: input should be 'work', 'break', 'lunch'")
    assert errors[1] == ["end: 2026-11-20T10:00:00+08:00 is not after start: send end > start"]
    assert errors[2] == ["end: the segment lasts 25 h; one segment covers at most 24 h: split it"]
    assert errors[3] == ["queue: unknown queue 'nowhere'"]
    assert errors[4] == [f"queue: {tenant.other_queue!r} is not served by vendor {tenant.vendor!r}"]
    assert errors[5] == ["end: required"]


def test_a_vendor_schedules_only_its_own_agents(client, tenant, pg):
    post(
        client, "/v1/schedules", [seg("a1", "09:00", "18:00", queues=[tenant.shared_queue])], tenant
    )
    other = post(
        client,
        "/v1/schedules",
        [seg("a1", "09:00", "10:00", "off", queues=[tenant.shared_queue])],
        tenant,
        key=tenant.other_key,
    )
    assert other.json()["accepted"] == 1
    assert stored(pg, tenant.vendor, "a1") == [("09:00", "18:00", "work")]
    assert stored(pg, tenant.other_vendor, "a1") == [("09:00", "10:00", "off")]
    assert (
        client.post("/v1/schedules", json=[], headers=tenant.auth(tenant.client_key)).status_code
        == 403
    )


def test_posts_for_one_agent_apply_one_at_a_time(client, tenant, pg, database_url):
    post(client, "/v1/schedules", [seg("a1", "09:00", "18:00", queues=[tenant.queue])], tenant)
    (agent_id,) = pg.execute(
        "SELECT a.id FROM agents a JOIN vendors v ON v.id = a.vendor_id"
        " WHERE v.code = %s AND a.code = 'a1'",
        [tenant.vendor],
    ).fetchone()
    answers: list[dict] = []
    with psycopg.connect(libpq_url(database_url)) as holder:  # another post, mid-way
        wait_for_locks(holder, Lock.SCHEDULE, [agent_id])
        poster = threading.Thread(
            target=lambda: answers.append(
                post(client, "/v1/schedules", [seg("a1", "12:00", "13:00", "lunch")], tenant).json()
            )
        )
        poster.start()
        wait_for(lambda: backends_blocked_by(pg, holder.info.backend_pid), "the post to wait")
        assert answers == []
    poster.join(timeout=30)  # the holder committed when its block ended
    assert answers == [{"accepted": 1, "duplicates": 0, "rejected": []}]
    assert ("12:00", "13:00", "lunch") in stored(pg, tenant.vendor, "a1")
