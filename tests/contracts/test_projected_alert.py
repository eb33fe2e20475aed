"""Alert rules on the projection: `projected_amount` and `projected_score` fire and reach a
real webhook, with the figures of the SLA report's projection."""

from datetime import UTC, datetime

import pytest

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.contracts.projected_readings import ProjectedReadings
from tests.alerts.receivers import HttpReceiver
from tests.contracts.helpers import report
from tests.contracts.open_month import open_month
from tests.kpi.helpers import client_id


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


def test_projected_amount_and_score_rules_notify_through_a_webhook(
    http, database, settings, pg, tenant, receiver
):
    rules = [
        {
            "name": f"{name}-{tenant.client}",
            "metric": metric,
            "op": "<",
            "threshold": threshold,
            "min_volume": 1,
            "notify": [f"hook-{tenant.client}"],
        }
        for name, metric, threshold in (
            ("money", "projected_amount", 1e9),
            ("band", "projected_score", 80),
        )
    ]
    hook = {"name": f"hook-{tenant.client}", "type": "webhook", "url": receiver.url}
    month = open_month(http, database, settings, tenant, notifiers=[hook])
    with database.session_scope() as session:
        rules = [rule | {"queues": [month.queue]} for rule in rules]
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": rules}))

    notices = evaluate_all(
        database,
        settings,
        datetime.now(UTC),
        client_id(pg, month.client),
        projections=lambda session, moment: ProjectedReadings(session, settings, moment),
    )
    body = report(http, tenant, month.key, client=month.client, period=month.month)
    projection = body["projection"]
    assert (projection["score"], projection["coefficient"]) == (75, 0.9)
    assert projection["quantity_so_far"] == 9 and projection["quantity"] >= 9
    sent = {r["json"]["metric"]: r["json"] for r in receiver.requests}
    assert set(sent) == {"projected_amount", "projected_score"} and len(notices) == 2
    assert sent["projected_amount"]["value"] == pytest.approx(projection["amount"])
    assert sent["projected_score"]["value"] == 75
    assert sent["projected_score"]["threshold"] == 80


def test_without_projections_the_rules_are_not_evaluated(
    http, database, settings, pg, tenant, receiver
):
    spec = {
        "notifiers": [{"name": f"hook-{tenant.client}", "type": "webhook", "url": receiver.url}],
        "alert_rules": [
            {
                "name": f"money-{tenant.client}",
                "queues": [tenant.queue],
                "metric": "projected_amount",
                "op": ">=",
                "threshold": 0,
                "notify": [f"hook-{tenant.client}"],
            }
        ],
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate(spec))
    evaluate_all(database, settings, datetime.now(UTC), client_id(pg, tenant.client))
    assert not [r for r in receiver.requests if r["json"]["metric"] == "projected_amount"]


def test_a_projected_rule_following_a_target_is_refused_by_name():
    rule = {"name": "money", "metric": "projected_amount", "op": "<", "threshold": "target"}
    with pytest.raises(ValueError, match="threshold: projected_amount has no queue target"):
        TenancyFile.model_validate({"alert_rules": [rule]})
