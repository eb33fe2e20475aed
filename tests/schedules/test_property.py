"""Properties: a schedule's figures do not depend on how it was posted, nor on the order the
agent's events arrived in, and they equal a minute-by-minute reading of the same day."""

from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_tenant, post

START = datetime.fromisoformat("2026-11-20T08:00:00+08:00")
ACTIVITIES = ("work", "work", "work", "break", "lunch", "training", "off")
STATES = ("available", "talking", "acw", "not_ready", "logged_out")
STALE_MIN = 120  # CALLPULSE_AGENT_STALE_AFTER_S: 7200 s


@st.composite
def days(draw):
    """A day of 15-minute slots: a schedule with gaps, events on a 5-minute grid."""
    slots = draw(st.lists(st.sampled_from((*ACTIVITIES, None)), min_size=4, max_size=40))
    segments, start = [], 0
    for i in range(1, len(slots) + 1):
        if i == len(slots) or slots[i] != slots[start]:
            if slots[start] is not None:
                segments.append((start * 15, i * 15, slots[start]))
            start = i
    minutes = draw(st.lists(st.integers(0, len(slots) * 3), min_size=1, max_size=25, unique=True))
    events = [(m * 5, draw(st.sampled_from(STATES))) for m in sorted(minutes)]
    return segments, events, draw(st.randoms(use_true_random=False))


def at(minute: int) -> str:
    return (START + timedelta(minutes=minute)).isoformat()


def expected(segments, events):
    """Read the day minute by minute: the state in force (stale after 2 h) against the plan."""
    scheduled = adherent = work = worked = 0
    for lo, hi, activity in segments:
        for minute in range(lo, hi):
            known = [(m, s) for m, s in events if m <= minute]
            state = known[-1][1] if known and minute - known[-1][0] < STALE_MIN else "logged_out"
            on_phone = state in ("available", "talking", "acw")
            scheduled += 1
            adherent += on_phone == (activity == "work")
            work += activity == "work"
            worked += on_phone
    return adherent / scheduled if scheduled else None, worked / work if work else None


def figures(client, tenant):
    r = client.get(
        "/v1/metrics",
        params={"client": tenant.client, "from": "2026-11-20", "to": "2026-11-21"}
        | {"granularity": "day", "by": "agent"},
        headers=tenant.auth(tenant.client_key),
    )
    rows = [row for row in r.json()["series"] if row["agent"] == "p1"]
    return (rows[0]["schedule_adherence"], rows[0]["conformance"]) if rows else (None, None)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=days())
def test_posting_split_and_shuffled_gives_the_minute_by_minute_figures(client, database, day):
    segments, events, rng = day
    records = [
        {"agent": "p1", "start": at(lo), "end": at(hi), "activity": a} for lo, hi, a in segments
    ]
    states = [{"agent": "p1", "state": s, "at": at(m)} for m, s in events]
    results = []
    for split in (False, True):
        tenant = make_tenant(database)
        queues = {"queues": [tenant.queue]}
        if split:  # events in any order, the schedule in several posts in any order
            states, records = rng.sample(states, len(states)), rng.sample(records, len(records))
        post(client, "/v1/agent-events", [s | queues for s in states], tenant)
        cuts = min(2, max(len(records) - 1, 0))  # a day may have no segment at all
        cut = sorted(rng.sample(range(1, len(records)), cuts)) if split else []
        for part in _parts(records, cut):
            assert (
                post(client, "/v1/schedules", [r | queues for r in part], tenant).json()["rejected"]
                == []
            )
        results.append(figures(client, tenant))
    adherence, conformance = expected(segments, events)
    for got_adherence, got_conformance in results:
        assert _close(got_adherence, adherence) and _close(got_conformance, conformance)


@st.composite
def posts(draw):
    """Posts of an agent's segments on a 5-minute grid, none overlapping within a post."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        cuts = sorted(draw(st.lists(st.integers(0, 120), min_size=2, max_size=8, unique=True)))
        spans = list(pairwise(cuts))
        kept = [span for span in spans if draw(st.booleans())] or spans[:1]
        out.append([(lo * 5, hi * 5, draw(st.sampled_from(ACTIVITIES))) for lo, hi in kept])
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=posts())
def test_each_post_wins_the_minutes_it_covers_and_keeps_the_rest(client, database, pg, sequence):
    tenant = make_tenant(database)
    timeline: dict[int, str] = {}
    for segments in sequence:
        records = [
            {"agent": "p1", "start": at(lo), "end": at(hi), "activity": a, "queues": [tenant.queue]}
            for lo, hi, a in segments
        ]
        assert post(client, "/v1/schedules", records, tenant).json()["rejected"] == []
        for lo, hi, activity in segments:
            timeline.update(dict.fromkeys(range(lo, hi), activity))
    stored = pg.execute(
        "SELECT s.start_at, s.end_at, s.activity FROM schedule_segments s"
        " JOIN agents a ON a.id = s.agent_id JOIN vendors v ON v.id = a.vendor_id"
        " WHERE v.code = %s ORDER BY s.start_at",
        [tenant.vendor],
    ).fetchall()
    minutes: dict[int, str] = {}
    for (lo, hi, activity), following in zip(stored, [*stored[1:], None], strict=True):
        assert following is None or hi <= following[0]  # never overlapping
        first = int((lo - START).total_seconds() // 60)
        last = int((hi - START).total_seconds() // 60)
        minutes.update(dict.fromkeys(range(first, last), activity))
    assert minutes == timeline


def _parts(records, cut):
    edges = [0, *cut, len(records)]
    return [records[a:b] for a, b in pairwise(edges) if b > a]


def _close(got, want):
    return got is None if want is None else got is not None and abs(got - want) < 1e-9
