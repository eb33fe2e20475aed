"""The callback KPIs everywhere a KPI is: contract targets (SLA report and both languages'
exports), the evidence listing behind the figures, the SLA page's drill-down, alert rules."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import drain
from dashboards.call_lists import missed_listing
from tests.callbacks.helpers import day_of_callbacks, metrics_row
from tests.callbacks.test_live import near_now
from tests.contracts.helpers import apply, contract_entry, report, sla
from tests.factories import post
from tests.kpi.helpers import client_id


@pytest.fixture
def day(client, tenant, database, settings):
    """The hand-worked day of `helpers.day_of_callbacks`: 4 requested, 2 of 4 due on time."""
    assert (
        post(client, "/v1/calls", day_of_callbacks(tenant.queue), tenant).json()["rejected"] == []
    )
    drain(database, settings)
    return tenant


@pytest.fixture
def contracted(database, day):
    targets = {"callback_timeliness": {"min": 0.95, "weight": 10}}
    apply(database, contract_entry(day, targets=targets))
    return day


def test_a_contract_target_scores_it(client, contracted):
    rows = {t["kpi"]: t for t in report(client, contracted, period="2026-11")["targets"]}
    target = rows["callback_timeliness"]
    assert target["actual"] == pytest.approx(0.5)  # 2 on time of 4 due
    assert target["met"] is False and target["points"] == 0


@pytest.mark.parametrize(("lang", "name"), [("en", "Callback timeliness"), ("zh", "回访及时率")])
def test_exports_name_it_in_both_languages(client, contracted, lang, name):
    t = contracted
    r = sla(client, t.client, t.client_key, ".csv", period="2026-11", lang=lang)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    [row] = [row for row in rows if row and row[-1] == "callback_timeliness"]
    assert row[0] == name and float(row[3]) == pytest.approx(0.5)
    assert (
        sla(client, t.client, t.client_key, ".pdf", period="2026-11", lang=lang).status_code == 200
    )


def _listed(client, tenant, **params) -> list[str]:
    params = {"queue": tenant.queue, "from": "2026-11-20", "to": "2026-11-21", **params}
    r = client.get("/v1/calls", params=params, headers=tenant.auth(tenant.client_key))
    assert r.status_code == 200, r.text
    return [c["call_id"] for c in r.json()["calls"]]


def test_the_listed_rows_are_the_figures(client, day):
    row = metrics_row(client, day, queue=day.queue)
    requests = _listed(client, day, outcome="callback")
    assert requests == ["r1", "r2", "r3", "r4"] and len(requests) == row["callbacks_requested"]
    on_time = _listed(client, day, outcome="callback", callback="met")
    late = _listed(client, day, outcome="callback", callback="missed")
    assert (on_time, late) == (["r1", "r4"], ["r2", "r3"])
    assert len(on_time) / (len(on_time) + len(late)) == row["callback_timeliness"]
    # the verdict filter alone lists requests only (other calls have no callback verdict)
    assert _listed(client, day, callback="missed") == ["r2", "r3"]


def test_a_bad_verdict_is_named(client, day):
    params = {"queue": day.queue, "from": "2026-11-20", "to": "2026-11-21", "callback": "late"}
    r = client.get("/v1/calls", params=params, headers=day.auth(day.client_key))
    assert r.status_code == 400 and r.json()["error"].startswith("callback: "), r.text


def test_the_sla_page_lists_the_late_callbacks():
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    [query] = missed_listing("callback_timeliness", {"min": 0.95}, start, end).queries
    assert (query.outcome, query.callback) == ("callback", "missed")


def test_an_alert_rule_fires_on_an_overdue_request(client, database, settings, pg, tenant):
    rule = {
        "name": f"callbacks-{tenant.queue}",
        "queues": [tenant.queue],
        "metric": "callback_timeliness",
        "window_min": 120,
        "op": "<",
        "threshold": 1,
        "min_volume": 1,
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [rule]}))
    # late (overdue, never called back) and done (on time) are due; fresh is pending: 1 / 2
    assert post(client, "/v1/calls", near_now(tenant), tenant).json()["accepted"] == 4
    now = datetime.now(UTC) + timedelta(seconds=1)
    evaluate_all(database, settings, now, client_id(pg, tenant.client))
    alerts = client.get("/v1/alerts", headers=tenant.auth(tenant.client_key)).json()["alerts"]
    [alert] = [a for a in alerts if a["metric"] == "callback_timeliness"]
    assert alert["queue"] == tenant.queue and alert["value"] == pytest.approx(0.5)
