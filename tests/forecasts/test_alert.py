"""An alert rule on forecast accuracy: the floor far off its plan in the last hour fires."""

from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import drain
from tests.factories import cdr, post
from tests.forecasts.helpers import PATH
from tests.kpi.helpers import client_id


def test_a_rule_fires_when_the_last_hour_is_far_off_its_forecast(
    client, database, settings, pg, tenant
):
    rule = {
        "name": f"off-plan-{tenant.queue}",
        "queues": [tenant.queue],
        "metric": "forecast_accuracy",
        "window_min": 60,
        "op": "<",
        "threshold": 0.7,
        "min_volume": 3,
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [rule]}))
    now = datetime.now(UTC)
    grid = settings.interval_minutes
    ended = now.replace(minute=now.minute // grid * grid, second=0, microsecond=0) - timedelta(
        minutes=grid
    )
    # the interval that just ended: 8 calls forecast, 5 came → 1 − |5 − 8| / 5 = 0.4
    calls = [
        cdr(f"c{i}", tenant.queue, (ended + timedelta(seconds=i)).isoformat(), wait=3, talk=9)
        for i in range(5)
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 5
    plan = {"queue": tenant.queue, "interval_start": ended.isoformat(), "offered": 8}
    assert post(client, PATH, [plan], tenant).json()["accepted"] == 1
    # the current interval's forecast (no actuals yet) is not counted
    current = {**plan, "interval_start": (ended + timedelta(minutes=grid)).isoformat()}
    assert post(client, PATH, [current], tenant).json()["accepted"] == 1
    drain(database, settings)
    evaluate_all(database, settings, now, client_id(pg, tenant.client))
    alerts = client.get("/v1/alerts", headers=tenant.auth(tenant.client_key)).json()["alerts"]
    [alert] = [a for a in alerts if a["metric"] == "forecast_accuracy"]
    assert alert["queue"] == tenant.queue and alert["value"] == pytest.approx(0.4)
