"""After the close, later data and settings never alter the closed report: they restate it."""

import pytest

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy, mark_for_recompute
from app.kpi.aggregation import drain
from tests.closing.helpers import WEEK, close, recomputed_sha256
from tests.contracts.helpers import ingest, key, report
from tests.factories import cdr


def entries(http, auth_key: str, **params) -> list[dict]:
    response = http.get("/v1/audit", params=params, headers={"Authorization": f"Bearer {auth_key}"})
    assert response.status_code == 200, response.text
    return response.json()["entries"]


@pytest.fixture
def closed(http, database, tenant, per_workload):
    """The week closed by both sides; return the frozen report as served."""
    close(http, tenant.client, tenant.client_key, period=WEEK)
    close(http, tenant.client, tenant.key, period=WEEK)
    return report(http, tenant, period=WEEK)


def test_a_late_cdr_is_a_restatement_not_a_changed_invoice(
    http, database, settings, tenant, per_workload, closed
):
    # one more call of 10 November answered in 10 s: offered 11, A_T 9 → SL 9/11;
    # abandon 1/11; ASA (9 × 10 + 40) / 10 = 13 s; CSAT 90; score 80; handled 10 →
    # 10 × 45 − 150 = ¥300 (was 9 handled, ¥255)
    late = cdr("late-1", tenant.queue, "2026-11-10T10:00:00+08:00", wait=10, agent="a1")
    ingest(http, database, settings, tenant, "/v1/calls", [late])
    served = report(http, tenant, period=WEEK)
    restatement = served.pop("restatement")
    assert served == {k: v for k, v in closed.items() if k != "restatement"}
    assert recomputed_sha256(served) == closed["closed"]["sha256"]
    assert served["amount"]["total"] == 255.0  # the invoice stays as closed
    assert [r["kpi"] for r in restatement] == [
        "service_level",
        "abandon_rate",
        "asa_s",
        "amount",
    ]
    by_kpi = {r["kpi"]: r for r in restatement}
    assert by_kpi["service_level"] == {"kpi": "service_level", "closed": 0.8, "now": 9 / 11}
    assert by_kpi["abandon_rate"]["now"] == pytest.approx(1 / 11)
    assert by_kpi["asa_s"] == {"kpi": "asa_s", "closed": pytest.approx(120 / 9), "now": 13.0}
    assert by_kpi["amount"] == {"kpi": "amount", "closed": 255.0, "now": 300.0}
    # recorded once, not on every read
    report(http, tenant, period=WEEK)
    admin = key(database, "admin")
    [restated] = entries(http, admin, contract=per_workload["code"], action="report.restated")
    assert restated["after"]["restatement"] == restatement
    assert restated["after"]["period"] == WEEK and restated["role"] == "system"
    assert restated["before"]["sha256"] == closed["closed"]["sha256"]
    # a second late call changes the restatement: recorded again
    later = cdr("late-2", tenant.queue, "2026-11-10T10:05:00+08:00", gave_up_after=5)
    ingest(http, database, settings, tenant, "/v1/calls", [later])
    report(http, tenant, period=WEEK)
    assert len(entries(http, admin, action="report.restated", period=WEEK)) >= 2


def test_a_changed_sl_threshold_never_touches_the_closed_report(
    http, database, settings, tenant, per_workload, closed
):
    # T 20 s → 5 s: no call answered within 5 s, so SL 0/10 (missed); score 40 → band 0.90;
    # penalties 2 × 50 + 100; 9 × 45 × 0.90 − 200 = ¥164.50
    spec = TenancyFile.model_validate(
        {
            "queues": [
                {
                    "code": tenant.queue,
                    "client": tenant.client,
                    "vendors": [tenant.vendor],
                    "sl_threshold_s": 5,
                    "sl_formula": "abandoned_negative",
                }
            ]
        }
    )
    with database.session_scope() as session:  # as `callpulse apply` does
        applied = apply_tenancy(session, spec)
        assert mark_for_recompute(session, applied, settings.interval_minutes) > 0
    drain(database, settings)
    served = report(http, tenant, period=WEEK)
    assert served["sl_formulas"][tenant.queue]["threshold_s"] == 20  # as closed
    assert recomputed_sha256(served) == closed["closed"]["sha256"]
    assert served["restatement"] == [
        {"kpi": "service_level", "closed": 0.8, "now": 0.0},
        {"kpi": "score", "closed": 80, "now": 40},
        {"kpi": "amount", "closed": 255.0, "now": 164.5},
    ]
    # an open period reads the new threshold: the live report of 10 November
    live = report(http, tenant, period="2026-11-10")
    assert live["sl_formulas"][tenant.queue]["threshold_s"] == 5
