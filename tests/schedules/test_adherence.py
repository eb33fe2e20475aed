"""Schedule adherence and conformance, hand-computed over a day with breaks, on /v1/metrics."""

import pytest

from app.kpi.definitions import KPIS, conformance, schedule_adherence
from app.kpi.names import FORMULAS_ZH, kpi_name
from tests.schedules.conftest import (
    ADHERENCE,
    CONFORMANCE,
    SHARED_ADHERENCE,
    SHARED_CONFORMANCE,
)

DAY = {"from": "2026-11-20", "to": "2026-11-21", "granularity": "day"}


def metrics(http, tenant, **params):
    r = http.get("/v1/metrics", params=params | DAY, headers=tenant.auth(tenant.client_key))
    assert r.status_code == 200, r.text
    return r.json()["series"]


def test_the_formulas_on_components():
    c = {"adherent_s": 27900.0, "scheduled_s": 28800.0, "worked_s": 600.0}
    assert schedule_adherence(c) == pytest.approx(0.96875)
    assert conformance(c | {"scheduled_work_s": 0.0}) is None
    assert conformance(c | {"scheduled_work_s": 1200.0}) == 0.5
    assert KPIS["schedule_adherence"].formula.startswith(
        "schedule adherence (排班遵时率) = seconds in the scheduled state / scheduled seconds"
    )
    assert kpi_name("schedule_adherence", "zh") == "排班遵时率"
    assert kpi_name("conformance", "zh") == "排班符合度"
    assert kpi_name("schedule_adherence", "en") == "Schedule adherence"
    assert FORMULAS_ZH["schedule_adherence"].startswith("排班遵时率 = ")


def test_client_total_counts_each_agent_second_once(client, day_with_breaks):
    [row] = metrics(client, day_with_breaks, client=day_with_breaks.client)
    assert row["schedule_adherence"] == pytest.approx(ADHERENCE)  # 27900 / 28800
    assert row["conformance"] == pytest.approx(CONFORMANCE)  # 24600 / 24300


def test_per_agent(client, day_with_breaks):
    rows = metrics(client, day_with_breaks, client=day_with_breaks.client, by="agent")
    by_agent = {r["agent"]: r for r in rows}
    assert by_agent["ag1"]["schedule_adherence"] == pytest.approx(ADHERENCE)
    assert by_agent["ag1"]["conformance"] == pytest.approx(CONFORMANCE)


def test_per_queue_by_the_segments_queues_else_the_vendors(client, day_with_breaks):
    t = day_with_breaks
    rows = {r["queue"]: r for r in metrics(client, t, client=t.client, by="queue")}
    assert rows[t.queue]["schedule_adherence"] == pytest.approx(ADHERENCE)
    assert rows[t.shared_queue]["schedule_adherence"] == pytest.approx(SHARED_ADHERENCE)
    assert rows[t.shared_queue]["conformance"] == pytest.approx(SHARED_CONFORMANCE)
    [one] = metrics(client, t, queue=t.shared_queue)
    assert one["schedule_adherence"] == pytest.approx(SHARED_ADHERENCE)


def test_hourly_buckets_split_a_segment(client, day_with_breaks):
    t = day_with_breaks
    rows = client.get(
        "/v1/metrics",
        params={
            "client": t.client,
            "from": "2026-11-20T12:00:00+08:00",
            "to": "2026-11-20T13:00:00+08:00",
            "granularity": "hour",
        },
        headers=t.auth(t.client_key),
    ).json()["series"]
    [lunch] = rows
    assert lunch["schedule_adherence"] == pytest.approx(3000 / 3600)
    assert lunch["conformance"] is None  # no work scheduled in the hour


def test_another_vendor_sees_none_of_it(client, day_with_breaks):
    t = day_with_breaks
    r = client.get(
        "/v1/metrics",
        params={"queue": t.shared_queue} | DAY,
        headers=t.auth(t.other_key),
    )
    [row] = r.json()["series"]
    assert row["schedule_adherence"] is None
