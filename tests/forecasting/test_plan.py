"""The own forecast on real data: the job (idempotent, backfill), holidays, and the plan
route (WFM first, scheduled agents, accuracy, CSV, tenant scoping)."""

from datetime import datetime, time, timedelta

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.forecasting.store import store_forecasts
from app.kpi.aggregation import drain
from tests.factories import post
from tests.forecasting.helpers import TZ, local_today, queue_id, slot_calls
from tests.kpi.helpers import client_id

NINE, NINE_15 = time(9), time(9, 15)


def _post(client, tenant, records, key=None):
    response = post(client, "/v1/calls", records, tenant, key=key)
    assert response.status_code == 200 and not response.json()["rejected"], response.text


def _plan(client, tenant, day, key=None, **params):
    response = client.get(
        f"/v1/queues/{tenant.queue}/plan",
        params={"date": day.isoformat(), **params},
        headers=tenant.auth(key),
    )
    assert response.status_code == 200, response.text
    return response


def _interval(plan, day, at):
    start = datetime.combine(day, at, TZ).isoformat()
    [found] = [i for i in plan["intervals"] if i["start"] == start]
    return found


def test_the_job_stores_tomorrow_idempotently_and_the_plan_staffs_it(
    client, database, settings, pg, tenant
):
    tomorrow = local_today() + timedelta(days=1)
    # last week: 6 calls of 100 s at 09:00; two weeks back: 12 calls of 200 s
    _post(
        client, tenant, slot_calls(tenant.queue, tomorrow - timedelta(weeks=1), NINE, 6, 100, "a")
    )
    _post(
        client, tenant, slot_calls(tenant.queue, tomorrow - timedelta(weeks=2), NINE, 12, 200, "b")
    )
    drain(database, settings)
    cid, qid = client_id(pg, tenant.client), queue_id(pg, tenant.queue)
    store_forecasts(database, settings, client_id=cid)
    query = (
        "SELECT interval_start, offered, aht_s, required_agents, received_at FROM forecasts"
        " WHERE queue_id = %s AND source = 'callpulse' ORDER BY interval_start"
    )
    first = pg.execute(query, [qid]).fetchall()
    store_forecasts(database, settings, client_id=cid)
    assert pg.execute(query, [qid]).fetchall() == first  # same rows, not even rewritten
    # today has no history (its weekday had no calls): tomorrow's 96 intervals only
    assert len(first) == 96
    plan = _plan(client, tenant, tomorrow, tenant.client_key).json()
    assert plan["timezone"] == "Asia/Shanghai" and plan["date"] == tomorrow.isoformat()
    nine = _interval(plan, tomorrow, NINE)
    # offered (6·6 + 5·12) / 11 = 96/11 = 8.73; AHT (6·600 + 5·2400) / (6·6 + 5·12) = 162.5.
    # Erlang C at A = 96/11 / 900 s × 162.5 s = 1.576 Erl, T = 20 s, target 0.80:
    # N=3 gives SL 0.778, N=4 gives 0.936, so 4 agents.
    assert (nine["source"], nine["offered"], nine["aht_s"]) == ("callpulse", 8.73, 162.5)
    assert nine["required_agents"] == 4
    assert nine["scheduled_agents"] is None and nine["staffing_gap"] is None  # no schedule
    ten = _interval(plan, tomorrow, time(10))
    assert (ten["offered"], ten["required_agents"]) == (0, 0)
    assert plan["own_forecast_accuracy"]["intervals"] == 0
    assert plan["own_forecast_accuracy"]["value"] is None


def test_backfill_measures_the_own_forecasts_accuracy(client, database, settings, pg, tenant):
    yesterday = local_today() - timedelta(days=1)
    _post(
        client, tenant, slot_calls(tenant.queue, yesterday - timedelta(weeks=1), NINE, 10, 60, "h")
    )
    _post(client, tenant, slot_calls(tenant.queue, yesterday, NINE, 8, 60, "y"))
    drain(database, settings)
    store_forecasts(database, settings, past_days=1, client_id=client_id(pg, tenant.client))
    plan = _plan(client, tenant, local_today()).json()
    # yesterday's 96 intervals were forecast; 09:00 expected 10 and got 8, the others 0 and 0:
    # 1 − |8 − 10| / 8 = 0.75
    assert plan["own_forecast_accuracy"] == {
        "kpi": "forecast_accuracy",
        "from": (local_today() - timedelta(days=7)).isoformat(),
        "to": local_today().isoformat(),
        "intervals": 96,
        "value": 0.75,
    }


