"""The disputes panel of /sla in a real browser, in both languages: a vendor supervisor
disputes a carrier-outage hour, the client agrees, and the page shows both figures."""

import pytest

from app.core.formats import value_text
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_sla_page import PASSWORD, user
from tests.disputes.helpers import design_contract

WORDS = {
    "en": {
        "open": "Open a dispute",
        "agree": "Agree",
        "agreed": "agreed",
        "reason": "Carrier outage",
    },
    "zh": {"open": "发起争议", "agree": "确认", "agreed": "已确认", "reason": "运营商线路故障"},
}


def log_in(page, live_server, username, path):
    page.goto(f"{live_server}{path}", wait_until="load")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator("#compliance-table").wait_for(timeout=15_000)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_vendor_disputes_an_outage_hour_client_agrees_page_shows_both_figures(
    browser, client, live_server, database, settings, tenant, lang
):
    design_contract(client, database, settings, tenant)
    words = WORDS[lang]
    path = f"/sla/?client={tenant.client}&period=2026-11&lang={lang}"
    supervisor, client_user = f"sup-{tenant.vendor}", f"cli-{tenant.client}"
    user(database, supervisor, "supervisor", vendor_code=tenant.vendor)
    user(database, client_user, "client", client_code=tenant.client)

    vendor_side = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    log_in(vendor_side, live_server, supervisor, path)
    form = vendor_side.locator("#dispute-form")
    form.wait_for(timeout=10_000)
    assert words["open"] in form.inner_text()
    form.locator(".from input").fill("2026-11-10T09:09")
    form.locator(".to input").fill("2026-11-10T10:09")
    form.locator("textarea.evidence").fill("carrier ticket CT-881")
    form.locator("button.dispute-submit").click()
    dispute = vendor_side.locator("article.dispute.open")
    dispute.wait_for(timeout=10_000)
    assert words["reason"] in dispute.inner_text() and "CT-881" in dispute.inner_text()
    # the opener may comment or withdraw, never agree to its own dispute
    assert dispute.locator("button.dispute-agree").count() == 0
    assert dispute.locator("button.dispute-withdraw").count() == 1
    vendor_side.context.close()

    client_side = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    log_in(client_side, live_server, client_user, path)
    assert client_side.locator("#dispute-form").count() == 1  # the client is a party too
    open_one = client_side.locator("article.dispute.open")
    open_one.wait_for(timeout=10_000)
    assert open_one.locator("button.dispute-withdraw").count() == 0
    open_one.locator("button.dispute-agree").click()
    client_side.locator("article.dispute.agreed").wait_for(timeout=10_000)
    assert words["agreed"] in client_side.locator("article.dispute.agreed").inner_text()
    # abandon rate measured 10 % → 0 % after the agreed hour; score 80 → 100, ¥255 → ¥425.25
    abandon = client_side.locator("#target-abandon_rate td.actual")
    expected = f"{value_text(0.1, 'ratio')} → {value_text(0.0, 'ratio')}"
    client_side.locator("#target-abandon_rate td.actual", has_text="→").wait_for(timeout=10_000)
    assert abandon.inner_text().strip() == expected
    figures = client_side.locator("#measured-figures").inner_text()
    assert "80 → 100" in figures and "¥255.00 → ¥425.25" in figures
    assert words["reason"] in client_side.locator("#exclusions-list").inner_text()
    client_side.screenshot(path=str(ARTIFACTS / f"sla-dispute-agreed-{lang}.png"), full_page=True)
    client_side.context.close()
