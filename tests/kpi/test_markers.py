"""Ingest never queues behind a recompute: a pass releases its markers before recomputing."""

import threading
from datetime import UTC, datetime, timedelta

import psycopg

from app.core.db import libpq_url
from app.jobs import timed_pass
from app.kpi import aggregation
from app.kpi import repository as kpi_repository
from app.kpi.aggregation import drain, run_pass
from app.kpi.repository import claim_markers
from tests.factories import post
from tests.kpi.helpers import client_id, full_recompute, stats_snapshot
from tests.waiting import backends_blocked_by, wait_for

OFFERED = datetime(2026, 11, 18, 9, 3, tzinfo=UTC)


def call(call_id: str, queue: str, wait_s: int) -> dict:
    return {
        "call_id": call_id,
        "queue": queue,
        "offered_at": OFFERED.isoformat(),
        "answered_at": (OFFERED + timedelta(seconds=wait_s)).isoformat(),
    }


def test_ingest_into_a_marked_interval_does_not_wait_for_a_recompute(
    client, database, database_url, settings, pg, tenant
):
    assert post(client, "/v1/calls", [call("m1", tenant.queue, 5)], tenant).status_code == 200
    drain(database, settings)  # the interval now has a stats row
    assert post(client, "/v1/calls", [call("m2", tenant.queue, 9)], tenant).status_code == 200
    cid = client_id(pg, tenant.client)
    # Hold the interval's stats row, so the next pass stalls in its recompute after it has
    # taken the interval's marker.
    with psycopg.connect(libpq_url(database_url)) as holder:
        holder.execute(
            "SELECT 1 FROM call_interval_stats WHERE client_id = %s FOR UPDATE", [cid]
        ).fetchall()
        holder_pid = holder.info.backend_pid
        aggregator = threading.Thread(target=run_pass, args=(database, settings))
        aggregator.start()
        [pass_pid] = wait_for(lambda: backends_blocked_by(pg, holder_pid), "the pass to stall")
        answers: list = []
        ingest = threading.Thread(
            target=lambda: answers.append(
                post(client, "/v1/calls", [call("m3", tenant.queue, 30)], tenant)
            )
        )
        ingest.start()
        outcome = wait_for(
            lambda: "answered" if answers else "blocked" * bool(backends_blocked_by(pg, pass_pid)),
            "the ingest to answer or to block",
        )
        # The pass was recomputing all along (on Citus it waits on a worker: citus_lock_waits).
        assert backends_blocked_by(pg, holder_pid) == [pass_pid]
        holder.rollback()
        ingest.join()
        aggregator.join()
    assert outcome == "answered", "the ingest waited for the pass's recompute"
    assert answers[0].json()["accepted"] == 1
    drain(database, settings)
    stats = stats_snapshot(pg, cid)
    assert sum(row[5] for row in stats["call_interval_stats"]) == 3  # answered
    assert stats == full_recompute(pg, database, settings, cid)


def test_a_pass_that_dies_mid_recompute_leaves_its_intervals_to_the_next(
    client, database, database_url, settings, pg, tenant
):
    assert post(client, "/v1/calls", [call("d1", tenant.queue, 5)], tenant).status_code == 200
    drain(database, settings)
    assert post(client, "/v1/calls", [call("d2", tenant.queue, 9)], tenant).status_code == 200
    cid = client_id(pg, tenant.client)
    failures: list[BaseException] = []

    def aggregate() -> None:
        try:
            run_pass(database, settings)
        except Exception as exc:  # the killed pass's error, checked below
            failures.append(exc)

    with psycopg.connect(libpq_url(database_url)) as holder:
        holder.execute(
            "SELECT 1 FROM call_interval_stats WHERE client_id = %s FOR UPDATE", [cid]
        ).fetchall()
        aggregator = threading.Thread(target=aggregate)
        aggregator.start()
        [pass_pid] = wait_for(
            lambda: backends_blocked_by(pg, holder.info.backend_pid), "the pass to stall"
        )
        pg.execute("SELECT pg_terminate_backend(%s::int)", [pass_pid])
        aggregator.join()
    assert failures, "the pass should have died with its connection"
    drain(database, settings)
    stats = stats_snapshot(pg, cid)
    assert sum(row[5] for row in stats["call_interval_stats"]) == 2  # answered
    assert stats == full_recompute(pg, database, settings, cid)


def test_a_scheduled_pass_claims_at_most_its_share_of_markers(
    client, database, settings, pg, tenant, monkeypatch
):
    """A scheduled pass claims at most `aggregate_pass_markers` marked intervals (a drain a
    batch), and passes so cut end with the stats a full recompute makes. The limit is read
    where each pass is asked for it: another aggregator of the session's database (another
    test process's drain, a worker thread of another test) may take the markers first, so
    what a pass claims is bounded, not counted (that would race)."""
    start = OFFERED - timedelta(hours=3)
    events = [
        {
            "agent": f"p{agent}",
            "state": state,
            "queues": [tenant.queue],
            "at": (start + timedelta(minutes=agent + 20 * step)).isoformat(),
        }
        for agent in range(6)
        for step, state in enumerate(("available", "talking", "acw", "not_ready", "logged_out"))
    ]
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == len(events)
    asked: list[int | None] = []
    claimed: list[tuple[int, int]] = []

    def pass_noting(database, settings, wait=False, most=None):
        asked.append(most)
        return run_pass(database, settings, wait, most)

    here = threading.get_ident()

    def claim_noting(pg, limit, client_ids):
        taken = claim_markers(pg, limit, client_ids)
        if threading.get_ident() == here:  # not a pass another test left running here
            claimed.append((limit, taken))
        return taken

    monkeypatch.setattr(aggregation, "run_pass", pass_noting)
    monkeypatch.setattr(kpi_repository, "claim_markers", claim_noting)
    few = settings.model_copy(update={"aggregate_pass_markers": 4})
    for _ in range(3):
        timed_pass(database, few)
    # Each pass claims at most its share (fewer where another aggregator claimed them first).
    # What it recomputes can be more: claims another pass committed and had not yet taken
    # when this one locked the client are taken too, so they are recomputed once.
    assert asked == [4, 4, 4]
    assert all(limit == 4 and taken <= 4 for limit, taken in claimed), claimed
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)