def test_holidays_are_left_out_of_the_history(client, database, settings, pg, tenant):
    tomorrow = local_today() + timedelta(days=1)
    holiday = tomorrow - timedelta(weeks=1)
    spec = {"code": tenant.client, "name": "Client", "timezone": "Asia/Shanghai"}
    with database.session_scope() as session:
        apply_tenancy(
            session,
            TenancyFile.model_validate({"clients": [{**spec, "holidays": [holiday.isoformat()]}]}),
        )
    _post(client, tenant, slot_calls(tenant.queue, holiday, NINE, 50, 100, "x"))
    _post(
        client, tenant, slot_calls(tenant.queue, tomorrow - timedelta(weeks=2), NINE, 10, 100, "z")
    )
    drain(database, settings)
    # only two weeks back counts (weight 5): 5·10 / 5 = 10, computed at read time (not stored)
    assert _interval(_plan(client, tenant, tomorrow).json(), tomorrow, NINE)["offered"] == 10
    # without the holiday: (6·50 + 5·10) / 11 = 31.82
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"clients": [spec]}))
    assert _interval(_plan(client, tenant, tomorrow).json(), tomorrow, NINE)["offered"] == 31.82


def test_a_wfm_forecast_wins_and_schedules_are_counted(client, database, settings, pg, tenant):
    tomorrow = local_today() + timedelta(days=1)
    _post(
        client,
        tenant,
        slot_calls(tenant.queue, tomorrow - timedelta(weeks=1), NINE_15, 3, 100, "w"),
    )
    drain(database, settings)
    cid, qid = client_id(pg, tenant.client), queue_id(pg, tenant.queue)
    pg.execute(
        "INSERT INTO forecasts (client_id, queue_id, source, interval_start, offered, aht_s)"
        " VALUES (%s, %s, 'nice-wfm', %s, 20, 180)",
        [cid, qid, datetime.combine(tomorrow, NINE, TZ)],
    )
    segments = [
        {
            "agent": f"a{n}",
            "start": datetime.combine(tomorrow, NINE, TZ).isoformat(),
            "end": (datetime.combine(tomorrow, NINE, TZ) + timedelta(minutes=span)).isoformat(),
            "activity": "work",
            "queues": [tenant.queue],
        }
        for n, span in ((1, 30), (2, 15 + 7.5))  # a2 works 09:15–09:22:30: half an interval
    ]
    response = post(client, "/v1/schedules", segments, tenant)
    assert response.status_code == 200 and not response.json()["rejected"], response.text
    plan = _plan(client, tenant, tomorrow).json()
    nine, nine_15 = _interval(plan, tomorrow, NINE), _interval(plan, tomorrow, NINE_15)
    assert (nine["source"], nine["offered"], nine["aht_s"]) == ("nice-wfm", 20, 180)
    assert (nine["scheduled_agents"], nine["staffing_gap"]) == (2, 2 - nine["required_agents"])
    assert (nine_15["source"], nine_15["offered"], nine_15["aht_s"]) == ("callpulse", 3, 100)
    assert nine_15["scheduled_agents"] == 1.5
    assert _interval(plan, tomorrow, time(10))["scheduled_agents"] == 0


def test_the_plan_is_tenant_scoped_and_downloads_as_csv(client, tenant):
    tomorrow = local_today() + timedelta(days=1)
    for code, key, status in (
        (tenant.queue, tenant.other_key, 404),  # the other vendor does not serve the queue
        (tenant.foreign_queue, tenant.client_key, 404),  # another client's queue
        (tenant.foreign_queue, None, 200),  # the vendor serves it for the other client
    ):
        response = client.get(f"/v1/queues/{code}/plan", headers=tenant.auth(key))
        assert response.status_code == status, response.text
    default = _plan(client, tenant, tomorrow).json()
    assert (
        client.get(f"/v1/queues/{tenant.queue}/plan", headers=tenant.auth()).json() == default
    )  # tomorrow by default
    csv = _plan(client, tenant, tomorrow, format="csv")
    assert csv.headers["content-type"].startswith("text/csv")
    header = csv.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("interval start 时段开始 (Asia/Shanghai),")
    assert "required agents (Erlang C) 所需坐席数" in header
    assert len(csv.content.decode("utf-8-sig").splitlines()) == 1 + 96
    for params, field in (({"date": "2026-13-01"}, "date"), ({"format": "xml"}, "format")):
        response = client.get(
            f"/v1/queues/{tenant.queue}/plan", params=params, headers=tenant.auth()
        )
        assert response.status_code == 400 and response.json()["error"].startswith(field)
