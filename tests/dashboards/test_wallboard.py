"""The wallboard in a real browser: seeded numbers, live updates, acknowledge, access."""

import time
from datetime import UTC, datetime, timedelta

from app.access.users import create_share_link, create_user, revoke_share_link
from app.alerts.service import evaluate_all
from app.kpi.aggregation import run_pass
from app.tenancy.config import TenancyFile
from app.tenancy.service import apply_tenancy
from tests.dashboards.conftest import ARTIFACTS
from tests.factories import cdr, post
from tests.kpi.helpers import client_id


def share_url(database, live_server, tenant, name):
    with database.session_scope() as session:
        token = create_share_link(session, name, tenant.client)
    return f"{live_server}/wall/?token={token}"


def waiting_call(queue, seconds_ago, call_id):
    offered = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {"call_id": call_id, "queue": queue, "offered_at": offered.isoformat()}


def test_wallboard_shows_numbers_and_a_new_call_within_two_seconds(
    page, live_server, client, database, settings, tenant
):
    post(
        client,
        "/v1/calls",
        [waiting_call(tenant.queue, 30, "w1"), waiting_call(tenant.queue, 90, "w2")],
        tenant,
    )
    answered = []
    for i, wait in enumerate((5, 5, 5, 40)):  # 3 of 4 within T = 20 s
        call = waiting_call(tenant.queue, 600, f"a{i}")
        call["answered_at"] = (
            datetime.fromisoformat(call["offered_at"]) + timedelta(seconds=wait)
        ).isoformat()
        answered.append(call)
    post(client, "/v1/calls", answered, tenant)
    run_pass(database, settings)
    seen = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    agent = {
        "agent": "ag-wall",
        "state": "not_ready",
        "at": seen,
        "reason": "training",
        "queues": [tenant.queue],
    }
    assert post(client, "/v1/agent-events", [agent], tenant).json()["accepted"] == 1
    page.goto(share_url(database, live_server, tenant, f"tv-{tenant.client}"), wait_until="load")
    waiting = page.locator(f"#waiting-{tenant.queue}")
    waiting.wait_for(timeout=15_000)
    assert waiting.inner_text() == "2"
    assert page.locator(f"#longest-wait-{tenant.queue}").inner_text() >= "01:30"
    for element in ("sl-today", "sl-10m", "agents", "tile"):
        assert page.locator(f"#{element}-{tenant.queue}").count() == 1
    # SL = 3 / 4 answered within T = 75.0 %: within 5 points of the 80 % target, so amber
    sl_today = page.locator(f"#sl-today-{tenant.queue}")
    assert sl_today.inner_text() == "75.0 % ◆"
    assert "warn" in sl_today.get_attribute("class")
    assert page.locator(f"#asa-{tenant.queue}").inner_text().startswith("00:14")  # 55 s / 4
    assert page.locator(f"#abandon-{tenant.queue}").inner_text().startswith("0.0 %")
    assert page.locator(f"#tile-{tenant.foreign_queue}").count() == 0  # another client's
    page.locator("#agent-grid", has_text="ag-wall").wait_for(timeout=5_000)
    assert "training" in page.inner_text("#agent-grid")
    page.locator("#interval-chart .main-svg").first.wait_for(timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard.png"), full_page=True)
    post(client, "/v1/calls", [waiting_call(tenant.queue, 1, "w3")], tenant)
    sent = time.monotonic()
    page.wait_for_function(
        f"() => document.querySelector('#waiting-{tenant.queue}').innerText === '3'", timeout=2_000
    )
    assert time.monotonic() - sent <= 2.0
    page.click("#lang-toggle")
    page.get_by_text("排队数").first.wait_for(timeout=3_000)
    page.click("#tv-toggle")
    page.locator("#wall.tv").wait_for(timeout=3_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-tv-zh.png"))


def test_login_is_required_without_a_share_token(page, live_server):
    page.goto(f"{live_server}/wall/", wait_until="load")
    assert "/login" in page.url
    assert page.locator("#username").count() == 1


def test_revoked_token_is_refused(page, live_server, database, tenant):
    url = share_url(database, live_server, tenant, f"gone-{tenant.client}")
    with database.session_scope() as session:
        revoke_share_link(session, f"gone-{tenant.client}")
    response = page.goto(url, wait_until="load")
    assert response.status == 403
    assert "revoked" in page.inner_text("body")


def test_acknowledge_button_acknowledges(page, live_server, client, database, settings, pg, tenant):
    spec = TenancyFile.model_validate(
        {
            "alert_rules": [
                {
                    "name": f"wall-sl-{tenant.client}",
                    "queues": [tenant.queue],
                    "metric": "service_level",
                    "window_min": 10,
                    "op": "<",
                    "threshold": 0.8,
                    "min_volume": 3,
                }
            ]
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        create_user(
            session,
            f"sup-{tenant.client}",
            "floor-password",
            "supervisor",
            vendor_code=tenant.vendor,
        )
    now = datetime.now(UTC)
    offered = [(now - timedelta(minutes=3, seconds=i)).isoformat() for i in range(4)]
    calls = [cdr(f"ab{i}", tenant.queue, at, gave_up_after=60) for i, at in enumerate(offered)]
    post(client, "/v1/calls", calls, tenant)
    evaluate_all(database, settings, now, client_id(pg, tenant.client))
    alert_id = pg.execute(
        "SELECT a.id FROM alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE r.name = %s",
        [f"wall-sl-{tenant.client}"],
    ).fetchone()[0]
    page.goto(f"{live_server}/wall/", wait_until="load")
    page.fill("#username", f"sup-{tenant.client}")
    page.fill("#password", "floor-password")
    page.click("#login")
    button = page.locator(f"#ack-{alert_id} button")
    button.wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-alert.png"), full_page=True)
    button.click()
    deadline = time.monotonic() + 5
    state = None
    while time.monotonic() < deadline:
        state, who = pg.execute(
            "SELECT state, acknowledged_by FROM alerts WHERE id = %s", [alert_id]
        ).fetchone()
        if state == "acknowledged":
            break
        time.sleep(0.1)
    assert state == "acknowledged" and who == f"sup-{tenant.client}"


def test_a_board_that_stops_updating_says_it_is_not_live(page, live_server, database, tenant):
    page.goto(share_url(database, live_server, tenant, f"cut-{tenant.client}"), wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=15_000)
    assert "offline" not in (page.get_attribute("body", "class") or "")
    page.route("**/_dash-update-component*", lambda route: route.abort())  # the network drops
    page.locator("body.offline").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-not-live.png"))
    page.unroute("**/_dash-update-component*")  # and comes back
    page.wait_for_function("() => !document.body.classList.contains('offline')", timeout=5_000)
