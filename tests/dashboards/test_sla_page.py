"""The SLA page in a real browser: a client user's month, period and language switches,
downloads identical to the API's exports, tenant isolation, and share links refused."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from app.access.users import create_share_link, create_user, user_principal
from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.contracts.service import sla_report
from app.contracts.text import met_mark, money_text
from app.core.errors import NotFound
from app.core.formats import value_text
from app.kpi.aggregation import drain
from dashboards import data
from dashboards.sla.page import start, url_query
from dashboards.sla.periods import current_period
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, open_alerts
from tests.dashboards.conftest import ARTIFACTS
from tests.factories import cdr, post
from tests.kpi.helpers import client_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "review-password"


def user(database, username, role, **tenant_codes):
    """Create a browser user; return its principal (what the guard hands the page)."""
    with database.session_scope() as session:
        created = create_user(session, username, PASSWORD, role, **tenant_codes)
        return user_principal(session, created.id)


def log_in(page, live_server, username, path="/sla/"):
    page.goto(f"{live_server}{path}", wait_until="load")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator("#compliance-table").wait_for(timeout=15_000)


def report_for(database, principal, client, period, contract=None):
    with database.session_scope() as session:
        return sla_report(session, principal, client, period, contract)


def text(page, selector):
    return page.locator(selector).inner_text().strip()


def wait_text(page, selector, expected, timeout=10_000):
    page.locator(selector, has_text=expected).wait_for(timeout=timeout)


@pytest.fixture
def traffic(client, database, settings, tenant):
    """DESIGN §10's contract on the tenant's queue, and ten calls minutes ago (Shanghai).

    8 answered in 10 s, 1 in 40 s, 1 abandoned after 30 s, two surveyed at 90: SL 0.80 met,
    abandon 0.10 missed (penalty 50 + 100), ASA 13.3 s met, CSAT 90 met; score 80 → 1.00;
    9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00. An alert on the queue, acknowledged.
    """
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    entry = contract_entry(
        tenant,
        valid_from=str(today - timedelta(days=400)),
        valid_to=str(today + timedelta(days=400)),
        **DESIGN_CONTRACT,
    )
    apply(database, entry)
    midnight = datetime.combine(today, datetime.min.time(), SHANGHAI)
    first = max(now - timedelta(minutes=12), midnight + timedelta(seconds=1))
    at = [(first + timedelta(seconds=40 * i)).isoformat() for i in range(10)]
    calls = [cdr(f"p{i}", tenant.queue, at[i], wait=10, talk=20, agent="a1") for i in range(8)]
    calls[0]["csat"] = calls[1]["csat"] = 90
    calls.append(cdr("p8", tenant.queue, at[8], wait=40, talk=20, agent="a2"))
    calls.append(cdr("p9", tenant.queue, at[9], gave_up_after=30))
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 10
    drain(database, settings)
    rule = {
        "name": f"sla-page-{tenant.client}",
        "queues": [tenant.queue],
        "metric": "service_level",
        "window_min": 30,
        "op": "<",
        "threshold": 0.95,
        "min_volume": 3,
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [rule]}))
    return {"contract": entry["code"], "month": current_period("month", today), "today": today}


def acknowledge_alerts(client, database, settings, pg, tenant) -> int:
    """Evaluate the client's rules and acknowledge every alert they open; return how many.

    Ours opens one; the default rules may open more, depending on timing. All are acknowledged
    so that no response time runs on between two reads of the same report.
    """
    evaluate_all(database, settings, datetime.now(UTC), client_id(pg, tenant.client))
    opened = pg.execute(
        "SELECT a.id, r.name FROM alerts a JOIN alert_rules r ON r.id = a.rule_id"
        " WHERE a.client_id = %s",
        [client_id(pg, tenant.client)],
    ).fetchall()
    assert f"sla-page-{tenant.client}" in {name for _, name in opened}
    for alert_id, _ in opened:
        response = client.post(f"/v1/alerts/{alert_id}/ack", headers=tenant.auth(tenant.client_key))
        assert response.status_code == 200, response.text
    return len(opened)


def assert_page_shows(page, report):
    """The table, score, coefficient and amount on the page are the report's numbers."""
    for target in report["targets"]:
        row = f"#target-{target['kpi'].replace('.', '-')}"
        assert text(page, f"{row} .actual") == value_text(target["actual"], target["unit"])
        assert text(page, f"{row} .verdict") == met_mark(target["met"], "en")[1]
        assert text(page, f"{row} .weight") == f"{target['weight']:g}"
    score = "—" if report["score"] is None else f"{report['score']:.2f}"
    assert text(page, "#score") == score
    assert text(page, "#coefficient") == f"{report['coefficient']:.2f}"
    amount = report["amount"]
    assert text(page, "#amount-total") == money_text(amount["total"], amount["currency"])
    assert text(page, "#invoice-line") == amount["line"]


