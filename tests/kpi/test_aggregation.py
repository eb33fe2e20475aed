"""Stats after incremental passes always equal a full recompute from raw rows."""

import random
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.vocabulary import ANSWERED_EXIT, BLOCKED_EXITS, EXIT_REASONS, OVERFLOW_EXITS
from app.kpi.aggregation import drain, run_pass
from app.kpi.definitions import CALL_COMPONENTS
from app.kpi.sources import exit_component
from tests.factories import make_tenant, post
from tests.kpi.helpers import (
    client_id,
    full_recompute,
    raw_calls,
    reference_components,
    stats_snapshot,
)

BASE = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)  # 07:30 in Shanghai: a day of traffic
# 23:30 in Berlin the night summer time ends: four hours over local midnight, the 25-hour
# day 2026-10-25 and both passes of its repeated hour 02:00–03:00.
BERLIN_BASE = datetime(2026, 10, 24, 21, 30, tzinfo=UTC)

LEFT = "left by "  # an outcome `left by full`: ended unanswered with that exit_reason
outcomes = st.one_of(
    st.tuples(st.just("answered"), st.integers(0, 120), st.integers(1, 900)),
    st.tuples(st.just("abandoned"), st.integers(0, 300), st.just(0)),
    st.tuples(st.just("waiting"), st.just(0), st.just(0)),
    # left unanswered by an exit reason (abandoned stated, overflowed, blocked, callback)
    st.tuples(
        st.sampled_from([LEFT + r for r in EXIT_REASONS if r != ANSWERED_EXIT]),
        st.integers(0, 300),
        st.just(0),
    ),
)
calls_strategy = st.lists(
    st.tuples(
        st.integers(0, 4 * 3600),
        outcomes,
        st.sampled_from(["cdr", "events"]),
        st.one_of(st.none(), st.integers(0, 100)),
    ),
    min_size=1,
    max_size=40,
)


def records_for(
    queue: str, i: int, offset: int, outcome, style: str, csat, base: datetime = BASE
) -> list[tuple]:
    """Return (path, record) pairs that describe one call as a CDR or as events."""
    kind, wait, talk = outcome
    offered = base + timedelta(seconds=offset)
    end = offered + timedelta(seconds=wait + talk)
    call_id = f"p{i}"
    if style == "cdr":
        record = {"call_id": call_id, "queue": queue, "offered_at": offered.isoformat()}
        if kind == "answered":
            record |= {
                "answered_at": (offered + timedelta(seconds=wait)).isoformat(),
                "ended_at": end.isoformat(),
                "agent": f"a{i % 3}",
            }
        if kind == "abandoned":
            record["ended_at"] = end.isoformat()
        if kind.startswith(LEFT):
            record |= {"ended_at": end.isoformat(), "exit_reason": kind.removeprefix(LEFT)}
        if csat is not None:
            record["csat"] = csat
        return [("/v1/calls", record)]
    events = [
        (
            "/v1/call-events",
            {"call_id": call_id, "queue": queue, "event": "offered", "at": offered.isoformat()},
        )
    ]
    if kind == "answered":
        events += [
            (
                "/v1/call-events",
                {
                    "call_id": call_id,
                    "queue": queue,
                    "event": "answered",
                    "at": (offered + timedelta(seconds=wait)).isoformat(),
                    "agent": f"a{i % 3}",
                },
            ),
            (
                "/v1/call-events",
                {
                    "call_id": call_id,
                    "queue": queue,
                    "event": "ended",
                    "at": end.isoformat(),
                    **({"csat": csat} if csat is not None else {}),
                },
            ),
        ]
    if kind == "abandoned":
        events.append(
            (
                "/v1/call-events",
                {"call_id": call_id, "queue": queue, "event": "abandoned", "at": end.isoformat()},
            )
        )
    if kind.startswith(LEFT):
        events.append(
            (
                "/v1/call-events",
                {
                    "call_id": call_id,
                    "queue": queue,
                    "event": "ended",
                    "at": end.isoformat(),
                    "exit_reason": kind.removeprefix(LEFT),
                },
            )
        )
    return events


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    calls=calls_strategy,
    seed=st.integers(0, 2**32),
    batch=st.integers(1, 12),
    pass_every=st.integers(1, 4),
    moves=st.integers(0, 3),
    berlin=st.booleans(),
)
def test_incremental_equals_full_recompute_and_reference(
    client, database, settings, pg, calls, seed, batch, pass_every, moves, berlin
):
    tenant = make_tenant(database)
    queue, client_code = tenant.queue, tenant.client
    base, zone = BASE, ZoneInfo("Asia/Shanghai")
    if berlin:  # the other client's queue, in Europe/Berlin across the end of summer time
        queue, client_code = tenant.foreign_queue, tenant.other_client
        base, zone = BERLIN_BASE, ZoneInfo("Europe/Berlin")
    rng = random.Random(seed)
    items = [r for i, c in enumerate(calls) for r in records_for(queue, i, *c, base=base)]
    rng.shuffle(items)  # arrival order does not matter
    items += rng.sample(items, k=min(len(items), 5))  # replays
    for i in range(min(moves, len(calls))):  # late corrections move calls between intervals
        moved = base - timedelta(hours=10 * (i % 2), minutes=20 + i)  # odd ones to the day before
        items.append(
            (
                "/v1/calls",
                {"call_id": f"p{i}", "queue": queue, "offered_at": moved.isoformat()},
            )
        )
    for n, start in enumerate(range(0, len(items), batch)):
        for path in ("/v1/calls", "/v1/call-events"):
            chunk = [r for p, r in items[start : start + batch] if p == path]
            if chunk:
                post(client, path, chunk, tenant)
        if n % pass_every == 0:
            run_pass(database, settings)
    drain(database, settings)
    cid = client_id(pg, client_code)
    incremental = stats_snapshot(pg, cid)
    assert incremental == full_recompute(pg, database, settings, cid)
    assert_day_stats_sum_intervals(incremental, zone)
    assert_day_stats_match_reference(pg, incremental, cid, zone)
    if berlin:
        return
    # the day's rollup from the API equals a direct computation over the raw rows
    day = datetime(2026, 11, 20, tzinfo=ZoneInfo("Asia/Shanghai"))
    expected = reference_components(
        raw_calls(pg, cid, day - timedelta(days=1), day + timedelta(days=1)), 20, 0
    )
    rows = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "from": "2026-11-19",
            "to": "2026-11-21",
            "granularity": "day",
        },
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    got = {
        k: sum(r[k] for r in rows)
        for k in ("answered", "abandoned", "handled", "answered_within_threshold")
    }
    assert got == {k: expected[k] for k in got}
    asa = [r["asa_s"] * r["answered"] for r in rows if r["asa_s"] is not None]
    assert sum(asa) == pytest.approx(expected["wait_answered_s"])


