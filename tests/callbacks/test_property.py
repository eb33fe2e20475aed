"""Properties: the callback figures do not depend on the order requests and callbacks arrive
in, nor on replays, and equal a plain reading of the same calls."""

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.kpi.aggregation import drain
from tests.callbacks.helpers import metrics_row
from tests.factories import make_tenant, post

START = datetime.fromisoformat("2026-11-20T08:00:00+08:00")
WITHIN_MIN = 60  # the default callback_within_min


@st.composite
def days(draw):
    """Requests (offered minute, wait s) and each one's callbacks (minutes after it ended)."""
    requests = draw(
        st.lists(
            st.tuples(
                st.integers(0, 600), st.integers(1, 600), st.lists(st.integers(0, 120), max_size=2)
            ),
            min_size=1,
            max_size=8,
        )
    )
    return requests, draw(st.randoms(use_true_random=False))


def records(queue: str, requests) -> list[dict]:
    """The requests and their callbacks as CDRs; a callback dialled `m` minutes after the end."""
    out = []
    for i, (minute, wait_s, backs) in enumerate(requests):
        offered = START + timedelta(minutes=minute)
        ended = offered + timedelta(seconds=wait_s)
        out.append(
            {
                "call_id": f"r{i}",
                "queue": queue,
                "offered_at": offered.isoformat(),
                "ended_at": ended.isoformat(),
                "exit_reason": "callback",
            }
        )
        for j, after in enumerate(backs):
            dialled = ended + timedelta(minutes=after)
            out.append(
                {
                    "call_id": f"b{i}-{j}",
                    "queue": queue,
                    "direction": "outbound",
                    "offered_at": dialled.isoformat(),
                    "ended_at": (dialled + timedelta(seconds=30)).isoformat(),
                    "callback_of": f"r{i}",
                }
            )
    return out


def expected(requests) -> tuple[int, float | None]:
    """All deadlines have passed: every request is due, on time when its first callback was
    dialled within 60 minutes of its end."""
    on_time = sum(1 for _, _, backs in requests if backs and min(backs) <= WITHIN_MIN)
    return len(requests), on_time / len(requests)


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=days())
def test_any_order_and_replays_give_the_plain_figures(client, database, settings, day):
    requests, rng = day
    figures = []
    for shuffled in (False, True):
        tenant = make_tenant(database)
        sent = records(tenant.queue, requests)
        if shuffled:  # callbacks before their requests, one call per post, some sent twice
            sent = rng.sample(sent, len(sent))
            sent += rng.sample(sent, len(sent) // 2)
            for record in sent:
                assert post(client, "/v1/calls", [record], tenant).json()["rejected"] == []
                if rng.random() < 0.3:
                    drain(database, settings)
        else:
            assert post(client, "/v1/calls", sent, tenant).json()["rejected"] == []
        drain(database, settings)
        row = metrics_row(client, tenant, queue=tenant.queue)
        figures.append((row["callbacks_requested"], row["callback_timeliness"]))
    requested, timeliness = expected(requests)
    for got_requested, got_timeliness in figures:
        assert got_requested == requested
        assert abs(got_timeliness - timeliness) < 1e-9
