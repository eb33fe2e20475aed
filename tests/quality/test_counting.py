"""What ingest counts: accepted, duplicates, rejected by field, lateness — per batch, in the
batch's transaction, and exactly under concurrent batches."""

import threading

from tests.factories import cdr, post
from tests.quality.helpers import ago, around_today, quality


def _totals(rows):
    """Sum the record counts of rows (quantiles are read from one row)."""
    keys = ("accepted", "duplicates", "rejected")
    return {k: sum(r[k] for r in rows) for k in keys}


def _ended(call_id, queue, seconds_ago):
    """A CDR that ended `seconds_ago` (offered 60 s before): its lateness when received now."""
    return cdr(call_id, queue, ago(seconds_ago + 60), wait=10, talk=50)


def test_counts_and_lateness_of_known_records(client, tenant):
    # lateness 0.2 … 18.2 s (buckets 0 … 18) and one of 3725.2 s (bucket 3600, max 3725)
    calls = [_ended(f"l{i}", tenant.queue, i + 0.2) for i in range(19)]
    calls.append(_ended("l-late", tenant.queue, 3725.2))
    answer = post(client, "/v1/calls", calls, tenant).json()
    assert answer["accepted"] == 20
    assert post(client, "/v1/calls", calls[:3], tenant).json()["duplicates"] == 3
    bad = [
        {"call_id": "b1", "queue": tenant.queue, "offered_at": "2026-11-20T09:00:00"},
        {"call_id": "b2", "queue": tenant.queue, "offered_at": "2026-11-20T10:00:00"},
        {"call_id": "b3", "queue": "no-such-queue", "offered_at": ago(60)},
    ]
    assert len(post(client, "/v1/calls", bad, tenant).json()["rejected"]) == 3

    rows = quality(client, tenant.client_key, client=tenant.client, **around_today()).json()["rows"]
    mine = [r for r in rows if r["vendor"] == tenant.vendor and r["accepted"]]
    assert len(mine) == 1
    day = mine[0]
    assert (day["accepted"], day["duplicates"], day["rejected"]) == (20, 3, 2)
    assert day["rejected_by_reason"] == {"offered_at": 2}
    # nearest rank of 20 values: p50 the 10th (9 s), p95 the 19th (18 s)
    assert (day["lateness_p50_s"], day["lateness_p95_s"], day["lateness_max_s"]) == (9, 18, 3725)
    assert _totals(r for r in rows if r["vendor"] == tenant.other_vendor) == {
        "accepted": 0,
        "duplicates": 0,
        "rejected": 0,
    }
    # the unknown queue's record: the vendor serves two clients, so it counts under none,
    # shown to the vendor's own key when no client is named, never to the client's key
    assert all(r["client"] is not None for r in rows)
    by_vendor = quality(client, tenant.key, vendor=tenant.vendor, **around_today()).json()["rows"]
    loose = [r for r in by_vendor if r["client"] is None]
    assert [(r["rejected"], r["rejected_by_reason"], r["timezone"]) for r in loose] == [
        (1, {"queue": 1}, "UTC")
    ]


def test_kind_limits_the_record_counts(client, tenant):
    event = {"call_id": "k1", "queue": tenant.queue, "event": "offered", "at": ago(30)}
    assert post(client, "/v1/call-events", [event], tenant).json()["accepted"] == 1
    assert post(client, "/v1/calls", [_ended("k2", tenant.queue, 5)], tenant).json()["accepted"]
    both = around_today() | {"client": tenant.client, "vendor": tenant.vendor}
    totals = {
        kind: _totals(quality(client, tenant.key, kind=kind, **both).json()["rows"])["accepted"]
        for kind in ("calls", "call-events", "tickets")
    }
    assert totals == {"calls": 1, "call-events": 1, "tickets": 0}
    assert _totals(quality(client, tenant.key, **both).json()["rows"])["accepted"] == 2


def test_concurrent_batches_lose_no_count(client, tenant):
    calls = [_ended(f"race-{i}", tenant.queue, 30) for i in range(200)]
    answers = []

    def push(batch):
        answers.append(post(client, "/v1/calls", batch, tenant).json())

    threads = [
        threading.Thread(target=push, args=(calls[i::2] + calls[(i + 1) % 2 :: 4],))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = {k: sum(a[k] for a in answers) for k in ("accepted", "duplicates")}
    assert sent["accepted"] == 200
    both = around_today() | {"client": tenant.client, "vendor": tenant.vendor}
    rows = quality(client, tenant.key, **both).json()["rows"]
    assert _totals(rows) == {**sent, "rejected": 0}


def test_a_feeds_refused_lines_count_as_rejected(client, tenant, make_feed):
    name = make_feed()
    body = f"offered|fq-1|Q|{ago(20)}\nanswered|fq-1|Q|yesterday\n"
    answer = client.post(
        f"/v1/feeds/{name}",
        content=body.encode(),
        headers={**tenant.auth(), "Content-Type": "text/plain"},
    ).json()
    assert answer["accepted"] == 1 and len(answer["rejected"]) == 1
    rows = quality(client, tenant.key, vendor=tenant.vendor, **around_today()).json()["rows"]
    assert _totals(rows) == {"accepted": 1, "duplicates": 0, "rejected": 1}
    assert [r["rejected_by_reason"] for r in rows if r["rejected"]] == [{"at": 1}]
