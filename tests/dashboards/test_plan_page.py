"""The interval plan page (/plan) in a real browser, both languages: a WFM forecast of two
intervals and a schedule give required against scheduled agents, the short interval is
marked, the URL holds queue, date and language through a reload, and another client's queue
is neither offered nor served (with the page tests' one browser)."""

from datetime import datetime, time, timedelta

import pytest

from app.core.errors import NotFound
from dashboards import data
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_page_security import violations, watch
from tests.dashboards.test_scorecard_page import log_in
from tests.dashboards.test_sla_page import user
from tests.factories import post
from tests.forecasting.helpers import TZ, local_today

# Tomorrow, Shanghai time, 15-minute intervals, T = 20 s, SL target 0.80 (the defaults).
# The WFM tool "nice-wfm" forecasts 09:00: 20 calls of 180 s, 09:15: 10 calls of 120 s.
# Erlang C, A = calls / 900 s × AHT:
#   09:00 A = 4.0 Erl: N=6 gives SL 1 − 0.2848·e^(−2·20/180) = 0.772, N=7 gives 0.903 → 7
#   09:15 A = 1.333 Erl: N=2 gives SL 0.523, N=3 gives 1 − 0.1808·e^(−1.667·20/120) = 0.863 → 3
# Scheduled: a1…a5 work 09:00–09:30, a6 09:00–09:06 (6 of 15 min = 0.4 agent):
#   09:00 5.4 agents, gap 5.4 − 7 = −1.6 (understaffed); 09:15 5 agents, gap +2
# Totals: 30 calls; required (7 + 3) × 0.25 h = 2.50 agent-hours; scheduled (5.4 + 5) × 0.25 h
#   = 2.60 agent-hours; 1 of 96 intervals understaffed (the others have no forecast).


def post_plan(client, tenant, day):
    """Post the WFM forecast and the schedule of `day` (each accepted whole)."""

    def at(hh_mm):
        return datetime.combine(day, time.fromisoformat(hh_mm), TZ).isoformat()

    forecasts = [
        {"queue": tenant.queue, "interval_start": at("09:00"), "offered": 20, "aht_s": 180},
        {"queue": tenant.queue, "interval_start": at("09:15"), "offered": 10, "aht_s": 120},
    ]
    segments = [
        {"agent": f"a{n}", "start": at("09:00"), "end": at(end), "activity": "work"}
        | {"queues": [tenant.queue]}
        for n, end in [*((n, "09:30") for n in range(1, 6)), (6, "09:06")]
    ]
    for path, records in (
        ("/v1/forecasts", [f | {"source": "nice-wfm"} for f in forecasts]),
        ("/v1/schedules", segments),
    ):
        response = post(client, path, records, tenant)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == len(records), response.text


def cells(page, hhmm):
    return [c.strip() for c in page.locator(f"#plan-row-{hhmm} td").all_inner_texts()]


def fact(page, key):
    return page.locator(f"#plan-{key}").inner_text().strip()


def test_the_plan_staffs_tomorrow_in_both_languages_and_the_url_keeps_it(
    page, live_server, client, database, tenant
):
    tomorrow = local_today() + timedelta(days=1)
    post_plan(client, tenant, tomorrow)
    user(database, f"plan-{tenant.client}", "client", client_code=tenant.client)
    console = watch(page)  # the page draws under its Content-Security-Policy
    path = f"/plan/?queue={tenant.queue}&date={tomorrow}"
    log_in(page, live_server, f"plan-{tenant.client}", path, "#plan-row-0900")

    assert cells(page, "0900") == ["09:00–09:15", "nice-wfm", "20", "180", "7", "5.4", "⚠ −1.6"]
    assert cells(page, "0915") == ["09:15–09:30", "nice-wfm", "10", "120", "3", "5", "+2"]
    assert cells(page, "0930") == ["09:30–09:45", "—", "—", "—", "—", "0", "—"]
    assert page.locator("#plan-table tr.short").count() == 1
    assert "short" in page.locator("#plan-row-0900").get_attribute("class").split()
    assert page.locator("#plan-table th").first.inner_text() == "Interval (Asia/Shanghai)"
    assert fact(page, "day") == tomorrow.isoformat()
    assert fact(page, "sl") == "80 % of calls answered within 20 s"
    assert fact(page, "calls") == "30 calls"
    assert fact(page, "required") == "2.50 agent-hours"
    assert fact(page, "scheduled") == "2.60 agent-hours"
    assert fact(page, "short") == "1 of 96"
    week = f"{local_today() - timedelta(days=7)} – {local_today() - timedelta(days=1)}"
    assert fact(page, "accuracy").startswith("—")  # no own forecast was stored that week
    assert week in fact(page, "accuracy")
    assert page.locator("#plan-chart .main-svg").count() > 0

    with page.expect_download() as download:
        page.click("#plan-download")
    assert download.value.suggested_filename == f"plan-{tenant.queue}-{tomorrow}.csv"
    lines = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("interval start 时段开始 (Asia/Shanghai),")
    nine = datetime.combine(tomorrow, time(9), TZ).isoformat()
    assert [line for line in lines if line.startswith(nine)] == [
        f"{nine},{datetime.combine(tomorrow, time(9, 15), TZ).isoformat()},nice-wfm,20.0,180.0,"
        "7,5.4,-1.6"
    ]

    page.click("#lang-toggle")
    page.locator("#plan-title", has_text="时段排班计划").wait_for(timeout=5_000)
    page.wait_for_url("**lang=zh**")
    assert f"queue={tenant.queue}" in page.url and f"date={tomorrow}" in page.url
    page.reload(wait_until="load")
    page.locator("#plan-row-0900").wait_for(timeout=15_000)
    assert page.locator("#plan-title").inner_text() == "时段排班计划"
    assert page.locator("#plan-table th").first.inner_text() == "时段 (Asia/Shanghai)"
    assert page.locator("#plan-table th").last.inner_text() == "排班差额（人）"
    assert cells(page, "0900")[-1] == "⚠ −1.6"
    assert fact(page, "sl") == "20 秒内接通率 80 %"
    assert fact(page, "calls") == "30 通"
    assert fact(page, "scheduled") == "2.60 人·小时"
    assert fact(page, "short") == "96 个中的 1 个"
    assert "尚未测得" in fact(page, "accuracy")
    page.screenshot(path=str(ARTIFACTS / "plan-zh.png"), full_page=True)

    page.click("#next-day")  # the day after: no forecast, no schedule
    after = tomorrow + timedelta(days=1)
    page.wait_for_url(f"**date={after}**")
    page.locator("#plan-day", has_text=after.isoformat()).wait_for(timeout=5_000)
    page.reload(wait_until="load")
    page.locator("#plan-day", has_text=after.isoformat()).wait_for(timeout=15_000)
    assert cells(page, "0900") == ["09:00–09:15", "—", "—", "—", "—", "—", "—"]
    assert fact(page, "scheduled") == "未收到排班"
    assert "lang=zh" in page.url
    assert violations(page, console) == []


