"""Forecast accuracy targets score on /v1/sla and its exports; reads stay tenant-scoped."""

import csv
import io

import pytest

from app.kpi.aggregation import drain
from dashboards.sla.components import missed_opener
from tests.contracts.helpers import apply, contract_entry, report, sla
from tests.factories import post
from tests.forecasts.helpers import (
    FORECAST_ACCURACY,
    PATH,
    SCHEDULE_ACCURACY,
    STAFFING_ACCURACY,
    day_metrics,
    forecast,
    post_day,
)


@pytest.fixture
def forecast_contract(client, database, settings, tenant):
    post_day(client, tenant, tenant.queue)
    drain(database, settings)
    entry = contract_entry(
        tenant,
        targets={
            "forecast_accuracy": {"min": 0.90, "weight": 40},
            "staffing_forecast_accuracy": {"min": 0.50, "weight": 30},
            "schedule_forecast_accuracy": {"min": 0.90, "weight": 30},
        },
    )
    apply(database, entry)
    return tenant


def test_targets_score_against_the_hand_computed_day(client, forecast_contract):
    body = report(client, forecast_contract, period="2026-11")
    rows = {t["kpi"]: t for t in body["targets"]}
    assert rows["forecast_accuracy"]["actual"] == pytest.approx(FORECAST_ACCURACY)  # 4/7
    assert rows["forecast_accuracy"]["met"] is False and rows["forecast_accuracy"]["points"] == 0
    assert rows["staffing_forecast_accuracy"]["actual"] == pytest.approx(STAFFING_ACCURACY)
    assert rows["staffing_forecast_accuracy"]["met"] is True  # 0.5 ≥ 0.5: 30 points
    assert rows["schedule_forecast_accuracy"]["actual"] == pytest.approx(SCHEDULE_ACCURACY)
    assert rows["schedule_forecast_accuracy"]["met"] is False  # 0.75 < 0.90
    assert body["score"] == pytest.approx(30.0)  # 100 × 30 / 100
    day = next(d for d in body["daily"] if d["date"] == "2026-11-20")
    assert day["forecast_accuracy"] == pytest.approx(FORECAST_ACCURACY)


@pytest.mark.parametrize(("lang", "name"), [("en", "Forecast accuracy"), ("zh", "话务预测准确率")])
def test_exports_name_it_in_both_languages(client, forecast_contract, lang, name):
    t = forecast_contract
    r = sla(client, t.client, t.client_key, ".csv", period="2026-11", lang=lang)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    [row] = [row for row in rows if row and row[-1] == "forecast_accuracy"]
    assert row[0] == name and float(row[3]) == pytest.approx(FORECAST_ACCURACY)
    assert (
        sla(client, t.client, t.client_key, ".pdf", period="2026-11", lang=lang).status_code == 200
    )


@pytest.mark.parametrize(
    ("lang", "why"),
    [
        ("en", "a forecast against each interval's actual calls, not one call"),
        ("zh", "按预测与各时段实际话务对比计算，不对应具体通话"),
    ],
)
def test_the_sla_page_says_why_no_call_misses_it(lang, why):
    opener = missed_opener("forecast_accuracy", {"min": 0.9, "max": None}, lang)
    assert (opener.children, opener.className) == (why, "missed-none")


def test_vendor_keys_read_their_served_queues_only(client, database, settings, tenant):
    post_day(client, tenant, tenant.queue)
    drain(database, settings)
    # the serving vendor reads the queue's accuracy (a forecast is of the whole queue)
    row = day_metrics(client, tenant, tenant.queue, key=tenant.key)
    assert row["forecast_accuracy"] == pytest.approx(FORECAST_ACCURACY)
    # the other vendor does not serve it: no read
    response = client.get(
        "/v1/metrics",
        params={"queue": tenant.queue, "from": "2026-11-20", "to": "2026-11-21"},
        headers=tenant.auth(tenant.other_key),
    )
    assert response.status_code in (403, 404), response.text
    # its own queue shows no forecast of another queue
    other = day_metrics(client, tenant, tenant.other_queue, key=tenant.other_key)
    assert other["forecast_accuracy"] is None


def test_a_vendor_cannot_post_for_a_queue_it_does_not_serve(client, tenant):
    response = post(
        client, PATH, [forecast(tenant.queue, "09:00", 1)], tenant, key=tenant.other_key
    )
    [error] = response.json()["rejected"][0]["errors"]
    assert error == f"queue: {tenant.queue!r} is not served by vendor {tenant.other_vendor!r}"
