"""`/v1/calls.csv|.xlsx` and `/v1/tickets.csv|.xlsx`: the listing's rows, headers in both
languages with units and the zone, inert text, typed cells, bounded in size."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.factories import cdr, post

DAY = {"from": "2026-11-20", "to": "2026-11-21"}
BOM = b"\xef\xbb\xbf"
INJECTED = '=HYPERLINK("http://x","y")'


@pytest.fixture
def loaded(client, tenant):
    calls = [
        cdr("a1", tenant.queue, "2026-11-20T10:00:00+08:00", wait=12.5, talk=60, agent=INJECTED),
        cdr("b1", tenant.queue, "2026-11-20T10:05:00+08:00", gave_up_after=30),
        cdr("a2", tenant.queue, "2026-11-20T10:10:00+08:00", wait=3, talk=30, csat=80),
    ]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 3
    return tenant


def get(http, tenant, path, **params):
    return http.get(
        path,
        params={"queue": tenant.queue, **DAY, **params},
        headers=tenant.auth(tenant.client_key),
    )


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_holds_the_listing_with_bilingual_headers(client, loaded):
    response = get(client, loaded, "/v1/calls.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "calls-" in response.headers["content-disposition"]
    header, *rows = csv_rows(response.content)
    assert header[:5] == [
        "Call ID / 呼叫编号",
        "Queue / 队列",
        "Vendor / 接包方",
        "Agent / 坐席",
        "Offered at (Asia/Shanghai) / 进线时间 (Asia/Shanghai)",
    ]
    assert "Wait (s) / 等待 (秒)" in header
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_id) == ["a1", "b1", "a2"]
    a1 = by_id["a1"]
    assert a1["Agent / 坐席"] == "'" + INJECTED  # inert
    assert (
        a1["Offered at (Asia/Shanghai) / 进线时间 (Asia/Shanghai)"] == "2026-11-20T10:00:00+08:00"
    )
    assert float(a1["Wait (s) / 等待 (秒)"]) == 12.5
    assert a1["Service level met / 服务水平达标"] == "yes"
    assert by_id["b1"]["Outcome / 结果"] == "abandoned"
    json_rows = get(client, loaded, "/v1/calls").json()["calls"]
    assert [r["call_id"] for r in json_rows] == list(by_id)


def test_format_parameter_and_chinese_first(client, loaded):
    response = get(client, loaded, "/v1/calls", format="csv", lang="zh")
    header = csv_rows(response.content)[0]
    assert header[0] == "呼叫编号 / Call ID"
    assert "等待 (秒) / Wait (s)" in header


def test_xlsx_cells_are_typed_and_times_local(client, loaded):
    response = get(client, loaded, "/v1/calls.xlsx")
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[4] == "Offered at (Asia/Shanghai) / 进线时间 (Asia/Shanghai)"
    a1 = dict(zip(header, rows[0], strict=True))
    assert a1["Offered at (Asia/Shanghai) / 进线时间 (Asia/Shanghai)"] == datetime(2026, 11, 20, 10)
    assert a1["Wait (s) / 等待 (秒)"] == 12.5
    assert a1["Agent / 坐席"] == INJECTED
    assert sheet.cell(row=2, column=4).quotePrefix  # shown as typed, never run
    assert a1["Service level met / 服务水平达标"] is True
    assert dict(zip(header, rows[2], strict=True))["CSAT / 满意度"] == 80


def test_tickets_export(client, tenant):
    record = {
        "ticket_id": "t1",
        "queue": tenant.queue,
        "channel": "chat",
        "created_at": "2026-11-20T10:00:00+08:00",
        "first_response_at": "2026-11-20T10:00:30+08:00",
    }
    post(client, "/v1/tickets", [record], tenant)
    header, row = csv_rows(get(client, tenant, "/v1/tickets.csv").content)
    values = dict(zip(header, row, strict=True))
    assert values["Ticket ID / 工单编号"] == "t1"
    assert values["First response time (s) / 首次响应时长 (秒)"] == "30.0"
    assert values["First response met / 首次响应达标"] == "yes"
    book = openpyxl.load_workbook(io.BytesIO(get(client, tenant, "/v1/tickets.xlsx").content))
    assert book.active.cell(row=2, column=1).value == "t1"


def test_an_export_above_the_bound_is_refused_saying_how_to_narrow(settings, database, loaded):
    app = create_app(settings.model_copy(update={"max_export_rows": 2}), database)
    with TestClient(app) as http:
        refused = get(http, loaded, "/v1/calls.csv")
        assert refused.status_code == 400
        assert "3 calls match" in refused.json()["error"]
        assert "CALLPULSE_MAX_EXPORT_ROWS" in refused.json()["error"]
        narrowed = get(http, loaded, "/v1/calls.csv", outcome="answered")
        assert narrowed.status_code == 200 and len(csv_rows(narrowed.content)) == 3
