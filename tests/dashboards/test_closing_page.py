"""The closing section of /sla in a real browser, in both languages: the client and the
vendor close the week on the page, the hash shows, a late CDR shows as a restatement."""

import pytest

from tests.closing.helpers import WEEK, call
from tests.contracts.conftest import http, per_workload
from tests.contracts.helpers import ingest
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_sla_page import PASSWORD, text, user, wait_text
from tests.factories import cdr

__all__ = ["http", "per_workload"]  # the SLA tests' fixtures, used here

WORDS = {
    "en": {
        "open": "Open: neither side has closed this period",
        "half": "Client side has closed; waiting for the other side",
        "closed": "Closed: closed at",
        "restated": "Service level",
        "audit": "Period closed",
    },
    "zh": {
        "open": "未关账：双方均未确认关账",
        "half": "甲方（客户）已确认关账，等待另一方确认",
        "closed": "已关账：已于",
        "restated": "服务水平",
        "audit": "周期关账",
    },
}


def log_in(page, live_server, username: str, query: str) -> None:
    page.goto(f"{live_server}/sla/{query}", wait_until="load")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator("#closing").wait_for(timeout=15_000)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_sides_close_on_the_page_and_a_late_cdr_is_restated(
    browser, page, live_server, http, database, settings, tenant, per_workload, lang
):
    words = WORDS[lang]
    client_user, vendor_user = f"cl-{tenant.client}", f"sv-{tenant.vendor}"
    user(database, client_user, "client", client_code=tenant.client)
    user(database, vendor_user, "supervisor", vendor_code=tenant.vendor)
    query = f"?client={tenant.client}&period={WEEK}&lang={lang}"

    log_in(page, live_server, client_user, query)
    wait_text(page, "#close-state", words["open"])
    assert page.locator("#closing .close-actions button").count() == 1  # close, no reopen
    page.locator("#closing .close-actions button").click()
    wait_text(page, "#close-state", words["half"])
    assert page.locator("#closing .close-actions button").count() == 0  # closed once

    vendor_context = browser.new_context(viewport={"width": 1600, "height": 1000})
    vendor_page = vendor_context.new_page()
    try:
        log_in(vendor_page, live_server, vendor_user, query)
        wait_text(vendor_page, "#close-state", words["half"])
        vendor_page.locator("#closing .close-actions button").click()
        wait_text(vendor_page, "#close-state", words["closed"])
    finally:
        vendor_context.close()
    state = call(http, "GET", tenant.client, tenant.client_key, period=WEEK).json()
    sha256 = state["closed"]["sha256"]
    assert state["sides"]["vendor"]["by"] == vendor_user

    page.reload(wait_until="load")
    wait_text(page, "#close-state", sha256)
    assert page.locator("#restatement").count() == 0  # the live figures agree
    assert words["audit"] in text(page, "#audit-log")

    # a late CDR of 10 November: SL 8/10 → 9/11, and 9 → 10 handled (¥255 → ¥300)
    late = cdr("late-1", tenant.queue, "2026-11-10T10:00:00+08:00", wait=10, agent="a1")
    ingest(http, database, settings, tenant, "/v1/calls", [late])
    page.reload(wait_until="load")
    page.locator("#restatement").wait_for(timeout=15_000)
    restatement = text(page, "#restatement")
    assert f"{words['restated']}\t80.00 %\t81.82 %" in restatement
    assert "¥255.00\t¥300.00" in restatement
    assert text(page, "#amount-total") == "¥255.00"  # the invoice stays as closed
    assert sha256 in text(page, "#close-state")
    page.screenshot(path=str(ARTIFACTS / f"sla-closing-{lang}.png"), full_page=True)