def assert_day_stats_sum_intervals(snapshot: dict[str, list[tuple]], zone: ZoneInfo) -> None:
    """Day stats are the interval stats summed per local day of the interval's start."""
    for interval_table, day_table, keys in (
        ("call_interval_stats", "call_day_stats", (1, 3, 4)),
        ("agent_interval_stats", "agent_day_stats", (1,)),
    ):
        summed: dict[tuple, list] = {}
        for row in snapshot[interval_table]:
            key = (row[0], *(row[k] for k in keys[:1]), row[2].astimezone(zone).date())
            key += tuple(row[k] for k in keys[1:])
            values = summed.setdefault(key, [0] * (len(row) - 2 - len(keys)))
            for n, value in enumerate(row[2 + len(keys) :]):
                values[n] += value
        assert snapshot[day_table] == [(*key, *values) for key, values in sorted(summed.items())]


def assert_day_stats_match_reference(
    pg, snapshot: dict[str, list[tuple]], cid: int, zone: ZoneInfo
) -> None:
    """Each local day's call stats equal a plain-Python computation over that day's calls."""
    by_day: dict = {}
    for row in snapshot["call_day_stats"]:  # client, queue, day, agent, vendor, components
        sums = by_day.setdefault(row[2], dict.fromkeys(CALL_COMPONENTS, 0))
        for name, value in zip(CALL_COMPONENTS, row[5:], strict=True):
            sums[name] += float(value)
    calls = raw_calls(pg, cid, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    days = {r["offered_at"].astimezone(zone).date() for r in calls}
    checked = ("answered", "abandoned", "short_abandoned", "answered_within_threshold")
    checked += ("abandoned_within_threshold", "handled", "wait_answered_s", "talk_s")
    checked += ("received", "overflowed", "blocked", "callbacks")
    checked += tuple(exit_component(r) for r in (*OVERFLOW_EXITS, *BLOCKED_EXITS))
    for day in days:
        expected = reference_components(
            [r for r in calls if r["offered_at"].astimezone(zone).date() == day], 20, 0
        )
        got = by_day.get(day, dict.fromkeys(CALL_COMPONENTS, 0))
        assert {k: got[k] for k in checked} == pytest.approx({k: expected[k] for k in checked})
    assert set(by_day) <= days


def test_timezone_change_rebuilds_day_stats(client, database, settings, pg, tenant):
    calls = [
        {
            "call_id": f"z{i}",
            "queue": tenant.queue,
            "offered_at": (BASE + timedelta(hours=3 * i)).isoformat(),
            "answered_at": (BASE + timedelta(hours=3 * i, seconds=9)).isoformat(),
        }
        for i in range(8)
    ]
    post(client, "/v1/calls", calls, tenant)
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    before = stats_snapshot(pg, cid)
    spec = {"clients": [{"code": tenant.client, "name": "Client", "timezone": "America/New_York"}]}
    with database.session_scope() as session:
        applied = apply_tenancy(session, TenancyFile.model_validate(spec))
    assert applied.retimed_client_ids == [cid]
    after = stats_snapshot(pg, cid)
    assert after["call_interval_stats"] == before["call_interval_stats"]
    assert after["call_day_stats"] != before["call_day_stats"]
    assert_day_stats_sum_intervals(after, ZoneInfo("America/New_York"))
    assert after == full_recompute(pg, database, settings, cid)


def test_concurrent_ingest_during_passes_stays_exact(client, database, settings, pg, tenant):
    stop = threading.Event()

    def aggregate_continuously():
        while not stop.is_set():
            run_pass(database, settings)

    worker = threading.Thread(target=aggregate_continuously)
    worker.start()
    rng = random.Random(5)
    try:

        def push(first):
            for start in range(first, first + 400, 40):
                batch = []
                for i in range(start, start + 40):
                    offered = BASE + timedelta(seconds=rng.randrange(3 * 3600))
                    batch.append(
                        {
                            "call_id": f"c{i}",
                            "queue": tenant.queue,
                            "offered_at": offered.isoformat(),
                            "answered_at": (offered + timedelta(seconds=i % 50)).isoformat(),
                        }
                    )
                post(client, "/v1/calls", batch, tenant)

        writers = [threading.Thread(target=push, args=(n * 1000,)) for n in range(3)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
    finally:
        stop.set()
        worker.join()
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    incremental = stats_snapshot(pg, cid)
    assert sum(r[5] for r in incremental["call_interval_stats"]) == 1200  # answered
    assert incremental == full_recompute(pg, database, settings, cid)
