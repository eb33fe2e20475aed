"""The default adherence rule fires on a queue with a schedule_adherence target."""

from datetime import UTC, datetime, timedelta

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.factories import post
from tests.kpi.helpers import client_id


def test_default_rule_fires_below_the_queues_adherence_target(
    client, database, settings, pg, tenant
):
    target = {
        "code": tenant.queue,
        "client": tenant.client,
        "vendors": [tenant.vendor],
        "targets": {"schedule_adherence": {"min": 0.9}},
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"queues": [target]}))
    now = datetime.now(UTC).replace(microsecond=0)
    ago = lambda minutes: (now - timedelta(minutes=minutes)).isoformat()  # noqa: E731
    q = tenant.queue
    # Two agents scheduled to work the last hour: one on the phone, one not ready for the
    # last 20 minutes. Over the rule's 30 minutes: 60 agent-minutes scheduled, 40 adhered.
    events = [
        {"agent": "x1", "state": "available", "at": ago(60), "queues": [q]},
        {"agent": "x2", "state": "available", "at": ago(60), "queues": [q]},
        {"agent": "x2", "state": "not_ready", "at": ago(20), "queues": [q]},
    ]
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == 3
    plan = [
        {"agent": a, "start": ago(60), "end": ago(-60), "activity": "work", "queues": [q]}
        for a in ("x1", "x2")
    ]
    assert post(client, "/v1/schedules", plan, tenant).json()["accepted"] == 2
    evaluate_all(database, settings, now, client_id(pg, tenant.client))
    alerts = client.get("/v1/alerts", headers=tenant.auth(tenant.client_key)).json()["alerts"]
    [alert] = [a for a in alerts if a["metric"] == "schedule_adherence"]
    assert alert["rule"] == "default-schedule-adherence" and alert["queue"] == q
    assert alert["threshold"] == 0.9
    assert abs(alert["value"] - 40 / 60) < 0.01  # measured up to the database's now
