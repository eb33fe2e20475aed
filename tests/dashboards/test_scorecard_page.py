"""The Scorecard tab and the projection warning on /sla in a real browser, both languages."""

from tests.contracts.open_month import open_month
from tests.dashboards.test_sla_page import PASSWORD, user
from tests.scorecard.conftest import add_two_vendors


def log_in(page, live_server, username, path, ready):
    page.goto(f"{live_server}{path}", wait_until="load")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator(ready).wait_for(timeout=15_000)


def cell(page, contract, css):
    return page.locator(f"#card-row-{contract} td.{css}").inner_text().strip()


def contracts(page):
    return [c.strip() for c in page.locator("#scorecard-table td.contract").all_inner_texts()]


def test_scorecard_tab_sorts_downloads_and_speaks_chinese(
    page,
    live_server,
    client,
    database,
    settings,
    tenant,
):
    first, second = add_two_vendors(client, database, settings, tenant)
    user(database, f"card-{tenant.client}", "client", client_code=tenant.client)
    path = f"/sla/?client={tenant.client}&period=2026-10&tab=scorecard"
    log_in(page, live_server, f"card-{tenant.client}", path, "#scorecard-table")
    assert page.locator("#report").is_hidden()
    assert sorted(contracts(page)) == sorted([first["code"], second["code"]])
    assert cell(page, first["code"], "amount") == "¥36.45"
    assert cell(page, first["code"], "cost") == "¥4.05"
    assert cell(page, second["code"], "cost") == "¥6.30"

    page.click("#sort-amount a")  # ascending, then descending: the URL holds both
    page.wait_for_url("**sort=amount**order=asc**")
    page.locator("#sort-amount", has_text="▲").wait_for()
    assert contracts(page) == [first["code"], second["code"]]
    page.click("#sort-amount a")
    page.locator("#sort-amount", has_text="▼").wait_for()
    assert contracts(page) == [second["code"], first["code"]]
    assert "order=desc" in page.url and "tab=scorecard" in page.url

    with page.expect_download() as download:
        page.click("#scorecard-download-csv")
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert "Vendor scorecard" in content and "Cost per handled contact" in content

    page.click("#lang-toggle")
    page.locator("#scorecard h2", has_text="供应商记分卡").wait_for()
    assert "单次处理成本" in page.locator("#scorecard-table").inner_text()
    assert (
        page.locator("#scorecard-partial").inner_text().startswith("周期未结束: 否：考核周期已结束")
    )
    page.click("#tab-report")
    page.locator("#compliance-table").wait_for()
    assert page.locator("#scorecard").is_hidden()


def test_a_vendor_supervisor_sees_only_its_row(
    page, live_server, client, database, settings, tenant
):
    first, _ = add_two_vendors(client, database, settings, tenant)
    user(database, f"sup-{tenant.vendor}", "supervisor", vendor_code=tenant.vendor)
    path = f"/sla/?client={tenant.client}&period=2026-10&tab=scorecard"
    log_in(page, live_server, f"sup-{tenant.vendor}", path, "#scorecard-table")
    assert contracts(page) == [first["code"]]


def test_the_projection_warns_in_money_in_both_languages(
    page,
    live_server,
    client,
    database,
    settings,
    tenant,
):
    month = open_month(client, database, settings, tenant)
    user(database, f"pj-{month.client}", "client", client_code=month.client)
    path = f"/sla/?client={month.client}&period={month.month}"
    log_in(page, live_server, f"pj-{month.client}", path, "#projection")
    warning = page.locator("#projection-lines").inner_text()
    assert "5.00 points short of band 1.00" in warning and "at stake" in warning
    assert "meeting any one of these closes the gap: Abandon rate" in warning
    assert page.locator("#projection.warning").count() == 1
    label = page.locator("#partial-label").inner_text()
    assert f"as of {month.month}" in label and month.zone in label
    page.click("#lang-toggle")
    page.locator("#projection-lines", has_text="差 5.00 分达到系数 1.00 档").wait_for()
    assert "待定" in page.locator("#projection-lines").inner_text()
    assert "以下任一指标达标即可补足差距：放弃率" in page.locator("#projection-lines").inner_text()
    assert "尚未结束" in page.locator("#partial-label").inner_text()
