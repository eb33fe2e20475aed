"""Forecast accuracy KPIs: each formula by hand, from its function and through `/v1/metrics`."""

import pytest

from app.kpi.aggregation import drain
from app.kpi.definitions import (
    KPIS,
    aht_forecast_accuracy,
    forecast_accuracy,
    schedule_forecast_accuracy,
    staffing_forecast_accuracy,
)
from app.kpi.names import FORMULAS_ZH, kpi_name
from app.kpi.sources import NO_DATA
from app.models.forecasts import OWN_FORECAST_SOURCE
from tests.factories import post
from tests.forecasts.helpers import (
    AHT_ACCURACY,
    DAY,
    FORECAST_ACCURACY,
    PATH,
    SCHEDULE_ACCURACY,
    STAFFING_ACCURACY,
    day_calls,
    day_metrics,
    forecast,
    post_day,
)

FORECAST_KPIS = (
    "forecast_accuracy",
    "aht_forecast_accuracy",
    "staffing_forecast_accuracy",
    "schedule_forecast_accuracy",
)


def parts(**values: float) -> dict[str, float]:
    return NO_DATA | values


def test_each_accuracy_is_one_minus_error_over_actual_floored_at_zero():
    # 3 calls off over 7 actual; 100 handle seconds off over 600; 2 agents off over a need of 4
    c = parts(
        forecast_offered_error=3,
        forecast_actual_offered=7,
        forecast_handle_error_s=100,
        forecast_handle_s=600,
        staffing_error=2,
        staffing_need=4,
        schedule_error=1,
        schedule_need=4,
    )
    assert forecast_accuracy(c) == pytest.approx(4 / 7)
    assert aht_forecast_accuracy(c) == pytest.approx(5 / 6)
    assert staffing_forecast_accuracy(c) == 0.5
    assert schedule_forecast_accuracy(c) == 0.75
    # 12 calls forecast where 4 came: an error of 8 over 4 is floored at 0, not −1
    assert forecast_accuracy(parts(forecast_offered_error=8, forecast_actual_offered=4)) == 0.0
    assert forecast_accuracy(parts()) is None  # no interval with a forecast: no data


def test_catalogue_names_and_formulas_in_both_languages():
    assert kpi_name("forecast_accuracy", "zh") == "话务预测准确率"
    assert kpi_name("staffing_forecast_accuracy", "zh") == "员工配备预测准确率"
    assert kpi_name("schedule_forecast_accuracy", "zh") == "排班预测准确率"
    for name in FORECAST_KPIS:
        kpi = KPIS[name]
        assert (kpi.source, kpi.unit, kpi.higher_is_better) == ("forecasts", "ratio", True)
        assert kpi.formula.lower().startswith(kpi_name(name, "en").lower())
        assert "=" in kpi.formula and name in FORMULAS_ZH
    assert KPIS["forecast_accuracy"].formula == (
        "forecast accuracy (话务预测准确率) = 1 − Σ|actual − forecast offered| / Σ actual offered"
    )


def test_the_day_by_hand_through_metrics(client, database, settings, tenant):
    post_day(client, tenant, tenant.queue)
    drain(database, settings)
    row = day_metrics(client, tenant, tenant.queue)
    assert row["forecast_accuracy"] == pytest.approx(FORECAST_ACCURACY)  # 1 − 3/7
    assert row["aht_forecast_accuracy"] == pytest.approx(AHT_ACCURACY)  # 1 − 100/600
    assert row["staffing_forecast_accuracy"] == pytest.approx(STAFFING_ACCURACY)  # 1 − 2/4
    assert row["schedule_forecast_accuracy"] == pytest.approx(SCHEDULE_ACCURACY)  # 1 − 1/4
    # the same for the whole client (one row per bucket), and per queue with by=queue
    whole = client.get(
        "/v1/metrics",
        params={
            "client": tenant.client,
            "from": "2026-11-20",
            "to": "2026-11-21",
            "granularity": "day",
            "by": "queue",
        },
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    [mine] = [r for r in whole if r["queue"] == tenant.queue]
    assert mine["forecast_accuracy"] == pytest.approx(FORECAST_ACCURACY)


def test_interval_rows_show_each_interval(client, database, settings, tenant):
    post_day(client, tenant, tenant.queue)
    drain(database, settings)
    response = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "from": DAY.format("09:00"),
            "to": DAY.format("10:00"),
            "granularity": "interval",
        },
        headers=tenant.auth(tenant.client_key),
    )
    rows = {r["start"][11:16]: r for r in response.json()["series"]}
    assert rows["09:00"]["forecast_accuracy"] == pytest.approx(1 - 1 / 4)  # 4 came, 5 forecast
    assert rows["09:30"]["forecast_accuracy"] is None  # 1 forecast, none came: 0 actual
    assert rows["09:30"]["staffing_forecast_accuracy"] is None  # need 0: no denominator
    assert rows["09:45"]["forecast_accuracy"] is None  # no forecast: not counted


def test_by_agent_and_by_channel_leave_forecast_kpis_out(client, database, settings, tenant):
    post_day(client, tenant, tenant.queue)
    drain(database, settings)
    for by in ("agent", "channel"):
        response = client.get(
            "/v1/metrics",
            params={
                "queue": tenant.queue,
                "from": "2026-11-20",
                "to": "2026-11-21",
                "granularity": "day",
                "by": by,
            },
            headers=tenant.auth(tenant.client_key),
        )
        assert response.status_code == 200, response.text
        assert all(name not in row for row in response.json()["series"] for name in FORECAST_KPIS)


def test_a_wfm_forecast_wins_over_callpulse_own_and_the_latest_wfm_one_counts(
    client, database, settings, tenant, pg
):
    """09:00: own forecast 100, WFM `wfm` 5, then WFM `nice` 4 (latest); 09:15: own only, 3."""
    calls = post(client, "/v1/calls", day_calls_only(tenant.queue), tenant)
    assert calls.json()["accepted"] == 7
    pg.execute(
        "INSERT INTO forecasts (client_id, queue_id, source, interval_start, offered)"
        " SELECT q.client_id, q.id, %s, x.at::timestamptz, x.offered FROM queues q,"
        " (VALUES (%s, 100.0), (%s, 3.0)) x(at, offered) WHERE q.code = %s",
        [OWN_FORECAST_SOURCE, DAY.format("09:00"), DAY.format("09:15"), tenant.queue],
    )
    pg.commit()
    for source, offered in (("wfm", 5), ("nice", 4)):
        response = post(
            client, PATH, [forecast(tenant.queue, "09:00", offered, source=source)], tenant
        )
        assert response.json()["accepted"] == 1
    drain(database, settings)
    row = day_metrics(client, tenant, tenant.queue)
    # 09:00: `nice` (4) against 4 actual; 09:15: CallPulse's own (3) against 3; 09:45 none
    assert row["forecast_accuracy"] == 1.0
    # the earlier WFM forecast posted again is newer: it counts now (|4 − 5| = 1 over 7)
    post(client, PATH, [forecast(tenant.queue, "09:00", 5, source="wfm", aht_s=60)], tenant)
    assert day_metrics(client, tenant, tenant.queue)["forecast_accuracy"] == pytest.approx(6 / 7)


def day_calls_only(queue: str) -> list[dict]:
    """The day's calls of 09:00–09:30 only: 4, then 2 answered and 1 abandoned."""
    return [c for c in day_calls(queue) if c["offered_at"] < DAY.format("09:30")]
