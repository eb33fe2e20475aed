"""`POST /v1/forecasts`: formats, idempotency, splitting, who may post, and named rejections."""

import pytest

from tests.factories import post
from tests.forecasts.helpers import DAY, PATH, forecast


def stored(pg, queue: str) -> list[tuple]:
    """Return the queue's stored forecasts as (HH:MM local, source, offered, aht, agents)."""
    rows = pg.execute(
        "SELECT to_char(f.interval_start AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), f.source,"
        " f.offered, f.aht_s, f.required_agents FROM forecasts f JOIN queues q"
        " ON q.id = f.queue_id WHERE q.code = %s ORDER BY 1, 2",
        [queue],
    ).fetchall()
    return [tuple(row) for row in rows]


def rejected_kept(pg, vendor: str) -> list[tuple]:
    """Return the vendor's kept forecast rejections: (client code or None, first error)."""
    rows = pg.execute(
        "SELECT c.code, r.errors ->> 0 FROM rejected_records r JOIN vendors v"
        " ON v.id = r.vendor_id LEFT JOIN clients c ON c.id = r.client_id"
        " WHERE r.kind = 'forecasts' AND v.code = %s ORDER BY r.id",
        [vendor],
    ).fetchall()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("fmt", ["object", "array", "ndjson", "csv"])
def test_every_body_format_is_accepted(client, tenant, pg, fmt):
    records = [forecast(tenant.queue, "09:00", 12.5, aht_s=180, required_agents=4)]
    response = post(client, PATH, records, tenant, fmt)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert stored(pg, tenant.queue) == [("09:00", "wfm", 12.5, 180.0, 4.0)]


def test_a_replay_is_a_duplicate_and_a_new_post_replaces(client, tenant, pg):
    first = [forecast(tenant.queue, "09:00", 10), forecast(tenant.queue, "09:15", 11)]
    assert post(client, PATH, first, tenant).json()["accepted"] == 2
    again = post(client, PATH, first, tenant).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    changed = [forecast(tenant.queue, "09:15", 14, aht_s=200)]
    assert post(client, PATH, changed, tenant).json()["accepted"] == 1
    # another WFM tool's forecast of the same interval is kept beside it
    other = [forecast(tenant.queue, "09:15", 9, source="nice")]
    assert post(client, PATH, other, tenant).json()["accepted"] == 1
    assert stored(pg, tenant.queue) == [
        ("09:00", "wfm", 10.0, None, None),
        ("09:15", "nice", 9.0, None, None),
        ("09:15", "wfm", 14.0, 200.0, None),
    ]


def test_a_coarser_interval_is_split_evenly(client, tenant, pg):
    # 30 calls over an hour: 7.5 per quarter; AHT and required agents are levels, kept
    records = [forecast(tenant.queue, "10:00", 30, interval_min=60, aht_s=150, required_agents=6)]
    assert post(client, PATH, records, tenant).json()["accepted"] == 1
    assert stored(pg, tenant.queue) == [
        (at, "wfm", 7.5, 150.0, 6.0) for at in ("10:00", "10:15", "10:30", "10:45")
    ]


def test_client_keys_post_for_their_queues_vendor_keys_for_served_ones(client, tenant, pg):
    mine = post(
        client, PATH, [forecast(tenant.other_queue, "09:00", 3)], tenant, key=tenant.client_key
    )
    assert mine.json()["accepted"] == 1  # a client forecasts any queue of its own
    foreign = post(
        client, PATH, [forecast(tenant.foreign_queue, "09:00", 3)], tenant, key=tenant.client_key
    )
    [error] = foreign.json()["rejected"][0]["errors"]
    assert error == f"queue: {tenant.foreign_queue!r} is not a queue of client {tenant.client!r}"
    unserved = post(client, PATH, [forecast(tenant.other_queue, "09:00", 3)], tenant)
    [error] = unserved.json()["rejected"][0]["errors"]
    assert error == f"queue: {tenant.other_queue!r} is not served by vendor {tenant.vendor!r}"
    # the vendor serving the shared queue may post for it too
    shared = post(
        client, PATH, [forecast(tenant.shared_queue, "09:00", 3)], tenant, key=tenant.other_key
    )
    assert shared.json()["accepted"] == 1


BAD = [
    ({"queue": "nope-queue"}, "queue: unknown queue 'nope-queue'"),
    ({"offered": -1}, "offered: input should be greater than or equal to 0"),
    ({"offered": 2_000_000}, "offered: input should be less than or equal to 1000000"),
    ({"aht_s": 0}, "aht_s: input should be greater than 0"),
    ({"required_agents": -2}, "required_agents: input should be greater than or equal to 0"),
    (
        {"source": "callpulse"},
        "source: 'callpulse' is reserved for CallPulse's own forecast: name your WFM tool,"
        " e.g. 'wfm'",
    ),
    (
        {"interval_start": DAY.format("09:07")},
        "interval_start: 2026-11-20T09:07:00+08:00 is not on the 15-minute interval grid"
        " (CALLPULSE_INTERVAL_MINUTES); send 2026-11-20T09:00:00+08:00 or"
        " 2026-11-20T09:15:00+08:00",
    ),
    (
        {"interval_min": 20},
        "interval_min: 20 is not a whole multiple of the 15-minute stats interval; send 15, 30, …",
    ),
    ({"offered": None}, "offered: input should be a valid number"),
    ({"colour": "red"}, "colour: unknown field"),
]


@pytest.mark.parametrize(("change", "error"), BAD, ids=[next(iter(c)) for c, _ in BAD])
def test_bad_input_is_named_and_kept(client, tenant, pg, change, error):
    good = forecast(tenant.queue, "09:30", 5)
    response = post(
        client, PATH, [good, {**good, "interval_start": DAY.format("09:45"), **change}], tenant
    )
    body = response.json()
    assert response.status_code == 200 and body["accepted"] == 1, response.text
    [rejection] = body["rejected"]
    assert rejection["index"] == 1 and error in rejection["errors"], rejection
    # kept: under the client of the queue it names; an unknown queue is no client's, and
    # the vendor serves two clients, so it is the vendor's alone
    owner = None if change.get("queue") else tenant.client
    assert rejected_kept(pg, tenant.vendor) == [(owner, rejection["errors"][0])]


def test_a_missing_field_is_named(client, tenant):
    response = post(client, PATH, [{"queue": tenant.queue, "offered": 3}], tenant)
    assert response.json()["rejected"][0]["errors"] == ["interval_start: required"]


def test_rejections_are_listed_under_their_kind(client, tenant):
    post(client, PATH, [forecast(tenant.queue, "09:07", 3)], tenant)
    listed = client.get(
        "/v1/rejected", params={"kind": "forecasts"}, headers=tenant.auth(tenant.client_key)
    )
    assert listed.status_code == 200, listed.text
    [row] = listed.json()["rejected"]
    assert row["kind"] == "forecasts" and "interval grid" in row["errors"][0]
