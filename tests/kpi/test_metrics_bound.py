"""Bounded answers: `/v1/metrics` weighs a series (buckets × split values) before reading it,
refuses one above `CALLPULSE_MAX_METRIC_ROWS` with how to narrow or page it, and streams CSV."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from app.kpi.aggregation import drain
from app.main import create_app
from tests.factories import cdr, post

BOUND = 864  # 3 days × 96 intervals × 3 agents


@pytest.fixture(scope="module")
def bounded(settings, database):
    """The app with a bound of 864 rows per series."""
    app = create_app(settings.model_copy(update={"max_metric_rows": BOUND}), database)
    with TestClient(app) as http:
        yield http


@pytest.fixture
def three_agents(client, tenant, database, settings):
    """Calls of three agents on 20 November (Shanghai): 3 split values in any range around it."""
    calls = [
        cdr(
            f"c{i}", tenant.queue, f"2026-11-20T09:{i:02d}:00+08:00", wait=5 + i, agent=f"ag{i % 3}"
        )
        for i in range(9)
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 9
    drain(database, settings)


def get(http, tenant, **params):
    return http.get("/v1/metrics", params=params, headers=tenant.auth(tenant.client_key))


def by_agent(start, end):
    return {"client": "", "by": "agent", "granularity": "interval", "from": start, "to": end}


def test_a_series_at_the_bound_is_answered(bounded, tenant, three_agents):
    params = by_agent("2026-11-18", "2026-11-21") | {"client": tenant.client}
    response = get(bounded, tenant, **params)
    assert response.status_code == 200, response.text
    rows = response.json()["series"]
    assert len(rows) == BOUND  # 288 buckets × 3 agents, gap-filled
    assert sum(r["answered"] for r in rows) == 9
    assert {r["agent"] for r in rows} == {"ag0", "ag1", "ag2"}


def test_one_bucket_more_is_refused_with_its_size_and_the_ways_out(bounded, tenant, three_agents):
    params = by_agent("2026-11-18", "2026-11-21T00:15:00+08:00") | {"client": tenant.client}
    response = get(bounded, tenant, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert "867 rows (289 interval buckets × 3 agents)" in error
    assert "bound of 864 (CALLPULSE_MAX_METRIC_ROWS)" in error
    for way in (
        "a shorter range (from/to)",
        "a coarser granularity (hour, day, week, month)",
        "one queue (queue=CODE)",
        "no split (leave out by=)",
    ):
        assert way in error
    # paging: 864 // 3 = 288 buckets a page, and the first page named is answered
    assert "page through it 288 buckets at a time: from=2026-11-18&to=2026-11-21," in error
    first_page = by_agent("2026-11-18", "2026-11-21") | {"client": tenant.client}
    assert get(bounded, tenant, **first_page).status_code == 200


def test_a_long_range_without_split_is_refused_by_its_buckets(bounded, tenant):
    # a century of intervals: refused from the count alone (3.5 M buckets never listed)
    params = {"queue": tenant.queue, "granularity": "interval", "from": "2000-01-01"}
    response = get(bounded, tenant, **params | {"to": "2100-01-01"})
    assert response.status_code == 400
    assert "3,506,400 interval buckets" in response.json()["error"]
    assert "page through it 864 buckets at a time" in response.json()["error"]
    assert "from=2000-01-01&to=2000-01-10" in response.json()["error"]


def test_the_streamed_csv_has_the_json_figures(client, tenant, three_agents):
    params = by_agent("2026-11-20", "2026-11-21") | {"client": tenant.client}
    series = get(client, tenant, **params).json()["series"]
    response = get(client, tenant, **params | {"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "content-length" not in response.headers  # streamed, not one string
    assert response.content.startswith(b"\xef\xbb\xbf")  # the stream opens with the UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(series) == 96 * 3
    for line, row in zip(rows, series, strict=True):
        assert line == {name: "" if value is None else str(value) for name, value in row.items()}


def test_a_csv_split_by_channel_has_every_column(client, tenant, three_agents):
    params = {"queue": tenant.queue, "by": "channel", "granularity": "day"}
    params |= {"from": "2026-11-20", "to": "2026-11-21"}
    [voice] = get(client, tenant, **params).json()["series"]
    body = get(client, tenant, **params | {"format": "csv"}).content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert set(voice) < set(header) and "ticket_frt_sla" in header
