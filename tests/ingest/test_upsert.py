"""Upsert semantics: replays change nothing, order does not matter, nulls never erase."""

import random
import threading
from datetime import UTC, datetime, timedelta

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.partitions import PartitionManager
from ingest.raw import RawRecord
from ingest.service import IngestService
from tests.factories import make_tenant, post

TABLES = {
    "calls": "client_id, call_id",
    "call_keys": "client_id, call_id",
    "agent_state_changes": "client_id, agent_id, at",
    "tickets": "client_id, ticket_id",
    "ticket_keys": "client_id, ticket_id",
    "agents": "id",
    "rejected_records": "id",
    "dirty_intervals": "client_id, subject, subject_id, interval_start",
}


def snapshot(pg: psycopg.Connection) -> dict[str, list[tuple]]:
    """Return every row of every ingest table (a replay must leave all of them unchanged)."""
    return {t: pg.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()}


def mixed_batches(t) -> dict[str, list[dict]]:
    q = t.queue
    return {
        "calls": [
            {
                "call_id": "r1",
                "queue": q,
                "offered_at": "2026-11-20T09:00:00+08:00",
                "answered_at": "2026-11-20T09:00:05+08:00",
                "ended_at": "2026-11-20T09:02:00+08:00",
                "agent": "a1",
                "csat": 80,
            },
            {"call_id": "r2", "queue": q, "offered_at": "2026-11-20T09:10:00+08:00"},
            {"call_id": "r3", "queue": "nope", "offered_at": "2026-11-20T09:10:00+08:00"},
        ],
        "call-events": [
            {
                "call_id": "r4",
                "queue": q,
                "event": "answered",
                "at": "2026-11-20T01:00:10Z",
                "agent": "a2",
            },
            {"call_id": "r4", "queue": q, "event": "offered", "at": "2026-11-20T01:00:00Z"},
            {"call_id": "r4", "queue": q, "event": "bogus", "at": "2026-11-20T01:00:00Z"},
        ],
        "agent-events": [
            {"agent": "a1", "state": "available", "at": "2026-11-20T01:00:00Z", "queues": [q]},
            {"agent": "a1", "state": "talking", "at": "2026-11-20T01:00:05Z", "queues": [q]},
        ],
        "tickets": [
            {
                "ticket_id": "t1",
                "queue": q,
                "channel": "chat",
                "created_at": "2026-11-20T01:00:00Z",
            },
            {"ticket_id": "t2", "queue": q, "channel": "fax", "created_at": "2026-11-20T01:00:00Z"},
        ],
    }


def test_replaying_any_batch_leaves_every_table_unchanged(client, tenant, pg):
    batches = mixed_batches(tenant)
    first = {kind: post(client, f"/v1/{kind}", b, tenant).json() for kind, b in batches.items()}
    assert first["calls"]["accepted"] == 2 and len(first["calls"]["rejected"]) == 1
    before = snapshot(pg)
    for kind, batch in batches.items():
        for fmt in ("array", "ndjson"):
            again = post(client, f"/v1/{kind}", batch, tenant, fmt).json()
            assert again["accepted"] == 0, (kind, fmt, again)
            assert again["duplicates"] == first[kind]["accepted"] + first[kind]["duplicates"]
            assert len(again["rejected"]) == len(first[kind]["rejected"])
    assert snapshot(pg) == before


def test_replaying_a_csv_batch_leaves_every_table_unchanged(client, tenant, pg):
    batch = mixed_batches(tenant)["calls"]
    first = post(client, "/v1/calls", batch, tenant, "csv").json()
    before = snapshot(pg)
    again = post(client, "/v1/calls", batch, tenant, "csv").json()
    assert (again["accepted"], again["duplicates"]) == (0, first["accepted"])
    assert again["rejected"] == first["rejected"]
    assert snapshot(pg) == before


def test_null_never_erases_and_later_values_correct(client, tenant, pg):
    q = tenant.queue
    post(
        client,
        "/v1/calls",
        [
            {
                "call_id": "n1",
                "queue": q,
                "offered_at": "2026-11-20T01:00:00Z",
                "answered_at": "2026-11-20T01:00:09Z",
                "csat": 70,
                "transferred": True,
                "agent": "a9",
            }
        ],
        tenant,
    )
    partial = {
        "call_id": "n1",
        "queue": q,
        "offered_at": "2026-11-20T01:00:00Z",
        "answered_at": None,
        "csat": None,
        "ended_at": "2026-11-20T01:03:00Z",
    }
    assert post(client, "/v1/calls", [partial], tenant).json()["accepted"] == 1
    fix = {
        "call_id": "n1",
        "queue": q,
        "offered_at": "2026-11-20T01:00:00Z",
        "csat": 95,
        "transferred": False,
    }
    assert post(client, "/v1/calls", [fix], tenant).json()["accepted"] == 1
    row = pg.execute(
        "SELECT answered_at, ended_at, csat, transferred, agent_id IS NOT NULL"
        " FROM calls WHERE call_id = 'n1'"
        " AND client_id = (SELECT id FROM clients WHERE code = %s)",  # ids repeat across tenants
        [tenant.client],
    ).fetchone()
    assert row[0] == datetime(2026, 11, 20, 1, 0, 9, tzinfo=UTC)
    assert row[1] == datetime(2026, 11, 20, 1, 3, tzinfo=UTC)
    assert row[2:] == (95, False, True)


