"""The incremental aggregation pass: apply logged changes, recompute what was marked.

Exact under concurrent ingest (DESIGN §8; "stats always equal a full recomputation" is the
rule, its §8 design a suggestion). Call and ticket stats are kept by deltas: the ingest
logs each changed fact row in `stats_changes` (old row -1, new row +1) with the facts, and
a pass adds the components of every committed change row to the interval and day stats
in one statement, so it costs in proportion to the rows changed since the last pass, not
to the size of the interval (`repository.apply_changes`). Agent state seconds, and
intervals marked for a rebuild (a queue's settings changed), are recomputed from raw rows:
markers are taken with `FOR UPDATE SKIP LOCKED`, so one an ingest transaction still holds
is left for the next pass. A pass runs in two transactions: the first moves the markers it
takes to `claimed_intervals` and commits at once, so ingest never queues behind a
recompute; the second applies the changes, recomputes the claimed intervals (absorbing
their change rows in the same snapshot) and deletes the claims in the same commit, so a
pass that dies leaves its changes and claims to the next. A pass claims clients (about a
batch of their work), each by its own advisory lock, for both transactions: workers split
the clients, and one client's stats have one writer at a time. Run every
`CALLPULSE_AGGREGATE_EVERY_S` by the scheduler.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from psycopg import Connection

from app.core.changes import STATS, announce
from app.core.config import Settings
from app.core.db import Database, driver_connection, in_background
from app.kpi import repository
from app.kpi.intervals import grid_floor


@dataclass
class PassReport:
    """What one pass did: change rows applied, markers taken, intervals recomputed; and
    how many clients with work it left for want of room."""

    locked: bool = True
    changes: int = 0
    markers: int = 0
    recomputed: dict[str, int] = field(default_factory=dict)
    clients_left: int = 0


def run_pass(
    database: Database, settings: Settings, wait: bool = False, most: int | None = None
) -> PassReport:
    """Claim clients and at most `most` of their markers (a batch by default), commit;
    apply the clients' changes, recompute their claims, commit.

    Each client is claimed by its own advisory lock (`repository.claim_clients`), so several
    workers split the clients and never write one client's stats at once; the aggregation
    lock is only taken shared, so a rebuild still excludes every pass. With `wait`, locks
    held elsewhere are waited for instead of skipped.
    """
    with database.session_scope() as session:
        pg = driver_connection(session)
        in_background(pg)
        if not repository.share_lock(pg, wait):
            return PassReport(locked=False)
        clients, left = repository.claim_clients(pg, settings.aggregate_batch, wait)
        if not clients:
            return PassReport(clients_left=left)
        repository.claim_markers(pg, most or settings.aggregate_batch, clients)
    with database.session_scope() as session:
        pg = driver_connection(session)
        repository.share_lock(pg, wait=True)
        clients = repository.relock_clients(pg, clients, wait)  # a worker may have slipped in
        in_background(pg)
        changes = sum(
            repository.apply_changes(pg, subject, settings.aggregate_batch, clients)
            for subject in repository.DELTA_SOURCES
        )
        repository.forget_old_minutes(pg, clients)
        markers = repository.take_claims(pg, clients)
        if changes or markers:
            announce(pg, STATS, clients)  # wallboards redraw at the commit
        return PassReport(
            changes=changes,
            markers=len(markers),
            recomputed=recompute(pg, markers, settings),
            clients_left=left,
        )


def recompute(
    pg: Connection, markers: list[repository.Marker], settings: Settings
) -> dict[str, int]:
    """Recompute the stats of every marked interval and of its local day; count per subject."""
    by_subject: dict[str, set[tuple[int, int, datetime]]] = defaultdict(set)
    for client_id, subject, subject_id, interval_start in markers:
        by_subject[subject].add((client_id, subject_id, interval_start))
    minutes, stale = settings.interval_minutes, settings.agent_stale_after_s
    calls, tickets = sorted(by_subject["queue"]), sorted(by_subject["ticket_queue"])
    agents = repository.expand_agent_markers(pg, sorted(by_subject["agent"]), minutes, stale)
    repository.recompute_calls(pg, calls, minutes)
    repository.recompute_tickets(pg, tickets, minutes)
    repository.recompute_agents(pg, agents, minutes, stale)
    repository.recompute_days(pg, "queue", repository.local_days(pg, "queue", calls))
    repository.recompute_days(pg, "agent", repository.local_days(pg, "agent", agents))
    return {"queue": len(calls), "ticket_queue": len(tickets), "agent": len(agents)}


def drain(
    database: Database,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
    wait: bool = False,
) -> PassReport:
    """Run passes until no marker or change row is left (for `callpulse aggregate` and
    rebuilds): a pass that took fewer than a batch of each found the end."""
    total = PassReport()
    while True:
        report = run_pass(database, settings, wait)
        if not report.locked:
            return report
        if progress:
            progress(report.markers)
        total.changes += report.changes
        total.markers += report.markers
        for subject, count in report.recomputed.items():
            total.recomputed[subject] = total.recomputed.get(subject, 0) + count
        total.clients_left = report.clients_left
        if (
            report.markers < settings.aggregate_batch
            and report.changes < settings.aggregate_batch
            and not report.clients_left
        ):
            return total


REBUILD_SLICE = timedelta(days=7)


def rebuild(
    database: Database,
    settings: Settings,
    start: datetime | None = None,
    end: datetime | None = None,
    queue_id: int | None = None,
    client_id: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Recompute every interval of `[start, end)` in bulk, a week per transaction.

    Then the local days those intervals fall in (a day cut by a slice's edge is recomputed
    again with the next slice, from final interval stats).

    Defaults to the whole history. Holds the aggregation lock per slice, so scheduled
    passes wait rather than interleave; markers written meanwhile are handled after.
    Returns the number of slices.
    """
    minutes, stale = settings.interval_minutes, settings.agent_stale_after_s
    with database.session_scope() as session:
        found = repository.fact_range(driver_connection(session), client_id)
    if found is None and (start is None or end is None):
        return 0
    lo = grid_floor(start or found[0], minutes)  # type: ignore[index]
    last = end - timedelta(microseconds=1) if end else found[1]  # type: ignore[index]
    hi = grid_floor(last, minutes) + timedelta(minutes=minutes)
    slices = 0
    cursor = lo
    while cursor < hi:
        until = min(cursor + REBUILD_SLICE, hi)
        with database.session_scope() as session:
            pg = driver_connection(session)
            repository.lock(pg)
            repository.rebuild_range(pg, minutes, cursor, until, queue_id, client_id)
            if queue_id is None:
                touched = repository.agent_intervals(pg, minutes, cursor, until, client_id)
                agents = repository.expand_agent_markers(pg, touched, minutes, stale)
                repository.recompute_agents(pg, agents, minutes, stale)
            for subject in ("queue", "agent") if queue_id is None else ("queue",):
                touched_days = repository.days_in_range(
                    pg, subject, cursor, until, queue_id, client_id
                )
                repository.recompute_days(pg, subject, touched_days)
        slices += 1
        if progress:
            progress((until - cursor) / (hi - lo))
        cursor = until
    return slices


def rebuild_day_stats(pg: Connection, client_ids: list[int]) -> None:
    """Recompute the clients' day stats from their interval stats (after a timezone change).

    Waits for the aggregation lock, so no pass writes day stats in the old zone meanwhile.
    """
    repository.lock(pg)
    for client_id in client_ids:
        repository.rebuild_client_days(pg, client_id)


def mark_queues_for_rebuild(pg: Connection, minutes: int, queue_ids: list[int]) -> int:
    """Mark every interval of these queues for the next passes; return how many were marked."""
    return sum(
        repository.mark_for_rebuild(pg, minutes, queue_id=queue_id) for queue_id in queue_ids
    )


def mark_open_agents(database: Database, settings: Settings) -> int:
    """Mark agents' current intervals so open states keep counting as time passes."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        return repository.mark_open_agent_intervals(
            pg, settings.interval_minutes, settings.agent_stale_after_s
        )
