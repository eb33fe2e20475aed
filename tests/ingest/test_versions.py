"""`version` on records of at-least-once feeds: an older record is a duplicate, never an
overwrite; equal or newer merges; none merges and never lowers the stored version."""

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.schemas import CallRecord
from tests.factories import cdr, make_tenant, post

OFFERED = "2026-11-20T09:00:00+08:00"
ROWS = {  # kind: (path, the columns a test compares, the query of the tenant's one row)
    "calls": ("/v1/calls", "ended_at, disposition, csat, exit_reason, version", "calls"),
    "call-events": ("/v1/call-events", "ended_at, hold_s, csat, version", "calls"),
    "tickets": ("/v1/tickets", "first_response_at, priority, csat, version", "tickets"),
}


def stored(pg, tenant, kind: str) -> list[tuple]:
    """Return the compared columns of the tenant's rows of `kind`'s table."""
    _, columns, table = ROWS[kind]
    return pg.execute(
        f"SELECT {columns} FROM {table} t JOIN clients k ON k.id = t.client_id WHERE k.code = %s",
        [tenant.client],
    ).fetchall()


def record(kind: str, tenant, n: int) -> dict:
    """Return version `n` of the one record of `kind`: each version says something else."""
    at = f"2026-11-20T09:0{n}:00+08:00"
    if kind == "calls":
        call = cdr("v1", tenant.queue, OFFERED, gave_up_after=60 * n, disposition=f"d{n}")
        return call | {"csat": 10 * n, "exit_reason": ("timeout", "abandoned")[n % 2]}
    if kind == "call-events":
        event = {"call_id": "v1", "queue": tenant.queue, "event": "ended", "at": at}
        return event | {"hold_s": n, "csat": 10 * n}
    ticket = {"ticket_id": "t1", "queue": tenant.queue, "channel": "email"}
    ticket |= {"created_at": OFFERED, "first_response_at": at}
    return ticket | {"priority": f"p{n}", "csat": 10 * n}


def versioned(kind: str, tenant, n: int, version) -> dict:
    """Return version `n` of the record carrying `version`."""
    return record(kind, tenant, n) | {"version": version}


def said(pg, tenant, kind: str) -> tuple[int, Decimal]:
    """Return which numbered record the stored row says (its csat / 10) and its version."""
    [row] = stored(pg, tenant, kind)
    return int(row[2] / 10), row[-1]


@pytest.mark.parametrize("kind", ROWS)
def test_an_older_version_is_a_duplicate_and_a_newer_one_overwrites(client, tenant, pg, kind):
    path = ROWS[kind][0]
    assert post(client, path, [versioned(kind, tenant, 2, 20)], tenant).json()["accepted"] == 1
    newest = stored(pg, tenant, kind)
    body = post(client, path, [versioned(kind, tenant, 1, 10)], tenant).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (0, 1, [])
    assert stored(pg, tenant, kind) == newest
    # without a version: merges as ever, and leaves the stored version where it was
    assert post(client, path, [record(kind, tenant, 3)], tenant).json()["accepted"] == 1
    assert said(pg, tenant, kind) == (3, 20)
    # an equal version merges; a newer one too; a replay of it is a duplicate
    assert post(client, path, [versioned(kind, tenant, 4, 20)], tenant).json()["accepted"] == 1
    assert said(pg, tenant, kind) == (4, 20)
    assert post(client, path, [versioned(kind, tenant, 5, 20.5)], tenant).json()["accepted"] == 1
    assert said(pg, tenant, kind) == (5, Decimal("20.5"))
    assert post(client, path, [versioned(kind, tenant, 5, 20.5)], tenant).json()["duplicates"] == 1


def test_timestamps_are_versions_to_the_microsecond_and_in_any_offset(client, tenant, pg):
    newer = versioned("calls", tenant, 2, "2026-11-20T09:00:00.000002+08:00")
    older = versioned("calls", tenant, 1, "2026-11-20T01:00:00.000001Z")
    assert post(client, "/v1/calls", [newer, older], tenant).json()["duplicates"] == 1
    [row] = stored(pg, tenant, "calls")
    assert row[1] == "d2" and row[-1] == Decimal("1795136400.000002")


