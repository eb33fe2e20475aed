"""An alert rule on QA: the first fatal error found in the window opens it, named by value."""

from datetime import UTC, datetime, timedelta

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.factories import cdr, post
from tests.kpi.helpers import client_id
from tests.qa.helpers import PATH, evaluation


def rule(database, tenant) -> None:
    spec = TenancyFile.model_validate(
        {
            "alert_rules": [
                {
                    "name": f"fatal-{tenant.client}",
                    "queues": [tenant.queue],
                    "metric": "fatal_accuracy",
                    "window_min": 24 * 60,
                    "op": "<",
                    "threshold": 1,
                    "min_volume": 2,
                }
            ]
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)


def test_a_fatal_error_in_the_window_opens_the_rule_once_enough_were_evaluated(
    client, database, settings, pg, tenant
):
    rule(database, tenant)
    now = datetime.now(UTC)
    offered = [(now - timedelta(hours=2, minutes=i)).isoformat() for i in range(3)]
    calls = [cdr(f"c{i}", tenant.queue, at, wait=5, agent="a1") for i, at in enumerate(offered)]
    post(client, "/v1/calls", calls, tenant)
    at = (now - timedelta(hours=1)).isoformat()
    one = [evaluation("e0", tenant.queue, call_id="c0", fatal=1, at=at)]
    assert post(client, PATH, one, tenant).json()["accepted"] == 1
    cid = client_id(pg, tenant.client)

    def opened() -> list[dict]:
        answer = client.get("/v1/alerts", headers=tenant.auth(tenant.client_key)).json()
        return [a for a in answer["alerts"] if a["rule"] == f"fatal-{tenant.client}"]

    evaluate_all(database, settings, now, cid)
    assert opened() == []  # one evaluation is below min_volume 2
    two = [evaluation("e1", tenant.queue, call_id="c1", at=at)]
    assert post(client, PATH, two, tenant).json()["accepted"] == 1
    evaluate_all(database, settings, now + timedelta(seconds=15), cid)
    [alert] = opened()
    assert (alert["state"], alert["value"], alert["threshold"]) == ("open", 0.5, 1.0)
