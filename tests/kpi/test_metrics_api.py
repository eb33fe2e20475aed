"""KPIs through the real API: ingest → aggregate → /v1/metrics, checked by hand."""

import csv
import io

import pytest

from app.kpi.aggregation import drain
from tests.factories import post

DAY = "2026-11-20"  # in the tenant's Asia/Shanghai timezone


def call(call_id, queue, offered, wait=None, talk=None, abandoned_after=None, **extra):
    """A CDR offered at `offered` (local Shanghai time hh:mm:ss) answered after `wait` s."""
    base = f"{DAY}T{offered}+08:00"
    record = {"call_id": call_id, "queue": queue, "offered_at": base, **extra}
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(base)
    if wait is not None:
        record["answered_at"] = (start + timedelta(seconds=wait)).isoformat()
        if talk is not None:
            record["ended_at"] = (start + timedelta(seconds=wait + talk)).isoformat()
    if abandoned_after is not None:
        record["ended_at"] = (start + timedelta(seconds=abandoned_after)).isoformat()
    return record


def metrics(http, tenant, key=None, **params):
    response = http.get("/v1/metrics", params=params, headers=tenant.auth(key or tenant.client_key))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def day_of_calls(client, tenant, database, settings):
    q = tenant.queue
    calls = [
        call(
            "a1",
            q,
            "09:00:00",
            wait=5,
            talk=100,
            hold_s=0,
            acw_s=30,
            agent="ag1",
            csat=80,
            resolved=True,
        ),
        call(
            "a2",
            q,
            "09:01:00",
            wait=10,
            talk=200,
            hold_s=10,
            acw_s=30,
            agent="ag1",
            transferred=True,
            resolved=False,
        ),
        call("a3", q, "09:20:00", wait=25, talk=300, hold_s=20, acw_s=30, agent="ag2", csat=100),
        call("a4", q, "09:40:00", wait=40, agent="ag2"),  # answered, still talking
        call("b1", q, "10:05:00", abandoned_after=30),
        call("w1", q, "10:10:00"),  # still waiting: not in SL or ASA
    ]
    body = post(client, "/v1/calls", calls, tenant).json()
    assert body["accepted"] == 6, body
    drain(database, settings)
    return calls


def test_day_kpis_match_hand_computation(client, tenant, day_of_calls):
    body = metrics(
        client, tenant, queue=tenant.queue, **{"from": DAY, "to": "2026-11-21"}, granularity="day"
    )
    assert body["granularity"] == "day" and body["timezone"] == "Asia/Shanghai"
    [row] = body["series"]
    assert row["queue"] == tenant.queue and row["client"] == tenant.client
    assert row["start"] == "2026-11-20T00:00:00+08:00" and row["end"] == "2026-11-21T00:00:00+08:00"
    assert row["offered"] == 5 and row["answered"] == 4 and row["abandoned"] == 1
    assert row["answered_within_threshold"] == 2  # waits 5 and 10 ≤ 20 s
    assert row["service_level"] == 2 / 5
    assert row["asa_s"] == (5 + 10 + 25 + 40) / 4
    assert row["answer_rate"] == 4 / 5 and row["abandon_rate"] == 1 / 5
    assert row["handled"] == 3
    assert row["aht_s"] == pytest.approx((100 + 200 + 300 - 0 - 10 - 20 + 0 + 10 + 20 + 90) / 3)
    assert row["att_s"] == pytest.approx((100 - 0 + 200 - 10 + 300 - 20) / 3)
    assert row["acw_s"] == 30
    assert row["transfer_rate"] == pytest.approx(1 / 3)
    assert row["fcr_rate"] == 0.5
    assert row["csat"] == 90
    assert row["sl_formula"] == "abandoned_negative"


def test_hour_buckets_are_gap_filled_and_labelled_locally(client, tenant, day_of_calls):
    body = metrics(
        client,
        tenant,
        queue=tenant.queue,
        **{"from": f"{DAY}T08:00:00+08:00", "to": f"{DAY}T12:00:00+08:00"},
    )
    rows = body["series"]
    assert [r["start"][11:16] for r in rows] == ["08:00", "09:00", "10:00", "11:00"]
    assert [r["offered"] for r in rows] == [0, 4, 1, 0]
    assert rows[0]["service_level"] is None
    assert rows[2]["abandon_rate"] == 1.0


