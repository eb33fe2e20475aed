"""Call and ticket stats kept by deltas always equal a full recompute from raw rows.

Inserts, corrections (moving calls across intervals and queues), replays, passes, rebuilds
and settings changes interleave at random; and an ingest commits between a rebuild's
statements on a second connection.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.db import driver_connection
from app.kpi import repository
from app.kpi.aggregation import drain, rebuild, recompute, run_pass
from tests.factories import make_tenant, post
from tests.kpi.helpers import (
    activity,
    client_id,
    full_recompute,
    newest_facts,
    settings_changed,
    stats_snapshot,
)

BASE = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
CHANNELS = ["email", "chat", "web"]


def at(seconds: float) -> str:
    """Return BASE + seconds (to the microsecond) as ISO 8601."""
    return (BASE + timedelta(seconds=seconds)).isoformat()


# One call record: id, offered (s from BASE, microseconds), outcome, queue (0 or 1), agent.
call_records = st.builds(
    lambda n, offered, wait, talk, outcome, queue, agent, csat: {
        "call_id": f"k{n}",
        "queue": queue,
        "offered_at": at(offered),
        **(
            {"answered_at": at(offered + wait), "ended_at": at(offered + wait + talk)}
            if outcome == "answered"
            else {"ended_at": at(offered + wait)}
            if outcome == "abandoned"
            else {}
        ),
        **({"agent": f"a{agent}"} if outcome == "answered" and agent is not None else {}),
        **({"csat": csat} if csat is not None else {}),
    },
    n=st.integers(0, 12),  # few ids: most records correct or replay an earlier one
    offered=st.floats(0, 3 * 3600, allow_nan=False).map(lambda s: round(s, 6)),
    wait=st.floats(0, 90, allow_nan=False).map(lambda s: round(s, 6)),
    talk=st.floats(0, 600, allow_nan=False).map(lambda s: round(s, 6)),
    outcome=st.sampled_from(["answered", "abandoned", "waiting"]),
    queue=st.integers(0, 1),
    agent=st.one_of(st.none(), st.integers(0, 2)),
    csat=st.one_of(st.none(), st.integers(0, 100)),
)
ticket_records = st.builds(
    lambda n, created, responded, resolved, channel, queue: {
        "ticket_id": f"t{n}",
        "queue": queue,
        "channel": channel,
        "created_at": at(created),
        **({"first_response_at": at(created + responded)} if responded is not None else {}),
        **({"resolved_at": at(created + resolved)} if resolved is not None else {}),
    },
    n=st.integers(0, 6),
    created=st.floats(0, 3 * 3600, allow_nan=False).map(lambda s: round(s, 6)),
    responded=st.one_of(st.none(), st.floats(0, 7200, allow_nan=False)),
    resolved=st.one_of(st.none(), st.floats(0, 90000, allow_nan=False)),
    channel=st.sampled_from(CHANNELS),
    queue=st.integers(0, 1),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("calls"), st.lists(call_records, min_size=1, max_size=6)),
        st.tuples(st.just("tickets"), st.lists(ticket_records, min_size=1, max_size=4)),
        st.tuples(st.just("replay"), st.integers(0, 100)),
        st.tuples(st.just("pass"), st.none()),
        st.tuples(st.just("rebuild"), st.integers(0, 11)),
        st.tuples(st.just("settings"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=25,
)


def no_pending(pg, cid: int) -> bool:
    """Tell whether the client has no change row left to apply."""
    return not pg.execute("SELECT 1 FROM stats_changes WHERE client_id = %s", [cid]).fetchone()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_deltas_interleaved_with_passes_and_rebuilds_equal_a_full_recompute(
    client, database, settings, pg, steps
):
    tenant = make_tenant(database)
    queues = [tenant.queue, tenant.shared_queue]
    cid = client_id(pg, tenant.client)
    sent: list[tuple[str, dict]] = []
    for kind, arg in steps:
        if kind in ("calls", "tickets"):
            records = [r | {"queue": queues[r["queue"]]} for r in arg]
            assert post(client, f"/v1/{kind}", records, tenant).status_code == 200
            sent += [(f"/v1/{kind}", r) for r in records]
        elif kind == "replay":  # an earlier record again, maybe out of date by now
            if sent:
                path, record = sent[arg % len(sent)]
                assert post(client, path, [record], tenant).status_code == 200
        elif kind == "pass":
            run_pass(database, settings)
            if no_pending(pg, cid):
                assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)
        elif kind == "rebuild":  # one hour-long slice of the range, or all of it
            start = BASE + timedelta(minutes=15 * arg) if arg else None
            end = start + timedelta(hours=1) if start else None
            rebuild(database, settings, start, end, client_id=cid)
        else:  # a queue's settings changed: its intervals are marked and recomputed
            settings_changed(database, pg, settings, queues[arg])
    drain(database, settings)
    assert no_pending(pg, cid)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)
    noted, facts = activity(pg, cid), newest_facts(pg, cid)
    # Each feed's newest record is noted; a queue a record moved away from keeps its moment.
    assert all(noted[key] >= at for key, at in facts.items())


class CommitsBetweenStatements:
    """A connection that lets another transaction commit before each of its statements."""

    def __init__(self, pg, before_each) -> None:
        self.pg, self.before_each, self.statements = pg, before_each, 0

    def execute(self, *args, **kwargs):
        """Run the hook (another connection's ingest), then the statement."""
        self.before_each(self.statements)
        self.statements += 1
        return self.pg.execute(*args, **kwargs)

    def cursor(self, *args, **kwargs):
        """Run the hook, then return a cursor of the connection (for a COPY: a statement)."""
        self.before_each(self.statements)
        self.statements += 1
        return self.pg.cursor(*args, **kwargs)


def calls_batch(tenant, n: int, offset: int) -> list[dict]:
    """Return `n` answered calls (new ids) and a correction moving c0 to another queue."""
    calls = [
        {
            "call_id": f"c{offset + i}",
            "queue": tenant.queue,
            "offered_at": at(60 * i + 0.123456),
            "answered_at": at(60 * i + 7.654321),
            "ended_at": at(60 * i + 100),
            "agent": f"a{i % 2}",
        }
        for i in range(n)
    ]
    moved = {"call_id": "c0", "queue": tenant.shared_queue, "offered_at": at(-6 * offset)}
    return [*calls, moved]


def test_an_ingest_committing_between_a_rebuilds_statements_is_counted_once(
    client, database, settings, pg, tenant
):
    assert post(client, "/v1/calls", calls_batch(tenant, 20, 0), tenant).status_code == 200
    run_pass(database, settings)
    cid = client_id(pg, tenant.client)

    def ingest(statement: int) -> None:  # a new batch on the HTTP connection, committed
        body = calls_batch(tenant, 5, 100 + 10 * statement)
        answer = post(client, "/v1/calls", body, tenant).json()
        assert answer["accepted"] == 6, (statement, answer)

    minutes = settings.interval_minutes
    with database.session_scope() as session:
        rebuilding = CommitsBetweenStatements(driver_connection(session), ingest)
        repository.lock(driver_connection(session))
        # this client's range only: a rebuild of every client runs statements per client, as
        # many as the session's other tests made clients (and as many ingests here)
        repository.rebuild_range(
            rebuilding,  # type: ignore[arg-type]
            minutes,
            BASE,
            BASE + timedelta(hours=4),
            client_id=cid,
        )
        days = repository.days_in_range(rebuilding, "queue", BASE, BASE + timedelta(hours=4))  # type: ignore[arg-type]
        repository.recompute_days(rebuilding, "queue", days)  # type: ignore[arg-type]
    assert rebuilding.statements >= 3
    assert not no_pending(pg, cid)  # the batches committed after a statement wait for a pass
    drain(database, settings)
    stats = stats_snapshot(pg, cid)
    assert sum(r[5] for r in stats["call_interval_stats"]) == 20 + 5 * rebuilding.statements
    assert stats == full_recompute(pg, database, settings, cid)


def test_an_ingest_committing_between_a_recomputes_statements_is_counted_once(
    client, database, settings, pg, tenant
):
    assert post(client, "/v1/calls", calls_batch(tenant, 20, 0), tenant).status_code == 200
    run_pass(database, settings)
    cid = client_id(pg, tenant.client)
    queue_id = pg.execute("SELECT id FROM queues WHERE code = %s", [tenant.queue]).fetchone()[0]
    grid = [BASE + timedelta(minutes=15 * i) for i in range(-2, 16)]
    markers = [(cid, "queue", queue_id, start) for start in grid]

    def ingest(statement: int) -> None:
        post(client, "/v1/calls", calls_batch(tenant, 3, 200 + 10 * statement), tenant)

    with database.session_scope() as session:
        repository.lock(driver_connection(session))
        recompute(CommitsBetweenStatements(driver_connection(session), ingest), markers, settings)  # type: ignore[arg-type]
    drain(database, settings)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)


