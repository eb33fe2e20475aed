"""The surge reading against the own forecast, and its fallback to recent weeks."""

from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.readings import surges
from app.forecasting.repository import store_own
from app.kpi.intervals import grid_floor
from tests.factories import post
from tests.forecasting.helpers import queue_id
from tests.kpi.helpers import client_id

WINDOW = timedelta(minutes=10)


def surge(pg, window: timedelta, client: int, queue: int, now: datetime, aht_s: float):
    """One queue's surge reading: `surges` of that queue alone."""
    return surges(pg, window, {client: [queue]}, now, aht_s)[queue]


def _calls(queue: str, now: datetime, n: int, tag: str) -> list[dict]:
    """`n` calls offered 5 minutes before `now` (one a second), answered."""
    return [
        {
            "call_id": f"{tag}{i}",
            "queue": queue,
            "offered_at": (now - timedelta(minutes=5, seconds=i)).isoformat(),
            "answered_at": (now - timedelta(minutes=5, seconds=i - 3)).isoformat(),
        }
        for i in range(n)
    ]


def _forecast(pg, tenant, queue: str, now: datetime, per_interval: float, count: int) -> None:
    """Store an own forecast of `per_interval` calls for `count` intervals from the one
    holding the window's start."""
    first = grid_floor(now - WINDOW, 15)
    rows = [(first + timedelta(minutes=15 * n), per_interval, 180.0, None) for n in range(count)]
    store_own(pg, client_id(pg, tenant.client), queue_id(pg, queue), rows)


def _spans(now: datetime) -> int:
    """Return how many 15-minute intervals `[now − 10 min, now)` overlaps."""
    first = grid_floor(now - WINDOW, 15)
    return 1 if first + timedelta(minutes=15) >= now else 2


def test_a_surge_relative_to_the_own_forecast(client, pg, tenant):
    now = datetime.now(UTC)
    assert post(client, "/v1/calls", _calls(tenant.queue, now, 30, "s"), tenant).status_code == 200
    _forecast(pg, tenant, tenant.queue, now, 15, _spans(now))
    # 15 calls per 15 minutes, pro-rated to the 10-minute window: 10 expected; 30 came
    reading = surge(pg, WINDOW, client_id(pg, tenant.client), queue_id(pg, tenant.queue), now, 180)
    # the pro-rating is a float product over the overlapped seconds, so 10 may come out as
    # 9.999…: the reading is 3 to the last few bits
    assert reading.value == pytest.approx(3.0, rel=1e-12)
    assert reading.volume == 30


def test_without_a_forecast_of_the_whole_window_the_recent_weeks_are_the_baseline(
    client, pg, tenant
):
    now = datetime.now(UTC)
    queue = tenant.shared_queue
    history = [
        call
        for week in range(1, 5)
        for call in _calls(queue, now - timedelta(weeks=week), 2, f"w{week}-")
    ]
    assert (
        post(client, "/v1/calls", [*history, *_calls(queue, now, 12, "n")], tenant).status_code
        == 200
    )
    cid, qid = client_id(pg, tenant.client), queue_id(pg, queue)
    # 12 now ÷ 2 a week on average
    assert surge(pg, WINDOW, cid, qid, now, 180).value == 6.0
    if _spans(now) == 2:  # a forecast of only the first interval is not a baseline
        _forecast(pg, tenant, queue, now, 15, 1)
        assert surge(pg, WINDOW, cid, qid, now, 180).value == 6.0
    _forecast(pg, tenant, queue, now, 0, _spans(now))  # a forecast of no calls is none either
    assert surge(pg, WINDOW, cid, qid, now, 180).value == 6.0