def test_interval_granularity(client, tenant, day_of_calls):
    rows = metrics(
        client,
        tenant,
        queue=tenant.queue,
        granularity="interval",
        **{"from": f"{DAY}T09:00:00+08:00", "to": f"{DAY}T10:00:00+08:00"},
    )["series"]
    assert [r["offered"] for r in rows] == [2, 1, 1, 0]
    assert [r["start"][11:16] for r in rows] == ["09:00", "09:15", "09:30", "09:45"]


def test_split_by_agent_and_queue(client, tenant, day_of_calls):
    rows = metrics(
        client,
        tenant,
        client=tenant.client,
        by="agent",
        granularity="day",
        **{"from": DAY, "to": "2026-11-21"},
    )["series"]
    handled = {r["agent"]: r["handled"] for r in rows}
    assert handled == {"ag1": 2, "ag2": 1, "(none)": 0}
    rows = metrics(
        client,
        tenant,
        client=tenant.client,
        by="queue",
        granularity="day",
        **{"from": DAY, "to": "2026-11-21"},
    )["series"]
    assert {r["queue"]: r["offered"] for r in rows} == {tenant.queue: 5}


def test_csv_has_the_same_numbers(client, tenant, day_of_calls):
    response = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "from": DAY,
            "to": "2026-11-21",
            "granularity": "day",
            "format": "csv",
        },
        headers=tenant.auth(tenant.client_key),
    )
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, so Excel reads Chinese
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["offered"] == "5" and float(row["service_level"]) == 0.4


def test_csv_agent_codes_are_inert(client, tenant, database, settings):
    """A vendor's agent code that is a formula reaches the client's CSV as inert text."""
    codes = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1", "-2+3", "plain"]
    calls = [
        call(f"inj{i}", tenant.queue, f"10:0{i}:00", wait=5, talk=60, agent=code)
        for i, code in enumerate(codes)
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == len(calls)
    drain(database, settings)
    response = client.get(
        "/v1/metrics",
        params={"client": tenant.client, "from": DAY, "to": "2026-11-21"}
        | {"granularity": "day", "by": "agent", "format": "csv"},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_agent = {row["agent"]: row for row in rows}
    assert set(by_agent) == {"'" + code for code in codes[:4]} | {"plain"}
    assert all(by_agent[a]["answered"] == "1" for a in by_agent)


def test_other_tenants_get_404(client, tenant, day_of_calls, database):
    from tests.factories import make_tenant

    stranger = make_tenant(database)
    for key in (stranger.client_key, stranger.key):
        r = client.get("/v1/metrics", params={"queue": tenant.queue}, headers=tenant.auth(key))
        assert r.status_code == 404 and r.json() == {"error": f"unknown queue {tenant.queue!r}"}
        r = client.get("/v1/metrics", params={"client": tenant.client}, headers=tenant.auth(key))
        assert r.status_code == 404
        r = client.get(f"/v1/queues/{tenant.queue}/live", headers=tenant.auth(key))
        assert r.status_code == 404
    # the tenant's other vendor does not serve `queue`
    r = client.get(
        "/v1/metrics", params={"queue": tenant.queue}, headers=tenant.auth(tenant.other_key)
    )
    assert r.status_code == 404


def test_bad_parameters_are_4xx(client, tenant):
    auth = tenant.auth(tenant.client_key)
    assert client.get("/v1/metrics", headers=auth).status_code == 422
    r = client.get("/v1/metrics", params={"queue": tenant.queue, "from": "yesterday"}, headers=auth)
    assert r.status_code == 400 and "from: 'yesterday' is neither a date" in r.json()["error"]
    r = client.get(
        "/v1/metrics", params={"queue": tenant.queue, "granularity": "year"}, headers=auth
    )
    assert r.status_code == 400 and "granularity" in r.json()["error"]
    r = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "granularity": "interval",
            "from": "2020-01-01",
            "to": "2026-01-01",
        },
        headers=auth,
    )
    assert r.status_code == 400 and "buckets" in r.json()["error"]
