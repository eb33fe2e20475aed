"""The wallboard in a real browser shows each queue's pending callbacks, in both languages
(with the page tests' one browser: a second Playwright in the session would not start)."""

from tests.callbacks.test_live import near_now
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_wallboard import share_url
from tests.factories import post


def test_a_tile_shows_pending_and_overdue_callbacks(page, live_server, client, database, tenant):
    assert post(client, "/v1/calls", near_now(tenant), tenant).json()["accepted"] == 4
    page.goto(share_url(database, live_server, tenant, f"cb-{tenant.client}"), wait_until="load")
    figure = page.locator(f"#callbacks-{tenant.queue}")
    figure.wait_for(timeout=15_000)
    # 2 pending (late, fresh), 1 overdue (late), the oldest left its number 89 min ago
    assert figure.inner_text().startswith("2 · 1 (oldest 1:29:")
    assert "breach" in figure.get_attribute("class").split()
    label = page.locator(".metric", has=figure).locator(".label")
    assert label.inner_text() == "Callbacks pending · overdue"
    page.click("#lang-toggle")
    page.get_by_text("待回访 · 已超时").first.wait_for(timeout=3_000)
    assert page.locator(f"#callbacks-{tenant.queue}").inner_text().startswith("2 · 1 (最久 1:29:")
    page.screenshot(path=str(ARTIFACTS / "wallboard-callbacks.png"), full_page=True)