def export_from_api(client, tenant, fmt, period, contract):
    response = client.get(
        f"/v1/sla/{tenant.client}.{fmt}",
        params={"period": period, "contract": contract},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    return response


def download(page, fmt):
    with page.expect_download() as info:
        page.click(f"#download-{fmt}")
    got = info.value
    with open(got.path(), "rb") as file:
        return got.suggested_filename, file.read()


def cells_of(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# The read time a partial period's line states ("as of 2026-11-30 23:43", "截至 …").
READ_TIME = re.compile(r"(as of|截至) \d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def read_at_any_time(rows: list) -> list:
    """The rows of an export but its as-of time, which differs between two reads (also in the
    partial period's line: two reads may fall in different minutes)."""
    as_of = ("As of", "数据截至")

    def first(row) -> str:
        return row if isinstance(row, str) else str(row[0] if row else "")

    def timeless(cell):
        return READ_TIME.sub(r"\1 <read time>", cell) if isinstance(cell, str) else cell

    return [
        timeless(row) if isinstance(row, str) else [timeless(cell) for cell in row]
        for row in rows
        if not first(row).startswith(as_of)
    ]


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_client_user_reviews_the_month_switches_period_and_language_and_downloads(
    page, live_server, client, database, settings, pg, tenant, traffic
):
    opened = acknowledge_alerts(client, database, settings, pg, tenant)
    principal = user(database, f"cl-{tenant.client}", "client", client_code=tenant.client)
    log_in(page, live_server, f"cl-{tenant.client}")
    month = report_for(database, principal, tenant.client, traffic["month"])
    assert month["amount"]["line"] == "9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    assert month["alerts"]["opened"] == month["alerts"]["acknowledged"] == opened
    wait_text(page, "#period-range", traffic["month"])
    assert_page_shows(page, month)
    # by hand: SL 8/10, abandon 1/10, ASA (8 × 10 + 40) / 9 s, CSAT 90
    rows = ("service_level", "abandon_rate", "asa_s", "csat")
    actual = [text(page, f"#target-{kpi} .actual") for kpi in rows]
    assert actual == ["80.00 %", "10.00 %", "13.3 s", "90.00"]
    assert text(page, "#target-abandon_rate .verdict") == "✗ missed"
    assert text(page, "#score") == "80.00" and text(page, "#amount-total") == "¥255.00"
    assert text(page, "#band") == "score ≥ 80 → × 1.00"
    assert "service level = A_T / offered (abandoned_negative)" in text(page, "#compliance-table")
    assert f"{tenant.queue}: A_T / offered (abandoned_negative), T = 20 s" in text(
        page, "#sl-formulas"
    )
    assert text(page, "#client-name") == f"Client ({tenant.client})"
    assert text(page, "#vendor") == tenant.vendor
    assert text(page, "#timezone") == "Asia/Shanghai"
    summary = f"opened {opened} · acknowledged {opened} · mean response"
    assert text(page, "#alert-summary").startswith(summary)
    assert page.locator("#alert-table tbody tr").count() == opened
    assert page.locator("#client-picker").is_disabled()  # a client user has one client
    assert page.locator("#contract-picker").is_disabled()  # and here one contract
    for kpi in rows:
        page.locator(f"#trend-{kpi} .main-svg").first.wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "sla-month-en.png"), full_page=True)

    # downloads: the same report as the API's exports, but for the moment each was read
    contract, label = traffic["contract"], traffic["month"]
    name, csv_bytes = download(page, "csv")
    api_csv = export_from_api(client, tenant, "csv", label, contract)
    assert read_at_any_time(csv_rows(csv_bytes)) == read_at_any_time(csv_rows(api_csv.content))
    assert name == f"sla-{tenant.client}-{label}.csv"
    assert ["Invoice line", month["amount"]["line"]] in csv_rows(api_csv.content)
    name, xlsx_bytes = download(page, "xlsx")
    assert name == f"sla-{tenant.client}-{label}.xlsx"
    api_xlsx = cells_of(export_from_api(client, tenant, "xlsx", label, contract).content)
    mine = cells_of(xlsx_bytes)
    assert {k: read_at_any_time(v) for k, v in mine.items()} == {
        k: read_at_any_time(v) for k, v in api_xlsx.items()
    }
    by_field = {row[0]: row[1] for row in mine["SLA"] if row[0]}
    assert by_field["Amount"] == 255.0 and by_field["Score"] == 80
    _, pdf_bytes = download(page, "pdf")
    assert pdf_bytes.startswith(b"%PDF")
    assert read_at_any_time(pdf_text(pdf_bytes).splitlines()) == read_at_any_time(
        pdf_text(export_from_api(client, tenant, "pdf", label, contract).content).splitlines()
    )

    # period: today (a day), then this ISO week — the same ten calls, the same numbers
    page.get_by_label("Day", exact=True).check()
    day_label = traffic["today"].isoformat()
    wait_text(page, "#period-range", f"{day_label} · {day_label} – {day_label}")
    assert_page_shows(page, report_for(database, principal, tenant.client, day_label))
    assert page.locator("#trends .trend").count() == 4
    page.get_by_label("Week", exact=True).check()
    week = current_period("week", traffic["today"])
    wait_text(page, "#period-range", week)
    assert_page_shows(page, report_for(database, principal, tenant.client, week))
    assert "period=" + week in page.locator("#download-xlsx").get_attribute("href")
    page.screenshot(path=str(ARTIFACTS / "sla-week-en.png"), full_page=True)

    # language: every word in Chinese, the numbers unchanged
    page.click("#lang-toggle")
    wait_text(page, "#compliance-table", "服务水平")
    assert text(page, "#target-abandon_rate .verdict") == "✗ 未达标"
    assert text(page, "#invoice-line") == "9 通 × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    assert "考核系数" in text(page, "#settlement")
    assert "结算金额" in text(page, "#settlement")
    assert "平均应答速度" in text(page, "#compliance-table")
    assert "服务水平 = A_T / 呼入量 (abandoned_negative)" in text(page, "#compliance-table")
    assert text(page, "#lang-toggle") == "English"
    page.get_by_label("月", exact=True).check()
    wait_text(page, "#period-range", traffic["month"])
    assert text(page, "#score") == "80.00"
    page.screenshot(path=str(ARTIFACTS / "sla-month-zh.png"), full_page=True)
    # the downloads follow the page's language
    wait_text(page, "#download-section", "下载")
    assert "lang=zh" in page.locator("#download-pdf").get_attribute("href")
    _, xlsx_zh = download(page, "xlsx")
    assert list(cells_of(xlsx_zh)) == ["考核报告", "每日数据"]
    _, pdf_zh = download(page, "pdf")
    (ARTIFACTS / "sla-month-zh.xlsx").write_bytes(xlsx_zh)  # to look at, as a reviewer would
    (ARTIFACTS / "sla-month-zh.pdf").write_bytes(pdf_zh)
    assert "服务水平考核报告" in pdf_text(pdf_zh) and "放弃率" in pdf_text(pdf_zh)


def test_a_month_without_calls_shows_no_data_not_misses(
    page, live_server, database, settings, tenant, traffic
):
    user(database, f"old-{tenant.client}", "client", client_code=tenant.client)
    earlier = (traffic["today"].replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    log_in(page, live_server, f"old-{tenant.client}", f"/sla/?period={earlier}&lang=zh")
    wait_text(page, "#period-range", earlier)
    assert text(page, "#target-service_level .verdict") == "○ 无数据"
    assert text(page, "#score") == "—"
    assert text(page, "#amount-total") == "¥0"


def test_another_clients_user_sees_only_its_own_client(
    page, live_server, client, database, settings, tenant, traffic
):
    other = contract_entry(tenant, client=tenant.other_client, queues=[tenant.foreign_queue])
    other |= {
        "valid_from": str(traffic["today"] - timedelta(days=40)),
        "valid_to": str(traffic["today"] + timedelta(days=40)),
    }
    apply(database, other)
    offered = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    post(client, "/v1/calls", [cdr("x1", tenant.foreign_queue, offered, wait=5, talk=10)], tenant)
    drain(database, settings)
    username = f"other-{tenant.other_client}"
    principal = user(database, username, "client", client_code=tenant.other_client)
    first = f"/sla/?client={tenant.client}&contract={traffic['contract']}"
    log_in(page, live_server, username, first)
    wait_text(page, "#client-name", tenant.other_client)
    body = page.inner_text("body")
    for secret in (tenant.client, traffic["contract"], tenant.queue):
        assert secret not in body
    assert text(page, "#contract").startswith(other["code"])
    assert page.locator("#client-picker").count() == 1
    page.screenshot(path=str(ARTIFACTS / "sla-other-client.png"), full_page=True)
    # the first client's export, asked for by hand with this user's cookie: nothing
    url = f"{live_server}/sla/export/{tenant.client}.xlsx?period={traffic['month']}"
    response = page.request.get(url)
    assert response.status == 404 and tenant.queue not in response.text()
    assert page.request.get(url.replace(".xlsx", ".csv")).status == 404
    with pytest.raises(NotFound):
        data.sla_view(database, principal, tenant.client, traffic["month"], None)
    own = page.request.get(
        f"{live_server}/sla/export/{tenant.other_client}.csv?period={traffic['month']}"
    )
    assert own.status == 200 and tenant.other_client in own.text()


def test_several_contracts_in_force_are_picked_one_at_a_time(
    page, live_server, client, database, tenant, traffic
):
    second = contract_entry(
        tenant,
        code=f"z-{tenant.client}",  # after the first by code: the first is shown first
        vendor=tenant.other_vendor,
        queues=[tenant.other_queue],
        valid_from=str(traffic["today"] - timedelta(days=40)),
        valid_to=str(traffic["today"] + timedelta(days=40)),
    )
    apply(database, second)
    user(database, f"two-{tenant.client}", "client", client_code=tenant.client)
    log_in(page, live_server, f"two-{tenant.client}")
    wait_text(page, "#contract", traffic["contract"])
    assert not page.locator("#contract-picker").is_disabled()
    page.click("#contract-picker")
    page.get_by_role("option", name=second["code"]).click()
    wait_text(page, "#contract", second["code"])
    assert text(page, "#vendor") == tenant.other_vendor
    assert text(page, "#queues") == tenant.other_queue
    assert text(page, "#target-service_level .verdict") == "○ no data"
    assert f"contract={second['code']}" in page.locator("#download-csv").get_attribute("href")
    name, body = download(page, "csv")
    assert name == f"sla-{tenant.client}-{traffic['month']}-{second['code']}.csv"
    api = export_from_api(client, tenant, "csv", traffic["month"], second["code"]).content
    assert read_at_any_time(csv_rows(body)) == read_at_any_time(csv_rows(api))


def test_admin_picks_a_client(page, live_server, database, tenant, traffic):
    user(database, f"admin-{tenant.client}", "admin")
    log_in(page, live_server, f"admin-{tenant.client}", f"/sla/?client={tenant.client}")
    wait_text(page, "#client-name", tenant.client)
    assert text(page, "#score") == "80.00"
    assert not page.locator("#client-picker").is_disabled()
    page.click("#client-picker")
    page.fill("input.dash-dropdown-search", tenant.other_client)  # many clients: search
    options = page.locator(".dash-dropdown-options [role=option]")
    options.first.wait_for(timeout=5_000)
    assert options.all_inner_texts() == [f"Other client ({tenant.other_client})"]
    options.first.click()
    wait_text(page, "#sla-error", f"client {tenant.other_client!r} has no contract in force")
    assert page.locator("#compliance-table").count() == 0
    page.screenshot(path=str(ARTIFACTS / "sla-admin-no-contract.png"))


def test_share_links_are_refused_on_the_sla_page(page, live_server, database, tenant, traffic):
    with database.session_scope() as session:
        token = create_share_link(session, f"sla-{tenant.client}", tenant.client)
    response = page.goto(f"{live_server}/sla/?token={token}", wait_until="load")
    assert response.status == 403
    assert "Share links open wallboards only" in page.inner_text("body")
    assert "/login?next=/sla/" in page.inner_text("body")
    export = page.request.get(
        f"{live_server}/sla/export/{tenant.client}.csv?period={traffic['month']}&token={token}"
    )
    assert export.status == 403
    # the wallboard still opens with it, and its cookie does not open the SLA page
    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=15_000)
    page.goto(f"{live_server}/sla/", wait_until="load")
    assert "/login" in page.url


def test_downloads_need_a_login(page, live_server, tenant):
    response = page.request.get(
        f"{live_server}/sla/export/{tenant.client}.xlsx?period=2026-11", max_redirects=0
    )
    assert response.status == 302
    assert response.headers["location"].startswith("/login?next=/sla/export/")


def test_the_first_view_never_offers_a_client_the_user_may_not_see():
    clients = [{"code": "acme", "name": "ACME", "timezone": "Asia/Shanghai"}]
    assert url_query("?client=other&period=2026-W47&lang=zh") == {
        "client": "other",
        "period": "2026-W47",
        "lang": "zh",
    }
    first = start(clients, {"client": "other", "period": "2026-W47"})
    assert first == {
        "client": "acme",
        "kind": "week",
        "wanted": {"period": "2026-W47", "contract": None},
    }
    assert start([], {})["client"] is None


def test_alerts_never_acknowledged_are_listed_in_both_languages(
    page, live_server, database, pg, tenant
):
    # October: one alert acknowledged after 4 min, one never acknowledged and resolved after
    # 30 min → mean (240 + 1800) / 2 = 17:00, missed; the second is listed with its 30:00.
    apply(database, contract_entry(tenant))
    open_alerts(pg, tenant, [("2026-10-15T09:00", 240, 600)])
    rule = open_alerts(pg, tenant, [("2026-10-15T10:00", None, 1800)])
    (name,) = pg.execute("SELECT name FROM alert_rules WHERE id = %s", [rule]).fetchone()
    user(database, f"un-{tenant.client}", "client", client_code=tenant.client)
    log_in(page, live_server, f"un-{tenant.client}", "/sla/?period=2026-10")
    wait_text(page, "#period-range", "2026-10")
    assert text(page, "#alert-summary").startswith(
        "opened 2 · acknowledged 1 · mean response 17:00 ✗"
    )
    assert text(page, "#unacked-title") == (
        "Never acknowledged: missed, each counted until it resolved or the period ended (1)"
    )
    assert page.locator("#unacked-alerts tbody td").all_inner_texts() == [
        "2026-10-15 10:00", tenant.queue, name, "2026-10-15 10:30", "30:00 ✗",
    ]  # fmt: skip
    page.click("#lang-toggle")
    wait_text(page, "#unacked-title", "从未确认的告警", timeout=30_000)
    assert page.locator("#unacked-alerts thead th").all_inner_texts() == [
        "触发时间", "队列", "规则", "恢复时间", "未确认时长",
    ]  # fmt: skip
    page.screenshot(path=str(ARTIFACTS / "sla-unacknowledged-zh.png"), full_page=True)
