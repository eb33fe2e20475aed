"""The calls behind every number, in a real browser: a wallboard tile's abandoned, SL and
waiting figures (desk and TV, keyboard and Escape, a vendor's supervisor), and the misses
behind an SLA target with their downloads."""

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from app.access.users import create_share_link, create_user
from app.kpi.aggregation import run_pass
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_sla_page import log_in, traffic, user  # noqa: F401 (a fixture)
from tests.factories import cdr, post

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_at(seconds_ago: float) -> str:
    """A moment `seconds_ago`, or just after the client's midnight if that is later."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(SHANGHAI).date(), datetime.min.time(), SHANGHAI)
    return max(now - timedelta(seconds=seconds_ago), midnight + timedelta(seconds=1)).isoformat()


def shown_ids(page, table="#calls-table") -> list[str]:
    return page.locator(f"{table} tbody td.call_id").all_inner_texts()


def downloaded(page, button) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(button)
    got = info.value
    with open(got.path(), "rb") as file:
        return got.suggested_filename, file.read()


def csv_ids(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def test_a_tiles_figures_open_exactly_their_calls_on_a_desk_and_a_tv(
    page, live_server, client, database, settings, tenant
):
    # today: 2 answered within T = 20 s, 1 after 40 s, 3 abandoned, 1 waiting now
    # → abandon 3 / 6 = 50.0 %, SL 2 / 6 (4 missed: the late one and the abandoned)
    began = time.monotonic()
    calls = [cdr(f"ok{i}", tenant.queue, today_at(600 - i), wait=5, talk=30) for i in range(2)]
    calls.append(cdr("late", tenant.queue, today_at(500), wait=40, talk=30))
    calls += [
        cdr(f"ab{i}", tenant.queue, today_at(400 - i), gave_up_after=30 + i) for i in range(3)
    ]
    calls.append({"call_id": "wait1", "queue": tenant.queue, "offered_at": today_at(90)})
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 7
    run_pass(database, settings)
    with database.session_scope() as session:
        token = create_share_link(session, f"calls-{tenant.client}", tenant.client)
    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    abandon = page.locator(f"#abandon-{tenant.queue}")
    abandon.wait_for(timeout=15_000)
    assert abandon.inner_text().startswith("50.0 %")

    abandon.click()
    page.locator("#calls-panel:not([hidden])").wait_for(timeout=5_000)
    page.locator("#calls-count", has_text="3 calls").wait_for(timeout=5_000)
    assert page.locator("#calls-title").inner_text() == f"Abandoned today · {tenant.queue}"
    assert shown_ids(page) == ["ab0", "ab1", "ab2"]  # oldest first
    heads = page.locator("#calls-table thead th").all_inner_texts()
    assert heads[:4] == ["Call", "Offered (Asia/Shanghai)", "Ended (Asia/Shanghai)", "Wait (mm:ss)"]
    assert page.locator("#calls-table tbody td.wait_s").all_inner_texts() == [
        "00:30", "00:31", "00:32",
    ]  # fmt: skip
    assert f"calls={tenant.queue}:abandoned" in page.url  # a reload shows the same
    page.screenshot(path=str(ARTIFACTS / "wallboard-calls-abandoned.png"))
    name, body = downloaded(page, "#calls-csv")
    assert name.startswith(f"{tenant.queue}-abandoned-") and csv_ids(body) == ["ab0", "ab1", "ab2"]
    _, book = downloaded(page, "#calls-xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["ab0", "ab1", "ab2"]

    page.keyboard.press("Escape")
    page.locator("#calls-panel[hidden]").wait_for(state="attached", timeout=5_000)
    page.wait_for_function("() => !location.search.includes('calls=')", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == f"abandon-{tenant.queue}"

    # the keyboard opens the service level's misses: its figure is a button
    sl = page.locator(f"#sl-today-{tenant.queue}")
    sl.focus()
    page.keyboard.press("Enter")
    page.locator("#calls-count", has_text="4 calls").wait_for(timeout=5_000)
    assert sorted(shown_ids(page)) == ["ab0", "ab1", "ab2", "late"]
    page.click("#calls-close")
    page.locator("#calls-panel[hidden]").wait_for(state="attached", timeout=5_000)

    # a TV holds the waiting list in its URL, in large type; Escape closes it, not TV mode
    page.goto(f"{live_server}/wall/?tv=1&lang=zh&calls={tenant.queue}:waiting", wait_until="load")
    page.locator("#calls-count", has_text="1 通").wait_for(timeout=15_000)
    assert page.locator(f"#waiting-{tenant.queue}").inner_text() == "1"
    assert shown_ids(page) == ["wait1"]
    minutes, seconds = page.locator("#calls-table tbody td.wait_so_far").inner_text().split(":")
    waited = int(minutes) * 60 + int(seconds)
    assert 90 <= waited <= 90 + (time.monotonic() - began) + 1  # offered 90 s before `began`
    size = page.locator("#calls-table tbody td").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 28 and page.locator("#calls-close").is_visible()
    assert page.locator("#calls-csv").is_hidden()  # no controls on a TV
    page.screenshot(path=str(ARTIFACTS / "wallboard-calls-tv-zh.png"))
    page.keyboard.press("Escape")
    page.locator("#calls-panel[hidden]").wait_for(state="attached", timeout=5_000)
    assert page.locator("#wall.tv").count() == 1


def test_a_vendors_supervisor_sees_only_its_own_calls(
    page, live_server, client, database, settings, tenant
):
    mine = [
        cdr(f"v{i}", tenant.shared_queue, today_at(300 - i), gave_up_after=30) for i in range(2)
    ]
    theirs = [cdr("theirs-w0", tenant.shared_queue, today_at(200), gave_up_after=30)]
    post(client, "/v1/calls", mine, tenant)
    post(client, "/v1/calls", theirs, tenant, key=tenant.other_key)
    elsewhere = [cdr("theirs-o0", tenant.other_queue, today_at(200), gave_up_after=30)]
    post(client, "/v1/calls", elsewhere, tenant, key=tenant.other_key)
    run_pass(database, settings)
    with database.session_scope() as session:
        create_user(session, f"vs-{tenant.client}", "floor-password", "supervisor",
                    vendor_code=tenant.vendor)  # fmt: skip
    page.goto(f"{live_server}/wall/?calls={tenant.shared_queue}:abandoned", wait_until="load")
    page.fill("#username", f"vs-{tenant.client}")
    page.fill("#password", "floor-password")
    page.click("#login")
    page.locator("#calls-count", has_text="2 calls").wait_for(timeout=15_000)
    assert shown_ids(page) == ["v0", "v1"]  # not the other vendor's theirs-w0
    # a queue only the other vendor serves: not even on this board
    page.goto(f"{live_server}/wall/?calls={tenant.other_queue}:abandoned", wait_until="load")
    page.locator("#calls-note", has_text="Not a queue you may see.").wait_for(timeout=15_000)
    # (a call id no queue code can contain: the codes are random hex, `o0…` may be one)
    assert shown_ids(page) == [] and "theirs-o0" not in page.inner_text("body")


def test_an_sla_target_opens_what_missed_it_and_downloads_it(
    page,
    live_server,
    database,
    tenant,
    traffic,  # noqa: F811
):
    # traffic: 8 answered in 10 s (p0–p7), p8 after 40 s, p9 abandoned after 30 s
    user(database, f"mi-{tenant.client}", "client", client_code=tenant.client)
    log_in(page, live_server, f"mi-{tenant.client}")
    page.click("#target-service_level .missed-open")
    page.locator("#missed-count", has_text="2 calls").wait_for(timeout=10_000)  # 80 % of 10
    assert page.locator("#missed-table tbody td.call_id").all_inner_texts() == ["p8", "p9"]
    assert page.locator("#missed-title").inner_text().startswith("Service level: what missed it")
    assert "Offered (Asia/Shanghai)" in page.locator("#missed-table thead").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sla-missed-service-level.png"))
    name, body = downloaded(page, "#missed-csv")
    assert name == f"missed-{tenant.client}-{traffic['month']}-service_level.csv"
    assert csv_ids(body) == ["p8", "p9"]
    _, book = downloaded(page, "#missed-xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["p8", "p9"]
    page.keyboard.press("Escape")
    page.locator("#missed-panel[hidden]").wait_for(state="attached", timeout=5_000)

    page.click("#target-abandon_rate .missed-open")  # 10.00 % of 10 calls
    page.locator("#missed-count", has_text="1 call").wait_for(timeout=10_000)
    assert page.locator("#missed-table tbody td.call_id").all_inner_texts() == ["p9"]
    page.click("#missed-close")
    page.click("#target-asa_s .missed-open")  # an average: the answered calls past 20 s
    page.locator("#missed-note", has_text="ASA is an average").wait_for(timeout=10_000)
    page.locator("#missed-count", has_text="1 call").wait_for(timeout=10_000)
    assert page.locator("#missed-table tbody td.call_id").all_inner_texts() == ["p8"]
    page.click("#missed-close")
    page.click("#lang-toggle")
    page.locator("#target-csat .missed-open", has_text="未达标通话").wait_for(timeout=10_000)
    page.click("#target-csat .missed-open")  # both surveyed scored 90 ≥ 85
    page.locator("#missed-count", has_text="0 通").wait_for(timeout=10_000)
    assert page.locator("#missed-shown").inner_text() == "无。"