def test_a_superseded_record_is_not_checked_against_the_stored_call(client, tenant, pg):
    answered = cdr("v1", tenant.queue, OFFERED, wait=5, version=5)
    stale = cdr("v1", tenant.queue, OFFERED, gave_up_after=9, exit_reason="full", version=4)
    body = post(client, "/v1/calls", [answered, stale], tenant).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 1, [])


def test_agent_events_take_versions_too(client, tenant, pg):
    event = {"agent": "ag1", "state": "not_ready", "at": OFFERED, "queues": [tenant.queue]}
    events = [event | {"reason": "lunch", "version": 2}, event | {"reason": "break", "version": 1}]
    assert post(client, "/v1/agent-events", events, tenant).json()["duplicates"] == 1
    assert pg.execute(
        "SELECT reason, version FROM agent_state_changes s JOIN clients k ON k.id = s.client_id"
        " WHERE k.code = %s",
        [tenant.client],
    ).fetchall() == [("lunch", 2)]


@pytest.mark.parametrize(
    ("version", "error"),
    [
        ("soon", "version: must be a number or an RFC 3339 timestamp"),
        ("2026-11-20T09:00:00", "version: a timestamp version needs a UTC offset"),
        (True, "version: must be a number or an RFC 3339 timestamp"),
        (1e30, "version: must be finite and between -1e18 and 1e18, not 1e+30"),
        ("NaN", "version: must be finite and between -1e18 and 1e18, not NaN"),
        ([1], "version: must be a number or an RFC 3339 timestamp"),
    ],
)
def test_a_bad_version_is_rejected_naming_the_field(client, tenant, version, error):
    call = cdr("b1", tenant.queue, OFFERED, gave_up_after=5, version=version)
    [rejected] = post(client, "/v1/calls", [call], tenant).json()["rejected"]
    assert rejected["errors"][0].startswith(error), rejected


def test_a_csv_version_is_read_as_a_number(client, tenant, pg):
    calls = [versioned("calls", tenant, 2, "7"), versioned("calls", tenant, 1, "10")]
    assert post(client, "/v1/calls", calls, tenant, fmt="csv").json()["accepted"] == 2
    [row] = stored(pg, tenant, "calls")
    assert row[1] == "d1" and row[-1] == Decimal(10)  # 10 > 7: numbers, not text


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10**6), split=st.integers(1, 9))
@pytest.mark.parametrize("kind", ROWS)
def test_three_shuffled_replays_converge_to_the_newest_version(
    client, database, pg, kind, seed, split
):
    tenant = make_tenant(database)
    path = ROWS[kind][0]
    records = [versioned(kind, tenant, n, n) for n in (1, 2, 3)] * 3
    random.Random(seed).shuffle(records)
    if kind == "call-events":  # the offered event, without a version, in any place
        offered = {"call_id": "v1", "queue": tenant.queue, "event": "offered", "at": OFFERED}
        records.insert(seed % len(records), offered)
    accepted = duplicates = 0
    for i in range(0, len(records), split):
        body = post(client, path, records[i : i + split], tenant).json()
        assert body["rejected"] == []
        accepted, duplicates = accepted + body["accepted"], duplicates + body["duplicates"]
    assert accepted + duplicates == len(records)
    tenant_newest = make_tenant(database)
    newest = [versioned(kind, tenant_newest, 3, 3)]
    if kind == "call-events":
        newest.append({"call_id": "v1", "queue": tenant_newest.queue, "event": "offered",
                       "at": OFFERED})  # fmt: skip
    assert post(client, path, newest, tenant_newest).json()["accepted"] == len(newest)
    assert stored(pg, tenant, kind) == stored(pg, tenant_newest, kind)


def test_an_adapters_aware_datetime_is_a_version_like_its_text():
    base = {"call_id": "a1", "queue": "q", "offered_at": OFFERED}
    moment = datetime(2026, 11, 20, 9, 0, 0, 1, tzinfo=timezone(timedelta(hours=8)))
    as_object = CallRecord.model_validate(base | {"version": moment}).version
    as_text = CallRecord.model_validate(base | {"version": moment.isoformat()}).version
    assert as_object == as_text == Decimal("1795136400.000001")
