"""Shared bits of the forecast tests: a forecast record, and the hand-computed day."""

from typing import Any

from tests.factories import Tenant, cdr, post

PATH = "/v1/forecasts"
DAY = "2026-11-20T{}:00+08:00"


def forecast(queue: str, at: str, offered: float, **extra: Any) -> dict[str, Any]:
    """A forecast of `queue` for the 15-minute interval starting at `at` (HH:MM, test day)."""
    return {"queue": queue, "interval_start": DAY.format(at), "offered": offered, **extra}


# The day, Shanghai time, 15-minute intervals, T = 20 s, SL target 0.80 (the defaults):
#   09:00 actual 4 answered (AHT 100 s)           forecast 5 calls, AHT 120, 2 agents
#   09:15 actual 2 answered (AHT 100 s) + 1 aband. forecast 2 calls, AHT  90, 1 agent
#   09:30 no calls                                forecast 1 call,  AHT 100, 1 agent
#   09:45 2 answered                              no forecast: not counted
# forecast accuracy = 1 − (|4−5| + |3−2| + |0−1|) / (4 + 3 + 0) = 1 − 3/7 = 4/7
# AHT accuracy (handled-weighted) = 1 − (|400 − 4·120| + |200 − 2·90|) / (400 + 200)
#   = 1 − (80 + 20) / 600 = 5/6 (09:30 handled nothing: not counted)
# Erlang C need (T 20 s, SL ≥ 0.80, 900-s intervals):
#   09:00 A = 4/900·100 = 0.444 E: N=1 SL 0.602, N=2 SL 0.941 → 2
#   09:15 A = 3/900·100 = 0.333 E: N=1 SL 0.708, N=2 SL 0.966 → 2
#   09:30 no calls → 0
# staffing accuracy = 1 − (|2−2| + |1−2| + |1−0|) / (2 + 2 + 0) = 1 − 2/4 = 0.5
# scheduled: ag1 and ag2 work for the queue 09:00–10:00 and 09:00–09:30, then ag2 has a
#   break 09:30–09:45 (no queue named: every queue its vendor serves) → 2, 2, 1 agents
# schedule accuracy = 1 − (|2−2| + |2−2| + |1−0|) / (2 + 2 + 0) = 1 − 1/4 = 0.75
FORECAST_ACCURACY = 4 / 7
AHT_ACCURACY = 5 / 6
STAFFING_ACCURACY = 0.5
SCHEDULE_ACCURACY = 0.75
NEEDS = {"09:00": 2, "09:15": 2, "09:30": 0}


def day_calls(queue: str) -> list[dict[str, Any]]:
    """The day's calls: answered ones wait 5 s and talk 100 s, the abandon gives up at 30 s."""
    answered = [("09:01", 0), ("09:03", 1), ("09:05", 2), ("09:07", 3), ("09:16", 4)]
    answered += [("09:20", 5), ("09:46", 6), ("09:50", 7)]
    records = [
        cdr(f"fc{n}", queue, DAY.format(at), wait=5, talk=100, agent="ag1") for at, n in answered
    ]
    return [*records, cdr("fc-ab", queue, DAY.format("09:25"), gave_up_after=30)]


def day_forecasts(queue: str) -> list[dict[str, Any]]:
    """The WFM tool's forecasts of 09:00, 09:15 and 09:30."""
    return [
        forecast(queue, "09:00", 5, aht_s=120, required_agents=2),
        forecast(queue, "09:15", 2, aht_s=90, required_agents=1),
        forecast(queue, "09:30", 1, aht_s=100, required_agents=1),
    ]


def day_schedule(queue: str) -> list[dict[str, Any]]:
    """Two agents' schedule segments of the morning."""
    return [
        {
            "agent": "ag1",
            "start": DAY.format("09:00"),
            "end": DAY.format("10:00"),
            "activity": "work",
            "queues": [queue],
        },
        {
            "agent": "ag2",
            "start": DAY.format("09:00"),
            "end": DAY.format("09:30"),
            "activity": "work",
            "queues": [queue],
        },
        {
            "agent": "ag2",
            "start": DAY.format("09:30"),
            "end": DAY.format("09:45"),
            "activity": "break",
        },
    ]


def post_day(http, tenant: Tenant, queue: str) -> None:
    """Post the day's calls, forecasts and schedule (each accepted whole)."""
    for path, records, key in (
        ("/v1/calls", day_calls(queue), None),
        (PATH, day_forecasts(queue), tenant.client_key),
        ("/v1/schedules", day_schedule(queue), None),
    ):
        response = post(http, path, records, tenant, key=key)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == len(records), response.text


def day_metrics(http, tenant: Tenant, queue: str, key: str | None = None) -> dict[str, Any]:
    """Return the test day's `/v1/metrics` row of `queue` (daily granularity)."""
    response = http.get(
        "/v1/metrics",
        params={"queue": queue, "from": "2026-11-20", "to": "2026-11-21", "granularity": "day"},
        headers=tenant.auth(key or tenant.client_key),
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["series"]
    return row