def test_a_pass_that_dies_after_applying_changes_leaves_them_to_the_next(
    client, database, settings, pg, tenant
):
    assert post(client, "/v1/calls", calls_batch(tenant, 10, 0), tenant).status_code == 200
    cid = client_id(pg, tenant.client)
    pending = pg.execute("SELECT count(*) FROM stats_changes WHERE client_id = %s", [cid])
    before = pending.fetchone()[0]
    try:
        with database.session_scope() as session:
            repository.lock(driver_connection(session))
            assert repository.apply_changes(driver_connection(session), "queue", 10**9) >= before
            raise RuntimeError("the worker died")
    except RuntimeError:
        pass
    assert stats_snapshot(pg, cid)["call_interval_stats"] == []
    again = pg.execute("SELECT count(*) FROM stats_changes WHERE client_id = %s", [cid])
    assert again.fetchone()[0] == before
    assert run_pass(database, settings).changes >= before
    assert no_pending(pg, cid)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)


def test_a_call_that_moves_away_leaves_no_empty_stats_row(client, database, settings, pg, tenant):
    call = {"call_id": "m", "queue": tenant.queue, "offered_at": at(0), "ended_at": at(30)}
    post(client, "/v1/calls", [call], tenant)
    run_pass(database, settings)
    cid = client_id(pg, tenant.client)
    assert [r[2] for r in stats_snapshot(pg, cid)["call_interval_stats"]] == [BASE]
    post(client, "/v1/calls", [call | {"queue": tenant.shared_queue}], tenant)
    run_pass(database, settings)
    moved = stats_snapshot(pg, cid)
    assert len(moved["call_interval_stats"]) == len(moved["call_day_stats"]) == 1
    assert moved == full_recompute(pg, database, settings, cid)


def test_passes_take_a_bounded_batch_and_drain_takes_the_rest(
    client, database, settings, pg, tenant
):
    assert post(client, "/v1/calls", calls_batch(tenant, 10, 0), tenant).status_code == 200
    cid = client_id(pg, tenant.client)
    small = settings.model_copy(update={"aggregate_batch": 3})
    assert run_pass(database, small).changes <= 3 * len(repository.DELTA_SOURCES)
    drain(database, small)
    assert no_pending(pg, cid)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)
