"""The batched readings (`readings.read_all`: each metric's window for all its queues at
once) equal the readings of each queue alone (`per_queue.read_one`, the engine before
batching), for random rules on random queues of two clients."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.alerts.config import PROJECTED_METRICS, RULE_METRICS
from app.alerts.readings import Ask, read_all
from app.core.vocabulary import ON_PHONE_STATES
from app.forecasting.repository import store_own
from app.kpi import queries
from app.kpi.intervals import grid_floor
from tests.alerts.per_queue import read_one
from tests.factories import post

METRICS = [m for m in RULE_METRICS if m not in PROJECTED_METRICS]
WINDOWS = [1, 5, 10, 15, 30, 60, 120]
HORIZON_S, AHT_S = 1800, 180.0


def _calls(rng: random.Random, queue: str, end: datetime, n: int, tag: str) -> list[dict]:
    """`n` calls offered in the 90 minutes before `end`: answered, abandoned or waiting."""
    calls = []
    for i in range(n):
        offered = end - timedelta(seconds=rng.uniform(5, 90 * 60))
        call = {"call_id": f"{tag}{i}", "queue": queue, "offered_at": offered.isoformat()}
        fate = rng.random()
        if fate < 0.6:
            call["answered_at"] = (offered + timedelta(seconds=rng.uniform(0, 60))).isoformat()
            call["ended_at"] = (offered + timedelta(seconds=rng.uniform(60, 400))).isoformat()
        elif fate < 0.85 or offered < end - timedelta(minutes=20):
            call["ended_at"] = (offered + timedelta(seconds=rng.uniform(1, 90))).isoformat()
        calls.append(call)  # else still waiting
    return calls


@pytest.fixture
def floor(client, pg, tenant):
    """Two clients' four queues with calls, history on two, an own forecast on one, and
    agents in every state, listing queues or not, of both vendors."""
    rng = random.Random(15)
    now = datetime.now(UTC)
    t = tenant
    mine = {t.queue: t.key, t.shared_queue: t.key, t.other_queue: t.other_key}
    for queue, key in {**mine, t.foreign_queue: t.key}.items():
        calls = _calls(rng, queue, now, 40, f"n{queue}-")
        if queue in (t.queue, t.foreign_queue):
            for week in range(1, 5):
                calls += _calls(rng, queue, now - timedelta(weeks=week), 8, f"w{week}{queue}-")
        assert post(client, "/v1/calls", calls, t, key=key).json()["rejected"] == []
    ids = dict(pg.execute("SELECT code, id FROM queues WHERE code = ANY(%s)", [list(mine)]))
    client_id = pg.execute("SELECT client_id FROM queues WHERE code = %s", [t.queue]).fetchone()
    first = grid_floor(now - timedelta(hours=3), 15)
    rows = [(first + timedelta(minutes=15 * n), float(n % 4), 180.0, None) for n in range(14)]
    store_own(pg, client_id[0], ids[t.queue], rows)
    states = [*ON_PHONE_STATES, "not_ready", "logged_out"]
    for key, lists in (
        (t.key, [[t.queue], [t.queue, t.shared_queue], [t.shared_queue, t.foreign_queue]]),
        (t.other_key, [None, [t.shared_queue, t.other_queue]]),
    ):
        events = [
            {
                "agent": f"a{n}",
                "state": rng.choice(states),
                "at": (now - timedelta(minutes=rng.uniform(1, 120))).isoformat(),
                **({"queues": queues} if (queues := rng.choice(lists)) else {}),
            }
            for n in range(12)
        ]
        assert post(client, "/v1/agent-events", events, t, key=key).json()["rejected"] == []
    plan = [
        {
            "agent": f"a{n}",
            "start": (now - timedelta(hours=2)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "activity": "work",
            "queues": [t.queue, t.shared_queue][: 1 + n % 2],
        }
        for n in range(6)
    ]
    assert post(client, "/v1/schedules", plan, t).json()["rejected"] == []
    codes = [t.queue, t.shared_queue, t.other_queue, t.foreign_queue]
    found = pg.execute(
        "SELECT client_id, id, sl_formula FROM queues WHERE code = ANY(%s) ORDER BY code",
        [codes],
    ).fetchall()
    return now, found


rules = st.lists(
    st.tuples(
        st.sampled_from(METRICS),
        st.sampled_from(WINDOWS),
        st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rules=rules, back=st.integers(0, 30))
def test_batched_readings_equal_each_queues_own(pg, floor, rules, back):
    now, queues = floor
    at = now - timedelta(minutes=back)
    asks = [
        Ask(metric, timedelta(minutes=window), *queues[i][:2], queues[i][2])
        for metric, window, picked in rules
        for i in picked
    ]
    with pg.transaction():  # one now() for both
        batched = read_all(pg, asks, at, HORIZON_S, AHT_S)
        alone = [read_one(pg, ask, at, HORIZON_S, AHT_S) for ask in asks]
    for ask, got, want in zip(asks, batched, alone, strict=True):
        assert got.volume == want.volume, ask
        if want.value is None or got.value is None:
            assert got.value is want.value, ask
        else:  # the same sums of the same rows: equal up to the order of float additions
            assert got.value == pytest.approx(want.value, rel=1e-12), ask


def test_agents_on_the_phones_counted_as_the_live_list_counts_them(pg, floor):
    _, queues = floor
    clients, ids = [c for c, _, _ in queues], [q for _, q, _ in queues]
    with pg.transaction():
        counted = queries.agents_on_phones(pg, clients, ids)
        listed = queries.latest_agent_states(pg, clients, ids, None)
    want: dict[int, int] = {}
    for queue_id, *_, state, _, _ in listed:
        if state in ON_PHONE_STATES:
            want[queue_id] = want.get(queue_id, 0) + 1
    assert counted == want and sum(want.values()) > 0
