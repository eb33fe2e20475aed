"""The simulator's WFM forecasts: hourly, ahead, and their accuracy matches a recomputation."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.kpi.aggregation import drain
from app.simulate.model import QueueSpec, Simulation
from tests.factories import post
from tests.forecasts.helpers import PATH, day_metrics

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 2026-11-20 00:00 in Shanghai
QUARTER = timedelta(minutes=15)


def simulated_day(queue: str) -> dict[str, list[dict]]:
    """Return a day of the model's CDRs and forecasts for `queue`, by path."""
    spec = QueueSpec(queue, SHANGHAI, 90, 12)
    by_path: dict[str, list[dict]] = defaultdict(list)
    for emit in Simulation([spec], DAY, seed=11, cdr=True).run(DAY + timedelta(days=1)):
        by_path[emit.path].append(emit.record)
    return by_path


def quarter(moment: str) -> datetime:
    """Return the 15-minute interval (UTC) a moment falls in."""
    t = datetime.fromisoformat(moment).astimezone(UTC)
    return t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0)


def test_each_hour_of_the_day_is_forecast_from_the_start():
    forecasts = simulated_day("q")["/v1/forecasts"]
    today = [
        f
        for f in forecasts
        if datetime.fromisoformat(f["interval_start"]) < DAY + timedelta(days=1)
    ]
    assert len(today) == 24 and {f["interval_min"] for f in today} == {60}
    assert all(f["source"] == "sim-wfm" and f["aht_s"] > 0 for f in today)
    assert max(f["required_agents"] for f in today) >= 5  # the peak needs a team


def test_the_days_accuracy_matches_a_recomputation_from_its_calls(client, database, tenant):
    day = simulated_day(tenant.queue)
    for path in ("/v1/calls", PATH):
        response = post(client, path, day[path], tenant)
        assert response.json()["rejected"] == [], response.text
    drain(database, client.app.state.settings)
    # by hand: each hourly forecast shared out over its quarters, against the quarter's calls
    actual: dict[datetime, int] = defaultdict(int)
    for call in day["/v1/calls"]:  # offered: neither the callback requests nor the callbacks
        if call.get("exit_reason") != "callback" and "callback_of" not in call:
            actual[quarter(call["offered_at"])] += 1
    forecast: dict[datetime, float] = {}
    for f in day[PATH]:
        start = datetime.fromisoformat(f["interval_start"]).astimezone(UTC)
        if start < DAY + timedelta(days=1):
            forecast |= {start + QUARTER * i: f["offered"] / 4 for i in range(4)}
    error = sum(abs(actual[q] - v) for q, v in forecast.items())
    expected = 1 - error / sum(actual[q] for q in forecast)
    row = day_metrics(client, tenant, tenant.queue)
    assert row["forecast_accuracy"] == pytest.approx(expected)
    assert 0.6 < expected < 0.95  # Poisson noise at 15 minutes: short of a 90 % target
    assert 0 < row["staffing_forecast_accuracy"] <= 1
