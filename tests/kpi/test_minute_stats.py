"""Minute stats: the last hour's calls per minute, kept like the interval stats, and the
rolling windows the live view reads from them equal to the raw calls of the window.

Inserts, corrections (moves across minutes and queues), replays, passes, rebuilds and
settings changes interleave at random over the last 40 minutes.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kpi import queries
from app.kpi.aggregation import drain, rebuild, run_pass
from app.kpi.sources import CALLS, SL_COMPONENTS
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, full_recompute, settings_changed, stats_snapshot

SPAN_S = 40 * 60  # the calls' offered times: the last 40 minutes


def at(base: datetime, seconds: float) -> str:
    return (base + timedelta(seconds=seconds)).isoformat()


call_records = st.builds(
    lambda n, offered, wait, talk, outcome, queue: {
        "call_id": f"m{n}",
        "queue": queue,
        "offered_s": offered,
        "wait_s": wait,
        "talk_s": talk,
        "outcome": outcome,
    },
    n=st.integers(0, 12),  # few ids: most records correct or replay an earlier one
    offered=st.floats(0, SPAN_S, allow_nan=False).map(lambda s: round(s, 6)),
    wait=st.floats(0, 60, allow_nan=False).map(lambda s: round(s, 6)),
    talk=st.floats(0, 300, allow_nan=False).map(lambda s: round(s, 6)),
    outcome=st.sampled_from(["answered", "abandoned", "closed", "full", "waiting"]),
    queue=st.integers(0, 1),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("calls"), st.lists(call_records, min_size=1, max_size=6)),
        st.tuples(st.just("replay"), st.integers(0, 100)),
        st.tuples(st.just("pass"), st.none()),
        st.tuples(st.just("rebuild"), st.none()),
        st.tuples(st.just("settings"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=20,
)


def record(base: datetime, r: dict, queues: list[str]) -> dict:
    """Return the CDR of a generated call, offered `offered_s` after `base`."""
    offered, end = r["offered_s"], r["offered_s"] + r["wait_s"]
    call = {"call_id": r["call_id"], "queue": queues[r["queue"]], "offered_at": at(base, offered)}
    if r["outcome"] == "answered":
        return call | {"answered_at": at(base, end), "ended_at": at(base, end + r["talk_s"])}
    if r["outcome"] == "waiting":
        return call
    exit_reason = {"abandoned": {}, "closed": {"exit_reason": "closed"}}
    return (
        call | {"ended_at": at(base, end)} | exit_reason.get(r["outcome"], {"exit_reason": "full"})
    )


def nonzero(sums: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Return the queues whose sums are not all zero (a queue with only calls that count
    nowhere may be listed by one reader and not by the other)."""
    return {queue: by_name for queue, by_name in sums.items() if any(by_name.values())}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps, since_s=st.floats(0, 30 * 60, allow_nan=False))
def test_minute_stats_equal_a_recompute_and_windows_equal_the_raw_calls(
    client, database, settings, pg, steps, since_s
):
    base = datetime.now(UTC) - timedelta(minutes=45)
    tenant = make_tenant(database)
    queues = [tenant.queue, tenant.shared_queue]
    cid = client_id(pg, tenant.client)
    sent: list[dict] = []
    for kind, arg in steps:
        if kind == "calls":
            records = [record(base, r, queues) for r in arg]
            assert post(client, "/v1/calls", records, tenant).status_code == 200
            sent += records
        elif kind == "replay":  # an earlier record again, maybe out of date by now
            if sent:
                assert post(client, "/v1/calls", [sent[arg % len(sent)]], tenant).status_code == 200
        elif kind == "pass":
            run_pass(database, settings)
        elif kind == "rebuild":
            rebuild(database, settings, client_id=cid)
        else:  # a queue's settings changed: its intervals are marked and recomputed
            settings_changed(database, pg, settings, queues[arg])
    drain(database, settings)
    assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)

    ids = [r[0] for r in pg.execute("SELECT id FROM queues WHERE client_id = %s", [cid])]
    since = datetime.now(UTC) - timedelta(seconds=since_s)
    with database.engine.connect() as conn:
        reader = conn.connection.driver_connection
        windows = queries.window_sums(reader, [cid] * len(ids), ids, since, SL_COMPONENTS)
        raw = queries.sums_per_queue(
            reader, CALLS, SL_COMPONENTS, queries.Window([cid] * len(ids), ids, since)
        )
        assert nonzero(windows) == nonzero(raw)
        arrivals = queries.window_sums(reader, [cid] * len(ids), ids, since, ("arrivals",))
        counted = queries.offered_between(
            reader, [cid] * len(ids), ids, since, since + timedelta(hours=1)
        )
        assert {q: int(s["arrivals"]) for q, s in arrivals.items() if s["arrivals"]} == counted


def test_minutes_older_than_the_hour_kept_are_forgotten(client, database, settings, pg, tenant):
    now = datetime.now(UTC)
    calls = [
        {
            "call_id": "old",
            "queue": tenant.queue,
            "offered_at": (now - timedelta(minutes=70)).isoformat(),
        },
        {
            "call_id": "new",
            "queue": tenant.queue,
            "offered_at": (now - timedelta(minutes=5)).isoformat(),
        },
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 2
    drain(database, settings)
    cid = client_id(pg, tenant.client)
    minutes = pg.execute(
        "SELECT minute_start, arrivals FROM call_minute_stats WHERE client_id = %s", [cid]
    ).fetchall()
    new_minute = (now - timedelta(minutes=5)).replace(second=0, microsecond=0)
    assert minutes == [(new_minute, 1)]  # the old call counts in its interval, not in a minute
    pg.execute(  # as if the hour had passed since (on Citus an UPDATE may not shift a
        # column by an interval, a STABLE operator: the new time is computed here)
        "UPDATE call_minute_stats SET minute_start = %s WHERE client_id = %s",
        [new_minute - timedelta(hours=2), cid],
    )
    assert (
        post(client, "/v1/calls", [calls[1] | {"ended_at": now.isoformat()}], tenant).status_code
        == 200
    )
    drain(database, settings)
    kept = pg.execute("SELECT count(*) FROM call_minute_stats WHERE client_id = %s", [cid])
    assert kept.fetchone()[0] == 1  # the moved-back row is forgotten; the change made a new one
