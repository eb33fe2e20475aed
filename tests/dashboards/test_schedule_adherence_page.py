"""The wallboard in a real browser marks an agent out of adherence, in both languages (with
the page tests' one browser: a second Playwright in the session would not start)."""

from datetime import UTC, datetime, timedelta

from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_wallboard import share_url
from tests.factories import post


def test_the_agent_grid_marks_an_agent_out_of_adherence(
    page,
    live_server,
    client,
    database,
    tenant,
):
    now = datetime.now(UTC)
    q = tenant.queue
    events = [
        {"agent": "ag-late", "state": "not_ready", "at": (now - timedelta(minutes=3)).isoformat()},
        {"agent": "ag-on", "state": "available", "at": (now - timedelta(minutes=2)).isoformat()},
    ]
    assert (
        post(client, "/v1/agent-events", [e | {"queues": [q]} for e in events], tenant).json()[
            "accepted"
        ]
        == 2
    )
    plan = [
        {"agent": a, "start": (now - timedelta(hours=1)).isoformat(), "activity": "work"}
        | {"end": (now + timedelta(hours=1)).isoformat(), "queues": [q]}
        for a in ("ag-late", "ag-on")
    ]
    assert post(client, "/v1/schedules", plan, tenant).json()["accepted"] == 2
    page.goto(share_url(database, live_server, tenant, f"adh-{tenant.client}"), wait_until="load")
    grid = page.locator("#agent-grid")
    grid.locator(".schedule.out").wait_for(timeout=15_000)
    late = grid.locator("tr", has_text="ag-late")
    assert late.locator("td.schedule").inner_text() == "⚠ work · out of adherence"
    on = grid.locator("tr", has_text="ag-on")
    assert on.locator("td.schedule").inner_text() == "work"
    assert "in" in on.locator("td.schedule").get_attribute("class").split()
    assert grid.locator("th").last.inner_text() == "Schedule now"
    page.click("#lang-toggle")
    page.get_by_text("未遵时").first.wait_for(timeout=3_000)
    assert late.locator("td.schedule").inner_text() == "⚠ 工作 · 未遵时"
    assert grid.locator("th").last.inner_text() == "当前排班"
    page.screenshot(path=str(ARTIFACTS / "wallboard-adherence.png"), full_page=True)