def test_corrected_offered_at_moves_the_call_and_logs_both_intervals(client, tenant, pg):
    q = tenant.queue
    post(
        client,
        "/v1/calls",
        [{"call_id": "mv", "queue": q, "offered_at": "2026-10-31T23:59:00Z"}],
        tenant,
    )
    moved = {"call_id": "mv", "queue": q, "offered_at": "2026-11-01T00:01:00Z"}
    assert post(client, "/v1/calls", [moved], tenant).json()["accepted"] == 1
    # Read from the partition itself: on Citus `tableoid` names the shard of the partition.
    rows = [
        pg.execute(
            f"SELECT offered_at FROM {table} WHERE call_id = 'mv'"
            " AND client_id = (SELECT id FROM clients WHERE code = %s)",
            [tenant.client],
        ).fetchall()
        for table in ("calls", "calls_p202611")
    ]
    assert rows == [[(datetime(2026, 11, 1, 0, 1, tzinfo=UTC),)]] * 2
    key = pg.execute(
        "SELECT k.offered_at FROM call_keys k JOIN clients c ON c.id = k.client_id"
        " WHERE c.code = %s AND k.call_id = 'mv'",
        [tenant.client],
    ).fetchone()
    assert key[0] == rows[0][0][0]
    changes = pg.execute(  # the tenant's only call
        "SELECT interval_start, sign, offered_at FROM stats_changes d JOIN clients c"
        " ON c.id = d.client_id WHERE c.code = %s ORDER BY 1, 2",
        [tenant.client],
    ).fetchall()
    assert changes == [
        (
            datetime(2026, 10, 31, 23, 45, tzinfo=UTC),
            -1,
            datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
        ),
        (datetime(2026, 10, 31, 23, 45, tzinfo=UTC), 1, datetime(2026, 10, 31, 23, 59, tzinfo=UTC)),
        (datetime(2026, 11, 1, 0, 0, tzinfo=UTC), 1, datetime(2026, 11, 1, 0, 1, tzinfo=UTC)),
    ]


def test_record_from_1999_lands_in_a_partition_made_on_demand(client, tenant, pg, database):
    ticket = {
        "ticket_id": "old",
        "queue": tenant.queue,
        "channel": "email",
        "created_at": "1999-02-01T10:00:00+02:00",
    }
    [refused] = post(client, "/v1/tickets", [ticket], tenant).json()["rejected"]
    assert "older than the accepted window" in refused["errors"][0]
    vendor_id = pg.execute("SELECT id FROM vendors WHERE code = %s", [tenant.vendor]).fetchone()[0]
    service = IngestService(database, PartitionManager(database.engine), client.app.state.settings)
    result = service.ingest("tickets", vendor_id, [RawRecord(0, ticket)], max_age_days=15_000)
    assert result.accepted == 1
    # Read from the partition itself: on Citus `tableoid` names the shard of the partition.
    found = pg.execute("SELECT count(*) FROM tickets_p199902 WHERE ticket_id = 'old'")
    assert found.fetchone()[0] == 1


EVENT_TIMES = {"offered": 0, "answered": 25, "ended": 200, "acw_done": 230}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.permutations(list(EVENT_TIMES)), seed=st.integers(0, 10**6), split=st.integers(1, 4)
)
def test_call_events_in_any_order_and_batching_give_the_same_row(
    client, database, pg, order, seed, split
):
    tenant = make_tenant(database)
    base = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    events = [
        {
            "call_id": "perm",
            "queue": tenant.queue,
            "event": e,
            "at": (base + timedelta(seconds=EVENT_TIMES[e])).isoformat(),
            **({"agent": "a7"} if e == "answered" else {}),
            **({"hold_s": 15, "resolved": True} if e == "ended" else {}),
        }
        for e in order
    ]
    random.Random(seed).shuffle(events)
    for i in range(0, len(events), split):
        assert not post(client, "/v1/call-events", events[i : i + split], tenant).json()["rejected"]
    row = pg.execute(
        "SELECT offered_at, offered_known, answered_at, ended_at, acw_done_at, hold_s, resolved"
        " FROM calls c JOIN clients k ON k.id = c.client_id WHERE k.code = %s",
        [tenant.client],
    ).fetchall()
    assert row == [
        (
            base,
            True,
            base + timedelta(seconds=25),
            base + timedelta(seconds=200),
            base + timedelta(seconds=230),
            15,
            True,
        )
    ]
    again = post(client, "/v1/call-events", events, tenant).json()
    assert again["duplicates"] == len(events) and again["accepted"] == 0


def test_concurrent_writers_of_the_same_new_calls_keep_one_row_each(client, tenant, pg):
    calls = [
        {
            "call_id": f"race-{i}",
            "queue": tenant.queue,
            "offered_at": "2026-11-20T01:00:00Z",
            "csat": i % 100,
        }
        for i in range(300)
    ]
    results = []

    def push(batch):
        results.append(post(client, "/v1/calls", batch, tenant).json())

    threads = [
        threading.Thread(target=push, args=(random.sample(calls, len(calls)),)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["accepted"] for r in results) == 300
    assert sum(r["duplicates"] for r in results) == 900
    count = pg.execute(
        "SELECT count(*), count(DISTINCT call_id) FROM calls c JOIN clients k"
        " ON k.id = c.client_id WHERE k.code = %s",
        [tenant.client],
    ).fetchone()
    assert count == (300, 300)