def test_another_clients_queue_is_neither_offered_nor_served(
    page, live_server, client, database, tenant
):
    user(database, f"plan2-{tenant.client}", "client", client_code=tenant.client)
    path = f"/plan/?queue={tenant.foreign_queue}"
    log_in(page, live_server, f"plan2-{tenant.client}", path, "#plan-row-0900")
    note = page.locator("#plan-note").inner_text()
    assert note == f"Link setting ignored: queue={tenant.foreign_queue}: not one you may see"
    page.click("#queue-picker")
    options = page.locator(".dash-dropdown-options [role=option]")
    options.first.wait_for(timeout=5_000)
    offered = " ".join(options.all_inner_texts())
    assert tenant.queue in offered and tenant.other_queue in offered
    assert tenant.foreign_queue not in offered
    # the first of the client's own queues is shown instead, tomorrow by default
    tomorrow = local_today() + timedelta(days=1)
    assert fact(page, "day") == tomorrow.isoformat()
    answer = page.request.get(f"{live_server}/plan/export/{tenant.foreign_queue}.csv")
    assert answer.status == 404 and "unknown queue" in answer.text()
    own = page.request.get(f"{live_server}/plan/export/{tenant.queue}.csv?date={tomorrow}")
    assert own.status == 200 and own.text().count("\n") == 1 + 96


def test_a_vendor_supervisor_plans_the_queues_it_serves_with_its_own_agents(
    client, database, settings, tenant
):
    tomorrow = local_today() + timedelta(days=1)
    nine = datetime.combine(tomorrow, time(9), TZ)
    segment = {"agent": "a1", "start": nine.isoformat(), "activity": "work"} | {
        "end": (nine + timedelta(minutes=30)).isoformat(),
        "queues": [tenant.shared_queue],
    }
    assert post(client, "/v1/schedules", [segment], tenant).json()["accepted"] == 1
    ours = user(database, f"sv-{tenant.vendor}", "supervisor", vendor_code=tenant.vendor)
    theirs = user(
        database, f"sw-{tenant.other_vendor}", "supervisor", vendor_code=tenant.other_vendor
    )
    assert sorted(q["code"] for q in data.plan_queues(database, theirs)) == sorted(
        [tenant.shared_queue, tenant.other_queue]
    )
    assert {q["code"] for q in data.plan_queues(database, ours)} == {
        tenant.queue,
        tenant.shared_queue,
        tenant.foreign_queue,  # served for the other client
    }

    def scheduled_at_nine(principal):
        plan = data.queue_plan(database, settings, principal, tenant.shared_queue, tomorrow)
        [row] = [i for i in plan["intervals"] if i["start"] == nine.isoformat()]
        return row["scheduled_agents"]

    assert scheduled_at_nine(ours) == 1
    assert scheduled_at_nine(theirs) is None  # the other vendor's agents are not theirs
    with pytest.raises(NotFound):
        data.queue_plan(database, settings, theirs, tenant.queue, tomorrow)
    refused = client.get("/plan/", params={"token": "any"}, follow_redirects=False)
    assert refused.status_code == 403 and "Share links open wallboards only" in refused.text
    anonymous = client.get(f"/plan/?queue={tenant.queue}", follow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["location"].startswith("/login")
